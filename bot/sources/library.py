"""The source library: add, list and remove documents, and search their excerpts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from bot.db.sources import Document, Excerpt, SourceStore, Vectors
from bot.errors import DocumentRejected, SourceNotFound
from bot.sources.documents import (
    SUPPORTED_SUFFIXES,
    parse_document,
    read_document,
    sentence_texts,
    split_excerpts,
)
from bot.sources.embedding import Embedder
from bot.sources.search import (
    CANDIDATES,
    KEYWORD_OVERFETCH,
    DenseIndex,
    Mode,
    best_sentence,
    clean_query,
    keyword_expression,
    keyword_terms,
    rank,
    rarest_terms,
)

log = logging.getLogger(__name__)

AddStatus = Literal["added", "unchanged", "replaced"]


@dataclass(frozen=True)
class AddResult:
    """What happened to one document handed to the library."""

    status: AddStatus
    document: Document
    embedded: int


@dataclass(frozen=True)
class Hit:
    """One search result: the excerpt, its document, its score and the sentence that best matches the query."""

    rank: int
    score: float
    similarity: float | None
    excerpt: Excerpt
    sentence_index: int

    @property
    def sentence(self) -> str:
        """Return the best-matching sentence's text."""
        e = self.excerpt
        return sentence_texts(e.text, e.start, e.sentences[self.sentence_index :])[0] if e.sentences else e.text


@dataclass(frozen=True)
class PathOutcome:
    """The result of adding one file from disk: a result, or the reason it was rejected."""

    path: Path
    result: AddResult | None = None
    rejected: str | None = None


