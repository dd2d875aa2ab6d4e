"""A grounded digest of a debate: its strongest and most contested arguments, open attacks, themes and sources.

Everything in the digest comes from the debate itself: every line links to an argument's message (or to a debate
thread, for the counts of who took part) or names a cited source excerpt by title and paragraph, and every quote is
an argument's own text, shortened and Markdown-escaped. No language model writes anything.

How arguments are ranked (docs/summary.md, "How the summary ranks"):

- strongest: ``score = (up − down) + 1.0 * supports received + 0.5 * attacks answered − 1.0 * attacks unanswered``.
  An attack on X is *answered* when the attacking argument is itself attacked, or when X received a support posted
  after the attack. Ties go to the argument posted first.
- most contested: arguments both attacked and supported, by min(supports, attacks), then supports + attacks, then
  the earlier posting.
- open attacks: attacks nobody answered (in the sense above), oldest first, filed under the side attacked.
- themes: a side's numbered arguments grouped by meaning with average-linkage clustering on cosine similarity, cut
  at THEME_CUT. Only the CLUSTER_CAP arguments with the most votes cast are clustered (then the most supports and
  attacks, then the earliest), so the work stays bounded however long the debate runs. A theme is named by its most
  central argument, the one with the highest mean similarity to the other members.
- sources: documents by the number of citations the authors confirmed ('cited'), then the number Crux suggested.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.db import parse_time
from bot.debates.model import SIDES, Argument, Citation, Debate, DebateMap, Side, Votes
from bot.markdown import PAGE_CHARS, SIDE_TITLES, escape, markdown_url, quote
from bot.prompts import render

SUPPORT_WEIGHT = 1.0
ANSWERED_WEIGHT = 0.5
UNANSWERED_WEIGHT = -1.0
TOP = 5
OPEN_ATTACKS_SHOWN = 10
THEMES_SHOWN = 10
# One-argument themes are left out (and counted) when a side has more of them than this.
MAX_SINGLE_THEMES = 3
# Clustering costs O(n²) in time and memory: 400 arguments is a 400-by-400 matrix and a few milliseconds, and a theme
# listing more members than that is no longer a digest.
CLUSTER_CAP = 400
# Measured with benchmarks/summary_speed.py --cut on tests/data/argument_samples.json (MiniLM): 0.55 is the lowest
# cut at which no theme holds more than a tenth of the messages (lower cuts lump unrelated points into one "AI pause"
# theme); 42% of the labelled same-topic pairs share a theme and no off-topic message joins one. docs/summary.md.
THEME_CUT = 0.55
PASSAGES_SHOWN = 3
LINKS_SHOWN = 10
DISCORD_LINK = "https://discord.com/channels/"


@dataclass(frozen=True)
class Ranked:
    """An argument with what its score is made of."""

    argument: Argument
    votes: Votes
    supports: int
    attacks: int
    answered: int

    @property
    def unanswered(self) -> int:
        """Return how many attacks on it nobody answered."""
        return self.attacks - self.answered

    @property
    def score(self) -> float:
        """Return the documented score: net votes, plus supports and answered attacks, minus unanswered attacks."""
        return (
            (self.votes.up - self.votes.down)
            + SUPPORT_WEIGHT * self.supports
            + ANSWERED_WEIGHT * self.answered
            + UNANSWERED_WEIGHT * self.unanswered
        )


@dataclass(frozen=True)
class OpenAttack:
    """An attack nobody answered, and how long it has been open."""

    attacker: Argument
    target: Argument
    open_for: timedelta


@dataclass(frozen=True)
class Theme:
    """Arguments grouped by meaning, named by the most central of them."""

    centre: Argument
    members: tuple[Argument, ...]


@dataclass(frozen=True)
class SideSummary:
    """One side's digest, with counts of what it leaves out."""

    side: Side
    arguments: int
    strongest: tuple[Ranked, ...]
    contested: tuple[Ranked, ...]
    open_attacks: tuple[OpenAttack, ...]
    open_attack_count: int
    themes: tuple[Theme, ...]
    grouped: int
    without_vector: int
    not_clustered: int


@dataclass(frozen=True)
class Passage:
    """One cited paragraph of a source, with the arguments that cite it and those Crux suggested it for."""

    paragraph: int
    sentence: str
    cited_by: tuple[Argument, ...]
    suggested_for: tuple[Argument, ...]


@dataclass(frozen=True)
class Source:
    """A document the debate cites, with its counts and its most cited paragraphs."""

    document_id: int
    title: str
    cited: int
    suggested: int
    passages: tuple[Passage, ...]
    paragraphs: int


@dataclass(frozen=True)
class Participation:
    """Who took part and how much."""

    members: int
    arguments: dict[str, int]
    members_by_side: dict[str, int]
    comments: int
    supports: int
    attacks: int
    duplicates: int
    votes: int


