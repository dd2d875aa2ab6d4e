"""The map image's text: Noto Sans at fixed sizes, what it can draw, and text wrapped or cut to fit a width."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import fontpkg_noto_sans
from PIL import Image, ImageDraw, ImageFont

# Text sizes at 1:1. Text is never below 13 px, so that a full-size view stays readable.
NUMBER_SIZE = 20
TEXT_SIZE = 14
SMALL_SIZE = 13
TITLE_SIZE = 20
HEADING_SIZE = 17
LINE_HEIGHT = 18

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


@cache
def load_font(size: int) -> ImageFont.FreeTypeFont:
    """Return Noto Sans at `size` pixels, loaded once per size."""
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
    ImageDraw.Draw(image).text((4, 4), char, font=load_font(TEXT_SIZE), fill=255)
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


def shown_text(text: str) -> str:
    """Return drawable(text), or a line saying it cannot be shown when nothing legible would be left."""
    shown = drawable(text)
    if any(c.isalnum() for c in text) and not any(c.isalnum() for c in shown):
        return "(written in characters this image cannot show; open it in Discord)"
    return shown


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float, lines: int) -> list[str]:
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


def clip(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """Return text as it is if it fits `width` pixels on one line, else cut short with …."""
    return text if font.getlength(text) <= width else _ellipsize(text, font, width)
