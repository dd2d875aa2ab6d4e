"""What `/cruxes` shows and what a crux thread is seeded with, computed from a debate's map, stances, marks and votes.

Pure Python over plain inputs (read by the hinges service): no SQL and no Discord, so the cog can run it off the
event loop. The ranking itself is bot/debates/cruxes.py (double cruxes first, then the most divisive well-voted
arguments); the votes by side are bot/debates/common_ground.py's bridging tallies; the badge is the grounded
standing of bot/debates/standing.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.debates.common_ground import Bridging, VoteMatrix, bridging
from bot.debates.cruxes import CRUX_LIMIT, Crux, rank_cruxes
from bot.debates.model import Argument, Citation, DebateMap, Side, Votes
from bot.debates.standing import Standing, standing_of

#: Supports, attacks and excerpts a crux thread is seeded with, at most.
SEED_SUPPORTS = 3
SEED_ATTACKS = 3
SEED_EXCERPTS = 3
#: Excerpts listed under each crux in /cruxes.
LISTED_EXCERPTS = 2


@dataclass(frozen=True)
class CruxInputs:
    """Everything /cruxes reads: the map, each member's side, the crux marks and the votes (member, argument, ±1)."""

    debate_map: DebateMap
    sides: Mapping[int, Side | None]
    marks: Sequence[tuple[int, int]]
    ballots: Sequence[tuple[int, int, int]]


@dataclass(frozen=True)
class CruxEntry:
    """One crux as listed: why (the ranked Crux), the argument, its votes by side, its excerpts and standing."""

    crux: Crux
    argument: Argument
    score: Bridging | None
    citations: list[Citation]
    standing: Standing


@dataclass(frozen=True)
class CruxReport:
    """A debate's cruxes, best first, and how many members of each side the numbers rest on."""

    entries: list[CruxEntry]
    members: dict[Side, int]
    marked: int


@dataclass(frozen=True)
class CruxSeed:
    """What a thread about one crux opens with: the argument, its strongest answers both ways, the best excerpts."""

    argument: Argument
    entry: CruxEntry | None
    standing: Standing
    supports: list[tuple[Argument, Votes]]
    attacks: list[tuple[Argument, Votes]]
    excerpts: list[Citation]


def crux_report(
    inputs: CruxInputs,
    limit: int = CRUX_LIMIT,
    *,
    scores: Mapping[int, Bridging] | None = None,
    standings: Mapping[int, Standing] | None = None,
) -> CruxReport:
    """Rank a debate's cruxes and gather, for each, its votes and marks by side, its excerpts and its standing.

    `scores` and `standings`, when the caller computed them already from the same inputs, are not computed again.
    """
    debate_map = inputs.debate_map
    numbered = debate_map.numbered
    if scores is None:
        scores = bridging(VoteMatrix.from_ballots(inputs.ballots, argument_ids=list(numbered)), inputs.sides)
    if standings is None:
        standings = standing_of(debate_map)
    marks = [(member, argument) for member, argument in inputs.marks if argument in numbered]
    ranked = rank_cruxes(marks, inputs.sides, scores, standings=standings, limit=limit)
    entries = [
        CruxEntry(
            crux=crux,
            argument=numbered[crux.argument_id],
            score=scores.get(crux.argument_id),
            citations=best_citations(debate_map, [crux.argument_id], LISTED_EXCERPTS),
            standing=standings[crux.argument_id],
        )
        for crux in ranked
    ]
    sides = list(inputs.sides.values())
    members: dict[Side, int] = {"pro": sides.count("pro"), "con": sides.count("con")}
    return CruxReport(entries, members, len({argument for _, argument in marks}))


def crux_seed(inputs: CruxInputs, argument_id: int) -> CruxSeed | None:
    """Return what a thread about one argument opens with, or None if it is not on the map."""
    debate_map = inputs.debate_map
    argument = debate_map.numbered.get(argument_id)
    if argument is None:
        return None
    report = crux_report(inputs, limit=len(debate_map.numbered) or 1)
    entry = next((found for found in report.entries if found.argument.id == argument_id), None)
    answers = debate_map.children(argument)

    def strongest(relation: str, limit: int) -> list[tuple[Argument, Votes]]:
        found = [(child, debate_map.votes.get(child.id, Votes())) for rel, child in answers if rel == relation]
        found.sort(key=lambda pair: (-(pair[1].up - pair[1].down), -pair[1].up, pair[0].order))
        return found[:limit]

    supports, attacks = strongest("supports", SEED_SUPPORTS), strongest("attacks", SEED_ATTACKS)
    around = [argument.id, *(child.id for child, _ in supports + attacks)]
    return CruxSeed(
        argument=argument,
        entry=entry,
        standing=standing_of(debate_map)[argument.id],
        supports=supports,
        attacks=attacks,
        excerpts=best_citations(debate_map, around, SEED_EXCERPTS),
    )


def best_citations(debate_map: DebateMap, argument_ids: Sequence[int], limit: int) -> list[Citation]:
    """Return the best excerpts cited by or suggested for these arguments: cited first, then most similar, one each."""
    wanted = {argument: rank for rank, argument in enumerate(argument_ids)}
    found = [citation for citation in debate_map.citations if citation.argument_id in wanted]
    found.sort(
        key=lambda c: (c.status != "cited", wanted[c.argument_id], -(c.similarity or 0.0), c.id),
    )
    seen: set[int] = set()
    best: list[Citation] = []
    for citation in found:
        if citation.excerpt_id not in seen:
            seen.add(citation.excerpt_id)
            best.append(citation)
    return best[:limit]
