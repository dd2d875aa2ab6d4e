"""Measuring the reply classifier on labelled replies (tests/data/reply_samples.json, benchmarks/reply_relations.py).

Precision and recall per relation, precision over the replies it types, and its abstain rate.

The labels come from two places. The hand-written samples, and the replies members labelled in Discord: when a
reply's author, or a moderator through **Set reply relation**, sets whether it supports, attacks or only responds to
what it answers, that relation is a label (HingeStore.labelled_replies reads them; `labelled_samples` turns them into
samples, scored by the same `evaluate`). What Crux proposed at capture is not kept (setting a relation replaces
Crux's link), so the proposal scored is the classifier's today, on the reply's current text, with the replier's side
recomputed by bot.debates.hinges.replier_side: a label that disagrees with it counts as a miss whether or not Crux
proposed the same thing back then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from bot.debates.model import Argument, Link, Side
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
class LabelledReply:
    """A reply whose relation a person set: the reply, the argument it answers, and the link they made.

    The link's relation is the label, its method who set it ('author' or 'moderator'), made_by the member. What Crux
    proposed when it captured the reply is not kept: setting a relation replaces the link Crux made.
    """

    reply: Argument
    target: Argument
    link: Link


def labelled_samples(labelled: Iterable[LabelledReply], sides: Mapping[int, Side | None]) -> list[ReplySample]:
    """Return labelled replies as samples for `evaluate`; `sides` maps each reply id to its author's stance side.

    A sample's id names the debate and the two arguments ("debate 3 #12>#4"); none is held out.
    """
    samples = []
    for row in labelled:
        if row.link.relation not in PROPOSED:
            raise ValueError(f"link {row.link.id}: {row.link.relation} is not a reply's relation")
        samples.append(
            ReplySample(
                id=f"debate {row.reply.debate_id} {row.reply.label}>{row.target.label}",
                target_text=row.target.text,
                target_side=row.target.side,
                reply=row.reply.text,
                stance=sides[row.reply.id],
                thread=row.reply.side,
                gold=cast(ProposedRelation, row.link.relation),
            )
        )
    return samples


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
