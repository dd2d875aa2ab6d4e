"""The Discord bot: built by one factory for `crux run` and the tests, with one error handler for every command."""

from __future__ import annotations

import logging
import pkgutil
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot.errors import CruxError
from bot.prompts import render
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)


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


def user_message(error: Exception) -> str | None:
    """Return the short message a member should read for an error they caused, or None for a bug."""
    original = getattr(error, "original", error)
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, CruxError):
        original = error.__cause__  # a transformer refused the value with a message for the member
    if isinstance(original, CruxError):
        return original.message
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"Crux needs the {_permission_names(error.missing_permissions)} permission here. Ask a server admin."
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
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True)
    else:
        await interaction.response.send_message(message, ephemeral=True)


class CruxTree(app_commands.CommandTree):
    """The command tree, whose one error handler answers every failed command."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Answer a failed command or context menu through answer_error."""
        command = interaction.command.qualified_name if interaction.command else "?"
        await answer_error(interaction, error, f"Command /{command}")


class CruxBot(commands.Bot):
    """Crux: holds the settings and the services its cogs use."""

    def __init__(self, settings: Settings, services: Services, **options: Any) -> None:
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

    async def on_message(self, message: discord.Message) -> None:
        """Do nothing here: Crux has slash commands only, and its cogs listen to messages themselves."""

    async def setup_hook(self) -> None:
        """Load every extension in cogs/ and sync the slash commands (to CRUX_GUILD_ID when set, else globally)."""
        for name in extensions():
            await self.load_extension(name)
        if self.settings.guild_id is not None:
            guild = discord.Object(id=self.settings.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to server %s", len(synced), self.settings.guild_id)
        else:
            synced = await self.tree.sync()
            log.info("Synced %d commands globally (they can take a while to appear)", len(synced))


def create_bot(settings: Settings, services: Services, **options: Any) -> CruxBot:
    """Build the bot; options (intents, http_trace, guild_ready_timeout...) go to discord.py's Client."""
    point_at(settings)
    return CruxBot(settings, services, **options)


def _permission_names(permissions: list[str]) -> str:
    return " and ".join(f"**{p.replace('_', ' ').replace('guild', 'server').title()}**" for p in permissions)
