"""Text Crux writes in Markdown: members' words escaped, safe links, side titles, and pages at Discord's limits."""

from __future__ import annotations

import re

#: How each side is titled wherever Crux names it.
SIDE_TITLES = {"pro": "Pro", "con": "Con"}
#: An embed description holds 4,096 characters; pages stay under that with room for a footer.
PAGE_CHARS = 3800
#: How long a quoted argument may be in a digest line, in characters.
QUOTE_CHARS = 120

# Inline Markdown (Discord's and CommonMark's) that user text could trigger; newlines are collapsed before escaping.
MARKDOWN_SPECIAL = re.compile(r"[\\`*_~|<>\[\]()#&]")
# Bare URLs become links in Discord and GFM; a zero-width space after the scheme or "www" stops that.
AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)")
ZERO_WIDTH_SPACE = "\u200b"
# A square bracket that Markdown would read: preceded by an even number of backslashes (none included).
LIVE_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")


def escape(text: str) -> str:
    """Return user text that Discord and CommonMark show as typed: no formatting, links, mentions or headings."""
    flat = " ".join(text.split())
    flat = MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)
    flat = AUTOLINK.sub(ZERO_WIDTH_SPACE, flat)
    return flat.replace("@", "@" + ZERO_WIDTH_SPACE)


def escape_links(markdown: str) -> str:
    """Return Markdown in which no masked link, [text](url), can form: every bracket it would read is escaped.

    For text already escaped otherwise (discord.utils.escape_markdown leaves most masked links live), so that a link
    in a document or a member's words never shows words of their choosing in place of the address it opens.
    """
    return LIVE_BRACKET.sub(lambda m: m.group(1) + "\\" + m.group(2), markdown)


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Return user text on one line, cut between words to about `limit` characters with an ellipsis, and escaped."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        cut = flat.rfind(" ", 0, limit)
        flat = flat[: cut if cut > limit // 2 else limit].rstrip() + "…"
    return escape(flat)


def quote_block(text: str) -> str:
    """Return a member's text as a Markdown quote, line by line, escaped so it cannot pass for Crux's own words.

    Links, masked links, mentions and formatting show as typed; blank lines are kept inside the quote.
    """
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {escape(line)}" if line.strip() else ">" for line in lines)


def markdown_url(url: str) -> str:
    """Return a URL that is safe as a Markdown link destination (spaces and parentheses would end it early)."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def paginate(lines: list[str], limit: int = PAGE_CHARS) -> list[str]:
    """Join lines into pages of at most `limit` characters, never splitting a line (a longer line is cut)."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and size + len(line) + 1 > limit:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current or not pages:
        pages.append("\n".join(current))
    return pages
