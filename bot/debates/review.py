"""Which argument /review shows a member next: the one whose scores most need a vote from someone like them.

Bridging and divisiveness (bot/debates/common_ground.py) need votes from both sides, at least MIN_VOTERS_PER_SIDE
from each, so the queue fills the thinnest gaps first: among the arguments the member may still vote on (not their
own, not voted on, not passed on), those with the fewest votes from members of the member's side come first, then
those with the fewest votes overall, then the oldest. A member of no known side is counted with nobody, so for them
the fewest votes overall decide. Pure Python: no SQL, no Discord.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.debates.model import Argument, Side


@dataclass(frozen=True)
class ReviewCard:
    """The argument to show a member, how many more they could review, and the votes it has so far."""

    argument: Argument
    remaining: int
    up: int
    down: int
    from_side: int
    member_side: Side | None
    marked: bool


def review_queue(
    arguments: Iterable[Argument],
    member_id: int,
    ballots: Iterable[tuple[int, int, int]],
    sides: Mapping[int, Side | None],
    passed: Collection[int] = (),
) -> list[Argument]:
    """Return the numbered arguments a member may vote on, the ones whose scores most need them first.

    `ballots` are (member id, argument id, ±1); `sides` each member's side; `passed` the arguments they passed on.
    """
    ballots = list(ballots)
    voted = {argument for member, argument, _ in ballots if member == member_id}
    side = sides.get(member_id)
    total = Counter(argument for _, argument, _ in ballots)
    same = Counter(argument for member, argument, _ in ballots if side is not None and sides.get(member) == side)
    candidates = [
        argument
        for argument in arguments
        if argument.kind == "argument"
        and argument.number is not None
        and argument.visible
        and argument.author_id != member_id
        and argument.id not in voted
        and argument.id not in passed
    ]
    return sorted(candidates, key=lambda a: (same[a.id], total[a.id], a.order))


def next_after(queue: list[Argument], after: int | None) -> Argument | None:
    """Return the first argument of the queue, or the one after `after` (wrapping round; itself only if alone)."""
    if not queue:
        return None
    ids = [argument.id for argument in queue]
    if after is None or after not in ids:
        return queue[0]
    return queue[(ids.index(after) + 1) % len(queue)]
