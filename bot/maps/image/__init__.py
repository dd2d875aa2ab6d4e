"""A debate's argument map drawn as a PNG: each side's trees, supports and attacks under what they answer.

Every argument is a box: its number, a shortened text, its side (a PRO or CON badge and border style, not colour
alone) and its votes. An answer sits under the argument it answers, joined by an edge that points at it: supports are
solid green lines with a filled arrowhead, attacks dashed red lines ending in a bar. An argument that answers more
than one other is drawn once; its further answers are edges to the box already drawn.

A map too big to read (more than MAX_NODES boxes, or a canvas beyond MAX_SIDE pixels) is drawn in part: the largest
trees, level by level, most-voted answers first, with a note saying what was left out. Drawing uses Pillow's bundled
font alone, so that the image looks the same on every host; characters it lacks are simplified ("é" to "e") or
replaced.
"""

from __future__ import annotations

import heapq
import io
import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import fontpkg_noto_sans
from PIL import Image, ImageDraw, ImageFont

from bot.debates.model import SIDES, Argument, DebateMap, Link, Side, Votes
from bot.errors import MapImageError
from bot.maps.tree import trees

MAX_NODES = 60
MAX_SIDE = 4000
MAX_IMAGE_DEPTH = 10
# A map drawn in part shows at most this many answers under one argument below a top, and boxes on one level of a
# tree.
PARTIAL_CHILDREN = 4
PARTIAL_WIDTH = 8
PARTIAL_SIDE = 3200
# The largest preview Discord shows of an image in a message, roughly; a layout is chosen to be shrunk the least.
PREVIEW_WIDTH, PREVIEW_HEIGHT = 550, 400

# Sizes at 1:1. Text is never below 13 px, so that a full-size view stays readable.
BOX_WIDTH = 220
BOX_HEIGHT = 126
PAD = 10
TEXT_LINES = 3
SIBLING_GAP = 26
LEVEL_GAP = 64
TREE_GAP = 56
MARGIN = 28
SECTION_GAP = 60
MIN_WIDTH = 640

NUMBER_SIZE = 20
TEXT_SIZE = 14
SMALL_SIZE = 13
TITLE_SIZE = 20
HEADING_SIZE = 17
LINE_HEIGHT = 18

WHITE = (255, 255, 255)
INK = (33, 33, 33)
MUTED = (100, 100, 100)
RULE = (205, 205, 205)
NOTE_FILL = (255, 244, 214)
# Pixels the longest note takes on one line at SMALL_SIZE, with room to spare.
NOTE_WIDTH = 1300
NOTE_EDGE = (214, 170, 60)
SIDE_COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    # (border and badge, box fill)
    "pro": ((46, 125, 50), (236, 246, 236)),
    "con": ((183, 28, 28), (251, 236, 236)),
}
SIDE_NAMES = {"pro": "PRO", "con": "CON"}
SUPPORT_COLOUR = (46, 125, 50)
ATTACK_COLOUR = (198, 40, 40)
EDGE_WIDTH = 2
DASH, DASH_GAP = 9, 6

# Stand-ins for characters the font lacks and Unicode decomposition does not simplify.
REPLACEMENTS = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": " - ",
    "\u2015": " - ",
    "\u2212": "-",
    "\u2022": "·",
    "\u2192": "->",
    "\u2190": "<-",
    "\u201a": ",",
    "\u201e": "“",
    "\u2032": "'",
    "\u2033": '"',
    "\u20ac": "EUR",
    "\u00a3": "GBP",
    "\u00df": "ss",
    "\u00e6": "ae",
    "\u00c6": "AE",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u00f8": "o",
    "\u00d8": "O",
    "\u0142": "l",
    "\u0141": "L",
    "\u0111": "d",
    "\u0110": "D",
    "\u00fe": "th",
    "\u00de": "Th",
    "\u00f0": "d",
    "\u00d0": "D",
    "\u0131": "i",
}
MISSING = "?"
MISSING_RUN = re.compile(r"\?(?: \?)+")


@dataclass(frozen=True)
class MapImage:
    """A drawn map: the PNG, its size, the boxes and edges drawn, and a note when only part of the map is shown."""

    png: bytes
    width: int
    height: int
    nodes: int
    edges: int
    note: str | None


