"""Analysis of new arguments: embedded in batches off the event loop, with a reply when the posting policy allows.

The queue lives in SQLite (an argument is queued in the transaction that stores it), so a crash, a stop or an error
loses no analysis: the worker resumes with whatever is still queued. Posting a reply may fail (a 429 storm, missing
permissions); the analysis is stored before anything is posted, and each reply is posted on its own.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import discord
from discord.ext import commands

from bot.debates.analysis import Reply
from bot.interface.bot import CruxBot
from bot.interface.views import CiteButton, CruxView
from bot.markdown import escape
from bot.prompts import render

log = logging.getLogger(__name__)

# After a failed batch, wait this long (doubling up to RETRY_MAX) before trying again.
RETRY_FIRST = 1.0
RETRY_MAX = 60.0


class Analysing(commands.Cog):
    """Works through the analysis queue and posts what is worth posting under each argument."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.analyser = bot.services.analyser
        self.wanted = asyncio.Event()
        self.idle = asyncio.Event()
        self.worker: asyncio.Task[None] | None = None
        # The one thread that embeds (and searches the library for) queued arguments, set up by the analyser.
        self.encoder: ThreadPoolExecutor | None = None
        self.retry_first = RETRY_FIRST

    async def cog_load(self) -> None:
        """Register the citation button and start the worker on whatever is queued already."""
        self.bot.add_dynamic_items(CiteButton)
        self.encoder = ThreadPoolExecutor(1, "crux-analysis", initializer=self.analyser.prepare_worker)
        self.worker = asyncio.create_task(self._work_forever(), name="crux-analysis")
        self.wake()

    async def cog_unload(self) -> None:
        """Stop the worker; what is still queued stays queued in SQLite."""
        self.bot.remove_dynamic_items(CiteButton)
        if self.worker is not None:
            self.worker.cancel()
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
                while await self._analyse_one_batch():
                    pass
                delay = self.retry_first
            except Exception:  # the worker must survive anything; the batch stays queued
                log.exception("Analysing a batch failed; retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                self.wanted.set()
                continue
            self.idle.set()

    async def _analyse_one_batch(self) -> bool:
        """Analyse the oldest queued arguments; return False when the queue was empty."""
        batch = self.analyser.batch()
        if not batch.arguments:
            return self.analyser.pending() > 0
        try:
            look_up = functools.partial(self.analyser.look_up, batch.arguments, batch.with_sources, batch.guilds)
            vectors, best = await asyncio.get_running_loop().run_in_executor(self.encoder, look_up)
            analyses = self.analyser.record(batch.arguments, vectors, best)
        except Exception:
            self.analyser.failed(batch)
            raise
        for analysis in analyses:
            if not batch.announce[analysis.argument.id]:
                continue
            reply = self.analyser.policy.reply(analysis, batch.debates[analysis.argument.debate_id], time.monotonic())
            if reply is not None:
                await self._post_reply(reply)
        return True

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
