"""Reusable Discord views: pages of text turned with buttons, and error answers for components."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.bot import CruxBot, answer_error
from bot.moderation import Action

log = logging.getLogger(__name__)

PAGE_CHARS = 3800


def paginate(lines: list[str], limit: int = PAGE_CHARS) -> list[str]:
    """Join lines into pages of at most `limit` characters, never splitting a line (a longer line is cut)."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and size + len(line) + 1 > limit:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current or not pages:
        pages.append("\n".join(current))
    return pages


class CruxView(discord.ui.View):
    """A view whose component errors are answered like command errors."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        """Answer through the bot's one error path."""
        await answer_error(interaction, error, f"Component {getattr(item, 'custom_id', item)!r}")


class Pages(CruxView):
    """Embeds shown one at a time with ◀ and ▶ buttons; only the member who asked can turn them."""

    def __init__(self, embeds: list[discord.Embed], owner_id: int) -> None:
        super().__init__(timeout=600)
        self.embeds = embeds
        self.owner_id = owner_id
        self.index = 0
        for i, embed in enumerate(embeds):
            embed.set_footer(text=f"Page {i + 1} of {len(embeds)}")
        self._update_buttons()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only the member who asked turn the pages."""
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("Only the member who asked can turn these pages.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary, custom_id="pages:previous")
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the previous page."""
        self.index -= 1
        self._update_buttons()
        await interaction.response.edit_message(embed=self.embeds[self.index], view=self)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary, custom_id="pages:next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next page."""
        self.index += 1
        self._update_buttons()
        await interaction.response.edit_message(embed=self.embeds[self.index], view=self)

    def _update_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.embeds) - 1


async def complete_debate(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """Offer this server's debates, newest first, matching what was typed against their number or motion."""
    bot = interaction.client
    assert isinstance(bot, CruxBot)
    needle = current.strip().lower()
    debates = bot.debates.debates(interaction.guild_id or 0)
    matches = [d for d in debates if needle in f"{d.id} {d.motion}".lower()]
    return [app_commands.Choice(name=f"{d.id} [{d.status}] {d.motion}"[:100], value=d.id) for d in matches[:25]]


async def report_action(bot: CruxBot, action: Action) -> str:
    """Post an action to the server's mod-log channel, if set; return a warning for the moderator, or ''."""
    channel_id = bot.debates.modlog_channel(action.entry.guild_id)
    if channel_id is None:
        return ""
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        return "\n⚠️ The mod-log channel is gone; set another with `/modlog set`."
    entry = action.entry
    embed = discord.Embed(
        title=f"{entry.action.title()} · debate {entry.debate_id}",
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
