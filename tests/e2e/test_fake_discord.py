"""Self-tests of the fake Discord, driving a throwaway discord.py bot through it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import (
    ActionRefused,
    CallbackType,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    Intent,
    MessageFlag,
    Perm,
    harness,
)

errors = harness.errors

SOURCES = ["pause-debate.pdf", "paul-notes.txt", "other.md"]


class VoteView(discord.ui.View):
    """A persistent view with an Agree button that counts its clicks."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.count = 0

    @discord.ui.button(label="Agree", custom_id="agree")
    async def agree(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        """Count the click and show the new count on the message."""
        self.count += 1
        await interaction.response.edit_message(content=f"{self.count} agree", view=self)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A form asking for one opinion."""

    opinion: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Opinion", custom_id="opinion")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Thank the member privately, quoting their opinion."""
        await interaction.response.send_message(f"thanks: {self.opinion.value}", ephemeral=True)


class ThrowawayBot(commands.Bot):
    """A tiny bot: /ping, /upload, /sources add|remove (autocomplete), /slow (defers), /late (answers too late)."""

    def __init__(self, guild_id: int, late_by: float, intents: discord.Intents | None = None) -> None:
        super().__init__(command_prefix="!", intents=intents or discord.Intents.default(), **harness.client_options())
        self.guild_object = discord.Object(guild_id)
        self.late_by = late_by
        self.seen_contents: list[str] = []

        @self.tree.command(guild=self.guild_object)
        async def ping(interaction: discord.Interaction) -> None:
            """Answer pong."""
            await interaction.response.send_message("pong", allowed_mentions=discord.AllowedMentions.none())

        @self.tree.command(guild=self.guild_object)
        @app_commands.describe(file="A file", title="Its title", copies="How many")
        async def upload(
            interaction: discord.Interaction,
            file: discord.Attachment,
            title: str,
            copies: app_commands.Range[int, 1, 3] = 1,
        ) -> None:
            """Read a file and post it back."""
            data = await file.read()
            await interaction.response.send_message(
                f"{title}: {len(data)} bytes x{copies}", file=discord.File(io.BytesIO(data), filename=file.filename)
            )

        sources = app_commands.Group(name="sources", description="Manage sources")

        @sources.command(name="add")
        @app_commands.describe(title="Title", kind="Kind")
        @app_commands.choices(kind=[app_commands.Choice(name="Paper", value="paper")])
        async def add(interaction: discord.Interaction, title: str, kind: str) -> None:
            """Add a source."""
            await interaction.response.send_message(f"added {title}", ephemeral=True)

        @sources.command(name="remove")
        @app_commands.describe(source="Source")
        async def remove(interaction: discord.Interaction, source: str) -> None:
            """Remove a source."""
            await interaction.response.send_message(f"removed {source}")

        @remove.autocomplete("source")
        async def remove_source(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=s, value=s) for s in SOURCES if s.startswith(current)][:25]

        self.tree.add_command(sources, guild=self.guild_object)

        @self.tree.command(guild=self.guild_object)
        async def slow(interaction: discord.Interaction) -> None:
            """Defer, then answer by followup."""
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("done")

        @self.tree.command(guild=self.guild_object)
        async def late(interaction: discord.Interaction) -> None:
            """Answer after the deadline."""
            await asyncio.sleep(self.late_by)
            await interaction.response.send_message("too late")

        @self.tree.command(guild=self.guild_object)
        async def boom(interaction: discord.Interaction) -> None:
            """Fail."""
            raise RuntimeError("boom")

        @self.tree.command(guild=self.guild_object)
        async def vote(interaction: discord.Interaction) -> None:
            """Post a message with an Agree button."""
            await interaction.response.send_message("0 agree", view=VoteView())

        @self.tree.command(guild=self.guild_object)
        async def feedback(interaction: discord.Interaction) -> None:
            """Open a feedback form."""
            await interaction.response.send_modal(FeedbackModal())

        @self.tree.command(guild=self.guild_object)
        @app_commands.describe(topic="Thread name")
        async def debate(interaction: discord.Interaction, topic: str) -> None:
            """Open a thread for a debate and post the rules in it."""
            await interaction.response.send_message(f"Debate: {topic}")
            message = await interaction.original_response()
            thread = await message.create_thread(name=topic)
            await thread.send("Rules: be civil.")

        @self.command()
        async def echo(ctx: commands.Context[commands.Bot], *, text: str) -> None:
            await ctx.send(text, allowed_mentions=discord.AllowedMentions.none())

    async def setup_hook(self) -> None:
        """Sync the commands to the test guild."""
        await self.tree.sync(guild=self.guild_object)

    async def on_message(self, message: discord.Message) -> None:
        """Record what others wrote, as the bot received it, and run prefix commands."""
        if message.author != self.user:
            self.seen_contents.append(message.content)
        await self.process_commands(message)