def render_map(
    debate_map: DebateMap, *, root: int | None = None, depth: int | None = None, max_nodes: int = MAX_NODES
) -> MapImage:
    """Draw a debate's map, or the subtree under argument number `root`, down to `depth` levels, as a PNG."""
    if depth is not None and not 1 <= depth <= MAX_IMAGE_DEPTH:
        raise MapImageError(f"The depth of a map image can be 1 to {MAX_IMAGE_DEPTH} levels, not {depth}.")
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    total = len(debate_map.numbered)
    if root is not None:
        top = next((a for a in debate_map.numbered.values() if a.number == root), None)
        if top is None:
            raise MapImageError(
                f"Debate {debate_map.debate.id} has no argument #{root}. `/map show` lists its numbers."
            )
        forest = _Forest.span(debate_map, [top])
    elif total == 0:
        return _empty(debate_map)
    else:
        forest = _Forest.span(debate_map, _tops(debate_map))
    drawing = _fit(debate_map, forest, depth, max_nodes)
    note = None
    if drawing is None:  # too many boxes, or too big a canvas: draw the most important trees in part
        if root is None:
            forest = _Forest.span(debate_map, _ranked_tops(forest, max_nodes))
        drawing = _fit(debate_map, forest, depth, max_nodes, partial=True)
        assert drawing is not None  # one box always fits
        note = _note(debate_map, forest, drawing, root)
    return _paint(debate_map, drawing, note, root)


# -- which arguments are drawn ----------------------------------------------------------------------------------------


@dataclass
class _Forest:
    """Trees spanning what answers the tops: each argument expanded once, where it is first met."""

    tops: list[Argument]
    children: dict[int, list[Argument]]
    size: dict[int, int]  # arguments in each argument's tree, itself included
    up: dict[int, int]  # up-votes in each argument's tree

    @classmethod
    def span(cls, debate_map: DebateMap, tops: Sequence[Argument]) -> _Forest:
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


def _tops(debate_map: DebateMap) -> list[Argument]:
    """Return the arguments DebateMap.tree starts a tree at, Pro's first."""
    return [
        line.argument
        for lines in trees(debate_map).values()
        for line in lines
        if line.depth == 0 and not line.continued
    ]


def _ranked_tops(forest: _Forest, max_nodes: int) -> list[Argument]:
    """Return the most important trees: each side's biggest, then more, taking turns, while they fit max_nodes."""
    by_side = [sorted((t for t in forest.tops if t.side == side), key=forest.rank) for side in SIDES]
    chosen = [ranked[0] for ranked in by_side if ranked]  # drawn in part if need be
    count = sum(forest.size[t.id] for t in chosen)
    for top in (t for pair in itertools.zip_longest(*by_side) for t in pair if t is not None):
        if top not in chosen and count + forest.size[top.id] <= max_nodes:
            chosen.append(top)
            count += forest.size[top.id]
    return sorted(chosen, key=lambda t: (SIDES.index(t.side), forest.rank(t)))


def _select(forest: _Forest, depth: int | None, budget: int, *, partial: bool = False) -> dict[int, int]:
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


# -- layout -----------------------------------------------------------------------------------------------------------


@dataclass
class _Box:
    """An argument's box in a tree, with its answers drawn under it; x is its centre, relative until placed."""

    argument: Argument
    level: int
    children: list[_Box] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Tree:
    """A laid-out tree: its boxes, its size and where its top-left corner goes."""

    top: _Box
    boxes: list[_Box]
    width: float
    height: float
    left: float = 0.0  # offset of the tree's left edge from its top box's centre
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Section:
    """A side's trees, packed in rows."""

    side: Side
    trees: list[_Tree]
    width: float
    height: float
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Drawing:
    """Where everything goes: the sections, the header, the canvas size."""

    sections: list[_Section]
    chosen: dict[int, int]
    boxes: dict[int, _Box]
    header: list[str]
    width: int
    height: int
    headings: list[Frame] = field(default_factory=list)


