"""Self-tests of the fake Discord, driving a throwaway discord.py bot through it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from . import harness
from .fake_discord import CallbackType, FakeChannel, FakeDiscord, FakeGuild, FakeMember, Intent, MessageFlag, Perm

errors = harness.errors

SOURCES = ["pause-debate.pdf", "paul-notes.txt", "other.md"]


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.count = 0

    @discord.ui.button(label="Agree", custom_id="agree")
    async def agree(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"{self.count} agree", view=self)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    opinion: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Opinion", custom_id="opinion")

    async def on_submit(self, interaction: discord.Interaction) -> None:
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
        await self.tree.sync(guild=self.guild_object)

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            self.seen_contents.append(message.content)
        await self.process_commands(message)


@dataclass
class World:
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
    assert rec.ephemeral and message["flags"] & MessageFlag.EPHEMERAL
    assert world.fake.messages_in(world.channel) == []


async def test_deferred_command_ends_with_its_followup(world: World, bot: ThrowawayBot) -> None:
    """/slow shows 'thinking…' privately, then the followup replaces it."""
    rec = await world.fake.invoke_slash_command(world.guild, world.channel, world.alice, "slow")
    message = await rec.wait_for_final_message()
    assert rec.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
    assert message["content"] == "done"
    assert rec.ephemeral and not message["flags"] & MessageFlag.LOADING
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
    assert world.fake.identify is not None and world.fake.identify["intents"] & Intent.MESSAGE_CONTENT


async def test_privileged_intent_not_enabled_stops_startup(errors: harness.ErrorCapture) -> None:
    """A client asking for a privileged intent the portal does not allow fails with PrivilegedIntentsRequired."""
    async with harness.fake_discord(errors, enabled_intents=0) as server:
        guild = server.add_guild("g")
        intents = discord.Intents.default()
        intents.message_content = True
        client = ThrowawayBot(guild.id, late_by=0, intents=intents)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with harness.start_client(client, server.token):
                pass


async def test_wrong_token_is_refused(errors: harness.ErrorCapture) -> None:
    """Logging in with another token raises LoginFailure (401)."""
    async with harness.fake_discord(errors) as server:
        guild = server.add_guild("g")
        client = ThrowawayBot(guild.id, late_by=0)
        with pytest.raises(discord.LoginFailure):
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
