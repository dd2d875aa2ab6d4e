"""Setting what a reply does, in two clicks: **Set reply relation** on the reply, then Supports, Attacks or Responds to.

Its author sets it as `author`; a moderator (Manage Threads, checked when the button is pressed) as `moderator`, through
the moderation service, so the change is in the audit log and the mod-log like any relink. The buttons are
`DynamicItem`s rebuilt from their custom ids (the two messages and the relation).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.db.hinges import REPLY_MENU_REASON
from bot.debates.model import Argument, Link
from bot.debates.moderation import Actor
from bot.errors import DebateError
from bot.interface.bot import CruxBot, answer_error
from bot.interface.modlog import report_action
from bot.markdown import escape

log = logging.getLogger(__name__)

#: relation → (label, emoji), in the order the buttons show.
CHOICES: dict[str, tuple[str, str]] = {
    "supports": ("Supports", "➕"),
    "attacks": ("Attacks", "➖"),
    "responds_to": ("Responds to", "↩"),
}
HOW = {
    "reply": "proposed by Crux from what it says and who wrote it where",
    "author": "set by its author",
    "moderator": "set by a moderator",
    "context_menu": "posted with Rebut or Support",
}


class RelationButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"crux:relate:(?P<source>[0-9]+):(?P<target>[0-9]+):(?P<relation>supports|attacks|responds_to)",
):
    """One relation a reply can have to what it answers: a click sets it. Survives restarts."""

    def __init__(self, source_message: int, target_message: int, relation: str, *, current: bool = False) -> None:
        label, emoji = CHOICES[relation]
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.success if current else discord.ButtonStyle.secondary,
                disabled=current,
                custom_id=f"crux:relate:{source_message}:{target_message}:{relation}",
            )
        )
        self.source_message, self.target_message, self.relation = source_message, target_message, relation

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RelationButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["source"]), int(match["target"]), match["relation"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Set the relation as the reply's author, or as a moderator (audit-logged), and show it."""
        bot = interaction.client
        assert isinstance(bot, CruxBot)
        assert interaction.guild is not None
        try:
            source, target, _ = bot.services.hinges.reply_pair(self.source_message, self.target_message)
            debate = bot.services.debates.in_server(interaction.guild.id, source.debate_id)
            require_may_relate(interaction, source)
            if interaction.user.id == source.author_id:
                bot.services.hinges.relate_reply(source, target, self.relation, interaction.user.id)
                note = ""
            else:
                actor = Actor(interaction.user.id, interaction.user.display_name, interaction.guild.id)
                assert source.number is not None
                assert target.number is not None
                action = bot.services.moderation.relink(
                    debate, source.number, target.number, self.relation, actor, REPLY_MENU_REASON
                )
                note = await report_action(bot, action)
            _, _, link = bot.services.hinges.reply_pair(self.source_message, self.target_message)
            content, view = relation_card(source, target, link, saved=True)
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Reply relation button")
            return
        await interaction.response.edit_message(content=content + note, view=view)
        log.info("%s now %s %s (set by %s)", source.label, self.relation, target.label, interaction.user.id)


def require_may_relate(interaction: discord.Interaction, source: Argument) -> None:
    """Refuse anyone but the reply's author or a member with Manage Threads."""
    if interaction.user.id != source.author_id and not interaction.permissions.manage_threads:
        raise DebateError(
            f"Only {escape(source.author_name)}, who wrote {source.label}, or a moderator (Manage Threads) can set "
            "what it does."
        )


def relation_card(
    source: Argument, target: Argument, link: Link | None, *, saved: bool = False
) -> tuple[str, discord.ui.View]:
    """Return what the menu shows: what the reply answers, how it is recorded now and by whom, and three buttons."""
    pair = (
        f"[{source.label}]({source.jump_url}) by {escape(source.author_name)} replies to "
        f"[{target.label}]({target.jump_url}) by {escape(target.author_name)}."
    )
    if link is None:
        now = "It is not linked yet."
    else:
        verb = CHOICES[link.relation][0].lower() if link.relation in CHOICES else link.relation
        now = f"{'Saved: it' if saved else 'It'} **{verb}** {target.label} ({HOW.get(link.method, link.method)})."
    view = discord.ui.View(timeout=None)
    for relation in CHOICES:
        current = link is not None and link.relation == relation
        view.add_item(RelationButton(source.message_id, target.message_id, relation, current=current))
    return f"{pair}\n{now}\nWhat does {source.label} do to {target.label}?", view
