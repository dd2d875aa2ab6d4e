"""Opening the database, its migrations, and the source store's reads and writes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from bot.db import open_database
from bot.db.migrations import migrations
from bot.db.sources import SourceStore, Vectors
from bot.errors import DatabaseUnusable, SourceNotFound
from bot.sources.documents import parse_document, split_excerpts

TEXT = (
    b"The pause debate\n"
    b"Supporters say verification is possible because frontier training needs huge data centres. "
    b"Such sites are hard to hide.\n"
    b"Critics answer that a treaty could never be enforced across borders, so a pause only slows careful labs."
)


ALL_MIGRATIONS = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]


def _save(store: SourceStore, name: str = "pause.txt", data: bytes = TEXT, model: str = "dummy") -> int:
    """Store a document with constant vectors and return its id."""
    parsed = parse_document(name, data)
    chunks = split_excerpts(parsed.text)
    vectors = [Vectors(np.full(4, 0.5, np.float32), np.full((len(c.sentences), 4), 0.5, np.float32)) for c in chunks]
    document, _, _ = store.save_document(parsed, chunks, vectors, model=model, added_by="tests")
    return document.id


def _applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("select name from _sqlite_migrations where migration_set = 'crux'")]


def test_reopening_applies_migrations_once_and_keeps_data(tmp_path: Path) -> None:
    """Opening the same file twice records each migration once and keeps the stored documents."""
    path = tmp_path / "crux.db"
    db = open_database(path)
    document_id = _save(SourceStore(db))
    db.conn.close()
    reopened = open_database(path, create=False)
    assert _applied(path) == ALL_MIGRATIONS
    assert SourceStore(reopened).get_document(document_id).name == "pause.txt"
    assert migrations.pending(reopened) == []


def test_fresh_database_has_the_library_tables_and_keyword_index() -> None:
    """A new database has documents, excerpts, embeddings and an FTS5 index over excerpt text."""
    db = open_database(":memory:")
    assert {"documents", "excerpts", "embeddings", "excerpts_fts"} <= set(db.table_names())
    assert db.table("excerpts").detect_fts() == "excerpts_fts"
    assert "fts5" in db.table("excerpts_fts").schema.lower()


def test_keyword_index_follows_excerpt_writes() -> None:
    """Stored excerpts are found by keyword at once, and no longer once their document is removed."""
    store = SourceStore(open_database(":memory:"))
    document_id = _save(store)
    assert len(store.keyword_search('"treaty"', 5)) == 1
    store.remove_document(document_id)
    assert store.keyword_search('"treaty"', 5) == []


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """A file of random bytes raises DatabaseUnusable naming the path, and its bytes are not changed."""
    path = tmp_path / "crux.db"
    data = os.urandom(8192)
    path.write_bytes(data)
    with pytest.raises(DatabaseUnusable, match="is not a usable Crux database") as caught:
        open_database(path)
    assert str(path) in caught.value.message
    assert "Move it aside or set CRUX_DB" in caught.value.message
    assert path.read_bytes() == data


def test_missing_file_is_refused_when_not_creating(tmp_path: Path) -> None:
    """With create=False a missing file raises DatabaseUnusable naming it, and no file is created."""
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseUnusable, match=r"There is no database at .*missing\.db"):
        open_database(path, create=False)
    assert not path.exists()


def test_missing_file_is_created_by_default(tmp_path: Path) -> None:
    """By default a missing file becomes a new, migrated database."""
    path = tmp_path / "new.db"
    open_database(path).conn.close()
    assert _applied(path) == ALL_MIGRATIONS


def test_folder_is_refused(tmp_path: Path) -> None:
    """A path to a folder raises DatabaseUnusable saying it is a folder."""
    with pytest.raises(DatabaseUnusable, match="which is a folder, not a database file"):
        open_database(tmp_path)


def test_foreign_keys_are_enforced() -> None:
    """An excerpt cannot point at a document that does not exist."""
    db = open_database(":memory:")
    row = {"document_id": 999, "position": 1, "paragraph": 1, "last_paragraph": 1, "char_start": 0, "char_end": 1}
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        db.table("excerpts").insert({**row, "text": "x", "content_hash": "h", "sentences": "[]"})


def test_saved_excerpts_read_back_with_offsets_and_sentences() -> None:
    """Excerpts come back with their document's title, offsets into its text and sentence spans."""
    store = SourceStore(open_database(":memory:"))
    document_id = _save(store)
    text = parse_document("pause.txt", TEXT).text
    expected = split_excerpts(text)
    excerpts = store.excerpts([1, 2])
    assert [(e.start, e.end, e.sentences) for e in excerpts.values()] == [
        (c.start, c.end, c.sentences) for c in expected
    ]
    assert {(e.document_id, e.document_title) for e in excerpts.values()} == {(document_id, "The pause debate")}
    assert store.get_document(document_id).excerpt_count == len(expected)


def test_unknown_document_raises_source_not_found() -> None:
    """Asking for a document id that does not exist raises SourceNotFound pointing at /sources list."""
    store = SourceStore(open_database(":memory:"))
    with pytest.raises(SourceNotFound, match=r"There is no source #42\. `/sources list` shows the ids\."):
        store.get_document(42)


def test_find_document_prefers_the_name_over_the_content() -> None:
    """A document with the asked-for name is found before another with the asked-for content."""
    store = SourceStore(open_database(":memory:"))
    first = _save(store, "a.txt", TEXT)
    second = _save(store, "b.txt", TEXT + b"\nMore.")
    by_content = parse_document("a.txt", TEXT).content_hash
    found_by_name = store.find_document(name="b.txt", content_hash=by_content)
    found_by_content = store.find_document(name="c.txt", content_hash=by_content)
    assert found_by_name is not None
    assert found_by_name.id == second
    assert found_by_content is not None
    assert found_by_content.id == first
    assert store.find_document(name="c.txt", content_hash="0" * 64) is None


def test_vectors_are_reused_only_from_the_same_model() -> None:
    """Stored embeddings are offered for reuse by content hash, but only to the model that made them."""
    store = SourceStore(open_database(":memory:"))
    _save(store, model="model-a")
    hashes = [c.content_hash for c in split_excerpts(parse_document("pause.txt", TEXT).text)]
    found = store.vectors_for_hashes(hashes, "model-a")
    assert set(found) == set(hashes)
    assert all(np.array_equal(v.excerpt, np.full(4, 0.5, np.float32)) for v in found.values())
    assert store.vectors_for_hashes(hashes, "model-b") == {}
