"""Cruxes: double cruxes need marks from both sides; the ranking lists them before the sharpest well-voted splits."""

from __future__ import annotations

from bot.debates.common_ground import Bridging, Tally
from bot.debates.cruxes import MIN_CRUX_VOTERS, MIN_DIVISIVENESS, double_cruxes, rank_cruxes
from bot.debates.model import Side

PRO_1, PRO_2, CON_1, CON_2, NOBODY = 1, 2, 101, 102, 900
SIDES: dict[int, Side | None] = {PRO_1: "pro", PRO_2: "pro", CON_1: "con", CON_2: "con", NOBODY: None}
X, Y, Z = 10, 11, 12


def score(argument: int, divisiveness: float | None, voters_per_side: int = MIN_CRUX_VOTERS) -> Bridging:
    """Return a bridging record with the given divisiveness and voters on each side."""
    return Bridging(
        argument_id=argument,
        pro=Tally(voters_per_side, voters_per_side),
        con=Tally(0, voters_per_side),
        score=0.0 if divisiveness is not None else None,
        divisiveness=divisiveness,
    )


def test_double_crux_needs_marks_from_both_sides() -> None:
    """An argument marked by pro members only is no double crux; one marked by both sides is."""
    found = double_cruxes([(PRO_1, X), (PRO_2, X), (PRO_1, Y), (CON_1, Y)], SIDES)
    assert [(crux.argument_id, crux.pro_members, crux.con_members) for crux in found] == [(Y, (PRO_1,), (CON_1,))]


def test_marks_by_a_member_of_no_side_do_not_make_a_double_crux() -> None:
    """A mark from a member whose side is unknown counts for neither side."""
    assert double_cruxes([(PRO_1, X), (NOBODY, X)], SIDES) == []


def test_double_cruxes_marked_by_more_of_both_sides_come_first() -> None:
    """A double crux with two marks on each side ranks above one with a single mark on one side."""
    marks = [(PRO_1, X), (CON_1, X), (CON_2, X), (PRO_1, Y), (PRO_2, Y), (CON_1, Y), (CON_2, Y)]
    assert [crux.argument_id for crux in double_cruxes(marks, SIDES)] == [Y, X]


def test_a_member_marking_twice_counts_once() -> None:
    """The same member marking an argument twice is one mark."""
    assert double_cruxes([(PRO_1, X), (PRO_1, X), (CON_1, X)], SIDES)[0].marks == 2


def test_ranking_lists_double_cruxes_before_divisive_arguments() -> None:
    """Double cruxes come first, then well-voted divisive arguments, most divisive first."""
    scores = {X: score(X, 0.3), Y: score(Y, 0.9), Z: score(Z, 0.6)}
    ranked = rank_cruxes([(PRO_1, X), (CON_1, X)], SIDES, scores)
    assert [(crux.argument_id, crux.kind) for crux in ranked] == [(X, "double"), (Y, "divisive"), (Z, "divisive")]


def test_ranking_leaves_out_thinly_voted_and_mildly_divisive_arguments() -> None:
    """An argument below MIN_CRUX_VOTERS voters, or below MIN_DIVISIVENESS, is not listed as divisive."""
    scores = {
        X: score(X, 0.9, voters_per_side=MIN_CRUX_VOTERS // 2 - 1),
        Y: score(Y, MIN_DIVISIVENESS / 2),
        Z: score(Z, None),
    }
    assert rank_cruxes([], SIDES, scores) == []


def test_ranking_carries_marks_standing_and_respects_the_limit() -> None:
    """Each crux carries its marks by side and its standing, and no more than limit are returned."""
    scores = {X: score(X, 0.5), Y: score(Y, 0.9), Z: score(Z, 0.6)}
    ranked = rank_cruxes([(PRO_1, X), (CON_1, X), (CON_2, X)], SIDES, scores, standings={X: "contested"}, limit=2)
    assert [crux.argument_id for crux in ranked] == [X, Y]
    assert (ranked[0].pro_marks, ranked[0].con_marks, ranked[0].standing) == (1, 2, "contested")
    assert ranked[1].standing is None
