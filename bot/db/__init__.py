"""Storage: the schema's migrations and the stores that speak dataclasses."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.db.migrations import migrations
from bot.errors import DatabaseUnusable

log = logging.getLogger(__name__)

# SQLite waits this long for another connection's write lock before it reports "database is locked"...
BUSY_TIMEOUT_MS = 5000
# ...and `write` then keeps retrying, with backoff, for this long in all before it gives up.
WRITE_PATIENCE = 120.0


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
        # Under WAL, NORMAL loses no committed transaction on a crash of Crux (only, at worst, on a power cut).
        db.execute("PRAGMA synchronous = NORMAL")
        # The library, the debates and the command line use separate connections to one file; a writer waits.
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        migrations.apply(db)
    except sqlite3.DatabaseError as error:
        if db is not None:
            db.conn.close()
        raise DatabaseUnusable(
            f"{path} is not a usable Crux database ({error}). Move it aside or set CRUX_DB."
        ) from None
    return db


@contextlib.contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block as one short write transaction, committed at its end and rolled back on an error.

    The write lock is taken at once (BEGIN IMMEDIATE), so a transaction never fails half-way because another
    connection wrote first; while another connection holds the lock, this waits and retries with backoff (up to
    WRITE_PATIENCE seconds) instead of failing. Inside a transaction already open, the block is a savepoint.
    Never embed or do other slow work inside the block: every other writer waits for it.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    _begin_immediate(db)
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def _begin_immediate(db: sqlite_utils.Database) -> None:
    delay, waited = 0.05, 0.0
    while True:
        try:
            db.conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or waited >= WRITE_PATIENCE:
                raise
            log.info("The database is busy (%s); retrying in %.2f s", error, delay)
            time.sleep(delay)
            waited += delay + BUSY_TIMEOUT_MS / 1000
            delay = min(delay * 2, 2.0)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold, for the block, the one `crux run` lock of a database file; raise DatabaseUnusable if another holds it.

    Two bots capturing into one file would race for every message. The lock is a `flock` on `<file>.run-lock`,
    which the kernel releases when the process ends however it ends, so a crash never leaves a stale lock.
    """
    lock_path = path.with_name(path.name + ".run-lock")
    try:
        handle = lock_path.open("a+", encoding="utf-8")
    except OSError as error:
        raise DatabaseUnusable(f"Crux cannot create {lock_path} ({error.strerror}). Check CRUX_DB.") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DatabaseUnusable(
                f"Another `crux run` (pid {holder}) is already using {path}. Stop it first, or set CRUX_DB to another "
                "file; `crux sources` and the other commands work while it runs."
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


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
    with write(db):
        pk = db.table(table).insert(row).last_pk
    assert isinstance(pk, int)
    return pk
