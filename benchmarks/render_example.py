"""Draw the example debate's map, and time drawing synthetic maps of 200 and 2,000 arguments.

Loads docs/example-debate.json into an in-memory database through the real DebateStore and HingeStore (arguments,
links, votes, and the crux marks, Δ and cross-side votes of members who declared a stance), computes its marks as
/map image does, draws its map with bot.maps.image.render_map and writes docs/map-example.png. Then builds two
synthetic debates (random reply trees with supports, cross-side attacks and votes, fixed seeds) and prints how long
each takes to mark and draw and the note it carries.

Run: .venv/bin/python -m benchmarks.render_example [--example FILE] [--out FILE]
(defaults: docs/example-debate.json and docs/map-example.png)
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.debates.hinges import Hinges
from bot.debates.marks import DebateHinges, debate_hinges
from bot.debates.model import Argument, DebateMap, Relation, Side, other_side
from bot.debates.service import load_map
from bot.maps.image import MapImage, render_map

ROOT = Path(__file__).resolve().parent.parent
THREADS: dict[Side, int] = {"pro": 1_000_001, "con": 1_000_002}
POSTED = datetime(2025, 3, 1, 12, tzinfo=UTC)
SYNTHETIC_SIZES = (200, 2_000)
WORDS = (
    "compute chips treaty verification inspectors labs pause frontier models safety race export controls power "
    "data centres evaluations rivals enforcement alignment research benefits delay open weights secrecy"
)

WORD_LIST = WORDS.split()
#: The stance a member of each side declares, and the explanation every example Δ gives.
STANCES: dict[Side, int] = {"pro": 1, "con": -1}
DELTA_WHY = "This argument answered the doubt I had, and I now see that side of the motion differently than before."


class Loader:
    """Writes a debate into a fresh in-memory store the way the bot does: one message at a time, in order."""

    def __init__(self, motion: str) -> None:
        self.store = DebateStore(open_database(":memory:"))
        self.hinges = Hinges(self.store, HingeStore(self.store.db))
        self.debate = self.store.create_debate(1, 2, "forum", motion, 3, THREADS)
        self.message_id = 2_000_000
        self.voters = 5_000_000

    def add(self, side: Side, author: str, text: str, kind: str = "argument") -> Argument:
        """Post a message to a side's thread."""
        self.message_id += 1
        author_id = 10_000 + sum(map(ord, author))
        return self.store.add_argument(
            debate_id=self.debate.id,
            side=side,
            kind=kind,
            origin="message",
            author_id=author_id,
            author_name=author,
            thread_id=THREADS[side],
            message_id=self.message_id,
            jump_url=f"https://discord.com/channels/1/{THREADS[side]}/{self.message_id}",
            text=text,
            posted_at=POSTED,
        )

    def vote(self, argument: Argument, up: int, down: int) -> None:
        """Record `up` and `down` votes from distinct members."""
        for value, count in ((1, up), (-1, down)):
            for _ in range(count):
                self.voters += 1
                self.store.set_vote(argument, self.voters, value)

    def member(self, side: Side) -> int:
        """Add a member who declared for (pro) or against (con) the motion; return their id."""
        self.voters += 1
        self.hinges.hinges.declare_stance(self.debate.id, self.voters, STANCES[side])
        return self.voters

    def mark(self, argument: Argument, entry: dict[str, Any]) -> None:
        """Record an example entry's cross-side votes, crux marks and Δ, each by new members of a declared side."""
        side: Side
        for side, count in entry.get("approved_by", {}).items():
            for _ in range(count):
                self.store.set_vote(argument, self.member(side), 1)
        for side, count in entry.get("crux_for", {}).items():
            for _ in range(count):
                self.hinges.hinges.mark_crux(argument, self.member(side))
        for _ in range(entry.get("deltas", 0)):
            self.hinges.hinges.award_delta(argument, self.member(other_side(argument.side)), DELTA_WHY)

    def map(self) -> DebateMap:
        """Read the debate's map back from the store."""
        return load_map(self.store, self.debate)

    def marks(self) -> DebateHinges:
        """Compute every argument's marks as /map image does."""
        return debate_hinges(self.hinges.hinge_inputs(self.debate))


