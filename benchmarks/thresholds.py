"""Measure the two similarity thresholds: when to post a source as a citation, and when an argument is a duplicate.

Indexes the seed articles in a fresh in-memory database with the real MiniLM model, then reads the labelled debate
messages in tests/data/argument_samples.json:

- citation: the top hybrid hit of every on-topic argument (relevant or not, by its labels) and of every off-topic
  message (never relevant); a citation is posted when the hit's cosine similarity is at least t.
- duplicate: the cosine similarity of every duplicate pair and every distinct (hard negative) pair; a new argument
  is flagged as a duplicate when its similarity to an earlier one is at least t.

Prints plain lines that can be pasted into a README.

Run: .venv/bin/python -m benchmarks.thresholds [--seeds DIR] [--samples FILE]
(defaults: ../shared/seeds and tests/data/argument_samples.json)
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.evaluation import LabelledQuery
from bot.sources.library import Library

ROOT = Path(__file__).resolve().parent.parent
CITATION_TARGET = 0.90
DUPLICATE_TARGET = 0.95


@dataclass(frozen=True)
class Point:
    """One scored case: its similarity and whether it should count as positive."""

    similarity: float
    positive: bool


@dataclass(frozen=True)
class Cut:
    """Precision and recall of "positive if similarity >= threshold" over a set of points."""

    threshold: float
    flagged: int
    true: int
    negatives_flagged: int
    precision: float | None
    recall: float
    f1: float


def main() -> None:
    """Score both thresholds on the labelled samples and print the tables and the chosen values."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--samples", type=Path, default=ROOT / "tests" / "data" / "argument_samples.json")
    args = parser.parse_args()
    samples = json.loads(args.samples.read_text(encoding="utf-8"))

    library = Library(SourceStore(open_database(":memory:")), MiniLMEmbedder())
    library.add_paths([args.seeds], added_by="benchmark")
    print(f"{len(library.documents())} documents, {len(library.index)} excerpts, model {library.embedder.name}")
    print()
    citation(library, samples)
    print()
    duplicate(library, samples)


def citation(library: Library, samples: dict) -> None:
    """Print the citation threshold sweep: top hybrid hit of on-topic arguments and off-topic messages."""
    names = {d.id: d.name for d in library.documents()}
    on_topic, missing = [], 0
    for item in samples["on_topic"]:
        labelled = LabelledQuery(
            query=item["query"],
            relevant={r["document"]: frozenset(r["paragraphs"]) for r in item["relevant"]},
        )
        similarity, relevant = top_hit(library, labelled.query, labelled, names)
        missing += similarity is None
        on_topic.append(Point(similarity or 0.0, relevant))
    off_topic = []
    for message in samples["off_topic"]:
        similarity, _ = top_hit(library, message, None, names)
        missing += similarity is None
        off_topic.append(Point(similarity or 0.0, False))

    relevant_tops = sum(p.positive for p in on_topic)
    print("Citation threshold (post the top hybrid hit when its cosine similarity >= t)")
    print(
        f"{len(on_topic)} on-topic arguments, top hit relevant for {relevant_tops}; {len(off_topic)} off-topic messages"
    )
    if missing:
        print(f"{missing} top hits came from keyword search alone (no cosine similarity), scored as 0.00")
    print(f"on-topic, relevant top hit:   {spread([p.similarity for p in on_topic if p.positive])}")
    print(f"on-topic, irrelevant top hit: {spread([p.similarity for p in on_topic if not p.positive])}")
    print(f"off-topic top hit:            {spread([p.similarity for p in off_topic])}")
    points = on_topic + off_topic
    print(
        f"separation: a relevant top hit outscores an irrelevant or off-topic one {separation(points):.2f} of the time"
    )
    cuts = [cut(points, step / 100, negatives=off_topic) for step in range(20, 71)]
    print_table(cuts, "posted", "off-topic cited")
    chosen, how = choose(cuts, CITATION_TARGET)
    print(
        f"Chosen citation threshold: {chosen.threshold:.2f} ({how}): precision {show(chosen.precision)}, "
        f"recall {chosen.recall:.2f}, {chosen.negatives_flagged} of {len(off_topic)} off-topic messages get a citation"
    )


