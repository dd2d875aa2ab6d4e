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


@migrations()
def m002_debates(db: Database) -> None:
    """Create debates, their threads, arguments with revisions, links, votes, citations and argument embeddings."""
    db.execute(
        """
        CREATE TABLE debates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('forum', 'text')),
            motion TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            citations TEXT NOT NULL DEFAULT 'on' CHECK (citations IN ('on', 'quiet', 'off')),
            created_by INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            closed_by INTEGER,
            closed_at TEXT
        )
        """
    )
    db.table("debates").create_index(["guild_id", "status"])
    db.table("debate_threads").create(
        {"thread_id": int, "debate_id": int, "side": str, "last_message_id": int},
        pk="thread_id",
        not_null={"debate_id", "side", "last_message_id"},
        foreign_keys=[("debate_id", "debates", "id")],
    )
    db.table("debate_threads").create_index(["debate_id", "side"], unique=True)
    db.execute(
        """
        CREATE TABLE arguments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            debate_id INTEGER NOT NULL REFERENCES debates(id),
            number INTEGER,
            side TEXT NOT NULL CHECK (side IN ('pro', 'con')),
            kind TEXT NOT NULL CHECK (kind IN ('argument', 'comment')),
            origin TEXT NOT NULL CHECK (origin IN ('message', 'rebut', 'support')),
            author_id INTEGER NOT NULL,
            author_name TEXT NOT NULL,
            thread_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL UNIQUE,
            jump_url TEXT NOT NULL,
            text TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            edited_at TEXT,
            deleted_at TEXT
        )
        """
    )
    db.table("arguments").create_index(["debate_id", "number"], unique=True)
    db.table("arguments").create_index(["debate_id", "side"])
    db.table("revisions").create(
        {"id": int, "argument_id": int, "text": str, "replaced_at": str},
        pk="id",
        not_null={"argument_id", "text", "replaced_at"},
        foreign_keys=[("argument_id", "arguments", "id")],
    )
    db.table("revisions").create_index(["argument_id"])
    db.table("links").create(
        {
            "id": int,
            "debate_id": int,
            "source_id": int,
            "target_id": int,
            "relation": str,
            "method": str,
            "made_by": int,
            "created_at": str,
        },
        pk="id",
        not_null={"debate_id", "source_id", "target_id", "relation", "method", "created_at"},
        foreign_keys=[
            ("debate_id", "debates", "id"),
            ("source_id", "arguments", "id"),
            ("target_id", "arguments", "id"),
        ],
    )
    db.table("links").create_index(["source_id", "target_id", "relation"], unique=True)
    db.table("links").create_index(["target_id"])
    db.table("votes").create(
        {"argument_id": int, "user_id": int, "value": int, "voted_at": str},
        pk=("argument_id", "user_id"),
        not_null={"value", "voted_at"},
        foreign_keys=[("argument_id", "arguments", "id")],
    )
    # A citation keeps what it cited (title, paragraph, sentence): a source may later be replaced or removed.
    db.table("citations").create(
        {
            "id": int,
            "argument_id": int,
            "excerpt_id": int,
            "document_id": int,
            "document_title": str,
            "paragraph": int,
            "sentence": str,
            "status": str,
            "similarity": float,
            "created_at": str,
            "confirmed_by": int,
            "confirmed_at": str,
        },
        pk="id",
        not_null={"argument_id", "excerpt_id", "document_id", "document_title", "paragraph", "sentence", "status"},
        foreign_keys=[("argument_id", "arguments", "id")],
    )
    db.table("citations").create_index(["argument_id", "excerpt_id"], unique=True)
    db.table("argument_embeddings").create(
        {"argument_id": int, "model": str, "content_hash": str, "vector": bytes},
        pk="argument_id",
        not_null={"model", "content_hash", "vector"},
        foreign_keys=[("argument_id", "arguments", "id")],
    )


@migrations()
def m003_moderation(db: Database) -> None:
    """Let moderators remove and merge arguments, keep an audit log of their actions, and set a mod-log channel."""
    arguments = db.table("arguments")
    arguments.add_column("removed_at", str)
    arguments.add_column("removed_by", int)
    arguments.add_column("removed_reason", str)
    arguments.add_column("merged_into", int)
    db.table("audit_log").create(
        {
            "id": int,
            "guild_id": int,
            "debate_id": int,
            "actor_id": int,
            "actor_name": str,
            "action": str,
            "argument_id": int,
            "target_id": int,
            "reason": str,
            "detail": str,
            "created_at": str,
        },
        pk="id",
        not_null={"guild_id", "debate_id", "actor_id", "actor_name", "action", "created_at"},
        foreign_keys=[("debate_id", "debates", "id"), ("argument_id", "arguments", "id")],
    )
    db.table("audit_log").create_index(["debate_id", "id"])
    db.table("guild_settings").create({"guild_id": int, "modlog_channel_id": int}, pk="guild_id")