class Library:
    """The source library over one store and one embedder, with an in-memory dense index kept in step."""

    def __init__(self, store: SourceStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self.index = DenseIndex()
        # Worker threads share one SQLite connection: each reads or writes it under this lock, never while encoding.
        self._db = threading.Lock()
        # Set once the model and the index are loaded. A library is ready when built; `crux run` clears this and
        # loads both in a thread (warm_up) while the bot connects, so commands that need neither answer at once.
        self.ready = threading.Event()
        self.ready.set()

    def warm_up(
        self,
        sources_dir: Path | None = None,
        added_by: str = "CRUX_SOURCES_DIR",
        progress: Callable[[PathOutcome], None] | None = None,
    ) -> int:
        """Load the model, add `sources_dir`, load the index, then set `ready` (also when one of these fails)."""
        try:
            self.embedder.load()
            if sources_dir is not None:
                self.add_paths([sources_dir], added_by=added_by, progress=progress)
            count = self.load_index()
            log.info("Source library ready: %d excerpts", count)
            return count
        finally:
            self.ready.set()

    def load_index(self, progress: Callable[[int], None] | None = None) -> int:
        """Embed any excerpt that lacks a vector from the current model, then load every vector into memory."""
        with self._db:
            missing = self.store.excerpts_without_vectors(self.embedder.name)
        if missing:
            log.info("Embedding %d excerpts stored without %s vectors", len(missing), self.embedder.name)
            encoded = self._encode(missing, progress)
            with self._db:
                for excerpt, vectors in zip(missing, encoded, strict=True):
                    self.store.save_vectors(excerpt, vectors, self.embedder.name)
        with self._db:  # swapped under the lock too, so an add that lands meanwhile is never lost from the index
            ids, matrix, owners = self.store.all_vectors(self.embedder.name)
            self.index.reset(ids, matrix, owners)
        return len(ids)

    def add(
        self,
        name: str,
        data: bytes,
        added_by: str,
        title: str | None = None,
        progress: Callable[[int], None] | None = None,
        *,
        guild_id: int | None = None,
    ) -> AddResult:
        """Add a document, or replace the stored one of the same name when its content changed; embed only new text.

        It goes to `guild_id`'s own library, or with None to the shared library every server searches.
        """
        parsed = parse_document(name, data, title)
        with self._db:
            existing = self.store.find_document(name=parsed.name, content_hash=parsed.content_hash, guild_id=guild_id)
        if existing is not None and existing.content_hash == parsed.content_hash:
            return AddResult("unchanged", existing, 0)
        chunks = split_excerpts(parsed.text)
        if not chunks:
            raise DocumentRejected(f"`{name}` has no sentences to cite.")
        with self._db:
            known = self.store.vectors_for_hashes((c.content_hash for c in chunks), self.embedder.name)
        fresh = [c for c in chunks if c.content_hash not in known]
        texts = [c.text for c in fresh]
        sentences = [sentence_texts(c.text, c.start, c.sentences) for c in fresh]
        for chunk, encoded in zip(fresh, self._encode_texts(texts, sentences, progress), strict=True):
            known[chunk.content_hash] = encoded
        vectors = [known[c.content_hash] for c in chunks]
        replacing = existing if existing is not None and existing.name == parsed.name else None
        with self._db:
            document, removed, added = self.store.save_document(
                parsed, chunks, vectors, self.embedder.name, added_by, replacing, guild_id
            )
            self.index.update(removed, added, np.stack([v.excerpt for v in vectors]), guild_id or 0)
        return AddResult("replaced" if replacing else "added", document, len(fresh))

    def add_paths(
        self,
        paths: Iterable[Path],
        added_by: str,
        progress: Callable[[PathOutcome], None] | None = None,
        *,
        guild_id: int | None = None,
    ) -> list[PathOutcome]:
        """Add every supported file under the given files and folders; a bad file is reported, never fatal."""
        outcomes = []
        for path in expand_paths(paths):
            try:
                added = self.add(path.name, read_document(path), added_by, guild_id=guild_id)
                outcome = PathOutcome(path, result=added)
            except DocumentRejected as error:
                outcome = PathOutcome(path, rejected=error.message)
            except OSError as error:
                outcome = PathOutcome(path, rejected=f"could not be read ({error.strerror}).")
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
        return outcomes

    def remove(self, document_id: int, *, guild_id: int | None = None, operator: bool = False) -> Document:
        """Remove a document of `guild_id`'s own library, and its excerpts; the `operator` may remove any document.

        From a server, another library's document is refused as not found, and a shared one says who can remove it.
        """
        with self._db:
            document = self.store.get_document(document_id)
            if not operator and document.guild_id != guild_id:
                if document.guild_id is None:
                    raise SourceNotFound(
                        f"Source #{document_id} is in the shared library, which only the bot's operator changes "
                        "(from the command line). `/sources list` marks which documents are this server's."
                    )
                raise SourceNotFound(f"There is no source #{document_id} in this server. `/sources list` shows them.")
            document, removed = self.store.remove_document(document_id)
            self.index.update(removed, [], np.empty((0, 0), np.float32))
        return document

    def documents(self, guild_id: int | None = None, *, everyone: bool = False) -> list[Document]:
        """Return the shared library's documents and `guild_id`'s own (with `everyone`, every server's too)."""
        with self._db:
            return self.store.list_documents(guild_id, everyone=everyone)

    def close(self) -> None:
        """Close the store's database connection once no worker thread is using it; safe to repeat."""
        with self._db:
            self.store.db.conn.close()

    def search(self, query: str, k: int = 3, mode: Mode = "hybrid", *, guild_id: int | None = None) -> list[Hit]:
        """Return the k excerpts that best answer a query, each with its best-matching sentence.

        A server searches the shared library and its own documents, never another server's; with `guild_id` None,
        the shared library alone.
        """
        text = clean_query(query)
        self.ready.wait()
        # BM25 first, then the encode, in this one thread: with the rarest words and no scoping join it takes well
        # under a millisecond on a real library and about 6 ms at 100,000 generated excerpts, and running it in a
        # thread beside the encode measured about 2 ms slower (the two threads trade the GIL).
        keyword = self.keyword_candidates(text, guild_id) if mode != "dense" else []
        vector = self.embedder.encode([text])[0]
        return self.search_encoded(text, vector, k, mode, guild_id=guild_id, keyword=keyword)

    def keyword_candidates(self, text: str, guild_id: int | None = None) -> list[tuple[int, float]]:
        """Return BM25's best excerpts for a cleaned query: over its rarest words, up to the postings budget."""
        terms = keyword_terms(text)
        if not terms:
            return []
        with self._db:
            expression = keyword_expression(rarest_terms(self.store.term_counts(terms)))
            if expression is None:
                return []
            # Search every library and keep what the index lets this server see (which also leaves out an excerpt
            # still being added, as the dense side does); only when too few are left does SQL scope the search.
            found = self.store.keyword_search(expression, CANDIDATES * KEYWORD_OVERFETCH, every_library=True)
            seen = self.index.visible([excerpt for excerpt, _ in found], guild_id)
            kept = [pair for pair, visible in zip(found, seen, strict=True) if visible]
            if len(kept) >= CANDIDATES or len(found) < CANDIDATES * KEYWORD_OVERFETCH:
                return kept[:CANDIDATES]
            return self.store.keyword_search(expression, CANDIDATES, guild_id)

    def search_encoded(
        self,
        text: str,
        vector: np.ndarray,
        k: int = 3,
        mode: Mode = "hybrid",
        *,
        guild_id: int | None = None,
        keyword: list[tuple[int, float]] | None = None,
    ) -> list[Hit]:
        """Search with a query already cleaned and embedded (for callers that embed texts in batches).

        `keyword` is BM25's candidates when the caller already has them (see search). It waits for `ready`.
        """
        self.ready.wait()
        dense = self.index.top(vector, CANDIDATES, guild_id) if mode != "keyword" else []
        if keyword is None:
            keyword = self.keyword_candidates(text, guild_id) if mode != "dense" else []
        with self._db:
            ranked = rank(mode, dense, keyword, k)
            excerpts = self.store.excerpts([r.excerpt_id for r in ranked])
            sentences = self.store.sentence_vectors([r.excerpt_id for r in ranked], self.embedder.name)
        hits: list[Hit] = []
        for r in ranked:
            if r.excerpt_id not in excerpts:
                continue  # removed between ranking and fetching
            empty = np.empty((0, 0), np.float32)
            best = best_sentence(sentences.get(r.excerpt_id, empty), vector)
            hits.append(Hit(len(hits) + 1, r.score, r.similarity, excerpts[r.excerpt_id], best))
        return hits

    def _encode(self, excerpts: list[Excerpt], progress: Callable[[int], None] | None) -> list[Vectors]:
        texts = [e.text for e in excerpts]
        sentences = [sentence_texts(e.text, e.start, e.sentences) for e in excerpts]
        return self._encode_texts(texts, sentences, progress)

    def _encode_texts(
        self, texts: list[str], sentences: list[list[str]], progress: Callable[[int], None] | None
    ) -> list[Vectors]:
        """Encode excerpts and their sentences in shared batches, then split the vectors back per excerpt."""
        flat = texts + [s for group in sentences for s in group]
        if not flat:
            return []
        matrix = self.embedder.encode(flat, progress)
        out, cursor = [], len(texts)
        for i, group in enumerate(sentences):
            out.append(Vectors(excerpt=matrix[i], sentences=matrix[cursor : cursor + len(group)]))
            cursor += len(group)
        return out


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the given files, and the supported files inside the given folders in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path
