"""The hinges service: stances declared (every change kept) or inferred from posts and votes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.debates.hinges import Hinges
from bot.debates.model import Debate
from bot.errors import DebateError
from bot.services import Services
from tests.debates.conftest import ADA, BEN, CHIPS, CON, CY, GUILD, OTHER_GUILD, PRO, RACE, TIME, post


@pytest.fixture
def hinges(services: Services) -> Hinges:
    """Return the hinges service."""
    return services.hinges


# -- stances ----------------------------------------------------------------------------------------------------------


def test_a_declared_stance_is_current_and_declared(hinges: Hinges, debate: Debate) -> None:
    """A member who declares 'strongly for' stands there, and the stance says it was declared."""
    hinges.declare(debate, ADA, 2)
    stance = hinges.stance(debate, ADA)
    assert stance is not None
    assert (stance.value, stance.declared, stance.side, stance.point.label) == (2, True, "pro", "Strongly for")


def test_a_member_who_never_declared_gets_the_side_they_post_on(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Two arguments in the Con thread make an undeclared member inferred 'against'."""
    post(services, ids, CON, RACE, author=BEN)
    post(services, ids, CON, TIME, author=BEN)
    stance = hinges.stance(debate, BEN)
    assert stance is not None
    assert (stance.value, stance.declared) == (-1, False)


