"""The command-sync store: the hash of the slash commands last synced to each scope, so a restart can skip it."""

from __future__ import annotations

import sqlite_utils

from bot.db import now, write

GLOBAL = "global"


def scope_for(guild_id: int | None) -> str:
    """Return the scope commands are synced to: a server's id as text, or 'global'."""
    return GLOBAL if guild_id is None else str(guild_id)


class CommandSyncStore:
    """Reads and records, per scope, which application last synced which commands there."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def last_hash(self, scope: str, application_id: int) -> str | None:
        """Return the hash of the commands this application last synced to `scope`, or None if it never did."""
        row = self.db.execute(
            "select commands_hash from command_syncs where scope = ? and application_id = ?", [scope, application_id]
        ).fetchone()
        return None if row is None else str(row[0])

    def record(self, scope: str, application_id: int, commands_hash: str, command_count: int) -> None:
        """Remember that this application just synced `command_count` commands, hashed as given, to `scope`."""
        with write(self.db):
            self.db.table("command_syncs").upsert(
                {
                    "scope": scope,
                    "application_id": application_id,
                    "commands_hash": commands_hash,
                    "command_count": command_count,
                    "synced_at": now(),
                },
                pk="scope",
            )
