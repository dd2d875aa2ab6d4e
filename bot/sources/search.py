"""Hybrid excerpt search: dense vectors in memory, BM25 over FTS5, fused by reciprocal rank."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.errors import BadQuery

MAX_QUERY_CHARS = 400
RRF_K = 60
# Keyword ranks count half as much as dense ranks: debaters paraphrase, so shared words are the weaker signal
# (measured on tests/data/retrieval_queries.json; see README, "Search quality").
KEYWORD_WEIGHT = 0.5
CANDIDATES = 50
# BM25's cost is the postings it reads: a query keeps its rarest words until their excerpt counts add up to this
# (always at least the rarest word). Words in thousands of excerpts add little to BM25 and most of its time; a
# library below this size keeps every word. (Measured: README, "Speed".)
POSTINGS_BUDGET = 2_000
# BM25 reads this many times CANDIDATES from every library and keeps what the server may see (see keyword_candidates).
KEYWORD_OVERFETCH = 4
# Servers whose scoping mask DenseIndex keeps (a mask is one byte per excerpt).
MAX_CACHED_MASKS = 64

Mode = Literal["hybrid", "dense", "keyword"]

# Words too common to say anything in a keyword search.
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because
    been before being below between both but by can could did do does doing down during
    each few for from further had has have having he her here hers herself him himself
    his how i if in into is it its itself just me more most my myself
    no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves anyone anything
    someone something even really thing things say says said""".split()  # noqa: SIM905
)


# Control characters other than tab and line breaks (C0, DEL and C1), and lone surrogates: a terminal escape, a NUL,
# or a byte that was not UTF-8 in a command-line argument (Python hands it over as a surrogate). The model cannot
# encode a surrogate, and none of these is something a member means to search for.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_query(query: str) -> str:
    """Return the query with whitespace collapsed; raise BadQuery when it is empty, too long or not text."""
    if _NOT_TEXT.search(query):
        raise BadQuery(
            "That query contains control characters or broken Unicode. Type the claim or question as plain text."
        )
    text = " ".join(query.split())
    if not text:
        raise BadQuery("The query is empty. Type a claim or a question, e.g. `how would a pause be verified?`")
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"The query is {len(text):,} characters long; keep it under {MAX_QUERY_CHARS}.")
    return text


def keyword_terms(query: str) -> list[str]:
    """Return the query's content words, lower-cased, each once, in order."""
    words: list[str] = []
    for word in re.findall(r"\w+", query.lower()):
        if word not in _STOPWORDS and word not in words and (len(word) > 1 or word.isdigit()):
            words.append(word)
    return words


def keyword_expression(query: str | Sequence[str]) -> str | None:
    """Return an FTS5 expression matching any content word of a query (or of a list of words), None for none."""
    words = keyword_terms(query) if isinstance(query, str) else query
    # Each word is an FTS5 string (any quote in it doubled), so operators typed by a member (AND, NEAR, *, ^, column
    # filters, parentheses) are only words to match.
    return " OR ".join(_fts_string(word) for word in words) or None


def rarest_terms(counts: dict[str, int], budget: int = POSTINGS_BUDGET) -> list[str]:
    """Return the words to search for: rarest first while their excerpt counts fit the budget, at least one."""
    kept: list[str] = []
    total = 0
    for word, count in sorted(counts.items(), key=lambda pair: pair[1]):
        if count == 0:
            continue  # in no excerpt: matches nothing
        if kept and total + count > budget:
            break
        kept.append(word)
        total += count
    return kept


