"""The schema, as append-only migrations: never edit one that has been applied; add the next."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("crux")


@migrations()
def m001_source_library(db: Database) -> None:
    """Create documents, their excerpts, excerpt embeddings and a full-text index over excerpt text."""
    db.table("documents").create(
        {
            "id": int,
            "name": str,
            "title": str,
            "content_hash": str,
            "text": str,
            "added_by": str,
            "added_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "title", "content_hash", "text", "added_by", "added_at", "updated_at"},
    )
    db.table("documents").create_index(["name"], unique=True)
    db.table("documents").create_index(["content_hash"])

    db.table("excerpts").create(
        {
            "id": int,
            "document_id": int,
            "position": int,
            "paragraph": int,
            "last_paragraph": int,
            "char_start": int,
            "char_end": int,
            "text": str,
            "content_hash": str,
            "sentences": str,
        },
        pk="id",
        not_null={"document_id", "position", "paragraph", "last_paragraph", "char_start", "char_end", "text"},
        foreign_keys=[("document_id", "documents", "id")],
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
