"""The debates store: debates and their threads, arguments with revisions, links, votes and citations."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils
from sqlite_utils.db import NotFoundError

from bot.db import insert_row, now, stamp, write
from bot.debates.model import Argument, Citation, Debate, DebateThread, Link, Relation, Revision, Side, Votes


@dataclass(frozen=True)
class Pending:
    """An argument waiting for analysis: whether to post what is found, and how often analysing it failed."""

    argument_id: int
    announce: bool
    attempts: int


class DebateStore:
    """Reads and writes debates; every write that belongs together runs in one transaction."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- debates ------------------------------------------------------------------------------------------------------

    def create_debate(
        self, guild_id: int, channel_id: int, kind: str, motion: str, created_by: int, threads: dict[Side, int]
    ) -> Debate:
        """Store a new open debate with its two threads."""
        with write(self.db):
            row = next(self.db.query("select max(number) as n from debates where guild_id = ?", [guild_id]))
            debate_id = insert_row(
                self.db,
                "debates",
                {
                    "guild_id": guild_id,
                    "number": (row["n"] or 0) + 1,
                    "channel_id": channel_id,
                    "kind": kind,
                    "motion": motion,
                    "created_by": created_by,
                    "created_at": now(),
                },
            )
            for side, thread_id in threads.items():
                self.db.table("debate_threads").insert(
                    {"thread_id": thread_id, "debate_id": debate_id, "side": side, "last_message_id": thread_id}
                )
        return self.debate(debate_id)

    def debate(self, debate_id: int) -> Debate:
        """Return one debate; raise LookupError if there is none."""
        found = self._debates_where("id = ?", [debate_id])
        if not found:
            raise LookupError(debate_id)
        return found[0]

    def debate_by_number(self, guild_id: int, number: int) -> Debate | None:
        """Return a server's debate with this number, if any."""
        found = self._debates_where("guild_id = ? and number = ?", [guild_id, number])
        return found[0] if found else None

    def debates(self, guild_id: int) -> list[Debate]:
        """Return a server's debates, newest first."""
        return self._debates_where("guild_id = ? order by id desc", [guild_id])

    def all_debates(self) -> list[Debate]:
        """Return every debate in every server, oldest first."""
        return self._debates_where("1 order by id", [])

    def thread(self, thread_id: int) -> DebateThread | None:
        """Return the debate thread with this id, open or not."""
        rows = list(self.db.query("select * from debate_threads where thread_id = ?", [thread_id]))
        return DebateThread(**rows[0]) if rows else None

    def open_thread(self, thread_id: int) -> DebateThread | None:
        """Return the debate thread with this id if its debate is open (one query: capture asks once per message)."""
        rows = self._select(
            "select t.* from debate_threads t join debates d on d.id = t.debate_id "
            "where t.thread_id = ? and d.status = 'open'",
            [thread_id],
        )
        return DebateThread(**rows[0]) if rows else None

    def open_threads(self) -> list[DebateThread]:
        """Return every thread of every open debate."""
        rows = self.db.query(
            "select t.* from debate_threads t join debates d on d.id = t.debate_id where d.status = 'open' "
            "order by t.debate_id, t.side desc"
        )
        return [DebateThread(**row) for row in rows]

    def close_debate(self, debate_id: int, closed_by: int) -> Debate:
        """Record that a debate was closed."""
        with write(self.db):
            self.db.table("debates").update(debate_id, {"status": "closed", "closed_by": closed_by, "closed_at": now()})
        return self.debate(debate_id)

    def set_citations(self, debate_id: int, mode: str) -> Debate:
        """Set whether suggested citations are posted (on), stored only (quiet) or not looked for (off)."""
        with write(self.db):
            self.db.table("debates").update(debate_id, {"citations": mode})
        return self.debate(debate_id)

    def advance_cursor(self, thread_id: int, message_id: int) -> None:
        """Remember that every message of a thread up to this one is captured: catch-up starts after it."""
        with write(self.db):
            self.db.execute(
                "update debate_threads set last_message_id = max(last_message_id, ?) where thread_id = ?",
                [message_id, thread_id],
            )

    # -- arguments ----------------------------------------------------------------------------------------------------

    def add_argument(
        self,
        *,
        debate_id: int,
        side: Side,
        kind: str,
        origin: str,
        author_id: int,
        author_name: str,
        thread_id: int,
        message_id: int,
        jump_url: str,
        text: str,
        posted_at: datetime,
        announce: bool = True,
    ) -> Argument:
        """Store a captured message, numbering it when it is an argument; a message id already stored is returned.

        An argument is queued for analysis in the same transaction (`announce`: whether to post what is found), so
        a crash can lose neither the argument nor its analysis.
        """
        with write(self.db):
            existing = self.argument_by_message(message_id)
            if existing is not None:
                return existing
            number = self._next_number(debate_id) if kind == "argument" else None
            # Plain SQL returning the row: capture runs on the event loop, once per message posted.
            (row,) = self._select(
                "insert into arguments (debate_id, number, side, kind, origin, author_id, author_name, thread_id, "
                "message_id, jump_url, text, posted_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning *",
                [
                    debate_id,
                    number,
                    side,
                    kind,
                    origin,
                    author_id,
                    author_name,
                    thread_id,
                    message_id,
                    jump_url,
                    text,
                    stamp(posted_at),
                ],
            )
            if kind == "argument":
                self._queue(row["id"], announce)
        return Argument(**row)

    def argument(self, argument_id: int) -> Argument:
        """Return one argument by its row id; raise sqlite_utils' NotFoundError if there is none."""
        rows = self._select("select * from arguments where id = ?", [argument_id])
        if not rows:
            raise NotFoundError(argument_id)
        return Argument(**rows[0])

    def argument_by_message(self, message_id: int) -> Argument | None:
        """Return the argument captured from a message, if any."""
        rows = self._select("select * from arguments where message_id = ?", [message_id])
        return Argument(**rows[0]) if rows else None

    def arguments_in_thread(self, thread_id: int, first: int, last: int) -> list[Argument]:
        """Return what was captured from a thread's messages with ids from `first` to `last`, deleted ones too."""
        rows = self.db.query(
            "select * from arguments where thread_id = ? and message_id between ? and ? order by message_id",
            [thread_id, first, last],
        )
        return [Argument(**row) for row in rows]

    def argument_by_number(self, debate_id: int, number: int) -> Argument | None:
        """Return argument #number of a debate, if any."""
        rows = list(self.db.query("select * from arguments where debate_id = ? and number = ?", [debate_id, number]))
        return Argument(**rows[0]) if rows else None

    def arguments(self, debate_id: int, *, include_deleted: bool = False) -> list[Argument]:
        """Return a debate's visible captured messages (or all of them) in the order they were posted."""
        where = "" if include_deleted else " and deleted_at is null and removed_at is null and merged_into is null"
        rows = self.db.query(f"select * from arguments where debate_id = ?{where} order by message_id", [debate_id])
        return [Argument(**row) for row in rows]

    def revise(self, argument: Argument, text: str, edited_at: datetime, *, promote: bool = False) -> Argument:
        """Replace an argument's text, keeping the earlier text as a revision; `promote` numbers a comment.

        A numbered argument is queued for analysis again, quietly (nothing is posted about an edit).
        """
        with write(self.db):
            self.db.table("revisions").insert(
                {"argument_id": argument.id, "text": argument.text, "replaced_at": stamp(edited_at)}
            )
            changes: dict[str, object] = {"text": text, "edited_at": stamp(edited_at)}
            if promote and argument.kind == "comment":
                changes |= {"kind": "argument", "number": self._next_number(argument.debate_id)}
            self.db.table("arguments").update(argument.id, changes)
            self.db.execute("delete from argument_embeddings where argument_id = ?", [argument.id])
            if changes.get("kind", argument.kind) == "argument":
                self._queue(argument.id, announce=False)
        return self.argument(argument.id)

    def revisions(self, argument_id: int) -> list[Revision]:
        """Return an argument's earlier texts, oldest first."""
        rows = self.db.query(
            "select argument_id, text, replaced_at from revisions where argument_id = ? order by id", [argument_id]
        )
        return [Revision(**row) for row in rows]

    def mark_deleted(self, argument: Argument, deleted_at: datetime) -> Argument:
        """Hide an argument whose message was deleted; it stays stored."""
        with write(self.db):
            self.db.table("arguments").update(argument.id, {"deleted_at": stamp(deleted_at)})
        return self.argument(argument.id)

    # -- links, votes, citations --------------------------------------------------------------------------------------

    def link(self, source: Argument, target: Argument, relation: Relation, method: str, made_by: int | None) -> Link:
        """Record a relation between two arguments of one debate; recording it twice keeps the first."""
        with write(self.db):
            self.db.execute(
                "insert or ignore into links (debate_id, source_id, target_id, relation, method, made_by, created_at) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [source.debate_id, source.id, target.id, relation, method, made_by, now()],
            )
        row = next(
            self.db.query(
                "select * from links where source_id = ? and target_id = ? and relation = ?",
                [source.id, target.id, relation],
            )
        )
        return Link(**row)

    def links(self, debate_id: int) -> list[Link]:
        """Return every link of a debate, oldest first."""
        return [
            Link(**row) for row in self.db.query("select * from links where debate_id = ? order by id", [debate_id])
        ]

    def set_vote(self, argument: Argument, user_id: int, value: int, via: str = "reaction") -> None:
        """Record a member's vote (+1 or -1) on an argument, replacing their earlier one however it was cast.

        `via` says how: "reaction" (👍/👎) or "review" (a /review button); it is the same one vote either way.
        """
        with write(self.db):
            self.db.table("votes").upsert(
                {"argument_id": argument.id, "user_id": user_id, "value": value, "voted_at": now(), "via": via},
                pk=("argument_id", "user_id"),
            )

    def withdraw_vote(self, argument: Argument, user_id: int, value: int) -> None:
        """Remove a member's vote if it is still the one they withdraw."""
        with write(self.db):
            self.db.execute(
                "delete from votes where argument_id = ? and user_id = ? and value = ?", [argument.id, user_id, value]
            )

    def voters(self, argument: Argument) -> dict[int, int]:
        """Return each member's vote on an argument: user id → +1 or -1."""
        rows = self.db.query("select user_id, value from votes where argument_id = ?", [argument.id])
        return {row["user_id"]: row["value"] for row in rows}

    def replace_votes(self, argument: Argument, votes: dict[int, int]) -> None:
        """Make an argument's reaction votes exactly these (user id → +1 or -1), keeping the time of unchanged ones.

        A vote cast with a /review button shows no reaction, so a member missing from `votes` keeps it.
        """
        with write(self.db):
            stored = self.voters(argument)
            for user_id in stored.keys() - votes.keys():
                self.db.execute(
                    "delete from votes where argument_id = ? and user_id = ? and via = 'reaction'",
                    [argument.id, user_id],
                )
            for user_id, value in votes.items():
                if stored.get(user_id) != value:
                    self.set_vote(argument, user_id, value)

    def votes(self, debate_id: int) -> dict[int, Votes]:
        """Return the vote counts of every voted argument of a debate."""
        rows = self.db.query(
            "select v.argument_id, sum(v.value > 0) as up, sum(v.value < 0) as down from votes v "
            "join arguments a on a.id = v.argument_id where a.debate_id = ? group by v.argument_id",
            [debate_id],
        )
        return {row["argument_id"]: Votes(row["up"], row["down"]) for row in rows}

    def add_citation(
        self,
        argument: Argument,
        *,
        excerpt_id: int,
        document_id: int,
        document_title: str,
        paragraph: int,
        sentence: str,
        similarity: float | None,
    ) -> Citation:
        """Store a suggested citation for an argument; suggesting the same excerpt again keeps the first."""
        with write(self.db):
            self.db.execute(
                "insert or ignore into citations (argument_id, excerpt_id, document_id, document_title, paragraph, "
                "sentence, status, similarity, created_at) values (?, ?, ?, ?, ?, ?, 'suggested', ?, ?)",
                [argument.id, excerpt_id, document_id, document_title, paragraph, sentence, similarity, now()],
            )
        row = next(
            self.db.query("select * from citations where argument_id = ? and excerpt_id = ?", [argument.id, excerpt_id])
        )
        return Citation(**row)

    def citation(self, citation_id: int) -> Citation | None:
        """Return one citation, if it exists."""
        rows = list(self.db.query("select * from citations where id = ?", [citation_id]))
        return Citation(**rows[0]) if rows else None

    def confirm_citation(self, citation: Citation, user_id: int) -> Citation:
        """Mark a suggested citation as cited by the argument's author."""
        with write(self.db):
            self.db.table("citations").update(
                citation.id, {"status": "cited", "confirmed_by": user_id, "confirmed_at": now()}
            )
        found = self.citation(citation.id)
        assert found is not None
        return found

    def citations(self, debate_id: int) -> list[Citation]:
        """Return every citation of a debate's arguments."""
        rows = self.db.query(
            "select c.* from citations c join arguments a on a.id = c.argument_id where a.debate_id = ? order by c.id",
            [debate_id],
        )
        return [Citation(**row) for row in rows]

    # -- the analysis queue -------------------------------------------------------------------------------------------

    def transaction(self) -> contextlib.AbstractContextManager[sqlite_utils.Database]:
        """Return a context in which several writes commit together (see bot.db.write)."""
        return write(self.db)

    def pending(self, limit: int, exclude: Sequence[int] = ()) -> list[Pending]:
        """Return up to `limit` arguments waiting for analysis, oldest first, leaving out those in `exclude`."""
        unless = f"where argument_id not in ({', '.join('?' * len(exclude))}) " if exclude else ""
        rows = self.db.query(
            f"select argument_id, announce, attempts from analysis_queue {unless}order by argument_id limit ?",
            [*exclude, limit],
        )
        return [Pending(row["argument_id"], bool(row["announce"]), row["attempts"]) for row in rows]

    def pending_count(self) -> int:
        """Return how many arguments wait for analysis."""
        return int(next(self.db.query("select count(*) as n from analysis_queue"))["n"])

    def analysed(self, argument_ids: Sequence[int]) -> None:
        """Take arguments off the analysis queue (inside the transaction that stored their analysis)."""
        if not argument_ids:
            return
        with write(self.db):
            self.db.execute(
                f"delete from analysis_queue where argument_id in ({', '.join('?' * len(argument_ids))})",
                list(argument_ids),
            )

    def analysis_failed(self, argument_ids: Sequence[int]) -> None:
        """Count a failed attempt at analysing arguments; they stay queued."""
        if not argument_ids:
            return
        with write(self.db):
            self.db.execute(
                f"update analysis_queue set attempts = attempts + 1 where argument_id in "
                f"({', '.join('?' * len(argument_ids))})",
                list(argument_ids),
            )

    # -- helpers ------------------------------------------------------------------------------------------------------

    def _queue(self, argument_id: int, announce: bool) -> None:
        # A repeat (an edit before the first analysis ran) keeps the first request's wish to post.
        self.db.execute(
            "insert into analysis_queue (argument_id, announce, attempts, queued_at) values (?, ?, 0, ?) "
            "on conflict(argument_id) do update set attempts = 0",
            [argument_id, int(announce), now()],
        )

    def _next_number(self, debate_id: int) -> int:
        (row,) = self._select("select max(number) as n from arguments where debate_id = ?", [debate_id])
        return (row["n"] or 0) + 1

    def _select(self, sql: str, params: Sequence[object]) -> list[dict]:
        """Run a statement that returns rows and return them all, as dicts.

        For what capture and analysis run per message and per argument: sqlite-utils' `query` wraps every
        statement in a savepoint (two statements more), and every statement hands the GIL to the analysis thread.
        """
        cursor = self.db.execute(sql, params)
        keys = [column[0] for column in cursor.description]
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    def _debates_where(self, where: str, params: list) -> list[Debate]:
        debates = []
        for row in list(self.db.query(f"select * from debates where {where}", params)):
            threads = {
                r["side"]: r["thread_id"]
                for r in self.db.query("select side, thread_id from debate_threads where debate_id = ?", [row["id"]])
            }
            debates.append(Debate(**row, threads=threads))
        return debates
