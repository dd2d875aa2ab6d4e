"""Cruxes from the map: marks toggled, double cruxes first, divisive arguments next, excerpts, badges, thread seeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.debates.crux_report import crux_report, crux_seed
from bot.debates.hinges import Hinges
from bot.debates.model import Argument, Debate
from bot.errors import DebateError
from bot.services import Services
from tests.debates.conftest import ADA, BEN, CHIPS, CON, CON_MEMBERS, CY, PRO, PRO_MEMBERS, RACE, TREATY, post, vote_all


def test_double_cruxes_come_first_then_divisive_and_never_common_ground(
    hinges: Hinges, debate: Debate, planted: dict[str, Argument]
) -> None:
    """The argument marked on both sides leads; the one the sides split on follows; the agreed one is no crux."""
    report = crux_report(hinges.crux_inputs(debate))
    assert [(e.argument.id, e.crux.kind) for e in report.entries] == [
        (planted["double"].id, "double"),
        (planted["divisive"].id, "divisive"),
    ]
    double, divisive = report.entries
    assert (double.crux.pro_marks, double.crux.con_marks) == (1, 2)
    assert divisive.score is not None
    assert (divisive.score.pro.agree, divisive.score.pro.total) == (4, 4)
    assert (divisive.score.con.agree, divisive.score.con.total) == (0, 4)
    # The declared camps, and the authors by where they posted: Ada on Pro, Ben and Cy on Con.
    assert report.members == {"pro": 5, "con": 6}
    assert report.marked == 1


def test_each_crux_carries_its_standing(hinges: Hinges, debate: Debate, planted: dict[str, Argument]) -> None:
    """The divisive argument, attacked by an unanswered rebuttal, is refuted; the unattacked double crux stands."""
    standings = {e.argument.id: e.standing for e in crux_report(hinges.crux_inputs(debate)).entries}
    assert standings == {planted["double"].id: "stands", planted["divisive"].id: "refuted"}


def test_a_crux_lists_the_excerpts_cited_first(
    services: Services, hinges: Hinges, debate: Debate, planted: dict[str, Argument]
) -> None:
    """Of two excerpts suggested for a crux, the one its author cited is listed first."""
    store = services.debates.store
    divisive = planted["divisive"]
    store.add_citation(
        divisive, excerpt_id=1, document_id=1, document_title="A", paragraph=1, sentence="Close.", similarity=0.9
    )
    cited = store.add_citation(
        divisive, excerpt_id=2, document_id=1, document_title="B", paragraph=2, sentence="Cited.", similarity=0.5
    )
    store.confirm_citation(cited, divisive.author_id)
    entry = next(e for e in crux_report(hinges.crux_inputs(debate)).entries if e.argument.id == divisive.id)
    assert [c.sentence for c in entry.citations] == ["Cited.", "Close."]


def test_too_few_voters_make_no_divisive_crux(
    services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int], camps: None
) -> None:
    """A split seen by two members on each side is not yet listed: it takes 8 voters with a stance."""
    argument = post(services, ids, PRO, CHIPS, author=ADA)
    vote_all(services, argument, PRO_MEMBERS[:2], "👍")
    vote_all(services, argument, CON_MEMBERS[:2], "👎")
    assert crux_report(hinges.crux_inputs(debate)).entries == []


def test_the_seed_has_the_strongest_answers_and_best_excerpts(
    services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int], planted: dict[str, Argument]
) -> None:
    """A thread about a crux opens with its attacks and supports, the best voted first, and its excerpts."""
    divisive = planted["divisive"]
    backing = post(services, ids, PRO, f"Agreed. {TREATY}", author=CY, reply_to=divisive.message_id)
    services.capture.vote(planted["attack"].message_id, 101, "👍", added=True)
    seed = crux_seed(hinges.crux_inputs(debate), divisive.id)
    assert seed is not None
    assert [a.id for a, _ in seed.attacks] == [planted["attack"].id]
    assert [a.id for a, _ in seed.supports] == [backing.id]
    assert seed.entry is not None
    assert seed.entry.crux.kind == "divisive"
    assert seed.standing == "refuted"


def test_a_seed_for_an_argument_off_the_map_is_none(hinges: Hinges, debate: Debate) -> None:
    """There is no seed for an argument that is not on the map."""
    assert crux_seed(hinges.crux_inputs(debate), 12345) is None


# -- marking ----------------------------------------------------------------------------------------------------------


def test_marking_twice_takes_the_mark_off(
    services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int], camps: None
) -> None:
    """The menu toggles: the first use marks and counts the member's side, the second takes the mark off."""
    argument = post(services, ids, CON, RACE, author=BEN)
    first = hinges.toggle_crux(argument.message_id, PRO_MEMBERS[0])
    assert (first.marked, first.pro, first.con, first.double, first.member_side) == (True, 1, 0, False, "pro")
    second = hinges.toggle_crux(argument.message_id, CON_MEMBERS[0])
    assert second.double
    again = hinges.toggle_crux(argument.message_id, PRO_MEMBERS[0])
    assert (again.marked, again.pro, again.con) == (False, 0, 1)


def test_your_own_argument_or_a_comment_cannot_be_marked(
    services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int]
) -> None:
    """Marking your own argument, or chatter, is refused with what to do instead."""
    mine = post(services, ids, PRO, CHIPS, author=ADA)
    chatter = post(services, ids, PRO, "+1", author=BEN)
    with pytest.raises(DebateError, match="your own argument"):
        hinges.toggle_crux(mine.message_id, ADA)
    with pytest.raises(DebateError, match="not a captured argument"):
        hinges.toggle_crux(chatter.message_id, ADA)
