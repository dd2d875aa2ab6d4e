"""A map image's badges: small labelled pills for standing, common ground, crux and Δ, drawn in words.

The font has no emoji, so each badge /map show writes with one ("🔴 refuted") is a pill with its word here. They follow
/map show's choice (bot/maps/tree.py): standing only when an argument is refuted or contested; common ground, crux or
double crux and Δ always. Each kind has its own colour as well as its word, and a crux is outlined where a double
crux is filled, so that they can be told apart in Discord's small preview and without colour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from PIL import ImageDraw

from bot.debates.marks import BADGE_KINDS, DELTA_SIGN, ArgumentMarks, DebateHinges, badge_text
from bot.maps.image.text import SMALL_SIZE, load_font

T = TypeVar("T")

Colour = tuple[int, int, int]

PILL_HEIGHT = 18
PILL_GAP = 4
PILL_PAD = 6
LEGEND_GAP = 18
WHITE: Colour = (255, 255, 255)
STANDINGS = {"refuted", "contested"}
STANDS_NOTE = "no standing badge: it stands"
#: Argument numbers a caption names per kind of badge before it says how many more.
CAPTION_NUMBERS = 8


@dataclass(frozen=True)
class Pill:
    """One badge as drawn: its kind, its word, its colour and its text's, and whether it is filled (else outlined)."""

    kind: str
    text: str
    colour: Colour
    ink: Colour
    filled: bool


@dataclass(frozen=True)
class Look:
    """How a kind of badge is drawn: its colour, its text's, and whether it is filled (else outlined)."""

    colour: Colour
    ink: Colour
    filled: bool


INK: Colour = (33, 33, 33)
#: How each kind of badge (bot/debates/marks.py, BADGE_KINDS) is drawn, in the order a box and the legend show them.
KINDS: dict[str, Look] = {
    "refuted": Look((97, 97, 97), WHITE, True),
    "contested": Look((255, 179, 0), INK, True),
    "common-ground": Look((0, 105, 92), WHITE, True),
    "double-crux": Look((106, 27, 154), WHITE, True),
    "crux": Look((106, 27, 154), (106, 27, 154), False),
    "delta": Look((21, 101, 192), WHITE, True),
}


def pill(kind: str, count: int = 1) -> Pill:
    """Return the pill of a kind of badge, with its word (and, for Δ, its count)."""
    look = KINDS[kind]
    return Pill(kind, badge_text(kind, count, emoji=False), look.colour, look.ink, look.filled)


def box_pills(marks: ArgumentMarks | None) -> list[Pill]:
    """Return the pills an argument's box shows: the badges /map show writes, in words."""
    return [pill(kind, count) for kind, count in marks.kinds()] if marks is not None else []


def all_pills(hinges: DebateHinges | None) -> dict[int, list[Pill]]:
    """Return argument id → the pills its box shows, for every argument that shows any."""
    if hinges is None:
        return {}
    found = {argument_id: box_pills(marks) for argument_id, marks in hinges.marks.items()}
    return {argument_id: pills for argument_id, pills in found.items() if pills}


def legend_items(pills: Iterable[Pill]) -> list[tuple[Pill | None, str]]:
    """Return (pill, meaning) for each kind among `pills`, in a fixed order, then a note that the others stand.

    The note comes only with a standing pill: it has no pill of its own.
    """
    kinds = {found.kind for found in pills}
    items: list[tuple[Pill | None, str]] = [
        (_legend_pill(kind), BADGE_KINDS[kind].meaning) for kind in KINDS if kind in kinds
    ]
    if kinds & STANDINGS:
        items.append((None, STANDS_NOTE))
    return items


def _legend_pill(kind: str) -> Pill:
    """Return a kind's pill as the legend draws it (Δ with an n for its count)."""
    found = pill(kind)
    return replace(found, text=f"{DELTA_SIGN}n") if kind == "delta" else found


def legend_width(item: tuple[Pill | None, str]) -> float:
    """Return the width of a legend item: its pill, a gap and its meaning."""
    found, meaning = item
    return (pill_width(found) + PILL_GAP if found else 0) + load_font(SMALL_SIZE).getlength(meaning)


def legend_rows(items: list[tuple[Pill | None, str]], width: float) -> list[list[tuple[Pill | None, str]]]:
    """Break legend items into rows no wider than `width`."""
    return _wrap(items, legend_width, LEGEND_GAP, width)


def pill_width(found: Pill) -> float:
    """Return a pill's width in pixels."""
    return load_font(SMALL_SIZE).getlength(found.text) + 2 * PILL_PAD


def rows(pills: list[Pill], width: float) -> list[list[Pill]]:
    """Break pills into rows no wider than `width` (a pill wider than a row gets a row of its own)."""
    return _wrap(pills, pill_width, PILL_GAP, width)


def _wrap(items: Iterable[T], size_of: Callable[[T], float], gap: float, width: float) -> list[list[T]]:
    """Break items into rows no wider than `width`, `gap` apart; an item wider than a row gets a row of its own."""
    out: list[list[T]] = []
    used = 0.0
    for item in items:
        size = size_of(item)
        if out and used + gap + size <= width:
            out[-1].append(item)
            used += gap + size
        else:
            out.append([item])
            used = size
    return out


def paint_pill(draw: ImageDraw.ImageDraw, x: float, top: float, found: Pill, fill: Colour = WHITE) -> float:
    """Draw a pill with its top-left corner at (x, top), on a background of `fill`; return its width."""
    width = pill_width(found)
    frame = (x, top, x + width, top + PILL_HEIGHT)
    if found.filled:
        draw.rounded_rectangle(frame, radius=PILL_HEIGHT // 2, fill=found.colour)
    else:
        draw.rounded_rectangle(frame, radius=PILL_HEIGHT // 2, fill=fill, outline=found.colour, width=2)
    font = load_font(SMALL_SIZE)
    for nudge in (0.0, 0.5):  # struck twice, half a pixel apart: bolder, so that it reads when the image is shrunk
        draw.text((x + PILL_PAD + nudge, top + 1), found.text, font=font, fill=found.ink)
    return width


def badge_texts(pills: Mapping[int, list[Pill]]) -> dict[int, tuple[str, ...]]:
    """Return argument id → the words of its pills."""
    return {argument_id: tuple(found.text for found in shown) for argument_id, shown in pills.items()}


def caption(pills: Mapping[int, list[Pill]], numbers: Mapping[int, int | None]) -> str | None:
    """Return a line naming the arguments drawn with each kind of badge (None if none is drawn).

    `pills` is argument id → its pills, `numbers` argument id → its number: "Badges drawn: refuted #1 · double crux
    #3 · Δ (minds changed) #2 (1)".
    """
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for argument_id, shown in pills.items():
        number = numbers[argument_id] or 0
        for found in shown:
            count = f" ({found.text.removeprefix(DELTA_SIGN)})" if found.kind == "delta" else ""
            by_kind.setdefault(found.kind, []).append((number, f"#{number}{count}"))
    parts = []
    for kind in KINDS:
        if kind not in by_kind:
            continue
        named = [text for _, text in sorted(by_kind[kind])]
        more = f" and {len(named) - CAPTION_NUMBERS} more" if len(named) > CAPTION_NUMBERS else ""
        label = f"{DELTA_SIGN} (minds changed)" if kind == "delta" else BADGE_KINDS[kind].word
        parts.append(f"{label} {', '.join(named[:CAPTION_NUMBERS])}{more}")
    return "Badges drawn: " + " · ".join(parts) + "." if parts else None
