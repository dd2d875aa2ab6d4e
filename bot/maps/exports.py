"""Exports of a debate's map as a file: Crux's own JSON, Markdown, Argdown and AIF (the JSON AIFdb reads and writes).

The JSON schema, `crux.debate-map/2`, is documented in docs/map-schema.md; `read_map_export` reads it back, and
version 1 too. Every format refers to an argument by its per-debate number (#n). Comments (chatter without a number)
appear only in the JSON export; deleted arguments never appear, and neither do links to or from them.

Given a debate's hinges (bot/debates/marks.py), JSON carries every argument's scores with the ballots, stances, crux
marks and Δ they were computed from; Markdown shows the same badges as Discord; Argdown writes them as #tags.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from bot.db import stamp
from bot.debates.common_ground import MIN_VOTERS_PER_SIDE, Bridging, Tally, Z
from bot.debates.marks import COMMON_GROUND_SCORE, ArgumentMarks, DebateHinges
from bot.debates.model import SIDES, Argument, DebateMap, Votes
from bot.debates.stances import stance_point
from bot.errors import ExportError
from bot.maps.tree import TreeLine, trees
from bot.markdown import SIDE_TITLES, markdown_url

FORMATS = ("json", "markdown", "argdown", "aif")
SCHEMA = "crux.debate-map/2"
SCHEMA_V1 = "crux.debate-map/1"
#: The schema versions read_map_export reads.
READABLE = {SCHEMA_V1: 1, SCHEMA: 2}
#: The top-level parts of a v2 document that come from the debate's hinges: null when the export was made without
#: them (and in a version 1 document read back), a list (maybe empty) otherwise.
HINGE_PARTS = ("ballots", "stances", "stance_changes", "crux_marks", "deltas")
#: The hinge parts that say what one member chose where others cannot see it (a /stance, a /review vote, a crux mark
#: are private; a Δ is posted in the thread): null, and listed in "withheld", in a file exported without them.
MEMBER_PARTS = ("ballots", "stances", "stance_changes", "crux_marks")
EXTENSIONS = {"json": ".json", "markdown": ".md", "argdown": ".argdown", "aif": ".aif.json"}
# A bare "+" would open a nested Markdown list, so it is escaped; attacks get a minus sign (U+2212), not a hyphen.
MARKDOWN_SIGNS = {"supports": "\\+ ", "attacks": "\u2212 ", "responds_to": "↩ "}
ARGDOWN_SIGNS = {"supports": "+", "attacks": "-"}
#: A plain reply (responds_to) neither supports nor attacks: Argdown and AIF have no relation for it, so Argdown lists
#: it as a comment and AIF leaves it out; JSON and Markdown carry it as it is.
PLAIN_REPLY = "responds_to"
# AIFdb's default schemes, as its own exports name them.
AIF_SCHEMES = {"supports": ("RA", "Default Inference", "72"), "attacks": ("CA", "Default Conflict", "71")}

# Argdown reads these as syntax even in the middle of a statement: brackets, angle brackets and braces (statements,
# arguments, links, YAML data, <!-- comments), # tags, @ mentions, * and _ emphasis, // and /* comments, === front
# matter, and .name. or :name: shortcodes (".A." becomes ∀). A backslash makes the parser keep the character as text.
ARGDOWN_SPECIAL = re.compile(r"[\\\[\]<>{}#@*_]|/(?=[/*])|=(?==)|([.:])(?=\S+?\1)|^[+\-]")
# Markdown inline syntax that user text could trigger; block syntax cannot start mid-line and newlines are collapsed.
MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>#|~&]")


def export_map(
    debate_map: DebateMap, fmt: str, hinges: DebateHinges | None = None, *, members: bool = True
) -> tuple[str, str]:
    """Return the file name and text of a debate's map in one of FORMATS, with its hinges' marks when given.

    Without `members`, the JSON leaves out what each member chose in private (MEMBER_PARTS); the scores stay.
    """
    name = fmt.strip().lower()
    writer = WRITERS.get(name)
    if writer is None:
        raise ExportError(f"Crux cannot export a map as {fmt!r}. Choose one of: {', '.join(FORMATS)}.")
    text = _to_json(debate_map, hinges, members=members) if name == "json" else writer(debate_map, hinges)
    return f"debate-{debate_map.debate.number}{EXTENSIONS[name]}", text


@dataclass(frozen=True)
class MapExport:
    """A JSON export read back: the schema version it was written in, and its document in the version 2 shape."""

    version: int
    document: dict[str, Any]

    @property
    def has_hinges(self) -> bool:
        """Return whether it carries scores and what they came from (False for v1, or v2 exported without them)."""
        return self.document["scoring"] is not None


# -- json -------------------------------------------------------------------------------------------------------------


def _to_json(debate_map: DebateMap, hinges: DebateHinges | None, *, members: bool = True) -> str:
    """Return the map in Crux's own schema, comments included; Discord ids are strings, as Discord's API has them.

    With hinges, each argument's scores and every input they came from (ballots, stances, crux marks, Δ, constants),
    but for MEMBER_PARTS without `members` (null, and named in "withheld"); without hinges, those parts are null.
    """
    debate = debate_map.debate
    numbered = debate_map.numbered
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "debate": {
            "id": debate.id,
            "number": debate.number,
            "motion": debate.motion,
            "status": debate.status,
            "kind": debate.kind,
            "created_at": debate.created_at,
            "closed_at": debate.closed_at,
            "threads": {side: str(debate.threads[side]) for side in SIDES if side in debate.threads},
        },
        "arguments": [
            {
                "number": a.number,
                "side": a.side,
                "kind": a.kind,
                "author": a.author_name,
                "author_id": str(a.author_id),
                "text": a.text,
                "posted_at": a.posted_at,
                "edited_at": a.edited_at,
                "jump_url": a.jump_url,
                "votes": _votes(debate_map, a),
                "scores": _scores(hinges.of(a.id)) if hinges is not None and a.id in numbered else None,
            }
            for a in debate_map.arguments
        ],
        "links": [
            {
                "from": numbered[link.source_id].number,
                "to": numbered[link.target_id].number,
                "relation": link.relation,
                "method": link.method,
                "made_by": str(link.made_by) if link.made_by is not None else None,
                "created_at": link.created_at,
            }
            for link in debate_map.links
            if link.source_id in numbered and link.target_id in numbered
        ],
        "citations": [
            {
                "argument": numbered[c.argument_id].number,
                "status": c.status,
                "document_id": c.document_id,
                "document_title": c.document_title,
                "paragraph": c.paragraph,
                "sentence": c.sentence,
                "similarity": c.similarity,
            }
            for c in debate_map.citations
            if c.argument_id in numbered
        ],
    }
    document |= _hinge_parts(debate_map, hinges) if hinges is not None else dict.fromkeys(HINGE_PARTS)
    document["scoring"] = _scoring() if hinges is not None else None
    withheld = [] if members or hinges is None else list(MEMBER_PARTS)
    document |= dict.fromkeys(withheld)
    document["withheld"] = withheld if hinges is not None else None
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _votes(debate_map: DebateMap, argument: Argument) -> dict[str, int]:
    votes = debate_map.votes.get(argument.id, Votes())
    return {"up": votes.up, "down": votes.down}


def _scores(marks: ArgumentMarks | None) -> dict[str, Any] | None:
    """Return one argument's computed marks, as the JSON schema writes them (None if the hinges do not know it)."""
    if marks is None:
        return None
    # No votes from a known side: the marks hold no Bridging, the file says so with zero tallies and null scores.
    votes = marks.votes or Bridging(marks.argument_id, Tally(0, 0), Tally(0, 0), None, None)
    return {
        "standing": marks.standing,
        "votes_by_side": {
            side: {"agree": tally.agree, "total": tally.total}
            for side, tally in (("pro", votes.pro), ("con", votes.con))
        },
        "bridging": votes.score,
        "divisiveness": votes.divisiveness,
        "common_ground": marks.common_ground,
        "crux_marks": {"pro": marks.crux_pro, "con": marks.crux_con, "other": marks.crux_other},
        "double_crux": marks.double_crux,
        "deltas": marks.deltas,
    }


