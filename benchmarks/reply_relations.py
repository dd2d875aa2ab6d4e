"""Measure how well Crux proposes the relation of a reply: supports, attacks, or left untyped (responds_to).

Runs bot.debates.relations.evaluate, the same function the tests hold to their floor, over the labelled replies in
tests/data/reply_samples.json and prints, for the development samples, the held-out samples and all of them:
precision and recall per relation, precision over the replies it typed, the abstain rate, a confusion table, how
often each rule fired and was right, and every reply it got wrong.

How honest the numbers are: the 80 development samples were written first, then the rules and the cue lists in
bot/debates/reply_cues.toml, by the same author, who knew those samples while choosing cues; the development score
is therefore optimistic. After the classifier was finished, 33 more samples were written and marked
"held_out": true; they were scored once and nothing was tuned after seeing them. Read the held-out line as the
estimate. Tune the cues against the development samples only, and when you do, write fresh held-out samples.

With --db, it also scores the classifier on the replies members labelled in a Crux database (all debates, or the
one --debate names, by the ID `crux debates list` shows): every reply whose relation its author set, or a moderator
set through **Set reply relation**, printed with how many there are by method and the same tables. These labels are
real members' judgements the cues were never tuned on, so they are the estimate to trust once there are enough of
them. Crux keeps only the relation a person chose, not the one it proposed at capture, so each labelled reply is
proposed afresh, on its current text, with its author's side as replier_side reads it now.

Run: .venv/bin/python -m benchmarks.reply_relations [--samples FILE] [--quiet] [--db FILE [--debate ID]]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.debates.hinges import replier_side
from bot.debates.relations import PROPOSED
from bot.debates.reply_evaluation import Evaluation, LabelledReply, ReplySample, evaluate, labelled_samples
from bot.errors import DatabaseUnusable

ROOT = Path(__file__).resolve().parent.parent
#: What the feature needs: typed proposals right at least this often, abstaining on at most this share of replies.
PRECISION_TARGET = 0.9
ABSTAIN_LIMIT = 1 / 3


def main(argv: Sequence[str] | None = None) -> None:
    """Score the classifier on the development, held-out and all samples (and a database's labels), print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "tests" / "data" / "reply_samples.json")
    parser.add_argument("--quiet", action="store_true", help="print the summary lines only")
    parser.add_argument("--db", type=Path, help="also score the replies members labelled in this Crux database")
    parser.add_argument("--debate", type=int, help="with --db: only this debate (its ID in `crux debates list`)")
    args = parser.parse_args(argv)
    if args.debate is not None and args.db is None:
        parser.error("--debate needs --db")
    if args.db is not None and not args.db.is_file():
        parser.error(f"there is no Crux database at {args.db}")
    records = json.loads(args.samples.read_text(encoding="utf-8"))["samples"]
    samples = [ReplySample.from_record(record) for record in records]
    sets = {
        "development": [s for s in samples if not s.held_out],
        "held-out": [s for s in samples if s.held_out],
        "all": samples,
    }
    print(f"target: typed precision >= {PRECISION_TARGET:.2f}, abstain rate <= {ABSTAIN_LIMIT:.2f}")
    for name, chosen in sets.items():
        if not chosen:
            continue
        result = evaluate(chosen)
        print()
        print(summary(name, result))
        if not args.quiet:
            print_details(result)
    if args.db is not None:
        print()
        try:
            print_labelled(args.db, args.debate, args.quiet)
        except DatabaseUnusable as error:
            raise SystemExit(str(error)) from None


def print_labelled(path: Path, debate_id: int | None, quiet: bool) -> None:
    """Print how many replies members labelled in a database, by method, and the classifier's score on them."""
    labelled, samples = database_samples(path, debate_id)
    methods = Counter(row.link.method for row in labelled)
    where = str(path) if debate_id is None else f"{path}, debate {debate_id}"
    print(
        f"labelled replies in {where}: {len(labelled)} (author {methods['author']}, moderator {methods['moderator']})"
    )
    if not samples:
        return
    result = evaluate(samples)
    print(summary("labelled", result))
    if not quiet:
        print_details(result)


def database_samples(path: Path, debate_id: int | None) -> tuple[list[LabelledReply], list[ReplySample]]:
    """Return the replies labelled in a Crux database (one debate, or all) and the samples they make."""
    db = open_database(path, create=False)
    try:
        labelled = HingeStore(db).labelled_replies(debate_id)
        store = DebateStore(db)
        sides = {
            row.reply.id: replier_side(store, row.reply.debate_id, row.reply.author_id, row.reply.id)
            for row in labelled
        }
    finally:
        db.conn.close()
    return labelled, labelled_samples(labelled, sides)


def summary(name: str, result: Evaluation) -> str:
    """Return one line: how many replies, typed precision, abstain rate, and whether both meet the target."""
    meets = (
        result.typed_precision is not None
        and result.typed_precision >= PRECISION_TARGET
        and result.abstain_rate <= ABSTAIN_LIMIT
    )
    return (
        f"{name}: {result.total} replies, typed {result.typed}, typed precision {show(result.typed_precision)}, "
        f"abstain rate {result.abstain_rate:.2f} ({'meets' if meets else 'MISSES'} the target)"
    )


def print_details(result: Evaluation) -> None:
    """Print per-relation precision and recall, the confusion table, the rules and the misses."""
    print(f"  {'relation':<12} {'precision':>9} {'recall':>7} {'labelled':>9} {'proposed':>9}")
    for relation in PROPOSED:
        labelled = sum(result.confusion[relation, p] for p in PROPOSED)
        proposed = sum(result.confusion[g, relation] for g in PROPOSED)
        print(
            f"  {relation:<12} {show(result.precision[relation]):>9} {show(result.recall[relation]):>7} "
            f"{labelled:>9} {proposed:>9}"
        )
    print("  confusion (rows: label, columns: proposed)")
    print("  " + " " * 12 + "".join(f"{p:>12}" for p in PROPOSED))
    for gold in PROPOSED:
        print(f"  {gold:<12}" + "".join(f"{result.confusion[gold, p]:>12}" for p in PROPOSED))
    print("  rules (fired / right)")
    for rule, score in result.rules.items():
        print(f"  {rule:<22} {score.fired:>3} / {score.correct}")
    for sample, proposal in result.misses:
        why = f"{proposal.rule}: {proposal.reason}"
        print(f"  miss {sample.id}: labelled {sample.gold}, proposed {proposal.relation} ({why})")
        print(f"       {sample.reply!r}")


def show(value: float | None) -> str:
    """Return a share to two places, or '-' when there was nothing to measure."""
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
