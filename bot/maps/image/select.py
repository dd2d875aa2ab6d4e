"""Which arguments a map image draws: the trees spanning the tops, and for a map too big, the most important part."""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.debates.model import SIDES, Argument, DebateMap, Votes
from bot.maps.tree import trees

# A map drawn in part shows at most this many answers under one argument below a top, and boxes on one level of a
# tree.
PARTIAL_CHILDREN = 4
PARTIAL_WIDTH = 8


@dataclass
class Forest:
    """Trees spanning what answers the tops: each argument expanded once, where it is first met."""

    tops: list[Argument]
    children: dict[int, list[Argument]]
    size: dict[int, int]  # arguments in each argument's tree, itself included
    up: dict[int, int]  # up-votes in each argument's tree

    @classmethod
    def span(cls, debate_map: DebateMap, tops: Sequence[Argument]) -> Forest:
        """Span trees from the tops in order, as DebateMap.tree does, but without its depth limit."""
        children: dict[int, list[Argument]] = {}
        order: list[Argument] = []
        seen: set[int] = set()
        kept_tops = []
        for top in tops:
            if top.id in seen:
                continue
            kept_tops.append(top)
            seen.add(top.id)
            stack = [top]
            while stack:  # iterative: a reply chain can be thousands deep
                argument = stack.pop()
                order.append(argument)
                found = []
                for _, child in debate_map.children(argument):
                    if child.id not in seen:
                        seen.add(child.id)
                        found.append(child)
                children[argument.id] = found
                stack.extend(reversed(found))
        size: dict[int, int] = {}
        up: dict[int, int] = {}
        for argument in reversed(order):
            kids = children[argument.id]
            size[argument.id] = 1 + sum(size[c.id] for c in kids)
            up[argument.id] = debate_map.votes.get(argument.id, Votes()).up + sum(up[c.id] for c in kids)
        return cls(kept_tops, children, size, up)

    def rank(self, argument: Argument) -> tuple[int, int, int]:
        """Return a sort key that puts the biggest, most-voted trees first, then the earliest."""
        return (-self.size[argument.id], -self.up[argument.id], argument.number or 0)


def tops(debate_map: DebateMap) -> list[Argument]:
    """Return the arguments DebateMap.tree starts a tree at, Pro's first."""
    return [
        line.argument
        for lines in trees(debate_map).values()
        for line in lines
        if line.depth == 0 and not line.continued
    ]


def ranked_tops(forest: Forest, max_nodes: int) -> list[Argument]:
    """Return the most important trees: each side's biggest, then more, taking turns, while they fit max_nodes."""
    by_side = [sorted((t for t in forest.tops if t.side == side), key=forest.rank) for side in SIDES]
    chosen = [ranked[0] for ranked in by_side if ranked]  # drawn in part if need be
    count = sum(forest.size[t.id] for t in chosen)
    for top in (t for pair in itertools.zip_longest(*by_side) for t in pair if t is not None):
        if top not in chosen and count + forest.size[top.id] <= max_nodes:
            chosen.append(top)
            count += forest.size[top.id]
    return sorted(chosen, key=lambda t: (SIDES.index(t.side), forest.rank(t)))


def select(forest: Forest, depth: int | None, budget: int, *, partial: bool = False) -> dict[int, int]:
    """Return {argument id: level} of up to `budget` arguments, level by level, the biggest and most-voted first.

    A `partial` selection also keeps each tree readable: at most PARTIAL_WIDTH boxes on one level of a tree and
    PARTIAL_CHILDREN answers under one argument below the top; the rest are counted on the boxes they answer.
    """
    chosen: dict[int, int] = {}
    queue: list[tuple[int, tuple[int, int, int], int, int, Argument]] = []
    for index, top in enumerate(forest.tops):
        heapq.heappush(queue, (0, forest.rank(top), index, index, top))
    counter = len(forest.tops)
    widths: dict[tuple[int, int], int] = defaultdict(int)
    while queue and len(chosen) < budget:
        level, _, _, tree, argument = heapq.heappop(queue)
        if partial and level and widths[(tree, level)] >= PARTIAL_WIDTH:
            continue
        chosen[argument.id] = level
        widths[(tree, level)] += 1
        if depth is not None and level >= depth:
            continue
        children = forest.children[argument.id]
        if partial:  # a top's answers may fill its tree's width; deeper, each argument gets a few
            children = sorted(children, key=forest.rank)[: PARTIAL_WIDTH if level == 0 else PARTIAL_CHILDREN]
        for child in children:
            counter += 1
            heapq.heappush(queue, (level + 1, forest.rank(child), counter, tree, child))
    return chosen


def reachable(forest: Forest, depth: int | None) -> int:
    """Return how many arguments the forest holds within `depth` levels of its tops (all of them if None)."""
    if depth is None:
        return sum(forest.size[t.id] for t in forest.tops)
    count = 0
    level = list(forest.tops)
    for _ in range(depth + 1):
        count += len(level)
        level = [c for a in level for c in forest.children[a.id]]
    return count


def partial_note(debate_map: DebateMap, forest: Forest, chosen: Mapping[int, int], shown: int, root: int | None) -> str:
    """Return the note on a map drawn in part: which trees it shows, how many of the arguments, how to see more."""
    shown_count, total = f"{shown:,}", f"{len(debate_map.numbered):,}"
    if root is not None:
        under = forest.size[forest.tops[0].id]
        return (
            f"Showing {shown_count} of the {under:,} arguments in the subtree under #{root}; “+n more” marks answers "
            "not shown: use root: on that argument to see them."
        )
    drawn = [t for t in forest.tops if t.id in chosen]
    names = [f"#{t.number}" for t in drawn]
    if len(names) == 1:
        which = f"the subtree under {names[0]}"
    elif len(names) <= 3:
        which = f"the subtrees under {', '.join(names[:-1])} and {names[-1]}"
    else:
        which = f"{len(names)} of the {len(tops(debate_map)):,} top-level arguments and their answers"
    return (
        f"Showing {which} ({shown_count} of {total} arguments; “+n more” marks answers not shown). "
        "Use root: to draw another argument's subtree."
    )