def _hinge_parts(debate_map: DebateMap, hinges: DebateHinges) -> dict[str, list[dict[str, Any]]]:
    """Return what the scores were computed from: ballots, stances and their changes, crux marks and Δ, by number."""
    numbered = debate_map.numbered
    inputs = hinges.inputs
    ballots = sorted(
        (numbered[argument].order, member, vote)
        for member, argument, vote in inputs.cruxes.ballots
        if argument in numbered and vote
    )
    return {
        "ballots": [
            {"member": str(member), "argument": number, "vote": 1 if vote > 0 else -1}
            for number, member, vote in ballots
        ],
        "stances": [
            {
                "member": str(member),
                "value": stance.value,
                "label": stance.point.label,
                "side": stance.side,
                "declared": stance.declared,
                "at": stamp(stance.at),
            }
            for member, stance in sorted(inputs.stances.items())
        ],
        "stance_changes": [
            {
                "member": str(change.member_id),
                "value": change.value,
                "label": stance_point(change.value).label,
                "declared_at": change.declared_at,
            }
            for change in inputs.stance_changes
        ],
        "crux_marks": [
            {"member": str(mark.member_id), "argument": numbered[mark.argument_id].number, "marked_at": mark.marked_at}
            for mark in inputs.crux_marks
            if mark.argument_id in numbered
        ],
        "deltas": [
            {
                "by": str(delta.awarded_by),
                "to": str(delta.awarded_to),
                "argument": numbered[delta.argument_id].number,
                "explanation": delta.explanation,
                "awarded_at": delta.awarded_at,
            }
            for delta in hinges.deltas
            if delta.argument_id in numbered
        ],
    }


