"""The /review card: one argument at a time, with Agree 👍, Disagree 👎, Pass, Would change my mind and Next.

Its buttons are `DynamicItem`s rebuilt from their custom ids, which name the debate, the argument's message and the
action, so a card keeps working after a restart. A vote cast here is the member's one vote, the same row a 👍/👎
reaction writes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.debates.model import Debate
from bot.debates.review import ReviewCard
from bot.interface.bot import CruxBot, answer_error
from bot.markdown import SIDE_TITLES, escape, quote_block
from bot.prompts import render

log = logging.getLogger(__name__)

TEXT_CHARS = 1200
#: action → (label, emoji, style)
ACTIONS: dict[str, tuple[str, str | None, discord.ButtonStyle]] = {
    "up": ("Agree", "👍", discord.ButtonStyle.success),
    "down": ("Disagree", "👎", discord.ButtonStyle.danger),
    "pass": ("Pass", None, discord.ButtonStyle.secondary),
    "crux": ("Would change my mind", "🎯", discord.ButtonStyle.primary),
    "next": ("Next", "➡️", discord.ButtonStyle.secondary),
}


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"crux:review:(?P<debate>[0-9]+):(?P<message>[0-9]+):(?P<action>up|down|pass|crux|next)",
):
    """One of a review card's five buttons, acting on the argument the card shows. Survives restarts."""

    def __init__(self, debate_id: int, message_id: int, action: str, *, marked: bool = False) -> None:
        label, emoji, style = ACTIONS[action]
        if action == "crux" and marked:
            label, style = "Marked: would change my mind", discord.ButtonStyle.success
        super().__init__(
            discord.ui.Button(
                label=label, emoji=emoji, style=style, custom_id=f"crux:review:{debate_id}:{message_id}:{action}"
            )
        )
        self.debate_id, self.message_id, self.action = debate_id, message_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["debate"]), int(match["message"]), match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Do what the button says, then show the next argument (or the same one, after marking it)."""
        bot = interaction.client
        assert isinstance(bot, CruxBot)
        member = interaction.user.id
        try:
            debate = bot.services.debates.in_server(interaction.guild_id or 0, self.debate_id)
            hinges = bot.services.hinges
            argument = hinges.reviewed_argument(debate, self.message_id, member)
            link = f"[{argument.label}]({argument.jump_url})"
            after: int | None = argument.id
            show: int | None = None
            if self.action in ("up", "down"):
                hinges.review_vote(argument, member, 1 if self.action == "up" else -1)
                notice = f"Saved {'👍' if self.action == 'up' else '👎'} on {link}."
            elif self.action == "pass":
                hinges.review_pass(argument, member)
                notice = f"Passed on {link}: it will not be offered to you again."
            elif self.action == "crux":
                toggled = hinges.toggle_crux(argument.message_id, member)
                after, show = None, argument.id
                notice = (
                    f"🎯 Marked {link} as one that would change your mind if it held."
                    if toggled.marked
                    else f"Took your mark off {link}."
                )
            else:
                notice = ""
            card = hinges.review(debate, member, after=after, show=show)
            content, view = review_message(debate, card, notice)
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Review button")
            return
        await interaction.response.edit_message(content=content, view=view)
        log.info("Debate %s: member %s pressed %s on %s in /review", debate.id, member, self.action, argument.label)


def review_message(debate: Debate, card: ReviewCard | None, notice: str = "") -> tuple[str, discord.ui.View | None]:
    """Return a review card's text and buttons, or the thank-you when nothing is left to review."""
    prefix = f"{notice}\n\n" if notice else ""
    if card is None:
        return prefix + render("review_done", debate_id=debate.number), None
    argument = card.argument
    content = render(
        "review_card",
        debate_id=debate.number,
        remaining=card.remaining,
        label=argument.label,
        jump_url=argument.jump_url,
        side=SIDE_TITLES[argument.side],
        author=escape(argument.author_name),
        text=quote_block(argument.text[:TEXT_CHARS] + ("…" if len(argument.text) > TEXT_CHARS else "")),
        votes=_votes_line(card),
    )
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ReviewButton(debate.id, argument.message_id, action, marked=card.marked))
    return (prefix + content)[:2000], view


def _votes_line(card: ReviewCard) -> str:
    line = f"So far 👍{card.up} 👎{card.down}"
    if card.member_side is None:
        line += ". Say where you stand with `/stance` so Crux can fill the gaps on each side first."
    else:
        line += f", {card.from_side} from your side ({SIDE_TITLES[card.member_side]})."
    if card.marked:
        line += "\n🎯 You marked it as one that would change your mind if it held."
    return line
