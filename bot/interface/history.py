"""Reading a debate thread back from Discord after an outage: what was missed, and how recent messages look now."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.debates.capture import VOTE_EMOJI, IncomingMessage, SeenMessage

#: How many of a thread's most recent messages are compared with the map on every catch-up (one page of history):
#: edits, deletions and 👍/👎 votes made while Crux was away are found among these, not further back.
RECONCILE_WINDOW = 100


@dataclass(frozen=True)
class Window:
    """A thread's most recent messages as Discord shows them, and the range of message ids they cover."""

    messages: list[SeenMessage]
    first: int
    last: int


async def missed_messages(thread: discord.Thread, after: int) -> list[discord.Message]:
    """Return every message posted in a thread after message id `after`, oldest first."""
    return [message async for message in thread.history(after=discord.Object(after), limit=None, oldest_first=True)]


async def recent_window(thread: discord.Thread) -> Window:
    """Return a thread's last RECONCILE_WINDOW messages with who reacted 👍 and 👎 (reading each reaction's voters).

    The window reaches back to the oldest message read (to the thread's start when it holds fewer) and
    forward to the moment of reading: a message posted before then and not among them was deleted.
    """
    read_at = discord.utils.time_snowflake(discord.utils.utcnow())
    limit = RECONCILE_WINDOW
    messages = [message async for message in thread.history(limit=limit)]
    seen = [await _seen(message) for message in messages if not message.author.bot]
    first = 0 if len(messages) < limit else min(message.id for message in messages)
    return Window(seen, first, read_at)


async def _seen(message: discord.Message) -> SeenMessage:
    voters: dict[str, frozenset[int]] = {}
    for reaction in message.reactions:
        emoji = str(reaction.emoji)
        if emoji in VOTE_EMOJI and reaction.count:
            voters[emoji] = frozenset([user.id async for user in reaction.users() if not user.bot])
    return SeenMessage(
        message_id=message.id,
        content=message.content,
        edited_at=message.edited_at,
        up=voters.get("👍", frozenset()),
        down=voters.get("👎", frozenset()),
    )


def incoming(
    message: discord.Message, *, author_id: int, author_name: str, content: str, reply_to: int | None = None
) -> IncomingMessage:
    """Return a Discord message as capture takes it, credited to `author_id` (its author, or whom Crux posted for)."""
    return IncomingMessage(
        message_id=message.id,
        thread_id=message.channel.id,
        author_id=author_id,
        author_name=author_name,
        content=content,
        posted_at=message.created_at,
        jump_url=message.jump_url,
        reply_to=reply_to,
    )
