"""Where a debate hinges, argument by argument: the badges every view shows, computed once from the stored inputs.

`/summary`, `/map show`, `/map image` and the exports all read one `DebateHinges`, so a badge means the same
everywhere. Each argument's `ArgumentMarks` says:

- its **standing** (bot/debates/standing.py: stands, refuted or contested, by the grounded labelling);
- whether it is **common ground**: each side has at least MIN_VOTERS_PER_SIDE voters (common_ground.py) and the
  bridging score (the smaller side's Wilson lower bound of agreement) is at least COMMON_GROUND_SCORE;
- its **crux marks** by side, and whether it is a **double crux** (marked by both sides, bot/debates/cruxes.py);
- how many members gave it a **Δ** (it changed their mind).

Pure Python over plain inputs (read by the hinges service): no SQL and no Discord, so a cog can run it off the event
loop. Nothing here is stored: each view computes it again from the votes, marks, stances and Δ it came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.debates.common_ground import Bridging, VoteMatrix, bridging
from bot.debates.crux_report import CruxInputs, CruxReport, crux_report
from bot.debates.model import CruxMark, DebateMap, Delta, Side, StanceChange
from bot.debates.stances import Stance
from bot.debates.standing import Standing, standing_of

#: The bridging score an argument needs to be common ground. 0.4 is met by 3 of 3 voters on each side agreeing
#: (Wilson lower bound 0.44), by 6 of 7, or by 8 of 10; not by 4 of 5 (0.38): few voters must be unanimous.
COMMON_GROUND_SCORE = 0.4

DELTA_SIGN = "Δ"


@dataclass(frozen=True)
class BadgeKind:
    """A kind of badge: its word (pictures, files, Argdown tags), how Discord shows it, and what it means."""

    word: str
    emoji: str
    meaning: str


#: Every kind of badge, in the order an argument and a legend show them. An argument that stands is the usual case, so
#: views leave its standing unsaid (QUIET_STANDING); /cruxes and the summary's cruxes name it.
BADGE_KINDS: dict[str, BadgeKind] = {
    "stands": BadgeKind("stands", "🟢 stands", "no attack on it stands"),
    "refuted": BadgeKind("refuted", "🔴 refuted", "an attack on it stands"),
    "contested": BadgeKind("contested", "🟡 contested", "attacks on it are undecided"),
    "common-ground": BadgeKind("common ground", "🤝 common ground", "both sides approve"),
    "double-crux": BadgeKind("double crux", "🎯 double crux", "would change minds on both sides"),
    "crux": BadgeKind("crux", "🔑 crux", "would change a mind"),
    "delta": BadgeKind(DELTA_SIGN, DELTA_SIGN, "minds it changed"),
}
QUIET_STANDING: Standing = "stands"
#: Each standing's badge as Discord shows it.
STANDING_BADGES: dict[Standing, str] = {kind: BADGE_KINDS[kind].emoji for kind in ("stands", "refuted", "contested")}
COMMON_GROUND_BADGE = BADGE_KINDS["common-ground"].emoji
CRUX_BADGE = BADGE_KINDS["crux"].emoji
DOUBLE_CRUX_BADGE = BADGE_KINDS["double-crux"].emoji


@dataclass(frozen=True)
class ArgumentMarks:
    """One argument's standing, votes by side, crux marks by side and Δ count: what its badges show."""

    argument_id: int
    standing: Standing
    #: Its votes by side and scores (None for an argument nobody of a known side voted on).
    votes: Bridging | None
    crux_pro: int
    crux_con: int
    #: Crux marks by members of no known side (unsure, or never voted or posted).
    crux_other: int
    deltas: int

    @property
    def common_ground(self) -> bool:
        """Return whether members of both sides approve it, with enough voters on each to say so."""
        return self.votes is not None and self.votes.score is not None and self.votes.score >= COMMON_GROUND_SCORE

    @property
    def crux_marks(self) -> int:
        """Return how many members marked it as one that would change their mind."""
        return self.crux_pro + self.crux_con + self.crux_other

    @property
    def double_crux(self) -> bool:
        """Return whether members of both sides marked it as one that would change their mind."""
        return self.crux_pro > 0 and self.crux_con > 0

    def kinds(self) -> list[tuple[str, int]]:
        """Return its badges as (kind in BADGE_KINDS, count), in order.

        Standing unless it stands, common ground, double crux or else crux, Δ; the count is the Δ received (1 for the
        others).
        """
        found: list[tuple[str, int]] = [(self.standing, 1)] if self.standing != QUIET_STANDING else []
        if self.common_ground:
            found.append(("common-ground", 1))
        if self.double_crux:
            found.append(("double-crux", 1))
        elif self.crux_marks:
            found.append(("crux", 1))
        if self.deltas:
            found.append(("delta", self.deltas))
        return found

    def badges(self) -> list[str]:
        """Return its badges as Discord shows them ("🔴 refuted", "🤝 common ground", "🎯 double crux", "Δ2")."""
        return [badge_text(kind, count, emoji=True) for kind, count in self.kinds()]

    def tags(self) -> list[str]:
        """Return its badges as Argdown tags: refuted or contested, common-ground, crux, double-crux, delta.

        A double crux is a crux too, so it carries both tags.
        """
        found = [kind for kind, _ in self.kinds()]
        if "double-crux" in found:
            found.insert(found.index("double-crux"), "crux")
        return found


