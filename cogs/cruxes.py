"""Cruxes: members mark the arguments that would change their mind; /cruxes shows where the debate hinges."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.crux_report import crux_report
from bot.debates.hinges import CruxToggle
from bot.interface.bot import CruxBot
from bot.interface.cruxes import CruxThreadButton, crux_lines, empty_text
from bot.interface.transformers import DebateOption, debate_here
from bot.interface.views import Pages
from bot.markdown import paginate

#: Thread buttons offered to moderators: two rows of five.
MAX_THREAD_BUTTONS = 10


class Cruxes(commands.Cog):
    """The **Would change my mind** message menu and `/cruxes`."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.hinges = bot.services.hinges
        self.menu = app_commands.ContextMenu(name="Would change my mind", callback=self.crux_menu)

    async def cog_load(self) -> None:
        """Add the context menu and register the crux thread button."""
        self.menu.guild_only = True
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(CruxThreadButton)

    async def cog_unload(self) -> None:
        """Remove the context menu and forget the button."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(CruxThreadButton)

    # -- commands -----------------------------------------------------------------------------------------------------

    @app_commands.command(name="cruxes")
    @app_commands.describe(debate="The debate (default: this thread's, else the newest open one)")
    @app_commands.guild_only()
    async def cruxes(self, interaction: discord.Interaction, debate: DebateOption | None = None) -> None:
        """Show where a debate hinges: double cruxes first, then the arguments that split the sides most."""
        found = debate_here(interaction, debate)
        await interaction.response.defer(ephemeral=True, thinking=True)
        inputs = self.hinges.crux_inputs(found)
        # Scoring every argument by side takes a moment on a big debate: off the event loop.
        report = await asyncio.to_thread(crux_report, inputs)
        if not report.entries:
            await interaction.followup.send(empty_text(found), ephemeral=True)
            return
        embeds = [
            discord.Embed(title=f"Cruxes — debate {found.number}"[:256], description=page)
            for page in paginate(crux_lines(found, report))
        ]
        buttons = None
        if interaction.permissions.manage_threads:
            buttons = discord.ui.View(timeout=None)
            for entry in report.entries[:MAX_THREAD_BUTTONS]:
                buttons.add_item(CruxThreadButton(found.id, entry.argument.id, entry.argument.label))
        if len(embeds) == 1:
            await interaction.followup.send(embed=embeds[0], view=buttons or discord.utils.MISSING, ephemeral=True)
            return
        # Pages time out, and a timed-out view would take the thread buttons' registration with it: apart.
        await interaction.followup.send(embed=embeds[0], view=Pages(embeds, interaction.user.id), ephemeral=True)
        if buttons is not None:
            await interaction.followup.send("Open a thread about one crux:", view=buttons, ephemeral=True)

    # -- context menus ------------------------------------------------------------------------------------------------

    async def crux_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Mark this argument as one that would change your mind if it held (use it again to take the mark off)."""
        toggled = self.hinges.toggle_crux(message.id, interaction.user.id)
        await interaction.response.send_message(toggle_text(toggled), ephemeral=True)


def toggle_text(toggled: CruxToggle) -> str:
    """Return what a member is told after marking an argument as a crux, or taking the mark off."""
    argument = toggled.argument
    link = f"[{argument.label}]({argument.jump_url})"
    if not toggled.marked:
        return f"Took your mark off {link}: it is no longer listed as one that would change your mind."
    text = f"🎯 Marked {link}: it would change your mind if it held. Marked by Pro {toggled.pro} · Con {toggled.con}"
    text += " — a **double crux**, marked on both sides." if toggled.double else "."
    if toggled.member_side is None:
        text += " Your mark counts for a side once Crux knows where you stand: use `/stance`."
    return text


async def setup(bot: CruxBot) -> None:
    """Load the Cruxes cog."""
    await bot.add_cog(Cruxes(bot))