def _fit(
    debate_map: DebateMap, forest: _Forest, depth: int | None, max_nodes: int, *, partial: bool = False
) -> _Drawing | None:
    """Lay out everything reachable within `depth`, or None if that is more than max_nodes or the canvas holds.

    A `partial` layout instead takes as many arguments as fit max_nodes and PARTIAL_SIDE, shrinking its budget until
    they do: a part of a map is drawn to be read, not to fill the canvas.
    """
    if not partial:
        chosen = _select(forest, depth, max_nodes)
        if len(chosen) < _reachable(forest, depth) or len(chosen) > max_nodes:
            return None
        drawing = _layout(debate_map, forest, chosen, partial=False)
        return drawing if drawing.width <= MAX_SIDE and drawing.height <= MAX_SIDE else None
    budget = max_nodes
    while True:
        drawing = _layout(debate_map, forest, _select(forest, depth, budget, partial=True), partial=True)
        if (drawing.width <= PARTIAL_SIDE and drawing.height <= PARTIAL_SIDE) or budget == 1:
            return drawing
        budget = max(1, min(budget - 1, int(budget * 0.85)))


def _reachable(forest: _Forest, depth: int | None) -> int:
    if depth is None:
        return sum(forest.size[t.id] for t in forest.tops)
    count = 0
    level = list(forest.tops)
    for _ in range(depth + 1):
        count += len(level)
        level = [c for a in level for c in forest.children[a.id]]
    return count


def _layout(debate_map: DebateMap, forest: _Forest, chosen: dict[int, int], *, partial: bool) -> _Drawing:
    boxes: dict[int, _Box] = {}
    trees_by_side: dict[Side, list[_Tree]] = {side: [] for side in SIDES}
    for top in forest.tops:
        if top.id not in chosen:
            continue
        tree_boxes: list[_Box] = []
        top_box = _Box(top, 0)
        stack = [top_box]
        while stack:
            box = stack.pop()
            boxes[box.argument.id] = box
            tree_boxes.append(box)
            for child in forest.children[box.argument.id]:
                if child.id in chosen:
                    box.children.append(_Box(child, box.level + 1))
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
    header = _wrap(_shown_text(debate_map.debate.motion), _font(TITLE_SIZE), width - 2 * MARGIN, 2) or [
        f"Debate {debate_map.debate.id}"
    ]
    y = _header_height(header, note=partial, width=width)
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
    return _Drawing(sections, chosen, boxes, header, width, height, headings)


def _preview_scale(width: float, height: float) -> float:
    """Return how much Discord shrinks an image of this size for its preview (about 550 by 400 pixels at most)."""
    return min(PREVIEW_WIDTH / width, PREVIEW_HEIGHT / height)


def _place(top: _Box, boxes: list[_Box]) -> _Tree:
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


def _pack(side: Side, trees: list[_Tree]) -> _Section:
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
    return _Section(side, trees, width, y + row_height)


# -- text -------------------------------------------------------------------------------------------------------------


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Noto Sans from the fontpkg-noto-sans wheel: Latin, Greek and Cyrillic with their accents, identical on every
    # host. The basic layout engine, because raqm, where installed, would shape text differently from host to host.
    path = fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


@cache
def _has_glyph(char: str) -> bool:
    """Return whether the font draws this character, rather than its box for a missing glyph."""
    return _glyph_pixels(char) != _glyph_pixels("\ue000")  # a private-use character: no font has it here


@cache
def _glyph_pixels(char: str) -> bytes:
    image = Image.new("L", (40, 30))
    ImageDraw.Draw(image).text((4, 4), char, font=_font(TEXT_SIZE), fill=255)
    return image.tobytes()


def drawable(text: str) -> str:
    """Return text the font can draw: whitespace collapsed, characters it lacks simplified or replaced."""
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category.startswith("Z"):
            out.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn") or category.startswith("M"):
            continue  # controls, bidi overrides, joiners and stray combining marks draw nothing useful
        elif char == " " or _has_glyph(char):
            out.append(char)
        elif char in REPLACEMENTS:
            out.append(REPLACEMENTS[char])
        else:
            simple = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if simple and all(c.isprintable() and _has_glyph(c) for c in simple):
                out.append(simple)
            elif not out or out[-1] != MISSING:  # a run of emoji or another script becomes one mark
                out.append(MISSING)
    # A run of missing characters broken only by spaces (a sentence in another script) becomes one mark too.
    return MISSING_RUN.sub(MISSING, " ".join("".join(out).split()))


