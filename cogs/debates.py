"""Debates in a Pro and a Con thread: open, close and list them, and choose how Crux suggests sources."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.analysis import CITATION_MODES
from bot.debates.model import SIDES, Debate
from bot.errors import DebateError
from bot.interface.bot import CruxBot
from bot.interface.checks import manages_threads, require_in_channel
from bot.interface.threads import open_threads
from bot.interface.transformers import DebateOption, debate_here
from bot.markdown import SIDE_TITLES
from bot.prompts import render

MAX_MOTION_CHARS = 300


class Debating(commands.Cog):
    """Opens and closes debates, each a Pro thread and a Con thread that Crux captures."""

    debate = app_commands.Group(name="debate", description="Open, close and list debates.", guild_only=True)

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.debates = bot.services.debates

    # -- commands -----------------------------------------------------------------------------------------------------

    @debate.command(name="start")
    @app_commands.describe(
        motion="What is being debated (default: the pause proposal)",
        channel="A forum (two tagged posts) or text channel (two threads); default: this channel",
    )
    @manages_threads
    async def start(
        self,
        interaction: discord.Interaction,
        motion: app_commands.Range[str, 1, MAX_MOTION_CHARS] | None = None,
        channel: discord.ForumChannel | discord.TextChannel | None = None,
    ) -> None:
        """Open a debate as a Pro thread and a Con thread."""
        motion_text = " ".join((motion or render("motion")).split())
        if not motion_text:
            raise DebateError("The motion is empty. Write what is being debated, or leave it out for the default.")
        place = channel or interaction.channel
        if isinstance(place, discord.Thread):
            place = place.parent
        if not isinstance(place, discord.ForumChannel | discord.TextChannel):
            raise DebateError("Debates open in a forum or a text channel. Pick one with the `channel` option.")
        cached = self.bot.get_channel(place.id)  # resolved options carry no tags; the cache does
        if isinstance(cached, discord.ForumChannel | discord.TextChannel):
            place = cached
        assert isinstance(interaction.user, discord.Member)  # the group is guild-only
        crux_needs = ["view_channel", "send_messages_in_threads", "add_reactions", "read_message_history"]
        crux_needs.append("create_public_threads" if isinstance(place, discord.TextChannel) else "send_messages")
        # The command's own check covers the channel it was run in; a channel named in the option is checked here.
        theirs = ["manage_threads"] if place.id != interaction.channel_id else []
        require_in_channel(place, interaction.user, member_needs=theirs, crux_needs=crux_needs)
        await interaction.response.defer(ephemeral=True, thinking=True)
        threads = await open_threads(place, motion_text)
        debate = self.debates.start(
            place.guild.id,
            place.id,
            "forum" if isinstance(place, discord.ForumChannel) else "text",
            motion_text,
            interaction.user.id,
            {side: thread.id for side, thread in threads.items()},
        )
        await interaction.followup.send(
            render("debate_started", debate_id=debate.number, pro=threads["pro"].mention, con=threads["con"].mention),
            ephemeral=True,
        )

    @debate.command(name="close")
    @app_commands.describe(debate="The debate to close (default: the newest open one)")
    @manages_threads
    async def close(self, interaction: discord.Interaction, debate: DebateOption | None = None) -> None:
        """Lock and archive a debate's threads; its map stays."""
        found = debate_here(interaction, debate)
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = self.debates.close(found, interaction.user.id)
        for thread_id in closed.threads.values():
            thread = await self.bot.thread(thread_id)
            if thread is not None:
                await thread.edit(locked=True, archived=True, reason=f"Debate {closed.number} closed")
        await interaction.followup.send(render("debate_closed", debate_id=closed.number), ephemeral=True)

    @debate.command(name="list")
    async def list_debates(self, interaction: discord.Interaction) -> None:
        """List this server's debates with links to their threads."""
        debates = self.debates.debates(interaction.guild_id or 0)
        if not debates:
            raise DebateError("No debates yet. A moderator can open one with `/debate start`.")
        lines = [_debate_line(d) for d in debates[:20]]
        embed = discord.Embed(title="Debates", description="\n".join(lines), colour=discord.Colour.blurple())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @debate.command(name="citations")
    @app_commands.describe(
        mode="on: reply with relevant sources; quiet: store them without posting; off: do not look",
        debate="The debate (default: this thread's, else the newest open one)",
    )
    @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in CITATION_MODES])
    @manages_threads
    async def citations(self, interaction: discord.Interaction, mode: str, debate: DebateOption | None = None) -> None:
        """Choose whether Crux replies to arguments with relevant sources."""
        updated = self.debates.set_citations(debate_here(interaction, debate), mode)
        await interaction.response.send_message(
            f"Debate {updated.number}: citations are now **{mode}**.", ephemeral=True
        )


def _debate_line(debate: Debate) -> str:
    threads = " · ".join(f"{SIDE_TITLES[s]} <#{debate.threads[s]}>" for s in SIDES if s in debate.threads)
    motion = discord.utils.escape_markdown(debate.motion[:80])
    return f"**{debate.number}** [{debate.status}] {motion} — {threads}"


async def setup(bot: CruxBot) -> None:
    """Load the Debating cog."""
    await bot.add_cog(Debating(bot))