def load_example(path: Path) -> DebateHinges:
    """Load the example debate file (see its 'about') through the real stores and return its marks and map."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    loader = Loader(document["motion"])
    by_number: dict[int, Argument] = {}
    for entry in document["arguments"]:
        kind = entry.get("kind", "argument")
        argument = loader.add(entry["side"], entry["author"], entry["text"], kind)
        if kind != "argument":
            continue
        if argument.number != entry["number"]:
            raise ValueError(f"argument {entry['number']} was numbered #{argument.number}; list them in order")
        by_number[entry["number"]] = argument
        relation: Relation
        for relation in ("supports", "attacks"):
            for target in entry.get(relation, []):
                loader.store.link(argument, by_number[target], relation, "context_menu", argument.author_id)
        votes = entry.get("votes", {})
        loader.vote(argument, votes.get("up", 0), votes.get("down", 0))
        loader.mark(argument, entry)
    return loader.marks()


def synthetic_map(size: int, seed: int) -> DebateHinges:
    """Build a random debate of `size` arguments: a few roots per side, each later one answering an earlier one."""
    rng = random.Random(seed)
    loader = Loader(f"Synthetic debate of {size} arguments")
    arguments: list[Argument] = []
    for index in range(size):
        target = rng.choice(arguments) if arguments and rng.random() > 0.06 else None
        attacks = target is not None and rng.random() < 0.45
        if target is None:
            side: Side = rng.choice(("pro", "con"))
        else:
            side = other_side(target.side) if attacks else target.side
        text = " ".join(rng.choice(WORD_LIST) for _ in range(rng.randint(8, 40))).capitalize() + "."
        argument = loader.add(side, f"member{index % 37}", text)
        if target is not None:
            loader.store.link(argument, target, "attacks" if attacks else "supports", "reply", None)
            if rng.random() < 0.03 and len(arguments) > 2:  # a few answer a second argument too
                second = rng.choice(arguments)
                if second.id != target.id:
                    loader.store.link(argument, second, "attacks" if second.side != side else "supports", "reply", None)
        loader.vote(argument, rng.randint(0, 6), rng.randint(0, 2))
        arguments.append(argument)
    return loader.marks()


def timed(hinges: DebateHinges) -> tuple[MapImage, float]:
    """Compute a debate's marks again and draw its map with them, as /map image does; return it and the seconds."""
    start = time.perf_counter()
    image = render_map(hinges.inputs.debate_map, hinges=debate_hinges(hinges.inputs))
    return image, time.perf_counter() - start


def main() -> None:
    """Draw the example map to a file, then time the synthetic maps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", type=Path, default=ROOT / "docs" / "example-debate.json")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "map-example.png")
    args = parser.parse_args()

    hinges = load_example(args.example)
    example = hinges.inputs.debate_map
    image, seconds = timed(hinges)
    args.out.write_bytes(image.png)
    print(
        f"example: {len(example.numbered)} arguments, {len(example.relations)} relations -> {args.out.name} "
        f"{image.width}x{image.height} px, {image.nodes} boxes, {image.edges} edges, {len(image.png):,} bytes, "
        f"marked and drawn in {seconds * 1000:.0f} ms; note: {image.note}\n{image.caption}"
    )
    for size in SYNTHETIC_SIZES:
        marked = synthetic_map(size, seed=size)
        built = marked.inputs.debate_map
        image, seconds = timed(marked)
        print(
            f"synthetic {size}: {len(built.relations)} relations -> {image.width}x{image.height} px, "
            f"{image.nodes} boxes, {image.edges} edges, marked and drawn in {seconds * 1000:.0f} ms; note: {image.note}"
        )


if __name__ == "__main__":
    main()