def _scoring() -> dict[str, Any]:
    """Return the constants the scores were computed with, so a reader can compute them again."""
    return {
        "min_voters_per_side": MIN_VOTERS_PER_SIDE,
        "wilson_z": Z,
        "common_ground_score": COMMON_GROUND_SCORE,
        "standing": "grounded",
    }


# -- reading a JSON export back -----------------------------------------------------------------------------------

# The keys a reader relies on, with their types (None: null allowed); other keys are kept as they are, unchecked.
_REQUIRED: dict[str, dict[str, tuple[type | None, ...]]] = {
    "arguments": {"number": (int, None), "side": (str,), "kind": (str,), "author_id": (str,), "text": (str,)},
    "links": {"from": (int,), "to": (int,), "relation": (str,)},
    "citations": {"argument": (int,), "status": (str,)},
    "ballots": {"member": (str,), "argument": (int,), "vote": (int,)},
    "stances": {"member": (str,), "value": (int,), "declared": (bool,), "at": (str,)},
    "stance_changes": {"member": (str,), "value": (int,), "declared_at": (str,)},
    "crux_marks": {"member": (str,), "argument": (int,), "marked_at": (str,)},
    "deltas": {"by": (str,), "to": (str,), "argument": (int,), "explanation": (str,), "awarded_at": (str,)},
}
_DEBATE: dict[str, tuple[type | None, ...]] = {"id": (int,), "number": (int,), "motion": (str,), "threads": (dict,)}
# Parts whose records name an argument by number: the number must be one of the document's arguments.
_NAMES_ARGUMENT = {
    "links": ("from", "to"),
    "citations": ("argument",),
    "ballots": ("argument",),
    "crux_marks": ("argument",),
    "deltas": ("argument",),
}


