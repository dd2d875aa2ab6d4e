"""A side of a debate as nested trees: roots, what supports and attacks them beneath, cycles, votes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db import open_database
from bot.debates.marks import ArgumentMarks, debate_hinges
from bot.debates.model import SIDES, Debate, Votes
from bot.debates.standing import Standing
from bot.maps.tree import legend, line_badges, side_tree
from bot.services import Services, build_services
from bot.sources.library import Library
from tests.debates.conftest import (
    ADA,
    BEN,
    BIO,
    CHIPS,
    CON,
    CON_MEMBERS,
    CY,
    LAG,
    LATER,
    PRO,
    PRO_MEMBERS,
    RACE,
    RACE_AGAIN,
    TIME,
    TREATY,
    message_ids,
    post,
    rebut,
    start_debate,
    tree_rows,
    vote_all,
)

WHY = "The point about power draw showed me that a hidden training run would be much harder to conceal."


@pytest.fixture
def services(library: Library) -> Services:
    """Build the debate services over a fresh in-memory database and the empty library."""
    return build_services(open_database(":memory:"), library)


@pytest.fixture
def debate(services: Services) -> Debate:
    """Open a debate on a global pause, with a pro and a con thread."""
    return start_debate(services.debates)


@pytest.fixture
def ids() -> Iterator[int]:
    """Message ids in posting order, as Discord's snowflakes are."""
    return message_ids()


