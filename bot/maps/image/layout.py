"""Where a map image's boxes go: tidy trees, packed in rows into a section per side, under a header."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.debates.model import SIDES, Argument, DebateMap, Side
from bot.maps.image.badges import Pill, legend_items, legend_rows
from bot.maps.image.select import Forest, reachable, select
from bot.maps.image.text import HEADING_SIZE, LINE_HEIGHT, TITLE_SIZE, load_font, shown_text, wrap

MAX_SIDE = 4000
PARTIAL_SIDE = 3200
# The largest preview Discord shows of an image in a message, roughly; a layout is chosen to be shrunk the least.
PREVIEW_WIDTH, PREVIEW_HEIGHT = 550, 400

# Sizes at 1:1.
BOX_WIDTH = 220
BOX_HEIGHT = 126
SIBLING_GAP = 26
LEVEL_GAP = 64
TREE_GAP = 56
MARGIN = 28
SECTION_GAP = 60
MIN_WIDTH = 640
# The height of a row of the badges' legend, under the sides' and edges' legend.
BADGE_LEGEND_ROW = 28
# Pixels the longest note takes on one line at SMALL_SIZE, with room to spare.
NOTE_WIDTH = 1300

Frame = tuple[float, float, float, float]
LegendRow = list[tuple[Pill | None, str]]


@dataclass
class Box:
    """An argument's box in a tree, with its answers drawn under it; x is its centre, relative until placed."""

    argument: Argument
    level: int
    children: list[Box] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Tree:
    """A laid-out tree: its boxes, its size and where its top-left corner goes."""

    top: Box
    boxes: list[Box]
    width: float
    height: float
    left: float = 0.0  # offset of the tree's left edge from its top box's centre
    x: float = 0.0
    y: float = 0.0


@dataclass
class Section:
    """A side's trees, packed in rows."""

    side: Side
    trees: list[_Tree]
    width: float
    height: float
    x: float = 0.0
    y: float = 0.0


@dataclass
class Drawing:
    """Where everything goes: the sections, the header, the canvas size, each box's badges and their legend."""

    sections: list[Section]
    chosen: dict[int, int]
    boxes: dict[int, Box]
    header: list[str]
    width: int
    height: int
    headings: list[Frame] = field(default_factory=list)
    #: Argument id → the badges on its box, for the drawn boxes that have any.
    pills: dict[int, list[Pill]] = field(default_factory=dict)
    #: The badges' legend, in rows: a pill (None for a note alone) and what it means.
    legend: list[LegendRow] = field(default_factory=list)


def box_frame(box: Box) -> Frame:
    """Return a placed box's (left, top, right, bottom) on the canvas."""
    return (box.x - BOX_WIDTH / 2, box.y, box.x + BOX_WIDTH / 2, box.y + BOX_HEIGHT)


def note_lines(width: int) -> int:
    """Return how many lines a note is given on a canvas this wide: enough for the longest note Crux writes."""
    return max(1, min(3, math.ceil(NOTE_WIDTH / (width - 2 * MARGIN - 24))))


def _header_height(lines: list[str], *, note: bool, width: int, legend_rows: int = 0) -> float:
    """Return the height of the title lines, a line of counts, the legends and, for a partial map, its note."""
    legends = 44 + legend_rows * BADGE_LEGEND_ROW
    return MARGIN + max(len(lines), 1) * 26 + 24 + legends + (note_lines(width) * LINE_HEIGHT + 28 if note else 0) + 10


def fit(
    debate_map: DebateMap,
    forest: Forest,
    depth: int | None,
    max_nodes: int,
    *,
    partial: bool = False,
    pills: Mapping[int, list[Pill]] | None = None,
) -> Drawing | None:
    """Lay out everything reachable within `depth`, or None if that is more than max_nodes or the canvas holds.

    A `partial` layout instead takes as many arguments as fit max_nodes and PARTIAL_SIDE, shrinking its budget until
    they do: a part of a map is drawn to be read, not to fill the canvas. `pills` (argument id → its badges) go on
    the boxes drawn, with a legend of them in the header.
    """
    badges = pills or {}
    if not partial:
        chosen = select(forest, depth, max_nodes)
        if len(chosen) < reachable(forest, depth) or len(chosen) > max_nodes:
            return None
        drawing = _layout(debate_map, forest, chosen, partial=False, pills=badges)
        return drawing if drawing.width <= MAX_SIDE and drawing.height <= MAX_SIDE else None
    budget = max_nodes
    while True:
        drawing = _layout(debate_map, forest, select(forest, depth, budget, partial=True), partial=True, pills=badges)
        if (drawing.width <= PARTIAL_SIDE and drawing.height <= PARTIAL_SIDE) or budget == 1:
            return drawing
        budget = max(1, min(budget - 1, int(budget * 0.85)))


