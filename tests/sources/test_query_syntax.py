"""Free-text queries: punctuation, FTS5 syntax, control characters, surrogates or length give results or BadQuery."""

from __future__ import annotations

import re

import pytest

from bot.errors import BadQuery
from bot.sources.library import Library
from bot.sources.search import MAX_QUERY_CHARS, clean_query, keyword_expression

NOTE = b"Verification of a pause\nA pause needs verification.\nA treaty could enforce it on every lab.\n"

# What members typed in the probe: FTS5 operators, unbalanced quotes and brackets, column filters, odd Unicode.
SYNTAX = [
    '"',
    '""',
    '"pause',
    "pause*",
    "*",
    "NEAR(pause",
    "NEAR(pause verification, 2)",
    "pause AND OR NOT treaty",
    "AND",
    "NOT pause",
    "text:pause",
    "col:",
    "^pause",
    "pause)",
    "((pause",
    "{text} pause",
    "pause - + treaty",
    "pause; DROP TABLE excerpts; --",
    "pause' OR '1'='1",
    "\\pause\\",
    "pause\u00a0verification",
    "na\u00efve \u00b2 pause \u2460",
    "\u202epause",
    "pause\u200b\u200d",
    "\ufeffpause",
    "\U0001f914 pause?",
    "\u0130stanbul pause",
    "\ufdfa pause",
    "PAUSE verif\u0131cation",
]


@pytest.fixture
def noted(library: Library) -> Library:
    """Return the library holding one short note on verifying a pause."""
    library.add("note.txt", NOTE, added_by="tests")
    return library


@pytest.mark.parametrize("query", SYNTAX)
def test_search_syntax_is_only_words(noted: Library, query: str) -> None:
    """A query full of FTS5 syntax or odd Unicode searches without error and every mode finds the note."""
    for mode in ("hybrid", "dense", "keyword"):
        hits = noted.search(query, k=3, mode=mode)
        assert all(hit.excerpt.document_title == "Verification of a pause" for hit in hits)


@pytest.mark.parametrize("query", SYNTAX)
def test_every_keyword_reaches_fts5_quoted(query: str) -> None:
    """The keyword expression is a list of quoted strings joined by OR, with no quote left unpaired."""
    expression = keyword_expression(query)
    if expression is None:
        return
    for term in expression.split(" OR "):
        assert re.fullmatch(r'"(?:[^"]|"")+"', term), term


@pytest.mark.parametrize(
    "query",
    [
        "pause \udcff",  # `crux search "$(printf 'pause \xff')"`: Python turns the byte into a lone surrogate
        "\ud800",
        "pause \udfff verification",
        "\ud83d pause",  # half an emoji, as a broken client may send it in JSON
        "pause\x7f",
        "pause\x85verification",
        "pause\x9b31m",
        "\x0bpause",
        "pause\x00",
    ],
    ids=["surrogate from argv", "high surrogate", "low surrogate", "half emoji", "DEL", "NEL", "CSI", "VT", "NUL"],
)
def test_control_characters_and_lone_surrogates_are_refused(noted: Library, query: str) -> None:
    """A lone surrogate or any control character but tab and line breaks gives BadQuery, in clean_query and search."""
    with pytest.raises(BadQuery, match="contains control characters or broken Unicode"):
        clean_query(query)
    with pytest.raises(BadQuery, match="contains control characters or broken Unicode"):
        noted.search(query)


def test_a_100_kilobyte_query_is_refused_with_its_length(noted: Library) -> None:
    """A 100 kB query is refused at once, saying how long it is and what the limit is."""
    with pytest.raises(BadQuery, match=f"The query is 100,000 characters long; keep it under {MAX_QUERY_CHARS}"):
        noted.search("p" * 100_000)
    with pytest.raises(BadQuery, match="The query is 99,999 characters long"):
        clean_query("why " * 25_000)


def test_a_long_query_of_whitespace_is_empty_not_too_long() -> None:
    """Only the collapsed text counts toward the limit: 100 kB of spaces is an empty query."""
    with pytest.raises(BadQuery, match="The query is empty"):
        clean_query(" \t\n" * 33_000)
