"""Shared by the summary tests: a real in-memory store to post a debate into, a small debate, and digest readers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.model import Argument, Debate, DebateMap, Side
from bot.debates.service import load_map

MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
THREADS: dict[Side, int] = {"pro": 10, "con": 20}
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DISCORD = "](https://discord.com/channels/"
DIM = 8

# Pro: verification (theme A) and alignment time (theme B).
CHIPS = (
    "Frontier training needs tens of thousands of specialised chips, so export controls can make a pause enforceable."
)
POWER = "A months-long training run draws as much power as a small town, so inspectors could spot a hidden one."
AUDIT = "Chip registries plus data-centre audits would catch any lab that quietly kept training."
TIME = "A pause buys alignment researchers time to understand the models we already have."
LAG = "Interpretability research lags years behind capabilities, and that gap keeps widening with every release."
# Con.
RACE = "A pause only slows the careful labs while reckless developers race ahead."
SMUGGLE = "Chips get smuggled and stockpiled, so export controls leak long before any treaty bites."
BIO = "The same pause would also delay medical research that could save millions of lives."
CHINA = "Beijing will not sign, so a Western pause just hands the lead to whoever keeps training."


class Builder:
    """Posts arguments, links, votes and citations into a real in-memory store, in posting order."""

    def __init__(self) -> None:
        self.store = DebateStore(open_database(":memory:"))
        self.debate: Debate = self.store.create_debate(1, 2, "text", MOTION, 3, dict(THREADS))
        self.ids: Iterator[int] = itertools.count(1000)
        self.voters: Iterator[int] = itertools.count(900)
        self.minutes = 0

    def post(self, side: Side, text: str, author: str = "Ada", *, kind: str = "argument") -> Argument:
        """Post an argument (a minute after the previous one) and return it."""
        message_id = next(self.ids)
        self.minutes += 1
        return self.store.add_argument(
            debate_id=self.debate.id,
            side=side,
            kind=kind,
            origin="message",
            author_id=sum(map(ord, author)),
            author_name=author,
            thread_id=THREADS[side],
            message_id=message_id,
            jump_url=f"https://discord.com/channels/1/{THREADS[side]}/{message_id}",
            text=text,
            posted_at=START + timedelta(minutes=self.minutes),
        )

    def answer(self, relation: str, target: Argument, text: str, author: str = "Ben") -> Argument:
        """Post an argument that supports (same side) or attacks (other side) the target."""
        side: Side = target.side if relation == "supports" else ("con" if target.side == "pro" else "pro")
        argument = self.post(side, text, author)
        self.store.link(argument, target, relation, "context_menu", argument.author_id)  # type: ignore[arg-type]
        return argument

    def vote(self, argument: Argument, up: int = 0, down: int = 0) -> None:
        """Give an argument this many 👍 and 👎 from fresh members."""
        for value, count in ((1, up), (-1, down)):
            for _ in range(count):
                self.store.set_vote(argument, next(self.voters), value)

    def cite(self, argument: Argument, document: int, paragraph: int, sentence: str, *, confirm: bool) -> None:
        """Suggest a source paragraph for an argument, confirmed by its author if asked."""
        citation = self.store.add_citation(
            argument,
            excerpt_id=document * 100 + paragraph,
            document_id=document,
            document_title=f"Report {document}: verifying a pause",
            paragraph=paragraph,
            sentence=sentence,
            similarity=0.6,
        )
        if confirm:
            self.store.confirm_citation(citation, argument.author_id)

    def map(self) -> DebateMap:
        """Read the map back as the bot does."""
        return load_map(self.store, self.debate)


def unit(*weights: float) -> np.ndarray:
    """Return a unit vector in DIM dimensions from its leading weights."""
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


def unescape(text: str) -> str:
    """Undo the digest's escaping: backslashes before punctuation and zero-width spaces."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace("\u200b", "")


def quoted(markdown: str) -> list[str]:
    """Return every “quoted” fragment of a digest, unescaped, without a closing ellipsis."""
    return [unescape(fragment).removesuffix("…") for fragment in re.findall(r"“(.*?)”", markdown)]


def items(markdown: str) -> list[str]:
    """Return the non-blank, non-heading lines of a digest."""
    return [line for line in markdown.splitlines() if line.strip() and not line.startswith("#")]


@pytest.fixture
def debate() -> tuple[Builder, dict[str, Argument], dict[int, np.ndarray]]:
    """Build a small realistic debate on a pause, with votes, links, citations and two themes per side's vectors."""
    b = Builder()
    a: dict[str, Argument] = {}
    a["chips"] = b.post("pro", CHIPS, "Ada")
    a["time"] = b.post("pro", TIME, "Cy")
    a["race"] = b.post("con", RACE, "Ben")
    a["smuggle"] = b.answer("attacks", a["chips"], SMUGGLE, "Ben")
    a["power"] = b.answer("supports", a["chips"], POWER, "Dee")
    a["bio"] = b.answer("attacks", a["time"], BIO, "Eve")
    a["lag"] = b.answer("supports", a["time"], LAG, "Ada")
    a["audit"] = b.answer("attacks", a["smuggle"], AUDIT, "Cy")
    a["china"] = b.answer("attacks", a["chips"], CHINA, "Eve")
    b.post("con", "lol", "Ben", kind="comment")
    b.vote(a["chips"], up=3, down=1)
    b.vote(a["race"], up=2)
    b.vote(a["bio"], down=1)
    b.cite(a["power"], 1, 4, "A training run of that size draws as much power as a small town.", confirm=True)
    b.cite(a["chips"], 1, 2, "Export controls already track where those chips are shipped.", confirm=True)
    b.cite(a["smuggle"], 2, 7, "Enforcement across borders has failed for other dual-use technologies.", confirm=False)
    verification, alignment = unit(1, 0.1), unit(0.1, 1)
    vectors = {
        a["chips"].id: unit(1, 0.05),
        a["power"].id: unit(1, 0.2),
        a["audit"].id: verification,
        a["time"].id: unit(0.05, 1),
        a["lag"].id: alignment,
        a["race"].id: unit(0, 0, 1),
        a["smuggle"].id: unit(0, 0, 1, 0.2),
        a["china"].id: unit(0, 0, 0.2, 1),
    }  # bio has no vector yet
    return b, a, vectors
