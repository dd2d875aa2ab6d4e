"""Where a debate hinges: the arguments that would change minds, double cruxes first, then the sharpest splits.

A member marks an argument as a crux ("this would change my mind"). A **double crux** is an argument marked by
members of both sides (CFAR's double crux): settling it would move people on each side, so it is where the two sides
should talk. Marks by a member of no known side count towards neither.

rank_cruxes lists the double cruxes first, most marked by the less-marking side first; then the most divisive
arguments (bot/debates/common_ground.py) that are well voted: at least MIN_CRUX_VOTERS voters of a known side (and
the minimum per side that a divisiveness score needs) and a divisiveness of at least MIN_DIVISIVENESS, so a debate
that agrees on everything lists no invented split.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.debates.common_ground import Bridging
from bot.debates.model import Side
from bot.debates.standing import Standing

#: Voters of a known side an argument needs to be listed as a divisive crux.
MIN_CRUX_VOTERS = 8
#: The divisiveness a well-voted argument needs to be listed: a gap of a third seen by 12 voters per side.
MIN_DIVISIVENESS = 0.25
#: Cruxes rank_cruxes returns unless told otherwise.
CRUX_LIMIT = 10

CruxKind = Literal["double", "divisive"]


@dataclass(frozen=True)
class DoubleCrux:
    """An argument that members of both sides marked as what would change their mind, with who marked it."""

    argument_id: int
    pro_members: tuple[int, ...]
    con_members: tuple[int, ...]

    @property
    def marks(self) -> int:
        """Return how many members of a known side marked it."""
        return len(self.pro_members) + len(self.con_members)


@dataclass(frozen=True)
class Crux:
    """One ranked crux: why it is listed, its marks by side, its divisiveness and voters, and its standing if known."""

    argument_id: int
    kind: CruxKind
    pro_marks: int
    con_marks: int
    divisiveness: float | None
    voters: int
    standing: Standing | None = None


def double_cruxes(marks: Iterable[tuple[int, int]], member_sides: Mapping[int, Side | None]) -> list[DoubleCrux]:
    """Return the arguments marked as cruxes by members of both sides, from (member id, argument id) marks.

    Ordered by the marks of the less-marking side, then all marks, then argument id.
    """
    by_side = _marks_by_side(marks, member_sides)
    found = [
        DoubleCrux(argument, tuple(sorted(sides["pro"])), tuple(sorted(sides["con"])))
        for argument, sides in by_side.items()
        if sides["pro"] and sides["con"]
    ]
    return sorted(
        found,
        key=lambda crux: (-min(len(crux.pro_members), len(crux.con_members)), -crux.marks, crux.argument_id),
    )


def rank_cruxes(
    marks: Iterable[tuple[int, int]],
    member_sides: Mapping[int, Side | None],
    scores: Mapping[int, Bridging],
    *,
    standings: Mapping[int, Standing] | None = None,
    min_voters: int = MIN_CRUX_VOTERS,
    min_divisiveness: float = MIN_DIVISIVENESS,
    limit: int = CRUX_LIMIT,
) -> list[Crux]:
    """Rank the cruxes: double cruxes first, then the most divisive well-voted arguments, at most limit of them."""
    marks = list(marks)
    tally = _marks_by_side(marks, member_sides)

    def crux(argument: int, kind: CruxKind) -> Crux:
        score = scores.get(argument)
        return Crux(
            argument_id=argument,
            kind=kind,
            pro_marks=len(tally[argument]["pro"]) if argument in tally else 0,
            con_marks=len(tally[argument]["con"]) if argument in tally else 0,
            divisiveness=score.divisiveness if score is not None else None,
            voters=score.voters if score is not None else 0,
            standing=standings.get(argument) if standings is not None else None,
        )

    ranked = [crux(found.argument_id, "double") for found in double_cruxes(marks, member_sides)]
    listed = {found.argument_id for found in ranked}
    divisive = sorted(
        (
            score
            for score in scores.values()
            if score.argument_id not in listed
            and score.divisiveness is not None
            and score.divisiveness >= min_divisiveness
            and score.voters >= min_voters
        ),
        key=lambda score: (-(score.divisiveness or 0.0), -score.voters, score.argument_id),
    )
    ranked.extend(crux(score.argument_id, "divisive") for score in divisive)
    return ranked[:limit]


def _marks_by_side(
    marks: Iterable[tuple[int, int]], member_sides: Mapping[int, Side | None]
) -> dict[int, dict[Side, set[int]]]:
    """Return, per argument, the members of each side who marked it (a member of no known side is not counted)."""
    by_side: dict[int, dict[Side, set[int]]] = defaultdict(lambda: {"pro": set(), "con": set()})
    for member, argument in marks:
        side = member_sides.get(member)
        if side == "pro" or side == "con":
            by_side[argument][side].add(member)
    return dict(by_side)
