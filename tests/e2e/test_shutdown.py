"""A normal stop loses nothing: queued analysis finishes, later messages wait for the next start, SQLite is closed."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.interface.bot import CruxBot
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.library import Library
from tests.e2e.conftest import World, build_bot, launch_crux_run, open_debate, run_env
from tests.e2e.test_debates import CON_POINT, PRO_BACKING, PRO_POINT, REBUTTAL, debate_threads, post, start_debate
from tests.fake_discord import FakeChannel, FakeDiscord
from tests.fake_discord.harness import start_client

CAPTURED = "✅"


class Gate:
    """Holds every encode call of an embedder until opened, so arguments stay queued while the test stops Crux."""

    def __init__(self, encode: Callable[..., np.ndarray]) -> None:
        self.encode = encode
        self.opened = threading.Event()

    def __call__(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Wait for the gate (at most 10 s, so a broken test cannot hang), then encode."""
        assert self.opened.wait(10), "the test never opened the gate"
        return self.encode(texts, progress)


@pytest.fixture
def gate(seeded_library: Library, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Yield a closed gate in front of the library's embedder; open it at teardown whatever happened."""
    held = Gate(seeded_library.embedder.encode)
    monkeypatch.setattr(seeded_library.embedder, "encode", held)
    yield held
    held.opened.set()


def stored(path: Path, sql: str) -> int:
    """Return a count from the database file, read through a connection of the test's own."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    try:
        return int(db.execute(sql).fetchone()[0])
    finally:
        db.conn.close()


def db_file(library: Library) -> Path:
    """Return the database file the library is stored in."""
    return Path(library.store.db.execute("pragma database_list").fetchone()[2])


async def post_three(fake: FakeDiscord, world: World) -> dict[str, FakeChannel]:
    """Open a debate and post three arguments, each captured (✅) but held at the gate before analysis."""
    threads = await open_debate(fake, world)
    for thread, text in ((threads["pro"], PRO_POINT), (threads["con"], CON_POINT), (threads["pro"], PRO_BACKING)):
        await post(fake, world, thread, world.member, text)
    return threads


async def begin_shutdown(fake: FakeDiscord, bot: CruxBot) -> asyncio.Task[None]:
    """Start the normal stop and return once Crux no longer listens for new messages."""
    stopping = asyncio.create_task(bot.shutdown(), name="test-shutdown")
    await fake.wait_for(lambda: not bot.extra_events.get("on_message"), 5, "Crux to stop capturing")
    return stopping


async def test_shutdown_analyses_every_queued_argument_then_closes_sqlite(
    fake: FakeDiscord, world: World, seeded_library: Library, gate: Gate
) -> None:
    """Stopping with arguments still queued waits until each has its vector, then closes both SQLite connections."""
    bot = build_bot(fake, world, seeded_library)
    path = db_file(seeded_library)
    async with start_client(bot, fake.token):
        await post_three(fake, world)
        stopping = await begin_shutdown(fake, bot)
        assert stored(path, "select count(*) from argument_embeddings") == 0, "the gate holds the analysis"
        assert not stopping.done()
        gate.opened.set()
        await asyncio.wait_for(stopping, 20)
        assert bot.is_closed()
    assert stored(path, "select count(*) from arguments where kind = 'argument'") == 3
    assert stored(path, "select count(*) from argument_embeddings") == 3
    for db in (bot.services.db, bot.services.library.store.db):
        with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
            db.execute("select 1")


async def test_a_message_posted_while_stopping_is_captured_at_the_next_start(
    fake: FakeDiscord, world: World, seeded_library: Library, real_embedder: MiniLMEmbedder, gate: Gate
) -> None:
    """A post that arrives while Crux drains is left alone, and the next start captures and analyses it."""
    bot = build_bot(fake, world, seeded_library)
    path = db_file(seeded_library)
    async with start_client(bot, fake.token):
        threads = await post_three(fake, world)
        stopping = await begin_shutdown(fake, bot)
        late = await fake.send_user_message(world.guild, threads["con"], world.moderator, REBUTTAL)
        await fake.gateway_barrier()  # Crux has received the message by now
        gate.opened.set()
        await asyncio.wait_for(stopping, 20)
    assert CAPTURED not in fake.reactions_on(late)
    assert stored(path, "select count(*) from arguments") == 3

    library = Library(SourceStore(open_database(path)), real_embedder)  # the first library's connection is closed
    library.load_index()
    again = build_bot(fake, world, library)
    async with start_client(again, fake.token):
        await fake.wait_for(lambda: CAPTURED in fake.reactions_on(late), 10, "the late post captured")
        await again.get_cog("Analysing").wait_until_analysed()
        await again.shutdown()
    assert stored(path, "select count(*) from arguments where kind = 'argument'") == 4
    assert stored(path, "select count(*) from argument_embeddings") == 4


async def test_a_drain_that_runs_out_of_time_says_what_is_left(
    fake: FakeDiscord, world: World, seeded_library: Library, gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    """When the analysis outlasts drain_timeout, Crux stops anyway, says how many stay queued, keeps them, closes."""
    path = Path(seeded_library.store.db.execute("pragma database_list").fetchone()[2])
    bot = build_bot(fake, world, seeded_library)
    bot.drain_timeout = 0.2
    async with start_client(bot, fake.token):
        await post_three(fake, world)
        await asyncio.wait_for(bot.shutdown(), 10)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("bot")]
    assert warnings == [
        (
            "Stopped waiting for the analysis after 0.2 s; 3 queued argument(s) stay queued and are analysed at the "
            "next start"
        )
    ]
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        bot.services.db.execute("select 1")
    assert stored(path, "select count(*) from analysis_queue") == 3


async def test_sigterm_stops_crux_run_cleanly(fake: FakeDiscord, world: World, seeded_db: Path, tmp_path: Path) -> None:
    """`crux run` sent SIGTERM finishes the analysis, logs that it stopped cleanly, closes SQLite and exits 0."""
    db = tmp_path / "crux.db"
    shutil.copy(seeded_db, db)
    env = run_env(fake, world, db)
    process = await launch_crux_run(fake, world, env, tmp_path)
    try:
        await start_debate(fake, world)
        await post(fake, world, debate_threads(fake, world.channel)["pro"], world.member, PRO_POINT)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Received SIGTERM: stopping" in log
    assert log.rstrip().endswith("Crux stopped cleanly"), log[-2000:]
    assert "Traceback" not in log
    assert stored(db, "select count(*) from argument_embeddings") == 1
    # SQLite removes the write-ahead log when the last connection to the file is closed.
    assert not (tmp_path / "crux.db-wal").exists()