def _layout(
    debate_map: DebateMap,
    forest: Forest,
    chosen: dict[int, int],
    *,
    partial: bool,
    pills: Mapping[int, list[Pill]],
) -> Drawing:
    """Place the chosen arguments' trees, each side's in a section, the sections side by side or one above the other."""
    boxes: dict[int, Box] = {}
    trees_by_side: dict[Side, list[_Tree]] = {side: [] for side in SIDES}
    for top in forest.tops:
        if top.id not in chosen:
            continue
        tree_boxes: list[Box] = []
        top_box = Box(top, 0)
        stack = [top_box]
        while stack:
            box = stack.pop()
            boxes[box.argument.id] = box
            tree_boxes.append(box)
            for child in forest.children[box.argument.id]:
                if child.id in chosen:
                    box.children.append(Box(child, box.level + 1))
            stack.extend(reversed(box.children))
        trees_by_side[top.side].append(_place(top_box, tree_boxes))

    sections = [_pack(side, trees) for side, trees in trees_by_side.items() if trees]
    side_by_side = False
    if len(sections) == 2:
        wide = (sum(s.width for s in sections) + SECTION_GAP, max(s.height for s in sections))
        tall = (max(s.width for s in sections), sum(s.height for s in sections) + SECTION_GAP)
        side_by_side = wide[0] <= MAX_SIDE - 2 * MARGIN and _preview_scale(*wide) >= _preview_scale(*tall)
    if side_by_side:
        sections[1].x = sections[0].width + SECTION_GAP
        width = sections[1].x + sections[1].width
    else:
        width = max(s.width for s in sections)
    width = max(MIN_WIDTH, math.ceil(width + 2 * MARGIN))
    header = wrap(shown_text(debate_map.debate.motion), load_font(TITLE_SIZE), width - 2 * MARGIN, 2) or [
        f"Debate {debate_map.debate.number}"
    ]
    drawn = {argument_id: pills[argument_id] for argument_id in boxes if argument_id in pills}
    legend = legend_rows(legend_items(p for shown in drawn.values() for p in shown), width - 2 * MARGIN)
    y = _header_height(header, note=partial, width=width, legend_rows=len(legend))
    for section in sections:
        section.x += MARGIN
        section.y = y
        if not side_by_side:
            y += section.height + SECTION_GAP
    height = math.ceil(y + max(s.height for s in sections) + MARGIN if side_by_side else y - SECTION_GAP + MARGIN)
    for section in sections:
        for tree in section.trees:
            for box in tree.boxes:
                box.x += section.x + tree.x - tree.left
                box.y += section.y + tree.y
    headings = [(s.x, s.y, s.x + s.width, s.y + HEADING_SIZE + 8) for s in sections]
    return Drawing(sections, chosen, boxes, header, width, height, headings, drawn, legend)


def _preview_scale(width: float, height: float) -> float:
    """Return how much Discord shrinks an image of this size for its preview (about 550 by 400 pixels at most)."""
    return min(PREVIEW_WIDTH / width, PREVIEW_HEIGHT / height)


def _place(top: Box, boxes: list[Box]) -> _Tree:
    """Lay out a tree tidily: levels top to bottom, each parent centred over its children, subtrees packed close.

    Each subtree's contour (its leftmost and rightmost extent on every level) is computed bottom up; a subtree is
    shifted right just enough to clear its left siblings on every level, as in Reingold and Tilford's algorithm.
    """
    half = BOX_WIDTH / 2
    offset: dict[int, float] = {}  # a box's centre relative to its parent's
    contour: dict[int, list[tuple[float, float]]] = {}
    for box in reversed(boxes):  # boxes is in pre-order, so children come before parents here
        if not box.children:
            contour[box.argument.id] = [(-half, half)]
            continue
        merged: list[tuple[float, float]] = []
        positions: list[float] = []
        for child in box.children:
            outline = contour.pop(child.argument.id)
            shift = 0.0
            if merged:
                shift = max(merged[i][1] + SIBLING_GAP - outline[i][0] for i in range(min(len(merged), len(outline))))
            positions.append(shift)
            for i, (left, right) in enumerate(outline):
                if i < len(merged):
                    merged[i] = (min(merged[i][0], left + shift), max(merged[i][1], right + shift))
                else:
                    merged.append((left + shift, right + shift))
        middle = (positions[0] + positions[-1]) / 2
        for child, position in zip(box.children, positions, strict=True):
            offset[child.argument.id] = position - middle
        contour[box.argument.id] = [(-half, half)] + [(left - middle, right - middle) for left, right in merged]
    outline = contour[top.argument.id]
    left = min(edge for edge, _ in outline)
    right = max(edge for _, edge in outline)
    for box in boxes:  # pre-order: a parent is placed before its children
        box.y = box.level * (BOX_HEIGHT + LEVEL_GAP)
        for child in box.children:
            child.x = box.x + offset[child.argument.id]
    levels = len(outline)
    return _Tree(top, boxes, right - left, levels * BOX_HEIGHT + (levels - 1) * LEVEL_GAP, left=left)


def _pack(side: Side, trees: list[_Tree]) -> Section:
    """Pack a side's trees in rows no wider than a width that keeps the section roughly 3:2, or its widest tree."""
    area = sum((t.width + TREE_GAP) * (t.height + TREE_GAP) for t in trees)
    widest = max(t.width for t in trees)
    budget = min(max(widest, math.sqrt(area * 1.5)), MAX_SIDE - 2 * MARGIN)
    budget = max(budget, widest)
    y = HEADING_SIZE + 16.0
    x = 0.0
    row_height = 0.0
    width = 0.0
    for tree in trees:
        if x > 0 and x + tree.width > budget:
            y += row_height + TREE_GAP
            x = row_height = 0.0
        tree.x, tree.y = x, y
        x += tree.width + TREE_GAP
        row_height = max(row_height, tree.height)
        width = max(width, x - TREE_GAP)
    return Section(side, trees, width, y + row_height)
