"""Propose how a reply in a debate thread relates to the argument it answers: supports, attacks, or untyped.

A reply is read the way a moderator skims it: how it opens, whether it turns ("Yes, but…"), the tell-tale phrases in
it, whether it only asks, and who wrote it where. The cue words are data, in reply_cues.toml next to this module
(its header documents the format); this module holds the rules, tried in this order, the first that decides wins:

1. A neutral opener on a reply made only of questions ("Can you explain how…?") leaves it untyped.
2. A contrast ("but", "however", "still,"…) in the first two sentences: what follows the last one decides (an attack
   or a support phrase); if nothing decisive follows, an agreement or concession before it makes the reply an
   attack ("I see your point, but…", "Yes, but…"), and an attack before it keeps it one.
3. An attack or support interjection or opener ("No,", "That ignores…", "Agreed.", "No doubt, and…").
4. Attack or support phrases anywhere ("I don't think that's true", "couldn't agree more"); a support phrase under a
   negation counts as an attack ("isn't a good argument"). Both kinds at once leave the reply untyped.
5. A neutral cue ("Source?", "Interesting.", "on the fence"), a reply made only of questions, or one that opens with
   a question leaves it untyped: asking is not yet agreeing or disagreeing.
6. An addition opener ("Also", "And", "On top of that") supports; from the other side it, like a bare concession
   ("Sure, …"), is left untyped.
7. Who replies where: a replier whose stance side differs from the target's side, or who posts in the other side's
   thread, attacks; one whose stance and thread are both the target's side supports (unless the reply turns with a
   contrast); with neither signal (no stance, same thread) the reply is left untyped.

Embeddings cannot do this: MiniLM scores a claim and its negation as near neighbours, so similarity says a reply is
about the target, never whether it agrees. `evaluate` scores the rules on labelled samples
(tests/data/reply_samples.json; run benchmarks/reply_relations.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from bot.debates.model import Side

ProposedRelation = Literal["supports", "attacks", "responds_to"]
#: Every relation a proposal can have; responds_to means "a reply, relation untyped": the classifier abstains.
PROPOSED: tuple[ProposedRelation, ...] = ("supports", "attacks", "responds_to")
TYPED: tuple[ProposedRelation, ...] = ("supports", "attacks")
CUES_FILE = "reply_cues.toml"
# A negation is looked for among this many words before a phrase, within its clause.
NEGATION_WINDOW = 4
# A contrast turns the reply only within its first sentences; later ones are elaboration.
CONTRAST_SENTENCES = 2
# What may follow an interjection for it to count ("No," "Right." "Agreed —"); "?" does not ("No?" "Right?").
_AFTER_INTERJECTION = ",.!;:—\u2013-…)"
_CLAUSE_BREAK = re.compile("[,;:.!?—\u2013()]")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
_MENTION = re.compile(r"<[@#][!&]?\d+>|^@\S+")


@dataclass(frozen=True)
class Cues:
    """The cue lists of reply_cues.toml, by category and by how they match (see that file's header)."""

    attack_interjections: tuple[str, ...]
    attack_openers: tuple[str, ...]
    attack_phrases: tuple[str, ...]
    support_interjections: tuple[str, ...]
    support_openers: tuple[str, ...]
    support_phrases: tuple[str, ...]
    addition_openers: tuple[str, ...]
    concession_openers: tuple[str, ...]
    contrast_markers: tuple[str, ...]
    neutral_interjections: tuple[str, ...]
    neutral_openers: tuple[str, ...]
    neutral_phrases: tuple[str, ...]
    filler_words: tuple[str, ...]
    negation_words: tuple[str, ...]


@dataclass(frozen=True)
class Proposal:
    """A proposed relation for a reply, the rule that fired (see RULES) and a short reason a member can read."""

    relation: ProposedRelation
    rule: str
    reason: str

    @property
    def typed(self) -> bool:
        """Return whether it proposes supports or attacks rather than abstaining."""
        return self.relation != "responds_to"


#: Every rule `propose_relation` can name, in the order they are tried.
RULES = (
    "empty",
    "neutral-question",
    "after-contrast",
    "concession-contrast",
    "attack-opener",
    "support-opener",
    "attack-phrase",
    "support-phrase",
    "mixed",
    "neutral-cue",
    "question",
    "addition",
    "addition-other-side",
    "concession-other-side",
    "other-side",
    "same-side",
    "contrast-same-side",
    "no-signal",
)


@dataclass(frozen=True)
class _Match:
    """Where one cue matched in a normalised reply, and what it counts as ('attack', 'support', 'neutral'…)."""

    category: str
    cue: str
    start: int
    end: int


def load_cues(text: str) -> Cues:
    """Return the cue lists from the text of a cue file; ValueError naming the list that is missing or malformed."""
    data = tomllib.loads(text)
    found: dict[str, tuple[str, ...]] = {}
    for name in Cues.__dataclass_fields__:
        table, key = name.split("_", 1)
        values = data.get(table, {}).get(key)
        if not isinstance(values, list) or not values or not all(isinstance(value, str) for value in values):
            raise ValueError(f"{CUES_FILE}: [{table}] {key} must be a non-empty list of strings")
        cleaned = tuple(value.strip() for value in values)
        malformed = [value for value in cleaned if not value or value != value.lower() or "’" in value]
        if malformed:
            raise ValueError(
                f"{CUES_FILE}: [{table}] {key} has cues that are empty, not lower case or curly: {malformed}"
            )
        found[name] = cleaned
    return Cues(**found)


@cache
def cues() -> Cues:
    """Return the cue lists shipped next to this module, read once."""
    return load_cues(files("bot.debates").joinpath(CUES_FILE).read_text(encoding="utf-8"))


def normalise(text: str) -> str:
    """Return a reply as cues are matched against it: lower case, straight quotes, no mentions or quoted lines."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    joined = " ".join(lines).lower()
    joined = joined.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    joined = _MENTION.sub(" ", joined)
    return re.sub(r"\s+", " ", joined).strip()


def propose_relation(
    reply_text: str, replier_stance_side: Side | None, target_side: Side, replier_thread_side: Side
) -> Proposal:
    """Propose whether a reply supports or attacks the argument it answers, or leave it untyped (responds_to).

    `replier_stance_side` is the side of the replier's stance (see bot.debates.stances.stance_side), None when they
    are unsure or unknown; `replier_thread_side` is the side of the thread the reply was posted in.
    """
    text = normalise(reply_text)
    if not re.search(r"\w", text):
        return Proposal("responds_to", "empty", "the reply has no words")
    lists = cues()
    opener = _opener(text, lists)
    phrases = _phrases(text, lists, opener)
    contrast = _contrast(text, lists, opener)
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    questions_only = all(sentence.endswith("?") for sentence in sentences)
    other_side = (
        replier_stance_side is not None and replier_stance_side != target_side
    ) or replier_thread_side != target_side
    same_side = replier_stance_side == target_side and replier_thread_side == target_side
    opening = opener.category if opener else None

    if opening == "neutral" and questions_only:
        return Proposal("responds_to", "neutral-question", f"asks a question ({_quote(opener)})")

    if contrast is not None:
        late = [p for p in phrases if p.start >= contrast.end]
        late_kinds = {p.category for p in late} & {"attack", "support"}
        if late_kinds == {"attack"}:
            return Proposal("attacks", "after-contrast", f"turns with {_quote(contrast)}, then {_quote(late[0])}")
        if late_kinds == {"support"}:
            return Proposal("supports", "after-contrast", f"turns with {_quote(contrast)}, then {_quote(late[0])}")
        if late_kinds:
            return Proposal("responds_to", "mixed", f"after {_quote(contrast)} it both agrees and disagrees")
        early = [p for p in phrases if p.end <= contrast.start]
        conceding = opening in ("support", "concession") or any(p.category == "support" for p in early)
        if conceding:
            granted = opener if opening in ("support", "concession") else early[0]
            return Proposal(
                "attacks",
                "concession-contrast",
                f"grants the point ({_quote(granted)}), then turns with {_quote(contrast)}",
            )

    if opening == "attack":
        return Proposal("attacks", "attack-opener", f"opens with {_quote(opener)}")
    if opening == "support":
        return Proposal("supports", "support-opener", f"opens with {_quote(opener)}")

    kinds = {p.category for p in phrases} & {"attack", "support"}
    if kinds == {"attack"}:
        first = next(p for p in phrases if p.category == "attack")
        return Proposal("attacks", "attack-phrase", f"says {_quote(first)}")
    if kinds == {"support"}:
        first = next(p for p in phrases if p.category == "support")
        return Proposal("supports", "support-phrase", f"says {_quote(first)}")
    if kinds:
        return Proposal("responds_to", "mixed", "it both agrees and disagrees")

    neutral = opener if opening == "neutral" else next((p for p in phrases if p.category == "neutral"), None)
    if neutral is not None:
        return Proposal("responds_to", "neutral-cue", f"says {_quote(neutral)}, neither for nor against")
    if questions_only or sentences[0].endswith("?"):
        return Proposal("responds_to", "question", "opens with a question")

    if opening == "addition":
        if other_side:
            return Proposal("responds_to", "addition-other-side", f"adds ({_quote(opener)}) but from the other side")
        return Proposal("supports", "addition", f"adds to the argument ({_quote(opener)})")
    if opening == "concession" and other_side:
        return Proposal("responds_to", "concession-other-side", f"concedes ({_quote(opener)}) from the other side")

    if other_side:
        where = (
            "in the other side's thread" if replier_thread_side != target_side else f"as a {replier_stance_side} member"
        )
        return Proposal("attacks", "other-side", f"no cue either way; replies {where} to a {target_side} argument")
    if same_side:
        if contrast is not None:
            return Proposal(
                "responds_to", "contrast-same-side", f"turns with {_quote(contrast)} but says nothing decisive"
            )
        return Proposal(
            "supports", "same-side", f"no cue either way; a {target_side} member in the {target_side} thread"
        )
    return Proposal("responds_to", "no-signal", "nothing in the reply or its author's side decides")


# -- matching ---------------------------------------------------------------------------------------------------------


def _quote(match: _Match | None) -> str:
    return f'"{match.cue}"' if match is not None else "nothing"


def _bounded(text: str, cue: str, start: int) -> bool:
    """Return whether `cue` occurs at `start` as whole words (no letter or digit glued to either end)."""
    end = start + len(cue)
    if not text.startswith(cue, start):
        return False
    before_ok = start == 0 or not (cue[0].isalnum() and _wordish(text[start - 1]))
    after_ok = end == len(text) or not (cue[-1].isalnum() and _wordish(text[end]))
    return before_ok and after_ok


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "_'"


def _starts(text: str, filler: Sequence[str]) -> list[int]:
    """Return where the reply's real first word may start: 0, and after each run of filler words."""
    starts = [0]
    position = 0
    while True:
        for word in sorted(filler, key=len, reverse=True):
            if _bounded(text, word, position):
                after = re.compile(r"[\s,.!…-]*").match(text, position + len(word))
                position = after.end() if after else position + len(word)
                starts.append(position)
                break
        else:
            return starts


def _opener(text: str, lists: Cues) -> _Match | None:
    """Return the longest interjection or opener the reply starts with (after any filler), or None."""
    linking = lists.addition_openers + lists.contrast_markers
    candidates: list[_Match] = []
    groups = [
        ("attack", lists.attack_interjections, True),
        ("support", lists.support_interjections, True),
        ("neutral", lists.neutral_interjections, True),
        ("attack", lists.attack_openers, False),
        ("support", lists.support_openers, False),
        ("neutral", lists.neutral_openers, False),
        ("addition", lists.addition_openers, False),
        ("concession", lists.concession_openers, False),
    ]
    for start in _starts(text, lists.filler_words):
        for category, group, interjection in groups:
            for cue in group:
                if not _bounded(text, cue, start):
                    continue
                end = start + len(cue)
                if interjection and not _ends_interjection(text, end, linking):
                    continue
                candidates.append(_Match(category, cue, start, end))
    return max(candidates, key=lambda match: match.end, default=None)


def _ends_interjection(text: str, end: int, linking: Sequence[str]) -> bool:
    """Return whether what follows `end` lets the word before it stand as an interjection."""
    rest = text[end:].lstrip()
    if not rest or rest[0] in _AFTER_INTERJECTION:
        return True
    return any(_bounded(rest, word, 0) for word in linking)


def _find(text: str, cue: str) -> Iterable[int]:
    start = text.find(cue)
    while start != -1:
        if _bounded(text, cue, start):
            yield start
        start = text.find(cue, start + 1)


def _phrases(text: str, lists: Cues, opener: _Match | None) -> list[_Match]:
    """Return the attack, support and neutral phrases in the reply, longest first where they overlap, in order.

    A support phrase under a negation becomes an attack; a negated attack phrase is dropped; a phrase inside the
    opener is the opener's and not counted again.
    """
    found = [
        _Match(category, cue, start, start + len(cue))
        for category, group in (
            ("attack", lists.attack_phrases),
            ("support", lists.support_phrases),
            ("neutral", lists.neutral_phrases),
        )
        for cue in group
        for start in _find(text, cue)
    ]
    kept: list[_Match] = []
    for match in sorted(found, key=lambda m: m.end - m.start, reverse=True):
        if opener is not None and match.start < opener.end:
            continue
        if any(other.start <= match.start and match.end <= other.end for other in kept):
            continue
        kept.append(match)
    result: list[_Match] = []
    for match in sorted(kept, key=lambda m: m.start):
        if match.category != "neutral" and _negated(text, match.start, lists.negation_words):
            if match.category == "attack":
                continue
            match = _Match("attack", f"not … {match.cue}", match.start, match.end)
        result.append(match)
    return result


def _negated(text: str, start: int, negations: Sequence[str]) -> bool:
    """Return whether a negation stands among the few words before `start`, within the same clause."""
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)]
    clause = text[breaks[-1] if breaks else 0 : start]
    words = clause.split()[-NEGATION_WINDOW:]
    window = " ".join(words)
    return any(word.endswith("n't") for word in words) or any(_any_at(window, negation) for negation in negations)


def _any_at(text: str, cue: str) -> bool:
    return next(iter(_find(text, cue)), None) is not None


def _contrast(text: str, lists: Cues, opener: _Match | None) -> _Match | None:
    """Return the last contrast marker in the reply's first sentences that something follows, or None."""
    sentences = list(_SENTENCE.finditer(text))[:CONTRAST_SENTENCES]
    limit = sentences[-1].end() if sentences else len(text)
    begin = opener.end if opener is not None else 0
    markers: list[_Match] = []
    for marker in lists.contrast_markers:
        for start in _find(text, marker):
            end = start + len(marker)
            if start < begin or end > limit:
                continue
            sentence_end = next((s.end() for s in sentences if s.start() <= start < s.end()), limit)
            if re.search(r"\w", text[end:sentence_end]):
                markers.append(_Match("contrast", marker, start, end))
    return max(markers, key=lambda match: match.start, default=None)