@dataclass
class World:
    """A guild with #general, a member (alice) and a moderator (Manage Server)."""

    fake: FakeDiscord
    guild: FakeGuild
    channel: FakeChannel
    alice: FakeMember
    mod: FakeMember


DEADLINE = 0.75  # short, so the late test is quick; long enough for a loaded machine


@pytest.fixture
async def fake(errors: harness.ErrorCapture) -> AsyncIterator[FakeDiscord]:
    async with harness.fake_discord(errors, interaction_deadline=DEADLINE) as server:
        yield server


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Pause Debate")
    channel = fake.add_text_channel(guild, "general")
    alice = fake.add_member(guild, "alice")
    mod = fake.add_member(guild, "mod", permissions=Perm.MANAGE_GUILD)
    return World(fake, guild, channel, alice, mod)


@pytest.fixture
async def bot(world: World) -> AsyncIterator[ThrowawayBot]:
    client = ThrowawayBot(world.guild.id, late_by=DEADLINE + 0.1)
    async with harness.start_client(client, world.fake.token):
        yield client


async def test_ping_shows_pong_in_the_channel(world: World, bot: ThrowawayBot) -> None:
    """/ping answers with a public 'pong' every member sees."""
    rec = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "ping")
    message = await rec.wait_for_final_message()
    assert (message["content"], rec.response_type, rec.ephemeral) == ("pong", CallbackType.CHANNEL_MESSAGE, False)
    assert message["allowed_mentions"] == {"parse": []}
    assert world.fake.messages_in(world.channel) == [message]


async def test_sync_registers_guild_commands(world: World, bot: ThrowawayBot) -> None:
    """setup_hook's sync stores every command, with ids, under the guild."""
    names = sorted(c["name"] for c in world.fake.commands[world.guild.id])
    assert names == ["boom", "debate", "feedback", "late", "ping", "slow", "sources", "upload", "vote"]
    assert all(c["id"] and c["guild_id"] == str(world.guild.id) for c in world.fake.commands[world.guild.id])


async def test_attachment_option_reaches_the_bot_with_its_bytes(world: World, bot: ThrowawayBot) -> None:
    """A file given to an attachment option is downloadable by the bot and re-posted intact."""
    att = world.fake.add_attachment("notes.txt", b"pause now", content_type="text/plain")
    rec = await world.fake.invoke_slash_command(
        world.guild, world.channel, world.alice, "upload", {"file": att, "title": "Notes", "copies": 2}
    )
    message = await rec.wait_for_final_message()
    assert message["content"] == "Notes: 9 bytes x2"
    [posted] = message["attachments"]
    assert posted["filename"] == "notes.txt"
    assert world.fake.attachment_bytes(posted) == b"pause now"


async def test_autocomplete_returns_the_bots_choices(world: World, bot: ThrowawayBot) -> None:
    """Typing 'pau' into /sources remove source offers the matching sources."""
    choices = await world.fake.autocomplete(
        world.guild, world.channel, world.alice, "sources remove", {"source": "pau"}, focused="source"
    )
    assert choices == [
        {"name": "pause-debate.pdf", "value": "pause-debate.pdf"},
        {"name": "paul-notes.txt", "value": "paul-notes.txt"},
    ]


async def test_subcommand_reply_is_ephemeral(world: World, bot: ThrowawayBot) -> None:
    """/sources add answers only the invoker: nothing shows in the channel."""
    rec = await world.fake.invoke_slash_command(
        world.guild, world.channel, world.mod, "sources add", {"title": "Bostrom", "kind": "paper"}
    )
    message = await rec.wait_for_final_message()
    assert message["content"] == "added Bostrom"
    assert rec.ephemeral
    assert message["flags"] & MessageFlag.EPHEMERAL
    assert world.fake.messages_in(world.channel) == []


async def test_deferred_command_ends_with_its_followup(world: World, bot: ThrowawayBot) -> None:
    """/slow shows 'thinking…' privately, then the followup replaces it."""
    rec = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "slow")
    message = await rec.wait_for_final_message()
    assert rec.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
    assert message["content"] == "done"
    assert rec.ephemeral
    assert not message["flags"] & MessageFlag.LOADING
    assert message is rec.original_message


async def test_answer_after_the_deadline_is_refused(
    world: World, bot: ThrowawayBot, errors: harness.ErrorCapture
) -> None:
    """A callback after the deadline gets 404 Unknown interaction, and the member sees nothing."""
    errors.expect("Unknown interaction")
    rec = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "late")
    await world.fake.wait_for(lambda: rec.late, what="the late answer")
    [callback] = world.fake.requests_to("POST", "/interactions/{id}/{token}/callback")
    assert (callback.status, callback.response["code"]) == (404, 10062)
    assert rec.final_message is None
    assert world.fake.messages_in(world.channel) == []
    await world.fake.wait_for(lambda: errors.records, what="the bot to log the failed answer")
    with pytest.raises(AssertionError, match="deadline"):
        await rec.wait_for_response()


