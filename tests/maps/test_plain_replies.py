"""Plain replies (responds_to) on the map: nested as ↩ in the tree and Markdown, listed apart in Argdown and AIF."""

from __future__ import annotations

import json

import pytest

from bot.maps.image import render_map
from bot.maps.tree import side_tree
from tests.maps.test_exports import Sample, _as_relations, _export, _markdown, _new_sample, _parse_argdown
from tests.maps.test_image import Built


@pytest.fixture
def replied() -> Sample:
    """Build a debate where #2 supports #1, #3 only replies to #1, and #4 attacks the reply #3."""
    built = _new_sample()
    one = built.add("pro", "amy", "A pause gives safety research time to catch up with capabilities.")
    two = built.add("pro", "bo", "Interpretability lags years behind, so the time is needed.")
    three = built.add("con", "cy", "Which safety research do you mean exactly, and who would fund it?")
    four = built.add("pro", "di", "That question ignores the labs' own safety teams.")
    built.store.link(two, one, "supports", "reply", None)
    built.store.link(three, one, "responds_to", "reply", None)
    built.store.link(four, three, "attacks", "reply", None)
    return built


def test_the_tree_nests_a_plain_reply_under_what_it_answers(replied: Sample) -> None:
    """A responds_to link nests the reply under its target, and answers to the reply nest under it."""
    rows = [(line.depth, line.relation, line.argument.number) for line in side_tree(replied.map(), "pro")]
    assert rows == [(0, None, 1), (1, "supports", 2), (1, "responds_to", 3), (2, "attacks", 4)]


def test_markdown_marks_a_plain_reply_with_a_return_arrow(replied: Sample) -> None:
    """The Markdown export nests the reply under its target, signed ↩, with its own answers beneath it."""
    _, items = _markdown(_export(replied, "markdown"))
    reply = next(item for item in items if item.text.startswith("↩ #3"))
    assert reply.parent is not None
    assert reply.parent.text.startswith("#1 ")
    assert any(item.parent is reply and "#4" in item.text for item in items)


def test_argdown_keeps_every_statement_and_notes_the_reply(replied: Sample) -> None:
    """Argdown has no neutral relation: the reply is its own statement, noted in a comment, with no relation."""
    text = _export(replied, "argdown")
    parsed = _parse_argdown(text)
    assert parsed["errors"] == []
    assert set(parsed["statements"]) == {"#1", "#2", "#3", "#4"}
    assert _as_relations(parsed) == {(2, 1, "supports"), (4, 3, "attacks")}
    assert "// #3 replies to #1" in text


def test_aif_leaves_a_plain_reply_out_and_json_keeps_it(replied: Sample) -> None:
    """AIF has no scheme for a plain reply, so it makes no S-node; the JSON export carries it as responds_to."""
    aif = json.loads(_export(replied, "aif"))
    assert sorted(node["type"] for node in aif["nodes"] if node["type"] != "I") == ["CA", "RA"]
    links = json.loads(_export(replied, "json"))["links"]
    assert {"from": 3, "to": 1, "relation": "responds_to"}.items() <= next(x for x in links if x["from"] == 3).items()


def test_the_map_image_draws_a_plain_reply() -> None:
    """A picture of a map with a plain reply draws its edge along with the support."""
    built = Built()
    one = built.add("pro", "A pause gives safety research time to catch up with capabilities.")
    built.add("pro", "Interpretability still cannot explain what large models compute.", ("supports", one))
    built.add("con", "Which research, and who pays for it?", ("responds_to", one))
    picture = render_map(built.map())
    assert (picture.nodes, picture.edges) == (3, 2)
