"""A map image painted onto its canvas: the header with its legend and note, each side's heading, the boxes, edges."""

from __future__ import annotations

from PIL import Image, ImageDraw

from bot.debates.model import SIDES, DebateMap, Votes
from bot.maps.image.badges import LEGEND_GAP, PILL_GAP, PILL_HEIGHT, paint_pill, rows
from bot.maps.image.layout import (
    BADGE_LEGEND_ROW,
    BOX_WIDTH,
    MARGIN,
    MIN_WIDTH,
    Box,
    Drawing,
    Frame,
    Section,
    box_frame,
    note_lines,
)
from bot.maps.image.route import ATTACK_COLOUR, SUPPORT_COLOUR, paint_edge, route_edges
from bot.maps.image.text import (
    HEADING_SIZE,
    LINE_HEIGHT,
    NUMBER_SIZE,
    SMALL_SIZE,
    TEXT_SIZE,
    TITLE_SIZE,
    clip,
    drawable,
    load_font,
    shown_text,
    wrap,
)

PAD = 10
TEXT_LINES = 3

WHITE = (255, 255, 255)
INK = (33, 33, 33)
MUTED = (100, 100, 100)
RULE = (205, 205, 205)
NOTE_FILL = (255, 244, 214)
NOTE_EDGE = (214, 170, 60)
SIDE_COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    # (border and badge, box fill)
    "pro": ((46, 125, 50), (236, 246, 236)),
    "con": ((183, 28, 28), (251, 236, 236)),
}
SIDE_NAMES = {"pro": "PRO", "con": "CON"}


def paint_empty(debate_map: DebateMap) -> Image.Image:
    """Paint the small image of a debate with no arguments yet: its motion, its number and a line saying so."""
    width, height = MIN_WIDTH, 200
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    title = clip(shown_text(debate_map.debate.motion), load_font(TITLE_SIZE), width - 2 * MARGIN)
    draw.text((MARGIN, MARGIN), title, font=load_font(TITLE_SIZE), fill=INK)
    draw.text((MARGIN, MARGIN + 32), f"Debate {debate_map.debate.number}", font=load_font(SMALL_SIZE), fill=MUTED)
    message = "No arguments yet"
    font = load_font(22)
    draw.text(((width - font.getlength(message)) / 2, 120), message, font=font, fill=MUTED)
    return image


def paint_map(debate_map: DebateMap, drawing: Drawing, note: str | None, root: int | None) -> tuple[Image.Image, int]:
    """Paint a laid-out map: header, headings, edges, then boxes over them; return the image and the edges drawn."""
    image = Image.new("RGB", (drawing.width, drawing.height), WHITE)
    draw = ImageDraw.Draw(image)
    _paint_header(draw, debate_map, drawing, note)
    for section in drawing.sections:
        _paint_heading(draw, debate_map, section, root, note is not None)
    edges = route_edges(debate_map, drawing)
    for relation, path in edges:
        paint_edge(draw, relation, path)
    for box in sorted(drawing.boxes.values(), key=lambda b: b.argument.number or 0):
        _paint_box(draw, debate_map, box, drawing)
    return image, len(edges)


def _paint_header(draw: ImageDraw.ImageDraw, debate_map: DebateMap, drawing: Drawing, note: str | None) -> None:
    y = float(MARGIN)
    title = load_font(TITLE_SIZE)
    for line in drawing.header:
        draw.text((MARGIN, y), clip(line, title, drawing.width - 2 * MARGIN), font=title, fill=INK)
        y += 26
    small = load_font(SMALL_SIZE)
    counts = (
        f"Debate {debate_map.debate.number} · {len(debate_map.numbered)} arguments · {len(debate_map.relations)} links"
        " · arrows point at the argument answered"
    )
    draw.text((MARGIN, y + 2), counts, font=small, fill=MUTED)
    y += 24
    _paint_legend(draw, MARGIN, y + 6)
    y += 44
    for row in drawing.legend:  # the badges drawn, and what each means
        x = float(MARGIN)
        for found, meaning in row:
            if found is not None:
                x += paint_pill(draw, x, y + 2, found) + PILL_GAP
            draw.text((x, y + 3), meaning, font=small, fill=INK)
            x += small.getlength(meaning) + LEGEND_GAP
        y += BADGE_LEGEND_ROW
    if note:
        width = drawing.width - 2 * MARGIN
        lines = wrap(note, small, width - 24, note_lines(drawing.width))
        box_height = len(lines) * LINE_HEIGHT + 16
        draw.rounded_rectangle((MARGIN, y, MARGIN + width, y + box_height), radius=6, fill=NOTE_FILL, outline=NOTE_EDGE)
        for index, line in enumerate(lines):
            draw.text((MARGIN + 12, y + 8 + index * LINE_HEIGHT), line, font=small, fill=INK)