@pytest.mark.parametrize(
    ("name", "options", "problem"),
    [
        ("pong", {}, "not a synced slash command"),
        ("ping", {"loud": True}, "unknown option"),
        ("upload", {"title": "x"}, "missing required option"),
        ("sources", {}, "needs a subcommand"),
        ("sources add", {"title": 3, "kind": "paper"}, "expected a string"),
        ("sources add", {"title": "x", "kind": "blog"}, "not one of the choices"),
    ],
)
async def test_invocations_that_discord_would_refuse_fail_the_test(
    world: World, bot: ThrowawayBot, name: str, options: dict[str, object], problem: str
) -> None:
    """Invoking an unsynced command or passing bad options raises AssertionError."""
    with pytest.raises(AssertionError, match=problem):
        await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, name, options)


async def test_out_of_range_integer_fails_the_test(world: World, bot: ThrowawayBot) -> None:
    """An integer outside the synced min/max raises AssertionError."""
    att = world.fake.add_attachment("a.txt", b"a")
    with pytest.raises(AssertionError, match="above max_value"):
        await world.fake.invoke_slash_command(
            world.guild, world.channel, world.alice, "upload", {"file": att, "title": "x", "copies": 4}
        )


async def test_prefix_command_is_silent_without_message_content(world: World, bot: ThrowawayBot) -> None:
    """Without the MESSAGE_CONTENT intent the bot receives blank content and '!echo' gets no reply."""
    await world.fake.send_user_message(world.guild, world.channel, world.alice, "!echo hi")
    barrier = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "ping")
    await barrier.wait_for_final_message()
    assert bot.seen_contents == [""]
    assert [m["content"] for m in world.fake.messages_in(world.channel)] == ["!echo hi", "pong"]


async def test_prefix_command_replies_with_message_content(world: World) -> None:
    """With the MESSAGE_CONTENT intent '!echo hi' is answered 'hi'."""
    intents = discord.Intents.default()
    intents.message_content = True
    client = ThrowawayBot(world.guild.id, late_by=0, intents=intents)
    async with harness.start_client(client, world.fake.token):
        await world.fake.send_user_message(world.guild, world.channel, world.alice, "!echo hi")
        reply = await world.fake.wait_for(lambda: world.fake.messages_in(world.channel)[1:], what="the echo")
    assert reply[0]["content"] == "hi"
    assert world.fake.identify is not None
    assert world.fake.identify["intents"] & Intent.MESSAGE_CONTENT


async def test_privileged_intent_not_enabled_stops_startup(errors: harness.ErrorCapture) -> None:
    """A client asking for a privileged intent the portal does not allow fails with PrivilegedIntentsRequired."""
    async with harness.fake_discord(errors, enabled_intents=0) as server:
        guild = server.add_guild("g")
        intents = discord.Intents.default()
        intents.message_content = True
        client = ThrowawayBot(guild.id, late_by=0, intents=intents)
        with pytest.raises(discord.PrivilegedIntentsRequired, match="requesting privileged intents"):
            async with harness.start_client(client, server.token):
                pass


async def test_wrong_token_is_refused(errors: harness.ErrorCapture) -> None:
    """Logging in with another token raises LoginFailure (401)."""
    async with harness.fake_discord(errors) as server:
        guild = server.add_guild("g")
        client = ThrowawayBot(guild.id, late_by=0)
        with pytest.raises(discord.LoginFailure, match="Improper token"):
            async with harness.start_client(client, server.token[:-2] + "xx"):
                pass


async def test_dropped_connection_resumes_and_replays(world: World) -> None:
    """After the gateway drops, the client RESUMEs and still gets a message posted meanwhile."""
    intents = discord.Intents.default()
    intents.message_content = True
    client = ThrowawayBot(world.guild.id, late_by=0, intents=intents)
    async with harness.start_client(client, world.fake.token):
        await world.fake.drop_connections()
        await world.fake.send_user_message(world.guild, world.channel, world.alice, "!echo back")
        await world.fake.wait_for(lambda: world.fake.resumes, what="a RESUME")
        reply = await world.fake.wait_for(lambda: world.fake.messages_in(world.channel)[1:], what="the echo")
    assert reply[0]["content"] == "back"
    assert len(world.fake.identifies) == 1
    assert [c["compress"] for c in world.fake.gateway_connections] == ["zlib-stream", "zlib-stream"]