def read_map_export(text: str | bytes) -> MapExport:
    """Read a JSON map export of schema version 1 or 2 into the version 2 shape; refuse anything else clearly.

    A version 1 document comes back with every part version 2 added set to null, as a v2 export made without the
    debate's hinges has them. Keys the reader does not know are kept as they are.
    """
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ExportError(
            f"This is not a Crux map export: it is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno})."
        ) from None
    except (ValueError, RecursionError) as error:
        # Bytes that are not UTF-8, NaN or Infinity (no JSON number), or nesting deep enough to exhaust the stack.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:120]
        raise ExportError(f"This is not a Crux map export: it is not valid JSON ({reason}).") from None
    if not isinstance(document, dict) or "schema" not in document:
        raise ExportError('This is not a Crux map export: it is JSON, but not an object with a "schema".')
    schema = document["schema"]
    version = READABLE.get(schema) if isinstance(schema, str) else None
    if version is None:
        raise ExportError(
            f"Crux reads map exports of schema {' or '.join(READABLE)}; this one is {json.dumps(schema)[:80]}."
        )
    _check_document(document, version)
    return MapExport(version, _upgraded(document) if version == 1 else document)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _check_document(document: dict[str, Any], version: int) -> None:
    """Raise ExportError naming the first part of the document that is missing or of the wrong type."""
    _check_record(document.get("debate"), _DEBATE, "debate")
    parts = ["arguments", "links", "citations"]
    if version == 2:
        for key in (*HINGE_PARTS, "scoring"):
            if key not in document:
                _malformed(f'it has no "{key}" (null when exported without scores)')
        withheld = document.get("withheld") or []
        if not isinstance(withheld, list) or not set(withheld) <= set(MEMBER_PARTS):
            _malformed(f'"withheld" is not a list of parts among {", ".join(MEMBER_PARTS)}')
        present = [key for key in (*HINGE_PARTS, "scoring") if document[key] is not None]
        expected = [key for key in (*HINGE_PARTS, "scoring") if key not in withheld]
        if present and present != expected:
            missing = ", ".join(key for key in expected if key not in present)
            _malformed(f"it has {', '.join(present)} but not {missing} (null only when withheld or without scores)")
        if document["scoring"] is not None and not isinstance(document["scoring"], dict):
            _malformed('"scoring" is not an object')
        parts += [key for key in HINGE_PARTS if document[key] is not None]
    for part in parts:
        records = document.get(part)
        if not isinstance(records, list):
            _malformed(f'"{part}" is not a list')
        for i, record in enumerate(records):
            _check_record(record, _REQUIRED[part], f"{part}[{i}]")
    numbers = {a["number"] for a in document["arguments"] if a["number"] is not None}
    for part in parts:
        for i, record in enumerate(document[part]):
            for key in _NAMES_ARGUMENT.get(part, ()):
                if record[key] not in numbers:
                    _malformed(f"{part}[{i}] names argument #{record[key]}, which is not in its arguments")
    if version == 2:
        for i, argument in enumerate(document["arguments"]):
            if not isinstance(argument.get("scores", ...), (dict, type(None))):
                _malformed(f'arguments[{i}] has no "scores" object (null when exported without scores)')


def _check_record(record: object, fields: dict[str, tuple[type | None, ...]], where: str) -> None:
    if not isinstance(record, dict):
        _malformed(f"{where} is not an object")
    for key, kinds in fields.items():
        if key not in record:
            _malformed(f'{where} has no "{key}"')
        value = record[key]
        if not any(value is None if kind is None else _is_a(value, kind) for kind in kinds):
            names = " or ".join("null" if kind is None else _TYPE_NAMES[kind] for kind in kinds)
            _malformed(f'{where}."{key}" is {json.dumps(value)[:40]}, not {names}')


_TYPE_NAMES: dict[type, str] = {int: "an integer", str: "a string", bool: "true or false", dict: "an object"}


def _is_a(value: object, kind: type) -> bool:
    # JSON's true and false are Python bools, which are ints too: neither stands in for the other.
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _malformed(problem: str) -> NoReturn:
    raise ExportError(f"This Crux map export is malformed: {problem}.")


