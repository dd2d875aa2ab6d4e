"""Measure where-the-debate-hinges math on debates with planted structure, and the time of a whole /cruxes.

Quality: a generated debate of two camps (CAMP_SIZES members each, a fifth of each camp declaring no side) and
ARGUMENTS arguments: COMMON planted common-ground arguments (both camps mostly agree), DIVISIVE planted divisive ones
(one camp nearly all agrees, the other nearly all disagrees), the rest camp-aligned (the author's camp leans to agree,
the other camp leans against: partisan, but less sharply split than the planted divisive ones), then noise at three
levels: each vote flipped at random, and votes missing. For each camp size and noise level it prints, as the mean
(and the worst) over SEEDS: precision at COMMON of the bridging ranking against the planted common ground, precision
at DIVISIVE of the divisiveness ranking against the planted divisive ones, and how well the opinion groups, found
from the votes alone, recover the camps (adjusted Rand index and purity), with the number of groups found.

Time: a debate of 5,000 arguments and 500 members who each vote on 60 of them, with an attack/support graph (with
cycles) and crux marks; the time of the whole /cruxes computation, bridging + opinion groups + standing (with the
vote tie-break) + ranking, median of REPEATS runs, and of building the vote matrix from ballots.

Run: .venv/bin/python -m benchmarks.cruxes
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from bot.debates.common_ground import VoteMatrix, bridging, common_ground, most_divisive, opinion_groups
from bot.debates.cruxes import rank_cruxes
from bot.debates.model import Side
from bot.debates.standing import VOTE_MARGIN, standing

# Members per camp: the smallest the brief allows, and a larger debate; a fifth of each camp declares no side.
CAMP_SIZES = (15, 40)
ARGUMENTS = 40
COMMON = 4
DIVISIVE = 3
SEEDS = (1, 2, 3, 4, 5)
# Chance that a member of each camp agrees, before noise: (camp 0, camp 1).
COMMON_AGREE = (0.85, 0.85)
DIVISIVE_AGREE = (0.92, 0.08)
OWN_CAMP_AGREE, OTHER_CAMP_AGREE = 0.80, 0.30
# (name, chance a vote is flipped, chance a member votes on an argument at all)
NOISE = (("light", 0.05, 0.90), ("moderate", 0.10, 0.70), ("heavy", 0.20, 0.45))

SCALE_ARGUMENTS = 5000
SCALE_MEMBERS = 500
SCALE_VOTES_PER_MEMBER = 60
SCALE_MARKS = 1000
REPEATS = 3

T = TypeVar("T")


@dataclass(frozen=True)
class Planted:
    """A generated debate: its votes, declared sides, true camps, and the planted argument ids."""

    votes: VoteMatrix
    sides: dict[int, Side | None]
    camps: dict[int, int]
    common: set[int]
    divisive: set[int]


def planted_debate(seed: int, camp_size: int, flip: float, turnout: float) -> Planted:
    """Generate the small debate with planted common ground, divisive arguments and two camps."""
    rng = np.random.default_rng(seed)
    members = list(range(1, 2 * camp_size + 1))
    camps = {member: 0 if i < camp_size else 1 for i, member in enumerate(members)}
    sides: dict[int, Side | None] = {
        member: None if i % camp_size < camp_size // 5 else ("pro" if camps[member] == 0 else "con")
        for i, member in enumerate(members)
    }
    arguments = list(range(101, 101 + ARGUMENTS))
    shuffled = [int(a) for a in rng.permutation(arguments)]
    common, divisive = set(shuffled[:COMMON]), shuffled[COMMON : COMMON + DIVISIVE]
    agree = np.zeros((2, ARGUMENTS))
    for j, argument in enumerate(arguments):
        if argument in common:
            agree[:, j] = COMMON_AGREE
        elif argument in divisive:
            # Alternate which camp agrees, so the divisive arguments are not all one side's.
            agree[:, j] = DIVISIVE_AGREE if divisive.index(argument) % 2 == 0 else DIVISIVE_AGREE[::-1]
        else:
            author_camp = j % 2
            agree[author_camp, j], agree[1 - author_camp, j] = OWN_CAMP_AGREE, OTHER_CAMP_AGREE
    camp_rows = np.array([camps[member] for member in members])
    values = np.where(rng.random((len(members), ARGUMENTS)) < agree[camp_rows], 1, -1)
    values = np.where(rng.random(values.shape) < flip, -values, values)
    values = np.where(rng.random(values.shape) < turnout, values, 0).astype(np.int8)
    return Planted(VoteMatrix(values, tuple(members), tuple(arguments)), sides, camps, common, set(divisive))


def adjusted_rand_index(truth: list[int], found: list[int]) -> float:
    """Return the adjusted Rand index of two labellings of the same items (1 identical, about 0 at random)."""
    _, a = np.unique(truth, return_inverse=True)
    _, b = np.unique(found, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1), dtype=np.int64)
    np.add.at(table, (a, b), 1)

    def pairs(counts: npt.NDArray[np.int64]) -> float:
        return float((counts * (counts - 1) // 2).sum())

    index, rows, columns = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * columns / pairs(np.array([len(truth)]))
    maximum = (rows + columns) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def purity(truth: list[int], found: list[int]) -> float:
    """Return the share of members whose group's majority camp is their own camp."""
    correct = 0
    for group in set(found):
        camps = [t for t, f in zip(truth, found, strict=True) if f == group]
        correct += max(camps.count(c) for c in set(camps))
    return correct / len(truth)


