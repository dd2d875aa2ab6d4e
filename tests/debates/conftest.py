"""Shared by the debate tests (and the map's): the services over a fresh database, a debate, and posting helpers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.analysis import Analysis
from bot.debates.capture import Capture, IncomingMessage
from bot.debates.hinges import Hinges
from bot.debates.model import Argument, Debate, Side, Votes
from bot.debates.service import Debates
from bot.maps.tree import side_tree
from bot.services import Services, build_services
from bot.sources.library import Library

GUILD, OTHER_GUILD = 111, 222
CHANNEL = 500
PRO, CON = 1001, 1002
THREADS_2: dict[Side, int] = {"pro": 3, "con": 4}
MODERATOR, ADA, BEN, CY = 1, 7, 8, 9
NAMES = {ADA: "Ada", BEN: "Ben", CY: "Cy"}
MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
POSTED = datetime(2025, 3, 1, 12, tzinfo=UTC)
LATER = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
#: LATER as the store writes it (ISO 8601 UTC, to the second).
LATER_STAMP = "2025-03-01T12:30:00+00:00"

CHIPS = "Frontier training needs tens of thousands of specialised chips, so export controls can enforce a pause."
RACE = "A pause only slows the careful labs while reckless developers race ahead."
RACE_AGAIN = "A pause only slows the careful labs while the reckless developers race ahead."
TIME = "A pause buys alignment researchers time to understand the models we already have."
LAG = "Interpretability research lags years behind capabilities, and that gap keeps widening."
TREATY = "Nuclear arms control shows that rival states can verify limits on dangerous technology."
BIO = "The same pause would also delay medical research that could save millions of lives."

SOURCE = b"""Why a pause is hard to verify
Training a frontier model takes tens of thousands of specialised chips running for months in a handful of data \
centres. Export controls already track where those chips are shipped and who buys them.
Inspectors could audit electricity use at large data centres, since a months-long training run draws as much power \
as a small town. Hidden training runs of that size would be very hard to conceal.
Critics reply that a treaty without China would only slow down the careful labs while reckless developers race \
ahead, and that enforcement across borders has failed for other dual-use technologies.
"""
POWER = (
    "Inspectors could audit electricity use at large data centres, because a months-long training run draws as much "
    "power as a small town."
)
UNRELATED = "My cat prefers sunny windowsills on quiet Sunday afternoons."


# -- fixtures (and the plain functions behind them, for test packages outside this one) ------------------------------


def start_debate(debates: Debates) -> Debate:
    """Open a debate on a global pause, with a pro and a con thread."""
    return debates.start(GUILD, CHANNEL, "forum", MOTION, MODERATOR, {"pro": PRO, "con": CON})


def message_ids() -> Iterator[int]:
    """Return message ids in posting order, as Discord's snowflakes are."""
    return itertools.count(5001)


@pytest.fixture
def services(library: Library) -> Services:
    """Build the debate services over a fresh in-memory database and the empty library."""
    return build_services(open_database(":memory:"), library)


@pytest.fixture
def debates(services: Services) -> Debates:
    """Return the debates service."""
    return services.debates


@pytest.fixture
def capture(services: Services) -> Capture:
    """Return the capture of messages, edits, deletions and votes."""
    return services.capture


@pytest.fixture
def store(services: Services) -> DebateStore:
    """Return the debate store every service shares."""
    return services.debates.store


@pytest.fixture
def debate(debates: Debates) -> Debate:
    """Open a debate on a global pause, with a pro and a con thread."""
    return start_debate(debates)


@pytest.fixture
def ids() -> Iterator[int]:
    """Message ids in posting order, as Discord's snowflakes are."""
    return message_ids()


@pytest.fixture
def sourced(library: Library) -> Library:
    """Return the library holding one article on verifying a pause."""
    library.add("verification.txt", SOURCE, added_by="tests")
    return library


# -- helpers ----------------------------------------------------------------------------------------------------------


def second_debate(debates: Debates) -> Debate:
    """Open another debate in the same server, on open-weight models, in threads 3 (pro) and 4 (con)."""
    return debates.start(GUILD, CHANNEL, "text", "Open-weight frontier models should be banned.", MODERATOR, THREADS_2)