def _upgraded(document: dict[str, Any]) -> dict[str, Any]:
    """Return a version 1 document in the version 2 shape: what v2 added, null (v1 never carried it)."""
    upgraded = dict(document)
    upgraded["schema"] = SCHEMA
    upgraded["arguments"] = [{**argument, "scores": argument.get("scores")} for argument in document["arguments"]]
    for key in (*HINGE_PARTS, "scoring", "withheld"):
        upgraded[key] = None
    return upgraded


# -- markdown ---------------------------------------------------------------------------------------------------------


def _to_markdown(debate_map: DebateMap, hinges: DebateHinges | None) -> str:
    """Return the map as nested Markdown lists, one per side: supports (+) and attacks (minus) under targets.

    With hinges, each argument's badges follow its votes, as Discord shows them (a standing only when not "stands").
    """
    debate = debate_map.debate
    lines = [f"# {_markdown_text(debate.motion)}", "", _byline(debate_map)]
    for side, outline in trees(debate_map).items():
        lines += ["", f"## {SIDE_TITLES[side]}", ""]
        if not outline:
            answers = any(a.side == side for a in debate_map.numbered.values())
            lines.append(
                "_Every argument on this side answers one listed elsewhere._" if answers else "_No arguments._"
            )
        for entry in outline:
            lines.append(_markdown_entry(debate_map, entry, hinges))
    numbered = debate_map.numbered
    duplicates = debate_map.duplicates
    if duplicates:
        lines += ["", "## Duplicates", ""]
        lines += [
            f"- **#{numbered[link.source_id].number}** repeats **#{numbered[link.target_id].number}**"
            for link in duplicates
        ]
    citations = [c for c in debate_map.citations if c.argument_id in numbered]
    if citations:
        lines += ["", "## Sources", ""]
        for c in citations:
            state = "cited" if c.status == "cited" else "suggested by Crux"
            lines.append(
                f"- **#{numbered[c.argument_id].number}** ({state}): *{_markdown_text(c.document_title)}*, "
                f"paragraph {c.paragraph}: “{_markdown_text(c.sentence)}”"
            )
    return "\n".join(lines) + "\n"


def _byline(debate_map: DebateMap) -> str:
    debate = debate_map.debate
    closed = f", closed {debate.closed_at}" if debate.closed_at else ""
    return f"Debate {debate.number} ({debate.status}), opened {debate.created_at}{closed}."


def _markdown_entry(debate_map: DebateMap, entry: TreeLine, hinges: DebateHinges | None) -> str:
    argument = entry.argument
    indent = "  " * entry.depth
    sign = MARKDOWN_SIGNS[entry.relation] if entry.relation else ""
    head = f"{indent}- {sign}**#{argument.number}**"
    if entry.continued:
        return f"{head} (continued)"
    if not entry.first:
        return f"{head} (see above)"
    link = f" [jump]({markdown_url(argument.jump_url)})" if argument.jump_url else ""
    marks = hinges.of(argument.id) if hinges is not None else None
    badges = marks.badges() if marks is not None else []
    shown = f" {' · '.join(badges)}" if badges else ""
    return f"{head} {_markdown_text(argument.text)} (👍 {entry.votes.up} · 👎 {entry.votes.down}){shown}{link}"


def _markdown_text(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))


# -- argdown ----------------------------------------------------------------------------------------------------------