def _fts_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse best-first rankings of ids into one, scoring each id by the weighted sum of 1 / (k + rank)."""
    scores: dict[int, float] = {}
    for weight, ranking in zip(weights or [1.0] * len(rankings), rankings, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    # Python's sort is stable, so ties keep the order of first appearance (the first ranking wins).
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


class DenseIndex:
    """Excerpt vectors held in memory for exact dot-product search, swapped whole so readers never see a half-update.

    Each row also records its library: the server whose document it comes from, or 0 for the shared library.
    """

    def __init__(self) -> None:
        empty = np.empty(0, dtype=np.int64)
        self._snapshot: tuple[np.ndarray, np.ndarray, np.ndarray] = (empty, np.empty((0, 0), np.float32), empty)
        self._write = threading.Lock()
        # Per server, the rows it may not see and how many it may, for the current snapshot only: computing the mask
        # is a pass over every row's owner, which each search would otherwise repeat. Replaced with the snapshot.
        self._masks: dict[int, tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray | None, int]] = {}
        # The current snapshot's ids in ascending order with their owners, to look excerpts up (see visible).
        self._order: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._snapshot[0])

    def covers(self, guild_id: int | None) -> bool:
        """Return whether a server (or, with None, anyone) has any excerpt to search: shared ones or its own."""
        return self._outside(self._snapshot, guild_id or 0)[1] > 0

    def reset(self, ids: np.ndarray, matrix: np.ndarray, owners: np.ndarray | None = None) -> None:
        """Replace the whole index (`owners`: each row's library, 0 for shared; all shared when left out)."""
        ids = np.asarray(ids, dtype=np.int64)
        owners = np.zeros(len(ids), np.int64) if owners is None else np.asarray(owners, dtype=np.int64)
        with self._write:
            self._snapshot = (ids, np.ascontiguousarray(matrix, dtype=np.float32), owners)
            self._masks = {}

    def update(self, remove: Sequence[int], add_ids: Sequence[int], add_matrix: np.ndarray, owner: int = 0) -> None:
        """Drop some excerpts and add others (all of one library), as one swap."""
        with self._write:
            ids, matrix, owners = self._snapshot
            keep = ~np.isin(ids, np.asarray(remove, dtype=np.int64))
            ids, matrix, owners = ids[keep], matrix[keep], owners[keep]
            if len(add_ids):
                add_matrix = np.asarray(add_matrix, dtype=np.float32).reshape(len(add_ids), -1)
                matrix = add_matrix if matrix.size == 0 else np.vstack([matrix, add_matrix])
                ids = np.concatenate([ids, np.asarray(add_ids, dtype=np.int64)])
                owners = np.concatenate([owners, np.full(len(add_ids), owner, np.int64)])
            self._snapshot = (ids, np.ascontiguousarray(matrix), owners)
            self._masks = {}

    def top(self, query: np.ndarray, k: int, guild_id: int | None = None) -> list[tuple[int, float]]:
        """Return the k excerpt ids most similar to a normalised query vector, with their cosine similarity.

        Only the shared library's excerpts and those of `guild_id`'s own library take part.
        """
        snapshot = self._snapshot
        ids, matrix, _ = snapshot
        if len(ids) == 0:
            return []
        outside, allowed = self._outside(snapshot, guild_id or 0)
        k = min(k, allowed)
        if k <= 0:
            return []
        scores = matrix @ np.asarray(query, dtype=np.float32)
        if outside is not None:
            scores[outside] = -np.inf
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(ids[i]), float(scores[i])) for i in best]

    def visible(self, excerpt_ids: Sequence[int], guild_id: int | None = None) -> list[bool]:
        """Return, for each excerpt id, whether it is in the index and `guild_id` may see it (shared, or its own)."""
        if not excerpt_ids:
            return []
        snapshot = self._snapshot
        ordered, owners = self._ordered(snapshot)
        if len(ordered) == 0:
            return [False] * len(excerpt_ids)
        wanted = np.asarray(excerpt_ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(ordered, wanted), len(ordered) - 1)
        owner = owners[at]
        seen = (ordered[at] == wanted) & ((owner == 0) | (owner == (guild_id or 0)))
        return [bool(flag) for flag in seen]

    def _ordered(self, snapshot: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Return the snapshot's ids in ascending order with their owners (its own arrays when already in order)."""
        cached = self._order
        if cached is not None and cached[0] is snapshot:
            return cached[1], cached[2]
        ids, _, owners = snapshot
        if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
            ordered = (ids, owners)
        else:
            order = np.argsort(ids, kind="stable")
            ordered = (ids[order], owners[order])
        self._order = (snapshot, *ordered)
        return ordered

    def _outside(
        self, snapshot: tuple[np.ndarray, np.ndarray, np.ndarray], guild: int
    ) -> tuple[np.ndarray | None, int]:
        """Return the rows `guild` may not see (None when it sees all) and how many it sees, cached per snapshot."""
        cached = self._masks.get(guild)
        if cached is not None and cached[0] is snapshot:
            return cached[1], cached[2]
        owners = snapshot[2]
        outside = (owners != 0) & (owners != guild)
        hidden = int(outside.sum())
        mask = outside if hidden else None
        with self._write:
            if self._snapshot is snapshot:  # not replaced meanwhile: the mask still describes the current rows
                if len(self._masks) >= MAX_CACHED_MASKS:
                    self._masks = {}
                self._masks[guild] = (snapshot, mask, len(owners) - hidden)
        return mask, len(owners) - hidden


@dataclass(frozen=True)
class Ranked:
    """One excerpt's place in a result list, before its text is fetched."""

    excerpt_id: int
    score: float
    similarity: float | None


def rank(
    mode: Mode,
    dense: list[tuple[int, float]],
    keyword: list[tuple[int, float]],
    k: int,
) -> list[Ranked]:
    """Order candidates for one search mode and keep the best k."""
    similarity = dict(dense)
    if mode == "dense":
        order = dense
    elif mode == "keyword":
        order = keyword
    else:
        order = reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in keyword]], [1.0, KEYWORD_WEIGHT])
    return [Ranked(i, score, similarity.get(i)) for i, score in order[:k]]


def best_sentence(sentence_vectors: np.ndarray, query: np.ndarray) -> int:
    """Return the index of the sentence most similar to the query (0 when there are no sentence vectors)."""
    if sentence_vectors.size == 0:
        return 0
    return int(np.argmax(sentence_vectors @ np.asarray(query, dtype=np.float32)))
