"""The store of where a debate hinges: stances (every change kept), crux marks, changed minds (Δ), review passes."""

from __future__ import annotations

from collections import defaultdict

import sqlite_utils

from bot.db import insert_row, now, write
from bot.debates.model import ANSWERS, Argument, CruxMark, Delta, Link, Relation, StanceChange
from bot.debates.reply_evaluation import LabelledReply
from bot.debates.stances import MemberVote

#: The audit reason bot/interface/replies.py gives a moderator's click on **Set reply relation**. A moderator's relink
#: is a label on a reply only when made there: `/argument relink` may join any two arguments, replies or not.
REPLY_MENU_REASON = "Set reply relation"


class HingeStore:
    """Reads and writes stances, crux marks and deltas; reads the votes each member cast in a debate."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- stances ------------------------------------------------------------------------------------------------------

    def declare_stance(self, debate_id: int, member_id: int, value: int) -> StanceChange:
        """Record a member's stance on a debate's motion as a new row; earlier ones stay as its history."""
        row_id = insert_row(
            self.db, "stances", {"debate_id": debate_id, "member_id": member_id, "value": value, "declared_at": now()}
        )
        return _stance(self.db.table("stances").get(row_id))

    def stance_changes(self, debate_id: int, member_id: int | None = None) -> list[StanceChange]:
        """Return a debate's declared stances (or one member's), oldest first."""
        where, params = "debate_id = ?", [debate_id]
        if member_id is not None:
            where, params = where + " and member_id = ?", [debate_id, member_id]
        rows = self.db.query(f"select * from stances where {where} order by id", params)
        return [_stance(row) for row in rows]

    def declared_stances(self, debate_id: int) -> dict[int, StanceChange]:
        """Return each member's latest declared stance in a debate, by member id."""
        rows = self.db.query(
            "select * from stances where id in (select max(id) from stances where debate_id = ? group by member_id)",
            [debate_id],
        )
        return {row["member_id"]: _stance(row) for row in rows}

    def latest_stance(self, debate_id: int, member_id: int) -> StanceChange | None:
        """Return a member's current declared stance in a debate, if they declared one."""
        rows = list(
            self.db.query(
                "select * from stances where debate_id = ? and member_id = ? order by id desc limit 1",
                [debate_id, member_id],
            )
        )
        return _stance(rows[0]) if rows else None

    def member_evidence(
        self, debate_id: int, member_id: int
    ) -> tuple[list[Argument], list[tuple[Argument, MemberVote]]]:
        """Return what a stance is inferred from for one member: their arguments, and the arguments they voted on."""
        own = [
            Argument(**row)
            for row in self.db.query(
                "select * from arguments where debate_id = ? and author_id = ? order by message_id",
                [debate_id, member_id],
            )
        ]
        voted = []
        for row in self.db.query(
            "select a.*, v.value as vote_value, v.voted_at as vote_at from votes v "
            "join arguments a on a.id = v.argument_id where v.user_id = ? and a.debate_id = ?",
            [member_id, debate_id],
        ):
            value, at = row.pop("vote_value"), row.pop("vote_at")
            voted.append((Argument(**row), MemberVote(row["id"], value, at)))
        return own, voted

    # -- votes, as each member cast them ------------------------------------------------------------------------------

    def votes_by_member(self, debate_id: int) -> dict[int, list[MemberVote]]:
        """Return every vote cast on a debate's arguments, grouped by the member who cast it."""
        rows = self.db.query(
            "select v.user_id, v.argument_id, v.value, v.voted_at from votes v "
            "join arguments a on a.id = v.argument_id where a.debate_id = ? order by v.voted_at, v.argument_id",
            [debate_id],
        )
        votes: dict[int, list[MemberVote]] = defaultdict(list)
        for row in rows:
            votes[row["user_id"]].append(MemberVote(row["argument_id"], row["value"], row["voted_at"]))
        return dict(votes)

    # -- crux marks ---------------------------------------------------------------------------------------------------

    def mark_crux(self, argument: Argument, member_id: int) -> bool:
        """Mark an argument as one that would change a member's mind; return False if it was marked already."""
        with write(self.db):
            cursor = self.db.execute(
                "insert or ignore into crux_marks (debate_id, argument_id, member_id, marked_at) values (?, ?, ?, ?)",
                [argument.debate_id, argument.id, member_id, now()],
            )
        return cursor.rowcount > 0

    def unmark_crux(self, argument: Argument, member_id: int) -> bool:
        """Take a member's crux mark off an argument; return False if there was none."""
        with write(self.db):
            cursor = self.db.execute(
                "delete from crux_marks where argument_id = ? and member_id = ?", [argument.id, member_id]
            )
        return cursor.rowcount > 0

    def crux_marks(self, debate_id: int) -> list[CruxMark]:
        """Return a debate's crux marks, oldest first."""
        rows = self.db.query("select * from crux_marks where debate_id = ? order by marked_at, rowid", [debate_id])
        return [CruxMark(**row) for row in rows]

    def is_marked(self, argument_id: int, member_id: int) -> bool:
        """Return whether a member marked an argument as a crux."""
        rows = self.db.query(
            "select 1 from crux_marks where argument_id = ? and member_id = ?", [argument_id, member_id]
        )
        return next(iter(rows), None) is not None

    # -- deltas -------------------------------------------------------------------------------------------------------

    def award_delta(self, argument: Argument, awarded_by: int, explanation: str) -> Delta | None:
        """Record that an argument changed a member's mind, awarded to its author; None if they awarded it before."""
        with write(self.db):
            cursor = self.db.execute(
                "insert or ignore into deltas (debate_id, argument_id, awarded_by, awarded_to, explanation, "
                "awarded_at) values (?, ?, ?, ?, ?, ?)",
                [argument.debate_id, argument.id, awarded_by, argument.author_id, explanation, now()],
            )
        if cursor.rowcount == 0:
            return None
        return self.delta_by(argument.id, awarded_by)

    def delta_by(self, argument_id: int, awarded_by: int) -> Delta | None:
        """Return the Δ a member awarded an argument, if any."""
        rows = list(
            self.db.query("select * from deltas where argument_id = ? and awarded_by = ?", [argument_id, awarded_by])
        )
        return Delta(**rows[0]) if rows else None

    def deltas(self, debate_id: int) -> list[Delta]:
        """Return a debate's deltas, oldest first."""
        rows = self.db.query("select * from deltas where debate_id = ? order by id", [debate_id])
        return [Delta(**row) for row in rows]

    def deltas_for(self, argument_id: int) -> list[Delta]:
        """Return the deltas one argument earned, oldest first."""
        rows = self.db.query("select * from deltas where argument_id = ? order by id", [argument_id])
        return [Delta(**row) for row in rows]

    # -- review passes ------------------------------------------------------------------------------------------------

    def pass_review(self, argument: Argument, member_id: int) -> None:
        """Record that a member passed on an argument in /review (no view either way), so it is not offered again."""
        with write(self.db):
            self.db.execute(
                "insert or ignore into review_passes (argument_id, member_id, passed_at) values (?, ?, ?)",
                [argument.id, member_id, now()],
            )

    def passed(self, debate_id: int, member_id: int) -> set[int]:
        """Return the ids of a debate's arguments a member passed on in /review."""
        rows = self.db.query(
            "select p.argument_id from review_passes p join arguments a on a.id = p.argument_id "
            "where a.debate_id = ? and p.member_id = ?",
            [debate_id, member_id],
        )
        return {row["argument_id"] for row in rows}

    # -- reply relations set by people --------------------------------------------------------------------------------

    def answer(self, source: Argument, target: Argument) -> Link | None:
        """Return the supports, attacks or responds_to link from one argument to another, if any (the newest)."""
        rows = list(
            self.db.query(
                f"select * from links where source_id = ? and target_id = ? and relation in "
                f"({', '.join('?' * len(ANSWERS))}) order by id desc limit 1",
                [source.id, target.id, *ANSWERS],
            )
        )
        return Link(**rows[0]) if rows else None

    def relate(self, source: Argument, target: Argument, relation: Relation, method: str, made_by: int) -> Link:
        """Make one answer link from source to target with this relation, replacing any other, recording who and how."""
        with write(self.db):
            self.db.execute(
                f"delete from links where source_id = ? and target_id = ? and relation in "
                f"({', '.join('?' * len(ANSWERS))})",
                [source.id, target.id, *ANSWERS],
            )
            self.db.execute(
                "insert into links (debate_id, source_id, target_id, relation, method, made_by, created_at) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [source.debate_id, source.id, target.id, relation, method, made_by, now()],
            )
        found = self.answer(source, target)
        assert found is not None
        return found

    def labelled_replies(self, debate_id: int | None = None) -> list[LabelledReply]:
        """Return every reply whose relation its author or a moderator set (in one debate, or all), oldest label first.

        An author's link counts when the reply is still theirs (a merge can move it onto another member's argument);
        a moderator's when the audit log shows it was set through the reply menu. Deleted and removed replies stay in:
        their label is still a person's judgement.
        """
        rows = list(
            self.db.query(
                "select l.* from links l join arguments s on s.id = l.source_id "
                f"where l.relation in ({', '.join('?' * len(ANSWERS))}) "
                "and ((l.method = 'author' and l.made_by = s.author_id) or (l.method = 'moderator' and exists ("
                "select 1 from audit_log a where a.action = 'relink' and a.reason = ? "
                "and a.argument_id = l.source_id and a.target_id = l.target_id))) "
                "and (? is null or l.debate_id = ?) order by l.id",
                [*ANSWERS, REPLY_MENU_REASON, debate_id, debate_id],
            )
        )
        if not rows:
            return []
        ids = sorted({row["source_id"] for row in rows} | {row["target_id"] for row in rows})
        arguments = {
            row["id"]: Argument(**row)
            for row in self.db.query(f"select * from arguments where id in ({', '.join('?' * len(ids))})", ids)
        }
        return [LabelledReply(arguments[row["source_id"]], arguments[row["target_id"]], Link(**row)) for row in rows]


def _stance(row: dict) -> StanceChange:
    return StanceChange(row["debate_id"], row["member_id"], row["value"], row["declared_at"])
