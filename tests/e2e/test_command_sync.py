"""Slash commands are synced only when they changed since the last sync, and `crux sync` syncs on demand."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.__main__ import main
from bot.db import open_database
from bot.interface.bot import CruxBot, create_bot
from bot.services import build_services
from bot.sources.library import Library
from tests.e2e.conftest import World, settings_for
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import client_options, start_client

GUILD_COMMANDS = "/applications/{app}/guilds/{guild}/commands"
GLOBAL_COMMANDS = "/applications/{app}/commands"
# (to CRUX_GUILD_ID, the route that sync uses)
SCOPES = [pytest.param(True, GUILD_COMMANDS, id="server"), pytest.param(False, GLOBAL_COMMANDS, id="global")]


def db_path(library: Library) -> Path:
    """Return the database file the library is stored in."""
    return Path(library.store.db.execute("pragma database_list").fetchone()[2])


def build(fake: FakeDiscord, world: World, library: Library, *, to_server: bool = True) -> CruxBot:
    """Build Crux as `crux run` does, syncing to the test server or (to_server=False) globally."""
    path = db_path(library)
    settings = settings_for(fake, world, path)
    if not to_server:
        settings = replace(settings, guild_id=None)
    return create_bot(settings, build_services(open_database(path), library), **client_options())


async def start_and_stop(bot: CruxBot, fake: FakeDiscord) -> None:
    """Start the bot (which syncs if it must) and close it again."""
    async with start_client(bot, fake.token):
        pass


@pytest.mark.parametrize(("to_server", "route"), SCOPES)
async def test_a_restart_with_unchanged_commands_does_not_sync(
    fake: FakeDiscord,
    world: World,
    seeded_library: Library,
    caplog: pytest.LogCaptureFixture,
    to_server: bool,
    route: str,
) -> None:
    """The first start syncs; a second start with the same commands sends none, says so, and still answers them."""
    caplog.set_level(logging.INFO, logger="bot")
    await start_and_stop(build(fake, world, seeded_library, to_server=to_server), fake)
    assert len(fake.requests_to("PUT", route)) == 1
    again = build(fake, world, seeded_library, to_server=to_server)
    async with start_client(again, fake.token):
        rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "sources list")
        await rec.wait_for_final_message()
    assert len(fake.requests_to("PUT", route)) == 1
    assert again.synced is None
    assert "Commands unchanged since the last sync; not syncing" in caplog.text


async def test_a_changed_command_tree_is_synced_again(fake: FakeDiscord, world: World, seeded_library: Library) -> None:
    """A command added between two starts makes the second start sync, and Discord then offers it."""
    await start_and_stop(build(fake, world, seeded_library), fake)

    @app_commands.command(name="ping", description="Answer pong.")
    async def ping(interaction: discord.Interaction) -> None:
        """Answer pong."""
        await interaction.response.send_message("pong", ephemeral=True)

    again = build(fake, world, seeded_library)
    again.tree.add_command(ping)
    await start_and_stop(again, fake)
    assert len(fake.requests_to("PUT", GUILD_COMMANDS)) == 2
    assert "ping" in {c["name"] for c in fake.commands[world.guild.id]}


async def test_a_changed_stored_hash_syncs_again(fake: FakeDiscord, world: World, seeded_library: Library) -> None:
    """When the hash stored for the server no longer matches the commands, the next start syncs."""
    await start_and_stop(build(fake, world, seeded_library), fake)
    seeded_library.store.db.execute("update command_syncs set commands_hash = 'stale'")
    seeded_library.store.db.conn.commit()
    await start_and_stop(build(fake, world, seeded_library), fake)
    assert len(fake.requests_to("PUT", GUILD_COMMANDS)) == 2


@pytest.mark.parametrize(("to_server", "route"), SCOPES)
async def test_crux_sync_syncs_even_when_unchanged(
    fake: FakeDiscord,
    world: World,
    seeded_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    to_server: bool,
    route: str,
) -> None:
    """`crux sync` sends the unchanged commands again without connecting, prints where and how many, exits 0."""
    await start_and_stop(build(fake, world, seeded_library, to_server=to_server), fake)
    identified = len(fake.identifies)
    capsys.readouterr()
    point_cli_at(fake, monkeypatch, tmp_path, db_path(seeded_library), world.guild.id if to_server else None)

    # main() runs its own event loop, so it runs in a thread while this loop serves the fake.
    assert await asyncio.to_thread(main, ["sync"]) == 0

    assert len(fake.requests_to("PUT", route)) == 2
    assert len(fake.identifies) == identified, "crux sync must not connect to the gateway"
    count = len(fake.commands[world.guild.id if to_server else None])
    where = f"to server {world.guild.id}." if to_server else "globally (they can take a while to appear)."
    assert capsys.readouterr().out == f"Synced {count} commands {where}\n"


async def test_a_start_after_crux_sync_does_not_sync(
    fake: FakeDiscord, world: World, seeded_library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`crux sync` stores the hash of what it synced, so the next start has nothing to send."""
    point_cli_at(fake, monkeypatch, tmp_path, db_path(seeded_library), world.guild.id)
    assert await asyncio.to_thread(main, ["sync"]) == 0
    await start_and_stop(build(fake, world, seeded_library), fake)
    assert len(fake.requests_to("PUT", GUILD_COMMANDS)) == 1


def point_cli_at(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, cwd: Path, db: Path, guild_id: int | None) -> None:
    """Set the environment `crux` reads to the fake and the test database, in a folder without a .env."""
    for name in list(os.environ):
        if name.startswith(("CRUX_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DISCORD_TOKEN", fake.token)
    monkeypatch.setenv("CRUX_DB", str(db))
    monkeypatch.setenv("DISCORD_API_BASE", fake.api_base)
    monkeypatch.setenv("DISCORD_GATEWAY_URL", fake.gateway_url)
    if guild_id is not None:
        monkeypatch.setenv("CRUX_GUILD_ID", str(guild_id))
    monkeypatch.chdir(cwd)
