"""The JSON export's version 2 (scores and their inputs), reading v1 and v2 back, and marks in Markdown and Argdown."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from math import sqrt
from typing import Any

import pytest

from bot.db.hinges import HingeStore
from bot.debates.hinges import Hinges
from bot.debates.marks import DebateHinges, debate_hinges
from bot.debates.standing import standing
from bot.errors import ExportError
from bot.maps.exports import HINGE_PARTS, MEMBER_PARTS, SCHEMA, export_map, read_map_export
from tests.conftest import ROOT
from tests.maps.test_exports import ARGUMENT_KEYS, CHIPS_CITATION, Sample, _markdown, _new_sample, _parse_argdown

V1_FIXTURE = ROOT / "tests" / "data" / "map-export-v1.json"
# (number, side, author, text). #3 ends in a backslash and holds a "#" that is the member's, not a tag.
ARGUMENTS = [
    (1, "pro", "alice", "A pause gives safety research time to catch up with capabilities."),
    (2, "con", "carol", "A pause only binds careful labs; reckless ones keep training in secret."),
    (3, "pro", "dave", "Compute is tracked by a few chip suppliers #not-a-tag, so secret runs are hard to hide \\"),
    (4, "con", "erin", "Six months is too short to agree on anything binding."),
    (5, "pro", "bob", "Six months is enough to agree on shared evaluation standards."),
]
# (source, target, relation, method, made by): #2 is refuted (#3 attacks it and stands); #4 and #5 are contested.
LINKS = [
    (2, 1, "attacks", "context_menu", "carol"),
    (3, 2, "attacks", "reply", None),
    (4, 5, "attacks", "author", "erin"),
    (5, 4, "attacks", "moderator", "mod"),
]
# Members' declared stances, in the order declared: pia changes her mind from 1 to 2; uma is unsure.
DECLARED = [("pia", 1), ("pete", 1), ("paz", 1), ("cam", -2), ("cody", -1), ("cruz", -1), ("uma", 0), ("pia", 2)]
# (member, argument, vote). Both sides approve #1 (common ground); the sides split on #3; vic only votes (inferred).
BALLOTS = [
    *((member, 1, 1) for member in ("pia", "pete", "paz", "cam", "cody", "cruz", "vic")),
    *((member, 3, 1) for member in ("pia", "pete", "paz", "vic")),
    *((member, 3, -1) for member in ("cam", "cody", "cruz")),
    ("pia", 2, -1),
]
# (member, argument): both sides mark #2 (a double crux); unsure uma marks #3; cody marks #5.
CRUX_MARKS = [("pia", 2), ("cam", 2), ("uma", 3), ("cody", 5)]
DELTA = ("cam", 1, "I thought a pause was only a delay, but safety research really does need that time to catch up.")
# What Argdown and Markdown show for each argument: "stands" is left out.
TAGS = {
    "#1": ["common-ground", "delta"],
    "#2": ["refuted", "crux", "double-crux"],
    "#3": ["crux"],
    "#4": ["contested"],
    "#5": ["contested", "crux"],
}
BADGES = {
    1: "🤝 common ground · Δ1",
    2: "🔴 refuted · 🎯 double crux",
    3: "🔑 crux",
    4: "🟡 contested",
    5: "🟡 contested · 🔑 crux",
}


def member(name: str) -> int:
    """Return a member's id as Sample.add makes an author's."""
    return 10**17 + int.from_bytes(name.encode()[:6], "big")


#: The top-level keys of a v2 document, in order.
DOCUMENT_KEYS = ["schema", "debate", "arguments", "links", "citations", *HINGE_PARTS, "scoring", "withheld"]


@dataclass
class Hinged:
    """The sample debate with its stances, ballots, crux marks and Δ, and the hinges computed from them."""

    sample: Sample
    hinges: DebateHinges

    def export(self, fmt: str, *, with_hinges: bool = True, members: bool = True) -> str:
        """Return the debate's export in a format, with or without its hinges (and members' private choices)."""
        hinges = self.hinges if with_hinges else None
        return export_map(self.hinges.inputs.debate_map, fmt, hinges, members=members)[1]

    def json(self, *, with_hinges: bool = True, members: bool = True) -> dict[str, Any]:
        """Return the JSON export, parsed."""
        return json.loads(self.export("json", with_hinges=with_hinges, members=members))


@pytest.fixture(scope="module")
def hinged() -> Hinged:
    """Build the debate through the real stores (with a citation) and compute its hinges as `crux export` does."""
    built = _new_sample()
    for _, side, author, text in ARGUMENTS:
        built.add(side, author, text)  # type: ignore[arg-type]
    arguments = built.arguments
    for source, target, relation, method, by in LINKS:
        built.store.link(arguments[source], arguments[target], relation, method, member(by) if by else None)
    store = HingeStore(built.store.db)
    for name, value in DECLARED:
        store.declare_stance(built.debate_id, member(name), value)
    for name, number, vote in BALLOTS:
        built.store.set_vote(arguments[number], member(name), vote)
    for name, number in CRUX_MARKS:
        store.mark_crux(arguments[number], member(name))
    store.award_delta(arguments[DELTA[1]], member(DELTA[0]), DELTA[2])
    built.store.add_citation(arguments[3], **CHIPS_CITATION)
    service = Hinges(built.store, store)
    return Hinged(built, debate_hinges(service.hinge_inputs(built.store.debate(built.debate_id))))


def _by_number(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {a["number"]: a for a in document["arguments"] if a["number"] is not None}


# -- what version 2 carries -------------------------------------------------------------------------------------------


def test_v2_keeps_v1_and_adds_scores_and_their_inputs(hinged: Hinged) -> None:
    """A v2 document has v1's keys in v1's order, then the hinge parts; each argument gains its scores last."""
    document = hinged.json()
    assert document["schema"] == SCHEMA == "crux.debate-map/2"
    assert list(document) == DOCUMENT_KEYS
    assert list(document["arguments"][0]) == ARGUMENT_KEYS
    assert document["scoring"] == {
        "min_voters_per_side": 3,
        "wilson_z": 1.96,
        "common_ground_score": 0.4,
        "standing": "grounded",
    }


def test_stances_say_which_were_declared_and_which_inferred(hinged: Hinged) -> None:
    """Declared stances keep their latest value and label; authors and voters who declared none are inferred."""
    stances = {s["member"]: s for s in hinged.json()["stances"]}
    assert {k: stances[str(member("pia"))][k] for k in ("value", "label", "side", "declared")} == {
        "value": 2,
        "label": "Strongly for",
        "side": "pro",
        "declared": True,
    }
    assert stances[str(member("uma"))]["side"] is None
    inferred = {name: stances[str(member(name))] for name in ("alice", "carol", "vic")}
    assert {name: (s["value"], s["side"], s["declared"]) for name, s in inferred.items()} == {
        "alice": (1, "pro", False),
        "carol": (-1, "con", False),
        "vic": (1, "pro", False),
    }
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", s["at"]) for s in stances.values())


def test_every_declared_stance_change_is_kept_in_order(hinged: Hinged) -> None:
    """Each declaration is a stance change with its time: pia's two appear, first 1 then 2."""
    changes = hinged.json()["stance_changes"]
    assert [(c["member"], c["value"]) for c in changes] == [(str(member(name)), value) for name, value in DECLARED]
    pia = [c for c in changes if c["member"] == str(member("pia"))]
    assert [c["label"] for c in pia] == ["For", "Strongly for"]
    assert pia[0]["declared_at"] <= pia[1]["declared_at"]