def message(
    message_id: int, thread_id: int, text: str, author: int = ADA, reply_to: int | None = None
) -> IncomingMessage:
    """Return a message as the capture sees it."""
    return IncomingMessage(
        message_id=message_id,
        thread_id=thread_id,
        author_id=author,
        author_name=NAMES[author],
        content=text,
        posted_at=POSTED,
        jump_url=f"https://discord.com/channels/{GUILD}/{thread_id}/{message_id}",
        reply_to=reply_to,
    )


def post(
    services: Services,
    ids: Iterator[int],
    thread_id: int,
    text: str,
    author: int = ADA,
    reply_to: int | None = None,
) -> Argument:
    """Capture a new message in a debate thread and return what was stored."""
    captured = services.capture.capture(message(next(ids), thread_id, text, author, reply_to))
    assert captured is not None
    return captured.argument


def rebut(services: Services, ids: Iterator[int], target: Argument, text: str, author: int = BEN) -> Argument:
    """Post a rebuttal through the context menu, as the cog does, and return it."""
    _, side = services.debates.rebuttal_target(target.message_id, "rebut")
    thread = services.debates.store.debate(target.debate_id).thread_for(side)
    captured = services.capture.capture(
        message(next(ids), thread, text, author), origin="rebut", target=target, made_by=author
    )
    assert captured is not None
    return captured.argument


def analyse(services: Services, *arguments: Argument, with_sources: bool = True) -> list[Analysis]:
    """Run the analysis of arguments as the cog does: look up off the loop, then record."""
    vectors, best = services.analyser.look_up(arguments, [with_sources] * len(arguments))
    return services.analyser.record(arguments, vectors, best)


def tree_rows(services: Services, debate: Debate, side: Side) -> list[tuple[int, str | None, str]]:
    """Return a side's tree as (depth, relation, label) rows; a later mention of an argument is labelled 'see #n'."""
    return [
        (line.depth, line.relation, line.argument.label if line.first else f"see {line.argument.label}")
        for line in side_tree(services.debates.map(debate), side)
    ]


def votes_on(services: Services, argument: Argument) -> Votes:
    """Return an argument's vote counts (zero when nobody voted)."""
    return services.debates.store.votes(argument.debate_id).get(argument.id, Votes())


PRO_MEMBERS = (101, 102, 103, 104)
CON_MEMBERS = (201, 202, 203, 204)


@pytest.fixture
def hinges(services: Services) -> Hinges:
    """Return the hinges service (stances, crux marks, Δ, review)."""
    return services.hinges


@pytest.fixture
def camps(hinges: Hinges, debate: Debate) -> None:
    """Four members declare for the motion and four against it."""
    for member in PRO_MEMBERS:
        hinges.declare(debate, member, 1)
    for member in CON_MEMBERS:
        hinges.declare(debate, member, -2)


def vote_all(services: Services, argument: Argument, members: tuple[int, ...], emoji: str) -> None:
    """Have each member react to an argument with 👍 or 👎."""
    for member in members:
        services.capture.vote(argument.message_id, member, emoji, added=True)


@pytest.fixture
def planted(services: Services, hinges: Hinges, debate: Debate, ids: Iterator[int], camps: None) -> dict[str, Argument]:
    """Plant a divisive argument, a common-ground one, a double crux, and an attack that refutes the divisive one."""
    divisive = post(services, ids, PRO, CHIPS, author=ADA)
    common = post(services, ids, PRO, TIME, author=ADA)
    double = post(services, ids, CON, RACE, author=BEN)
    attack = rebut(services, ids, divisive, LAG, author=CY)
    vote_all(services, divisive, PRO_MEMBERS, "👍")
    vote_all(services, divisive, CON_MEMBERS, "👎")
    vote_all(services, common, PRO_MEMBERS + CON_MEMBERS, "👍")
    hinges.toggle_crux(double.message_id, PRO_MEMBERS[0])
    hinges.toggle_crux(double.message_id, CON_MEMBERS[0])
    hinges.toggle_crux(double.message_id, CON_MEMBERS[1])
    return {"divisive": divisive, "common": common, "double": double, "attack": attack}
