"""Shared by the store tests: a fresh database with every migration, its debate store, a debate, and a way to post."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlite_utils

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.model import Argument, Debate

GUILD = 111
PRO, CON = 1001, 1002
ADA, BEN, CY = 7, 8, 9
MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
POSTED = datetime(2025, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def db() -> sqlite_utils.Database:
    """Return a fresh in-memory database with every migration applied."""
    return open_database(":memory:")


@pytest.fixture
def store(db: sqlite_utils.Database) -> DebateStore:
    """Return a debate store over the fresh database."""
    return DebateStore(db)


@pytest.fixture
def debate(store: DebateStore) -> Debate:
    """Open a forum debate with a pro and a con thread."""
    return store.create_debate(GUILD, 500, "forum", MOTION, ADA, {"pro": PRO, "con": CON})


def add(
    store: DebateStore,
    debate: Debate,
    message_id: int,
    text: str | None = None,
    *,
    side: str = "pro",
    kind: str = "argument",
    author: int = ADA,
) -> Argument:
    """Store one captured message of a debate (its text made up from its id when not given)."""
    return store.add_argument(
        debate_id=debate.id,
        side=side,
        kind=kind,
        origin="message",
        author_id=author,
        author_name="Ada",
        thread_id=debate.thread_for(side),
        message_id=message_id,
        jump_url=f"https://discord.com/channels/{GUILD}/{debate.thread_for(side)}/{message_id}",
        text=text if text is not None else f"Argument number {message_id} says something",
        posted_at=POSTED,
    )
