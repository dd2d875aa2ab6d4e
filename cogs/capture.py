"""Capture: every message members post in a debate thread joins the map, and new arguments are analysed.

Messages, replies, edits, deletions and 👍/👎 votes are captured as they happen and caught up on after an outage;
rebuttals and supports come through the message context menus. New arguments are embedded in batches off the event
loop; what the posting policy allows (a suggested source, a repeat of an earlier argument) is posted as a reply.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.analysis import ANALYSIS_BATCH, Reply
from bot.debates.capture import IncomingMessage
from bot.debates.model import Argument, Side
from bot.errors import DebateError
from bot.interface.bot import CruxBot
from bot.interface.views import ArgumentForm, CiteButton, CruxView
from bot.markdown import SIDE_TITLES
from bot.prompts import render

log = logging.getLogger(__name__)

CAPTURED = "✅"


class Capturing(commands.Cog):
    """Captures what members post in debate threads, links rebuttals, replies and votes, and suggests sources."""

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.debates = bot.services.debates
        self.capture = bot.services.capture
        self.analyser = bot.services.analyser
        # (argument id, whether to post what is found): edits are re-analysed quietly.
        self.queue: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()
        self.menus = [
            app_commands.ContextMenu(name="Rebut argument", callback=self.rebut_menu),
            app_commands.ContextMenu(name="Support argument", callback=self.support_menu),
        ]
        self.worker: asyncio.Task[None] | None = None
        # Set once the catch-up after (re)connecting is done.
        self.caught_up = asyncio.Event()

    async def cog_load(self) -> None:
        """Add the context menus and the citation button, and start the analysis worker."""
        for menu in self.menus:
            menu.guild_only = True
            self.bot.tree.add_command(menu)
        self.bot.add_dynamic_items(CiteButton)
        self.worker = asyncio.create_task(self._analyse_forever(), name="crux-analysis")

    async def cog_unload(self) -> None:
        """Remove the context menus and stop the worker."""
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)
        self.bot.remove_dynamic_items(CiteButton)
        if self.worker is not None:
            self.worker.cancel()

    async def wait_until_analysed(self) -> None:
        """Wait until every argument captured so far has been analysed (used by tests and shutdown)."""
        await self.queue.join()

    # -- listeners ----------------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up on every open debate: capture what was posted while Crux was away, in the order it was posted."""
        self.caught_up.clear()
        try:
            missed: dict[int, list[discord.Message]] = {}
            for thread in self.capture.open_threads():
                channel = await self.bot.thread(thread.thread_id)
                if channel is None:
                    log.warning("Debate %s: thread %s is gone; no catch-up", thread.debate_id, thread.thread_id)
                    continue
                after = discord.Object(thread.last_message_id)
                history = [m async for m in channel.history(after=after, limit=None)]
                missed.setdefault(thread.debate_id, []).extend(history)
            for debate_id, messages in missed.items():
                captured = [m for m in sorted(messages, key=lambda m: m.id) if await self._capture(m)]
                if captured:
                    log.info("Debate %s: caught up on %d messages", debate_id, len(captured))
        finally:
            self.caught_up.set()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Capture a member's message posted in a debate thread."""
        await self._capture(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Keep an edited argument's earlier text as a revision."""
        content = payload.data.get("content")
        if content is not None and payload.data.get("edited_timestamp"):
            edited_at = discord.utils.parse_time(str(payload.data["edited_timestamp"]))
            revised = self.capture.edit(payload.message_id, content, edited_at)
            if revised is not None and revised.kind == "argument":
                self.queue.put_nowait((revised.id, False))

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

    # -- context menus ------------------------------------------------------------------------------------------------

    async def rebut_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Answer an argument from the other side: your text is posted in the opposing thread."""
        await self._open_form(interaction, message, "rebut")

    async def support_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Back an argument up: your text is posted in its side's thread."""
        await self._open_form(interaction, message, "support")

    # -- private ------------------------------------------------------------------------------------------------------

    async def _open_form(self, interaction: discord.Interaction, message: discord.Message, origin: str) -> None:
        target, side = self.debates.rebuttal_target(message.id, origin)
        verb = "Rebut" if origin == "rebut" else "Support"

        async def post(submitted: discord.Interaction, text: str) -> None:
            await self._post_for_member(submitted, target, side, origin, text)

        await interaction.response.send_modal(
            ArgumentForm(f"{verb} {target.label}", f"crux:post:{origin}:{target.id}", post)
        )

    async def _post_for_member(
        self, interaction: discord.Interaction, target: Argument, side: Side, origin: str, text: str
    ) -> None:
        """Post a member's rebuttal or support in the right thread, credited to them, and capture it."""
        debate = self.debates.find(interaction.guild_id or 0, target.debate_id)
        thread = await self.bot.thread(debate.thread_for(side))
        if thread is None:
            raise DebateError("That debate's thread is gone, so Crux cannot post there.")
        author = interaction.user
        verb = "rebuts" if origin == "rebut" else "supports"
        body = render(
            "context_post", author=author.mention, verb=verb, label=target.label, jump_url=target.jump_url, text=text
        )
        posted = await thread.send(body[:2000], allowed_mentions=discord.AllowedMentions.none())
        captured = self.capture.capture(
            _incoming(posted, author_id=author.id, author_name=author.display_name, content=text),
            origin=origin,
            target=target,
            made_by=author.id,
        )
        assert captured is not None
        self.queue.put_nowait((captured.argument.id, True))
        await interaction.followup.send(
            render("context_posted", label=captured.argument.label, jump_url=posted.jump_url, side=SIDE_TITLES[side]),
            ephemeral=True,
        )

    async def _capture(self, message: discord.Message) -> bool:
        """Capture one message if it is a member's message in an open debate thread; return whether it was new."""
        if message.author.bot or message.webhook_id is not None or not isinstance(message.channel, discord.Thread):
            return False
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return False
        reply_to = message.reference.message_id if message.reference is not None else None
        captured = self.capture.capture(
            _incoming(
                message,
                author_id=message.author.id,
                author_name=message.author.display_name,
                content=message.content,
                reply_to=reply_to,
            )
        )
        if captured is None or not captured.new:
            return False
        if captured.argument.kind == "argument":
            self.queue.put_nowait((captured.argument.id, True))
        try:
            await message.add_reaction(CAPTURED)
        except discord.HTTPException as error:
            log.warning("Could not react to message %s: %s", message.id, error)
        return True

    async def _analyse_forever(self) -> None:
        """Analyse captured arguments in batches, off the event loop, and post what the posting policy allows."""
        while True:
            items = [await self.queue.get()]
            while len(items) < ANALYSIS_BATCH and not self.queue.empty():
                items.append(self.queue.get_nowait())
            try:
                announce = dict(items)
                batch = self.analyser.batch(list(announce))
                vectors, best = await asyncio.to_thread(self.analyser.look_up, batch.arguments, batch.with_sources)
                for analysis in self.analyser.record(batch.arguments, vectors, best):
                    if not announce[analysis.argument.id]:
                        continue
                    debate = batch.debates[analysis.argument.debate_id]
                    reply = self.analyser.policy.reply(analysis, debate, time.monotonic())
                    if reply is not None:
                        await self._post_reply(reply)
            except Exception:
                log.exception("Analysing %d arguments failed", len(items))
            finally:
                for _ in items:
                    self.queue.task_done()

    async def _post_reply(self, reply: Reply) -> None:
        argument, citation = reply.argument, reply.citation
        parts = []
        if citation is not None:
            parts.append(
                render(
                    "citation_suggestion",
                    label=argument.label,
                    title=discord.utils.escape_markdown(citation.document_title),
                    paragraph=citation.paragraph,
                    sentence=discord.utils.escape_markdown(citation.sentence),
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
                    earlier_author=discord.utils.escape_markdown(earlier.author_name),
                )
            )
        thread = await self.bot.thread(argument.thread_id)
        if thread is None:
            return
        view = CruxView(timeout=None)
        if citation is not None:
            view.add_item(CiteButton(citation.id))
        await thread.send(
            "\n\n".join(parts)[:2000],
            reference=discord.MessageReference(
                message_id=argument.message_id, channel_id=thread.id, fail_if_not_exists=False
            ),
            mention_author=False,
            view=view if citation is not None else discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions.none(),
        )


def _incoming(
    message: discord.Message, *, author_id: int, author_name: str, content: str, reply_to: int | None = None
) -> IncomingMessage:
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


async def setup(bot: CruxBot) -> None:
    """Load the Capturing cog."""
    await bot.add_cog(Capturing(bot))
