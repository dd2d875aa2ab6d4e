"""Replies typed by what they say: Crux proposes a relation; the reply's author or a moderator can correct it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.interface.bot import CruxBot
from bot.interface.replies import RelationButton, relation_card, require_may_relate


class Replies(commands.Cog):
    """The **Set reply relation** message menu: two clicks to say whether a reply supports, attacks or responds to."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Set reply relation", callback=self.relation_menu)

    async def cog_load(self) -> None:
        """Add the context menu and register its buttons."""
        self.menu.guild_only = True
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(RelationButton)

    async def cog_unload(self) -> None:
        """Remove the context menu and forget its buttons."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(RelationButton)

    async def relation_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Say whether this reply supports, attacks or only responds to the argument it answers."""
        replied_to = message.reference.message_id if message.reference is not None else None
        source, target, link = self.bot.services.hinges.reply_pair(message.id, replied_to)
        require_may_relate(interaction, source)
        content, view = relation_card(source, target, link)
        await interaction.response.send_message(content, view=view, ephemeral=True)


async def setup(bot: CruxBot) -> None:
    """Load the Replies cog."""
    await bot.add_cog(Replies(bot))
