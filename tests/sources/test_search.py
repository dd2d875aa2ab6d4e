"""Query cleaning, the FTS5 keyword expression, rank fusion and the in-memory dense index."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bot.db import open_database
from bot.db.sources import SourceStore, Vectors
from bot.errors import BadQuery
from bot.sources.documents import parse_document, split_excerpts
from bot.sources.search import (
    MAX_QUERY_CHARS,
    DenseIndex,
    clean_query,
    keyword_expression,
    keyword_terms,
    rarest_terms,
    reciprocal_rank_fusion,
)

# --- clean_query ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "The query is empty"),
        ("   \t\n\r\n ", "The query is empty"),
        ("a" * (MAX_QUERY_CHARS + 1), f"The query is {MAX_QUERY_CHARS + 1} characters long; keep it under"),
        ("pause\x00verification", "contains control characters"),
        ("\x1b[31mred\x1b[0m", "contains control characters"),
        ("pause\x08", "contains control characters"),
    ],
    ids=["empty", "whitespace", "too long", "NUL", "escape sequence", "backspace"],
)
def test_clean_query_rejects_unusable_queries(query: str, reason: str) -> None:
    """An empty, over-long or control-character query raises BadQuery saying what is wrong."""
    with pytest.raises(BadQuery, match=re.escape(reason)) as caught:
        clean_query(query)
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("query", "cleaned"),
    [
        ("  how  would\n\ta pause\r\nbe verified?  ", "how would a pause be verified?"),
        ("pause", "pause"),
        ("a" * MAX_QUERY_CHARS, "a" * MAX_QUERY_CHARS),
        ("ab" + " " * 600 + "cd", "ab cd"),
    ],
    ids=["mixed whitespace", "one word", "at the limit", "spaces not counted"],
)
def test_clean_query_collapses_whitespace(query: str, cleaned: str) -> None:
    """Runs of spaces, tabs and newlines become one space, and only the cleaned length counts toward the limit."""
    assert clean_query(query) == cleaned


# --- keyword_expression -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("How would a pause be verified?", '"pause" OR "verified"'),
        ("Pause PAUSE pause", '"pause"'),
        ("x 5 AI", '"5" OR "ai"'),
        ("what is the point of it all", '"point"'),
        ("what is the", None),
        ("?! ... --", None),
    ],
    ids=[
        "content words",
        "case and repeats",
        "single letters dropped, digits kept",
        "stopwords dropped",
        "only stopwords",
        "no words",
    ],
)
def test_keyword_expression_keeps_quoted_content_words(query: str, expression: str | None) -> None:
    """Each distinct content word is quoted and OR-ed; a query with no content word gives None."""
    assert keyword_expression(query) == expression


HOSTILE = [
    "NEAR(pause verification",
    "pause*",
    'pause "unbalanced',
    "text: col:pause",
    "AND OR NOT pause",
    "pause AND",
    "^pause -treaty +verification",
    "{text} : pause",
    "pause__ __ _",
    "na\u00efve \u00b2 pause",
]


@pytest.fixture
def populated_store() -> SourceStore:
    """Return a store holding one short document about a pause, with dummy vectors."""
    store = SourceStore(open_database(":memory:"))
    parsed = parse_document("pause.txt", b"A pause needs verification.\nA treaty could enforce it on every lab.")
    chunks = split_excerpts(parsed.text)
    vectors = [Vectors(np.ones(4, np.float32), np.ones((len(c.sentences), 4), np.float32)) for c in chunks]
    store.save_document(parsed, chunks, vectors, model="dummy", added_by="tests")
    return store


@pytest.mark.parametrize("query", HOSTILE)
def test_fts_syntax_in_a_query_is_searched_as_plain_words(populated_store: SourceStore, query: str) -> None:
    """FTS5 operators typed by a member raise no error and the query's words still find the excerpt."""
    expression = keyword_expression(query)
    assert expression is not None
    assert len(populated_store.keyword_search(expression, 10)) == 1