@dataclass(frozen=True)
class Summary:
    """A debate's digest: per side, then sources and participation over the debate."""

    debate: Debate
    generated_at: datetime
    sides: tuple[SideSummary, ...]
    sources: tuple[Source, ...]
    participation: Participation

    @property
    def empty(self) -> bool:
        """Return whether the sides summarised have no arguments yet."""
        return all(side.arguments == 0 for side in self.sides)


# -- summarising ------------------------------------------------------------------------------------------------------


def summarise(
    debate_map: DebateMap,
    vectors: dict[int, np.ndarray],
    *,
    side: Side | None = None,
    now: datetime | None = None,
) -> Summary:
    """Digest a debate map, for both sides or one; `vectors` maps argument row ids to embeddings (some may be missing).

    Sources count only the citations of the sides summarised; participation always covers the whole debate.
    """
    moment = _aware(now) if now is not None else datetime.now(UTC)
    sides: tuple[Side, ...] = SIDES if side is None else (side,)
    numbered = debate_map.numbered
    answers = _Answers(debate_map)
    order = answers.order
    ranked = {
        a.id: Ranked(
            argument=a,
            votes=debate_map.votes.get(a.id, Votes()),
            supports=answers.supports[a.id],
            attacks=len(answers.attackers(a.id)),
            answered=sum(answers.answered(attacker, a.id) for attacker in answers.attackers(a.id)),
        )
        for a in numbered.values()
    }
    everything_open = answers.open_attacks(moment)

    summaries = []
    for which in sides:
        mine = [ranked[a.id] for a in numbered.values() if a.side == which]
        strongest = sorted(mine, key=lambda r: (-r.score, order[r.argument.id]))[:TOP]
        contested = sorted(
            (r for r in mine if r.supports and r.attacks),
            key=lambda r: (-min(r.supports, r.attacks), -(r.supports + r.attacks), order[r.argument.id]),
        )[:TOP]
        unanswered = [o for o in everything_open if o.target.side == which]
        themes, grouped, without_vector, not_clustered = _themes(mine, vectors, order)
        summaries.append(
            SideSummary(
                side=which,
                arguments=len(mine),
                strongest=tuple(strongest),
                contested=tuple(contested),
                open_attacks=tuple(unanswered[:OPEN_ATTACKS_SHOWN]),
                open_attack_count=len(unanswered),
                themes=themes,
                grouped=grouped,
                without_vector=without_vector,
                not_clustered=not_clustered,
            )
        )

    cited = [c for c in debate_map.citations if c.argument_id in numbered and numbered[c.argument_id].side in sides]
    return Summary(
        debate=debate_map.debate,
        generated_at=moment,
        sides=tuple(summaries),
        sources=_sources(cited, numbered),
        participation=_participation(debate_map),
    )


def open_attacks(debate_map: DebateMap, now: datetime | None = None) -> list[OpenAttack]:
    """Return every attack nobody answered, on either side, oldest first, with how long it has been open at `now`."""
    return _Answers(debate_map).open_attacks(_aware(now) if now is not None else datetime.now(UTC))


class _Answers:
    """Who supports and attacks whom, and which attacks were answered, for one map."""

    def __init__(self, debate_map: DebateMap) -> None:
        self.numbered = debate_map.numbered
        self.order = {a.id: (_posted(a), a.message_id) for a in self.numbered.values()}
        self.supports: Counter[int] = Counter()
        self.attacks: dict[int, list[int]] = defaultdict(list)  # target -> attackers, oldest link first
        self.latest_support: dict[int, tuple[datetime, int]] = {}
        for link in debate_map.relations:
            if link.relation == "supports":
                self.supports[link.target_id] += 1
                posted = self.order[link.source_id]
                if link.target_id not in self.latest_support or posted > self.latest_support[link.target_id]:
                    self.latest_support[link.target_id] = posted
            else:
                self.attacks[link.target_id].append(link.source_id)

    def attackers(self, target: int) -> list[int]:
        """Return the row ids of the arguments attacking one."""
        return self.attacks.get(target, [])

    def answered(self, attacker: int, target: int) -> bool:
        """Return whether the attacker was itself attacked, or the target supported after the attack."""
        later_support = target in self.latest_support and self.latest_support[target] > self.order[attacker]
        return attacker in self.attacks or later_support

    def open_attacks(self, moment: datetime) -> list[OpenAttack]:
        """Return the unanswered attacks, oldest first."""
        found = [
            OpenAttack(
                self.numbered[attacker], self.numbered[target], max(moment - self.order[attacker][0], timedelta(0))
            )
            for target, attackers in self.attacks.items()
            for attacker in attackers
            if not self.answered(attacker, target)
        ]
        return sorted(found, key=lambda o: (self.order[o.attacker.id], self.order[o.target.id]))