def _to_argdown(debate_map: DebateMap, hinges: DebateHinges | None) -> str:
    """Return the map in Argdown: a section per side, statements titled #n, supports (+) and attacks (-) under targets.

    A statement's text is written where it is first mentioned (`[#n]: text #tag …`), followed by its marks as tags
    when hinges are given; later mentions are bare `[#n]`.
    """
    debate = debate_map.debate
    lines = [
        "===",
        f"title: {_yaml_string(debate.motion)}",
        f"subTitle: {_yaml_string(_byline(debate_map))}",
        "===",
    ]
    # Argdown has no neutral relation: plain replies stand on their own, with a comment saying what they answer.
    answers = dataclasses.replace(debate_map, links=[link for link in debate_map.links if link.relation != PLAIN_REPLY])
    for side, outline in trees(answers).items():
        lines += ["", f"# {SIDE_TITLES[side]}"]
        for entry in outline:
            if entry.depth == 0:
                lines.append("")
            argument = entry.argument
            prefix = "    " * entry.depth + (f"{ARGDOWN_SIGNS[entry.relation]} " if entry.relation else "")
            text = f": {_argdown_text(argument.text)}{_argdown_tags(hinges, argument)}" if entry.first else ""
            lines.append(f"{prefix}[#{argument.number}]{text}")
    numbered = debate_map.numbered
    replies = [link for link in debate_map.relations if link.relation == PLAIN_REPLY]
    if replies:
        lines.append("")
        lines += [
            f"// #{numbered[link.source_id].number} replies to #{numbered[link.target_id].number}" for link in replies
        ]
    duplicates = debate_map.duplicates
    if duplicates:
        lines.append("")
        lines += [
            f"// #{numbered[link.source_id].number} repeats #{numbered[link.target_id].number}" for link in duplicates
        ]
    return "\n".join(lines) + "\n"


def _argdown_tags(hinges: DebateHinges | None, argument: Argument) -> str:
    """Return an argument's marks as Argdown tags to follow its text (' #crux #common-ground'), or nothing."""
    marks = hinges.of(argument.id) if hinges is not None else None
    if marks is None:
        return ""
    return "".join(f" #{tag}" for tag in marks.tags())


def _argdown_text(text: str) -> str:
    return ARGDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))


def _yaml_string(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar; "=" is escaped so that no "===" can end the front matter.
    return json.dumps(" ".join(text.split()), ensure_ascii=False).replace("=", "\\u003d")


# -- aif --------------------------------------------------------------------------------------------------------------


def _to_aif(debate_map: DebateMap, hinges: DebateHinges | None) -> str:
    """Return the map as AIF in AIFdb's JSON: I-nodes for arguments, RA-nodes for supports, CA-nodes for attacks.

    An I-node's id is its argument's number; each RA or CA node has one edge in from the supporting or attacking
    I-node and one edge out to the I-node it answers.
    """
    numbered = debate_map.numbered
    nodes: list[dict[str, str]] = [
        {"nodeID": str(a.number), "text": a.text, "type": "I", "timestamp": _aif_time(a.posted_at)}
        for a in numbered.values()
    ]
    edges: list[dict[str, str]] = []
    next_node = max((a.number or 0 for a in numbered.values()), default=0) + 1
    for link in debate_map.relations:
        if link.relation == PLAIN_REPLY:
            continue
        node_type, scheme, scheme_id = AIF_SCHEMES[link.relation]
        node_id = str(next_node)
        next_node += 1
        nodes.append(
            {
                "nodeID": node_id,
                "text": scheme,
                "type": node_type,
                "timestamp": _aif_time(link.created_at),
                "scheme": scheme,
                "schemeID": scheme_id,
            }
        )
        for from_id, to_id in (
            (str(numbered[link.source_id].number), node_id),
            (node_id, str(numbered[link.target_id].number)),
        ):
            edges.append({"edgeID": str(len(edges) + 1), "fromID": from_id, "toID": to_id})
    return json.dumps({"nodes": nodes, "edges": edges, "locutions": []}, ensure_ascii=False, indent=2) + "\n"


def _aif_time(stamp: str) -> str:
    """Return a stored ISO 8601 time as AIFdb writes timestamps: UTC, 'YYYY-MM-DD HH:MM:SS'."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# Each writer takes the map and, when given, its hinges (AIF has no place for them and ignores them).
WRITERS: dict[str, Callable[[DebateMap, DebateHinges | None], str]] = {
    "json": _to_json,
    "markdown": _to_markdown,
    "argdown": _to_argdown,
    "aif": _to_aif,
}