def test_links_carry_how_and_by_whom_they_were_made(hinged: Hinged) -> None:
    """Each link says whether a reply, a menu, the author or a moderator made it, and who (null for Crux)."""
    links = {(link["from"], link["to"]): (link["method"], link["made_by"]) for link in hinged.json()["links"]}
    assert links == {
        (source, target): (method, str(member(by)) if by else None) for source, target, _, method, by in LINKS
    }


def test_crux_marks_and_deltas_are_listed_with_who_and_when(hinged: Hinged) -> None:
    """Every crux mark names its member and argument; the Δ names giver, author, argument and explanation."""
    document = hinged.json()
    assert [(m["member"], m["argument"]) for m in document["crux_marks"]] == [
        (str(member(name)), number) for name, number in CRUX_MARKS
    ]
    (delta,) = document["deltas"]
    assert (delta["by"], delta["to"], delta["argument"], delta["explanation"]) == (
        str(member("cam")),
        str(member("alice")),
        1,
        DELTA[2],
    )
    assert delta["awarded_at"]


def test_ballots_are_every_members_vote_and_agree_with_the_counts(hinged: Hinged) -> None:
    """The ballots are each member's vote by argument number, and they add up to each argument's vote counts."""
    document = hinged.json()
    ballots = {(b["member"], b["argument"], b["vote"]) for b in document["ballots"]}
    assert ballots == {(str(member(name)), number, vote) for name, number, vote in BALLOTS}
    for number, argument in _by_number(document).items():
        cast = [b["vote"] for b in document["ballots"] if b["argument"] == number]
        assert argument["votes"] == {"up": cast.count(1), "down": cast.count(-1)}


