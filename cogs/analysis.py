"""Analysis of new arguments: embedded in batches off the event loop, with a reply when the posting policy allows.

The queue lives in SQLite (an argument is queued in the transaction that stores it), so a crash, a stop or an error
loses no analysis: the worker resumes with whatever is still queued. Posting a reply may fail (a 429 storm, missing
permissions); the analysis is stored before anything is posted, and each reply is posted on its own.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import discord
import numpy as np
from discord.ext import commands

from bot.debates.analysis import ANALYSIS_BATCH, Batch, Reply
from bot.interface.bot import CruxBot
from bot.interface.views import CiteButton, CruxView
from bot.markdown import escape
from bot.prompts import render

log = logging.getLogger(__name__)

# After a failed batch, wait this long (doubling up to RETRY_MAX) before trying again.
RETRY_FIRST = 1.0
RETRY_MAX = 60.0
# Batches handed to the encoder thread at once: the next one is queued there while the last is searched and recorded,
# so the encoder never waits for the event loop.
PIPELINE_DEPTH = 2
# How often to look whether the model has loaded (crux run loads it in a thread), to warm the encoder thread up.
WARM_UP_POLL = 0.25


class Analysing(commands.Cog):
    """Works through the analysis queue and posts what is worth posting under each argument."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.analyser = bot.services.analyser
        self.wanted = asyncio.Event()
        self.idle = asyncio.Event()
        self.worker: asyncio.Task[None] | None = None
        self.warming: asyncio.Task[None] | None = None
        # The one thread that embeds queued arguments, set up by the analyser (the library is searched beside it).
        self.encoder: ThreadPoolExecutor | None = None
        self.retry_first = RETRY_FIRST

    async def cog_load(self) -> None:
        """Register the citation button and start the worker on whatever is queued already."""
        self.bot.add_dynamic_items(CiteButton)
        self.encoder = ThreadPoolExecutor(1, "crux-analysis", initializer=self.analyser.prepare_worker)
        self.warming = asyncio.create_task(self._warm_up(), name="crux-analysis-warm-up")
        self.worker = asyncio.create_task(self._work_forever(), name="crux-analysis")
        self.wake()

    async def cog_unload(self) -> None:
        """Stop the worker; what is still queued stays queued in SQLite."""
        self.bot.remove_dynamic_items(CiteButton)
        for task in (self.warming, self.worker):
            if task is not None:
                task.cancel()
        if self.encoder is not None:
            self.encoder.shutdown(wait=False, cancel_futures=True)

    @commands.Cog.listener()
    async def on_arguments_queued(self) -> None:
        """Wake the worker: capture queued arguments (the event Capturing dispatches)."""
        self.wake()

    def wake(self) -> None:
        """Tell the worker that arguments were queued."""
        self.idle.clear()
        self.wanted.set()

    async def wait_until_analysed(self) -> None:
        """Wait until the queue is empty and the worker has nothing in hand (used by tests and shutdown)."""
        while not self.idle.is_set() or self.analyser.pending():
            self.wake()
            await self.idle.wait()

    async def _work_forever(self) -> None:
        delay = self.retry_first
        while True:
            await self.wanted.wait()
            self.wanted.clear()
            try:
                await self._analyse_queue()
                delay = self.retry_first
            except Exception:  # the worker must survive anything; the batch stays queued
                log.exception("Analysing a batch failed; retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                self.wanted.set()
                continue
            self.idle.set()

    async def _warm_up(self) -> None:
        """Once the model is loaded, have the encoder thread set itself up and warm up before an argument waits."""
        # The library says so with a threading.Event; a thread blocked on it would hold up a stop while it loads.
        while not self.analyser.model_ready():  # noqa: ASYNC110
            await asyncio.sleep(WARM_UP_POLL)
        if self.encoder is not None:
            self.encoder.submit(self.analyser.warm_up)

    async def _analyse_queue(self) -> None:
        """Analyse batches, oldest first, until the queue is empty.

        Up to PIPELINE_DEPTH batches are with the encoder thread at once (a partial one only when it would idle);
        each is then searched for sources in another thread and recorded here, in order, so a batch finds the
        duplicates recorded by the one before.
        """
        loop = asyncio.get_running_loop()
        ahead: collections.deque[tuple[Batch, asyncio.Future[np.ndarray]]] = collections.deque()
        try:
            while True:
                while len(ahead) < PIPELINE_DEPTH:
                    in_hand = [i for queued, _ in ahead for i in queued.ids]
                    if ahead and self.analyser.pending() - len(in_hand) < ANALYSIS_BATCH:
                        break  # the encoder is busy: let a whole batch gather rather than queue a small one
                    batch = self.analyser.batch(exclude=in_hand)
                    if not batch.arguments:
                        break
                    ahead.append((batch, loop.run_in_executor(self.encoder, self.analyser.embed, batch.arguments)))
                if not ahead:
                    if self.analyser.pending():
                        continue  # the batch read was all taken off the queue (deleted, or failed too often)
                    return
                batch, embedding = ahead.popleft()
                try:
                    vectors = await embedding
                    best = await asyncio.to_thread(
                        self.analyser.find_sources, batch.arguments, vectors, batch.with_sources, batch.guilds
                    )
                    analyses = self.analyser.record(batch.arguments, vectors, best)
                except Exception:
                    self.analyser.failed(batch)
                    raise
                for analysis in analyses:
                    if not batch.announce[analysis.argument.id]:
                        continue
                    debate = batch.debates[analysis.argument.debate_id]
                    reply = self.analyser.policy.reply(analysis, debate, time.monotonic())
                    if reply is not None:
                        await self._post_reply(reply)
        finally:
            for _, embedding in ahead:  # what is left stays queued; its result (or error) is not wanted
                embedding.cancel()

    async def _post_reply(self, reply: Reply) -> None:
        """Post one reply under its argument; a failure is logged and costs only this reply."""
        thread = await self.bot.thread(reply.argument.thread_id)
        if thread is None:
            return
        view = CruxView(timeout=None)
        if reply.citation is not None:
            view.add_item(CiteButton(reply.citation.id))
        try:
            await thread.send(
                _reply_text(reply)[:2000],
                reference=discord.MessageReference(
                    message_id=reply.argument.message_id, channel_id=thread.id, fail_if_not_exists=False
                ),
                mention_author=False,
                view=view if reply.citation is not None else discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            log.warning("Could not post the reply to %s in thread %s: %s", reply.argument.label, thread.id, error)


def _reply_text(reply: Reply) -> str:
    argument, citation = reply.argument, reply.citation
    parts = []
    if citation is not None:
        parts.append(
            render(
                "citation_suggestion",
                label=argument.label,
                title=escape(citation.document_title),
                paragraph=citation.paragraph,
                sentence=escape(citation.sentence),
            )
        )
    if reply.duplicate_of is not None:
        earlier = reply.duplicate_of
        parts.append(
            render(
                "duplicate_notice",
                label=argument.label,
                earlier=earlier.label,
                jump_url=earlier.jump_url,
                earlier_author=escape(earlier.author_name),
            )
        )
    return "\n\n".join(parts)


async def setup(bot: CruxBot) -> None:
    """Load the Analysing cog."""
    await bot.add_cog(Analysing(bot))
