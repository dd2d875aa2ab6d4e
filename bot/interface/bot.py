"""The Discord bot: built by one factory for `crux run` and the tests, with one error handler for every command."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import pkgutil
from collections.abc import Awaitable
from typing import Any, Protocol, TypeVar, runtime_checkable

import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot.db.commands import scope_for
from bot.errors import CruxError
from bot.interface.checks import permission_names
from bot.prompts import render
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# Work a command finishes within this long is answered in one response; slower work is deferred first ("Crux is
# thinking…"), well inside Discord's 3-second window.
ANSWER_WITHIN = 1.0
# How long a normal stop waits for queued argument analysis before closing anyway.
DRAIN_TIMEOUT = 30.0
# The listeners a normal stop removes first: new messages, and the catch-up after a reconnect, add analysis work.
STOP_LISTENING = ("on_message", "on_ready")


def extensions() -> list[str]:
    """Return the module name of every extension in cogs/, skipping private (underscore) modules."""
    return sorted(
        f"{cogs.__name__}.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


def point_at(settings: Settings) -> None:
    """Send REST and gateway traffic to a Discord-compatible server when the settings name one."""
    # discord.py has no option for its API base; these two class attributes are where every route and
    # gateway connection reads it from (see ../shared/docs/discord-offline-testing.md, section 2).
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def commands_hash(payload: list[dict[str, Any]]) -> str:
    """Return a stable hash of the commands as sent to Discord: their order and dict key order do not matter."""
    commands = sorted(json.dumps(command, sort_keys=True) for command in payload)
    return hashlib.sha256(json.dumps(commands).encode()).hexdigest()


@runtime_checkable
class AnalysisWorker(Protocol):
    """The cog that works through the analysis queue (cogs/analysis.py): a normal stop lets it finish."""

    async def wait_until_analysed(self) -> None:
        """Return once the queue is empty and nothing is in hand."""
        ...


def user_message(error: Exception) -> str | None:
    """Return the short message a member should read for an error they caused, or None for a bug."""
    original = getattr(error, "original", error)
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, CruxError):
        original = error.__cause__  # a transformer refused the value with a message for the member
    if isinstance(original, CruxError):
        return original.message
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"Crux needs the {permission_names(error.missing_permissions)} permission here. Ask a server admin."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works inside a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"`{error.value}` is not a valid value there."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(original, discord.Forbidden):
        return "Discord refused Crux permission to do that here. Ask a server admin to check Crux's role."
    return None


async def answer_error(interaction: discord.Interaction, error: Exception, what: str) -> None:
    """Tell the member what went wrong: their mistake in a sentence, our bug as an apology with a logged trace."""
    message = user_message(error)
    if message is None:
        log.error("%s failed", what, exc_info=error)
        message = render("apology")
    await reply(interaction, content=message, ephemeral=True)


async def in_time(interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool) -> T:
    """Return what `work` gives; if it is not done within ANSWER_WITHIN, defer the interaction first.

    Start the slow part (a worker thread) in `work`, and answer with `reply`, which sends the response or, after a
    defer, its follow-up.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait([task], timeout=ANSWER_WITHIN)
    if not done and not interaction.response.is_done():
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except BaseException:
            task.cancel()  # nobody will wait for it now
            raise
    return await task


async def reply(interaction: discord.Interaction, **message: Any) -> None:
    """Send a command's answer: as its response if none was sent yet, else as the follow-up of its defer."""
    if interaction.response.is_done():
        await interaction.followup.send(**message)
    else:
        await interaction.response.send_message(**message)


class CruxTree(app_commands.CommandTree):
    """The command tree, whose one error handler answers every failed command."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Answer a failed command or context menu through answer_error."""
        command = interaction.command.qualified_name if interaction.command else "?"
        await answer_error(interaction, error, f"Command /{command}")


