"""Common ground and division: Wilson bounds, bridging by side, and opinion groups found from the votes alone."""

from __future__ import annotations

import numpy as np
import pytest

from bot.debates.common_ground import (
    MIN_GROUP_VOTES,
    MIN_VOTERS_PER_SIDE,
    VoteMatrix,
    bridging,
    common_ground,
    most_divisive,
    opinion_groups,
    wilson_lower_bound,
)
from bot.debates.model import Side

BOTH_AGREE, PRO_ONLY, SPLIT = 10, 11, 12


def side_votes(columns: dict[int, tuple[list[int], list[int]]], pro: int = 5, con: int = 5) -> VoteMatrix:
    """Return votes of `pro` pro members (ids 1…) then `con` con members (ids 101…), one column per argument."""
    members = [*range(1, pro + 1), *range(101, 101 + con)]
    ballots = []
    for argument, (pro_votes, con_votes) in columns.items():
        ballots += [(member, argument, vote) for member, vote in zip(members[:pro], pro_votes, strict=False)]
        ballots += [(member, argument, vote) for member, vote in zip(members[pro:], con_votes, strict=False)]
    return VoteMatrix.from_ballots(ballots, members, list(columns))


def sides_of(votes: VoteMatrix) -> dict[int, Side | None]:
    """Return pro for members numbered below 100 and con for the others."""
    return {member: "pro" if member < 100 else "con" for member in votes.member_ids}


def camps_matrix(seed: int, per_camp: int = 12, arguments: int = 24, flip: float = 0.05) -> np.ndarray:
    """Return votes of two camps who answer each argument oppositely, with a few flipped and a few missing."""
    rng = np.random.default_rng(seed)
    leaning = rng.choice([-1, 1], size=arguments)
    camp = np.repeat([1, -1], per_camp)
    values = camp[:, None] * leaning[None, :]
    values = np.where(rng.random(values.shape) < flip, -values, values)
    return np.where(rng.random(values.shape) < 0.1, 0, values)


@pytest.mark.parametrize(
    ("agree", "total", "expected"),
    [(0, 0, 0.0), (0, 5, 0.0), (1, 1, 0.2065), (3, 3, 0.4385), (5, 10, 0.2366), (10, 10, 0.7225)],
)
def test_wilson_lower_bound_on_small_counts(agree: int, total: int, expected: float) -> None:
    """The Wilson lower bound of agree/total matches its textbook value, and is 0 without votes."""
    assert wilson_lower_bound(agree, total) == pytest.approx(expected, abs=1e-4)


def test_wilson_lower_bound_rewards_more_votes_at_the_same_rate() -> None:
    """Ten agreeing votes out of ten give a higher lower bound than one out of one."""
    assert wilson_lower_bound(10, 10) > wilson_lower_bound(3, 3) > wilson_lower_bound(1, 1)


def test_argument_both_sides_approve_bridges() -> None:
    """An argument most of each side agrees with gets a high bridging score."""
    votes = side_votes({BOTH_AGREE: ([1, 1, 1, 1, 1], [1, 1, 1, 1, -1])})
    assert (bridging(votes, sides_of(votes))[BOTH_AGREE].score or 0.0) > 0.3


def test_argument_approved_by_one_side_only_gets_a_low_bridging_score() -> None:
    """An argument one side approves unanimously and the other rejects scores near 0 for bridging."""
    votes = side_votes({BOTH_AGREE: ([1] * 5, [1] * 5), PRO_ONLY: ([1] * 5, [-1] * 5)})
    scores = bridging(votes, sides_of(votes))
    assert scores[PRO_ONLY].score == pytest.approx(0.0)
    assert common_ground(scores)[0].argument_id == BOTH_AGREE


def test_no_score_is_shown_below_the_minimum_voters_per_side() -> None:
    """With fewer than MIN_VOTERS_PER_SIDE voters on one side, neither score is shown, whatever the votes."""
    votes = side_votes({BOTH_AGREE: ([1] * 5, [1] * (MIN_VOTERS_PER_SIDE - 1))})
    found = bridging(votes, sides_of(votes))[BOTH_AGREE]
    assert (found.shown, found.score, found.divisiveness) == (False, None, None)
    assert found.con.total == MIN_VOTERS_PER_SIDE - 1


