"""Crux's buttons and forms: pages turned with ◀ ▶, Cite this, Merge, and the rebuttal/support form.

Every component answers its errors through the bot's one error path, and the buttons that outlive a restart are
`DynamicItem`s rebuilt from their custom ids.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.debates.moderation import Actor
from bot.interface.bot import CruxBot, answer_error
from bot.interface.checks import require_manage_threads
from bot.interface.modlog import report_action

log = logging.getLogger(__name__)


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


class ArgumentForm(discord.ui.Modal):
    """Asks for the text of a rebuttal or a support, and hands it to `on_text`."""

    text: discord.ui.TextInput = discord.ui.TextInput(
        label="Your argument", custom_id="text", style=discord.TextStyle.paragraph, min_length=3, max_length=1800
    )

    def __init__(
        self, title: str, custom_id: str, on_text: Callable[[discord.Interaction, str], Awaitable[None]]
    ) -> None:
        super().__init__(title=title[:45], custom_id=custom_id)
        self.on_text = on_text

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Acknowledge at once, then hand the text over."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.on_text(interaction, self.text.value.strip())

    # discord.py's Modal.on_error drops the View's `item` argument; mypy sees that as an incompatible override.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Answer through the bot's one error path."""
        await answer_error(interaction, error, "Rebuttal modal")


class CiteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"crux:cite:(?P<id>[0-9]+)"):
    """'Cite this' under a suggested source: its argument's author confirms it. Survives restarts."""

    def __init__(self, citation_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cite this", emoji="📌", style=discord.ButtonStyle.secondary, custom_id=f"crux:cite:{citation_id}"
            )
        )
        self.citation_id = citation_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CiteButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the suggestion as cited and show that on the message."""
        bot = interaction.client
        assert isinstance(bot, CruxBot)
        try:
            citation = bot.services.debates.confirm_citation(self.citation_id, interaction.user.id)
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Cite button")
            return
        self.item.disabled = True
        self.item.label = "Cited"
        view = discord.ui.View(timeout=None)
        view.add_item(self.item)
        await interaction.response.edit_message(view=view)
        log.info("Citation %s confirmed by %s", citation.id, interaction.user.id)


class MergeButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"crux:merge:(?P<d>[0-9]+):(?P<a>[0-9]+):(?P<b>[0-9]+)"
):
    """Merge a duplicate candidate into the argument it repeats, in one click (Manage Threads). Survives restarts."""

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
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MergeButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["d"]), int(match["a"]), int(match["b"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Merge, if the member may, and say what happened."""
        bot = interaction.client
        assert isinstance(bot, CruxBot)
        assert interaction.guild is not None
        try:
            require_manage_threads(interaction)
            debate = bot.services.debates.in_server(interaction.guild.id, self.debate_id)
            actor = Actor(interaction.user.id, interaction.user.display_name, interaction.guild.id)
            action = bot.services.moderation.merge(debate, self.duplicate, self.into, actor, "from /attention")
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Merge button")
            return
        note = await report_action(bot, action)
        await interaction.response.send_message(action.summary + note, ephemeral=True)
