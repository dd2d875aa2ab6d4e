"""Stances: each member says where they stand on a debate's motion, and can change it any time."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.interface.bot import CruxBot
from bot.interface.stances import StanceButton, StandButton, stance_card
from bot.interface.transformers import DebateOption, debate_here


class Stances(commands.Cog):
    """`/stance` and the stance buttons: a five-point scale from strongly against the motion to strongly for it."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the stance buttons so cards and opening posts from before a restart still work."""
        self.bot.add_dynamic_items(StandButton, StanceButton)

    async def cog_unload(self) -> None:
        """Forget the stance buttons."""
        self.bot.remove_dynamic_items(StandButton, StanceButton)

    @app_commands.command(name="stance")
    @app_commands.describe(debate="The debate (default: this thread's, else the newest open one)")
    @app_commands.guild_only()
    async def stance(self, interaction: discord.Interaction, debate: DebateOption | None = None) -> None:
        """Say where you stand on a debate's motion, from strongly against to strongly for; change it any time."""
        found = debate_here(interaction, debate)
        content, view = stance_card(self.bot, found, interaction.user.id)
        await interaction.response.send_message(content, view=view, ephemeral=True)


async def setup(bot: CruxBot) -> None:
    """Load the Stances cog."""
    await bot.add_cog(Stances(bot))
