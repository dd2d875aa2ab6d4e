"""The debates store: its migration, and the reads and writes the debate service relies on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import numpy as np
import pytest
import sqlite_utils

from bot.db.debates import DebateStore
from bot.db.migrations import migrations
from bot.db.vectors import ArgumentVectors
from bot.debates.model import Debate
from tests.db.conftest import ADA, BEN, CON, GUILD, MOTION, POSTED, PRO, add


@pytest.mark.parametrize(
    ("table", "foreign_keys"),
    [
        ("debate_threads", {("debate_id", "debates")}),
        ("arguments", {("debate_id", "debates")}),
        ("revisions", {("argument_id", "arguments")}),
        ("links", {("debate_id", "debates"), ("source_id", "arguments"), ("target_id", "arguments")}),
        ("votes", {("argument_id", "arguments")}),
        ("citations", {("argument_id", "arguments")}),
        ("argument_embeddings", {("argument_id", "arguments")}),
    ],
)
def test_migration_creates_table_with_foreign_keys(
    db: sqlite_utils.Database, table: str, foreign_keys: set[tuple[str, str]]
) -> None:
    """m002_debates creates each debate table with foreign keys to the rows it belongs to."""
    assert {(fk.column, fk.other_table) for fk in db.table(table).foreign_keys} == foreign_keys


def test_migration_is_recorded_as_applied(db: sqlite_utils.Database) -> None:
    """A fresh database has m002_debates applied and nothing pending."""
    applied = [row["name"] for row in db.query("select name from _sqlite_migrations where migration_set = 'crux'")]
    assert "m002_debates" in applied
    assert migrations.pending(db) == []


def test_foreign_keys_are_enforced(store: DebateStore) -> None:
    """An argument of a debate that does not exist is refused by the database."""
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        store.db.execute(
            "insert into arguments (debate_id, side, kind, origin, author_id, author_name, thread_id, message_id, "
            "jump_url, text, posted_at) values (99, 'pro', 'argument', 'message', 1, 'Ada', 1, 1, 'u', 't', 'now')"
        )


@pytest.mark.parametrize(
    ("column", "value"),
    [("kind", "voice"), ("status", "paused"), ("citations", "loud")],
)
def test_debate_columns_only_take_known_values(store: DebateStore, debate: Debate, column: str, value: str) -> None:
    """A debate's kind, status and citation mode refuse values outside their CHECK lists."""
    with pytest.raises(sqlite3.IntegrityError, match=f"CHECK constraint failed: {column} IN"):
        store.db.execute(f"update debates set {column} = ? where id = ?", [value, debate.id])


def test_new_debate_is_open_with_both_threads_and_cursors(store: DebateStore, debate: Debate) -> None:
    """A created debate is open, posts citations, and each thread's cursor starts at the thread id."""
    assert (debate.status, debate.citations, debate.threads) == ("open", "on", {"pro": PRO, "con": CON})
    assert store.thread(PRO).last_message_id == PRO
    assert store.thread(CON).side == "con"


def test_unknown_debate_raises_lookup_error(store: DebateStore) -> None:
    """Asking for a debate id that was never created raises LookupError."""
    with pytest.raises(LookupError, match=r"^404$"):
        store.debate(404)


def test_debates_are_listed_newest_first_per_server(store: DebateStore, debate: Debate) -> None:
    """A server's debates come newest first, and another server's are not among them."""
    newer = store.create_debate(GUILD, 500, "text", "Open-weight models should be banned.", ADA, {"pro": 3, "con": 4})
    store.create_debate(222, 600, "forum", MOTION, BEN, {"pro": 5, "con": 6})
    assert [d.id for d in store.debates(GUILD)] == [newer.id, debate.id]


def test_open_threads_leave_out_closed_debates(store: DebateStore, debate: Debate) -> None:
    """Only the threads of open debates are listed for catching up."""
    other = store.create_debate(GUILD, 500, "text", "Open-weight models should be banned.", ADA, {"pro": 3, "con": 4})
    store.close_debate(debate.id, ADA)
    assert [(t.debate_id, t.side) for t in store.open_threads()] == [(other.id, "pro"), (other.id, "con")]


def test_cursor_never_moves_backwards(store: DebateStore, debate: Debate) -> None:
    """Advancing a thread's cursor to an older message leaves it at the newest one."""
    store.advance_cursor(PRO, 5000)
    store.advance_cursor(PRO, 4000)
    assert store.thread(PRO).last_message_id == 5000


def test_existing_message_id_returns_the_stored_row(store: DebateStore, debate: Debate) -> None:
    """Adding a message id that is already stored returns that row and stores nothing new."""
    first = add(store, debate, 2001, "Compute thresholds make a pause enforceable at the chip supply chain.")
    again = add(store, debate, 2001, "A different text for the same message id.")
    assert again == first
    assert store.db.table("arguments").count == 1


