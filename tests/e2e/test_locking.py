"""One database, several writers: the CLI works while the bot runs, and a second `crux run` is refused at once."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from bot.db import run_lock
from bot.interface.bot import CruxBot
from bot.sources.library import Library
from tests.conftest import SEEDS
from tests.e2e.conftest import CRUX, World, run_env
from tests.e2e.test_capture_faults import CAPTURED, arguments_in, db_path, point
from tests.e2e.test_debates import debate_threads, start_debate
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import cli_env


async def test_crux_sources_add_works_while_the_bot_captures_a_burst(
    fake: FakeDiscord, world: World, crux: CruxBot, seeded_library: Library, tmp_path: Path
) -> None:
    """`crux sources add` on the bot's database during a burst exits 0, and no message of the burst is lost."""
    await start_debate(fake, world)
    thread = debate_threads(fake, world.channel)["pro"]
    path = db_path(seeded_library)
    note = tmp_path / "verification-note.md"
    note.write_text("# Verifying a pause\n\nInspectors could audit the power drawn by large training clusters.\n")
    process = await asyncio.create_subprocess_exec(
        str(CRUX), "sources", "add", str(note), str(SEEDS),
        env=cli_env(path), cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    posted = []
    while process.returncode is None and len(posted) < 400:
        posted.append(await fake.send_user_message(world.guild, thread, world.member, point(len(posted))))
        if len(posted) % 10 == 0:
            await fake.wait_for(lambda: CAPTURED in fake.reactions_on(posted[-1]), 10, "the burst to be captured")
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "Traceback" not in stderr.decode()
    assert "added" in stdout.decode() + stderr.decode()
    await fake.wait_for(lambda: all(CAPTURED in fake.reactions_on(m) for m in posted), 30, "every message captured")
    assert arguments_in(path) == len(posted)


async def test_a_second_crux_run_on_the_same_database_is_refused_in_one_line(tmp_path: Path) -> None:
    """While one `crux run` holds a database, another exits 1 at once with one line saying what to do."""
    db = tmp_path / "crux.db"
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
    with run_lock(db):
        process = await asyncio.create_subprocess_exec(
            str(CRUX), "run",
            env=cli_env(db, DISCORD_TOKEN=token), cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"crux: Another `crux run` (pid {os.getpid()}) is already using {db}.")


def test_the_run_lock_is_released_when_its_holder_ends(tmp_path: Path) -> None:
    """A lock left by a process that ended (however it ended) does not stop the next `crux run`."""
    db = tmp_path / "crux.db"
    with run_lock(db):
        pass
    with run_lock(db):
        assert (tmp_path / "crux.db.run-lock").read_text() == str(os.getpid())


async def test_kill_9_during_a_burst_loses_no_message(
    fake: FakeDiscord, world: World, seeded_db: Path, tmp_path: Path
) -> None:
    """`crux run` killed with SIGKILL mid-burst, three times, while members keep posting: every message is captured."""
    db = tmp_path / "crux.db"
    shutil.copy(seeded_db, db)
    env = run_env(fake, world, db, CRUX_LOG_LEVEL="WARNING")  # its stderr is read only at the end
    posted: list[dict] = []
    thread = None

    async def start() -> asyncio.subprocess.Process:
        identified = len(fake.identifies)
        process = await asyncio.create_subprocess_exec(
            str(CRUX), "run", env=env, cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        await fake.wait_for(lambda: len(fake.identifies) > identified, 90, "crux run to connect")
        await fake.gateway_barrier()
        return process

    for _ in range(3):
        process = await start()
        if thread is None:
            await start_debate(fake, world)
            thread = debate_threads(fake, world.channel)["pro"]
        for _ in range(60):
            posted.append(await fake.send_user_message(world.guild, thread, world.member, point(len(posted))))
        await fake.wait_for(lambda: CAPTURED in fake.reactions_on(posted[-30]), 30, "part of the burst captured")
        process.kill()
        await process.wait()
        for _ in range(40):  # posted while Crux is down
            posted.append(await fake.send_user_message(world.guild, thread, world.member, point(len(posted))))
    process = await start()
    try:
        await fake.wait_for(lambda: all(CAPTURED in fake.reactions_on(m) for m in posted), 60, "every message captured")
    except AssertionError as error:
        missing = [i for i, m in enumerate(posted) if CAPTURED not in fake.reactions_on(m)]
        raise AssertionError(f"messages never marked captured: {missing}; stored: {arguments_in(db)}") from error
    finally:
        process.terminate()
        await process.wait()
    assert arguments_in(db) == len(posted) == 300