def test_scores_show_standing_common_ground_cruxes_and_deltas(hinged: Hinged) -> None:
    """Per argument: its standing, votes by side, whether it is common ground, crux marks by side and Δ count."""
    scores = {number: a["scores"] for number, a in _by_number(hinged.json()).items()}
    assert {n: s["standing"] for n, s in scores.items()} == {
        1: "stands",
        2: "refuted",
        3: "stands",
        4: "contested",
        5: "contested",
    }
    assert scores[1]["votes_by_side"] == {"pro": {"agree": 4, "total": 4}, "con": {"agree": 3, "total": 3}}
    assert scores[1]["common_ground"] is True
    assert scores[1]["bridging"] == pytest.approx(0.4385, abs=1e-4)
    assert scores[3]["common_ground"] is False
    assert scores[3]["divisiveness"] == pytest.approx(3 / (3 + 1.96**2), abs=1e-9)
    assert scores[4]["bridging"] is None
    assert {n: (s["crux_marks"], s["double_crux"]) for n, s in scores.items() if any(s["crux_marks"].values())} == {
        2: ({"pro": 1, "con": 1, "other": 0}, True),
        3: ({"pro": 0, "con": 0, "other": 1}, False),
        5: ({"pro": 0, "con": 1, "other": 0}, False),
    }
    assert {n: s["deltas"] for n, s in scores.items()} == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0}


def _wilson_lower_bound(agree: int, total: int, z: float) -> float:
    """Return the Wilson score interval's lower bound, written out as docs/map-schema.md gives it."""
    if total == 0:
        return 0.0
    p = agree / total
    return max(
        0.0, (p + z * z / (2 * total) - z * sqrt(p * (1 - p) / total + z * z / (4 * total**2))) / (1 + z * z / total)
    )


def test_scores_can_be_computed_again_from_the_file_alone(hinged: Hinged) -> None:
    """A reader with only the file (ballots, stances, links, marks, Δ, constants) gets the scores the file states."""
    document = read_map_export(hinged.export("json")).document
    scoring = document["scoring"]
    z, needed = scoring["wilson_z"], scoring["min_voters_per_side"]
    sides = {stance["member"]: stance["side"] for stance in document["stances"]}
    numbers = list(_by_number(document))
    attacks = [(link["from"], link["to"]) for link in document["links"] if link["relation"] == "attacks"]
    standings = standing(numbers, attacks)
    for number, argument in _by_number(document).items():
        stated = argument["scores"]
        tallies = {}
        for side in ("pro", "con"):
            cast = [
                b["vote"] for b in document["ballots"] if b["argument"] == number and sides.get(b["member"]) == side
            ]
            tallies[side] = (cast.count(1), len(cast))
        assert stated["votes_by_side"] == {side: {"agree": a, "total": t} for side, (a, t) in tallies.items()}
        (pro_agree, pro_total), (con_agree, con_total) = tallies["pro"], tallies["con"]
        smaller = min(pro_total, con_total)
        if smaller >= needed:
            score = min(_wilson_lower_bound(pro_agree, pro_total, z), _wilson_lower_bound(con_agree, con_total, z))
            gap = abs(pro_agree / pro_total - con_agree / con_total)
            assert stated["bridging"] == pytest.approx(score, abs=1e-12)
            assert stated["divisiveness"] == pytest.approx(gap * smaller / (smaller + z * z), abs=1e-12)
            assert stated["common_ground"] is (score >= scoring["common_ground_score"])
        else:
            assert (stated["bridging"], stated["divisiveness"], stated["common_ground"]) == (None, None, False)
        assert stated["standing"] == standings[number]
        markers = [sides.get(m["member"]) for m in document["crux_marks"] if m["argument"] == number]
        assert stated["crux_marks"] == {
            "pro": markers.count("pro"),
            "con": markers.count("con"),
            "other": len(markers) - markers.count("pro") - markers.count("con"),
        }
        assert stated["deltas"] == sum(1 for d in document["deltas"] if d["argument"] == number)


