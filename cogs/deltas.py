"""Changed minds (Δ): a member says which argument changed their mind and why; /deltas shows who persuaded whom."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.hinges import DeltaReport
from bot.debates.model import Argument, Delta
from bot.interface.bot import CruxBot
from bot.interface.deltas import DeltaForm
from bot.interface.stances import stance_card
from bot.interface.transformers import DebateOption, debate_here
from bot.interface.views import Pages
from bot.markdown import escape, paginate, quote
from bot.prompts import render

log = logging.getLogger(__name__)

NOTE_QUOTE_CHARS = 200
LIST_QUOTE_CHARS = 90
TOP_ARGUMENTS = 10


class Deltas(commands.Cog):
    """The **Δ Changed my mind** message menu and `/deltas`."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.hinges = bot.services.hinges
        self.menu = app_commands.ContextMenu(name="Δ Changed my mind", callback=self.delta_menu)

    async def cog_load(self) -> None:
        """Add the context menu."""
        self.menu.guild_only = True
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Remove the context menu."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    # -- commands -----------------------------------------------------------------------------------------------------

    @app_commands.command(name="deltas")
    @app_commands.describe(debate="The debate (default: this thread's, else the newest open one)")
    @app_commands.guild_only()
    async def deltas(self, interaction: discord.Interaction, debate: DebateOption | None = None) -> None:
        """Show whose arguments changed whose minds (Δ), the arguments that changed most minds, and Δ per member."""
        report = self.hinges.deltas(debate_here(interaction, debate))
        if not report.entries:
            await interaction.response.send_message(
                f"No Δ yet in debate {report.debate.number}. When an argument changes your mind, use "
                "**Apps → Δ Changed my mind** on it and say why.",
                ephemeral=True,
            )
            return
        embeds = [
            discord.Embed(title=f"Changed minds (Δ) — debate {report.debate.number}", description=page)
            for page in paginate(_report_lines(report))
        ]
        await interaction.response.send_message(
            embed=embeds[0], view=Pages(embeds, interaction.user.id), ephemeral=True
        )

    # -- context menus ------------------------------------------------------------------------------------------------

    async def delta_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Say this argument changed your mind: explain how, and Crux notes it in the thread."""
        argument = self.hinges.delta_target(message.id, interaction.user.id)

        async def submitted(answer: discord.Interaction, text: str) -> None:
            await self._award(answer, message.id, text)

        await interaction.response.send_modal(
            DeltaForm(
                f"Δ {argument.label} changed my mind", f"crux:delta:{argument.id}:{interaction.user.id}", submitted
            )
        )

    # -- private ------------------------------------------------------------------------------------------------------

    async def _award(self, interaction: discord.Interaction, message_id: int, text: str) -> None:
        """Record the Δ, offer the member a new stance, and post a short note in the argument's thread."""
        delta, argument = self.hinges.award_delta(message_id, interaction.user.id, text)
        debate = self.bot.services.debates.store.debate(argument.debate_id)
        recorded = render(
            "delta_recorded",
            label=argument.label,
            jump_url=argument.jump_url,
            author=escape(argument.author_name),
            note="Crux notes it in the thread.",
        )
        card, view = stance_card(self.bot, debate, interaction.user.id)
        await interaction.response.send_message(f"{recorded}\n\n{card}"[:2000], view=view, ephemeral=True)
        log.info("Debate %s: member %s gave %s a Δ", debate.id, interaction.user.id, argument.label)
        if not await self._post_note(interaction, argument, delta):
            await interaction.followup.send(
                "Crux could not post the Δ note in the thread (is it gone, or closed to Crux?). Your Δ is recorded.",
                ephemeral=True,
            )

    async def _post_note(self, interaction: discord.Interaction, argument: Argument, delta: Delta) -> bool:
        """Post the Δ note under the argument, pinging nobody; return whether it was posted."""
        thread = await self.bot.thread(argument.thread_id)
        if thread is None:
            return False
        text = render(
            "delta_note",
            member=escape(interaction.user.display_name),
            label=argument.label,
            jump_url=argument.jump_url,
            author=escape(argument.author_name),
            explanation=quote(delta.explanation, NOTE_QUOTE_CHARS),
        )
        try:
            await thread.send(
                text[:2000],
                reference=discord.MessageReference(
                    message_id=argument.message_id, channel_id=thread.id, fail_if_not_exists=False
                ),
                mention_author=False,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            log.warning("Could not post the Δ note for %s in thread %s: %s", argument.label, thread.id, error)
            return False
        return True


def _report_lines(report: DeltaReport) -> list[str]:
    givers, arguments = len(report.given), len(report.arguments)
    total = (
        f"**{len(report.entries)} Δ** from {givers} member{'s' if givers != 1 else ''} on "
        f"{arguments} argument{'s' if arguments != 1 else ''}."
    )
    lines = [
        total,
        "",
        "**Who changed whose mind**",
    ]
    for entry in report.entries:
        argument, delta = entry.argument, entry.delta
        lines.append(
            f"• <@{delta.awarded_by}> ← [{argument.label}]({argument.jump_url}) by {escape(argument.author_name)}: "
            f"“{quote(delta.explanation, LIST_QUOTE_CHARS)}”"
        )
    lines += ["", "**Arguments that changed most minds**"]
    for argument, count in report.arguments[:TOP_ARGUMENTS]:
        lines.append(f"• [{argument.label}]({argument.jump_url}) Δ{count} — {quote(argument.text, LIST_QUOTE_CHARS)}")
    lines += ["", "**Δ per member**"]
    members = [*report.received, *(member for member in report.given if member not in report.received)]
    for member in members:
        given = report.given.get(member, 0)
        also = f", {given} given" if given else ""
        lines.append(f"• <@{member}> Δ{report.received.get(member, 0)} received{also}")
    return lines


async def setup(bot: CruxBot) -> None:
    """Load the Deltas cog."""
    await bot.add_cog(Deltas(bot))