def _paint_legend(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    small = load_font(SMALL_SIZE)
    for side in SIDES:
        _paint_frame(draw, (x, y, x + 92, y + 28), side)
        _paint_badge(draw, x + 46, y + 14, side, centre=True)
        x += 108
    for relation, label in (("supports", "supports"), ("attacks", "attacks"), ("responds_to", "replies to")):
        paint_edge(draw, relation, [(x, y + 14), (x + 70, y + 14)])
        draw.text((x + 80, y + 6), label, font=small, fill=INK)
        x += 80 + small.getlength(label) + 24


def _paint_heading(
    draw: ImageDraw.ImageDraw, debate_map: DebateMap, section: Section, root: int | None, partial: bool
) -> None:
    border, _ = SIDE_COLOURS[section.side]
    count = sum(1 for a in debate_map.numbered.values() if a.side == section.side)
    if root is not None:
        heading = f"The subtree under #{root}"
    elif partial:
        heading = f"{SIDE_NAMES[section.side]} side · in part"
    else:
        heading = f"{SIDE_NAMES[section.side]} side · {count} argument{'s' if count != 1 else ''}"
    font = load_font(HEADING_SIZE)
    draw.text((section.x, section.y), heading, font=font, fill=border)
    width = font.getlength(heading)
    draw.line(
        (section.x, section.y + HEADING_SIZE + 6, section.x + max(width, section.width), section.y + 23), fill=RULE
    )


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
    font = load_font(SMALL_SIZE)
    label = SIDE_NAMES[side]
    width = font.getlength(label) + 12
    left = x - width / 2 if centre else x - width
    draw.rounded_rectangle((left, y - 9, left + width, y + 9), radius=4, fill=border)
    draw.text((left + 6, y - 8), label, font=font, fill=WHITE)
    return width


def _paint_box(draw: ImageDraw.ImageDraw, debate_map: DebateMap, box: Box, drawing: Drawing) -> None:
    argument = box.argument
    frame = box_frame(box)
    left, top, right, bottom = frame
    inset = 6 if argument.side == "con" else 0
    _paint_frame(draw, frame, argument.side)
    number = f"#{argument.number}"
    for nudge in (0, 1):  # struck twice, a pixel apart, for weight without a second font file
        draw.text(
            (left + PAD + inset / 2 + nudge, top + PAD - 2 + inset / 2), number, font=load_font(NUMBER_SIZE), fill=INK
        )
    _paint_badge(draw, right - PAD - inset / 2, top + PAD + 9 + inset / 2, argument.side)
    font = load_font(TEXT_SIZE)
    inner = BOX_WIDTH - 2 * PAD - inset
    # Badges take the place of the text's last lines, so that every box keeps its size; one line of text stays.
    badge_rows = rows(drawing.pills.get(argument.id, []), inner)[: TEXT_LINES - 1]
    y = top + PAD + 26 + inset / 2
    for line in wrap(shown_text(argument.text), font, inner, TEXT_LINES - len(badge_rows)):
        draw.text((left + PAD + inset / 2, y), line, font=font, fill=INK)
        y += LINE_HEIGHT
    votes = debate_map.votes.get(argument.id, Votes())
    small = load_font(SMALL_SIZE)
    base = bottom - PAD - 14 - inset / 2
    x = left + PAD + inset / 2
    y = base - 3 - len(badge_rows) * (PILL_HEIGHT + PILL_GAP) + PILL_GAP
    for row in badge_rows:
        along = x
        for found in row:
            along += paint_pill(draw, along, y, found, SIDE_COLOURS[argument.side][1]) + PILL_GAP
        y += PILL_HEIGHT + PILL_GAP
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
    author = clip(drawable(argument.author_name), small, end - x - 12)
    draw.text((end - small.getlength(author), base), author, font=small, fill=MUTED)


def _paint_vote(draw: ImageDraw.ImageDraw, x: float, y: float, count: int, *, up: bool) -> float:
    """Draw ▲ n or ▼ n (triangles drawn, the font has none) starting at x; return where it ends."""
    colour = MUTED if count == 0 else (SUPPORT_COLOUR if up else ATTACK_COLOUR)
    middle = y + 8
    if up:
        draw.polygon([(x, middle + 4), (x + 10, middle + 4), (x + 5, middle - 5)], fill=colour)
    else:
        draw.polygon([(x, middle - 4), (x + 10, middle - 4), (x + 5, middle + 5)], fill=colour)
    font = load_font(SMALL_SIZE)
    label = str(count)
    draw.text((x + 14, y), label, font=font, fill=colour if count else MUTED)
    return x + 14 + font.getlength(label)
