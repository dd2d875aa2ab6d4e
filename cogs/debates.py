"""Debates in a Pro and a Con thread: open and close them, and capture every message on the argument map."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import CruxBot, answer_error
from bot.checks import manages_threads
from bot.db.debates import SIDES, Argument, Debate, Side, other_side
from bot.debates import CITATION_MODES, Analysis, DebateError, Debates, IncomingMessage
from bot.prompts import render
from bot.ui import CruxView, complete_debate

log = logging.getLogger(__name__)

CAPTURED = "✅"
MAX_MOTION_CHARS = 300
THREAD_NAME_CHARS = 100
ANALYSIS_BATCH = 32
# At most one automatic reply (citation or duplicate notice) per thread in this many seconds; the rest are stored.
POST_INTERVAL = 30.0
SIDE_TITLES = {"pro": "Pro", "con": "Con"}
STANCES = {"pro": "for the motion", "con": "against the motion"}


class Debating(commands.Cog):
    """Opens debates, captures what members post in them, and links rebuttals, replies, votes and sources."""

    debate = app_commands.Group(name="debate", description="Open, close and list debates.", guild_only=True)

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.debates: Debates = bot.debates
        # (argument id, whether to post what is found): edits are re-analysed quietly.
        self.queue: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()
        self.last_post: dict[int, float] = {}
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

    async def analysis_idle(self) -> None:
        """Wait until every captured argument has been analysed (used by tests and shutdown)."""
        await self.queue.join()

    # -- listeners ----------------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up on every open debate: capture what was posted while Crux was away, in the order it was posted."""
        self.caught_up.clear()
        try:
            missed: dict[int, list[discord.Message]] = {}
            for thread in self.debates.open_threads():
                channel = await self._channel(thread.thread_id)
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
            revised = self.debates.edit(payload.message_id, content, str(payload.data["edited_timestamp"]))
            if revised is not None and revised.kind == "argument":
                self.queue.put_nowait((revised.id, False))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Hide the argument of a deleted message (it stays stored)."""
        self.debates.delete(payload.message_id, discord.utils.utcnow().isoformat(timespec="seconds"))

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Count a 👍 or 👎 as a vote."""
        if self.bot.user is not None and payload.user_id != self.bot.user.id:
            self.debates.vote(payload.message_id, payload.user_id, str(payload.emoji), added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Withdraw a vote."""
        self.debates.vote(payload.message_id, payload.user_id, str(payload.emoji), added=False)

    # -- commands -----------------------------------------------------------------------------------------------------

    @debate.command(name="start")
    @app_commands.describe(
        motion="What is being debated (default: the pause proposal)",
        channel="A forum (two tagged posts) or text channel (two threads); default: this channel",
    )
    @manages_threads
    async def start(
        self,
        interaction: discord.Interaction,
        motion: app_commands.Range[str, 1, MAX_MOTION_CHARS] | None = None,
        channel: discord.ForumChannel | discord.TextChannel | None = None,
    ) -> None:
        """Open a debate as a Pro thread and a Con thread."""
        motion_text = " ".join((motion or render("motion")).split())
        if not motion_text:
            raise DebateError("The motion is empty. Write what is being debated, or leave it out for the default.")
        place = channel or interaction.channel
        if isinstance(place, discord.Thread):
            place = place.parent
        if not isinstance(place, discord.ForumChannel | discord.TextChannel):
            raise DebateError("Debates open in a forum or a text channel. Pick one with the `channel` option.")
        place = self.bot.get_channel(place.id) or place  # resolved options carry no tags; the cache does
        assert isinstance(place, discord.ForumChannel | discord.TextChannel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if isinstance(place, discord.ForumChannel):
            threads = await self._open_in_forum(place, motion_text)
        else:
            threads = await self._open_in_text(place, motion_text)
        debate = self.debates.start(
            place.guild.id,
            place.id,
            "forum" if isinstance(place, discord.ForumChannel) else "text",
            motion_text,
            interaction.user.id,
            {side: thread.id for side, thread in threads.items()},
        )
        await interaction.followup.send(
            render("debate_started", debate_id=debate.id, pro=threads["pro"].mention, con=threads["con"].mention),
            ephemeral=True,
        )

    @debate.command(name="close")
    @app_commands.describe(debate="The debate to close (default: the newest open one)")
    @app_commands.autocomplete(debate=complete_debate)
    @manages_threads
    async def close(self, interaction: discord.Interaction, debate: int | None = None) -> None:
        """Lock and archive a debate's threads; its map stays."""
        assert interaction.guild is not None
        found = self.debates.find(interaction.guild.id, debate, interaction.channel_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = self.debates.close(found, interaction.user.id)
        for thread_id in closed.threads.values():
            thread = await self._channel(thread_id)
            if thread is not None:
                await thread.edit(locked=True, archived=True, reason=f"Debate {closed.id} closed")
        await interaction.followup.send(render("debate_closed", debate_id=closed.id), ephemeral=True)

    @debate.command(name="list")
    async def list_debates(self, interaction: discord.Interaction) -> None:
        """List this server's debates with links to their threads."""
        assert interaction.guild is not None
        debates = self.debates.debates(interaction.guild.id)
        if not debates:
            raise DebateError("No debates yet. A moderator can open one with `/debate start`.")
        lines = [_debate_line(d) for d in debates[:20]]
        embed = discord.Embed(title="Debates", description="\n".join(lines), colour=discord.Colour.blurple())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @debate.command(name="citations")
    @app_commands.describe(
        mode="on: reply with relevant sources; quiet: store them without posting; off: do not look",
        debate="The debate (default: this thread's, else the newest open one)",
    )
    @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in CITATION_MODES])
    @app_commands.autocomplete(debate=complete_debate)
    @manages_threads
    async def citations(self, interaction: discord.Interaction, mode: str, debate: int | None = None) -> None:
        """Choose whether Crux replies to arguments with relevant sources."""
        assert interaction.guild is not None
        found = self.debates.find(interaction.guild.id, debate, interaction.channel_id)
        updated = self.debates.set_citations(found, mode)
        await interaction.response.send_message(f"Debate {updated.id}: citations are now **{mode}**.", ephemeral=True)

    # -- context menus ------------------------------------------------------------------------------------------------

    async def rebut_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Answer an argument from the other side: your text is posted in the opposing thread."""
        await self._open_modal(interaction, message, "rebut")

    async def support_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Back an argument up: your text is posted in its side's thread."""
        await self._open_modal(interaction, message, "support")

    # -- private ------------------------------------------------------------------------------------------------------

    async def _open_modal(self, interaction: discord.Interaction, message: discord.Message, origin: str) -> None:
        target, side = self.debates.rebuttal_target(message.id, origin)
        await interaction.response.send_modal(ContextPostModal(self, target, side, origin))

    async def post_for_member(
        self, interaction: discord.Interaction, target: Argument, side: Side, origin: str, text: str
    ) -> None:
        """Post a member's rebuttal or support in the right thread, credited to them, and capture it."""
        debate = self.debates.debate(target.debate_id)
        thread = await self._channel(debate.thread_for(side))
        if thread is None:
            raise DebateError("That debate's thread is gone, so Crux cannot post there.")
        author = interaction.user
        verb = "rebuts" if origin == "rebut" else "supports"
        body = render(
            "context_post", author=author.mention, verb=verb, label=target.label, jump_url=target.jump_url, text=text
        )
        posted = await thread.send(body[:2000], allowed_mentions=discord.AllowedMentions.none())
        captured = self.debates.capture(
            IncomingMessage(
                message_id=posted.id,
                thread_id=thread.id,
                author_id=author.id,
                author_name=author.display_name,
                content=text,
                posted_at=posted.created_at.isoformat(timespec="seconds"),
                jump_url=posted.jump_url,
            ),
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
        captured = self.debates.capture(
            IncomingMessage(
                message_id=message.id,
                thread_id=message.channel.id,
                author_id=message.author.id,
                author_name=message.author.display_name,
                content=message.content,
                posted_at=message.created_at.isoformat(timespec="seconds"),
                jump_url=message.jump_url,
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
        """Analyse captured arguments in batches, off the event loop, and post what is worth posting."""
        while True:
            items = [await self.queue.get()]
            while len(items) < ANALYSIS_BATCH and not self.queue.empty():
                items.append(self.queue.get_nowait())
            try:
                announce = dict(items)
                # Read again: an argument may have been edited or deleted while it waited.
                batch = self.debates.current(list(announce))
                debates = {a.debate_id: self.debates.debate(a.debate_id) for a in batch}
                wanted = [debates[a.debate_id].citations != "off" for a in batch]
                vectors, best = await asyncio.to_thread(self.debates.look_up, batch, wanted)
                for analysis in self.debates.record_analysis(batch, vectors, best):
                    if announce[analysis.argument.id]:
                        await self._post_analysis(analysis, debates[analysis.argument.debate_id])
            except Exception:
                log.exception("Analysing %d arguments failed", len(items))
            finally:
                for _ in items:
                    self.queue.task_done()

    async def _post_analysis(self, analysis: Analysis, debate: Debate) -> None:
        argument = analysis.argument
        citation = analysis.citation if debate.citations == "on" else None
        if citation is None and analysis.duplicate_of is None:
            return
        clock = time.monotonic()
        if clock - self.last_post.get(argument.thread_id, -POST_INTERVAL) < POST_INTERVAL:
            return  # stored already; a busy thread is not flooded
        self.last_post[argument.thread_id] = clock
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
        if analysis.duplicate_of is not None:
            earlier = analysis.duplicate_of
            parts.append(
                render(
                    "duplicate_notice",
                    label=argument.label,
                    earlier=earlier.label,
                    jump_url=earlier.jump_url,
                    earlier_author=discord.utils.escape_markdown(earlier.author_name),
                )
            )
        thread = await self._channel(argument.thread_id)
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

    async def _open_in_forum(self, forum: discord.ForumChannel, motion: str) -> dict[Side, discord.Thread]:
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
            )
            threads[side] = created.thread
        return threads

    async def _open_in_text(self, channel: discord.TextChannel, motion: str) -> dict[Side, discord.Thread]:
        threads: dict[Side, discord.Thread] = {}
        for side in SIDES:
            thread = await channel.create_thread(
                name=_thread_name(side, motion), type=discord.ChannelType.public_thread, auto_archive_duration=10080
            )
            await thread.send(_opening(side, motion, "thread"), allowed_mentions=discord.AllowedMentions.none())
            threads[side] = thread
        return threads

    async def _channel(self, channel_id: int) -> discord.Thread | None:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, discord.Thread) else None


class ContextPostModal(discord.ui.Modal):
    """Asks for the text of a rebuttal or a support."""

    text: discord.ui.TextInput = discord.ui.TextInput(
        label="Your argument", custom_id="text", style=discord.TextStyle.paragraph, min_length=3, max_length=1800
    )

    def __init__(self, cog: Debating, target: Argument, side: Side, origin: str) -> None:
        verb = "Rebut" if origin == "rebut" else "Support"
        super().__init__(title=f"{verb} {target.label}"[:45], custom_id=f"crux:post:{origin}:{target.id}")
        self.cog, self.target, self.side, self.origin = cog, target, side, origin

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Post the text in the right thread."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.cog.post_for_member(interaction, self.target, self.side, self.origin, self.text.value.strip())

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Answer through the bot's one error path."""
        await answer_error(interaction, error, "Rebuttal modal")


class CiteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"crux:cite:(?P<id>[0-9]+)"):
    """'Cite this' under a suggested source: its argument's author confirms it. Survives restarts."""

    def __init__(self, citation_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cite this", emoji="📌", style=discord.ButtonStyle.secondary, custom_id=f"crux:cite:{citation_id}"
            )
        )
        self.citation_id = citation_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> CiteButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the suggestion as cited and show that on the message."""
        bot = interaction.client
        assert isinstance(bot, CruxBot)
        try:
            citation = bot.debates.confirm_citation(self.citation_id, interaction.user.id)
        except DebateError as error:
            await answer_error(interaction, error, "Cite button")
            return
        self.item.disabled = True
        self.item.label = "Cited"
        view = discord.ui.View(timeout=None)
        view.add_item(self.item)
        await interaction.response.edit_message(view=view)
        log.info("Citation %s confirmed by %s", citation.id, interaction.user.id)


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


def _debate_line(debate: Debate) -> str:
    threads = " · ".join(f"{SIDE_TITLES[s]} <#{debate.threads[s]}>" for s in SIDES if s in debate.threads)
    motion = discord.utils.escape_markdown(debate.motion[:80])
    return f"**{debate.id}** [{debate.status}] {motion} — {threads}"


async def setup(bot: CruxBot) -> None:
    """Load the Debating cog."""
    await bot.add_cog(Debating(bot))
