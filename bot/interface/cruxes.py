"""Cruxes in Discord: how /cruxes lists them, and the moderators' button that opens a thread about one crux.

The button is a `DynamicItem` rebuilt from its custom id (so it survives a restart), and checks Manage Threads when
it is pressed, whatever the message it sits on says.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.debates.common_ground import Bridging
from bot.debates.crux_report import CruxEntry, CruxReport, CruxSeed, crux_seed
from bot.debates.marks import STANDING_BADGES
from bot.debates.model import Argument, Citation, Debate, Votes
from bot.errors import DebateError
from bot.interface.bot import CruxBot, answer_error
from bot.interface.checks import require_in_channel, require_manage_threads
from bot.interface.threads import open_discussion
from bot.markdown import SIDE_TITLES, escape, paginate, quote, quote_block
from bot.prompts import render

log = logging.getLogger(__name__)

KINDS = {"double": "🎯 Double crux", "divisive": "⚖️ Splits the sides"}
QUOTE_CHARS = 160
SEED_QUOTE_CHARS = 140
MESSAGE_CHARS = 2000


class CruxThreadButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"crux:cruxthread:(?P<debate>[0-9]+):(?P<argument>[0-9]+)"
):
    """Open a thread about one crux in the debate's channel (a post, in a forum): moderators only. Survives restarts."""

    def __init__(self, debate_id: int, argument_id: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Thread for {label}" if label else "Thread for this crux",
                emoji="🧵",
                style=discord.ButtonStyle.secondary,
                custom_id=f"crux:cruxthread:{debate_id}:{argument_id}",
            )
        )
        self.debate_id, self.argument_id = debate_id, argument_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CruxThreadButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["debate"]), int(match["argument"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the thread, seeded with the crux, its strongest answers both ways and the best excerpts."""
        bot = interaction.client
        assert isinstance(bot, CruxBot)
        try:
            require_manage_threads(interaction)
            debate = bot.services.debates.in_server(interaction.guild_id or 0, self.debate_id)
            seed = crux_seed(bot.services.hinges.crux_inputs(debate), self.argument_id)
            if seed is None:
                raise DebateError("That argument is no longer on the map, so there is no crux to open a thread for.")
            place = await _debate_channel(bot, debate)
            assert isinstance(interaction.user, discord.Member)
            crux_needs = ["view_channel", "send_messages", "send_messages_in_threads"]
            if isinstance(place, discord.TextChannel):
                crux_needs.append("create_public_threads")
            require_in_channel(place, interaction.user, member_needs=["manage_threads"], crux_needs=crux_needs)
            await interaction.response.defer(ephemeral=True, thinking=True)
            name = f"Crux {seed.argument.label}: {' '.join(seed.argument.text.split())}"
            thread = await open_discussion(place, name, seed_messages(debate, seed))
        except Exception as error:  # noqa: BLE001 - a callback answers every error through answer_error
            await answer_error(interaction, error, "Crux thread button")
            return
        await interaction.followup.send(f"Opened {thread.mention} about crux {seed.argument.label}.", ephemeral=True)
        log.info("Debate %s: crux thread %s opened for %s", debate.id, thread.id, seed.argument.label)


def crux_lines(debate: Debate, report: CruxReport) -> list[str]:
    """Return /cruxes as lines: a header, then each crux with its link, votes and marks by side, excerpts and badge."""
    marked = f"{report.marked} argument{'s' if report.marked != 1 else ''}"
    header = (
        f"Debate {debate.number}: {report.members['pro']} Pro and {report.members['con']} Con members with a "
        f"stance; {marked} marked as would-change-my-mind."
    )
    lines = [header]
    for rank, entry in enumerate(report.entries, 1):
        argument, crux = entry.argument, entry.crux
        heading = (
            f"**{rank}. {KINDS[crux.kind]}** · [{argument.label}]({argument.jump_url}) · "
            f"{SIDE_TITLES[argument.side]} · {STANDING_BADGES[entry.standing]}"
        )
        lines += [
            "",
            heading,
            f"> {quote(argument.text, QUOTE_CHARS)}",
            f"Votes: {_votes_by_side(entry.score)} · Would change minds: Pro {crux.pro_marks} · Con {crux.con_marks}",
        ]
        lines += [_excerpt(citation) for citation in entry.citations]
    return lines


def empty_text(debate: Debate) -> str:
    """Return what /cruxes says when nothing is a crux yet, with what would make one."""
    return (
        f"No cruxes in debate {debate.number} yet: no argument is marked by members of both sides, and none splits "
        "the sides with enough votes (8 voters with a stance, 3 on each side). Mark an argument with "
        "**Apps → Would change my mind**, vote with 👍/👎 or `/review`, and say where you stand with `/stance`."
    )


def seed_messages(debate: Debate, seed: CruxSeed) -> list[str]:
    """Return the messages a crux thread opens with, each within Discord's 2,000 characters."""
    argument = seed.argument
    text = render(
        "crux_thread",
        label=argument.label,
        debate_id=debate.number,
        why=_why(seed.entry),
        text=quote_block(argument.text[:1200]),
        jump_url=argument.jump_url,
        author=escape(argument.author_name),
        side=SIDE_TITLES[argument.side],
        standing=STANDING_BADGES[seed.standing],
        supports="\n".join(_answer(child, votes) for child, votes in seed.supports) or "*None yet.*",
        attacks="\n".join(_answer(child, votes) for child, votes in seed.attacks) or "*None yet.*",
        sources="\n".join(_excerpt(citation) for citation in seed.excerpts) or "*No excerpt cited or suggested yet.*",
    )
    return paginate(text.splitlines(), MESSAGE_CHARS)


async def _debate_channel(bot: CruxBot, debate: Debate) -> discord.ForumChannel | discord.TextChannel:
    channel = bot.get_channel(debate.channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(debate.channel_id)
        except (discord.NotFound, discord.Forbidden):
            channel = None
    if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
        raise DebateError("The debate's channel is gone, or Crux cannot see it, so it cannot open a thread there.")
    return channel


def _why(entry: CruxEntry | None) -> str:
    if entry is None:
        return "A moderator picked this argument to talk through."
    crux = entry.crux
    if crux.kind == "double":
        return (
            f"Members on both sides said it would change their mind if it held (Pro {crux.pro_marks}, "
            f"Con {crux.con_marks}): a double crux."
        )
    return f"The sides split on it: {_votes_by_side(entry.score)}."


def _votes_by_side(score: Bridging | None) -> str:
    if score is None or not score.voters:
        return "no votes from members with a stance yet"
    pro, con = score.pro, score.con
    return f"Pro 👍{pro.agree} 👎{pro.total - pro.agree} · Con 👍{con.agree} 👎{con.total - con.agree}"


def _answer(argument: Argument, votes: Votes) -> str:
    return (
        f"• [{argument.label}]({argument.jump_url}) {SIDE_TITLES[argument.side]}, {escape(argument.author_name)} "
        f"👍{votes.up} 👎{votes.down}: {quote(argument.text, SEED_QUOTE_CHARS)}"
    )


def _excerpt(citation: Citation) -> str:
    mark = "📌 cited" if citation.status == "cited" else "📚 suggested"
    return (
        f"{mark}: **{escape(citation.document_title)}**, paragraph {citation.paragraph}: "
        f"“{quote(citation.sentence, SEED_QUOTE_CHARS)}”"
    )