async def test_rate_limited_send_is_retried(world: World, bot: ThrowawayBot) -> None:
    """A forced 429 on sending is retried by the client and the message appears once."""
    world.fake.force_429("/channels/{channel}/messages", retry_after=0.01, method="POST")
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("hello")
    assert [m["content"] for m in world.fake.messages_in(world.channel)] == ["hello"]
    assert [r.status for r in world.fake.requests_to("POST", "/channels/{channel}/messages")] == [429, 200]


async def test_wait_for_fails_at_once_on_a_logged_error(
    world: World, bot: ThrowawayBot, errors: harness.ErrorCapture
) -> None:
    """A command that raises makes wait_for fail immediately instead of timing out."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "boom")
    with pytest.raises(AssertionError, match="boom"):
        await world.fake.wait_for(lambda: False, timeout=5, what="nothing")
    assert loop.time() - started < 2
    errors.expect("boom")


async def test_unknown_route_gets_discords_404(fake: FakeDiscord) -> None:
    """A route the fake lacks answers Discord's 404 JSON with an exact application/json type and is recorded."""
    async with aiohttp.ClientSession() as session, session.get(fake.api_base + "/nope") as response:
        assert response.headers["Content-Type"] == "application/json"
        assert (response.status, await response.json()) == (404, {"message": "404: Not Found", "code": 0})
    assert [r.path for r in fake.unhandled] == ["/nope"]
    fake.unhandled.clear()


async def test_loopback_guard_blocks_other_hosts() -> None:
    """The loopback guard raises before any request leaves for a non-loopback host."""
    async with aiohttp.ClientSession(trace_configs=[harness.loopback_guard()]) as session:
        with pytest.raises(RuntimeError, match="only the fake Discord"):
            await session.get("http://discord.com/api/v10/users/@me")


async def test_channel_added_after_connect_reaches_the_bot(world: World, bot: ThrowawayBot) -> None:
    """A channel created while connected is dispatched as CHANNEL_CREATE and cached by the bot."""
    channel = world.fake.add_text_channel(world.guild, "late-channel")
    await world.fake.gateway_barrier()
    assert bot.get_channel(channel.id) is not None


async def test_button_click_updates_the_message(world: World, bot: ThrowawayBot) -> None:
    """Clicking Agree edits the public message in place to '1 agree'."""
    rec = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "vote")
    message = await rec.wait_for_final_message()
    click = await world.fake.click_component(message, world.mod, "agree")
    assert (await click.wait_for_response())["type"] == CallbackType.UPDATE_MESSAGE
    assert [m["content"] for m in world.fake.messages_in(world.channel)] == ["1 agree"]


async def test_modal_submit_reaches_the_bot(world: World, bot: ThrowawayBot) -> None:
    """/feedback opens a form; submitting it gets a private thank-you quoting the answer."""
    rec = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "feedback")
    assert (await rec.wait_for_response())["type"] == CallbackType.MODAL
    submit = await world.fake.submit_modal(rec, {"opinion": "pause"})
    message = await submit.wait_for_final_message()
    assert (message["content"], submit.ephemeral) == ("thanks: pause", True)


async def test_thread_from_a_reply_holds_the_rules(world: World, bot: ThrowawayBot) -> None:
    """/debate opens a thread on its reply (same id) and the rules are posted inside it."""
    rec = await world.fake.invoke_slash_command(
        world.guild, world.channel, world.alice, "debate", {"topic": "Pause AI?"}
    )
    reply = await rec.wait_for_final_message()
    [thread] = await world.fake.wait_for(lambda: world.fake.threads_in(world.channel), what="a thread")
    rules = await world.fake.wait_for(lambda: world.fake.messages_in(thread), what="the rules")
    assert (thread.id, thread.name) == (int(reply["id"]), "Pause AI?")
    assert [m["content"] for m in rules] == ["Rules: be civil."]


# ---------------------------------------------------------------------------------------------------------------------
# Debates: forum posts, thread edits, member actions, message commands, outages


