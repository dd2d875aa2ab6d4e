"""/help: every command and message menu Crux has, with what it does, read from the command tree itself."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.interface.bot import CruxBot
from bot.interface.checks import permission_names
from bot.interface.views import Pages
from bot.markdown import paginate
from bot.prompts import render


class Help(commands.Cog):
    """A private list of Crux's commands, so nobody has to guess or read the README to find them."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """List Crux's commands and message menus, with what each does and who may use it."""
        embeds = [
            discord.Embed(title="Crux: commands", description=page, colour=discord.Colour.blurple())
            for page in paginate([render("help_header"), "", *help_lines(self.bot.tree)])
        ]
        view = Pages(embeds, interaction.user.id) if len(embeds) > 1 else discord.utils.MISSING
        await interaction.response.send_message(embed=embeds[0], view=view, ephemeral=True)


def help_lines(tree: app_commands.CommandTree) -> list[str]:
    """Return a line per slash command (subcommands by their full name) and per message menu, in name order."""
    commands = sorted(
        (c for c in tree.walk_commands() if isinstance(c, app_commands.Command)), key=lambda c: c.qualified_name
    )
    lines = [f"`/{c.qualified_name}` — {c.description}{_who(c)}" for c in commands]
    menus = sorted(tree.get_commands(type=discord.AppCommandType.message), key=lambda m: m.name)
    if menus:
        lines += ["", "**On a message** (right-click or long-press it, then **Apps**):"]
        lines += [f"**{menu.name}**{_who(menu)}" for menu in menus]
    return lines


def _who(command: app_commands.Command | app_commands.ContextMenu) -> str:
    """Return who may use a command when it is not everyone: the permission it (or its group) is registered with."""
    needed = command.default_permissions
    if needed is None and isinstance(command, app_commands.Command) and command.root_parent is not None:
        needed = command.root_parent.default_permissions
    names = [name for name, value in needed if value] if needed is not None else []
    return f" · {permission_names(names)}" if names else ""


async def setup(bot: CruxBot) -> None:
    """Load the Help cog."""
    await bot.add_cog(Help(bot))