def quality(camp_size: int, flip: float, turnout: float) -> list[tuple[float, float, float, float, int, int]]:
    """Return, per seed: precision at COMMON and at DIVISIVE, ARI, purity, groups found, and members left out."""
    rows = []
    for seed in SEEDS:
        debate = planted_debate(seed, camp_size, flip, turnout)
        scores = bridging(debate.votes, debate.sides)
        bridging_top = {found.argument_id for found in common_ground(scores, COMMON)}
        divisive_top = {found.argument_id for found in most_divisive(scores, DIVISIVE)}
        groups = opinion_groups(debate.votes.values, debate.votes.member_ids, debate.votes.argument_ids)
        grouped = list(groups.assignment)
        truth = [debate.camps[member] for member in grouped]
        found = [groups.assignment[member] for member in grouped]
        rows.append(
            (
                len(bridging_top & debate.common) / COMMON,
                len(divisive_top & debate.divisive) / DIVISIVE,
                adjusted_rand_index(truth, found),
                purity(truth, found),
                groups.count,
                len(groups.left_out),
            )
        )
    return rows


@dataclass(frozen=True)
class Scale:
    """The large debate: ballots, sides, true camps, attacks, net votes and crux marks."""

    ballots: list[tuple[int, int, int]]
    members: list[int]
    arguments: list[int]
    sides: dict[int, Side | None]
    camps: dict[int, int]
    attacks: list[tuple[int, int]]
    net_votes: dict[int, int]
    marks: list[tuple[int, int]]


def scale_debate(seed: int = 0) -> Scale:
    """Generate the 5,000-argument, 500-member debate: sparse camp-aligned votes, a graph with cycles, crux marks."""
    rng = np.random.default_rng(seed)
    members = list(range(1, SCALE_MEMBERS + 1))
    arguments = list(range(1, SCALE_ARGUMENTS + 1))
    camps = {member: member % 2 for member in members}
    sides: dict[int, Side | None] = {
        member: None if rng.random() < 0.1 else ("pro" if camps[member] == 0 else "con") for member in members
    }
    author_camp = rng.integers(0, 2, SCALE_ARGUMENTS)
    ballots = []
    net = np.zeros(SCALE_ARGUMENTS, dtype=np.int64)
    for member in members:
        chosen = rng.choice(SCALE_ARGUMENTS, SCALE_VOTES_PER_MEMBER, replace=False)
        own = author_camp[chosen] == camps[member]
        agrees = rng.random(SCALE_VOTES_PER_MEMBER) < np.where(own, OWN_CAMP_AGREE, OTHER_CAMP_AGREE)
        for j, agree in zip(chosen, agrees, strict=True):
            ballots.append((member, arguments[j], 1 if agree else -1))
            net[j] += 1 if agree else -1
    attacks = []
    for i in range(1, SCALE_ARGUMENTS):
        target = int(rng.integers(0, i))
        if rng.random() < 0.6:
            attacks.append((arguments[i], arguments[target]))
            if rng.random() < 0.05:
                # A rebuttal answered in kind: a two-cycle, or a longer cycle through an earlier argument.
                attacks.append((arguments[target], arguments[i]))
    marks = [
        (members[int(rng.integers(SCALE_MEMBERS))], arguments[int(rng.integers(SCALE_ARGUMENTS))])
        for _ in range(SCALE_MARKS)
    ]
    net_votes = {arguments[j]: int(net[j]) for j in range(SCALE_ARGUMENTS)}
    return Scale(ballots, members, arguments, sides, camps, attacks, net_votes, marks)


