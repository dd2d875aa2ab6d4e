"""The hinge store: its migration, stances kept with every change, crux marks, deltas, and votes by member."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.db.migrations import migrations
from bot.db.moderation import ModerationStore
from bot.debates.model import Debate
from tests.db.conftest import ADA, BEN, CON, CY, GUILD, MOTION, PRO, add

MIGRATION = "m007_stances_cruxes_deltas"
WHY = "The point about chip export controls showed me a pause can actually be checked, which I had doubted."


@pytest.fixture
def hinges(db: sqlite_utils.Database) -> HingeStore:
    """Return a hinge store over the fresh database."""
    return HingeStore(db)


# -- the migration ----------------------------------------------------------------------------------------------------


def test_migration_applies_to_a_database_made_by_the_earlier_ones() -> None:
    """m007 runs on a database holding a debate made by m001 to m006, keeps it, and adds the three tables."""
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    migrations.apply(db, stop_before=MIGRATION)
    earlier = DebateStore(db).create_debate(GUILD, 500, "text", MOTION, ADA, {"pro": PRO, "con": CON})
    migrations.apply(db)
    assert DebateStore(db).debate(earlier.id).motion == MOTION
    assert {"stances", "crux_marks", "deltas"} <= set(db.table_names())
    assert migrations.pending(db) == []


def test_votes_cast_before_m009_count_as_reactions() -> None:
    """m009 marks every vote stored before it as cast by reaction, and adds the review passes."""
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    migrations.apply(db, stop_before="m009_review_passes_and_vote_origin")
    earlier = DebateStore(db).create_debate(GUILD, 500, "text", MOTION, ADA, {"pro": PRO, "con": CON})
    argument = add(DebateStore(db), earlier, 10)
    db.execute(
        "insert into votes (argument_id, user_id, value, voted_at) values (?, ?, 1, '2025-03-01T12:00:00+00:00')",
        [argument.id, BEN],
    )
    migrations.apply(db)
    assert [row["via"] for row in db.query("select via from votes")] == ["reaction"]
    assert "review_passes" in db.table_names()


@pytest.mark.parametrize(
    ("table", "references"),
    [
        ("stances", {("debate_id", "debates")}),
        ("crux_marks", {("debate_id", "debates"), ("argument_id", "arguments")}),
        ("deltas", {("debate_id", "debates"), ("argument_id", "arguments")}),
        ("review_passes", {("argument_id", "arguments")}),
    ],
)
def test_each_table_points_at_what_it_belongs_to(
    db: sqlite_utils.Database, table: str, references: set[tuple[str, str]]
) -> None:
    """Every hinge table has foreign keys to its debate (and argument)."""
    assert {(fk.column, fk.other_table) for fk in db.table(table).foreign_keys} == references


def test_a_stance_off_the_scale_is_refused_by_the_schema(hinges: HingeStore, debate: Debate) -> None:
    """The stances table accepts only -2 to 2."""
    with pytest.raises(sqlite3.IntegrityError):
        hinges.declare_stance(debate.id, ADA, 3)


# -- stances ----------------------------------------------------------------------------------------------------------


def test_every_stance_change_is_kept_and_the_latest_is_current(hinges: HingeStore, debate: Debate) -> None:
    """Declaring again adds a row: the history keeps each change in order, and the latest counts as declared."""
    hinges.declare_stance(debate.id, ADA, -1)
    hinges.declare_stance(debate.id, ADA, 0)
    hinges.declare_stance(debate.id, ADA, 2)
    hinges.declare_stance(debate.id, BEN, -2)
    assert [c.value for c in hinges.stance_changes(debate.id, ADA)] == [-1, 0, 2]
    assert {m: c.value for m, c in hinges.declared_stances(debate.id).items()} == {ADA: 2, BEN: -2}
    assert len(hinges.stance_changes(debate.id)) == 4


def test_stances_belong_to_their_debate(store: DebateStore, hinges: HingeStore, debate: Debate) -> None:
    """A stance in one debate says nothing about another."""
    other = store.create_debate(GUILD, 500, "text", "Open weights should be banned.", ADA, {"pro": 3, "con": 4})
    hinges.declare_stance(debate.id, ADA, 1)
    assert hinges.declared_stances(other.id) == {}


# -- votes by member --------------------------------------------------------------------------------------------------


def test_votes_are_read_back_per_member(store: DebateStore, hinges: HingeStore, debate: Debate) -> None:
    """Each member's votes on a debate's arguments come back with their values."""
    first, second = add(store, debate, 10), add(store, debate, 11, side="con")
    store.set_vote(first, BEN, 1)
    store.set_vote(second, BEN, -1)
    store.set_vote(first, CY, -1)
    found = hinges.votes_by_member(debate.id)
    assert {(v.argument_id, v.value) for v in found[BEN]} == {(first.id, 1), (second.id, -1)}
    assert [(v.argument_id, v.value) for v in found[CY]] == [(first.id, -1)]


# -- crux marks -------------------------------------------------------------------------------------------------------


def test_a_crux_mark_is_one_per_member_and_removable(store: DebateStore, hinges: HingeStore, debate: Debate) -> None:
    """Marking twice keeps one mark; unmarking removes it; unmarking again finds nothing."""
    argument = add(store, debate, 10)
    assert hinges.mark_crux(argument, BEN) is True
    assert hinges.mark_crux(argument, BEN) is False
    assert [(m.argument_id, m.member_id) for m in hinges.crux_marks(debate.id)] == [(argument.id, BEN)]
    assert hinges.is_marked(argument.id, BEN)
    assert hinges.unmark_crux(argument, BEN) is True
    assert hinges.unmark_crux(argument, BEN) is False
    assert hinges.crux_marks(debate.id) == []


# -- review passes ----------------------------------------------------------------------------------------------------


def test_a_pass_is_kept_once_per_member_and_debate(store: DebateStore, hinges: HingeStore, debate: Debate) -> None:
    """Passing twice keeps one pass; passes are read per member and debate."""
    argument = add(store, debate, 10)
    hinges.pass_review(argument, BEN)
    hinges.pass_review(argument, BEN)
    assert hinges.passed(debate.id, BEN) == {argument.id}
    assert hinges.passed(debate.id, CY) == set()


def test_a_review_vote_is_not_dropped_by_replacing_reaction_votes(store: DebateStore, debate: Debate) -> None:
    """Making an argument's votes match its reactions drops a lost reaction vote but keeps a /review vote."""
    argument = add(store, debate, 10)
    store.set_vote(argument, BEN, 1, via="review")
    store.set_vote(argument, CY, -1)
    store.replace_votes(argument, {})
    assert store.voters(argument) == {BEN: 1}


