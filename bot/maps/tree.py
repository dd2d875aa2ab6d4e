"""A side of a debate as nested trees: top-level arguments, with what supports and attacks them beneath.

`/map show`, the Markdown and Argdown exports and the map image's choice of top-level arguments all read the same
outline, so every view lists the same arguments in the same order.

A tree line also shows its argument's badges (bot/debates/marks.py). An argument that stands is the usual case, so
its standing is left unsaid: a line names its standing only when it is refuted or contested, and always shows common
ground, a crux or double crux, and its Δ count. `legend` explains the badges a view shows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from bot.debates.marks import BADGE_KINDS, DELTA_SIGN, QUIET_STANDING, ArgumentMarks
from bot.debates.model import SIDES, Argument, DebateMap, Side, Votes

#: A badge as /map show writes it → its kind (a Δ badge, which carries its count, is found by its sign).
_KIND_OF = {kind.emoji: name for name, kind in BADGE_KINDS.items()}

# Deeper reply chains continue in a new top-level tree: no reader follows a list nested 20 deep, and the Argdown
# parser fails at about 270 levels of indentation.
MAX_TREE_DEPTH = 20


@dataclass(frozen=True)
class TreeLine:
    """One mention of an argument in a side's tree.

    At its `first` mention an argument's text is shown and its supports and attacks follow, one level deeper. Later
    mentions (a second target, a cycle) refer back to it. An argument first met at MAX_TREE_DEPTH is `continued` in
    a tree of its own.
    """

    depth: int
    relation: str | None
    argument: Argument
    votes: Votes
    first: bool = True
    continued: bool = False


def side_tree(debate_map: DebateMap, side: Side) -> list[TreeLine]:
    """Return one side's trees in pre-order (see `trees`)."""
    return trees(debate_map)[side]


def trees(debate_map: DebateMap) -> dict[Side, list[TreeLine]]:
    """Return each side's trees in pre-order: roots first, supports and attacks nested under what they answer.

    Every argument is expanded once, where it is first met, so every argument and relation appears once. Arguments
    that only answer each other in a cycle, unreachable from any root, start trees of their own after their side's
    roots.
    """
    tops = {side: debate_map.roots(side) for side in SIDES}
    reached: set[int] = set()

    def reach(start: Argument) -> None:
        stack = [start]
        while stack:
            argument = stack.pop()
            if argument.id not in reached:
                reached.add(argument.id)
                stack.extend(child for _, child in debate_map.children(argument))

    for side in SIDES:
        for top in tops[side]:
            reach(top)
    for argument in debate_map.numbered.values():
        if argument.id not in reached:
            tops[argument.side].append(argument)
            reach(argument)

    expanded: set[int] = set()
    outline: dict[Side, list[TreeLine]] = {}
    for side in SIDES:
        lines: list[TreeLine] = []
        outline[side] = lines
        pending = deque((top, False) for top in tops[side])
        while pending:
            top, continued = pending.popleft()
            deferred: list[Argument] = []
            # Iterative, so that a reply chain thousands deep cannot exhaust the recursion limit.
            stack: list[tuple[int, str | None, Argument]] = [(0, None, top)]
            while stack:
                depth, relation, argument = stack.pop()
                first = argument.id not in expanded
                is_continued = continued and depth == 0
                votes = debate_map.votes.get(argument.id, Votes())
                lines.append(TreeLine(depth, relation, argument, votes, first, is_continued))
                if first or is_continued:
                    expanded.add(argument.id)
                    children = debate_map.children(argument)
                    if depth >= MAX_TREE_DEPTH and children:
                        deferred.append(argument)
                    else:
                        stack.extend((depth + 1, rel, child) for rel, child in reversed(children))
            pending.extendleft((argument, True) for argument in reversed(deferred))
    return outline


def line_badges(marks: ArgumentMarks | None) -> list[str]:
    """Return the badges a tree line shows: its standing unless it stands, then common ground, crux and Δ count."""
    return marks.badges() if marks is not None else []


def legend(badges: Iterable[str]) -> str:
    """Return a one-line legend of the badges shown, in a fixed order ("" when none is shown)."""
    shown = {"delta" if badge.startswith(DELTA_SIGN) else _KIND_OF.get(badge) for badge in badges}
    parts = [
        f"{f'{DELTA_SIGN}n' if name == 'delta' else kind.emoji}: {kind.meaning}"
        for name, kind in BADGE_KINDS.items()
        if name in shown and name != QUIET_STANDING
    ]
    if not parts:
        return ""
    return " · ".join([*parts, "no standing badge: it stands"])