def _themes(
    ranked: Sequence[Ranked], vectors: dict[int, np.ndarray], order: dict[int, tuple[datetime, int]]
) -> tuple[tuple[Theme, ...], int, int, int]:
    """Return a side's themes shown, the arguments they group, and those without a vector or not clustered."""
    embedded = [r for r in ranked if r.argument.id in vectors]
    without_vector = len(ranked) - len(embedded)
    chosen = sorted(
        embedded,
        key=lambda r: (-(r.votes.up + r.votes.down), -(r.supports + r.attacks), order[r.argument.id]),
    )[:CLUSTER_CAP]
    not_clustered = len(embedded) - len(chosen)
    if not chosen:
        return (), 0, without_vector, not_clustered
    arguments = sorted((r.argument for r in chosen), key=lambda a: order[a.id])
    matrix = np.stack([np.asarray(vectors[a.id], dtype=np.float64).ravel() for a in arguments])
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    similarity = matrix @ matrix.T
    similarity = (similarity + similarity.T) / 2  # exactly symmetric, so ties stay ties
    labels = average_linkage(similarity, THEME_CUT)

    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    themes = []
    for members in groups.values():
        inner = similarity[np.ix_(members, members)]
        np.fill_diagonal(inner, 0.0)
        # Mean similarity to the other members, rounded so that float noise cannot break a tie: argmax then keeps
        # the earliest posted.
        centrality = np.round(inner.sum(axis=1) / max(len(members) - 1, 1), 9)
        centre = arguments[members[int(np.argmax(centrality))]]
        themes.append(Theme(centre, tuple(sorted((arguments[i] for i in members), key=_number))))
    themes.sort(key=lambda t: (-len(t.members), order[t.members[0].id]))
    if sum(len(t.members) == 1 for t in themes) > MAX_SINGLE_THEMES:
        themes = [t for t in themes if len(t.members) > 1]
    shown = themes[:THEMES_SHOWN]
    return tuple(shown), sum(len(t.members) for t in shown), without_vector, not_clustered


def average_linkage(similarity: np.ndarray, cut: float) -> list[int]:
    """Cluster by average linkage and return a label per row: clusters whose mean similarity is at least `cut` merge.

    The nearest-neighbour chain algorithm builds the whole dendrogram in O(n²) time; average linkage never inverts,
    so the clusters at the cut are joined by exactly the merges at or above it. Deterministic: ties go to the lower
    index.
    """
    n = len(similarity)
    if n == 0:
        return []
    linkage = np.array(similarity, dtype=np.float64, copy=True)
    np.fill_diagonal(linkage, -np.inf)
    size = np.ones(n)
    active = np.ones(n, dtype=bool)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chain: list[int] = []
    for _ in range(n - 1):
        while True:
            if not chain:
                chain.append(int(np.flatnonzero(active)[0]))
            a = chain[-1]
            row = linkage[a]
            b = int(np.argmax(row))
            if len(chain) > 1 and row[chain[-2]] >= row[b]:
                b = chain[-2]  # reciprocal nearest neighbours: merge them
                break
            chain.append(b)
        chain.pop()
        chain.pop()
        if row[b] >= cut:
            parent[root(max(a, b))] = root(min(a, b))
        keep, drop = min(a, b), max(a, b)
        merged = (size[a] * linkage[a] + size[b] * linkage[b]) / (size[a] + size[b])
        linkage[keep] = merged
        linkage[:, keep] = merged
        linkage[drop] = -np.inf
        linkage[:, drop] = -np.inf
        linkage[keep, keep] = -np.inf
        size[keep] += size[drop]
        active[drop] = False
    return [root(i) for i in range(n)]


def _sources(citations: Sequence[Citation], numbered: dict[int, Argument]) -> tuple[Source, ...]:
    by_document: dict[int, list[Citation]] = defaultdict(list)
    for citation in citations:
        by_document[citation.document_id].append(citation)
    sources = []
    for document_id, found in by_document.items():
        by_paragraph: dict[int, list[Citation]] = defaultdict(list)
        for citation in found:
            by_paragraph[citation.paragraph].append(citation)
        passages = []
        for paragraph, group in by_paragraph.items():
            cited = [c for c in group if c.status == "cited"]
            suggested = [c for c in group if c.status != "cited"]
            passages.append(
                Passage(
                    paragraph=paragraph,
                    sentence=(cited or suggested)[0].sentence,
                    cited_by=tuple(sorted({numbered[c.argument_id] for c in cited}, key=_number)),
                    suggested_for=tuple(sorted({numbered[c.argument_id] for c in suggested}, key=_number)),
                )
            )
        passages.sort(key=lambda p: (-len(p.cited_by), -len(p.suggested_for), p.paragraph))
        sources.append(
            Source(
                document_id=document_id,
                title=found[-1].document_title,
                cited=sum(c.status == "cited" for c in found),
                suggested=sum(c.status != "cited" for c in found),
                passages=tuple(passages[:PASSAGES_SHOWN]),
                paragraphs=len(passages),
            )
        )
    sources.sort(key=lambda s: (-s.cited, -s.suggested, s.document_id))
    return tuple(sources[:TOP])


