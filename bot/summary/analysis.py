"""The digest's facts: arguments scored and ranked, open attacks, sources cited and participation.

The ranking rules are set out in the package docstring (bot/summary/__init__.py) and in docs/summary.md, "How the
summary ranks"; the weights are the constants below.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.db import parse_time
from bot.debates.marks import DebateHinges, HingeInputs, debate_hinges
from bot.debates.model import SIDES, Argument, Citation, Debate, DebateMap, Side, Votes
from bot.summary.hinges import HingeSections, hinge_sections
from bot.summary.themes import Theme, side_themes

SUPPORT_WEIGHT = 1.0
ANSWERED_WEIGHT = 0.5
UNANSWERED_WEIGHT = -1.0
TOP = 5
OPEN_ATTACKS_SHOWN = 10
PASSAGES_SHOWN = 3


@dataclass(frozen=True)
class ScoredArgument:
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
class SideSummary:
    """One side's digest, with counts of what it leaves out."""

    side: Side
    arguments: int
    strongest: tuple[ScoredArgument, ...]
    contested: tuple[ScoredArgument, ...]
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
    """A debate's digest: per side, then where the debate hinges, sources and participation over the debate."""

    debate: Debate
    generated_at: datetime
    sides: tuple[SideSummary, ...]
    sources: tuple[Source, ...]
    participation: Participation
    #: Common ground, cruxes and changed minds over both sides; None when the digest was made without the marks.
    hinges: HingeSections | None = None

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
    hinges: DebateHinges | None = None,
) -> Summary:
    """Digest a debate map, for both sides or one; `vectors` maps argument row ids to embeddings (some may be missing).

    Sources count only the citations of the sides summarised; participation, and the common ground, cruxes and
    changed minds read from `hinges` (the same debate's marks), always cover the whole debate.
    """
    moment = _aware(now) if now is not None else datetime.now(UTC)
    sides: tuple[Side, ...] = SIDES if side is None else (side,)
    numbered = debate_map.numbered
    answers = _Answers(debate_map)
    order = answers.order
    scored = {
        a.id: ScoredArgument(
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
        mine = [scored[a.id] for a in numbered.values() if a.side == which]
        strongest = sorted(mine, key=lambda r: (-r.score, order[r.argument.id]))[:TOP]
        contested = sorted(
            (r for r in mine if r.supports and r.attacks),
            key=lambda r: (-min(r.supports, r.attacks), -(r.supports + r.attacks), order[r.argument.id]),
        )[:TOP]
        unanswered = [o for o in everything_open if o.target.side == which]
        themes, grouped, without_vector, not_clustered = side_themes(mine, vectors, order)
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
        hinges=hinge_sections(hinges) if hinges is not None else None,
    )


def summarise_debate(
    inputs: HingeInputs,
    vectors: dict[int, np.ndarray],
    *,
    side: Side | None = None,
    now: datetime | None = None,
) -> Summary:
    """Compute a debate's marks from their inputs and digest its map with them (CPU work: run it off the loop)."""
    return summarise(inputs.debate_map, vectors, side=side, now=now, hinges=debate_hinges(inputs))


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
            elif link.relation == "attacks":  # a plain reply (responds_to) is neither
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


# -- sources and participation ----------------------------------------------------------------------------------------


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
                    cited_by=tuple(sorted({numbered[c.argument_id] for c in cited}, key=lambda a: a.order)),
                    suggested_for=tuple(sorted({numbered[c.argument_id] for c in suggested}, key=lambda a: a.order)),
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
