"""Capture: every message members post in a debate thread joins the map, and nothing is missed while Crux is away.

Messages, replies, edits, deletions and 👍/👎 votes are captured as they happen (rebuttals and supports posted
through the context menus are cogs/rebuttals.py). After an outage that lost the gateway session (or a restart),
each open thread is read back from its cursor, and its recent messages are reconciled with the map
(bot/interface/history.py).
"""

from __future__ import annotations

import asyncio
import collections
import logging

import aiohttp
import discord
from discord.ext import commands

from bot.debates.capture import IncomingMessage, Reconciled
from bot.interface.bot import CruxBot
from bot.interface.history import Window, incoming, missed_messages, recent_window

log = logging.getLogger(__name__)

CAPTURED = "✅"
# Live messages are captured by one writer task, this many per transaction, handing the event loop back between
# batches: during a burst, heartbeats and commands wait for one batch (a few ms), not for the whole burst.
CAPTURE_BATCH = 16
# At most this many ✅ requests at once: a burst's hundreds of requests in flight would fill every turn of the event
# loop with their steps, and a command's reply would wait behind all of them.
MARKING_AT_ONCE = 4


class Capturing(commands.Cog):
    """Captures what members post in debate threads, with their replies, edits, deletions and votes."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.debates = bot.services.debates
        self.capture = bot.services.capture
        # Set once the catch-up after (re)connecting is done.
        self.caught_up = asyncio.Event()
        # Live capture moves a thread's catch-up cursor only while `synced`: connected, and caught up since the
        # last connection was lost. Otherwise a message arriving live could carry the cursor past the messages of
        # an outage that the catch-up has not read yet.
        self.synced = False
        self.online = False
        self.catching_up = 0
        self.generation = 0
        # Messages received live, waiting for the writer task in arrival order; and the ✅ being added.
        self.inbox: collections.deque[discord.Message] = collections.deque()
        self.arrived = asyncio.Event()
        self.writer: asyncio.Task[None] | None = None
        self.marking: set[asyncio.Task[None]] = set()
        self.marking_slots = asyncio.Semaphore(MARKING_AT_ONCE)
        # Cursors the writer moves next (thread id -> message id): a message's, once its ✅ is on, while synced.
        self.cursors: dict[int, int] = {}

    async def cog_load(self) -> None:
        """Start the writer task."""
        self.writer = asyncio.create_task(self._write_forever(), name="crux-capture")

    async def cog_unload(self) -> None:
        """Stop the writer; what it had not stored yet is read back at the next start."""
        if self.writer is not None:
            self.writer.cancel()

    # -- listeners ----------------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up on every open debate after (re)connecting without a resumable session."""
        self.online = True
        try:
            await self.catch_up()
        except (RuntimeError, aiohttp.ClientError):
            if not self.bot.is_closed():
                raise
            # Crux is stopping: the catch-up was cut short, and the next start reads the threads again.

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        """Stop moving catch-up cursors until Discord has replayed, or Crux has read back, what it missed."""
        self.online = False
        self.synced = False
        self.generation += 1

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """Resume live capture: Discord replayed every event missed while the session was down."""
        self.online = True
        if not self.catching_up:
            self.synced = True

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Capture a member's message posted in a debate thread (the writer task stores it, in arrival order)."""
        if _capturable(message):
            self.inbox.append(message)
            self.arrived.set()

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Keep an edited argument's earlier text as a revision."""
        content = payload.data.get("content")
        if content is not None and payload.data.get("edited_timestamp"):
            edited_at = discord.utils.parse_time(str(payload.data["edited_timestamp"]))
            revised = self.capture.edit(payload.message_id, content, edited_at)
            if revised is not None and revised.kind == "argument":
                self._analyse()

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Hide the argument of a deleted message (it stays stored)."""
        self.capture.delete(payload.message_id, discord.utils.utcnow())

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Count a 👍 or 👎 as a vote."""
        if self.bot.user is not None and payload.user_id != self.bot.user.id:
            self.capture.vote(payload.message_id, payload.user_id, str(payload.emoji), added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Withdraw a vote."""
        self.capture.vote(payload.message_id, payload.user_id, str(payload.emoji), added=False)

    async def catch_up(self) -> None:
        """Capture what every open debate thread received since its cursor, and reconcile its recent messages.

        Missed messages are captured in posting order across a debate's two threads (idempotent by message id),
        whatever arrives live meanwhile. Then the last RECONCILE_WINDOW messages of each thread are compared with
        the map: edits become revisions, deletions hide arguments, 👍/👎 reactions become the votes.
        """
        self.caught_up.clear()
        self.synced = False
        self.generation += 1
        generation = self.generation
        self.catching_up += 1
        try:
            missed: dict[int, list[discord.Message]] = {}
            newest: dict[int, int] = {}
            windows: list[tuple[int, Window]] = []
            for cursor in self.capture.open_threads():
                thread = await self.bot.thread(cursor.thread_id)
                if thread is None:
                    log.warning("Debate %s: thread %s is gone; no catch-up", cursor.debate_id, cursor.thread_id)
                    continue
                try:
                    history = await missed_messages(thread, cursor.last_message_id)
                    window = await recent_window(thread)
                except discord.HTTPException as error:
                    # Its cursor stays where it was: the next catch-up reads the thread again.
                    log.warning("Debate %s: could not read thread %s back: %s", cursor.debate_id, thread.id, error)
                    continue
                missed.setdefault(cursor.debate_id, []).extend(history)
                windows.append((thread.id, window))
                newest[thread.id] = max([cursor.last_message_id, *(m.id for m in history)])
            for debate_id, messages in missed.items():
                captured = [m for m in sorted(messages, key=lambda m: m.id) if await self._capture(m)]
                if captured:
                    log.info("Debate %s: caught up on %d messages", debate_id, len(captured))
            changed = Reconciled()
            for thread_id, window in windows:
                now = discord.utils.utcnow()
                changed += self.capture.reconcile(thread_id, window.messages, window.first, window.last, now)
            if changed != Reconciled():
                log.info(
                    "Reconciled while away: %d edits, %d deletions, %d votes",
                    changed.edited,
                    changed.deleted,
                    changed.votes,
                )
                self._analyse()
            for thread_id, message_id in newest.items():
                self.capture.caught_up(thread_id, message_id)
        finally:
            self.catching_up -= 1
            if self.online and generation == self.generation:
                self.synced = True
            self.caught_up.set()

    # -- private ------------------------------------------------------------------------------------------------------

    async def _capture(self, message: discord.Message) -> bool:
        """Capture one message if it is a member's message in an open debate thread; return whether it was new.

        A message captured earlier but never marked ✅ (Crux died between storing and reacting) is marked now.
        """
        if not _capturable(message):
            return False
        captured = self.capture.capture(_incoming_message(message))
        if captured is None:
            return False
        if captured.new and captured.argument.kind == "argument":
            self._analyse()
        if captured.new or not any(r.me and str(r.emoji) == CAPTURED for r in message.reactions):
            await self._mark_captured(message)
        return captured.new

    async def _mark_captured(self, message: discord.Message) -> None:
        try:
            await message.add_reaction(CAPTURED)
        except discord.HTTPException as error:
            log.warning("Could not react to message %s: %s", message.id, error)
        except (RuntimeError, aiohttp.ClientError):
            if not self.bot.is_closed():
                raise
            # Crux is stopping; the message is stored, and the next catch-up adds the mark it lacks.

    def _analyse(self) -> None:
        """Wake the analysis worker: arguments were queued."""
        self.bot.dispatch("arguments_queued")

    async def _write_forever(self) -> None:
        """Capture live messages as they arrive, CAPTURE_BATCH per transaction, yielding to the loop in between."""
        while True:
            await self.arrived.wait()
            self.arrived.clear()
            while self.inbox:
                self._capture_batch([self.inbox.popleft() for _ in range(min(CAPTURE_BATCH, len(self.inbox)))])
                await asyncio.sleep(0)
            # A cursor may lag behind (the next catch-up reads a few messages again), never run ahead: moving them
            # here, together, costs one write per thread instead of one per message.
            due, self.cursors = self.cursors, {}
            for thread_id, message_id in due.items():
                try:
                    self.capture.caught_up(thread_id, message_id)
                except Exception:  # the writer must survive: a cursor left behind only costs a longer catch-up
                    log.exception("Could not move the cursor of thread %s", thread_id)

    def _capture_batch(self, messages: list[discord.Message]) -> None:
        """Store messages in one transaction (one by one if that fails), then mark each ✅ and move its cursor."""
        try:
            results = self.capture.capture_many([_incoming_message(m) for m in messages])
        except Exception:
            log.warning("Capturing %d messages together failed; one by one now", len(messages), exc_info=True)
            results = []
            for message in messages:
                try:
                    results.append(self.capture.capture(_incoming_message(message)))
                except Exception:
                    log.exception("Could not capture message %s", message.id)
                    results.append(None)
        if any(c is not None and c.new and c.argument.kind == "argument" for c in results):
            self._analyse()
        for message, captured in zip(messages, results, strict=True):
            if captured is None:
                continue
            if captured.new or not any(r.me and str(r.emoji) == CAPTURED for r in message.reactions):
                task = asyncio.create_task(self._mark_then_advance(message, captured.new))
                self.marking.add(task)
                task.add_done_callback(self.marking.discard)

    async def _mark_then_advance(self, message: discord.Message, new: bool) -> None:
        """Mark a stored message ✅, then (while synced) have the writer move its thread's cursor: never before."""
        try:
            async with self.marking_slots:
                await self._mark_captured(message)
        except Exception:
            log.exception("Could not mark message %s captured", message.id)
            return
        if new and self.synced:
            thread_id = message.channel.id
            self.cursors[thread_id] = max(message.id, self.cursors.get(thread_id, 0))
            self.arrived.set()


def _capturable(message: discord.Message) -> bool:
    """Return whether a message may be an argument: a member's own post (or reply) in a thread."""
    if message.author.bot or message.webhook_id is not None or not isinstance(message.channel, discord.Thread):
        return False
    return message.type in (discord.MessageType.default, discord.MessageType.reply)


def _incoming_message(message: discord.Message) -> IncomingMessage:
    reply_to = message.reference.message_id if message.reference is not None else None
    return incoming(
        message,
        author_id=message.author.id,
        author_name=message.author.display_name,
        content=message.content,
        reply_to=reply_to,
    )


async def setup(bot: CruxBot) -> None:
    """Load the Capturing cog."""
    await bot.add_cog(Capturing(bot))
