"""The digest in pages: within the limit, every item once, each page under the headings it continues."""

from __future__ import annotations

import numpy as np
import pytest

from bot.debates.model import Argument, DebateMap
from bot.summary import render_summary, summarise, summary_pages
from tests.summary.conftest import DIM, Builder, items, unit


def big_debate(count: int) -> tuple[DebateMap, dict[int, np.ndarray]]:
    """Return a debate of `count` arguments answering one another, with votes, citations and vectors."""
    b = Builder()
    arguments: list[Argument] = []
    vectors: dict[int, np.ndarray] = {}
    for i in range(count):
        text = f"Argument {i} on whether chips, audits or treaties could verify a pause, with a long tail " * 2
        if arguments and i % 3:
            target = arguments[(i * 7) % len(arguments)]
            argument = b.answer("supports" if i % 2 else "attacks", target, text, f"member{i % 9}")
        else:
            argument = b.post("pro" if i % 2 else "con", text, f"member{i % 9}")
        b.vote(argument, up=i % 4, down=i % 3 == 0)
        if i % 5 == 0:
            b.cite(argument, i % 4, i % 7, f"Sentence {i % 7} of the report.", confirm=i % 2 == 0)
        arguments.append(argument)
        vectors[argument.id] = unit(*np.cos(np.arange(DIM) * (i % 6)))
    return b.map(), vectors


@pytest.mark.parametrize("limit", [600, 1500, 3800])
def test_pages_fit_the_limit_and_keep_every_item(limit: int) -> None:
    """Every page is at most `limit` characters and the pages hold every item of the digest exactly once."""
    debate_map, vectors = big_debate(90)
    summary = summarise(debate_map, vectors)
    pages = summary_pages(summary, limit=limit)
    assert len(pages) > 1
    assert all(len(page) <= limit for page in pages)
    assert sorted(line for page in pages for line in items(page)) == sorted(items(render_summary(summary)))


def test_pages_repeat_the_headings_an_item_sits_under() -> None:
    """A page that starts mid-section opens with its side and section headings."""
    debate_map, vectors = big_debate(90)
    pages = summary_pages(summarise(debate_map, vectors), limit=1500)
    assert pages[0].startswith("# Debate")
    assert all(page.startswith("## ") for page in pages[1:])
    sides = [page for page in pages[1:] if page.startswith(("## Pro", "## Con"))]
    assert sides
    assert all(page.split("\n\n")[1].startswith("### ") for page in sides)
