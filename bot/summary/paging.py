"""The digest in pages: split between items, each page under its headings, for Discord embeds."""

from __future__ import annotations

from collections.abc import Sequence

from bot.markdown import PAGE_CHARS
from bot.summary.analysis import Summary
from bot.summary.render import render_summary


def summary_pages(summary: Summary, limit: int = PAGE_CHARS) -> list[str]:
    """Split the digest into pages of at most `limit` characters between items, repeating the headings in force.

    The title heading opens the first page only. An item longer than a page (none is, at the shipped caps) is cut
    between lines, then between words.
    """
    pages: list[str] = []
    page: list[str] = []
    printed: set[int] = set()  # positions of the headings already on this page
    stack: list[tuple[int, int, str]] = []  # (level, position, line) of the headings the next item sits under
    for position, block in enumerate(_blocks(render_summary(summary))):
        if block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            stack = [h for h in stack if h[0] < level] + [(level, position, block)]
            continue
        context = [h for h in stack if h[0] > 1 or not pages]
        room = limit - len(_join([line for _, _, line in context])) - 2
        for piece in _fit(block, room):
            needed = [line for _, at, line in context if at not in printed]
            if page and len(_join([*page, *needed, piece])) > limit:
                pages.append(_join(page))
                page, printed = [], set()
                context = [h for h in stack if h[0] > 1]
                needed = [line for _, _, line in context]
            page += [*needed, piece]
            printed.update(at for _, at, _ in context)
    if page:
        pages.append(_join(page))
    return pages


def _join(blocks: Sequence[str]) -> str:
    """Return blocks as Markdown: a blank line around headings, list items one under the other."""
    text = ""
    for block in blocks:
        if text:
            text += "\n\n" if block.startswith("#") or text.rsplit("\n", 1)[-1].startswith("#") else "\n"
        text += block
    return text


def _blocks(text: str) -> list[str]:
    """Return the digest's headings and items (an item keeps its indented continuation lines)."""
    blocks: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) and blocks and not blocks[-1].startswith("#"):
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return blocks


def _fit(block: str, room: int) -> list[str]:
    """Return a block as pieces of at most `room` characters: whole lines, a too-long line cut between words."""
    room = max(room, 80)
    if len(block) <= room:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        while len(line) > room:
            cut = line.rfind(" ", 0, room)
            cut = cut if cut > room // 2 else room
            head, line = line[:cut], "  " + line[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(line) > room:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces
