"""Exports of a debate's map: the JSON schema, Markdown nesting, AIF structure, and Argdown read by the real parser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from markdown_it import MarkdownIt

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.debates.hinges import Hinges
from bot.debates.marks import debate_hinges
from bot.debates.model import Argument, DebateMap, Side
from bot.debates.service import load_map
from bot.errors import CruxError
from bot.maps.exports import FORMATS, export_map
from bot.maps.tree import MAX_TREE_DEPTH
from tests.conftest import ROOT

ARGDOWN_DIR = ROOT / "tests" / "argdown"
PRO_THREAD, CON_THREAD = 111, 222
MOTION = "This server supports a six-month pause on training AI systems more capable than GPT-4."

# The sample debate: (number, side, author, text). Number 11 is deleted after it is linked, voted on and cited.
SAMPLE = [
    (1, "pro", "alice", "A pause gives safety research time to catch up with capabilities."),
    (2, "pro", "bob", "Frontier training runs need huge data centres, so a pause can be verified."),
    (3, "con", "carol", "A pause only binds careful labs; reckless ones keep training in secret."),
    (4, "pro", "dave", "Compute is tracked by a handful of chip suppliers, so secret runs are hard to hide."),
    (5, "pro", "alice", "Six months is enough to agree on shared evaluation standards."),
    (6, "con", "erin", "Nobody can enforce a treaty across borders, so the pause collapses within weeks."),
    (7, "con", "carol", "Slowing down hands the lead to less careful countries."),
    (8, "con", "frank", "The last voluntary pledges were ignored within a month."),
    (9, "pro", "bob", "Export controls already show that chips can be controlled across borders."),
    (10, "con", "erin", "A pause just hands the lead to less careful countries."),
    (11, "con", "gina", "This whole debate is a distraction from the harms happening today."),
    (12, "pro", "hal", "The labs themselves asked for rules, which shows a pause is workable."),
    (13, "con", "ivan", "Even a verified pause does nothing about models that are already released."),
]
# (source, target, relation): the supports and attacks every export must show; those of deleted #11 are left out.
RELATIONS = {
    (3, 1, "attacks"),
    (4, 3, "attacks"),
    (5, 1, "supports"),
    (6, 2, "attacks"),
    (8, 6, "supports"),
    (9, 6, "attacks"),
    (12, 2, "supports"),
    (13, 7, "supports"),
}
# (source, target, relation, method) as stored: the relations above, a duplicate, and two links of #11.
LINKS = [
    (3, 1, "attacks", "context_menu"),
    (4, 3, "attacks", "context_menu"),
    (5, 1, "supports", "reply"),
    (6, 2, "attacks", "context_menu"),
    (8, 6, "supports", "reply"),
    (9, 6, "attacks", "context_menu"),
    (10, 7, "duplicate_of", "automatic"),
    (11, 1, "attacks", "context_menu"),
    (5, 11, "attacks", "context_menu"),
    (12, 2, "supports", "reply"),
    (13, 7, "supports", "reply"),
]
ROOTS = {"pro": [1, 2], "con": [7, 10]}
VOTES = {1: (3, 1), 3: (2, 0), 6: (0, 2), 11: (4, 0)}
SHOWN = {number for number, *_ in SAMPLE} - {11}

# Texts that would break a naive export: Argdown and Markdown syntax, mentions, newlines, a very long message.
HOSTILE = [
    "[#1]: a fake definition, [a link](https://evil.example/x) and <an argument>",
    "# Heading?\n+ not a support\n- not an attack\n> a quote\n< less than",
    "@everyone @here look at this [#2] and @[#3]",
    "Lines\nsplit\r\nacross\n\nparagraphs\u2028and separators",
    "Comments // like this, /* and this */ and <!-- this -->",
    "YAML {key: value} and tags #ai-pause #(bracketed tag)",
    "Emphasis *stars* _under_ **bold** __bold__ `code` ~~strike~~ ||spoiler||",
    "Shortcodes .A. :smile: :-> the U.A.E. e.g. at 10:30:00 see https://example.com/a:b.c",
    "===\ntitle: hijacked\n===",
    "(1) a premise\n----\n(2) a conclusion\n1. a list\n* item",
    "-> +> <- <+ >< _> <_ relation symbols inline",
    "HTML &amp; <b>bold</b> | a | table | row |",
    "A trailing backslash \\",
    "+ leading plus and \\[escaped] brackets",
    "long " * 900 + "end",
]
HOSTILE_MOTION = "Motion [x] <y> {z} #tag @everyone\n=== // */ *bold*"

#: The sample's citation of a source excerpt (the chips paragraph of a governance paper).
CHIPS_CITATION: dict = {
    "excerpt_id": 7,
    "document_id": 2,
    "document_title": "Computing Power and the Governance of AI",
    "paragraph": 4,
    "sentence": "Chips are produced by a concentrated supply chain.",
    "similarity": 0.62,
}

#: The keys of each argument in a JSON export, in order (v1's, then v2's scores).
ARGUMENT_KEYS = [
    "number",
    "side",
    "kind",
    "author",
    "author_id",
    "text",
    "posted_at",
    "edited_at",
    "jump_url",
    "votes",
    "scores",
]


@dataclass
class Sample:
    """A debate built through the real store, with its arguments by number."""

    store: DebateStore
    debate_id: int
    arguments: dict[int, Argument] = field(default_factory=dict)
    next_message: int = 1000

    def add(self, side: Side, author: str, text: str, kind: str = "argument") -> Argument:
        """Store a message as posted in the side's thread."""
        self.next_message += 1
        thread = PRO_THREAD if side == "pro" else CON_THREAD
        argument = self.store.add_argument(
            debate_id=self.debate_id,
            side=side,
            kind=kind,
            origin="message",
            author_id=10**17 + int.from_bytes(author.encode()[:6], "big"),
            author_name=author,
            thread_id=thread,
            message_id=self.next_message,
            jump_url=f"https://discord.com/channels/1/{thread}/{self.next_message}",
            text=text,
            posted_at=datetime(2025, 3, 1, 12, self.next_message % 60, tzinfo=UTC),
        )
        if argument.number is not None:
            self.arguments[argument.number] = argument
        return argument

    def map(self) -> DebateMap:
        """Read the debate's map back from storage."""
        return load_map(self.store, self.store.debate(self.debate_id))


def _new_sample(motion: str = MOTION) -> Sample:
    store = DebateStore(open_database(":memory:"))
    debate = store.create_debate(1, 10, "text", motion, 99, {"pro": PRO_THREAD, "con": CON_THREAD})
    return Sample(store, debate.id)


@pytest.fixture(scope="module")
def sample() -> Sample:
    """Build the pause debate: 13 numbered arguments (one deleted), a comment, links, votes and citations."""
    built = _new_sample()
    for number, side, author, text in SAMPLE:
        if number == 6:
            built.add("pro", "zed", "lol +1", kind="comment")
        assert built.add(side, author, text).number == number  # type: ignore[arg-type]
    arguments = built.arguments
    for source, target, relation, method in LINKS:
        built.store.link(arguments[source], arguments[target], relation, method, None)  # type: ignore[arg-type]
    for number, (up, down) in VOTES.items():
        for voter in range(up):
            built.store.set_vote(arguments[number], 500 + voter, 1)
        for voter in range(down):
            built.store.set_vote(arguments[number], 600 + voter, -1)
    cited = built.store.add_citation(arguments[4], **CHIPS_CITATION)
    built.store.confirm_citation(cited, arguments[4].author_id)
    built.store.add_citation(
        arguments[11],
        excerpt_id=8,
        document_id=3,
        document_title="Deleted argument's source",
        paragraph=1,
        sentence="Never shown.",
        similarity=0.5,
    )
    built.store.mark_deleted(arguments[11], datetime(2025, 3, 2, 9, tzinfo=UTC))
    return built


@pytest.fixture(scope="module")
def hostile() -> Sample:
    """Build a debate whose motion and arguments are hostile texts, each supporting or attacking the one before."""
    built = _new_sample(motion=HOSTILE_MOTION)
    previous = None
    for i, text in enumerate(HOSTILE):
        argument = built.add("pro" if i % 3 else "con", f"user{i}", text)
        if previous is not None:
            built.store.link(argument, previous, "supports" if i % 2 else "attacks", "context_menu", 5)
        previous = argument
    return built


@pytest.fixture(scope="module")
def cycle() -> Sample:
    """Build a debate where #2 and #3 support each other, #4 attacks #3, so no root reaches them; #1 supports itself."""
    built = _new_sample()
    one, two, three, four = (built.add("pro", "amy", f"Argument number {n} of a cycle.") for n in range(1, 5))
    built.store.link(two, three, "supports", "reply", None)
    built.store.link(three, two, "supports", "reply", None)
    built.store.link(four, three, "attacks", "context_menu", None)
    built.store.link(one, one, "supports", "reply", None)
    return built


def _export(built: Sample, fmt: str) -> str:
    return export_map(built.map(), fmt)[1]


def _relations_of(built: Sample) -> set[tuple[int, int, str]]:
    """Return the map's supports and attacks between shown arguments, by number."""
    numbers = {a.id: a.number for a in built.map().arguments if a.number is not None}
    return {
        (numbers[link.source_id], numbers[link.target_id], link.relation)
        for link in built.map().links
        if link.relation != "duplicate_of" and link.source_id in numbers and link.target_id in numbers
    }


# -- the Argdown parser -----------------------------------------------------------------------------------------------


def _parse_argdown(text: str) -> dict[str, Any]:
    """Run the official Argdown parser (tests/argdown/parse.mjs) on a text and return what it understood."""
    node = shutil.which("node")
    if node is None or not (ARGDOWN_DIR / "node_modules" / "@argdown" / "core").is_dir():
        pytest.fail("The Argdown parser is not installed: run `npm ci --prefix tests/argdown` (needs Node.js).")
    done = subprocess.run(
        [node, str(ARGDOWN_DIR / "parse.mjs")], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def parsed(sample: Sample) -> dict[str, Any]:
    """Return the sample debate's Argdown export as the parser read it."""
    return _parse_argdown(_export(sample, "argdown"))


@pytest.fixture(scope="module")
def parsed_hostile(hostile: Sample) -> dict[str, Any]:
    """Return the hostile debate's Argdown export as the parser read it."""
    return _parse_argdown(_export(hostile, "argdown"))


def _as_relations(found: dict[str, Any]) -> set[tuple[int, int, str]]:
    names = {"support": "supports", "attack": "attacks"}
    return {(int(r["from"][1:]), int(r["to"][1:]), names[r["type"]]) for r in found["relations"]}


# -- Markdown, read by a CommonMark parser ----------------------------------------------------------------------------


@dataclass
class Item:
    """A list item of a Markdown export, as a CommonMark parser nests it."""

    section: str
    depth: int
    text: str
    tokens: list[str]
    parent: Item | None = None


def _markdown(text: str) -> tuple[list[str], list[Item]]:
    """Return the headings and the list items of a Markdown text, each item linked to the item it is nested in."""
    # Deep reply chains nest deeper than the parser's default limit of 20.
    tokens = MarkdownIt("commonmark", {"maxNesting": 200}).enable(["strikethrough", "table"]).parse(text)
    headings: list[str] = []
    items: list[Item] = []
    open_items: list[Item] = []
    depth = 0
    for previous, token in zip([None, *tokens], tokens, strict=False):
        if token.type == "bullet_list_open":
            depth += 1
        elif token.type == "bullet_list_close":
            depth -= 1
            del open_items[depth:]
        elif token.type == "inline" and previous is not None and previous.type == "heading_open":
            headings.append(_plain(token))
        elif token.type == "inline" and depth > 0:
            parent = open_items[depth - 2] if depth > 1 else None
            item = Item(headings[-1], depth - 1, _plain(token), [c.type for c in token.children or []], parent)
            del open_items[depth - 1 :]
            open_items.append(item)
            items.append(item)
    return headings, items


def _plain(inline: Any) -> str:
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


MINUS = "\u2212"
ITEM = re.compile(
    rf"^(?:([+{MINUS}]) )?#(\d+)(?: \(see above\)| \(continued\)| (.*) \(👍 (\d+) · 👎 (\d+)\) jump)$", re.DOTALL
)


def _number(item: Item) -> int:
    found = ITEM.match(item.text)
    assert found, item.text
    return int(found.group(2))


# -- exporting --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("json", "debate-1.json"),
        ("markdown", "debate-1.md"),
        ("argdown", "debate-1.argdown"),
        ("aif", "debate-1.aif.json"),
        (" Markdown ", "debate-1.md"),
    ],
)
def test_file_name_names_the_debate_and_format(sample: Sample, fmt: str, name: str) -> None:
    """Each format gets a file name with the debate's id and its usual extension; the format name is forgiving."""
    assert export_map(sample.map(), fmt)[0] == name


def test_unknown_format_is_a_clear_crux_error(sample: Sample) -> None:
    """Asking for a format Crux cannot write raises a CruxError that names it and lists the formats."""
    with pytest.raises(CruxError, match="cannot export a map as 'pdf'") as raised:
        export_map(sample.map(), "pdf")
    assert "'pdf'" in raised.value.message
    assert all(fmt in raised.value.message for fmt in FORMATS)


# -- json -------------------------------------------------------------------------------------------------------------


def test_json_round_trips_in_the_documented_key_order(sample: Sample) -> None:
    """The JSON export parses back with the schema's keys in the documented order, text kept as written.

    Without hinges the v2 parts are there but null; tests/maps/test_export_v2.py checks them with hinges, and that the
    example in docs/map-schema.md has a real export's shape.
    """
    text = _export(sample, "json")
    document = json.loads(text)
    assert list(document) == [
        "schema",
        "debate",
        "arguments",
        "links",
        "citations",
        "ballots",
        "stances",
        "stance_changes",
        "crux_marks",
        "deltas",
        "scoring",
        "withheld",
    ]
    assert document["schema"] == "crux.debate-map/2"
    assert list(document["debate"]) == [
        "id",
        "number",
        "motion",
        "status",
        "kind",
        "created_at",
        "closed_at",
        "threads",
    ]
    assert document["debate"]["motion"] == MOTION
    assert document["debate"]["threads"] == {"pro": str(PRO_THREAD), "con": str(CON_THREAD)}
    assert [list(a) for a in document["arguments"]] == [ARGUMENT_KEYS] * len(document["arguments"])
    assert [list(link) for link in document["links"]] == [
        ["from", "to", "relation", "method", "made_by", "created_at"]
    ] * len(document["links"])
    assert json.dumps(document, ensure_ascii=False, indent=2) + "\n" == text


def test_json_links_refer_to_argument_numbers_present(sample: Sample) -> None:
    """Every link's ends are numbers of exported arguments; links to the deleted argument are left out."""
    document = json.loads(_export(sample, "json"))
    numbers = {a["number"] for a in document["arguments"] if a["number"] is not None}
    assert numbers == SHOWN
    links = {(link["from"], link["to"], link["relation"]) for link in document["links"]}
    assert links == RELATIONS | {(10, 7, "duplicate_of")}
    assert {link["method"] for link in document["links"]} == {"reply", "context_menu", "automatic"}


def test_json_flags_comments_and_leaves_out_deleted_arguments(sample: Sample) -> None:
    """The comment appears with kind 'comment' and no number; the deleted argument appears nowhere."""
    text = _export(sample, "json")
    comments = [a for a in json.loads(text)["arguments"] if a["kind"] == "comment"]
    assert [(c["number"], c["text"]) for c in comments] == [(None, "lol +1")]
    assert "distraction" not in text
    assert "Deleted argument" not in text


def test_json_carries_votes_citations_and_string_ids(sample: Sample) -> None:
    """Votes and citations are attached by number, and Discord ids are strings so JavaScript keeps them exact."""
    document = json.loads(_export(sample, "json"))
    by_number = {a["number"]: a for a in document["arguments"]}
    assert by_number[1]["votes"] == {"up": 3, "down": 1}
    assert by_number[6]["votes"] == {"up": 0, "down": 2}
    assert by_number[5]["votes"] == {"up": 0, "down": 0}
    assert by_number[1]["author_id"] == str(sample.arguments[1].author_id)
    assert document["citations"] == [
        {
            "argument": 4,
            "status": "cited",
            "document_id": 2,
            "document_title": "Computing Power and the Governance of AI",
            "paragraph": 4,
            "sentence": "Chips are produced by a concentrated supply chain.",
            "similarity": 0.62,
        }
    ]


# -- markdown ---------------------------------------------------------------------------------------------------------


def test_markdown_nests_supports_and_attacks_under_their_targets(sample: Sample) -> None:
    """Each side lists its roots, with supports (+) and attacks (minus) nested under the arguments they answer."""
    _, items = _markdown(_export(sample, "markdown"))
    listed = [item for item in items if item.section in ("Pro", "Con")]
    roots = {side: [_number(i) for i in listed if i.section == side.title() and i.parent is None] for side in ROOTS}
    assert roots == ROOTS
    nested = set()
    for item in listed:
        if item.parent is not None:
            sign = ITEM.match(item.text).group(1)  # type: ignore[union-attr]
            nested.add((_number(item), _number(item.parent), "supports" if sign == "+" else "attacks"))
    assert nested == RELATIONS


def test_markdown_shows_votes_links_duplicates_and_sources(sample: Sample) -> None:
    """Items carry their votes and jump link; duplicates and cited sources follow the two sides."""
    text = _export(sample, "markdown")
    headings, items = _markdown(text)
    assert headings == [MOTION, "Pro", "Con", "Duplicates", "Sources"]
    first = next(item for item in items if item.text.startswith("#1 "))
    assert first.text == f"#1 {SAMPLE[0][3]} (👍 3 · 👎 1) jump"
    assert f"[jump]({sample.arguments[1].jump_url})" in text
    assert [i.text for i in items if i.section == "Duplicates"] == ["#10 repeats #7"]
    assert [i.text for i in items if i.section == "Sources"] == [
        (
            "#4 (cited): Computing Power and the Governance of AI, paragraph 4: "
            "“Chips are produced by a concentrated supply chain.”"
        )
    ]


def test_markdown_leaves_out_comments_and_deleted_arguments(sample: Sample) -> None:
    """Neither the comment nor the deleted argument, its links or its citation appear in Markdown."""
    text = _export(sample, "markdown")
    _, items = _markdown(text)
    assert {_number(i) for i in items if i.section in ("Pro", "Con")} == SHOWN
    assert "lol" not in text
    assert "distraction" not in text
    assert "Deleted argument" not in text


def test_hostile_text_keeps_markdown_structure(hostile: Sample) -> None:
    """Markup, mentions, newlines and long text stay literal text inside their own list item."""
    headings, items = _markdown(_export(hostile, "markdown"))
    assert headings == [" ".join(HOSTILE_MOTION.split()), "Pro", "Con"]
    texts = {_number(i): ITEM.match(i.text).group(3) for i in items}  # type: ignore[union-attr]
    assert texts == {n: " ".join(text.split()) for n, text in enumerate(HOSTILE, start=1)}
    for item in items:
        # Our own markup only: the bold number and the jump link, nothing the members wrote.
        assert item.tokens == ["text", "strong_open", "text", "strong_close", "text", "link_open", "text", "link_close"]


# -- aif --------------------------------------------------------------------------------------------------------------


def test_aif_scheme_nodes_join_exactly_two_information_nodes(sample: Sample) -> None:
    """Every RA and CA node has one edge in from an I-node and one edge out to an I-node."""
    aif = json.loads(_export(sample, "aif"))
    types = {n["nodeID"]: n["type"] for n in aif["nodes"]}
    for node_id, kind in types.items():
        if kind in ("RA", "CA"):
            incoming = [e["fromID"] for e in aif["edges"] if e["toID"] == node_id]
            outgoing = [e["toID"] for e in aif["edges"] if e["fromID"] == node_id]
            assert [types[i] for i in incoming] == ["I"]
            assert [types[i] for i in outgoing] == ["I"]
    assert all("I" in (types[e["fromID"]], types[e["toID"]]) for e in aif["edges"])
    assert aif["locutions"] == []


def test_aif_matches_the_maps_supports_and_attacks(sample: Sample) -> None:
    """I-nodes are the shown arguments by number; RA nodes are the supports, CA nodes the attacks."""
    aif = json.loads(_export(sample, "aif"))
    nodes = {n["nodeID"]: n for n in aif["nodes"]}
    assert {int(i) for i, n in nodes.items() if n["type"] == "I"} == SHOWN
    assert nodes["1"]["text"] == SAMPLE[0][3]
    found = set()
    for node_id, node in nodes.items():
        if node["type"] in ("RA", "CA"):
            (source,) = (e["fromID"] for e in aif["edges"] if e["toID"] == node_id)
            (target,) = (e["toID"] for e in aif["edges"] if e["fromID"] == node_id)
            found.add((int(source), int(target), "supports" if node["type"] == "RA" else "attacks"))
            assert node["text"] == ("Default Inference" if node["type"] == "RA" else "Default Conflict")
    assert found == RELATIONS


def test_aif_ids_are_unique_strings(sample: Sample) -> None:
    """Node ids and edge ids are strings, each used once."""
    aif = json.loads(_export(sample, "aif"))
    node_ids = [n["nodeID"] for n in aif["nodes"]]
    edge_ids = [e["edgeID"] for e in aif["edges"]]
    assert all(isinstance(i, str) for i in node_ids + edge_ids)
    assert len(set(node_ids)) == len(node_ids)
    assert len(set(edge_ids)) == len(edge_ids)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", aif["nodes"][0]["timestamp"])


# -- argdown ----------------------------------------------------------------------------------------------------------


def test_argdown_parses_without_errors_into_numbered_statements(parsed: dict[str, Any]) -> None:
    """The Argdown parser reads the export without errors: one statement #n per shown argument, under the motion."""
    assert parsed["errors"] == []
    assert set(parsed["statements"]) == {f"#{n}" for n in SHOWN}
    assert parsed["title"] == MOTION
    assert parsed["sections"] == ["Pro", "Con"]


def test_argdown_relations_are_the_maps_supports_and_attacks(parsed: dict[str, Any]) -> None:
    """The relations the parser finds are exactly the map's supports and attacks, in the right direction."""
    assert _as_relations(parsed) == RELATIONS


def test_argdown_writes_each_text_once(sample: Sample, parsed: dict[str, Any]) -> None:
    """Each argument's text is defined once and read back unchanged; other mentions are bare [#n] references."""
    text = _export(sample, "argdown")
    for number in SHOWN:
        assert text.count(f"[#{number}]:") == 1
        assert parsed["statements"][f"#{number}"] == sample.arguments[number].text
    assert "lol" not in text
    assert "distraction" not in text