class RebutModal(discord.ui.Modal, title="Rebut"):
    """A form for a rebuttal of the message it was opened on."""

    rebuttal: discord.ui.TextInput[RebutModal] = discord.ui.TextInput(label="Rebuttal", custom_id="rebuttal")

    def __init__(self, target: discord.Message) -> None:
        super().__init__()
        self.target = target

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Defer, then post the rebuttal next to the content it rebuts."""
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"{self.target.content!r} rebutted: {self.rebuttal.value}")


class DebateBot(commands.Bot):
    """Records what reaches it; has the 'Rebut argument' message command, which opens a modal."""

    def __init__(self, guild_id: int, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(command_prefix="!", intents=intents, **harness.client_options())
        self.guild_object = discord.Object(guild_id)
        self.seen: list[discord.Message] = []
        self.events: list[tuple[str, object]] = []

        @self.tree.context_menu(name="Rebut argument", guild=self.guild_object)
        async def rebut(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_modal(RebutModal(message))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s wait before re-IDENTIFYing: the fake has no IDENTIFY rate limit."""

    async def setup_hook(self) -> None:
        """Sync the message command to the test guild."""
        await self.tree.sync(guild=self.guild_object)

    async def on_message(self, message: discord.Message) -> None:
        """Record every message another user posted."""
        if message.author != self.user:
            self.seen.append(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Record an edit with the new content."""
        self.events.append(("edit", payload.message.content))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Record a deletion by message id."""
        self.events.append(("delete", payload.message_id))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Record an added reaction: emoji, reactor id and name, and the message's author id."""
        name = payload.member.name if payload.member else None
        self.events.append(("react", (str(payload.emoji), payload.user_id, name, payload.message_author_id)))

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Record a removed reaction: emoji and reactor id."""
        self.events.append(("unreact", (str(payload.emoji), payload.user_id)))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """Record a new thread by id."""
        self.events.append(("thread", thread.id))

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        """Record a thread's new name, locked and archived state."""
        self.events.append(("thread_update", (after.name, after.locked, after.archived)))

    async def on_guild_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        """Record a channel update by channel id."""
        self.events.append(("channel_update", after.id))


def events_of(bot: DebateBot, kind: str) -> list[object]:
    return [value for k, value in bot.events if k == kind]


@dataclass
class Debate:
    """A guild with a forum (Pro and Con tags), #general, a member (alice) and a moderator (Manage Threads)."""

    fake: FakeDiscord
    guild: FakeGuild
    forum: FakeChannel
    channel: FakeChannel
    alice: FakeMember
    mod: FakeMember


@pytest.fixture
def debate(fake: FakeDiscord) -> Debate:
    guild = fake.add_guild("Pause Debate")
    forum = fake.add_forum_channel(guild, "debates")
    channel = fake.add_text_channel(guild, "general")
    alice = fake.add_member(guild, "alice")
    mod = fake.add_member(guild, "mod", permissions=Perm.MANAGE_THREADS)
    return Debate(fake, guild, forum, channel, alice, mod)


@pytest.fixture
async def debate_bot(debate: Debate) -> AsyncIterator[DebateBot]:
    client = DebateBot(debate.guild.id)
    async with harness.start_client(client, debate.fake.token):
        yield client


async def open_post(bot: DebateBot, debate: Debate, name: str, tag: str) -> discord.Thread:
    forum = bot.get_channel(debate.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    [applied] = [t for t in forum.available_tags if t.name == tag]
    thread, _ = await forum.create_thread(name=name, content=f"{tag} arguments go here", applied_tags=[applied])
    return thread


async def test_forum_post_is_a_tagged_thread_with_its_starter_message(debate: Debate, debate_bot: DebateBot) -> None:
    """A forum post is a thread whose starter message has its id; tags edits reach the bot; perms are enforced."""
    fake = debate.fake
    forum = debate_bot.get_channel(debate.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    assert [t.name for t in forum.available_tags] == ["Pro", "Con"]
    [pro] = [t for t in forum.available_tags if t.name == "Pro"]
    thread, starter = await forum.create_thread(name="Pro", content="Pro arguments go here", applied_tags=[pro])
    assert thread.id == starter.id
    assert thread.parent_id == debate.forum.id
    assert thread.applied_tags == [pro]
    [stored] = fake.threads_in(debate.forum)
    assert (stored.type, stored.applied_tags, stored.owner_id) == (11, [debate.forum.tag_id("Pro")], fake.bot_id)
    assert [m["id"] for m in fake.messages_in(stored)] == [str(thread.id)]
    await fake.wait_for(lambda: thread.id in events_of(debate_bot, "thread"), what="on_thread_create")

    await forum.edit(available_tags=[*forum.available_tags, discord.ForumTag(name="Verdict")])
    assert [t["name"] for t in debate.forum.available_tags] == ["Pro", "Con", "Verdict"]
    assert all(isinstance(t["id"], int) for t in debate.forum.available_tags)
    await fake.wait_for(lambda: len(forum.available_tags) == 3, what="CHANNEL_UPDATE with the new tag")

    fake.set_bot_permissions(debate.guild, Perm.EVERYONE_DEFAULT)  # no Manage Channels any more
    with pytest.raises(discord.Forbidden, match="Missing Permissions") as refused:
        await forum.edit(available_tags=[])
    assert refused.value.code == 50013
    fake.set_permission_overwrite(debate.forum, fake.bot_member(debate.guild), deny=Perm.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden, match="Missing Permissions"):
        await forum.create_thread(name="Con", content="no")
    assert len(fake.threads_in(debate.forum)) == 1


async def test_add_guild_bot_permissions_apply_to_thread_routes(fake: FakeDiscord) -> None:
    """A guild added with limited bot permissions refuses forum posts and thread creation with 50013."""
    guild = fake.add_guild("Locked down", bot_permissions=0, everyone_permissions=Perm.VIEW_CHANNEL)
    forum = fake.add_forum_channel(guild, "debates", tags=())
    channel = fake.add_text_channel(guild, "general")
    client = DebateBot(guild.id)
    async with harness.start_client(client, fake.token):
        discord_forum = client.get_channel(forum.id)
        discord_channel = client.get_channel(channel.id)
        assert isinstance(discord_forum, discord.ForumChannel)
        assert list(discord_forum.available_tags) == []
        assert isinstance(discord_channel, discord.TextChannel)
        with pytest.raises(discord.Forbidden, match="Missing Permissions"):
            await discord_forum.create_thread(name="x", content="y")
        with pytest.raises(discord.Forbidden, match="Missing Permissions"):
            await discord_channel.create_thread(name="x", type=discord.ChannelType.public_thread)
    assert fake.threads_in(forum) == fake.threads_in(channel) == []


async def test_thread_edits_lock_rename_tag_and_archive(debate: Debate, debate_bot: DebateBot) -> None:
    """PATCH on a thread changes its state and fires THREAD_UPDATE; a locked thread refuses members' posts."""
    fake = debate.fake
    thread = await open_post(debate_bot, debate, "Pro", "Pro")
    [stored] = fake.threads_in(debate.forum)
    await fake.send_user_message(debate.guild, stored, debate.alice, "first argument")

    forum = debate_bot.get_channel(debate.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    con = forum.get_tag(debate.forum.tag_id("Con"))
    assert con is not None
    thread = await thread.edit(locked=True, name="Pro (closed)", applied_tags=[con], auto_archive_duration=60)
    assert (stored.locked, stored.name, stored.applied_tags, stored.auto_archive_duration) == (
        True,
        "Pro (closed)",
        [con.id],
        60,
    )
    await fake.wait_for(
        lambda: ("Pro (closed)", True, False) in events_of(debate_bot, "thread_update"), what="THREAD_UPDATE"
    )
    with pytest.raises(ActionRefused, match="Thread is locked") as refused:
        await fake.send_user_message(debate.guild, stored, debate.alice, "too late")
    assert refused.value.code == 160005
    await fake.send_user_message(debate.guild, stored, debate.mod, "moderator note")  # Manage Threads may post
    assert [m["content"] for m in fake.messages_in(stored)] == [
        "Pro arguments go here",
        "first argument",
        "moderator note",
    ]

    await thread.edit(archived=True)
    fetched = await debate_bot.fetch_channel(thread.id)
    assert isinstance(fetched, discord.Thread)
    assert fetched.archived
    assert fetched.locked
    assert fake.active_threads(debate.guild) == []
    assert [t.id async for t in forum.archived_threads()] == [thread.id]

    # Members' permissions in a thread are the parent's.
    other = await open_post(debate_bot, debate, "Con", "Con")
    fake.set_permission_overwrite(debate.forum, debate.alice, deny=Perm.SEND_MESSAGES_IN_THREADS)
    with pytest.raises(ActionRefused, match="Missing Permissions") as refused:
        await fake.send_user_message(debate.guild, fake.channels[other.id], debate.alice, "hi")
    assert refused.value.code == 50013
    assert [t.id for t in await forum.guild.active_threads()] == [other.id]
    await other.join()

    fake.set_bot_permissions(debate.guild, Perm.EVERYONE_DEFAULT)  # no Manage Threads: cannot lock
    with pytest.raises(discord.Forbidden, match="Missing Permissions"):
        await other.edit(locked=True)
    assert not fake.channels[other.id].locked


async def claim_and_reply(debate: Debate) -> tuple[dict[str, Any], dict[str, Any]]:
    """Post alice's 'Pause now' in #general and mod's 'Why?' replying to it; return both messages."""
    claim = await debate.fake.send_user_message(debate.guild, debate.channel, debate.alice, "Pause now")
    reply = await debate.fake.send_user_message(debate.guild, debate.channel, debate.mod, "Why?", reply_to=claim)
    return claim, reply


async def test_member_reply_references_the_message_it_answers(debate: Debate, debate_bot: DebateBot) -> None:
    """A member's reply carries a reference to the message it answers, in the payload and as the bot resolves it."""
    claim, reply = await claim_and_reply(debate)
    assert (reply["type"], reply["message_reference"]["message_id"]) == (19, claim["id"])
    assert reply["referenced_message"]["content"] == "Pause now"
    [_, answer] = await debate.fake.wait_for(lambda: debate_bot.seen[1:] and debate_bot.seen, what="both messages")
    assert answer.type is discord.MessageType.reply
    assert answer.reference is not None
    assert answer.reference.message_id == int(claim["id"])
    assert isinstance(answer.reference.resolved, discord.Message)
    assert answer.reference.resolved.content == "Pause now"


async def test_member_edit_reaches_the_bot_and_shows_in_history(debate: Debate, debate_bot: DebateBot) -> None:
    """A member's edit fires MESSAGE_UPDATE, and history shows the new content, marked as edited."""
    fake = debate.fake
    claim, _ = await claim_and_reply(debate)
    await fake.edit_user_message(claim, "Pause now, please")
    await fake.wait_for(lambda: ("edit", "Pause now, please") in debate_bot.events, what="MESSAGE_UPDATE")
    assert claim["edited_timestamp"] is not None
    text_channel = debate_bot.get_channel(debate.channel.id)
    assert isinstance(text_channel, discord.TextChannel)
    history = [m async for m in text_channel.history()]
    assert [m.content for m in history] == ["Why?", "Pause now, please"]
    assert history[1].edited_at is not None


async def test_member_delete_reaches_the_bot_and_leaves_history(debate: Debate, debate_bot: DebateBot) -> None:
    """A member's deletion fires MESSAGE_DELETE, and the message is gone from the channel."""
    fake = debate.fake
    _, reply = await claim_and_reply(debate)
    await fake.delete_user_message(reply)
    await fake.wait_for(lambda: ("delete", int(reply["id"])) in debate_bot.events, what="MESSAGE_DELETE")
    assert [m["content"] for m in fake.messages_in(debate.channel)] == ["Pause now"]


async def test_member_and_bot_reactions_reach_the_bot_and_show_on_the_message(
    debate: Debate, debate_bot: DebateBot
) -> None:
    """Reactions count once per user, reach the bot when added or removed, and show on the fetched message."""
    fake, alice, mod = debate.fake, debate.alice, debate.mod
    claim, _ = await claim_and_reply(debate)
    text_channel = debate_bot.get_channel(debate.channel.id)
    assert isinstance(text_channel, discord.TextChannel)
    await fake.add_reaction(claim, alice, "👍")
    await fake.add_reaction(claim, alice, "👍")  # a second time changes nothing
    await fake.add_reaction(claim, mod, "👎")
    await fake.remove_reaction(claim, mod, "👎")
    bot_message = await text_channel.fetch_message(int(claim["id"]))
    await bot_message.add_reaction("✅")
    assert fake.reactions_on(claim) == {"👍": {alice.id}, "✅": {fake.bot_id}}
    fetched = await text_channel.fetch_message(int(claim["id"]))
    assert [(str(r.emoji), r.count, r.me) for r in fetched.reactions] == [("👍", 1, False), ("✅", 1, True)]
    await bot_message.remove_reaction("✅", discord.Object(fake.bot_id))
    assert fake.reactions_on(claim) == {"👍": {alice.id}}
    await fake.wait_for(lambda: len(events_of(debate_bot, "unreact")) == 2, what="both reaction removals")
    assert events_of(debate_bot, "react") == [
        ("👍", alice.id, "alice", alice.id),
        ("👎", mod.id, "mod", alice.id),
        ("✅", fake.bot_id, debate_bot.user.name if debate_bot.user else None, alice.id),
    ]
    assert events_of(debate_bot, "unreact") == [("👎", mod.id), ("✅", fake.bot_id)]
    assert [u.id async for u in fetched.reactions[0].users()] == [alice.id]
    await bot_message.remove_reaction("👍", discord.Object(alice.id))  # the bot has Manage Messages
    assert fake.reactions_on(claim) == {}


async def test_reply_to_the_bot_carries_content_without_message_content(debate: Debate) -> None:
    """Without MESSAGE_CONTENT the bot sees a reply that pings it, not other messages."""
    client = DebateBot(debate.guild.id, message_content=False)
    async with harness.start_client(client, debate.fake.token):
        channel = client.get_channel(debate.channel.id)
        assert isinstance(channel, discord.TextChannel)
        own = await channel.send("Motion: pause AI")
        stored = debate.fake.find_message(own.id)
        assert stored is not None
        await debate.fake.send_user_message(debate.guild, debate.channel, debate.alice, "unrelated")
        await debate.fake.send_user_message(debate.guild, debate.channel, debate.alice, "I object", reply_to=own.id)
        await debate.fake.wait_for(lambda: len(client.seen) == 2, what="both messages")
    assert [m.content for m in client.seen] == ["", "I object"]


async def test_message_command_opens_a_modal_whose_submit_is_answered(debate: Debate) -> None:
    """'Rebut argument' (type 3) in a forum post: the target's content arrives without the intent; its modal works."""
    fake = debate.fake
    client = DebateBot(debate.guild.id, message_content=False)
    async with harness.start_client(client, fake.token):
        [menu] = fake.commands[debate.guild.id]
        assert (menu["type"], menu["name"], menu["description"], menu["options"]) == (3, "Rebut argument", "", [])
        thread = fake.channels[(await open_post(client, debate, "Con", "Con")).id]
        target = await fake.send_user_message(debate.guild, thread, debate.alice, "AI is safe")
        rec = await fake.invoke_message_command(debate.guild, thread, debate.mod, "Rebut argument", target)
        assert rec.payload["data"]["target_id"] == target["id"]
        assert (await rec.wait_for_response())["type"] == CallbackType.MODAL
        submit = await fake.submit_modal(rec, {"rebuttal": "Not yet"})
        message = await submit.wait_for_final_message()
        assert submit.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
        assert message["content"] == "'AI is safe' rebutted: Not yet"
        assert message["interaction_metadata"]["triggering_interaction_metadata"]["target_message_id"] == target["id"]
        assert fake.messages_in(thread)[-1] is message
        with pytest.raises(AssertionError, match="not a synced message command"):
            await fake.invoke_message_command(debate.guild, thread, debate.mod, "Rebut", target)


@pytest.mark.parametrize("how", ["close 4009", "INVALID_SESSION"])
async def test_non_resumable_outage_reidentifies_and_misses_events(
    debate: Debate, debate_bot: DebateBot, how: str
) -> None:
    """After close 4009 or op 9 the client IDENTIFIEs again: fresh READY + GUILD_CREATE (threads), no replay."""
    fake = debate.fake
    thread = await open_post(debate_bot, debate, "Pro", "Pro")
    await thread.edit(locked=True)
    if how == "close 4009":
        fake.drop_connections(4009)
    else:
        fake.invalidate_sessions()
    missed = await fake.send_user_message(debate.guild, debate.channel, debate.alice, "said while it was away")
    await fake.wait_for(lambda: len(fake.identifies) == 2 and fake.connected, what="a second IDENTIFY")
    await fake.gateway_barrier()
    await fake.send_user_message(debate.guild, debate.channel, debate.alice, "said after")
    await fake.wait_for(lambda: debate_bot.seen, what="the message after the reconnect")
    assert [m.content for m in debate_bot.seen] == ["said after"]
    assert {"op": 9, "d": False} in fake.gateway_sent
    assert len(fake.resumes) == (1 if how == "close 4009" else 0)  # a RESUME is tried after a close, and refused
    assert sum(1 for f in fake.gateway_sent if f.get("t") == "READY") == 2
    known = debate_bot.get_guild(debate.guild.id)
    assert known is not None
    cached = known.get_thread(thread.id)
    assert cached is not None
    assert cached.locked  # from the new GUILD_CREATE's threads
    channel = debate_bot.get_channel(debate.channel.id)
    assert isinstance(channel, discord.TextChannel)
    assert [m.content async for m in channel.history(limit=5)] == ["said after", missed["content"]]


async def test_messages_posted_while_the_bot_is_down_are_only_in_history(debate: Debate) -> None:
    """A member posts in a thread while no client is connected; the next client sees it only through history."""
    fake = debate.fake
    first = DebateBot(debate.guild.id)
    async with harness.start_client(first, fake.token):
        thread = await open_post(first, debate, "Con", "Con")
    await fake.wait_for(lambda: not fake.connected, what="the bot to be gone")
    stored = fake.channels[thread.id]
    posted = [await fake.send_user_message(debate.guild, stored, debate.alice, f"argument {i}") for i in range(3)]
    second = DebateBot(debate.guild.id)
    async with harness.start_client(second, fake.token):
        await fake.gateway_barrier()
        assert second.seen == []
        known = second.get_channel(thread.id)
        assert isinstance(known, discord.Thread)
        caught_up = [m.content async for m in known.history(after=discord.Object(thread.id), oldest_first=True)]
        assert caught_up == ["argument 0", "argument 1", "argument 2"]
        raw = await second.http.request(
            discord.http.Route("GET", "/channels/{channel_id}/messages", channel_id=thread.id),
            params={"after": thread.id, "limit": 2},
        )
    assert [m["id"] for m in raw] == [posted[1]["id"], posted[0]["id"]]  # newest first, right after `after`


async def test_button_on_a_plain_channel_message(debate: Debate, debate_bot: DebateBot) -> None:
    """A view sent with channel.send (not an interaction) answers clicks by editing the message."""
    channel = debate_bot.get_channel(debate.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("0 agree", view=VoteView())
    [message] = debate.fake.messages_in(debate.channel)
    for expected in ("1 agree", "2 agree"):
        click = await debate.fake.click_component(message, debate.alice, "agree")
        assert (await click.wait_for_response())["type"] == CallbackType.UPDATE_MESSAGE
        assert message["content"] == expected
        assert message["id"] == str(sent.id)
    assert not message["flags"] & MessageFlag.EPHEMERAL
