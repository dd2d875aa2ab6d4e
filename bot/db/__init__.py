"""Storage: the schema's migrations and the stores that speak dataclasses."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.db.migrations import migrations
from bot.errors import DatabaseUnusable


def open_database(path: Path | str, *, create: bool = True) -> sqlite_utils.Database:
    """Open (or create) the SQLite file, apply pending migrations, and return it; raise DatabaseUnusable if corrupt."""
    if str(path) != ":memory:":
        path = Path(path)
        if not create and not path.exists():
            raise DatabaseUnusable(f"There is no database at {path}. Set CRUX_DB to the right file.")
        if path.exists() and path.is_dir():
            raise DatabaseUnusable(f"CRUX_DB points at {path}, which is a folder, not a database file.")
    db = None
    try:
        # One connection shared by the event loop and the worker threads that embed; Library serialises writes.
        db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=False))
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        # The library and the debates use separate connections to one file; a writer waits for the other.
        db.execute("PRAGMA busy_timeout = 5000")
        migrations.apply(db)
    except sqlite3.DatabaseError as error:
        if db is not None:
            db.conn.close()
        raise DatabaseUnusable(
            f"{path} is not a usable Crux database ({error}). Move it aside or set CRUX_DB."
        ) from None
    return db


def stamp(moment: datetime) -> str:
    """Return a time as stored: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def now() -> str:
    """Return the current time as stored."""
    return stamp(datetime.now(UTC))


def parse_time(stamp: str) -> datetime:
    """Return a stored ISO 8601 time as an aware datetime (UTC when it names no zone); ValueError if malformed."""
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def insert_row(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    """Insert a row into a table with an integer primary key and return its id."""
    pk = db.table(table).insert(row).last_pk
    assert isinstance(pk, int)
    return pk
