"""The schema, as append-only migrations: never edit one that has been applied; add the next."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("crux")


@migrations()
def m001_source_library(db: Database) -> None:
    """Create documents, their excerpts, excerpt embeddings and a full-text index over excerpt text."""
    # Raw SQL only for AUTOINCREMENT, which sqlite-utils cannot declare: a removed source's number, and the ids of
    # a replaced document's excerpts, must never be handed out again, or old citations would point at other text.
    db.execute(
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            title TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.table("documents").create_index(["name"], unique=True)
    db.table("documents").create_index(["content_hash"])

    db.execute(
        """
        CREATE TABLE excerpts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            position INTEGER NOT NULL,
            paragraph INTEGER NOT NULL,
            last_paragraph INTEGER NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL,
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            sentences TEXT NOT NULL
        )
        """
    )
    db.table("excerpts").create_index(["document_id", "position"], unique=True)
    db.table("excerpts").create_index(["content_hash"])
    db.table("excerpts").enable_fts(["text"], create_triggers=True, tokenize="porter")

    db.table("embeddings").create(
        {
            "excerpt_id": int,
            "model": str,
            "content_hash": str,
            "vector": bytes,
            "sentence_vectors": bytes,
        },
        pk="excerpt_id",
        not_null={"model", "content_hash", "vector", "sentence_vectors"},
        foreign_keys=[("excerpt_id", "excerpts", "id")],
    )
    db.table("embeddings").create_index(["model", "content_hash"])