def test_a_declared_stance_wins_over_what_was_posted(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A member posting on Con who declares 'for' stands for: the declaration counts, not the inference."""
    post(services, ids, CON, RACE, author=BEN)
    hinges.declare(debate, BEN, 1)
    assert hinges.stance(debate, BEN).value == 1  # type: ignore[union-attr]


def test_a_member_with_nothing_to_go_on_has_no_stance(hinges: Hinges, debate: Debate) -> None:
    """Without a declaration, posts or votes there is no stance."""
    assert hinges.stance(debate, CY) is None


def test_every_change_is_kept_but_a_repeat_is_not_a_change(hinges: Hinges, debate: Debate) -> None:
    """Against, against again, then for: the history holds two declarations, the current one is for."""
    hinges.declare(debate, ADA, -1)
    hinges.declare(debate, ADA, -1)
    hinges.declare(debate, ADA, 1)
    assert [s.value for s in hinges.history(debate, ADA)] == [-1, 1]
    assert hinges.stance(debate, ADA).value == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [-3, 3, 7])
def test_a_stance_off_the_scale_is_refused(hinges: Hinges, debate: Debate, value: int) -> None:
    """Only the five points of the scale can be declared."""
    with pytest.raises(DebateError, match="five points"):
        hinges.declare(debate, ADA, value)


def test_stances_cover_declared_posters_and_voters(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Everyone who declared, posted or voted has a stance; a voter's side comes from what they approved."""
    pro_point = post(services, ids, PRO, CHIPS, author=ADA)
    post(services, ids, CON, RACE, author=BEN)
    services.capture.vote(pro_point.message_id, CY, "👎", added=True)
    hinges.declare(debate, 42, 0)
    sides = hinges.sides(debate)
    assert sides == {ADA: "pro", BEN: "con", CY: "con", 42: None}
    assert hinges.stances(debate)[42].declared


def test_stances_for_all_agree_with_one_member_at_a_time(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """The stance of every member, read at once, is what reading each member alone gives."""
    a = post(services, ids, PRO, CHIPS, author=ADA)
    b = post(services, ids, CON, RACE, author=BEN)
    post(services, ids, PRO, TIME, author=BEN)
    services.capture.vote(a.message_id, CY, "👍", added=True)
    services.capture.vote(b.message_id, CY, "👍", added=True)
    services.capture.vote(b.message_id, ADA, "👎", added=True)
    everyone = hinges.stances(debate)
    assert everyone == {m: s for m in (ADA, BEN, CY) if (s := hinges.stance(debate, m)) is not None}


def test_the_debate_of_a_thread_is_found_and_other_channels_refused(hinges: Hinges, debate: Debate) -> None:
    """A debate thread names its debate; any other channel, or another server, is refused with a way out."""
    assert hinges.debate_of_thread(GUILD, CON).id == debate.id
    with pytest.raises(DebateError, match="/stance"):
        hinges.debate_of_thread(GUILD, 999)
    with pytest.raises(DebateError):
        hinges.debate_of_thread(OTHER_GUILD, PRO)


# -- changed minds (Δ) ------------------------------------------------------------------------------------------------

WHY = "The export-control point showed me a pause can be checked after all, which was my main doubt."


def test_a_delta_is_recorded_for_the_author_with_the_explanation(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Ben giving Ada's argument a Δ records it to Ada, with Ben's words tidied of extra spaces."""
    argument = post(services, ids, PRO, CHIPS, author=ADA)
    delta, target = hinges.award_delta(argument.message_id, BEN, "  " + WHY.replace(" ", "  ") + "\n")
    assert (delta.awarded_by, delta.awarded_to, delta.explanation, target.id) == (BEN, ADA, WHY, argument.id)
    assert hinges.delta_count(argument) == 1


def test_a_short_explanation_is_refused_and_nothing_is_recorded(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Fifty characters of mostly spaces are not an explanation: refused with how long it must be."""
    argument = post(services, ids, PRO, CHIPS, author=ADA)
    with pytest.raises(DebateError, match="at least 50 characters \\(you wrote 11\\)"):
        hinges.award_delta(argument.message_id, BEN, "Good point." + " " * 60)
    assert hinges.delta_count(argument) == 0


@pytest.mark.parametrize(
    ("who", "twice", "closed", "message"),
    [
        (ADA, False, False, "your own argument"),
        (BEN, True, False, "already gave #1 a Δ"),
        (BEN, False, True, "is closed"),
    ],
)
def test_a_delta_is_refused_on_your_own_twice_or_when_closed(
    hinges: Hinges,
    services: Services,
    debate: Debate,
    ids: Iterator[int],
    who: int,
    twice: bool,
    closed: bool,
    message: str,
) -> None:
    """A Δ on your own argument, a second Δ on one argument, or one in a closed debate, is refused."""
    argument = post(services, ids, PRO, CHIPS, author=ADA)
    if twice:
        hinges.award_delta(argument.message_id, who, WHY)
    if closed:
        services.debates.close(debate, 1)
    with pytest.raises(DebateError, match=message):
        hinges.award_delta(argument.message_id, who, WHY)


def test_a_delta_on_a_comment_is_refused(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Chatter is not an argument, so it cannot change a mind on the map."""
    chatter = post(services, ids, PRO, "+1", author=ADA)
    with pytest.raises(DebateError, match="not a captured argument"):
        hinges.delta_target(chatter.message_id, BEN)


def test_the_report_ranks_arguments_and_counts_per_member(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Two Δ on #2 and one on #1: #2 ranks first, Ben received two, Ada one, and each giver is counted."""
    first = post(services, ids, PRO, CHIPS, author=ADA)
    second = post(services, ids, CON, RACE, author=BEN)
    hinges.award_delta(first.message_id, BEN, WHY)
    hinges.award_delta(second.message_id, ADA, WHY)
    hinges.award_delta(second.message_id, CY, WHY)
    report = hinges.deltas(debate)
    assert [(a.label, n) for a, n in report.arguments] == [("#2", 2), ("#1", 1)]
    assert report.received == {BEN: 2, ADA: 1}
    assert report.given == {BEN: 1, ADA: 1, CY: 1}
    assert [(e.delta.awarded_by, e.argument.label) for e in report.entries] == [(BEN, "#1"), (ADA, "#2"), (CY, "#2")]


def test_argument_details_count_its_deltas(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """/argument show's details carry how many minds the argument changed."""
    argument = post(services, ids, PRO, CHIPS, author=ADA)
    hinges.award_delta(argument.message_id, BEN, WHY)
    hinges.award_delta(argument.message_id, CY, WHY)
    assert services.moderation.details(debate, 1).deltas == 2
