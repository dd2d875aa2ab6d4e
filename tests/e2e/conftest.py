"""The real Crux bot, built by the same factory as `crux run`, against the project's fake Discord."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest

from bot.db import open_database
from bot.interface.bot import CruxBot, create_bot
from bot.services import build_services
from bot.settings import Settings
from bot.sources.library import Library
from tests.fake_discord import FakeChannel, FakeDiscord, FakeGuild, FakeMember
from tests.fake_discord.harness import client_options, errors, fake, start_client
from tests.fake_discord.harness import run_env as crux_run_env

__all__ = ["errors", "fake"]

MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, use_application_commands=True
)


MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True, manage_threads=True, manage_messages=True)


@dataclass(frozen=True)
class World:
    """One server with a channel, an ordinary member and a moderator who can manage the server and threads."""

    guild: FakeGuild
    channel: FakeChannel
    member: FakeMember
    moderator: FakeMember


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    """Build a server named Pause Debate with #general, alice (a member) and mo (Manage Server and Manage Threads)."""
    guild = fake.add_guild("Pause Debate")
    channel = fake.add_text_channel(guild, "general")
    member = fake.add_member(guild, "alice", permissions=MEMBER_PERMISSIONS.value)
    moderator = fake.add_member(guild, "mo", permissions=(MEMBER_PERMISSIONS | MODERATOR_PERMISSIONS).value)
    return World(guild, channel, member, moderator)


def settings_for(fake: FakeDiscord, world: World, db_path: Path) -> Settings:
    """Return settings pointing at the fake, with commands synced to the test server."""
    return Settings(
        db_path=db_path,
        token=fake.token,
        guild_id=world.guild.id,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
    )


def build_bot(fake: FakeDiscord, world: World, library: Library) -> CruxBot:
    """Build Crux as `crux run` does, over a library and a debates store on the library's database file."""
    path = Path(library.store.db.execute("pragma database_list").fetchone()[2])
    services = build_services(open_database(path), library)
    return create_bot(settings_for(fake, world, path), services, **client_options())


@pytest.fixture
async def crux(fake: FakeDiscord, world: World, seeded_library: Library, tmp_path: Path) -> AsyncIterator[CruxBot]:
    """Crux logged in to the fake with the five seed articles in its library, ready for commands."""
    bot = build_bot(fake, world, seeded_library)
    async with start_client(bot, fake.token):
        await bot.get_cog("Capturing").caught_up.wait()
        yield bot


async def start_debate(fake: FakeDiscord, world: World, channel: FakeChannel | None = None, **options) -> dict:
    """Open a debate as the moderator and return what they were told."""
    if channel is not None:
        options["channel"] = channel
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.moderator, "debate start", options)
    return await rec.wait_for_final_message()


def debate_threads(fake: FakeDiscord, parent: FakeChannel) -> dict[str, FakeChannel]:
    """Return the Pro and Con threads opened under a channel."""
    threads = {t.name.split(":")[0].lower(): t for t in fake.threads_in(parent)}
    assert set(threads) == {"pro", "con"}, [t.name for t in fake.threads_in(parent)]
    return threads


async def open_debate(fake: FakeDiscord, world: World) -> dict[str, FakeChannel]:
    """Open a debate on the default motion in #general as the moderator and return its two threads."""
    await start_debate(fake, world)
    return debate_threads(fake, world.channel)


@pytest.fixture
async def debate(fake: FakeDiscord, world: World, crux: CruxBot) -> dict[str, FakeChannel]:
    """Open a debate on the default motion in #general and return its two threads."""
    return await open_debate(fake, world)


#: The `crux` command of the virtualenv running the tests.
CRUX = Path(sys.executable).parent / "crux"


async def launch_crux_run(
    fake: FakeDiscord, world: World, env: dict[str, str], cwd: Path
) -> asyncio.subprocess.Process:
    """Start `crux run` as its own process (output piped) and return it once it has connected to the fake."""
    pipe = asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(str(CRUX), "run", env=env, cwd=cwd, stdout=pipe, stderr=pipe)
    try:
        await fake.wait_for(lambda: fake.commands.get(world.guild.id) and fake.identify, 90, "crux run to connect")
    except BaseException:
        process.kill()
        await process.communicate()
        raise
    await fake.gateway_barrier()
    return process


def run_env(fake: FakeDiscord, world: World, db: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a `crux run` subprocess pointed at the fake, syncing to the test server."""
    return crux_run_env(fake, world.guild.id, db, **extra)
