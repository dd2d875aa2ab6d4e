"""Capture: every message posted in a debate thread becomes a node of the map, with its edits, deletion and votes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.db.debates import DebateStore
from bot.debates.model import Argument, Debate, DebateThread, Link, Relation, Side

# Messages with fewer words than this ("lol", "+1", "good point") are kept as comments, not numbered arguments.
MIN_ARGUMENT_WORDS = 3
MAX_ARGUMENT_CHARS = 4000
VOTE_EMOJI = {"👍": 1, "👎": -1}


@dataclass(frozen=True)
class IncomingMessage:
    """A message seen in a debate thread, as the capture needs it."""

    message_id: int
    thread_id: int
    author_id: int
    author_name: str
    content: str
    posted_at: datetime
    jump_url: str
    reply_to: int | None = None


@dataclass(frozen=True)
class Captured:
    """What capturing a message did: the stored argument, whether it was new, and the link a reply made."""

    argument: Argument
    new: bool
    link: Link | None = None


def classify(text: str) -> str:
    """Return 'argument' for a message that says something, 'comment' for one-word chatter."""
    return "argument" if len(re.findall(r"\w+", text)) >= MIN_ARGUMENT_WORDS else "comment"


class Capture:
    """Turns what members post, edit, delete and react with in debate threads into the stored map."""

    def __init__(self, store: DebateStore) -> None:
        self.store = store

    def open_threads(self) -> list[DebateThread]:
        """Return every thread of every open debate, with the last message captured from it (for catching up)."""
        return self.store.open_threads()

    def side_of(self, thread_id: int) -> tuple[Debate, Side] | None:
        """Return the debate and side of an open debate thread, or None for any other channel."""
        thread = self.store.thread(thread_id)
        if thread is None:
            return None
        debate = self.store.debate(thread.debate_id)
        return (debate, thread.side) if debate.status == "open" else None

    def capture(
        self,
        message: IncomingMessage,
        *,
        origin: str = "message",
        target: Argument | None = None,
        made_by: int | None = None,
    ) -> Captured | None:
        """Store a message posted in a debate thread; the same message twice is stored once.

        A reply to an argument on the same side supports it. A rebuttal or support posted through the context menus
        names its `target` and `origin` ('rebut' attacks the target, 'support' supports it).
        """
        found = self.side_of(message.thread_id)
        if found is None:
            return None
        debate, side = found
        existing = self.store.argument_by_message(message.message_id)
        if existing is not None:
            return Captured(existing, new=False)
        text = message.content.strip()
        kind = "argument" if origin != "message" else classify(text)
        argument = self.store.add_argument(
            debate_id=debate.id,
            side=side,
            kind=kind,
            origin=origin,
            author_id=message.author_id,
            author_name=message.author_name,
            thread_id=message.thread_id,
            message_id=message.message_id,
            jump_url=message.jump_url,
            text=text[:MAX_ARGUMENT_CHARS],
            posted_at=message.posted_at,
        )
        link = None
        if target is not None:
            relation: Relation = "attacks" if origin == "rebut" else "supports"
            link = self.store.link(argument, target, relation, "context_menu", made_by)
        elif message.reply_to is not None and kind == "argument":
            replied = self.store.argument_by_message(message.reply_to)
            if (
                replied is not None
                and replied.side == side
                and replied.kind == "argument"
                and replied.deleted_at is None
            ):
                link = self.store.link(argument, replied, "supports", "reply", message.author_id)
        return Captured(argument, new=True, link=link)

    def edit(self, message_id: int, content: str, edited_at: datetime) -> Argument | None:
        """Update the argument captured from an edited message, keeping its earlier text; None if not captured."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or content.strip() == argument.text:
            return None
        revised = self.store.revise(argument, content.strip()[:MAX_ARGUMENT_CHARS], edited_at)
        if revised.kind == "comment" and classify(revised.text) == "argument":
            revised = self.store.promote(revised)  # chatter edited into a real point gets its number
        return revised

    def delete(self, message_id: int, deleted_at: datetime) -> Argument | None:
        """Hide the argument whose message was deleted; it stays stored."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or argument.deleted_at is not None:
            return None
        return self.store.mark_deleted(argument, deleted_at)

    def vote(self, message_id: int, user_id: int, emoji: str, added: bool) -> Argument | None:
        """Count a 👍 or 👎 reaction as a member's one vote on an argument; other emoji and own votes are ignored."""
        value = VOTE_EMOJI.get(emoji)
        argument = self.store.argument_by_message(message_id)
        if value is None or argument is None or argument.kind != "argument" or argument.author_id == user_id:
            return None
        if added:
            self.store.set_vote(argument, user_id, value)
        else:
            self.store.withdraw_vote(argument, user_id, value)
        return argument
