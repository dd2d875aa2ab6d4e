"""The digest as Markdown: every line grounded, every quote the debate's own, hostile text inert, empty debates."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from bot.summary import render_summary, summarise, summary_pages
from tests.summary.conftest import DISCORD, Builder, items, quoted, unescape, unit

# -- grounding and escaping -------------------------------------------------------------------------------------------


def test_every_line_links_to_an_argument_or_names_a_source(debate) -> None:
    """Each non-blank, non-heading line has a Discord jump link or a source title with its paragraph."""
    b, _, vectors = debate
    debate_map = b.map()
    text = render_summary(summarise(debate_map, vectors))
    titles = {c.document_title for c in debate_map.citations}
    for line in items(text):
        names_source = "paragraph" in line and any(title in unescape(line) for title in titles)
        assert DISCORD in line or names_source, line


def test_every_quote_is_text_the_debate_contains(debate) -> None:
    """Every quoted fragment, unescaped, is part of an argument's text or of a cited source sentence."""
    b, _, vectors = debate
    debate_map = b.map()
    text = render_summary(summarise(debate_map, vectors))
    said = [" ".join(a.text.split()) for a in debate_map.arguments] + [c.sentence for c in debate_map.citations]
    fragments = quoted(text)
    assert len(fragments) > 10
    for fragment in fragments:
        assert any(fragment in whole for whole in said), fragment


HOSTILE = (
    "@everyone $motion read [this](http://evil.example) and `rm -rf` <@123> **now**\n# Owned\n- fake item ||spoiler|| "
    "https://evil.example/x www.evil.example <t:1:R> _x_ ~~y~~ $motion"
)


def test_hostile_text_cannot_link_mention_or_format() -> None:
    """Mentions, masked links, bare URLs, code, emphasis and headings in member text come out as plain text."""
    b = Builder()
    target = b.post("pro", HOSTILE, "@here")
    attacker = b.answer("attacks", target, HOSTILE + " again", "[admin](http://evil.example)")
    text = render_summary(summarise(b.map(), {target.id: unit(1), attacker.id: unit(1, 0.1)}))
    tokens = [t for block in MarkdownIt("commonmark").parse(text) for t in [block, *(block.children or [])]]
    links = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert links
    assert all(str(href).startswith("https://discord.com/channels/") for href in links)
    assert not {t.type for t in tokens} & {"code_inline", "em_open", "strong_open", "s_open", "html_inline"}
    assert all(f"{DISCORD}" in line for line in items(text))
    assert not [line for line in text.splitlines() if line.startswith(("#", "- fake")) and "Owned" in line]
    for forbidden in ("@everyone", "@here", "://evil", "www.evil", "](http://"):
        assert forbidden not in text
    ours = re.sub(r"\[[\w# ]+\]\(https://discord\.com/channels/[\d/]+\)", "", text)
    assert not re.search(r"(?<!\\)[<`*_~|\[\]]", ours)  # every other Markdown character is escaped
    assert any(HOSTILE.split("\n")[0] in fragment for fragment in quoted(text))


# -- empty debates ----------------------------------------------------------------------------------------------------


def test_an_empty_debate_renders_a_short_nothing_yet_digest() -> None:
    """With no arguments the digest is the title and one line linking both threads, on one page."""
    b = Builder()
    b.post("pro", "hi", kind="comment")
    summary = summarise(b.map(), {})
    text = render_summary(summary)
    assert summary.empty
    assert len(items(text)) == 1
    assert "Nothing has been argued yet" in text
    assert "(https://discord.com/channels/1/10)" in text
    assert "(https://discord.com/channels/1/20)" in text
    assert summary_pages(summary) == [text.strip()]