def test_without_hinges_the_hinge_parts_are_null(hinged: Hinged) -> None:
    """Exported without hinges, v2 keeps every key but says "not exported" with null, never with an empty list."""
    document = hinged.json(with_hinges=False)
    assert document["schema"] == SCHEMA
    assert {key: document[key] for key in (*HINGE_PARTS, "scoring")} == dict.fromkeys((*HINGE_PARTS, "scoring"))
    assert {a["scores"] for a in document["arguments"]} == {None}
    assert read_map_export(json.dumps(document)).has_hinges is False


def test_json_matches_the_documented_example(hinged: Hinged) -> None:
    """The example in docs/map-schema.md has the same keys, in the same order, as a real v2 export with hinges."""
    doc = (ROOT / "docs" / "map-schema.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)```", doc, re.DOTALL).group(1))  # type: ignore[union-attr]

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return [(key, shape(item)) for key, item in value.items()]
        if isinstance(value, list):
            return shape(value[0]) if value else []
        return None

    assert shape(example) == shape(hinged.json())


# -- reading exports back ---------------------------------------------------------------------------------------------


def test_a_v2_export_reads_back_as_it_was_written(hinged: Hinged) -> None:
    """Reading a v2 export returns its document unchanged, as version 2, with hinges."""
    text = hinged.export("json")
    found = read_map_export(text)
    assert (found.version, found.has_hinges) == (2, True)
    assert found.document == json.loads(text)


def test_a_v1_export_reads_as_v2_without_hinges() -> None:
    """A version 1 file reads as version 2: everything it had is kept, what v2 added is null."""
    text = V1_FIXTURE.read_text(encoding="utf-8")
    original = json.loads(text)
    assert original["schema"] == "crux.debate-map/1"
    found = read_map_export(text.encode())
    assert (found.version, found.has_hinges) == (1, False)
    document = found.document
    assert document["schema"] == SCHEMA
    assert list(document) == DOCUMENT_KEYS
    assert [{k: v for k, v in a.items() if k != "scores"} for a in document["arguments"]] == original["arguments"]
    assert {a["scores"] for a in document["arguments"]} == {None}
    assert (document["debate"], document["links"], document["citations"]) == (
        original["debate"],
        original["links"],
        original["citations"],
    )
    assert all(document[key] is None for key in HINGE_PARTS)


def _v2(hinged: Hinged, change: Any) -> str:
    document = hinged.json()
    change(document)
    return json.dumps(document)