def test_numbers_are_not_reused_after_a_deletion(store: DebateStore, debate: Debate) -> None:
    """An argument posted after a deleted one gets the next number, never the deleted one's."""
    add(store, debate, 2001, "Labs cannot be trusted to stop racing on their own.")
    second = add(store, debate, 2002, "Only governments can coordinate a pause across borders.")
    store.mark_deleted(second, POSTED)
    assert add(store, debate, 2003, "A pause buys time for alignment research to catch up.").number == 3


def test_link_recorded_twice_keeps_one_row(store: DebateStore, debate: Debate) -> None:
    """Recording the same relation twice returns the first link and keeps a single row."""
    claim = add(store, debate, 2001, "A pause buys time for alignment research to catch up.")
    reply = add(store, debate, 2002, "Alignment work already lags capabilities by years.")
    first = store.link(reply, claim, "supports", "reply", ADA)
    second = store.link(reply, claim, "supports", "context_menu", BEN)
    assert second == first
    assert store.links(debate.id) == [first]


@pytest.mark.parametrize("table", ["debates", "arguments"])
def test_autoincrement_ids_are_never_reused(store: DebateStore, debate: Debate, table: str) -> None:
    """A row added after the newest row was deleted gets a fresh id, so old references never point at new rows."""
    if table == "debates":
        doomed = store.create_debate(GUILD, 500, "text", "Pause now.", ADA, {"pro": 3, "con": 4}).id
        store.db.execute("delete from debate_threads where debate_id = ?", [doomed])
        store.db.execute("delete from debates where id = ?", [doomed])
        fresh = store.create_debate(GUILD, 500, "text", "Pause later.", ADA, {"pro": 5, "con": 6}).id
    else:
        doomed = add(store, debate, 2001, "Frontier labs should publish their safety cases.").id
        store.db.execute("delete from analysis_queue where argument_id = ?", [doomed])
        store.db.execute("delete from arguments where id = ?", [doomed])
        fresh = add(store, debate, 2002, "Frontier labs should publish their evaluations.").id
    assert fresh > doomed


def test_revisions_keep_earlier_texts_oldest_first(store: DebateStore, debate: Debate) -> None:
    """Revising twice keeps both earlier texts in order and drops the embedding of the old text."""
    argument = add(store, debate, 2001, "A pause is unenforceable.")
    ArgumentVectors(store.db).save([argument], np.ones((1, 4), np.float32), "fake", ["hash"])
    argument = store.revise(argument, "A pause is hard to enforce.", datetime(2025, 3, 1, 12, 5, tzinfo=UTC))
    store.revise(
        argument, "A pause is hard to enforce without chip tracking.", datetime(2025, 3, 1, 12, 10, tzinfo=UTC)
    )
    earlier = [r.text for r in store.revisions(argument.id)]
    assert earlier == ["A pause is unenforceable.", "A pause is hard to enforce."]
    assert ArgumentVectors(store.db).of_debate(debate.id, "fake")[0] == []


def test_votes_replace_and_withdraw_per_member(store: DebateStore, debate: Debate) -> None:
    """A member's second vote replaces the first, and withdrawing a value they no longer hold changes nothing."""
    argument = add(store, debate, 2001, "A pause hands the lead to less careful actors.")
    store.set_vote(argument, ADA, 1)
    store.set_vote(argument, ADA, -1)
    store.set_vote(argument, BEN, 1)
    store.withdraw_vote(argument, ADA, 1)
    assert (store.votes(debate.id)[argument.id].up, store.votes(debate.id)[argument.id].down) == (1, 1)


def test_same_excerpt_suggested_twice_keeps_the_first(store: DebateStore, debate: Debate) -> None:
    """Suggesting one excerpt twice for an argument keeps the first suggestion only."""
    argument = add(store, debate, 2001, "Data centres draw as much power as a small town.")
    fields = {"excerpt_id": 3, "document_id": 1, "document_title": "Verification", "paragraph": 2, "sentence": "S."}
    first = store.add_citation(argument, **fields, similarity=0.9)
    second = store.add_citation(argument, **fields, similarity=0.5)
    assert second == first
    assert store.citations(debate.id) == [first]


def test_vectors_leave_out_comments_and_deleted_arguments(store: DebateStore, debate: Debate) -> None:
    """Only visible arguments' embeddings are candidates for duplicates."""
    kept = add(store, debate, 2001, "A pause needs an international agency with inspectors.")
    comment = add(store, debate, 2002, "good point", kind="comment")
    deleted = store.mark_deleted(add(store, debate, 2003, "Chips can be tracked like uranium."), POSTED)
    ArgumentVectors(store.db).save([kept, comment, deleted], np.eye(3, 4, dtype=np.float32), "fake", ["a", "b", "c"])
    ids, matrix = ArgumentVectors(store.db).of_debate(debate.id, "fake")
    assert ids == [kept.id]
    assert matrix.shape == (1, 4)
