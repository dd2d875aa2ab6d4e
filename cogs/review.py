"""/review: one argument at a time, chosen to fill the gaps the debate's scores need, to vote on privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.interface.bot import CruxBot
from bot.interface.review import ReviewButton, review_message
from bot.interface.transformers import DebateOption, debate_here


class Review(commands.Cog):
    """`/review` and its card's buttons: Agree 👍, Disagree 👎, Pass, Would change my mind, Next."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the review buttons so cards from before a restart still work."""
        self.bot.add_dynamic_items(ReviewButton)

    async def cog_unload(self) -> None:
        """Forget the review buttons."""
        self.bot.remove_dynamic_items(ReviewButton)

    @app_commands.command(name="review")
    @app_commands.describe(debate="The debate (default: this thread's, else the newest open one)")
    @app_commands.guild_only()
    async def review(self, interaction: discord.Interaction, debate: DebateOption | None = None) -> None:
        """Vote on the arguments you have not voted on yet, one at a time, those that most need your vote first."""
        found = debate_here(interaction, debate)
        card = self.bot.services.hinges.review(found, interaction.user.id)
        content, view = review_message(found, card)
        await interaction.response.send_message(content, view=view or discord.utils.MISSING, ephemeral=True)


async def setup(bot: CruxBot) -> None:
    """Load the Review cog."""
    await bot.add_cog(Review(bot))