BAD_DOCUMENTS: list[tuple[str, Any, str]] = [
    ("not JSON", "{'schema': 1", "not valid JSON .* line 1, column 2"),
    ("empty", "", "not valid JSON"),
    ("NaN", '{"schema": NaN}', "not valid JSON"),
    ("a list", "[1, 2]", 'not an object with a "schema"'),
    ("no schema", '{"debate": {}}', 'not an object with a "schema"'),
    (
        "schema 3",
        '{"schema": "crux.debate-map/3"}',
        'crux.debate-map/1 or crux.debate-map/2; this one is "crux.debate-',
    ),
    ("AIF", '{"nodes": [], "edges": [], "schema": null}', "this one is null"),
    ("no arguments", lambda d: d.pop("arguments"), '"arguments" is not a list'),
    ("number as text", lambda d: d["arguments"][0].update(number="1"), 'arguments\\[0\\]."number" is "1", not an in'),
    ("boolean vote", lambda d: d["ballots"][0].update(vote=True), 'ballots\\[0\\]."vote" is true, not an integer'),
    ("dangling link", lambda d: d["links"][0].update(to=99), "links\\[0\\] names argument #99"),
    ("half the hinges", lambda d: d.update(stances=None), "but not stances"),
    ("an unknown part withheld", lambda d: d.update(withheld=["deltas"]), '"withheld" is not a list'),
    ("no scoring", lambda d: d.pop("scoring"), 'it has no "scoring"'),
    ("text missing", lambda d: d["arguments"][1].pop("text"), 'arguments\\[1\\] has no "text"'),
]


@pytest.mark.parametrize(("case", "bad", "message"), BAD_DOCUMENTS, ids=[case for case, *_ in BAD_DOCUMENTS])
def test_bad_documents_are_refused_with_what_is_wrong(hinged: Hinged, case: str, bad: Any, message: str) -> None:
    """Anything but a well-formed v1 or v2 export raises an ExportError saying what is wrong with it."""
    text = bad if isinstance(bad, str) else _v2(hinged, bad)
    with pytest.raises(ExportError, match=message):
        read_map_export(text)


def test_absurdly_nested_json_is_refused_not_crashed() -> None:
    """JSON nested deeper than Python can read is refused as not valid JSON, not a RecursionError."""
    with pytest.raises(ExportError, match="not valid JSON"):
        read_map_export("[" * 200_000 + "]" * 200_000)


# -- Argdown and Markdown ---------------------------------------------------------------------------------------------


def test_argdown_tags_are_read_as_tags_by_the_parser(hinged: Hinged) -> None:
    """The official parser reads each argument's marks as its tags (no #stands), and the member's "#" as text."""
    parsed = _parse_argdown(hinged.export("argdown"))
    assert parsed["errors"] == []
    assert parsed["tags"] == TAGS
    for number, *_, text in ARGUMENTS:
        written = " ".join(f"#{tag}" for tag in TAGS[f"#{number}"])
        assert parsed["statements"][f"#{number}"] == f"{text} {written}"


def test_argdown_without_hinges_has_no_tags(hinged: Hinged) -> None:
    """Exported without hinges, no statement has a tag and each text is read back exactly."""
    parsed = _parse_argdown(hinged.export("argdown", with_hinges=False))
    assert (parsed["errors"], parsed["tags"]) == ([], {})
    assert parsed["statements"] == {f"#{number}": text for number, *_, text in ARGUMENTS}


def test_markdown_shows_each_arguments_badges_after_its_votes(hinged: Hinged) -> None:
    """Each Markdown item ends with the badges Discord shows (a standing only when not "stands"), then its link."""
    _, items = _markdown(hinged.export("markdown"))
    found = {}
    for item in items:
        matched = re.fullmatch(r"(?:[+\u2212] )?#(\d+) .* \(👍 \d+ · 👎 \d+\) (.*) jump", item.text)
        if matched:
            found[int(matched.group(1))] = matched.group(2)
    assert found == BADGES


def test_an_export_without_members_keeps_the_scores_and_withholds_private_choices(hinged: Hinged) -> None:
    """Exported by a member who is no moderator: scores and Δ stay; ballots, stances and crux marks are withheld."""
    full, shared = hinged.json(), hinged.json(members=False)
    assert shared["withheld"] == list(MEMBER_PARTS) == ["ballots", "stances", "stance_changes", "crux_marks"]
    assert all(shared[part] is None for part in MEMBER_PARTS)
    assert shared["deltas"] == full["deltas"] != []
    assert [a["scores"] for a in shared["arguments"]] == [a["scores"] for a in full["arguments"]]
    assert full["withheld"] == []
    found = read_map_export(json.dumps(shared))
    assert (found.version, found.has_hinges) == (2, True)
