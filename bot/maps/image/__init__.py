"""A debate's argument map drawn as a PNG: each side's trees, supports and attacks under what they answer.

Every argument is a box: its number, a shortened text, its side (a PRO or CON badge and border style, not colour
alone) and its votes. An answer sits under the argument it answers, joined by an edge that points at it: supports are
solid green lines with a filled arrowhead, attacks dashed red lines ending in a bar. An argument that answers more
than one other is drawn once; its further answers are edges to the box already drawn.

Given the debate's hinges (bot/debates/marks.py), each box also carries its badges as small pills in words (the font
has no emoji): "refuted" or "contested" (outlined; an argument that stands has none), "common ground", "crux" or
"double crux", and "Δ2" for two changed minds (filled), in place of the text's last lines; a legend of the kinds
drawn sits under the header's.

A map too big to read (more than MAX_NODES boxes, or a canvas beyond MAX_SIDE pixels) is drawn in part: the largest
trees, level by level, most-voted answers first, with a note saying what was left out.

All text is drawn in Noto Sans, the regular instance of the variable font file shipped in the fontpkg-noto-sans wheel,
with Pillow's basic layout engine rather than raqm, so that the image looks the same on every host. It covers Latin,
Greek and Cyrillic with their accents; a character it lacks is given a stand-in ("→" becomes "->") or its
compatibility form ("①" becomes "1"), and anything else, such as emoji or CJK, is drawn as "?", one per run.

The work is split by stage: select picks the arguments drawn, layout places their boxes, route runs the edges
between them, text handles the font, badges the pills, and paint draws it all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image

from bot.debates.marks import DebateHinges
from bot.debates.model import DebateMap
from bot.errors import MapImageError
from bot.maps.image.badges import all_pills, badge_texts, caption
from bot.maps.image.layout import MAX_SIDE, fit
from bot.maps.image.paint import paint_empty, paint_map
from bot.maps.image.select import Forest, partial_note, ranked_tops, tops
from bot.maps.image.text import drawable

__all__ = ["MAX_IMAGE_DEPTH", "MAX_NODES", "MAX_SIDE", "MapImage", "drawable", "render_map"]

MAX_NODES = 60
MAX_IMAGE_DEPTH = 10


@dataclass(frozen=True)
class MapImage:
    """A drawn map: the PNG, its size, the boxes and edges drawn, and a note when only part of the map is shown."""

    png: bytes
    width: int
    height: int
    nodes: int
    edges: int
    note: str | None
    #: Argument number → the badges drawn on its box, for the boxes drawn with any.
    badges: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: A line naming the arguments drawn with each kind of badge, for the message the image goes with.
    caption: str | None = None


def render_map(
    debate_map: DebateMap,
    *,
    root: int | None = None,
    depth: int | None = None,
    max_nodes: int = MAX_NODES,
    hinges: DebateHinges | None = None,
) -> MapImage:
    """Draw a debate's map, or the subtree under argument number `root`, down to `depth` levels, as a PNG.

    With the debate's `hinges`, each box shows its badges (standing, common ground, crux, Δ).
    """
    if depth is not None and not 1 <= depth <= MAX_IMAGE_DEPTH:
        raise MapImageError(f"The depth of a map image can be 1 to {MAX_IMAGE_DEPTH} levels, not {depth}.")
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    total = len(debate_map.numbered)
    if root is not None:
        top = next((a for a in debate_map.numbered.values() if a.number == root), None)
        if top is None:
            raise MapImageError(
                f"Debate {debate_map.debate.number} has no argument #{root}. `/map show` lists its numbers."
            )
        forest = Forest.span(debate_map, [top])
    elif total == 0:
        canvas = paint_empty(debate_map)
        return MapImage(_png(canvas), canvas.width, canvas.height, 0, 0, None)
    else:
        forest = Forest.span(debate_map, tops(debate_map))
    pills = all_pills(hinges)
    drawing = fit(debate_map, forest, depth, max_nodes, pills=pills)
    note = None
    if drawing is None:  # too many boxes, or too big a canvas: draw the most important trees in part
        if root is None:
            forest = Forest.span(debate_map, ranked_tops(forest, max_nodes))
        drawing = fit(debate_map, forest, depth, max_nodes, partial=True, pills=pills)
        assert drawing is not None  # one box always fits
        note = partial_note(debate_map, forest, drawing.chosen, len(drawing.boxes), root)
    canvas, edges = paint_map(debate_map, drawing, note, root)
    numbers = {argument_id: argument.number for argument_id, argument in debate_map.numbered.items()}
    badges = {numbers[argument_id] or 0: texts for argument_id, texts in badge_texts(drawing.pills).items()}
    return MapImage(
        _png(canvas),
        drawing.width,
        drawing.height,
        len(drawing.boxes),
        edges,
        note,
        badges,
        caption(drawing.pills, numbers),
    )


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
