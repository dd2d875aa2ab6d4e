"""Exports of a debate's map as a file: Crux's own JSON, Markdown, Argdown and AIF (the JSON AIFdb reads and writes).

The JSON schema, `crux.debate-map/1`, is documented in docs/map-schema.md. Every format refers to an argument by its
per-debate number (#n). Comments (chatter without a number) appear only in the JSON export; deleted arguments never
appear, and neither do links to or from them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

from bot.debates.model import SIDES, Argument, DebateMap, Votes
from bot.errors import ExportError
from bot.maps.tree import TreeLine, trees
from bot.markdown import SIDE_TITLES, markdown_url

FORMATS = ("json", "markdown", "argdown", "aif")
SCHEMA = "crux.debate-map/1"
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


def export_map(debate_map: DebateMap, fmt: str) -> tuple[str, str]:
    """Return the file name and text of a debate's map in one of FORMATS."""
    name = fmt.strip().lower()
    writer = WRITERS.get(name)
    if writer is None:
        raise ExportError(f"Crux cannot export a map as {fmt!r}. Choose one of: {', '.join(FORMATS)}.")
    return f"debate-{debate_map.debate.number}{EXTENSIONS[name]}", writer(debate_map)


# -- json -------------------------------------------------------------------------------------------------------------


def _to_json(debate_map: DebateMap) -> str:
    """Return the map in Crux's own schema, comments included; Discord ids are strings, as Discord's API has them."""
    debate = debate_map.debate
    numbered = debate_map.numbered
    document = {
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
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _votes(debate_map: DebateMap, argument: Argument) -> dict[str, int]:
    votes = debate_map.votes.get(argument.id, Votes())
    return {"up": votes.up, "down": votes.down}


# -- markdown ---------------------------------------------------------------------------------------------------------


def _to_markdown(debate_map: DebateMap) -> str:
    """Return the map as nested Markdown lists, one per side: supports (+) and attacks (minus) under targets."""
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
            lines.append(_markdown_entry(debate_map, entry))
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


def _markdown_entry(debate_map: DebateMap, entry: TreeLine) -> str:
    argument = entry.argument
    indent = "  " * entry.depth
    sign = MARKDOWN_SIGNS[entry.relation] if entry.relation else ""
    head = f"{indent}- {sign}**#{argument.number}**"
    if entry.continued:
        return f"{head} (continued)"
    if not entry.first:
        return f"{head} (see above)"
    link = f" [jump]({markdown_url(argument.jump_url)})" if argument.jump_url else ""
    return f"{head} {_markdown_text(argument.text)} (👍 {entry.votes.up} · 👎 {entry.votes.down}){link}"


def _markdown_text(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))


# -- argdown ----------------------------------------------------------------------------------------------------------


def _to_argdown(debate_map: DebateMap) -> str:
    """Return the map in Argdown: a section per side, statements titled #n, supports (+) and attacks (-) under targets.

    A statement's text is written where it is first mentioned (`[#n]: text`); later mentions are bare `[#n]`.
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
            text = f": {_argdown_text(argument.text)}" if entry.first else ""
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


def _argdown_text(text: str) -> str:
    return ARGDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))


def _yaml_string(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar; "=" is escaped so that no "===" can end the front matter.
    return json.dumps(" ".join(text.split()), ensure_ascii=False).replace("=", "\\u003d")


# -- aif --------------------------------------------------------------------------------------------------------------


def _to_aif(debate_map: DebateMap) -> str:
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


WRITERS: dict[str, Callable[[DebateMap], str]] = {
    "json": _to_json,
    "markdown": _to_markdown,
    "argdown": _to_argdown,
    "aif": _to_aif,
}