def test_roots_are_arguments_that_target_nothing(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A side's roots are its arguments that support or attack nothing; comments and replies are not roots."""
    chips = post(services, ids, PRO, CHIPS)
    time = post(services, ids, PRO, TIME)
    post(services, ids, PRO, LAG, reply_to=time.message_id)
    post(services, ids, PRO, "good point")
    rebut(services, ids, chips, RACE)
    assert services.debates.map(debate).roots("pro") == [chips, time]
    assert services.debates.map(debate).roots("con") == []


def test_rebuttal_sits_under_its_target(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A rebuttal appears under its target in the target's side tree as an attack."""
    chips = post(services, ids, PRO, CHIPS)
    rebut(services, ids, chips, RACE)
    assert tree_rows(services, debate, "pro") == [(0, None, "#1"), (1, "attacks", "#2")]
    assert tree_rows(services, debate, "con") == []


def test_replies_nest_recursively(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Supports and rebuttals of supports nest below each other with increasing depth, oldest first."""
    for member in (BEN, CY):  # Pro members: their plain replies in the Pro thread support
        services.hinges.declare(debate, member, 1)
    time = post(services, ids, PRO, TIME)
    lag = post(services, ids, PRO, LAG, author=BEN, reply_to=time.message_id)
    post(services, ids, PRO, TREATY, author=CY, reply_to=time.message_id)
    rebut(services, ids, lag, BIO)
    assert tree_rows(services, debate, "pro") == [
        (0, None, "#1"),
        (1, "supports", "#2"),
        (2, "attacks", "#4"),
        (1, "supports", "#3"),
    ]


def test_link_cycle_under_a_root_terminates(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A supports B and B supports A below a root: the tree ends, expanding each argument once and referring back."""
    root = post(services, ids, PRO, CHIPS)
    a = post(services, ids, PRO, TIME, reply_to=root.message_id)
    b = post(services, ids, PRO, LAG, reply_to=a.message_id)
    services.debates.store.link(a, b, "supports", "reply", ADA)
    assert tree_rows(services, debate, "pro") == [
        (0, None, "#1"),
        (1, "supports", "#2"),
        (2, "supports", "#3"),
        (3, "supports", "see #2"),
    ]


def test_link_cycle_without_a_root_still_shows_its_arguments(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A supports B and B supports A with nothing above them: the tree ends and shows both arguments once."""
    a = post(services, ids, PRO, TIME)
    b = post(services, ids, PRO, LAG, reply_to=a.message_id)
    services.debates.store.link(a, b, "supports", "reply", ADA)
    assert tree_rows(services, debate, "pro") == [(0, None, "#1"), (1, "supports", "#2"), (2, "supports", "see #1")]


def test_duplicates_do_not_nest(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """An argument flagged as duplicate_of another stays a root of its own, not a child."""
    first = post(services, ids, CON, RACE)
    again = post(services, ids, CON, RACE_AGAIN)
    services.debates.store.link(again, first, "duplicate_of", "automatic", None)
    assert tree_rows(services, debate, "con") == [(0, None, "#1"), (0, None, "#2")]
    assert services.debates.map(debate).children(first) == []


def test_deleted_arguments_leave_the_tree(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A deleted argument disappears from the tree, and a reply to it becomes a root."""
    post(services, ids, PRO, CHIPS)
    time = post(services, ids, PRO, TIME)
    post(services, ids, PRO, LAG, reply_to=time.message_id)
    services.capture.delete(time.message_id, LATER)
    assert tree_rows(services, debate, "pro") == [(0, None, "#1"), (0, None, "#3")]


def test_tree_lines_carry_votes(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Each tree line carries its argument's votes, zero for an argument nobody voted on."""
    chips = post(services, ids, PRO, CHIPS)
    rebut(services, ids, chips, RACE)
    services.capture.vote(chips.message_id, BEN, "👍", added=True)
    services.capture.vote(chips.message_id, CY, "👎", added=True)
    lines = side_tree(services.debates.map(debate), "pro")
    assert [line.votes for line in lines] == [Votes(up=1, down=1), Votes(up=0, down=0)]


def test_tree_lines_show_badges_where_the_debate_hinges(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A refuted argument, common ground, a double crux and a Δ each show their badge; one that just stands, none."""
    for member in PRO_MEMBERS:
        services.hinges.declare(debate, member, 1)
    for member in CON_MEMBERS:
        services.hinges.declare(debate, member, -2)
    refuted = post(services, ids, PRO, CHIPS)
    common = post(services, ids, PRO, TIME)
    double = post(services, ids, CON, RACE, author=BEN)
    attack = rebut(services, ids, refuted, LAG, author=CY)
    vote_all(services, common, PRO_MEMBERS + CON_MEMBERS, "👍")
    services.hinges.toggle_crux(double.message_id, PRO_MEMBERS[0])
    services.hinges.toggle_crux(double.message_id, CON_MEMBERS[0])
    services.hinges.award_delta(attack.message_id, PRO_MEMBERS[1], WHY)
    hinges = debate_hinges(services.hinges.hinge_inputs(debate))
    shown = {
        line.argument.label: line_badges(hinges.of(line.argument.id))
        for side in SIDES
        for line in side_tree(hinges.inputs.debate_map, side)
    }
    assert shown == {
        "#1": ["🔴 refuted"],
        "#4": ["Δ1"],
        "#2": ["🤝 common ground"],
        "#3": ["🎯 double crux"],
    }


def marks(
    standing: Standing = "stands", *, pro: int = 0, con: int = 0, other: int = 0, deltas: int = 0
) -> ArgumentMarks:
    """Return an argument's marks with no votes."""
    return ArgumentMarks(1, standing, None, pro, con, other, deltas)


@pytest.mark.parametrize(
    ("found", "badges"),
    [
        (marks(), []),
        (None, []),
        (marks("refuted"), ["🔴 refuted"]),
        (marks("contested", pro=1), ["🟡 contested", "🔑 crux"]),
        (marks(other=2), ["🔑 crux"]),
        (marks(pro=1, con=2, deltas=3), ["🎯 double crux", "Δ3"]),
        (marks("refuted", deltas=1), ["🔴 refuted", "Δ1"]),
    ],
)
def test_a_line_names_its_standing_only_when_it_does_not_stand(found: ArgumentMarks | None, badges: list[str]) -> None:
    """Standing shows only when refuted or contested; crux (double or not) and Δ with its count always show."""
    assert line_badges(found) == badges


def test_legend_explains_only_the_badges_shown_in_a_fixed_order() -> None:
    """The legend names each kind shown once (Δ1 and Δ3 as Δn), in badge order, and says unmarked arguments stand."""
    text = legend(["Δ3", "🎯 double crux", "🔴 refuted", "Δ1"])
    assert text == (
        "🔴 refuted: an attack on it stands · 🎯 double crux: would change minds on both sides · "
        "Δn: minds it changed · no standing badge: it stands"
    )
    assert legend([]) == ""