def _shown_text(text: str) -> str:
    shown = drawable(text)
    if any(c.isalnum() for c in text) and not any(c.isalnum() for c in shown):
        return "(written in characters this image cannot show; open it in Discord)"
    return shown


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, lines: int) -> list[str]:
    """Wrap text to at most `lines` lines of `width` pixels, breaking long words, ending with … when cut."""
    words = text.split()
    out: list[str] = []
    current = ""
    cut = False
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
            current = ""
            if len(out) == lines:
                cut = True
                break
        while font.getlength(word) > width:  # a word longer than the line is broken where it overflows
            split = _fit_chars(word, font, width)
            out.append(word[:split])
            word = word[split:]
            if len(out) == lines:
                cut = True
                break
        if cut:
            if word:
                words = [word, *words[index + 1 :]]
            break
        current = word
    if not cut and current:
        out.append(current)
        if len(out) > lines:
            out, cut = out[:lines], True
    if cut and out:
        out[-1] = _ellipsize(out[-1], font, width)
    return out


def _fit_chars(text: str, font: ImageFont.FreeTypeFont, width: float) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    line = line.rstrip(" .,;:")
    while line and font.getlength(line + "…") > width:
        line = line[:-1].rstrip(" .,;:")
    return line + "…"


def _clip(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    return text if font.getlength(text) <= width else _ellipsize(text, font, width)


# -- painting ---------------------------------------------------------------------------------------------------------


def _header_height(lines: list[str], *, note: bool, width: int) -> float:
    """Return the height of the title lines, a line of counts, the legend and, for a partial map, its note."""
    return MARGIN + max(len(lines), 1) * 26 + 24 + 44 + (_note_lines(width) * LINE_HEIGHT + 28 if note else 0) + 10


def _note_lines(width: int) -> int:
    """Return how many lines a note is given on a canvas this wide: enough for the longest note Crux writes."""
    return max(1, min(3, math.ceil(NOTE_WIDTH / (width - 2 * MARGIN - 24))))


def _empty(debate_map: DebateMap) -> MapImage:
    width, height = MIN_WIDTH, 200
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    title = _clip(_shown_text(debate_map.debate.motion), _font(TITLE_SIZE), width - 2 * MARGIN)
    draw.text((MARGIN, MARGIN), title, font=_font(TITLE_SIZE), fill=INK)
    draw.text((MARGIN, MARGIN + 32), f"Debate {debate_map.debate.id}", font=_font(SMALL_SIZE), fill=MUTED)
    message = "No arguments yet"
    font = _font(22)
    draw.text(((width - font.getlength(message)) / 2, 120), message, font=font, fill=MUTED)
    return MapImage(_png(image), width, height, 0, 0, None)


def _paint(debate_map: DebateMap, drawing: _Drawing, note: str | None, root: int | None) -> MapImage:
    image = Image.new("RGB", (drawing.width, drawing.height), WHITE)
    draw = ImageDraw.Draw(image)
    _paint_header(draw, debate_map, drawing, note)
    for section in drawing.sections:
        _paint_heading(draw, debate_map, section, root, note is not None)
    edges = _edges(debate_map, drawing)
    for relation, path in edges:
        _paint_edge(draw, relation, path)
    for box in sorted(drawing.boxes.values(), key=lambda b: b.argument.number or 0):
        _paint_box(draw, debate_map, box, drawing)
    return MapImage(_png(image), drawing.width, drawing.height, len(drawing.boxes), len(edges), note)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _paint_header(draw: ImageDraw.ImageDraw, debate_map: DebateMap, drawing: _Drawing, note: str | None) -> None:
    y = float(MARGIN)
    title = _font(TITLE_SIZE)
    for line in drawing.header:
        draw.text((MARGIN, y), _clip(line, title, drawing.width - 2 * MARGIN), font=title, fill=INK)
        y += 26
    small = _font(SMALL_SIZE)
    counts = (
        f"Debate {debate_map.debate.id} · {len(debate_map.numbered)} arguments · {len(debate_map.relations)} links"
        " · arrows point at the argument answered"
    )
    draw.text((MARGIN, y + 2), counts, font=small, fill=MUTED)
    y += 24
    _paint_legend(draw, MARGIN, y + 6)
    y += 44
    if note:
        width = drawing.width - 2 * MARGIN
        lines = _wrap(note, small, width - 24, _note_lines(drawing.width))
        box_height = len(lines) * LINE_HEIGHT + 16
        draw.rounded_rectangle((MARGIN, y, MARGIN + width, y + box_height), radius=6, fill=NOTE_FILL, outline=NOTE_EDGE)
        for index, line in enumerate(lines):
            draw.text((MARGIN + 12, y + 8 + index * LINE_HEIGHT), line, font=small, fill=INK)


def _paint_legend(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    small = _font(SMALL_SIZE)
    for side in SIDES:
        _paint_frame(draw, (x, y, x + 92, y + 28), side)
        _paint_badge(draw, x + 46, y + 14, side, centre=True)
        x += 108
    for relation, label in (("supports", "supports"), ("attacks", "attacks")):
        _paint_edge(draw, relation, [(x, y + 14), (x + 70, y + 14)])
        draw.text((x + 80, y + 6), label, font=small, fill=INK)
        x += 80 + small.getlength(label) + 24


def _paint_heading(
    draw: ImageDraw.ImageDraw, debate_map: DebateMap, section: _Section, root: int | None, partial: bool
) -> None:
    border, _ = SIDE_COLOURS[section.side]
    count = sum(1 for a in debate_map.numbered.values() if a.side == section.side)
    if root is not None:
        heading = f"The subtree under #{root}"
    elif partial:
        heading = f"{SIDE_NAMES[section.side]} side · in part"
    else:
        heading = f"{SIDE_NAMES[section.side]} side · {count} argument{'s' if count != 1 else ''}"
    font = _font(HEADING_SIZE)
    draw.text((section.x, section.y), heading, font=font, fill=border)
    width = font.getlength(heading)
    draw.line(
        (section.x, section.y + HEADING_SIZE + 6, section.x + max(width, section.width), section.y + 23), fill=RULE
    )


Frame = tuple[float, float, float, float]


def _frame(box: _Box) -> Frame:
    return (box.x - BOX_WIDTH / 2, box.y, box.x + BOX_WIDTH / 2, box.y + BOX_HEIGHT)


def _paint_frame(draw: ImageDraw.ImageDraw, frame: Frame, side: str) -> None:
    border, fill = SIDE_COLOURS[side]
    if side == "pro":  # a single solid border
        draw.rounded_rectangle(frame, radius=8, fill=fill, outline=border, width=2)
    else:  # a double border, so the side shows without colour
        draw.rounded_rectangle(frame, radius=8, fill=fill, outline=border, width=2)
        left, top, right, bottom = frame
        draw.rounded_rectangle((left + 4, top + 4, right - 4, bottom - 4), radius=5, outline=border, width=1)


def _paint_badge(draw: ImageDraw.ImageDraw, x: float, y: float, side: str, *, centre: bool = False) -> float:
    """Draw a side's badge with its right edge at x (or centred on x), its middle at y; return its width."""
    border, _ = SIDE_COLOURS[side]
    font = _font(SMALL_SIZE)
    label = SIDE_NAMES[side]
    width = font.getlength(label) + 12
    left = x - width / 2 if centre else x - width
    draw.rounded_rectangle((left, y - 9, left + width, y + 9), radius=4, fill=border)
    draw.text((left + 6, y - 8), label, font=font, fill=WHITE)
    return width


def _paint_box(draw: ImageDraw.ImageDraw, debate_map: DebateMap, box: _Box, drawing: _Drawing) -> None:
    argument = box.argument
    frame = _frame(box)
    left, top, right, bottom = frame
    inset = 6 if argument.side == "con" else 0
    _paint_frame(draw, frame, argument.side)
    number = f"#{argument.number}"
    for nudge in (0, 1):  # struck twice, a pixel apart, for weight without a second font file
        draw.text(
            (left + PAD + inset / 2 + nudge, top + PAD - 2 + inset / 2), number, font=_font(NUMBER_SIZE), fill=INK
        )
    _paint_badge(draw, right - PAD - inset / 2, top + PAD + 9 + inset / 2, argument.side)
    font = _font(TEXT_SIZE)
    y = top + PAD + 26 + inset / 2
    for line in _wrap(_shown_text(argument.text), font, BOX_WIDTH - 2 * PAD - inset, TEXT_LINES):
        draw.text((left + PAD + inset / 2, y), line, font=font, fill=INK)
        y += LINE_HEIGHT
    votes = debate_map.votes.get(argument.id, Votes())
    small = _font(SMALL_SIZE)
    base = bottom - PAD - 14 - inset / 2
    x = left + PAD + inset / 2
    x = _paint_vote(draw, x, base, votes.up, up=True)
    x = _paint_vote(draw, x + 10, base, votes.down, up=False)
    end = right - PAD - inset / 2
    hidden = sum(1 for _, child in debate_map.children(argument) if child.id not in drawing.chosen)
    if hidden:  # answers left out of a partial map are counted where they would hang
        label = f"+{hidden} more"
        width = small.getlength(label) + 12
        draw.rounded_rectangle((end - width, base - 1, end, base + 17), radius=8, fill=WHITE, outline=INK)
        draw.text((end - width + 6, base), label, font=small, fill=INK)
        return
    author = _clip(drawable(argument.author_name), small, end - x - 12)
    draw.text((end - small.getlength(author), base), author, font=small, fill=MUTED)


def _paint_vote(draw: ImageDraw.ImageDraw, x: float, y: float, count: int, *, up: bool) -> float:
    """Draw ▲ n or ▼ n (triangles drawn, the font has none) starting at x; return where it ends."""
    colour = MUTED if count == 0 else (SUPPORT_COLOUR if up else ATTACK_COLOUR)
    middle = y + 8
    if up:
        draw.polygon([(x, middle + 4), (x + 10, middle + 4), (x + 5, middle - 5)], fill=colour)
    else:
        draw.polygon([(x, middle - 4), (x + 10, middle - 4), (x + 5, middle + 5)], fill=colour)
    font = _font(SMALL_SIZE)
    label = str(count)
    draw.text((x + 14, y), label, font=font, fill=colour if count else MUTED)
    return x + 14 + font.getlength(label)


# -- edges ------------------------------------------------------------------------------------------------------------

Point = tuple[float, float]
# A line kept this far from boxes it passes, so that it never seems to end at one.
CLEARANCE = 5.0
BEND_COST = 60.0


def _edges(debate_map: DebateMap, drawing: _Drawing) -> list[tuple[str, list[Point]]]:
    """Return (relation, path) for every support and attack between two drawn arguments.

    An answer's edge leaves its top and enters the bottom of the argument it answers (or the facing sides, on one
    level). Edges into or out of one side of a box are spread along it in the order of their other ends, so that
    arrowheads do not pile up. An edge that would pass under another box (an answer to a second argument, drawn
    elsewhere) runs round the boxes through the gaps between them instead.
    """
    boxes = drawing.boxes
    plan: list[tuple[Link, str, str]] = []
    entries: dict[tuple[int, str], list[tuple[float, int]]] = {}
    exits: dict[tuple[int, str], list[tuple[float, int]]] = {}
    for link in debate_map.relations:
        source, target = boxes.get(link.source_id), boxes.get(link.target_id)
        if source is None or target is None:
            continue
        if source.y != target.y:
            exit_side, entry_side = ("top", "bottom") if source.y > target.y else ("bottom", "top")
        else:
            exit_side, entry_side = ("left", "right") if source.x > target.x else ("right", "left")
        entries.setdefault((link.target_id, entry_side), []).append((source.x, link.id))
        exits.setdefault((link.source_id, exit_side), []).append((target.x, link.id))
        plan.append((link, exit_side, entry_side))
    slots: dict[int, float] = {}
    for found in entries.values():
        for rank, (_, link_id) in enumerate(sorted(found)):
            slots[link_id] = (rank + 1) / (len(found) + 1)
    starts: dict[int, float] = {}
    for found in exits.values():
        for rank, (_, link_id) in enumerate(sorted(found)):
            starts[link_id] = 0.5 + 0.5 * ((rank + 1) / (len(found) + 1) - 0.5)
    frames = {argument_id: _frame(box) for argument_id, box in boxes.items()}
    obstacles = [*drawing.headings]
    edges = []
    for link, exit_side, entry_side in plan:
        source, target = boxes[link.source_id], boxes[link.target_id]
        end = _anchor(target, entry_side, slots[link.id])
        path = [_anchor(source, exit_side, starts[link.id]), end]
        in_the_way = obstacles + [f for i, f in frames.items() if i not in (link.source_id, link.target_id)]
        if _crossings(path, in_the_way):
            path = _detour(source, target, end if entry_side == "bottom" else None, in_the_way, drawing)
        edges.append((link.relation, path))
    return edges


def _detour(source: _Box, target: _Box, entry: Point | None, frames: list[Frame], drawing: _Drawing) -> list[Point]:
    """Return the cheapest path of straight runs between two boxes through the gaps between the boxes in the way.

    The path leaves the source's top or bottom into the gap between levels, runs along it to a clear vertical lane
    (a gap between boxes, or beside them all), along the lane to the gap next to the target, and into the target.
    Of the paths that cross no box the shortest with fewest bends wins; if every path crosses one, the fewest.
    """
    half_gap = LEVEL_GAP / 2
    lanes = {source.x, target.x}
    for left, _, right, _ in [*frames, _frame(source), _frame(target)]:
        lanes.update((left - SIBLING_GAP / 2, right + SIBLING_GAP / 2))
    lanes = {x for x in lanes if 2 * CLEARANCE <= x <= drawing.width - 2 * CLEARANCE}
    best: tuple[tuple[int, float], list[Point]] | None = None
    toward = 1 if target.x >= source.x else -1
    for exit_side in ("top", "bottom"):
        start = _anchor(source, exit_side, 0.5 + 0.3 * toward)
        y1 = start[1] - half_gap if exit_side == "top" else start[1] + half_gap
        for entry_side in ("bottom", "top"):
            end = entry if entry is not None and entry_side == "bottom" else _anchor(target, entry_side, 0.5)
            y2 = end[1] + half_gap if entry_side == "bottom" else end[1] - half_gap
            if abs(y1 - y2) < 1:
                candidates = [[start, (start[0], y1), (end[0], y1), end]]
            else:
                candidates = [[start, (start[0], y1), (x, y1), (x, y2), (end[0], y2), end] for x in sorted(lanes)]
            for path in candidates:
                path = _simplify(path)
                cost = (
                    _crossings(path, frames),
                    sum(math.dist(p, q) for p, q in itertools.pairwise(path)) + BEND_COST * (len(path) - 2),
                )
                if best is None or cost < best[0]:
                    best = (cost, path)
    assert best is not None
    return best[1]


def _simplify(path: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight run."""
    points: list[Point] = []
    for point in path:
        if points and math.dist(points[-1], point) < 0.5:
            continue
        if len(points) >= 2:
            (xa, ya), (xb, yb) = points[-2], points[-1]
            if abs((xb - xa) * (point[1] - yb) - (yb - ya) * (point[0] - xb)) < 0.5:
                points[-1] = point
                continue
        points.append(point)
    return points


def _crossings(path: list[Point], frames: list[Frame]) -> int:
    """Return how many boxes a path of straight runs passes over or comes within CLEARANCE of."""
    crossed = 0
    for left, top, right, bottom in frames:
        box = (left - CLEARANCE, top - CLEARANCE, right + CLEARANCE, bottom + CLEARANCE)
        if any(_segment_hits(p, q, box) for p, q in itertools.pairwise(path)):
            crossed += 1
    return crossed


def _segment_hits(p: Point, q: Point, box: Frame) -> bool:
    """Return whether the segment from p to q meets a rectangle (Liang and Barsky's clipping)."""
    left, top, right, bottom = box
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for edge_p, edge_q in ((-dx, p[0] - left), (dx, right - p[0]), (-dy, p[1] - top), (dy, bottom - p[1])):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _anchor(box: _Box, side: str, fraction: float) -> Point:
    """Return the point a fraction of the way along one side of a box, keeping clear of its rounded corners."""
    left, top, right, bottom = _frame(box)
    if side in ("top", "bottom"):
        return (left + 20 + (BOX_WIDTH - 40) * fraction, top if side == "top" else bottom)
    return (left if side == "left" else right, top + 20 + (BOX_HEIGHT - 40) * fraction)


def _paint_edge(draw: ImageDraw.ImageDraw, relation: str, path: list[Point]) -> None:
    """Draw a support (solid, filled arrowhead) or an attack (dashed, a bar across its end) along a path."""
    (xa, ya), (x1, y1) = path[-2], path[-1]
    length = math.hypot(x1 - xa, y1 - ya) or 1.0
    ux, uy = (x1 - xa) / length, (y1 - ya) / length
    px, py = -uy, ux
    if relation == "supports":
        head = 13.0
        base = (x1 - ux * head, y1 - uy * head)
        draw.line([*_trim(path, head)], fill=SUPPORT_COLOUR, width=EDGE_WIDTH, joint="curve")
        draw.polygon(
            [(x1, y1), (base[0] + px * 6.5, base[1] + py * 6.5), (base[0] - px * 6.5, base[1] - py * 6.5)],
            fill=SUPPORT_COLOUR,
        )
        return
    # The bar stands clear of the box, so that it does not merge with a double border.
    for dash in _dashes(_trim(path, 6.0)):
        draw.line(dash, fill=ATTACK_COLOUR, width=EDGE_WIDTH, joint="curve")
    bar = (x1 - ux * 6, y1 - uy * 6)
    draw.line(
        (bar[0] + px * 9, bar[1] + py * 9, bar[0] - px * 9, bar[1] - py * 9), fill=ATTACK_COLOUR, width=EDGE_WIDTH + 1
    )


def _trim(path: list[Point], cut: float) -> list[Point]:
    """Return the path shortened by `cut` pixels at its end, to leave room for a head."""
    points = list(path)
    while len(points) > 1:
        (xa, ya), (xb, yb) = points[-2], points[-1]
        length = math.hypot(xb - xa, yb - ya)
        if length > cut:
            points[-1] = (xb - (xb - xa) * cut / length, yb - (yb - ya) * cut / length)
            return points
        cut -= length
        points.pop()
    return points + points


def _dashes(path: list[Point]) -> list[list[Point]]:
    """Split a path into dashes of DASH pixels with gaps of DASH_GAP, carrying the pattern across its bends."""
    dashes: list[list[Point]] = []
    current: list[Point] = [path[0]]
    drawing, left = True, float(DASH)
    for (xa, ya), (xb, yb) in itertools.pairwise(path):
        length = math.hypot(xb - xa, yb - ya)
        done = 0.0
        while length - done > left:
            done += left
            point = (xa + (xb - xa) * done / length, ya + (yb - ya) * done / length)
            if drawing:
                dashes.append([*current, point])
            current = [point]
            drawing, left = not drawing, float(DASH if not drawing else DASH_GAP)
        left -= length - done
        if drawing:
            current.append((xb, yb))
        else:
            current = [(xb, yb)]
    if drawing and len(current) > 1:
        dashes.append(current)
    return dashes


def _note(debate_map: DebateMap, forest: _Forest, drawing: _Drawing, root: int | None) -> str:
    shown, total = f"{len(drawing.boxes):,}", f"{len(debate_map.numbered):,}"
    if root is not None:
        under = forest.size[forest.tops[0].id]
        return (
            f"Showing {shown} of the {under:,} arguments in the subtree under #{root}; “+n more” marks answers not "
            "shown: use root: on that argument to see them."
        )
    tops = [t for t in forest.tops if t.id in drawing.chosen]
    names = [f"#{t.number}" for t in tops]
    if len(names) == 1:
        which = f"the subtree under {names[0]}"
    elif len(names) <= 3:
        which = f"the subtrees under {', '.join(names[:-1])} and {names[-1]}"
    else:
        which = f"{len(names)} of the {len(_tops(debate_map)):,} top-level arguments and their answers"
    return (
        f"Showing {which} ({shown} of {total} arguments; “+n more” marks answers not shown). "
        "Use root: to draw another argument's subtree."
    )
