"""The source library's store: documents, excerpts, embeddings and the keyword index."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from bot.db import insert_row, now, write
from bot.errors import SourceNotFound
from bot.sources.documents import Chunk, ParsedDocument, Span, text_hash


@dataclass(frozen=True)
class Document:
    """A stored source document."""

    id: int
    name: str
    title: str
    content_hash: str
    added_by: str
    added_at: str
    updated_at: str
    excerpt_count: int
    #: The server whose library holds it, or None for the shared library the operator curates.
    guild_id: int | None = None

    @property
    def added_on(self) -> str:
        """Return the day it was first added, as YYYY-MM-DD."""
        return self.added_at[:10]


@dataclass(frozen=True)
class Excerpt:
    """A stored excerpt, with where it sits in its document and its sentences."""

    id: int
    document_id: int
    document_title: str
    position: int
    paragraph: int
    last_paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class Vectors:
    """An excerpt's embedding and the embeddings of its sentences, in order."""

    excerpt: np.ndarray
    sentences: np.ndarray


_DOCUMENT_COLUMNS = """
    d.id, d.name, d.title, d.content_hash, d.added_by, d.added_at, d.updated_at,
    (select count(*) from excerpts e where e.document_id = d.id) as excerpt_count, d.guild_id
"""
_EXCERPT_COLUMNS = """
    e.id, e.document_id, d.title as document_title, e.position, e.paragraph, e.last_paragraph,
    e.char_start, e.char_end, e.text, e.sentences
"""


