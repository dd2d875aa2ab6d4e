"""Command options that name something of Crux's: the `debate` option of every debate command."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.debates.model import Debate
from bot.interface.bot import CruxBot

MAX_CHOICES = 25


class DebateTransformer(app_commands.Transformer):
    """A debate by its number: offered as you type from this server's debates, refused if it is not this server's."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Send the option to Discord as an integer."""
        return discord.AppCommandOptionType.integer

    async def transform(self, interaction: discord.Interaction, value: int) -> Debate:
        """Return the debate with this number in the member's server (numbers count per server)."""
        return _bot(interaction).services.debates.find(interaction.guild_id or 0, int(value))

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: int | float | str
    ) -> list[app_commands.Choice[int]]:
        """Offer this server's debates, newest first, matching what was typed against their number or motion."""
        needle = str(value).strip().lower()
        debates = _bot(interaction).services.debates.debates(interaction.guild_id or 0)
        matches = [d for d in debates if needle in f"{d.number} {d.motion}".lower()]
        return [
            app_commands.Choice(name=f"{d.number} [{d.status}] {d.motion}"[:100], value=d.number)
            for d in matches[:MAX_CHOICES]
        ]


#: The annotation of a `debate` option; when it is left out, `debate_here` picks the debate.
DebateOption = app_commands.Transform[Debate, DebateTransformer]


def debate_here(interaction: discord.Interaction, debate: Debate | None) -> Debate:
    """Return the debate named, else the one whose thread this is, else the server's newest open debate."""
    if debate is not None:
        return debate
    return _bot(interaction).services.debates.find(interaction.guild_id or 0, None, interaction.channel_id)


def _bot(interaction: discord.Interaction) -> CruxBot:
    bot = interaction.client
    assert isinstance(bot, CruxBot)
    return bot
