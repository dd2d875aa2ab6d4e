"""Opening a debate's two threads in Discord: tagged posts in a forum, or public threads in a text channel."""

from __future__ import annotations

from typing import Literal

import discord

from bot.debates.model import SIDES, Side, other_side
from bot.errors import DebateError
from bot.interface.stances import stand_view
from bot.markdown import SIDE_TITLES
from bot.prompts import render

THREAD_NAME_CHARS = 100
# A text channel's threads archive after a week without posts (the longest Discord offers).
ARCHIVE_MINUTES: Literal[10080] = 10080
STANCES = {"pro": "for the motion", "con": "against the motion"}


async def open_threads(place: discord.ForumChannel | discord.TextChannel, motion: str) -> dict[Side, discord.Thread]:
    """Open the Pro and Con threads of a debate on `motion`, each starting with how to argue there."""
    if isinstance(place, discord.ForumChannel):
        return await _open_in_forum(place, motion)
    return await _open_in_text(place, motion)


async def _open_in_forum(forum: discord.ForumChannel, motion: str) -> dict[Side, discord.Thread]:
    tags = {tag.name.lower(): tag for tag in forum.available_tags}
    missing = [SIDE_TITLES[s] for s in SIDES if s not in tags]
    if missing:
        if not forum.permissions_for(forum.guild.me).manage_channels:
            raise DebateError(
                f"{forum.mention} has no {' or '.join(missing)} tag, and Crux lacks Manage Channels to add it. "
                "Add tags named Pro and Con to the forum, or give Crux Manage Channels."
            )
        new_tags = [*forum.available_tags, *(discord.ForumTag(name=name) for name in missing)]
        forum = await forum.edit(available_tags=new_tags, reason="Crux debate tags")
        tags = {tag.name.lower(): tag for tag in forum.available_tags}
    threads: dict[Side, discord.Thread] = {}
    for side in SIDES:
        created = await forum.create_thread(
            name=_thread_name(side, motion),
            content=_opening(side, motion, "post"),
            applied_tags=[tags[side]],
            allowed_mentions=discord.AllowedMentions.none(),
            view=stand_view(),
        )
        threads[side] = created.thread
    return threads


async def _open_in_text(channel: discord.TextChannel, motion: str) -> dict[Side, discord.Thread]:
    threads: dict[Side, discord.Thread] = {}
    for side in SIDES:
        thread = await channel.create_thread(
            name=_thread_name(side, motion),
            type=discord.ChannelType.public_thread,
            auto_archive_duration=ARCHIVE_MINUTES,
        )
        await thread.send(
            _opening(side, motion, "thread"), allowed_mentions=discord.AllowedMentions.none(), view=stand_view()
        )
        threads[side] = thread
    return threads


def _thread_name(side: Side, motion: str) -> str:
    name = f"{SIDE_TITLES[side]}: {motion}"
    return name if len(name) <= THREAD_NAME_CHARS else name[: THREAD_NAME_CHARS - 1] + "…"


def _opening(side: Side, motion: str, place: str) -> str:
    return render(
        "debate_opening",
        side=SIDE_TITLES[side],
        other_side=SIDE_TITLES[other_side(side)],
        motion=discord.utils.escape_markdown(motion),
        stance=STANCES[side],
        place=place,
    )[:2000]


async def open_discussion(
    place: discord.ForumChannel | discord.TextChannel, name: str, messages: list[str]
) -> discord.Thread:
    """Open a thread (a post, in a forum) named `name` that starts with `messages`, pinging nobody."""
    none = discord.AllowedMentions.none()
    title = name if len(name) <= THREAD_NAME_CHARS else name[: THREAD_NAME_CHARS - 1] + "…"
    first, *rest = messages
    if isinstance(place, discord.ForumChannel):
        thread = (await place.create_thread(name=title, content=first, allowed_mentions=none)).thread
    else:
        thread = await place.create_thread(
            name=title, type=discord.ChannelType.public_thread, auto_archive_duration=ARCHIVE_MINUTES
        )
        rest = [first, *rest]
    for text in rest:
        await thread.send(text, allowed_mentions=none)
    return thread