class SourceStore:
    """Reads and writes the source library; every write that belongs together runs in one transaction."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        # Excerpts matching each keyword (see term_counts); cleared whenever this store changes excerpts.
        self._term_counts: dict[str, int] = {}

    def list_documents(self, guild_id: int | None = None, *, everyone: bool = False) -> list[Document]:
        """Return the shared library's documents and a server's own (or with `everyone`, all), oldest first."""
        if everyone:
            return self._documents_where("1 order by d.id", [])
        return self._documents_where("(d.guild_id is null or d.guild_id = ?) order by d.id", [guild_id])

    def get_document(self, document_id: int) -> Document:
        """Return one document, raising SourceNotFound when there is none with that id."""
        found = self._documents_where("d.id = ?", [document_id])
        if not found:
            raise SourceNotFound(f"There is no source #{document_id}. `/sources list` shows the ids.")
        return found[0]

    def find_document(
        self, *, name: str | None = None, content_hash: str | None = None, guild_id: int | None = None
    ) -> Document | None:
        """Return a library's document with this file name, or else with this exact content, if any.

        The library is a server's (`guild_id`) or, with None, the shared one.
        """
        library = "coalesce(d.guild_id, 0) = ?"
        if name is not None and (found := self._documents_where(f"d.name = ? and {library}", [name, guild_id or 0])):
            return found[0]
        if content_hash is not None and (
            found := self._documents_where(f"d.content_hash = ? and {library}", [content_hash, guild_id or 0])
        ):
            return found[0]
        return None

    def vectors_for_hashes(self, hashes: Iterable[str], model: str) -> dict[str, Vectors]:
        """Return stored embeddings of excerpts whose text has one of these hashes, so none is computed twice."""
        wanted = sorted(set(hashes))
        found: dict[str, Vectors] = {}
        for i in range(0, len(wanted), 500):
            batch = wanted[i : i + 500]
            marks = ",".join("?" * len(batch))
            rows = self.db.query(
                f"select content_hash, vector, sentence_vectors from embeddings "
                f"where model = ? and content_hash in ({marks})",
                [model, *batch],
            )
            found.update({row["content_hash"]: _vectors(row["vector"], row["sentence_vectors"]) for row in rows})
        return found

    def save_document(
        self,
        parsed: ParsedDocument,
        chunks: Sequence[Chunk],
        vectors: Sequence[Vectors],
        model: str,
        added_by: str,
        replacing: Document | None = None,
        guild_id: int | None = None,
    ) -> tuple[Document, list[int], list[int]]:
        """Store a document with its excerpts and embeddings, replacing an earlier version's excerpts atomically.

        Returns the document, the ids of the excerpts removed and the ids of the excerpts added.
        """
        stamp = now()
        self._term_counts.clear()
        with write(self.db):
            removed: list[int] = []
            if replacing is not None:
                removed = self._delete_excerpts(replacing.id)
                self.db.table("documents").update(
                    replacing.id,
                    {
                        "title": parsed.title,
                        "content_hash": parsed.content_hash,
                        "text": parsed.text,
                        "updated_at": stamp,
                    },
                )
                document_id = replacing.id
            else:
                document_id = insert_row(
                    self.db,
                    "documents",
                    {
                        "name": parsed.name,
                        "title": parsed.title,
                        "content_hash": parsed.content_hash,
                        "text": parsed.text,
                        "added_by": added_by,
                        "added_at": stamp,
                        "updated_at": stamp,
                        "guild_id": guild_id,
                    },
                )
            added = []
            for chunk, vector in zip(chunks, vectors, strict=True):
                excerpt_id = insert_row(
                    self.db,
                    "excerpts",
                    {
                        "document_id": document_id,
                        "position": chunk.position,
                        "paragraph": chunk.paragraph,
                        "last_paragraph": chunk.last_paragraph,
                        "char_start": chunk.start,
                        "char_end": chunk.end,
                        "text": chunk.text,
                        "content_hash": chunk.content_hash,
                        "sentences": json.dumps([[s.start, s.end] for s in chunk.sentences]),
                    },
                )
                self._insert_vectors(excerpt_id, chunk.content_hash, vector, model)
                added.append(excerpt_id)
        return self.get_document(document_id), removed, added

    def remove_document(self, document_id: int) -> tuple[Document, list[int]]:
        """Delete a document with its excerpts and embeddings; return it and the removed excerpt ids."""
        document = self.get_document(document_id)
        self._term_counts.clear()
        with write(self.db):
            removed = self._delete_excerpts(document_id)
            self.db.table("documents").delete(document_id)
        return document, removed

    def excerpts(self, ids: Sequence[int]) -> dict[int, Excerpt]:
        """Return the excerpts with these ids, keyed by id."""
        found: dict[int, Excerpt] = {}
        for i in range(0, len(ids), 500):
            batch = list(ids[i : i + 500])
            marks = ",".join("?" * len(batch))
            rows = self.db.query(
                f"select {_EXCERPT_COLUMNS} from excerpts e join documents d on d.id = e.document_id "
                f"where e.id in ({marks})",
                batch,
            )
            for row in rows:
                found[row["id"]] = _excerpt(row)
        return found

    def excerpts_without_vectors(self, model: str) -> list[Excerpt]:
        """Return excerpts that have no embedding from this model (added under another model, or never embedded)."""
        rows = self.db.query(
            f"select {_EXCERPT_COLUMNS} from excerpts e join documents d on d.id = e.document_id "
            "left join embeddings m on m.excerpt_id = e.id and m.model = ? where m.excerpt_id is null order by e.id",
            [model],
        )
        return [_excerpt(row) for row in rows]

    def save_vectors(self, excerpt: Excerpt, vectors: Vectors, model: str) -> None:
        """Store (or overwrite) one excerpt's embeddings."""
        with write(self.db):
            self.db.execute("delete from embeddings where excerpt_id = ?", [excerpt.id])
            self._insert_vectors(excerpt.id, text_hash(excerpt.text), vectors, model)

    def all_vectors(self, model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return every excerpt id with an embedding from this model, their vectors and their libraries.

        An excerpt's library is its document's server id, 0 for the shared library.
        """
        # Each vector is copied into one preallocated matrix as it is read (never a list of every row's bytes), so
        # loading needs little beyond the matrix itself. Rows may outnumber the count if a write lands in between.
        count = self.db.execute("select count(*) from embeddings where model = ?", [model]).fetchone()[0]
        ids = np.empty(count, dtype=np.int64)
        owners = np.empty(count, dtype=np.int64)
        matrix: np.ndarray | None = None
        n = 0
        for excerpt_id, vector, owner in self.db.execute(
            "select m.excerpt_id, m.vector, coalesce(d.guild_id, 0) as owner from embeddings m "
            "join excerpts e on e.id = m.excerpt_id join documents d on d.id = e.document_id "
            "where m.model = ? order by m.excerpt_id",
            [model],
        ):
            row = np.frombuffer(vector, dtype=np.float32)
            if matrix is None:
                matrix = np.empty((count, row.size), dtype=np.float32)
            if n == len(ids):
                ids, owners = np.resize(ids, n + 1024), np.resize(owners, n + 1024)
                matrix = np.resize(matrix, (n + 1024, row.size))
            ids[n], owners[n], matrix[n] = excerpt_id, owner, row
            n += 1
        if matrix is None or n == 0:
            return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32), np.empty(0, dtype=np.int64)
        return ids[:n], matrix[:n], owners[:n]

    def term_counts(self, words: Sequence[str]) -> dict[str, int]:
        """Return how many excerpts (of every library) match each word, counted once per word until the next write."""
        missing = [w for w in words if w not in self._term_counts]
        for word in missing:
            match = '"' + word.replace('"', '""') + '"'
            self._term_counts[word] = self.db.execute(
                "select count(*) from excerpts_fts where excerpts_fts match ?", [match]
            ).fetchone()[0]
        return {w: self._term_counts[w] for w in words}

    def sentence_vectors(self, excerpt_ids: Sequence[int], model: str) -> dict[int, np.ndarray]:
        """Return the sentence embeddings of these excerpts, keyed by excerpt id."""
        marks = ",".join("?" * len(excerpt_ids))
        rows = self.db.query(
            f"select excerpt_id, vector, sentence_vectors from embeddings where model = ? and excerpt_id in ({marks})",
            [model, *excerpt_ids],
        )
        return {row["excerpt_id"]: _vectors(row["vector"], row["sentence_vectors"]).sentences for row in rows}

    def keyword_search(
        self, match: str, limit: int, guild_id: int | None = None, *, every_library: bool = False
    ) -> list[tuple[int, float]]:
        """Return (excerpt id, BM25 score) for an FTS5 match expression, best first.

        It searches the shared library and the server's own documents (with None, the shared library alone); with
        `every_library`, every server's too, for a caller that scopes the results itself (the join that scopes them
        here costs more than the search: 20 ms against 7 ms for a query at 100,000 excerpts).
        """
        if every_library:
            rows = self.db.query(
                "select rowid, bm25(excerpts_fts) as rank from excerpts_fts where excerpts_fts match ? "
                "order by rank limit ?",
                [match, limit],
            )
            return [(row["rowid"], -row["rank"]) for row in rows]
        rows = self.db.query(
            "select excerpts_fts.rowid, bm25(excerpts_fts) as rank from excerpts_fts "
            "join excerpts e on e.id = excerpts_fts.rowid join documents d on d.id = e.document_id "
            "where excerpts_fts match ? "
            "and (d.guild_id is null or d.guild_id = ?) order by rank limit ?",
            [match, guild_id, limit],
        )
        return [(row["rowid"], -row["rank"]) for row in rows]

    def _documents_where(self, where: str, params: list) -> list[Document]:
        rows = self.db.query(f"select {_DOCUMENT_COLUMNS} from documents d where {where}", params)
        return [Document(**row) for row in rows]

    def _delete_excerpts(self, document_id: int) -> list[int]:
        ids = [row["id"] for row in self.db.query("select id from excerpts where document_id = ?", [document_id])]
        self.db.execute(
            "delete from embeddings where excerpt_id in (select id from excerpts where document_id = ?)", [document_id]
        )
        self.db.execute("delete from excerpts where document_id = ?", [document_id])
        return ids

    def _insert_vectors(self, excerpt_id: int, content_hash: str, vectors: Vectors, model: str) -> None:
        self.db.table("embeddings").insert(
            {
                "excerpt_id": excerpt_id,
                "model": model,
                "content_hash": content_hash,
                "vector": np.asarray(vectors.excerpt, dtype=np.float32).tobytes(),
                "sentence_vectors": np.asarray(vectors.sentences, dtype=np.float32).tobytes(),
            }
        )


def _vectors(vector: bytes, sentences: bytes) -> Vectors:
    excerpt = np.frombuffer(vector, dtype=np.float32)
    return Vectors(excerpt=excerpt, sentences=np.frombuffer(sentences, dtype=np.float32).reshape(-1, excerpt.size))


def _excerpt(row: dict) -> Excerpt:
    return Excerpt(
        id=row["id"],
        document_id=row["document_id"],
        document_title=row["document_title"],
        position=row["position"],
        paragraph=row["paragraph"],
        last_paragraph=row["last_paragraph"],
        start=row["char_start"],
        end=row["char_end"],
        text=row["text"],
        sentences=tuple(Span(start, end) for start, end in json.loads(row["sentences"])),
    )
