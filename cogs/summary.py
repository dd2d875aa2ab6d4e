"""/summary: a grounded digest of a debate, every line linked to the message or source it rests on."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.model import SIDES
from bot.errors import DebateError
from bot.interface.bot import CruxBot
from bot.interface.checks import require_manage_threads
from bot.interface.transformers import DebateOption, debate_here
from bot.interface.views import Pages
from bot.summary import render_summary, summarise_debate, summary_pages


class Summaries(commands.Cog):
    """Digests of debates for moderators and anyone catching up."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot

    @app_commands.command(name="summary")
    @app_commands.describe(
        debate="The debate (default: this thread's, else the newest open one)",
        side="Summarise only one side",
        public="Post it in the channel for everyone (needs Manage Threads; default: only you see it)",
    )
    @app_commands.choices(side=[app_commands.Choice(name=s.title(), value=s) for s in SIDES])
    @app_commands.guild_only()
    async def summary(
        self,
        interaction: discord.Interaction,
        debate: DebateOption | None = None,
        side: str | None = None,
        public: bool = False,
    ) -> None:
        """Digest a debate: strongest arguments, open attacks, themes, common ground, cruxes, minds changed."""
        if public:
            require_manage_threads(interaction)
        found = debate_here(interaction, debate)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        # Store reads stay on the loop, as everywhere; the map comes with the marks' inputs, read once.
        inputs = self.bot.services.hinges.hinge_inputs(found)
        vectors = self.bot.services.debates.vectors(found)
        chosen = next((s for s in SIDES if s == side), None)
        # Clustering and scoring thousands of arguments is CPU work: keep it off the event loop.
        digest = await asyncio.to_thread(summarise_debate, inputs, vectors, side=chosen)
        pages = summary_pages(digest)
        if not pages:
            raise DebateError("There is nothing to summarise yet.")
        embeds = [
            discord.Embed(title=f"Summary · debate {found.number}", description=page, colour=discord.Colour.blurple())
            for page in pages
        ]
        kwargs: dict = {"embed": embeds[0], "ephemeral": not public}
        if len(embeds) > 1:
            kwargs["view"] = Pages(embeds, interaction.user.id)
            markdown = render_summary(digest).encode("utf-8")
            kwargs["file"] = discord.File(io.BytesIO(markdown), filename=f"debate-{found.number}-summary.md")
        await interaction.followup.send(**kwargs)


async def setup(bot: CruxBot) -> None:
    """Load the Summaries cog."""
    await bot.add_cog(Summaries(bot))