# --- reciprocal_rank_fusion -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rankings", "weights", "k", "expected"),
    [
        ([], None, 60, []),
        ([[], []], None, 60, []),
        ([[7, 3, 5]], None, 60, [(7, 1 / 61), (3, 1 / 62), (5, 1 / 63)]),
        ([[1, 2], [2, 3]], None, 60, [(2, 1 / 62 + 1 / 61), (1, 1 / 61), (3, 1 / 62)]),
        ([[1, 2], [2, 1]], None, 60, [(1, 1 / 61 + 1 / 62), (2, 1 / 62 + 1 / 61)]),
        ([[1, 2], [2, 1]], [1.0, 0.5], 60, [(1, 1 / 61 + 0.5 / 62), (2, 1 / 62 + 0.5 / 61)]),
        ([[1, 2], [2, 1]], [0.5, 1.0], 60, [(2, 0.5 / 62 + 1 / 61), (1, 0.5 / 61 + 1 / 62)]),
        ([[1, 2, 3], [3]], [1.0, 0.5], 60, [(3, 1 / 63 + 0.5 / 61), (1, 1 / 61), (2, 1 / 62)]),
        ([[1, 2], [2]], None, 1, [(2, 1 / 3 + 1 / 2), (1, 1 / 2)]),
    ],
    ids=[
        "no rankings",
        "empty rankings",
        "one ranking keeps its order",
        "agreement beats one first place",
        "tie keeps first ranking's order",
        "heavier first ranking wins",
        "heavier second ranking wins",
        "half weight does not lift a third place",
        "small k",
    ],
)
def test_reciprocal_rank_fusion(
    rankings: list[list[int]], weights: list[float] | None, k: int, expected: list[tuple[int, float]]
) -> None:
    """Each id scores the weighted sum of 1 / (k + rank) over the rankings, best first, ties in first-seen order."""
    fused = reciprocal_rank_fusion(rankings, weights, k=k)
    assert [item for item, _ in fused] == [item for item, _ in expected]
    assert [score for _, score in fused] == pytest.approx([score for _, score in expected])


def test_reciprocal_rank_fusion_rejects_a_weight_count_that_does_not_match() -> None:
    """Passing a different number of weights than rankings is an error, not a silent truncation."""
    with pytest.raises(ValueError, match="zip"):
        reciprocal_rank_fusion([[1], [2]], [1.0])


# --- DenseIndex ------------------------------------------------------------------------------------------------


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def index() -> DenseIndex:
    """Return an index of three excerpts pointing along x, y and between them."""
    index = DenseIndex()
    index.reset(np.array([10, 20, 30]), np.stack([_unit(1, 0), _unit(0, 1), _unit(1, 1)]))
    return index


def test_empty_index_finds_nothing() -> None:
    """Searching an index that holds nothing returns no ids."""
    assert DenseIndex().top(_unit(1, 0), 5) == []
    assert len(DenseIndex()) == 0


def test_top_returns_the_most_similar_first_with_cosine(index: DenseIndex) -> None:
    """The k nearest ids come back best first, each with its cosine similarity to the query."""
    top = index.top(_unit(1, 0), 2)
    assert [i for i, _ in top] == [10, 30]
    assert [s for _, s in top] == pytest.approx([1.0, np.sqrt(0.5)])


def test_top_with_k_larger_than_the_index_returns_everything_ranked(index: DenseIndex) -> None:
    """Asking for more ids than the index holds returns all of them, best first."""
    assert [i for i, _ in index.top(_unit(0, 1), 50)] == [20, 30, 10]


def test_reset_replaces_the_whole_index(index: DenseIndex) -> None:
    """After a reset only the new ids can be found."""
    index.reset(np.array([99]), np.stack([_unit(1, 0)]))
    assert len(index) == 1
    assert index.top(_unit(0, 1), 5) == [(99, pytest.approx(0.0, abs=1e-6))]


def test_reset_to_empty_finds_nothing(index: DenseIndex) -> None:
    """Resetting with no vectors empties the index."""
    index.reset(np.empty(0, np.int64), np.empty((0, 0), np.float32))
    assert index.top(_unit(1, 0), 3) == []


def test_update_removes_ids(index: DenseIndex) -> None:
    """A removed id is never returned again."""
    index.update([10], [], np.empty((0, 0), np.float32))
    assert [i for i, _ in index.top(_unit(1, 0), 5)] == [30, 20]


def test_update_adds_ids(index: DenseIndex) -> None:
    """An added id is found at its rank among the others."""
    index.update([], [40], _unit(1, 0.1)[None, :])
    assert [i for i, _ in index.top(_unit(1, 0), 5)] == [10, 40, 30, 20]