def timed(run: Callable[[], T]) -> tuple[float, T]:
    """Return the median seconds of REPEATS runs, and the result of the last."""
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    """Print the quality numbers on planted debates and the time of /cruxes at scale."""
    print(
        f"Planted debates: {ARGUMENTS} arguments ({COMMON} common ground, {DIVISIVE} divisive, the rest camp-aligned: "
        f"own camp agrees {OWN_CAMP_AGREE:.0%}, other camp {OTHER_CAMP_AGREE:.0%}), 2 camps, a fifth of each camp "
        f"declaring no side; mean (worst) over seeds {list(SEEDS)}"
    )
    for camp_size in CAMP_SIZES:
        for name, flip, turnout in NOISE:
            rows = quality(camp_size, flip, turnout)
            means = [statistics.mean(row[i] for row in rows) for i in range(4)]
            worst = [min(row[i] for row in rows) for i in range(4)]
            print(
                f"  {camp_size} per camp, {name} noise ({flip:.0%} flipped, {turnout:.0%} turnout): "
                f"bridging P@{COMMON} {means[0]:.2f} ({worst[0]:.2f})  divisiveness P@{DIVISIVE} {means[1]:.2f} "
                f"({worst[1]:.2f})  groups ARI {means[2]:.2f} ({worst[2]:.2f}) purity {means[3]:.2f} "
                f"({worst[3]:.2f})  k {[row[4] for row in rows]}  left out {sum(row[5] for row in rows)}"
            )

    scale = scale_debate()
    print(
        f"/cruxes at scale: {SCALE_ARGUMENTS} arguments x {SCALE_MEMBERS} members, {SCALE_VOTES_PER_MEMBER} votes each "
        f"({len(scale.ballots)} ballots), {len(scale.attacks)} attacks, {len(scale.marks)} crux marks; "
        f"median of {REPEATS} runs"
    )
    build_seconds, votes = timed(lambda: VoteMatrix.from_ballots(scale.ballots, scale.members, scale.arguments))
    bridging_seconds, scores = timed(lambda: bridging(votes, scale.sides))
    groups_seconds, groups = timed(lambda: opinion_groups(votes.values, votes.member_ids, votes.argument_ids))
    standing_seconds, standings = timed(lambda: standing(scale.arguments, scale.attacks, scale.net_votes, VOTE_MARGIN))
    ranking_seconds, ranked = timed(lambda: rank_cruxes(scale.marks, scale.sides, scores, standings=standings))
    total = bridging_seconds + groups_seconds + standing_seconds + ranking_seconds
    print(f"  build the vote matrix from ballots: {build_seconds * 1000:.0f} ms (not counted below)")
    print(f"  bridging:       {bridging_seconds * 1000:7.0f} ms")
    print(f"  opinion groups: {groups_seconds * 1000:7.0f} ms")
    print(f"  standing:       {standing_seconds * 1000:7.0f} ms")
    print(f"  ranking:        {ranking_seconds * 1000:7.0f} ms")
    print(f"  whole /cruxes:  {total * 1000:7.0f} ms")
    grouped = list(groups.assignment)
    truth = [scale.camps[member] for member in grouped]
    found = [groups.assignment[member] for member in grouped]
    labels = list(standings.values())
    print(
        f"  at scale: groups {groups.count} ARI {adjusted_rand_index(truth, found):.2f}; "
        f"standing {labels.count('stands')} stand, {labels.count('refuted')} refuted, "
        f"{labels.count('contested')} contested; {len(ranked)} cruxes listed"
    )


if __name__ == "__main__":
    main()
