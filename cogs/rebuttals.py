"""Rebuttals and supports through the message context menus: a form, then the text posted in the right thread.

Crux posts only where the member could post themselves, credited to them (quoted, without a ping), and captures
the post as an attack on or a support of the argument it answers.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.model import Argument, Side
from bot.errors import DebateError
from bot.interface.bot import CruxBot
from bot.interface.history import incoming
from bot.interface.views import ArgumentForm
from bot.markdown import SIDE_TITLES, quote_block
from bot.prompts import render


class Rebutting(commands.Cog):
    """'Rebut argument' and 'Support argument': answer an argument from the other side, or back it up."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.debates = bot.services.debates
        self.capture = bot.services.capture
        self.menus = [
            app_commands.ContextMenu(name="Rebut argument", callback=self.rebut_menu),
            app_commands.ContextMenu(name="Support argument", callback=self.support_menu),
        ]

    async def cog_load(self) -> None:
        """Add the context menus."""
        for menu in self.menus:
            menu.guild_only = True
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        """Remove the context menus."""
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    # -- context menus ------------------------------------------------------------------------------------------------

    async def rebut_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Answer an argument from the other side: your text is posted in the opposing thread."""
        await self._open_form(interaction, message, "rebut")

    async def support_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Back an argument up: your text is posted in its side's thread."""
        await self._open_form(interaction, message, "support")

    async def _open_form(self, interaction: discord.Interaction, message: discord.Message, origin: str) -> None:
        target, side = self.debates.rebuttal_target(message.id, origin)
        await self._thread_for_member(interaction, target, side)
        verb = "Rebut" if origin == "rebut" else "Support"

        async def post(submitted: discord.Interaction, text: str) -> None:
            await self._post_for_member(submitted, target, side, origin, text)

        await interaction.response.send_modal(
            ArgumentForm(f"{verb} {target.label}", f"crux:post:{origin}:{target.id}", post)
        )

    async def _thread_for_member(
        self, interaction: discord.Interaction, target: Argument, side: Side
    ) -> discord.Thread:
        """Return the thread Crux would post in for the member, refusing what they could not post there themselves."""
        debate = self.debates.in_server(interaction.guild_id or 0, target.debate_id)
        thread = await self.bot.thread(debate.thread_for(side))
        if thread is None:
            raise DebateError("That debate's thread is gone, so Crux cannot post there.")
        member = interaction.user
        allowed = thread.permissions_for(member) if isinstance(member, discord.Member) else None
        if allowed is None or not (allowed.view_channel and allowed.send_messages_in_threads):
            raise DebateError(
                f"You can't post in {thread.mention}, so Crux won't post there for you. "
                "Ask a moderator if you should be able to."
            )
        if (thread.locked or thread.archived) and not allowed.manage_threads:
            raise DebateError(f"{thread.mention} is closed to new posts, so Crux won't post there for you.")
        return thread

    async def _post_for_member(
        self, interaction: discord.Interaction, target: Argument, side: Side, origin: str, text: str
    ) -> None:
        """Post a member's rebuttal or support in the right thread, credited to them, and capture it."""
        thread = await self._thread_for_member(interaction, target, side)  # again: permissions may have changed
        author = interaction.user
        verb = "rebuts" if origin == "rebut" else "supports"
        body = render(
            "context_post",
            author=author.mention,
            verb=verb,
            label=target.label,
            jump_url=target.jump_url,
            text=quote_block(text),
        )
        posted = await thread.send(body[:2000], allowed_mentions=discord.AllowedMentions.none())
        captured = self.capture.capture(
            incoming(posted, author_id=author.id, author_name=author.display_name, content=text),
            origin=origin,
            target=target,
            made_by=author.id,
        )
        assert captured is not None
        self.bot.dispatch("arguments_queued")
        await interaction.followup.send(
            render("context_posted", label=captured.argument.label, jump_url=posted.jump_url, side=SIDE_TITLES[side]),
            ephemeral=True,
        )


async def setup(bot: CruxBot) -> None:
    """Load the Rebutting cog."""
    await bot.add_cog(Rebutting(bot))
