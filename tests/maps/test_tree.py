"""A side of a debate as nested trees: roots, what supports and attacks them beneath, cycles, votes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db import open_database
from bot.debates.model import Debate, Votes
from bot.maps.tree import side_tree
from bot.services import Services, build_services
from bot.sources.library import Library
from tests.debates.conftest import (
    ADA,
    BEN,
    BIO,
    CHIPS,
    CON,
    CY,
    LAG,
    LATER,
    PRO,
    RACE,
    RACE_AGAIN,
    TIME,
    TREATY,
    message_ids,
    post,
    rebut,
    start_debate,
    tree_rows,
)


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
