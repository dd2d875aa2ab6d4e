"""The moderation store: removals, merges and relinks of arguments, the audit log, and each server's mod-log."""

from __future__ import annotations

import sqlite_utils

from bot.db import insert_row, now, write
from bot.db.debates import DebateStore
from bot.debates.model import Argument, AuditEntry, Relation


class ModerationStore:
    """Writes moderators' changes to a debate's map, each with an audit-log entry, and reads the log back."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.debates = DebateStore(db)

    def remove(self, argument: Argument, removed_by: int, reason: str) -> Argument:
        """Hide an argument from every view and export; it stays stored."""
        with write(self.db):
            self.db.table("arguments").update(
                argument.id, {"removed_at": now(), "removed_by": removed_by, "removed_reason": reason}
            )
        return self.debates.argument(argument.id)

    def restore(self, argument: Argument) -> Argument:
        """Show a removed argument again."""
        with write(self.db):
            self.db.table("arguments").update(
                argument.id, {"removed_at": None, "removed_by": None, "removed_reason": None}
            )
        return self.debates.argument(argument.id)

    def merge(self, duplicate: Argument, survivor: Argument) -> dict[str, int]:
        """Move a duplicate's links, votes and citations to the survivor and point the duplicate at it.

        A member who voted on both keeps their vote on the survivor; a link that would join the survivor to itself
        or repeat one it has is dropped. Returns how many links, votes and citations moved.
        """
        with write(self.db):
            moved = {"links": 0, "votes": 0, "citations": 0}
            for end, other in (("source_id", "target_id"), ("target_id", "source_id")):
                rows = list(self.db.query(f"select * from links where {end} = ?", [duplicate.id]))
                for row in rows:
                    if row[other] == survivor.id:
                        continue  # the duplicate_of link (or a link between the two) stays as the record
                    moved["links"] += self.db.execute(
                        f"update or ignore links set {end} = ? where id = ?", [survivor.id, row["id"]]
                    ).rowcount
            moved["votes"] = self.db.execute(
                "update or ignore votes set argument_id = ? where argument_id = ?", [survivor.id, duplicate.id]
            ).rowcount
            moved["citations"] = self.db.execute(
                "update or ignore citations set argument_id = ? where argument_id = ?", [survivor.id, duplicate.id]
            ).rowcount
            # Crux marks and Δ follow too (once per member: a member who gave both keeps the survivor's).
            for table in ("crux_marks", "deltas"):
                self.db.execute(
                    f"update or ignore {table} set argument_id = ? where argument_id = ?", [survivor.id, duplicate.id]
                )
            self.db.table("arguments").update(duplicate.id, {"merged_into": survivor.id})
        return moved

    def relink(self, source: Argument, target: Argument, relation: Relation | None, made_by: int) -> None:
        """Replace whatever supports, attacks or plain-reply link runs from source to target with one (or none)."""
        with write(self.db):
            self.db.execute(
                "delete from links where source_id = ? and target_id = ? "
                "and relation in ('supports', 'attacks', 'responds_to')",
                [source.id, target.id],
            )
            if relation is not None:
                self.debates.link(source, target, relation, "moderator", made_by)

    def record(
        self,
        *,
        guild_id: int,
        debate_id: int,
        actor_id: int,
        actor_name: str,
        action: str,
        argument: Argument | None = None,
        target: Argument | None = None,
        reason: str | None = None,
        detail: str | None = None,
    ) -> AuditEntry:
        """Append a moderator action to the audit log."""
        entry_id = insert_row(
            self.db,
            "audit_log",
            {
                "guild_id": guild_id,
                "debate_id": debate_id,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "action": action,
                "argument_id": argument.id if argument else None,
                "target_id": target.id if target else None,
                "reason": reason,
                "detail": detail,
                "created_at": now(),
            },
        )
        return AuditEntry(**self.db.table("audit_log").get(entry_id))

    def audit_log(self, debate_id: int) -> list[AuditEntry]:
        """Return a debate's moderator actions, oldest first."""
        rows = self.db.query("select * from audit_log where debate_id = ? order by id", [debate_id])
        return [AuditEntry(**row) for row in rows]

    def modlog_channel(self, guild_id: int) -> int | None:
        """Return the channel a server's moderator actions are posted to, if one is set."""
        rows = list(self.db.query("select modlog_channel_id from guild_settings where guild_id = ?", [guild_id]))
        return rows[0]["modlog_channel_id"] if rows else None

    def set_modlog_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Set (or with None, clear) a server's mod-log channel."""
        with write(self.db):
            self.db.table("guild_settings").upsert(
                {"guild_id": guild_id, "modlog_channel_id": channel_id}, pk="guild_id"
            )