def duplicate(library: Library, samples: dict) -> None:
    """Print the duplicate threshold sweep over duplicate pairs and distinct (hard negative) pairs."""
    same = pair_similarities(library, samples["duplicate_pairs"])
    different = pair_similarities(library, samples["distinct_pairs"])
    print("Duplicate threshold (flag a new argument when its cosine similarity to an earlier one >= t)")
    print(f"duplicate pairs ({len(same)}): {spread(same)}")
    print(f"distinct pairs ({len(different)}):  {spread(different)}")
    points = [Point(s, True) for s in same] + [Point(s, False) for s in different]
    negatives = [p for p in points if not p.positive]
    split = separation(points)
    print(f"separation: a duplicate pair outscores a distinct pair {split:.2f} of the time")
    if split <= 0.5:
        print("warning: distinct pairs score as high as duplicates or higher; no cosine threshold can separate them")
    cuts = [cut(points, step / 100, negatives=negatives) for step in range(50, 96)]
    print_table(cuts, "flagged", "distinct flagged")
    chosen, how = choose(cuts, DUPLICATE_TARGET)
    print(
        f"Chosen duplicate threshold: {chosen.threshold:.2f} ({how}): precision {show(chosen.precision)}, "
        f"recall {chosen.recall:.2f}, {chosen.negatives_flagged} of {len(different)} distinct pairs flagged"
    )


def top_hit(
    library: Library, text: str, labelled: LabelledQuery | None, names: dict[int, str]
) -> tuple[float | None, bool]:
    """Return the top hybrid hit's cosine similarity and whether the labels accept it."""
    hits = library.search(text, k=1)
    if not hits:
        return None, False
    hit = hits[0]
    return hit.similarity, labelled is not None and labelled.accepts(hit, names)


def pair_similarities(library: Library, pairs: Sequence[Sequence[str]]) -> list[float]:
    """Return the cosine similarity of each pair of texts, encoded in one batch."""
    vectors = library.embedder.encode([text for pair in pairs for text in pair])
    firsts, seconds = vectors[0::2], vectors[1::2]
    return [float(s) for s in np.sum(firsts * seconds, axis=1)]


def cut(points: Sequence[Point], threshold: float, negatives: Sequence[Point]) -> Cut:
    """Score "positive if similarity >= threshold" over the points."""
    flagged = [p for p in points if p.similarity >= threshold]
    true = sum(p.positive for p in flagged)
    positives = sum(p.positive for p in points)
    precision = true / len(flagged) if flagged else None
    recall = true / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
    return Cut(threshold, len(flagged), true, sum(p.similarity >= threshold for p in negatives), precision, recall, f1)


def separation(points: Sequence[Point]) -> float:
    """Return how often a positive outscores a negative (ties count half): 0.5 is chance, 1.0 a perfect split."""
    positives = [p.similarity for p in points if p.positive]
    negatives = [p.similarity for p in points if not p.positive]
    if not positives or not negatives:
        return float("nan")
    wins = sum((a > b) + 0.5 * (a == b) for a in positives for b in negatives)
    return wins / (len(positives) * len(negatives))


def choose(cuts: Sequence[Cut], target: float) -> tuple[Cut, str]:
    """Return the lowest threshold whose precision reaches the target, else the one with the best F1."""
    for c in cuts:
        if c.precision is not None and c.precision >= target:
            return c, f"lowest with precision >= {target:.2f}"
    best = max(cuts, key=lambda c: c.f1)
    return best, f"no threshold reaches precision {target:.2f}; best F1 {best.f1:.2f}"


def print_table(cuts: Sequence[Cut], flagged: str, negatives: str) -> None:
    """Print every fifth row of a threshold sweep."""
    print(f"{'t':>4}  {flagged:>7}  {'precision':>9}  {'recall':>6}  {'F1':>4}  {negatives}")
    for c in cuts:
        if round(c.threshold * 100) % 5 == 0:
            print(
                f"{c.threshold:>4.2f}  {c.flagged:>7}  {show(c.precision):>9}  {c.recall:>6.2f}  {c.f1:>4.2f}  "
                f"{c.negatives_flagged}"
            )


def spread(values: Sequence[float]) -> str:
    """Describe a distribution by its minimum, median and maximum."""
    if not values:
        return "none"
    return f"min {min(values):.2f}  median {statistics.median(values):.2f}  max {max(values):.2f}"


def show(value: float | None) -> str:
    """Format a ratio, or a dash when it is undefined."""
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