def test_hostile_text_keeps_argdown_structure(hostile: Sample, parsed_hostile: dict[str, Any]) -> None:
    """Argdown syntax in members' text is escaped: same statements, same relations, text read back as written."""
    assert parsed_hostile["errors"] == []
    assert parsed_hostile["statements"] == {f"#{n}": " ".join(t.split()) for n, t in enumerate(HOSTILE, start=1)}
    assert _as_relations(parsed_hostile) == _relations_of(hostile)
    assert parsed_hostile["title"] == " ".join(HOSTILE_MOTION.split())


def test_hostile_text_keeps_argdown_structure_with_tags(hostile: Sample) -> None:
    """With marks as tags after hostile texts, the parser still reads each text as written and only Crux's tags."""
    debate = hostile.store.debate(hostile.debate_id)
    hinges = debate_hinges(Hinges(hostile.store, HingeStore(hostile.store.db)).hinge_inputs(debate))
    parsed = _parse_argdown(export_map(hinges.inputs.debate_map, "argdown", hinges)[1])
    assert parsed["errors"] == []
    by_number = {a.number: a.id for a in hostile.arguments.values()}
    expected = {
        f"#{number}": [tag for tag in hinges.marks[row].tags() if tag != "stands"] for number, row in by_number.items()
    }
    assert parsed["tags"] == {title: tags for title, tags in expected.items() if tags}
    assert {"refuted", "contested"} & {tag for tags in expected.values() for tag in tags}
    for n, text in enumerate(HOSTILE, start=1):
        written = "".join(f" #{tag}" for tag in expected[f"#{n}"])
        assert parsed["statements"][f"#{n}"] == " ".join(text.split()) + written


def test_cycles_export_every_argument_and_relation_once(cycle: Sample) -> None:
    """Arguments that only answer each other in a cycle still appear, each once, with every relation."""
    parsed = _parse_argdown(_export(cycle, "argdown"))
    assert parsed["errors"] == []
    assert set(parsed["statements"]) == {"#1", "#2", "#3", "#4"}
    assert _as_relations(parsed) == _relations_of(cycle)
    _, items = _markdown(_export(cycle, "markdown"))
    assert sorted(_number(i) for i in items if "see above" not in i.text) == [1, 2, 3, 4]


def test_long_reply_chains_continue_in_new_trees() -> None:
    """A chain of replies deeper than MAX_TREE_DEPTH is cut into trees the parsers read, keeping every relation."""
    built = _new_sample()
    previous = built.add("pro", "amy", "The first argument of a long chain.")
    for n in range(2, 3 * MAX_TREE_DEPTH):
        argument = built.add("pro", "bo", f"Reply {n} in a long chain of replies.")
        built.store.link(argument, previous, "supports", "reply", None)
        previous = argument
    parsed = _parse_argdown(_export(built, "argdown"))
    assert parsed["errors"] == []
    assert _as_relations(parsed) == _relations_of(built)
    _, items = _markdown(_export(built, "markdown"))
    assert max(item.depth for item in items) == MAX_TREE_DEPTH
    nested = {(_number(item), _number(item.parent), "supports") for item in items if item.parent is not None}
    assert nested == _relations_of(built)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_debate_exports_in_every_format(fmt: str) -> None:
    """A debate without arguments still exports: an empty list of arguments, an empty AIF graph, valid Argdown."""
    text = _export(_new_sample(), fmt)
    if fmt == "json":
        assert json.loads(text)["arguments"] == []
    elif fmt == "aif":
        assert json.loads(text) == {"nodes": [], "edges": [], "locutions": []}
    elif fmt == "argdown":
        parsed = _parse_argdown(text)
        assert (parsed["errors"], parsed["statements"], parsed["relations"]) == ([], {}, [])
    else:
        assert _markdown(text)[0] == [MOTION, "Pro", "Con"]
