"""Stances: the five-point scale, the side of a stance, and a stance inferred from posts and votes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.debates.model import Argument, Side
from bot.debates.stances import SCALE, MemberVote, Stance, infer_stance, stance_point, stance_side

ADA, BEN = 7, 8
EARLY, LATE = "2025-03-01T12:00:00+00:00", "2025-03-01T15:00:00+00:00"


def argument(
    row: int,
    side: Side,
    author: int = ADA,
    *,
    kind: str = "argument",
    posted_at: str = EARLY,
    deleted_at: str | None = None,
    removed_at: str | None = None,
    merged_into: int | None = None,
) -> Argument:
    """Return an argument record of debate 1 posted by `author` in the thread of `side`."""
    return Argument(
        id=row,
        debate_id=1,
        number=row if kind == "argument" else None,
        side=side,
        kind=kind,
        origin="message",
        author_id=author,
        author_name=f"member {author}",
        thread_id=3 if side == "pro" else 4,
        message_id=100 + row,
        jump_url=f"https://discord.com/channels/1/2/{100 + row}",
        text=f"argument {row}",
        posted_at=posted_at,
        edited_at=None,
        deleted_at=deleted_at,
        removed_at=removed_at,
        merged_into=merged_into,
    )


def vote(argument_id: int, value: int, voted_at: str = EARLY) -> MemberVote:
    """Return a member's vote on an argument."""
    return MemberVote(argument_id=argument_id, value=value, voted_at=voted_at)


# Two arguments on each side, by BEN, for votes to land on.
BOARD = [argument(1, "pro", BEN), argument(2, "pro", BEN), argument(3, "con", BEN), argument(4, "con", BEN)]

# -- the scale ---------------------------------------------------------------------------------------------------------


def test_the_scale_runs_from_strongly_against_to_strongly_for() -> None:
    """The scale is the five values -2 to 2, in button order."""
    assert [point.value for point in SCALE] == [-2, -1, 0, 1, 2]


def test_every_point_has_its_own_label_and_emoji() -> None:
    """No two points share a label or an emoji, and none is blank."""
    labels = [point.label for point in SCALE]
    emoji = [point.emoji for point in SCALE]
    assert all(labels)
    assert all(emoji)
    assert len(set(labels)) == len(set(emoji)) == len(SCALE)


@pytest.mark.parametrize(
    ("value", "label"),
    [(-2, "Strongly against"), (-1, "Against"), (0, "Unsure"), (1, "For"), (2, "Strongly for")],
)
def test_each_value_has_its_label(value: int, label: str) -> None:
    """stance_point returns the point labelled for its value."""
    assert stance_point(value).label == label


@pytest.mark.parametrize(("value", "side"), [(-2, "con"), (-1, "con"), (0, None), (1, "pro"), (2, "pro")])
def test_stance_side(value: int, side: Side | None) -> None:
    """For the motion is Pro, against it is Con, unsure is no side."""
    assert stance_side(value) == side


@pytest.mark.parametrize("value", [-3, 3, 10])
def test_a_value_off_the_scale_is_rejected(value: int) -> None:
    """A value outside -2 to 2 raises ValueError."""
    with pytest.raises(ValueError, match="-2 to 2"):
        stance_side(value)


def test_a_stance_knows_its_side_and_point() -> None:
    """A declared stance reports the side and button of its value."""
    stance = Stance(member=ADA, value=-2, declared=True, at=datetime(2025, 3, 1, tzinfo=UTC))
    assert (stance.side, stance.point.label) == ("con", "Strongly against")


# -- inferred from posts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "value"),
    [
        (["pro"], 1),
        (["con"], -1),
        (["pro", "pro", "con"], 1),
        (["con", "pro", "con"], -1),
    ],
)
def test_the_side_posted_in_most_is_the_stance(posted: list[Side], value: int) -> None:
    """A member's inferred stance is for (1) or against (-1) by the side they posted most arguments in."""
    arguments = [argument(i, side) for i, side in enumerate(posted, start=1)]
    stance = infer_stance(ADA, arguments, {})
    assert stance is not None
    assert (stance.value, stance.declared) == (value, False)


def test_equal_posts_on_both_sides_infer_nothing() -> None:
    """A tie between the sides gives no stance."""
    assert infer_stance(ADA, [argument(1, "pro"), argument(2, "con")], {}) is None


def test_a_tie_is_not_broken_by_votes() -> None:
    """Votes are read only for a member who posted no argument, so they do not break a tie."""
    votes = {ADA: [vote(1, 1), vote(3, -1)]}
    assert infer_stance(ADA, [*BOARD, argument(5, "pro"), argument(6, "con")], votes) is None


@pytest.mark.parametrize(
    "uncounted",
    [
        argument(2, "con", kind="comment"),
        argument(2, "con", deleted_at=LATE),
        argument(2, "con", removed_at=LATE),
        argument(2, "con", BEN),
    ],
    ids=["comment", "deleted", "removed", "someone-else"],
)
def test_only_the_members_own_standing_arguments_count(uncounted: Argument) -> None:
    """Comments, deleted or removed arguments and other members' arguments do not make a tie."""
    stance = infer_stance(ADA, [argument(1, "pro"), uncounted], {})
    assert stance is not None
    assert stance.side == "pro"


def test_a_merged_duplicate_still_counts() -> None:
    """An argument merged into another still shows where its author argued."""
    stance = infer_stance(ADA, [argument(1, "pro"), argument(2, "con"), argument(3, "con", merged_into=1)], {})
    assert stance is not None
    assert stance.side == "con"


def test_a_stance_from_posts_dates_from_the_latest_post_on_its_side() -> None:
    """`at` is when the member last posted on the side that decided."""
    arguments = [argument(1, "pro", posted_at=EARLY), argument(2, "pro", posted_at=LATE)]
    stance = infer_stance(ADA, arguments, {})
    assert stance is not None
    assert stance.at == datetime(2025, 3, 1, 15, tzinfo=UTC)


# -- inferred from votes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "side"),
    [
        ([vote(1, 1)], "pro"),
        ([vote(3, -1)], "pro"),
        ([vote(3, 1)], "con"),
        ([vote(1, -1)], "con"),
        ([vote(1, 1), vote(2, 1), vote(3, 1)], "pro"),
        ([vote(1, 1), vote(3, 1), vote(4, 1)], "con"),
        ([vote(1, 1), vote(3, 1)], None),
        ([vote(1, 1), vote(2, -1)], None),
        ([], None),
    ],
)
def test_votes_decide_for_a_member_who_posted_nothing(votes: list[MemberVote], side: Side | None) -> None:
    """Net up-votes on Pro minus net up-votes on Con: its sign is the side, zero is no stance."""
    stance = infer_stance(ADA, BOARD, {ADA: votes})
    assert (stance.side if stance else None) == side


def test_votes_on_arguments_not_passed_in_are_ignored() -> None:
    """A vote on an argument outside the debate's arguments says nothing."""
    assert infer_stance(ADA, BOARD, {ADA: [vote(99, 1)]}) is None


def test_other_members_votes_are_not_read() -> None:
    """Only the member's own votes infer their stance."""
    assert infer_stance(ADA, BOARD, {BEN: [vote(1, 1)]}) is None


def test_a_stance_from_votes_dates_from_the_latest_vote() -> None:
    """`at` is when the member cast their last counted vote, and the stance is undeclared."""
    stance = infer_stance(ADA, BOARD, {ADA: [vote(1, 1, EARLY), vote(2, 1, LATE)]})
    assert stance == Stance(member=ADA, value=1, declared=False, at=datetime(2025, 3, 1, 15, tzinfo=UTC))
