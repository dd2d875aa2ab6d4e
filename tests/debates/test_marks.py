"""Each argument's marks, computed once for every view: standing, common ground, crux marks by side and Δ count."""

from __future__ import annotations

from collections.abc import Iterator

from bot.debates.hinges import Hinges
from bot.debates.marks import COMMON_GROUND_BADGE, DOUBLE_CRUX_BADGE, debate_hinges
from bot.debates.model import Argument, Debate
from bot.debates.moderation import Actor
from bot.services import Services
from tests.debates.conftest import BIO, CON, CON_MEMBERS, GUILD, MODERATOR, PRO, PRO_MEMBERS, post, vote_all

WHY = "The point about careful labs falling behind made me see the pause as a handicap for the wrong side."


def test_planted_arguments_get_their_badges(hinges: Hinges, debate: Debate, planted: dict[str, Argument]) -> None:
    """Agreed by both camps → common ground; marked by both → double crux; an unanswered attack → refuted."""
    found = debate_hinges(hinges.hinge_inputs(debate))
    common, double, divisive = (found.marks[planted[name].id] for name in ("common", "double", "divisive"))
    assert common.common_ground
    assert COMMON_GROUND_BADGE in common.badges()
    assert not divisive.common_ground
    assert (double.crux_pro, double.crux_con, double.double_crux) == (1, 2, True)
    assert DOUBLE_CRUX_BADGE in double.badges()
    assert "double-crux" in double.tags()
    assert divisive.standing == "refuted"
    assert "🔴 refuted" in divisive.badges()
    assert found.common_ground == [planted["common"].id]
    assert found.cruxes.entries[0].argument.id == planted["double"].id


def test_common_ground_needs_more_than_a_bare_majority_of_few_voters(
    services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int], camps: None
) -> None:
    """Three of four on each side agreeing is not yet common ground; all four on each side is."""
    mixed = post(services, ids, PRO, BIO)
    vote_all(services, mixed, PRO_MEMBERS[:3] + CON_MEMBERS[:3], "👍")
    vote_all(services, mixed, (PRO_MEMBERS[3], CON_MEMBERS[3]), "👎")
    assert not debate_hinges(hinges.hinge_inputs(debate)).marks[mixed.id].common_ground
    vote_all(services, mixed, (PRO_MEMBERS[3], CON_MEMBERS[3]), "👍")
    assert debate_hinges(hinges.hinge_inputs(debate)).marks[mixed.id].common_ground


def test_delta_counts_follow_the_argument_and_leave_with_it(
    services: Services, hinges: Hinges, debate: Debate, planted: dict[str, Argument]
) -> None:
    """A Δ shows as a count on its argument; once the argument is removed, it is on no view's marks."""
    double = planted["double"]
    hinges.award_delta(double.message_id, PRO_MEMBERS[1], WHY)
    marks = debate_hinges(hinges.hinge_inputs(debate)).marks[double.id]
    assert marks.deltas == 1
    assert "Δ1" in marks.badges()
    services.moderation.remove(debate, double.number or 0, "off topic", Actor(MODERATOR, "Mo", GUILD))
    after = debate_hinges(hinges.hinge_inputs(debate))
    assert after.of(double.id) is None
    assert after.deltas == []


def test_a_mark_by_a_member_of_no_side_counts_as_a_crux_but_not_for_a_side(
    services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int]
) -> None:
    """A member who declared themselves unsure marks an argument: it is a crux, of neither side, and no double crux."""
    argument = post(services, ids, CON, BIO)
    hinges.declare(debate, 300, 0)
    hinges.toggle_crux(argument.message_id, 300)
    marks = debate_hinges(hinges.hinge_inputs(debate)).marks[argument.id]
    assert (marks.crux_pro, marks.crux_con, marks.crux_other, marks.double_crux) == (0, 0, 1, False)
    assert "crux" in marks.tags()
    assert "🔑 crux" in marks.badges()
