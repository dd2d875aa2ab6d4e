"""Where a member stands: the stance card with its five buttons, and the opening posts' **Where do you stand?** button.

Both buttons are `DynamicItem`s rebuilt from their custom ids, so cards and opening posts keep working after a
restart. The card is ephemeral: only the member who asked sees it, and a click changes only their own stance.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.debates.model import Debate
from bot.debates.stances import SCALE, Stance
from bot.interface.bot import CruxBot, answer_error
from bot.markdown import quote
from bot.prompts import render

log = logging.getLogger(__name__)

MOTION_CHARS = 300
# Earlier declarations listed on the card, newest last.
HISTORY_SHOWN = 5


class StanceButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"crux:stance:(?P<debate>[0-9]+):(?P<value>-?[0-2])"
):
    """One point of the stance scale on a member's card: a click declares it as their stance. Survives restarts."""

    def __init__(self, debate_id: int, value: int, *, current: bool = False) -> None:
        point = next(point for point in SCALE if point.value == value)
        super().__init__(
            discord.ui.Button(
                label=point.label,
                emoji=point.emoji,
                style=discord.ButtonStyle.success if current else discord.ButtonStyle.secondary,
                disabled=current,
                custom_id=f"crux:stance:{debate_id}:{value}",
            )
        )
        self.debate_id, self.value = debate_id, value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StanceButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["debate"]), int(match["value"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Declare the member's stance and show the card again with it."""
        bot = _bot(interaction)
        try:
            debate = bot.services.debates.in_server(interaction.guild_id or 0, self.debate_id)
            bot.services.hinges.declare(debate, interaction.user.id, self.value)
            content, view = stance_card(bot, debate, interaction.user.id, saved=True)
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Stance button")
            return
        await interaction.response.edit_message(content=content, view=view)
        log.info("Debate %s: member %s declared stance %s", debate.id, interaction.user.id, self.value)


class StandButton(discord.ui.DynamicItem[discord.ui.Button], template=r"crux:stand"):
    """**Where do you stand?** on a debate's opening posts: opens the member's stance card. Survives restarts.

    It names no debate: the post it sits on is in one of the debate's threads, which says which debate it is (the
    posts are sent before the debate is stored, so they could not carry its id).
    """

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Where do you stand?", emoji="🧭", style=discord.ButtonStyle.primary, custom_id="crux:stand"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StandButton:
        """Rebuild the button from its custom id."""
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the member their stance card for the debate of this thread."""
        bot = _bot(interaction)
        try:
            debate = bot.services.hinges.debate_of_thread(interaction.guild_id or 0, interaction.channel_id or 0)
            content, view = stance_card(bot, debate, interaction.user.id)
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Where do you stand button")
            return
        await interaction.response.send_message(content, view=view, ephemeral=True)


def stand_view() -> discord.ui.View:
    """Return the view of a debate's opening post: the **Where do you stand?** button."""
    view = discord.ui.View(timeout=None)
    view.add_item(StandButton())
    return view


def stance_card(bot: CruxBot, debate: Debate, member_id: int, *, saved: bool = False) -> tuple[str, discord.ui.View]:
    """Return a member's stance card for a debate: where they stand (declared or inferred) and the five buttons."""
    hinges = bot.services.hinges
    stance = hinges.stance(debate, member_id)
    history = hinges.history(debate, member_id)
    lines = [stance_line(stance, saved=saved)]
    if len(history) > 1:
        earlier = " → ".join(f"{s.point.emoji} {s.point.label} ({_when(s)})" for s in history[-HISTORY_SHOWN:])
        more = f"{len(history) - HISTORY_SHOWN} earlier, then " if len(history) > HISTORY_SHOWN else ""
        lines.append(f"Your declarations: {more}{earlier}.")
    content = render(
        "stance_card", debate_id=debate.number, motion=quote(debate.motion, MOTION_CHARS), current="\n".join(lines)
    )
    current = stance.value if stance is not None and stance.declared else None
    view = discord.ui.View(timeout=None)
    for point in SCALE:
        view.add_item(StanceButton(debate.id, point.value, current=point.value == current))
    return content[:2000], view


def stance_line(stance: Stance | None, *, saved: bool = False) -> str:
    """Return one line saying where a member stands and whether they declared it or Crux inferred it."""
    if stance is None:
        return "You have not said where you stand, and Crux cannot tell from your posts and votes yet."
    shown = f"{stance.point.emoji} **{stance.point.label}**"
    if stance.declared:
        return f"{'Saved: you' if saved else 'You'} stand at {shown} (declared {_when(stance)})."
    return (
        f"Crux reads you as {shown}: *inferred* from the arguments you posted and how you voted. "
        "Press a button to declare your own."
    )


def _when(stance: Stance) -> str:
    return f"<t:{int(stance.at.timestamp())}:R>"


def _bot(interaction: discord.Interaction) -> CruxBot:
    bot = interaction.client
    assert isinstance(bot, CruxBot)
    return bot