class CruxBot(commands.Bot):
    """Crux: holds the settings and the services its cogs use."""

    def __init__(self, settings: Settings, services: Services, *, force_sync: bool = False, **options: Any) -> None:
        # Message Content is privileged: enable it on the bot's page in the developer portal.
        options.setdefault(
            "intents", discord.Intents(guilds=True, guild_messages=True, guild_reactions=True, message_content=True)
        )
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=CruxTree,
            # Nothing Crux echoes may ping anyone; a cog that means to mention someone says so per message.
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        self.services = services
        # `crux sync` sets this: sync at login even when the commands are unchanged.
        self.force_sync = force_sync
        # How many commands setup_hook synced, or None when they were unchanged and it did not sync.
        self.synced: int | None = None
        # How long shutdown() waits for queued analysis before closing anyway.
        self.drain_timeout = DRAIN_TIMEOUT

    async def thread(self, channel_id: int) -> discord.Thread | None:
        """Return a thread from the cache or from Discord; None if it is gone or Crux may not see it."""
        channel = self.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, discord.Thread) else None

    async def on_message(self, message: discord.Message) -> None:
        """Do nothing here: Crux has slash commands only, and its cogs listen to messages themselves."""

    async def setup_hook(self) -> None:
        """Load every extension in cogs/ and sync the slash commands if they changed (or `force_sync` is set)."""
        for name in extensions():
            await self.load_extension(name)
        self.synced = await self.sync_commands(force=self.force_sync)

    async def sync_commands(self, *, force: bool = False) -> int | None:
        """Sync the slash commands to CRUX_GUILD_ID (else globally) unless unchanged since the last sync there.

        Return how many were synced, or None when the stored hash matched and nothing was sent. With `force`,
        sync anyway. Discord rate-limits syncs, and a global one takes a while to show, so a restart skips it.
        """
        if self.application_id is None:
            raise app_commands.MissingApplicationID
        guild = None if self.settings.guild_id is None else discord.Object(id=self.settings.guild_id)
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        scope = scope_for(self.settings.guild_id)
        digest = commands_hash(await self._command_payload(guild))
        if not force and self.services.commands.last_hash(scope, self.application_id) == digest:
            log.info("Commands unchanged since the last sync; not syncing")
            return None
        synced = await self.tree.sync(guild=guild)
        self.services.commands.record(scope, self.application_id, digest, len(synced))
        if guild is not None:
            log.info("Synced %d commands to server %s", len(synced), guild.id)
        else:
            log.info("Synced %d commands globally (they can take a while to appear)", len(synced))
        return len(synced)

    async def shutdown(self) -> None:
        """Stop normally: stop capturing, let the queued analysis finish (within drain_timeout), close everything.

        Messages posted from now on are not captured; the next start reads them back from history, as after any
        outage. Then the bot disconnects and the services' database connections are closed.
        """
        for cog in self.cogs.values():
            for name, listener in cog.get_listeners():
                if name in STOP_LISTENING:
                    self.remove_listener(listener, name)
        workers = [cog for cog in self.cogs.values() if isinstance(cog, AnalysisWorker)]
        if waiting := self.services.analyser.pending():
            log.info("Stopping: waiting for %d queued arguments to be analysed", waiting)
        try:
            async with asyncio.timeout(self.drain_timeout):
                await asyncio.gather(*(worker.wait_until_analysed() for worker in workers))
        except TimeoutError:
            log.warning(
                "Stopped waiting for the analysis after %g s; %d queued argument(s) stay queued and are analysed at "
                "the next start",
                self.drain_timeout,
                self.services.analyser.pending(),
            )
        await self.close()
        self.services.close()

    async def _command_payload(self, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
        """Return the commands exactly as tree.sync(guild=guild) would send them."""
        commands = self.tree.get_commands(guild=guild)
        translator = self.tree.translator
        if translator is not None:
            return [await command.get_translated_payload(self.tree, translator) for command in commands]
        return [command.to_dict(self.tree) for command in commands]


def create_bot(settings: Settings, services: Services, *, force_sync: bool = False, **options: Any) -> CruxBot:
    """Build the bot; options (intents, http_trace, guild_ready_timeout...) go to discord.py's Client."""
    point_at(settings)
    return CruxBot(settings, services, force_sync=force_sync, **options)
