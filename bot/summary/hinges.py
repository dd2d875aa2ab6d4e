"""The digest's hinge sections: common ground, cruxes, and minds changed (Δ and how declared stances moved).

Everything comes from one `DebateHinges` (bot/debates/marks.py), the marks `/cruxes`, the map and the exports read,
so an argument the summary calls common ground or a double crux is badged the same everywhere. The rules are set
out in docs/summary.md, "Where the debate hinges"; the caps are the constants below.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.debates.common_ground import Bridging
from bot.debates.crux_report import CruxEntry
from bot.debates.marks import DebateHinges
from bot.debates.model import Argument, Delta, StanceChange
from bot.debates.stances import SCALE

COMMON_GROUND_SHOWN = 5
CRUXES_SHOWN = 5
DELTAS_SHOWN = 10
PERSUASIVE_SHOWN = 5


@dataclass(frozen=True)
class CommonGround:
    """An argument both sides approve, with its votes by side."""

    argument: Argument
    votes: Bridging


@dataclass(frozen=True)
class ChangedMind:
    """One Δ: a member said this argument changed their mind, and why."""

    delta: Delta
    argument: Argument


@dataclass(frozen=True)
class OpinionMoves:
    """How members' declared stances moved: who changed, which way, and the scale at first and now.

    A member *changed* when any of their declarations differs from the one before; they moved *toward Pro* when
    their latest declared stance is above their first, *toward Con* when below, else they came back to it.
    """

    declared: int
    changed: int
    toward_pro: int
    toward_con: int
    #: Stance value (-2 … 2, every point of the scale) → members whose first declared stance it was.
    first: dict[int, int]
    #: Stance value → members whose latest declared stance it is.
    latest: dict[int, int]

    @property
    def returned(self) -> int:
        """Return how many members changed their stance and came back to the one they first declared."""
        return self.changed - self.toward_pro - self.toward_con


@dataclass(frozen=True)
class HingeSections:
    """What the digest shows about where the debate hinges, with counts of what the caps leave out."""

    common_ground: tuple[CommonGround, ...]
    common_ground_count: int
    #: Double cruxes first, then the arguments that split the sides, as /cruxes ranks them.
    cruxes: tuple[CruxEntry, ...]
    crux_count: int
    #: The Δ shown, oldest first.
    deltas: tuple[ChangedMind, ...]
    delta_count: int
    delta_givers: int
    #: (argument, Δ it earned), most first, then by posting order.
    persuasive: tuple[tuple[Argument, int], ...]
    opinion: OpinionMoves

    @property
    def empty(self) -> bool:
        """Return whether there is nothing to show: no common ground, crux, Δ or declared stance."""
        return not (self.common_ground or self.cruxes or self.deltas or self.opinion.declared)


def hinge_sections(hinges: DebateHinges) -> HingeSections:
    """Gather the digest's common ground, cruxes and changed minds from a debate's marks."""
    numbered = hinges.inputs.debate_map.numbered
    common = [
        CommonGround(numbered[argument_id], votes)
        for argument_id in hinges.common_ground
        if (votes := hinges.marks[argument_id].votes) is not None
    ]
    changed = [ChangedMind(delta, numbered[delta.argument_id]) for delta in hinges.deltas]
    earned = Counter(found.argument.id for found in changed)
    persuasive = sorted(earned.items(), key=lambda pair: (-pair[1], numbered[pair[0]].order))
    entries = hinges.cruxes.entries
    return HingeSections(
        common_ground=tuple(common[:COMMON_GROUND_SHOWN]),
        common_ground_count=len(common),
        cruxes=tuple(entries[:CRUXES_SHOWN]),
        crux_count=len(entries),
        deltas=tuple(changed[:DELTAS_SHOWN]),
        delta_count=len(changed),
        delta_givers=len({found.delta.awarded_by for found in changed}),
        persuasive=tuple((numbered[argument_id], count) for argument_id, count in persuasive[:PERSUASIVE_SHOWN]),
        opinion=opinion_moves(hinges.inputs.stance_changes),
    )


def opinion_moves(changes: Sequence[StanceChange]) -> OpinionMoves:
    """Count how declared stances moved, from every declaration (oldest first for each member)."""
    by_member: dict[int, list[int]] = defaultdict(list)
    for change in changes:
        by_member[change.member_id].append(change.value)
    first: dict[int, int] = {point.value: 0 for point in SCALE}
    latest = dict(first)
    changed = toward_pro = toward_con = 0
    for values in by_member.values():
        first[values[0]] += 1
        latest[values[-1]] += 1
        if any(before != after for before, after in pairwise(values)):
            changed += 1
            toward_pro += values[-1] > values[0]
            toward_con += values[-1] < values[0]
    return OpinionMoves(
        declared=len(by_member),
        changed=changed,
        toward_pro=toward_pro,
        toward_con=toward_con,
        first=first,
        latest=latest,
    )
