"""The argument-vectors store: the embedding of each argument's current text, for duplicates and themes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from bot.db import write
from bot.debates.model import Argument, Side

# How many debates' matrices `similar` keeps in memory (least recently used dropped first): ~1.5 KB per argument.
HELD_DEBATES = 16


@dataclass(frozen=True)
class Candidate:
    """An earlier argument whose stored embedding is close to a vector, and the hash of the text it embeds."""

    argument_id: int
    content_hash: str
    similarity: float


class _Matrix:
    """One debate's stored embeddings of one model in memory, with the side and message id of each argument."""

    def __init__(self, dim: int) -> None:
        self.rows: dict[int, int] = {}  # argument id -> row
        self.ids: list[int] = []
        self.hashes: list[str] = []
        self.vectors = np.empty((0, dim), dtype=np.float32)
        self.pro = np.empty(0, dtype=bool)
        self.message_ids = np.empty(0, dtype=np.int64)

    def put(self, argument_id: int, side: str, message_id: int, vector: np.ndarray, content_hash: str) -> None:
        row = self.rows.get(argument_id)
        if row is None:
            row = len(self.ids)
            if row == len(self.vectors):  # grow by doubling, so appending one argument is amortised O(1)
                size = max(64, 2 * row)
                self.vectors, self.pro, self.message_ids = (
                    _grown(self.vectors, size),
                    _grown(self.pro, size),
                    _grown(self.message_ids, size),
                )
            self.rows[argument_id] = row
            self.ids.append(argument_id)
            self.hashes.append(content_hash)
        self.vectors[row] = vector
        self.hashes[row] = content_hash
        self.pro[row] = side == "pro"
        self.message_ids[row] = message_id


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, *array.shape[1:]), dtype=array.dtype)
    out[: len(array)] = array
    return out


class ArgumentVectors:
    """Reads and writes argument embeddings, one per argument, tagged with the model and a hash of the text.

    `similar` answers from a per-debate matrix in memory, loaded once from SQLite and kept in step by `save` (the
    only writer of embeddings), so finding a duplicate costs one matrix-vector product instead of re-reading every
    vector of the debate. The matrix keeps an edited argument's old vector, and a deleted, removed or merged one's:
    `similar` returns candidates with the hash of the text they embed, for the caller to check against the argument
    as stored now. A write that rolls back must be followed by `forget`.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._held: OrderedDict[tuple[int, str], _Matrix] = OrderedDict()

    def save(self, arguments: Sequence[Argument], vectors: np.ndarray, model: str, hashes: Sequence[str]) -> None:
        """Store the embeddings of arguments' current text."""
        rows = [
            (argument.id, model, content_hash, np.asarray(vector, dtype=np.float32).tobytes())
            for argument, vector, content_hash in zip(arguments, vectors, hashes, strict=True)
        ]
        with write(self.db):
            self.db.conn.executemany(
                "insert into argument_embeddings (argument_id, model, content_hash, vector) values (?, ?, ?, ?) "
                "on conflict(argument_id) do update set model = excluded.model, "
                "content_hash = excluded.content_hash, vector = excluded.vector",
                rows,
            )
        for argument, vector, content_hash in zip(arguments, vectors, hashes, strict=True):
            for key in [k for k in self._held if k[0] == argument.debate_id and k[1] != model]:
                del self._held[key]  # the argument's vector of another model is gone
            held = self._held.get((argument.debate_id, model))
            if held is not None:
                held.put(argument.id, argument.side, argument.message_id, vector, content_hash)

    def similar(
        self, debate_id: int, model: str, vector: np.ndarray, threshold: float, *, side: Side, before: int
    ) -> list[Candidate]:
        """Return the arguments of `side` posted before message `before` whose stored vector reaches `threshold`.

        Most similar first (the earliest of equally similar ones first). Each may since have been edited (compare its
        content hash), deleted, removed or merged.
        """
        held = self._matrix(debate_id, model, len(vector))
        n = len(held.ids)
        if not n:
            return []
        similarity = held.vectors[:n] @ vector
        wanted = (similarity >= threshold) & (held.pro[:n] == (side == "pro")) & (held.message_ids[:n] < before)
        rows = np.flatnonzero(wanted)
        rows = rows[np.lexsort((held.message_ids[rows], -similarity[rows]))]  # equally close: the earliest first
        return [Candidate(held.ids[i], held.hashes[i], float(similarity[i])) for i in rows]

    def forget(self, debate_ids: Iterable[int] | None = None) -> None:
        """Drop the matrices held for these debates (all when None): they are read again from SQLite when needed."""
        wanted = None if debate_ids is None else set(debate_ids)
        for key in [k for k in self._held if wanted is None or k[0] in wanted]:
            del self._held[key]

    def of_debate(self, debate_id: int, model: str) -> tuple[list[int], np.ndarray]:
        """Return the ids and embeddings of a debate's arguments on the map (not deleted, removed or merged away)."""
        rows = list(
            self.db.query(
                "select e.argument_id, e.vector from argument_embeddings e join arguments a on a.id = e.argument_id "
                "where a.debate_id = ? and e.model = ? and a.kind = 'argument' and a.deleted_at is null "
                "and a.removed_at is null and a.merged_into is null "
                "order by a.id",
                [debate_id, model],
            )
        )
        if not rows:
            return [], np.empty((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return [r["argument_id"] for r in rows], matrix

    def _matrix(self, debate_id: int, model: str, dim: int) -> _Matrix:
        key = (debate_id, model)
        held = self._held.get(key)
        if held is None:
            held = _Matrix(dim)
            rows = self.db.query(
                "select e.argument_id, e.content_hash, e.vector, a.side, a.message_id from argument_embeddings e "
                "join arguments a on a.id = e.argument_id where a.debate_id = ? and e.model = ? order by a.id",
                [debate_id, model],
            )
            for row in rows:
                vector = np.frombuffer(row["vector"], dtype=np.float32)
                held.put(row["argument_id"], row["side"], row["message_id"], vector, row["content_hash"])
            self._held[key] = held
            while len(self._held) > HELD_DEBATES:
                self._held.popitem(last=False)
        self._held.move_to_end(key)
        return held