def badge_text(kind: str, count: int = 1, *, emoji: bool) -> str:
    """Return one badge as Discord shows it (`emoji`) or in words; a Δ badge carries its count ("Δ2")."""
    badge = BADGE_KINDS[kind]
    text = badge.emoji if emoji else badge.word
    return f"{text}{count}" if kind == "delta" else text


@dataclass(frozen=True)
class HingeInputs:
    """Everything the marks are computed from: what /cruxes reads, plus every stance, stance change, mark and Δ."""

    cruxes: CruxInputs
    stances: Mapping[int, Stance]
    stance_changes: Sequence[StanceChange]
    crux_marks: Sequence[CruxMark]
    deltas: Sequence[Delta]

    @property
    def debate_map(self) -> DebateMap:
        """Return the map the marks are about."""
        return self.cruxes.debate_map


@dataclass(frozen=True)
class DebateHinges:
    """A debate's marks for every numbered argument, its ranked cruxes and common ground, and the inputs behind them."""

    inputs: HingeInputs
    #: Argument id → its marks, for every numbered (visible) argument.
    marks: dict[int, ArgumentMarks]
    cruxes: CruxReport
    #: The common-ground arguments' ids, best bridging score first.
    common_ground: list[int]
    #: The Δ on arguments still on the map, oldest first.
    deltas: list[Delta]

    @property
    def sides(self) -> Mapping[int, Side | None]:
        """Return each member's side, as the marks count them."""
        return self.inputs.cruxes.sides

    def of(self, argument_id: int) -> ArgumentMarks | None:
        """Return an argument's marks (None for one not numbered on the map: deleted, removed, merged)."""
        return self.marks.get(argument_id)


def debate_hinges(inputs: HingeInputs) -> DebateHinges:
    """Compute every numbered argument's marks, the ranked cruxes and the common ground of a debate."""
    debate_map = inputs.debate_map
    numbered = debate_map.numbered
    sides = inputs.cruxes.sides
    scores = bridging(VoteMatrix.from_ballots(inputs.cruxes.ballots, argument_ids=list(numbered)), sides)
    standings = standing_of(debate_map)
    marked: dict[int, Counter[Side | None]] = {}
    for mark in inputs.crux_marks:
        if mark.argument_id in numbered:
            side = sides.get(mark.member_id)
            marked.setdefault(mark.argument_id, Counter())[side if side in ("pro", "con") else None] += 1
    deltas = [delta for delta in inputs.deltas if delta.argument_id in numbered]
    earned = Counter(delta.argument_id for delta in deltas)
    marks: dict[int, ArgumentMarks] = {}
    for argument_id in numbered:
        score = scores.get(argument_id)
        by_side = marked.get(argument_id, Counter())
        marks[argument_id] = ArgumentMarks(
            argument_id=argument_id,
            standing=standings[argument_id],
            votes=score if score is not None and score.voters else None,
            crux_pro=by_side["pro"],
            crux_con=by_side["con"],
            crux_other=by_side[None],
            deltas=earned[argument_id],
        )
    common = sorted((found for found in marks.values() if found.common_ground), key=_common_ground_rank)
    return DebateHinges(
        inputs=inputs,
        marks=marks,
        cruxes=crux_report(inputs.cruxes, scores=scores, standings=standings),
        common_ground=[found.argument_id for found in common],
        deltas=deltas,
    )


def _common_ground_rank(marks: ArgumentMarks) -> tuple[float, int, int]:
    """Sort common ground by bridging score, best first, then by more voters, then by argument id."""
    votes = marks.votes
    if votes is None:
        return (0.0, 0, marks.argument_id)
    return (-(votes.score or 0.0), -votes.voters, marks.argument_id)
