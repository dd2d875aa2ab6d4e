"""Reporting moderator actions to a server's mod-log channel."""

from __future__ import annotations

import logging

import discord

from bot.debates.moderation import Action
from bot.interface.bot import CruxBot

log = logging.getLogger(__name__)


async def report_action(bot: CruxBot, action: Action) -> str:
    """Post an action to the server's mod-log channel, if set; return a warning for the moderator, or ''."""
    channel_id = bot.services.moderation.modlog_channel(action.entry.guild_id)
    if channel_id is None:
        return ""
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        return "\n⚠️ The mod-log channel is gone; set another with `/modlog set`."
    entry = action.entry
    embed = discord.Embed(
        title=f"{entry.action.title()} · debate {action.debate_number}",
        description=discord.utils.escape_markdown(action.summary),
        colour=discord.Colour.orange(),
        timestamp=discord.utils.utcnow(),
    )
    embed.add_field(name="By", value=f"<@{entry.actor_id}>")
    if entry.reason:
        embed.add_field(name="Reason", value=discord.utils.escape_markdown(entry.reason)[:1000], inline=False)
    try:
        await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as error:
        log.warning("Could not post to the mod-log channel %s: %s", channel_id, error)
        return f"\n⚠️ Crux could not post in {channel.mention}; check its permissions there."
    return ""