# -- deltas -----------------------------------------------------------------------------------------------------------


def test_a_delta_goes_to_the_author_once_per_member(store: DebateStore, hinges: HingeStore, debate: Debate) -> None:
    """A Δ is awarded to the argument's author with the explanation; the same member awarding it again gets None."""
    argument = add(store, debate, 10, author=ADA)
    delta = hinges.award_delta(argument, BEN, WHY)
    assert delta is not None
    assert (delta.awarded_by, delta.awarded_to, delta.explanation) == (BEN, ADA, WHY)
    assert hinges.award_delta(argument, BEN, "Again, with a different explanation that is long enough.") is None
    assert hinges.award_delta(argument, CY, WHY) is not None
    assert [(d.awarded_by, d.explanation) for d in hinges.deltas(debate.id)] == [(BEN, WHY), (CY, WHY)]
    assert len(hinges.deltas_for(argument.id)) == 2
    assert hinges.delta_by(argument.id, BEN) == delta


def test_a_merge_moves_crux_marks_and_deltas_once_per_member(
    db: sqlite_utils.Database, store: DebateStore, hinges: HingeStore, debate: Debate
) -> None:
    """Merging a duplicate moves its crux marks and Δ to the survivor; a member who gave both keeps one."""
    survivor, duplicate = add(store, debate, 10, author=ADA), add(store, debate, 11, author=ADA)
    hinges.mark_crux(duplicate, BEN)
    hinges.mark_crux(duplicate, CY)
    hinges.mark_crux(survivor, CY)
    hinges.award_delta(duplicate, BEN, WHY)
    ModerationStore(db).merge(duplicate, survivor)
    assert sorted(m.member_id for m in hinges.crux_marks(debate.id) if m.argument_id == survivor.id) == [BEN, CY]
    assert [d.awarded_by for d in hinges.deltas_for(survivor.id)] == [BEN]
