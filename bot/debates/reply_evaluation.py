"""Measuring the reply classifier on labelled replies (tests/data/reply_samples.json, benchmarks/reply_relations.py).

Precision and recall per relation, precision over the replies it types, and its abstain rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from bot.debates.model import Side
from bot.debates.relations import PROPOSED, RULES, Proposal, ProposedRelation, propose_relation


@dataclass(frozen=True)
class ReplySample:
    """A labelled reply: the argument it answers, what was written, by whom and where, and the relation it has."""

    id: str
    target_text: str
    target_side: Side
    reply: str
    stance: Side | None
    thread: Side
    gold: ProposedRelation
    held_out: bool = False

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ReplySample:
        """Return a sample from one record of tests/data/reply_samples.json; ValueError if a field is malformed."""
        target = record["target"]
        sides = (None, "pro", "con")
        if target["side"] not in sides[1:] or record["thread"] not in sides[1:] or record["stance"] not in sides:
            raise ValueError(f"sample {record.get('id')}: sides must be 'pro' or 'con' (stance may be null)")
        if record["gold"] not in PROPOSED:
            raise ValueError(f"sample {record.get('id')}: gold must be one of {PROPOSED}")
        return cls(
            id=str(record["id"]),
            target_text=str(target["text"]),
            target_side=cast(Side, target["side"]),
            reply=str(record["reply"]),
            stance=cast("Side | None", record["stance"]),
            thread=cast(Side, record["thread"]),
            gold=cast(ProposedRelation, record["gold"]),
            held_out=bool(record.get("held_out", False)),
        )


@dataclass(frozen=True)
class RuleScore:
    """How often one rule decided a sample, and how often its proposal matched the label."""

    fired: int
    correct: int


@dataclass(frozen=True)
class Evaluation:
    """The classifier scored on labelled samples.

    precision[r]: of the replies proposed as r, the share labelled r; recall[r]: of the replies labelled r, the share
    proposed as r (None when there is nothing to divide). For responds_to these measure the abstentions.
    typed_precision: of the replies proposed as supports or attacks, the share whose label matches.
    abstain_rate: the share of all replies proposed as responds_to.
    """

    total: int
    confusion: dict[tuple[str, str], int]
    precision: dict[str, float | None]
    recall: dict[str, float | None]
    typed: int
    typed_precision: float | None
    abstain_rate: float
    rules: dict[str, RuleScore]
    misses: list[tuple[ReplySample, Proposal]]


def evaluate(samples: Iterable[ReplySample]) -> Evaluation:
    """Run `propose_relation` on every sample and score its proposals against the labels."""
    scored = [
        (sample, propose_relation(sample.reply, sample.stance, sample.target_side, sample.thread)) for sample in samples
    ]
    confusion = Counter((sample.gold, proposal.relation) for sample, proposal in scored)
    proposed = Counter(proposal.relation for _, proposal in scored)
    labelled = Counter(sample.gold for sample, _ in scored)
    precision: dict[str, float | None] = {r: _share(confusion[r, r], proposed[r]) for r in PROPOSED}
    recall: dict[str, float | None] = {r: _share(confusion[r, r], labelled[r]) for r in PROPOSED}
    typed = [(sample, proposal) for sample, proposal in scored if proposal.typed]
    typed_right = sum(sample.gold == proposal.relation for sample, proposal in typed)
    fired = Counter(proposal.rule for _, proposal in scored)
    correct = Counter(proposal.rule for sample, proposal in scored if sample.gold == proposal.relation)
    return Evaluation(
        total=len(scored),
        confusion={(g, p): confusion[g, p] for g in PROPOSED for p in PROPOSED},
        precision=precision,
        recall=recall,
        typed=len(typed),
        typed_precision=_share(typed_right, len(typed)),
        abstain_rate=proposed["responds_to"] / len(scored) if scored else 0.0,
        rules={rule: RuleScore(fired[rule], correct[rule]) for rule in RULES if fired[rule]},
        misses=[(sample, proposal) for sample, proposal in scored if sample.gold != proposal.relation],
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
