"""/attention: the queue of what in a debate needs a moderator, with one-click merges for duplicates."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.attention import AttentionItem, attention
from bot.interface.bot import CruxBot
from bot.interface.checks import manages_threads
from bot.interface.transformers import DebateOption, debate_here
from bot.interface.views import MergeButton, Pages
from bot.markdown import paginate

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
    @app_commands.guild_only()
    @manages_threads
    async def attention(self, interaction: discord.Interaction, debate: DebateOption | None = None) -> None:
        """Show what in a debate needs a moderator: open attacks, duplicates, edits, unsourced claims, quiet sides."""
        found = debate_here(interaction, debate)
        items = attention(self.bot.services.debates.map(found))
        if not items:
            await interaction.response.send_message(
                f"Nothing in debate {found.number} needs a moderator right now.", ephemeral=True
            )
            return
        lines: list[str] = []
        for kind, heading in HEADINGS.items():
            mine = [item for item in items if item.kind == kind]
            if mine:
                lines.append(f"**{heading}** ({len(mine)})")
                lines += [_line(item, found.threads) for item in mine]
        embeds = [
            discord.Embed(
                title=f"Needs attention · debate {found.number}", description=page, colour=discord.Colour.gold()
            )
            for page in paginate(lines)
        ]
        view = Pages(embeds, interaction.user.id)
        for item in [i for i in items if i.kind == "duplicate"][:MAX_BUTTONS]:
            assert item.argument is not None
            assert item.other is not None
            view.add_item(MergeButton(found.id, item.argument.number or 0, item.other.number or 0))
        await interaction.response.send_message(embed=embeds[0], view=view, ephemeral=True)


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