def test_members_of_no_known_side_do_not_count_towards_either_side() -> None:
    """Votes by a member whose side is None are in neither side's tally."""
    votes = side_votes({BOTH_AGREE: ([1] * 4, [1] * 4)}, pro=4, con=4)
    sides = sides_of(votes) | {1: None}
    found = bridging(votes, sides)[BOTH_AGREE]
    assert (found.pro.total, found.con.total) == (3, 4)


def test_a_split_between_the_sides_is_more_divisive_than_agreement() -> None:
    """An argument the sides answer oppositely ranks first for divisiveness, and agreement scores 0."""
    votes = side_votes({BOTH_AGREE: ([1] * 5, [1] * 5), SPLIT: ([1] * 5, [-1] * 5)})
    scores = bridging(votes, sides_of(votes))
    assert most_divisive(scores)[0].argument_id == SPLIT
    assert scores[BOTH_AGREE].divisiveness == pytest.approx(0.0)


def test_divisiveness_of_the_same_split_grows_with_voters() -> None:
    """The same split seen by more voters on each side is more divisive."""
    few = side_votes({SPLIT: ([1] * 3, [-1] * 3)}, pro=3, con=3)
    many = side_votes({SPLIT: ([1] * 20, [-1] * 20)}, pro=20, con=20)
    assert (bridging(many, sides_of(many))[SPLIT].divisiveness or 0.0) > (
        bridging(few, sides_of(few))[SPLIT].divisiveness or 0.0
    )


def test_vote_matrix_keeps_the_last_ballot_and_ignores_unknown_arguments() -> None:
    """A member's later ballot on an argument replaces the earlier one; a ballot on an unlisted argument is dropped."""
    votes = VoteMatrix.from_ballots([(1, 10, 1), (1, 10, -1), (1, 99, 1)], [1], [10])
    assert votes.values.tolist() == [[-1]]


def test_planted_camps_are_recovered_from_a_small_matrix() -> None:
    """Two camps voting oppositely (with noise) come out as exactly two groups, one per camp."""
    groups = opinion_groups(camps_matrix(seed=3), list(range(24)))
    assert groups.count == 2
    assert {frozenset(groups.members(0)), frozenset(groups.members(1))} == {
        frozenset(range(12)),
        frozenset(range(12, 24)),
    }


def test_members_with_fewer_than_seven_votes_are_left_out_of_groups() -> None:
    """A member who voted fewer than MIN_GROUP_VOTES times gets no group and is listed as left out."""
    matrix = camps_matrix(seed=4)
    matrix[0, MIN_GROUP_VOTES - 1 :] = 0
    matrix[1, :MIN_GROUP_VOTES] = np.where(matrix[1, :MIN_GROUP_VOTES] == 0, 1, matrix[1, :MIN_GROUP_VOTES])
    matrix[1, MIN_GROUP_VOTES:] = 0
    groups = opinion_groups(matrix, list(range(24)))
    assert groups.left_out == (0,)
    assert 0 not in groups.assignment
    assert 1 in groups.assignment


def test_group_aware_consensus_favours_what_every_group_approves() -> None:
    """An argument both camps approve has the highest group-aware consensus; one only a camp approves, the spread."""
    matrix = camps_matrix(seed=5)
    matrix[:, 0] = 1
    groups = opinion_groups(matrix, list(range(24)), list(range(100, 124)))
    assert groups.consensus(1)[0].argument_id == 100
    assert groups.divisive(1)[0].spread > groups.arguments[100].spread


def test_opinion_groups_are_the_same_every_time() -> None:
    """The same votes give the same groups, numbered the same way."""
    matrix = camps_matrix(seed=6, flip=0.2)
    assert opinion_groups(matrix, list(range(24))).assignment == opinion_groups(matrix, list(range(24))).assignment


def test_too_few_members_form_a_single_group() -> None:
    """With fewer than four members who voted enough, everyone who qualifies is in one group."""
    groups = opinion_groups(camps_matrix(seed=7, per_camp=1), [1, 2])
    assert (groups.count, sorted(groups.assignment.values()), groups.silhouette) == (1, [0, 0], None)
