"""Moderators tidy a debate's map (merge, remove, restore, relink), each action logged; anyone can inspect one."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.moderation import Action, Actor, ArgumentDetails
from bot.interface.bot import CruxBot
from bot.interface.checks import manages_threads
from bot.interface.modlog import report_action
from bot.interface.transformers import DebateOption, debate_here

RELATION_CHOICES = [app_commands.Choice(name=r, value=r) for r in ("supports", "attacks", "none")]
QUOTE_CHARS = 900


class Moderating(commands.Cog):
    """`/argument` actions on a debate's map, and the mod-log channel they are reported to."""

    argument = app_commands.Group(name="argument", description="Inspect or tidy one argument.", guild_only=True)
    modlog = app_commands.Group(
        name="modlog",
        description="Where moderator actions are reported.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_threads=True),
    )

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.moderation = bot.services.moderation

    # -- commands -----------------------------------------------------------------------------------------------------

    @argument.command(name="show")
    @app_commands.describe(
        number="The argument's number (#n)", debate="The debate (default: this thread's or the newest)"
    )
    async def show(self, interaction: discord.Interaction, number: int, debate: DebateOption | None = None) -> None:
        """Show one argument: its text, revisions, links both ways, votes and citations."""
        details = self.moderation.details(debate_here(interaction, debate), number)
        await interaction.response.send_message(embed=_details_embed(details), ephemeral=True)

    @argument.command(name="merge")
    @app_commands.describe(
        duplicate="The number of the argument that repeats another",
        into="The number of the argument to keep",
        debate="The debate (default: this thread's or the newest)",
    )
    @manages_threads
    async def merge(
        self, interaction: discord.Interaction, duplicate: int, into: int, debate: DebateOption | None = None
    ) -> None:
        """Merge a duplicate into the argument it repeats; links, votes and citations move, nothing is deleted."""
        action = self.moderation.merge(debate_here(interaction, debate), duplicate, into, _actor(interaction))
        await self._done(interaction, action)

    @argument.command(name="remove")
    @app_commands.describe(
        number="The argument to hide", reason="Why (kept in the audit log)", debate="The debate (default: this one)"
    )
    @manages_threads
    async def remove(
        self, interaction: discord.Interaction, number: int, reason: str, debate: DebateOption | None = None
    ) -> None:
        """Hide an argument from every view and export; it stays stored and can be restored."""
        action = self.moderation.remove(debate_here(interaction, debate), number, reason, _actor(interaction))
        await self._done(interaction, action)

    @argument.command(name="restore")
    @app_commands.describe(number="The removed argument to show again", debate="The debate (default: this one)")
    @manages_threads
    async def restore(self, interaction: discord.Interaction, number: int, debate: DebateOption | None = None) -> None:
        """Show a removed argument again."""
        action = self.moderation.restore(debate_here(interaction, debate), number, _actor(interaction))
        await self._done(interaction, action)

    @argument.command(name="relink")
    @app_commands.describe(
        number="The argument whose link is wrong",
        target="The argument it should support or attack",
        relation="supports, attacks, or none to remove the link",
        debate="The debate (default: this one)",
    )
    @app_commands.choices(relation=RELATION_CHOICES)
    @manages_threads
    async def relink(
        self,
        interaction: discord.Interaction,
        number: int,
        target: int,
        relation: str,
        debate: DebateOption | None = None,
    ) -> None:
        """Fix a link made by mistake: make an argument support or attack another, or neither."""
        found = debate_here(interaction, debate)
        action = self.moderation.relink(found, number, target, relation, _actor(interaction))
        await self._done(interaction, action)

    @modlog.command(name="set")
    @app_commands.describe(channel="Where to report moderator actions; leave empty to stop reporting")
    @manages_threads
    async def set_modlog(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        """Choose the channel that moderator actions are reported to."""
        assert interaction.guild is not None
        self.moderation.set_modlog_channel(interaction.guild.id, channel.id if channel else None)
        text = f"Moderator actions will be reported in {channel.mention}." if channel else "Mod-log reporting is off."
        await interaction.response.send_message(text, ephemeral=True)

    # -- private ------------------------------------------------------------------------------------------------------

    async def _done(self, interaction: discord.Interaction, action: Action) -> None:
        """Tell the moderator, and report the action in the mod-log channel when one is set."""
        note = await report_action(self.bot, action)
        await interaction.response.send_message(action.summary + note, ephemeral=True)


def _actor(interaction: discord.Interaction) -> Actor:
    assert interaction.guild is not None
    return Actor(interaction.user.id, interaction.user.display_name, interaction.guild.id)


def _details_embed(details: ArgumentDetails) -> discord.Embed:
    argument = details.argument
    escape = discord.utils.escape_markdown
    status = (
        "deleted by its author"
        if argument.deleted_at
        else f"removed by a moderator: {argument.removed_reason}"
        if argument.removed_at
        else "merged into another argument"
        if argument.merged_into
        else "on the map"
    )
    text = escape(argument.text)
    embed = discord.Embed(
        title=f"{argument.label} · {argument.side.title()} · {escape(argument.author_name)}"[:256],
        url=argument.jump_url,
        description=text[:QUOTE_CHARS] + ("…" if len(text) > QUOTE_CHARS else ""),
        colour=discord.Colour.green() if argument.side == "pro" else discord.Colour.red(),
    )
    embed.add_field(name="Status", value=status[:1000])
    embed.add_field(name="Votes", value=f"👍 {details.votes.up} · 👎 {details.votes.down}")
    embed.add_field(name="Changed minds", value=f"Δ {details.deltas}")
    if details.merged_into is not None:
        embed.add_field(name="Merged into", value=f"[{details.merged_into.label}]({details.merged_into.jump_url})")
    outgoing = [
        f"{link.relation.replace('_', ' ')} [{other.label}]({other.jump_url})" for link, other in details.links_out
    ]
    incoming = [
        f"[{other.label}]({other.jump_url}) {link.relation.replace('_', ' ')} it" for link, other in details.links_in
    ]
    embed.add_field(name="It", value=_listing(outgoing), inline=False)
    embed.add_field(name="Answered by", value=_listing(incoming), inline=False)
    cited = [
        f"{'📌' if c.status == 'cited' else '📚'} {escape(c.document_title)}, paragraph {c.paragraph}"
        for c in details.citations
    ]
    embed.add_field(name="Sources", value=_listing(cited), inline=False)
    if details.revisions:
        last = escape(details.revisions[-1].text)
        embed.add_field(
            name=f"Edited {len(details.revisions)} time(s); before the last edit",
            value=(last[:500] + ("…" if len(last) > 500 else "")) or "—",
            inline=False,
        )
    return embed


def _listing(lines: list[str]) -> str:
    text = "\n".join(lines[:15]) + (f"\n…and {len(lines) - 15} more" if len(lines) > 15 else "")
    return text[:1024] or "—"


async def setup(bot: CruxBot) -> None:
    """Load the Moderating cog."""
    await bot.add_cog(Moderating(bot))