def test_update_removes_and_adds_in_one_swap(index: DenseIndex) -> None:
    """Replacing excerpts drops the old ids and adds the new ones together."""
    index.update([10, 30], [41, 42], np.stack([_unit(1, 0), _unit(-1, 0)]))
    assert [i for i, _ in index.top(_unit(1, 0), 5)] == [41, 20, 42]


def test_update_on_an_empty_index_adds(index: DenseIndex) -> None:
    """Adding to an empty index, or to one emptied by removal, makes the new ids searchable."""
    fresh = DenseIndex()
    fresh.update([], [5], _unit(0, 1)[None, :])
    index.update([10, 20, 30], [], np.empty((0, 0), np.float32))
    index.update([], [6], _unit(0, 1)[None, :])
    assert [i for i, _ in fresh.top(_unit(0, 1), 3)] == [5]
    assert [i for i, _ in index.top(_unit(0, 1), 3)] == [6]


# --- pruned keyword search and cached scoping masks ---------------------------------------------------------------


def test_rarest_terms_keep_the_rarest_words_within_the_budget() -> None:
    """Words are kept rarest first while their counts fit; the rarest always; words in no excerpt never."""
    counts = {"pause": 900, "verification": 3, "treaty": 40, "absent": 0}
    assert rarest_terms(counts, budget=50) == ["verification", "treaty"]
    assert rarest_terms(counts, budget=1) == ["verification"]
    assert rarest_terms({"pause": 900}, budget=10) == ["pause"]
    assert rarest_terms({"absent": 0}) == []


def test_pruned_keyword_search_finds_the_one_excerpt_with_the_rare_word() -> None:
    """Among many excerpts sharing the common words, the one holding a query's only rare word is found first."""
    store = SourceStore(open_database(":memory:"))
    filler = "\n".join(f"Labs should pause training and debate the pause number {i} today." for i in range(60))
    text = filler + "\nLabs should pause training until inspectors verify the moratorium."
    parsed = parse_document("many.txt", text.encode())
    chunks = split_excerpts(parsed.text)
    vectors = [Vectors(np.ones(4, np.float32), np.ones((len(c.sentences), 4), np.float32)) for c in chunks]
    store.save_document(parsed, chunks, vectors, model="dummy", added_by="tests")
    words = keyword_terms("should labs pause training under a moratorium?")
    kept = rarest_terms(store.term_counts(words), budget=5)
    assert kept == ["moratorium"]
    expression = keyword_expression(kept)
    assert expression is not None
    best = store.keyword_search(expression, 3)
    assert len(best) == 1
    assert "moratorium" in store.excerpts([best[0][0]])[best[0][0]].text


def test_term_counts_are_recounted_after_a_write() -> None:
    """The cached count of a word changes once a document adding it is stored."""
    store = SourceStore(open_database(":memory:"))
    assert store.term_counts(["moratorium"]) == {"moratorium": 0}
    parsed = parse_document("m.txt", b"A moratorium on training runs is what the letter asks for, for six months.")
    chunks = split_excerpts(parsed.text)
    vectors = [Vectors(np.ones(4, np.float32), np.ones((len(c.sentences), 4), np.float32)) for c in chunks]
    store.save_document(parsed, chunks, vectors, model="dummy", added_by="tests")
    assert store.term_counts(["moratorium"]) == {"moratorium": 1}


def test_scoping_holds_across_updates_with_cached_masks() -> None:
    """A server sees shared rows and its own, never another's, before and after the index changes."""
    index = DenseIndex()
    index.reset(np.array([1, 2, 3]), np.stack([_unit(1, 0), _unit(1, 0.1), _unit(1, 0.2)]), np.array([0, 5, 6]))
    assert [i for i, _ in index.top(_unit(1, 0), 10, 5)] == [1, 2]
    assert [i for i, _ in index.top(_unit(1, 0), 10, 6)] == [1, 3]
    assert [i for i, _ in index.top(_unit(1, 0), 10, None)] == [1]
    index.update([1], [4], _unit(1, 0)[None, :], owner=6)
    assert [i for i, _ in index.top(_unit(1, 0), 10, 5)] == [2]
    assert [i for i, _ in index.top(_unit(1, 0), 10, 6)] == [4, 3]
    assert not index.covers(None)
    assert index.covers(5)
    index.update([2], [], np.empty((0, 0), np.float32))
    assert index.top(_unit(1, 0), 10, 5) == []
    assert not index.covers(5)
