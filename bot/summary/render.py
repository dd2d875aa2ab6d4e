"""The digest as Markdown: every member's word escaped, every line linked.

The sides, sources and participation come from prompts/summary_*.md templates; the hinge sections (common ground,
cruxes, minds changed) are written here, with the badges of bot/debates/marks.py, so they read like the map's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from bot.debates.common_ground import Bridging
from bot.debates.crux_report import CruxEntry
from bot.debates.marks import DELTA_SIGN, DOUBLE_CRUX_BADGE, STANDING_BADGES
from bot.debates.model import Argument, Debate, Side
from bot.debates.stances import SCALE
from bot.markdown import SIDE_TITLES, escape, markdown_url, quote
from bot.prompts import render
from bot.summary.analysis import SideSummary, Source, Summary
from bot.summary.hinges import HingeSections, OpinionMoves

LINKS_SHOWN = 10
DISCORD_LINK = "https://discord.com/channels/"
#: How a crux that is listed because the sides' votes split on it is named (a double crux has its own badge).
SPLIT_BADGE = "⚖️ splits the sides"


def render_summary(summary: Summary) -> str:
    """Return the whole digest as Markdown, from prompts/summary.md and the prompts/summary_*.md line templates."""
    debate = summary.debate
    if summary.empty:
        threads = " / ".join(f"[{SIDE_TITLES[s.side]}]({_thread_url(debate, s.side)})" for s in summary.sides)
        return render("summary_empty", debate_id=debate.number, motion=escape(debate.motion), threads=threads) + "\n"
    text = render(
        "summary",
        debate_id=debate.number,
        motion=escape(debate.motion),
        status=debate.status,
        sides="\n\n".join([*(_render_side(summary, side) for side in summary.sides), *_render_hinges(summary)]),
        sources="\n".join(_render_source(source) for source in summary.sources),
        participation=_render_participation(summary),
    )
    return _drop_empty_sections(text) + "\n"


def _render_side(summary: Summary, side: SideSummary) -> str:
    debate = summary.debate
    strongest = [
        render(
            "summary_strongest",
            rank=rank,
            label=r.argument.label,
            jump_url=_jump_url(debate, r.argument),
            author=escape(r.argument.author_name),
            quote=quote(r.argument.text),
            score=_number_text(r.score),
            up=r.votes.up,
            down=r.votes.down,
            supports=r.supports,
            attacks=r.attacks,
            answered=r.answered,
            unanswered=r.unanswered,
        )
        for rank, r in enumerate(side.strongest, start=1)
    ]
    contested = [
        render(
            "summary_contested",
            label=r.argument.label,
            jump_url=_jump_url(debate, r.argument),
            author=escape(r.argument.author_name),
            quote=quote(r.argument.text),
            supports=r.supports,
            attacks=r.attacks,
        )
        for r in side.contested
    ]
    open_attacks = [
        render(
            "summary_open_attack",
            attacker=o.attacker.label,
            attacker_url=_jump_url(debate, o.attacker),
            target=o.target.label,
            target_url=_jump_url(debate, o.target),
            author=escape(o.attacker.author_name),
            quote=quote(o.attacker.text),
            age=_age(o.open_for),
        )
        for o in side.open_attacks
    ]
    themes = [
        render(
            "summary_theme",
            label=t.centre.label,
            jump_url=_jump_url(debate, t.centre),
            quote=quote(t.centre.text),
            count=len(t.members),
            members=", ".join(a.label for a in t.members),
        )
        for t in side.themes
    ]
    return render(
        "summary_side",
        side=SIDE_TITLES[side.side],
        arguments=side.arguments,
        strongest="\n".join(strongest),
        contested="\n".join(contested),
        open_count=side.open_attack_count,
        open_shown=len(side.open_attacks),
        open_attacks="\n".join(open_attacks),
        grouped=side.grouped,
        without_vector=side.without_vector,
        not_clustered=side.not_clustered,
        themes="\n".join(themes),
    )


def _render_hinges(summary: Summary) -> list[str]:
    """Return the common ground, cruxes and minds changed sections (none without marks; empty ones are dropped)."""
    hinges = summary.hinges
    if hinges is None:
        return []
    debate = summary.debate
    common = [f"- {_argument(debate, found.argument)} — {_agreement(found.votes)}" for found in hinges.common_ground]
    cruxes = [f"{rank}. {_crux(debate, entry)}" for rank, entry in enumerate(hinges.cruxes, start=1)]
    return [
        render(
            "summary_common_ground",
            shown=_shown(hinges.common_ground_count, len(common), "best"),
            arguments="\n".join(common),
        ),
        render("summary_cruxes", shown=_shown(hinges.crux_count, len(cruxes), "first"), cruxes="\n".join(cruxes)),
        _render_minds(debate, hinges),
    ]


def _render_minds(debate: Debate, hinges: HingeSections) -> str:
    givers = hinges.delta_givers
    deltas = [
        f"- <@{found.delta.awarded_by}> ← {_link(debate, found.argument)} by {escape(found.argument.author_name)}: "
        f"“{quote(found.delta.explanation)}”"
        for found in hinges.deltas
    ]
    persuasive = [f"- {_argument(debate, argument)} — {DELTA_SIGN}{count}" for argument, count in hinges.persuasive]
    given = f"{hinges.delta_count} {DELTA_SIGN} from {givers} member{'s' if givers != 1 else ''}"
    if len(deltas) < hinges.delta_count:
        given += f", the {len(deltas)} oldest shown"
    return render(
        "summary_minds",
        given=given,
        deltas="\n".join(deltas),
        persuasive="\n".join(persuasive),
        opinion="\n".join(_opinion(debate, hinges.opinion)),
    )


def _opinion(debate: Debate, moves: OpinionMoves) -> list[str]:
    if not moves.declared:
        return []
    url = f"{DISCORD_LINK}{debate.guild_id}/{debate.channel_id}"
    declared = f"{moves.declared} member{'s' if moves.declared != 1 else ''} declared a stance"
    if not moves.changed:
        return [f"- [Stances]({url}): {declared}; none has changed it", f"- [Now]({url}): {_scale(moves.latest)}"]
    which = [f"{moves.toward_pro} toward Pro", f"{moves.toward_con} toward Con"]
    if moves.returned:
        which.append(f"{moves.returned} back where they began")
    return [
        f"- [Stances]({url}): {declared}; {moves.changed} changed it: {', '.join(which)}",
        f"- [At first]({url}): {_scale(moves.first)}",
        f"- [Now]({url}): {_scale(moves.latest)}",
    ]


def _crux(debate: Debate, entry: CruxEntry) -> str:
    crux = entry.crux
    if crux.kind == "double":
        why = f"{DOUBLE_CRUX_BADGE}: would change minds on both sides, Pro {crux.pro_marks} · Con {crux.con_marks}"
    else:
        divisiveness = f", divisiveness {crux.divisiveness:.2f}" if crux.divisiveness is not None else ""
        why = f"{SPLIT_BADGE}: {_agreement(entry.score)}{divisiveness}"
    return f"{_argument(debate, entry.argument)} — {why} · {STANDING_BADGES[entry.standing]}"


def _argument(debate: Debate, argument: Argument) -> str:
    return f"{_link(debate, argument)} by {escape(argument.author_name)}: “{quote(argument.text)}”"


def _link(debate: Debate, argument: Argument) -> str:
    return f"[{argument.label}]({_jump_url(debate, argument)})"


def _agreement(votes: Bridging | None) -> str:
    if votes is None or not votes.voters:
        return "no votes from members with a stance yet"
    return f"Pro {votes.pro.agree}/{votes.pro.total} agree · Con {votes.con.agree}/{votes.con.total} agree"


def _scale(counts: dict[int, int]) -> str:
    return " · ".join(f"{point.label} {counts.get(point.value, 0)}" for point in SCALE)


def _shown(count: int, shown: int, which: str) -> str:
    return f"{count} in all" if shown >= count else f"{count} in all, the {shown} {which} shown"


def _render_source(source: Source) -> str:
    lines = [
        render(
            "summary_source",
            title=escape(source.title),
            paragraphs=", ".join(str(p.paragraph) for p in source.passages),
            paragraph_count=source.paragraphs,
            cited=source.cited,
            suggested=source.suggested,
        )
    ]
    lines.extend(
        "  "
        + render(
            "summary_passage",
            title=escape(source.title),
            paragraph=passage.paragraph,
            sentence=quote(passage.sentence),
            cited_by=_links(passage.cited_by),
            suggested_for=_links(passage.suggested_for),
        )
        for passage in source.passages
    )
    return "\n".join(lines)


def _render_participation(summary: Summary) -> str:
    debate, counts = summary.debate, summary.participation
    return render(
        "summary_participation",
        pro_url=_thread_url(debate, "pro"),
        pro_arguments=counts.arguments["pro"],
        pro_members=counts.members_by_side["pro"],
        con_url=_thread_url(debate, "con"),
        con_arguments=counts.arguments["con"],
        con_members=counts.members_by_side["con"],
        debate_url=f"{DISCORD_LINK}{debate.guild_id}/{debate.channel_id}",
        members=counts.members,
        comments=counts.comments,
        supports=counts.supports,
        attacks=counts.attacks,
        duplicates=counts.duplicates,
        votes=counts.votes,
    )


def _drop_empty_sections(text: str) -> str:
    """Remove headings with nothing under them, innermost first, and runs of blank lines."""
    lines = text.splitlines()
    changed = True
    while changed:
        changed = False
        kept: list[str] = []
        for index, line in enumerate(lines):
            if line.startswith("#"):
                level = len(line) - len(line.lstrip("#"))
                rest = (other for other in lines[index + 1 :] if other.strip())
                following = next(rest, None)
                if following is None or (
                    following.startswith("#") and len(following) - len(following.lstrip("#")) <= level
                ):
                    changed = True
                    continue
            kept.append(line)
        lines = kept
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _links(arguments: Iterable[Argument]) -> str:
    found = list(arguments)
    if not found:
        return "—"
    shown = ", ".join(f"[{a.label}]({markdown_url(a.jump_url)})" for a in found[:LINKS_SHOWN])
    more = len(found) - LINKS_SHOWN
    return f"{shown} +{more}" if more > 0 else shown


def _jump_url(debate: Debate, argument: Argument) -> str:
    if argument.jump_url.startswith(DISCORD_LINK):
        return markdown_url(argument.jump_url)
    return f"{DISCORD_LINK}{debate.guild_id}/{argument.thread_id}/{argument.message_id}"


def _thread_url(debate: Debate, side: Side) -> str:
    thread = debate.threads.get(side, debate.channel_id)
    return f"{DISCORD_LINK}{debate.guild_id}/{thread}"


def _number_text(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _age(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds() // 60)
    for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under a minute"