def _participation(debate_map: DebateMap) -> Participation:
    numbered = debate_map.numbered.values()
    relations = Counter(link.relation for link in debate_map.relations)
    return Participation(
        members=len({a.author_id for a in debate_map.arguments}),
        arguments={side: sum(a.side == side for a in numbered) for side in SIDES},
        members_by_side={side: len({a.author_id for a in numbered if a.side == side}) for side in SIDES},
        comments=sum(a.kind == "comment" for a in debate_map.arguments),
        supports=relations["supports"],
        attacks=relations["attacks"],
        duplicates=len(debate_map.duplicates),
        votes=sum(v.up + v.down for v in debate_map.votes.values()),
    )


def _posted(argument: Argument) -> datetime:
    try:
        return parse_time(argument.posted_at)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _number(argument: Argument) -> int:
    return argument.number or 0


# -- rendering --------------------------------------------------------------------------------------------------------


def render_summary(summary: Summary) -> str:
    """Return the whole digest as Markdown, from prompts/summary.md and the prompts/summary_*.md line templates."""
    debate = summary.debate
    if summary.empty:
        threads = " / ".join(f"[{SIDE_TITLES[s.side]}]({_thread_url(debate, s.side)})" for s in summary.sides)
        return render("summary_empty", debate_id=debate.id, motion=escape(debate.motion), threads=threads) + "\n"
    text = render(
        "summary",
        debate_id=debate.id,
        motion=escape(debate.motion),
        status=debate.status,
        sides="\n\n".join(_render_side(summary, side) for side in summary.sides),
        sources="\n".join(_render_source(source) for source in summary.sources),
        participation=_render_participation(summary),
    )
    return _drop_empty_sections(text) + "\n"


def summary_pages(summary: Summary, limit: int = PAGE_CHARS) -> list[str]:
    """Split the digest into pages of at most `limit` characters between items, repeating the headings in force.

    The title heading opens the first page only. An item longer than a page (none is, at the shipped caps) is cut
    between lines, then between words.
    """
    pages: list[str] = []
    page: list[str] = []
    printed: set[int] = set()  # positions of the headings already on this page
    stack: list[tuple[int, int, str]] = []  # (level, position, line) of the headings the next item sits under
    for position, block in enumerate(_blocks(render_summary(summary))):
        if block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            stack = [h for h in stack if h[0] < level] + [(level, position, block)]
            continue
        context = [h for h in stack if h[0] > 1 or not pages]
        room = limit - len(_join([line for _, _, line in context])) - 2
        for piece in _fit(block, room):
            needed = [line for _, at, line in context if at not in printed]
            if page and len(_join([*page, *needed, piece])) > limit:
                pages.append(_join(page))
                page, printed = [], set()
                context = [h for h in stack if h[0] > 1]
                needed = [line for _, _, line in context]
            page += [*needed, piece]
            printed.update(at for _, at, _ in context)
    if page:
        pages.append(_join(page))
    return pages


def _join(blocks: Sequence[str]) -> str:
    """Return blocks as Markdown: a blank line around headings, list items one under the other."""
    text = ""
    for block in blocks:
        if text:
            text += "\n\n" if block.startswith("#") or text.rsplit("\n", 1)[-1].startswith("#") else "\n"
        text += block
    return text


def _blocks(text: str) -> list[str]:
    """Return the digest's headings and items (an item keeps its indented continuation lines)."""
    blocks: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) and blocks and not blocks[-1].startswith("#"):
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return blocks


def _fit(block: str, room: int) -> list[str]:
    """Return a block as pieces of at most `room` characters: whole lines, a too-long line cut between words."""
    room = max(room, 80)
    if len(block) <= room:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        while len(line) > room:
            cut = line.rfind(" ", 0, room)
            cut = cut if cut > room // 2 else room
            head, line = line[:cut], "  " + line[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(line) > room:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


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
    for passage in source.passages:
        lines.append(
            "  "
            + render(
                "summary_passage",
                title=escape(source.title),
                paragraph=passage.paragraph,
                sentence=quote(passage.sentence),
                cited_by=_links(passage.cited_by),
                suggested_for=_links(passage.suggested_for),
            )
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
