"""Capture: every message posted in a debate thread becomes a node of the map, with its edits, deletion and votes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.debates import DebateStore
from bot.debates.hinges import replier_side
from bot.debates.model import Argument, Debate, DebateThread, Link, Relation, Side
from bot.debates.relations import propose_relation
from bot.sources.documents import valid_text

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


@dataclass(frozen=True)
class SeenMessage:
    """A message as Discord shows it now, read back on catch-up: its text, and who reacted with 👍 and with 👎."""

    message_id: int
    content: str
    edited_at: datetime | None
    up: frozenset[int] = frozenset()
    down: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Reconciled:
    """What reconciling a thread's recent messages changed on the map."""

    edited: int = 0
    deleted: int = 0
    votes: int = 0

    def __add__(self, other: Reconciled) -> Reconciled:
        return Reconciled(self.edited + other.edited, self.deleted + other.deleted, self.votes + other.votes)


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

        A reply to an argument is linked to it as supports, attacks or (when unsure) responds_to, from what it says
        and its author's stance (bot/debates/relations.py). A rebuttal or support posted through the context menus
        names its `target` and `origin` ('rebut' attacks the target, 'support' supports it).
        """
        thread = self.store.open_thread(message.thread_id)
        if thread is None:
            return None
        side = thread.side
        existing = self.store.argument_by_message(message.message_id)
        if existing is not None:
            return Captured(existing, new=False)
        text = valid_text(message.content).strip()
        kind = "argument" if origin != "message" else classify(text)
        argument = self.store.add_argument(
            debate_id=thread.debate_id,
            side=side,
            kind=kind,
            origin=origin,
            author_id=message.author_id,
            author_name=valid_text(message.author_name),
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
                and replied.debate_id == argument.debate_id
                and replied.kind == "argument"
                and replied.deleted_at is None
            ):
                # Typed by what the reply says and who says it where; untyped (responds_to) rather than a guess.
                stance = replier_side(self.store, argument.debate_id, message.author_id, argument.id)
                proposal = propose_relation(text, stance, replied.side, side)
                link = self.store.link(argument, replied, proposal.relation, "reply", message.author_id)
        return Captured(argument, new=True, link=link)

    def capture_many(self, messages: Sequence[IncomingMessage]) -> list[Captured | None]:
        """Store messages posted in debate threads, in order and in one transaction (see `capture`)."""
        with self.store.transaction():
            return [self.capture(message) for message in messages]

    def edit(self, message_id: int, content: str, edited_at: datetime) -> Argument | None:
        """Update the argument captured from an edited message, keeping its earlier text; None if not captured."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or content.strip() == argument.text:
            return None
        text = content.strip()[:MAX_ARGUMENT_CHARS]
        # Chatter edited into a real point gets its number.
        return self.store.revise(argument, text, edited_at, promote=classify(text) == "argument")

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

    def caught_up(self, thread_id: int, message_id: int) -> None:
        """Record that every message of a thread up to `message_id` is captured: the next catch-up starts after it."""
        self.store.advance_cursor(thread_id, message_id)

    def reconcile(
        self, thread_id: int, seen: Sequence[SeenMessage], first: int, last: int, now: datetime
    ) -> Reconciled:
        """Make the map match what Discord shows for a thread's messages with ids from `first` to `last`.

        `seen` is every message Discord still has in that window. A captured message with new text gets a revision;
        one no longer there is marked deleted; an argument's votes become the 👍 and 👎 reactions shown (its author's
        own excepted; a member showing both keeps the vote stored, else 👍).
        """
        by_id = {message.message_id: message for message in seen}
        edited = deleted = votes = 0
        for argument in self.store.arguments_in_thread(thread_id, first, last):
            message = by_id.get(argument.message_id)
            if message is None:
                if argument.deleted_at is None:
                    self.store.mark_deleted(argument, now)
                    deleted += 1
                continue
            if argument.deleted_at is not None:
                continue
            if self.edit(argument.message_id, message.content, message.edited_at or now) is not None:
                edited += 1
            if argument.kind == "argument":
                votes += self._reconcile_votes(argument, message)
        return Reconciled(edited, deleted, votes)

    def _reconcile_votes(self, argument: Argument, message: SeenMessage) -> int:
        stored = self.store.voters(argument)
        wanted: dict[int, int] = {}
        for user_id in (message.up | message.down) - {argument.author_id}:
            both = user_id in message.up and user_id in message.down
            wanted[user_id] = stored.get(user_id, 1) if both else (1 if user_id in message.up else -1)
        if wanted == stored:
            return 0
        self.store.replace_votes(argument, wanted)
        return len(wanted.keys() ^ stored.keys()) + sum(
            1 for u in wanted.keys() & stored.keys() if wanted[u] != stored[u]
        )
