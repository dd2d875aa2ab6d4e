"""/attention: the queue of what in a debate needs a moderator, with one-click merges for duplicates."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.attention import AttentionItem, attention
from bot.bot import CruxBot, answer_error
from bot.checks import manages_threads
from bot.debates import DebateError
from bot.moderation import Actor, Moderation
from bot.ui import Pages, complete_debate, paginate, report_action

MAX_BUTTONS = 5
HEADINGS = {
    "open_attack": "⚔️ Attacks nobody answered",
    "duplicate": "🔁 Duplicate candidates",
    "edited_after_attack": "✏️ Edited after being attacked",
    "unsourced": "📚 Well-voted, no source",
    "quiet_side": "🔇 A side has gone quiet",
}


class Attention(commands.Cog):
    """The moderator's queue for a debate."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the merge button so it works on queues posted before a restart."""
        self.bot.add_dynamic_items(MergeButton)

    async def cog_unload(self) -> None:
        """Forget the merge button."""
        self.bot.remove_dynamic_items(MergeButton)

    @app_commands.command(name="attention")
    @app_commands.describe(debate="The debate (default: this thread's, else the newest open one)")
    @app_commands.autocomplete(debate=complete_debate)
    @app_commands.guild_only()
    @manages_threads
    async def attention(self, interaction: discord.Interaction, debate: int | None = None) -> None:
        """Show what in a debate needs a moderator: open attacks, duplicates, edits, unsourced claims, quiet sides."""
        assert interaction.guild is not None
        found = self.bot.debates.find(interaction.guild.id, debate, interaction.channel_id)
        items = attention(self.bot.debates.map(found))
        if not items:
            await interaction.response.send_message(
                f"Nothing in debate {found.id} needs a moderator right now.", ephemeral=True
            )
            return
        lines: list[str] = []
        for kind, heading in HEADINGS.items():
            mine = [item for item in items if item.kind == kind]
            if mine:
                lines.append(f"**{heading}** ({len(mine)})")
                lines += [_line(item, found.threads) for item in mine]
        embeds = [
            discord.Embed(title=f"Needs attention · debate {found.id}", description=page, colour=discord.Colour.gold())
            for page in paginate(lines)
        ]
        view = Pages(embeds, interaction.user.id)
        for item in [i for i in items if i.kind == "duplicate"][:MAX_BUTTONS]:
            assert item.argument is not None and item.other is not None
            view.add_item(MergeButton(found.id, item.argument.number or 0, item.other.number or 0))
        await interaction.response.send_message(embed=embeds[0], view=view, ephemeral=True)


class MergeButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"crux:merge:(?P<d>[0-9]+):(?P<a>[0-9]+):(?P<b>[0-9]+)"
):
    """Merge a duplicate candidate into the argument it repeats, in one click (Manage Threads)."""

    def __init__(self, debate_id: int, duplicate: int, into: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Merge #{duplicate} into #{into}",
                style=discord.ButtonStyle.primary,
                custom_id=f"crux:merge:{debate_id}:{duplicate}:{into}",
            )
        )
        self.debate_id, self.duplicate, self.into = debate_id, duplicate, into

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MergeButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["d"]), int(match["a"]), int(match["b"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Merge, if the member may, and say what happened."""
        bot = interaction.client
        assert isinstance(bot, CruxBot) and interaction.guild is not None
        try:
            if not interaction.permissions.manage_threads:
                raise app_commands.MissingPermissions(["manage_threads"])
            debate = bot.debates.find(interaction.guild.id, self.debate_id)
            actor = Actor(interaction.user.id, interaction.user.display_name, interaction.guild.id)
            action = Moderation(bot.debates.store).merge(debate, self.duplicate, self.into, actor, "from /attention")
        except (DebateError, app_commands.MissingPermissions) as error:
            await answer_error(interaction, error, "Merge button")
            return
        note = await report_action(bot, action)
        await interaction.response.send_message(action.summary + note, ephemeral=True)


def _line(item: AttentionItem, threads: dict[str, int]) -> str:
    since = discord.utils.format_dt(item.since, "R")
    if item.kind == "quiet_side":
        side = item.side or "pro"
        return f"• The {side.title()} side (<#{threads.get(side, 0)}>) has posted nothing new since {since}."
    argument = item.argument
    assert argument is not None
    this = f"[{argument.label}]({argument.jump_url})"
    if item.kind == "open_attack" and item.other is not None:
        that = f"[{item.other.label}]({item.other.jump_url})"
        return f"• {this} attacks {that}, unanswered since {since}."
    if item.kind == "duplicate" and item.other is not None:
        return f"• {this} may repeat [{item.other.label}]({item.other.jump_url}) (flagged {since})."
    if item.kind == "edited_after_attack":
        return f"• {this} was edited {since}, after it was attacked: check the attacks still fit."
    return f"• {this} is well voted but cites no source (posted {since})."


async def setup(bot: CruxBot) -> None:
    """Load the Attention cog."""
    await bot.add_cog(Attention(bot))