@migrations()
def m004_command_sync(db: Database) -> None:
    """Remember what was last synced to each scope ('global' or a server id), so an unchanged tree is not resent."""
    db.table("command_syncs").create(
        {"scope": str, "application_id": int, "commands_hash": str, "command_count": int, "synced_at": str},
        pk="scope",
        not_null={"application_id", "commands_hash", "command_count", "synced_at"},
    )


@migrations()
def m005_analysis_queue(db: Database) -> None:
    """Queue new and edited arguments for analysis in SQLite, so none is lost to a crash, a stop or an error.

    Arguments captured before this migration were analysed already (or will not be: their debate moved on).
    """
    db.table("analysis_queue").create(
        {"argument_id": int, "announce": int, "attempts": int, "queued_at": str},
        pk="argument_id",
        not_null={"announce", "attempts", "queued_at"},
        foreign_keys=[("argument_id", "arguments", "id")],
    )


@migrations()
def m006_debate_numbers(db: Database) -> None:
    """Give each debate a number within its server, as members call it ("debate 2"); ids stay internal."""
    db.table("debates").add_column("number", int)
    db.execute(
        "update debates set number = (select count(*) from debates d where d.guild_id = debates.guild_id "
        "and d.id <= debates.id)"
    )
    db.table("debates").create_index(["guild_id", "number"], unique=True)


@migrations()
def m007_stances_cruxes_deltas(db: Database) -> None:
    """Keep members' stances (every change), the arguments that would change their mind, and the minds changed (Δ)."""
    # A stance is never overwritten: each declaration is a new row, and the latest (highest id) is the current one.
    db.execute(
        """
        CREATE TABLE stances (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            debate_id INTEGER NOT NULL REFERENCES debates(id),
            member_id INTEGER NOT NULL,
            value INTEGER NOT NULL CHECK (value BETWEEN -2 AND 2),
            declared_at TEXT NOT NULL
        )
        """
    )
    db.table("stances").create_index(["debate_id", "member_id", "id"])
    db.table("crux_marks").create(
        {"debate_id": int, "argument_id": int, "member_id": int, "marked_at": str},
        pk=("argument_id", "member_id"),
        not_null={"debate_id", "marked_at"},
        foreign_keys=[("debate_id", "debates", "id"), ("argument_id", "arguments", "id")],
    )
    db.table("crux_marks").create_index(["debate_id"])
    db.table("deltas").create(
        {
            "id": int,
            "debate_id": int,
            "argument_id": int,
            "awarded_by": int,
            "awarded_to": int,
            "explanation": str,
            "awarded_at": str,
        },
        pk="id",
        not_null={"debate_id", "argument_id", "awarded_by", "awarded_to", "explanation", "awarded_at"},
        foreign_keys=[("debate_id", "debates", "id"), ("argument_id", "arguments", "id")],
    )
    db.table("deltas").create_index(["awarded_by", "argument_id"], unique=True)
    db.table("deltas").create_index(["debate_id"])


@migrations()
def m008_library_per_server(db: Database) -> None:
    """Give each server its own documents beside a shared library (guild_id null); a name is unique per library.

    Documents added before this were seen by every server, so they become the shared library.
    """
    db.table("documents").add_column("guild_id", int)
    db.execute("drop index if exists idx_documents_name")
    db.execute("create unique index documents_library_name on documents (coalesce(guild_id, 0), name)")
    db.table("documents").create_index(["guild_id"])


@migrations()
def m009_review_passes_and_vote_origin(db: Database) -> None:
    """Keep the arguments a member passed on in /review, and whether each vote came from a reaction or a button.

    A catch-up makes an argument's votes match the 👍/👎 reactions it shows; a vote cast with a /review button has no
    reaction, so it must be told apart to survive that. Votes stored before this came from reactions.
    """
    db.table("votes").add_column("via", str, not_null_default="reaction")
    db.table("review_passes").create(
        {"argument_id": int, "member_id": int, "passed_at": str},
        pk=("argument_id", "member_id"),
        not_null={"passed_at"},
        foreign_keys=[("argument_id", "arguments", "id")],
    )


@migrations()
def m010_member_indexes(db: Database) -> None:
    """Index arguments and votes by member, so typing a reply can read its author's stance without a table scan."""
    db.table("arguments").create_index(["debate_id", "author_id"])
    db.table("votes").create_index(["user_id"])
