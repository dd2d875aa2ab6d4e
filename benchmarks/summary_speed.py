"""Print how long the debate digest takes for 500 and 5,000 arguments; with --cut, measure the theme cut.

Speed: builds synthetic debates through the real store (arguments on both sides, one support or attack for most of
them, votes, citations) with random unit vectors around 40 topic centres in 384 dimensions, then times summarise,
render_summary and summary_pages (best of three; building the debate is not timed).

Cut: embeds the labelled messages of tests/data/argument_samples.json with the real MiniLM model and clusters them
as the digest does, at a sweep of similarity cuts. A theme should keep the two messages of a labelled pair together
(both duplicate and distinct pairs argue about one topic), not swallow the debate whole, and never take in an
off-topic message.

Run from the repository root: .venv/bin/python -m benchmarks.summary_speed [--sizes 500 5000] [--cut]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.model import DebateMap
from bot.debates.service import load_map
from bot.summary import CLUSTER_CAP, THEME_CUT, average_linkage, render_summary, summarise, summary_pages

ROOT = Path(__file__).resolve().parent.parent

WORDS = ["pause", "labs", "chips", "verify", "treaty", "China", "alignment", "compute", "race", "safety", "economy"]
DIM = 384
TOPICS = 40


def build(count: int, seed: int = 7) -> tuple[DebateMap, dict[int, np.ndarray]]:
    """Return a synthetic debate of `count` arguments and their vectors."""
    pick = random.Random(seed)
    rng = np.random.default_rng(seed)
    store = DebateStore(open_database(":memory:"))
    debate = store.create_debate(1, 2, "text", "A global pause on frontier AI", 3, {"pro": 10, "con": 20})
    start = datetime(2025, 3, 1, tzinfo=UTC)
    centres = rng.normal(size=(TOPICS, DIM))
    arguments, vectors = [], {}
    for i in range(count):
        side = "pro" if i % 2 == 0 else "con"
        thread = 10 if side == "pro" else 20
        text = " ".join(pick.choices(WORDS, k=pick.randint(8, 40)))
        argument = store.add_argument(
            debate_id=debate.id,
            side=side,
            kind="argument",
            origin="message",
            author_id=100 + pick.randrange(200),
            author_name=f"member{i % 200}",
            thread_id=thread,
            message_id=10_000 + i,
            jump_url=f"https://discord.com/channels/1/{thread}/{10_000 + i}",
            text=text,
            posted_at=start + timedelta(minutes=i),
        )
        vector = centres[pick.randrange(TOPICS)] + rng.normal(scale=0.8, size=DIM)
        vectors[argument.id] = (vector / np.linalg.norm(vector)).astype(np.float32)
        if arguments and pick.random() < 0.8:
            target = pick.choice(arguments[-200:])
            relation = "supports" if target.side == side else "attacks"
            store.link(argument, target, relation, "context_menu", argument.author_id)
        for voter in range(pick.randrange(4)):
            store.set_vote(argument, voter, pick.choice((1, 1, -1)))
        if pick.random() < 0.1:
            citation = store.add_citation(
                argument,
                excerpt_id=pick.randrange(50),
                document_id=pick.randrange(8),
                document_title=f"Report {pick.randrange(8)}",
                paragraph=pick.randrange(1, 30),
                sentence="Export controls already track where chips go.",
                similarity=0.6,
            )
            if pick.random() < 0.5:
                store.confirm_citation(citation, argument.author_id)
        arguments.append(argument)
    return load_map(store, debate), vectors


def speed(sizes: list[int]) -> None:
    """Print the best of three timings of each step for each size."""
    print(f"Clustering cap {CLUSTER_CAP} arguments per side, theme cut {THEME_CUT}")
    for count in sizes:
        debate_map, vectors = build(count)
        timings: dict[str, float] = {}
        for _ in range(3):
            began = time.perf_counter()
            summary = summarise(debate_map, vectors)
            summarised = time.perf_counter()
            text = render_summary(summary)
            rendered = time.perf_counter()
            pages = summary_pages(summary)
            paged = time.perf_counter()
            for step, seconds in (
                ("summarise", summarised - began),
                ("render", rendered - summarised),
                ("pages", paged - rendered),
                ("total", paged - began),
            ):
                timings[step] = min(timings.get(step, seconds), seconds)
        steps = ", ".join(f"{step} {seconds * 1000:.0f} ms" for step, seconds in timings.items())
        print(f"{count:>6} arguments: {steps}; {len(text):,} characters in {len(pages)} pages")


def cut_sweep(samples_path: Path) -> None:
    """Print, for each cut, how the labelled messages group into themes."""
    from bot.sources.embedding import MiniLMEmbedder

    samples = json.loads(samples_path.read_text(encoding="utf-8"))
    pairs = samples["duplicate_pairs"] + samples["distinct_pairs"]
    texts = [text for pair in pairs for text in pair] + [q["query"] for q in samples["on_topic"]]
    on_topic = len(texts)
    texts += samples["off_topic"]
    vectors = MiniLMEmbedder().encode(texts).astype(np.float64)
    similarity = vectors @ vectors.T
    print(f"{len(pairs)} labelled pairs, {on_topic} on-topic and {len(texts) - on_topic} off-topic messages")
    print("cut   pairs together  themes(2+)  largest theme  off-topic joined")
    for cut in np.arange(0.25, 0.71, 0.05):
        labels = average_linkage(similarity, float(cut))
        sizes = Counter(labels[:on_topic])
        together = sum(labels[2 * i] == labels[2 * i + 1] for i in range(len(pairs)))
        on_labels = set(labels[:on_topic])
        joined = sum(label in on_labels for label in labels[on_topic:])
        themes = sum(size > 1 for size in sizes.values())
        print(
            f"{cut:.2f}  {together:>3}/{len(pairs)} ({together / len(pairs):.0%})  {themes:>10}  "
            f"{max(sizes.values()):>4} ({max(sizes.values()) / on_topic:.0%})   {joined:>3}/{len(texts) - on_topic}"
        )


def main() -> None:
    """Time the digest, or sweep the theme cut with --cut."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--cut", action="store_true", help="measure the theme cut with the real model instead")
    parser.add_argument("--samples", type=Path, default=ROOT / "tests" / "data" / "argument_samples.json")
    args = parser.parse_args()
    if args.cut:
        cut_sweep(args.samples)
    else:
        speed(args.sizes)


if __name__ == "__main__":
    main()
