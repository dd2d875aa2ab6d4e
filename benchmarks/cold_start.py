"""Print how long `crux run` takes from being started to answering its first command, and then its first /source.

Starts `crux run` as a subprocess against the project's fake Discord on 127.0.0.1, over a copy of a database
holding the seed articles, and invokes `/debate list` as soon as the commands are synced, then `/source`.

Run from the repository root: .venv/bin/python -m benchmarks.cold_start [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import discord

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.library import Library
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import run_env

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, use_application_commands=True
)


async def once(seeded: Path, tmp: Path) -> tuple[float, float, float]:
    """Return seconds from starting `crux run` to commands synced, to /debate list answered, to /source answered."""
    fake = FakeDiscord()
    await fake.start()
    db = tmp / "crux.db"
    shutil.copy(seeded, db)
    guild = fake.add_guild("Cold start")
    channel = fake.add_text_channel(guild, "general")
    member = fake.add_member(guild, "alice", permissions=PERMISSIONS.value)
    env = run_env(fake, guild.id, db)
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "crux"),
        "run",
        env=env,
        cwd=tmp,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await fake.wait_for(lambda: fake.commands.get(guild.id) and fake.identify, 120, "crux run to connect")
        synced = time.perf_counter() - started
        rec = await fake.invoke_slash_command(guild, channel, member, "debate list")
        await rec.wait_for_response()
        listed = time.perf_counter() - started
        rec = await fake.invoke_slash_command(guild, channel, member, "source", {"query": "who verifies a pause?"})
        await rec.wait_for_final_message()
        sourced = time.perf_counter() - started
        return synced, listed, sourced
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()


def main() -> None:
    """Seed a database once, then time a few cold starts of `crux run` over copies of it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seeded.db"
        library = Library(SourceStore(open_database(seeded)), MiniLMEmbedder())
        library.add_paths([SEEDS], added_by="benchmark")
        library.close()
        print("crux run: seconds from start to commands synced / first /debate list answered / first /source answered")
        for run in range(args.runs):
            work = Path(tmp) / f"run{run}"
            work.mkdir()
            synced, listed, sourced = asyncio.run(once(seeded, work))
            print(f"run {run + 1}: synced {synced:.2f}  /debate list {listed:.2f}  /source {sourced:.2f}", flush=True)


if __name__ == "__main__":
    main()
