"""/source and /sources, driven as a member would through the fake Discord."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

import discord
import numpy as np
import pytest

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.interface.bot import CruxBot
from bot.sources.documents import MAX_DOCUMENT_BYTES
from bot.sources.library import Library
from tests.e2e.conftest import World, build_bot, launch_crux_run, run_env
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import start_client

DEFERRED = 5
ANSWERED = 4  # CHANNEL_MESSAGE_WITH_SOURCE: the answer is the response itself
MESSAGE = 4
EPHEMERAL = 64

# Written for these tests: a short document on a point the seed articles do not cover.
COMPUTE_NOTE = (
    b"Compute thresholds as a trigger\n\n"
    b"One way to make a pause checkable is to count the chips. Training a frontier model takes tens of thousands "
    b"of accelerators running for months, and data centres that large are hard to hide from satellites and power "
    b"grids. A treaty could require that any training run above a stated amount of computation be registered "
    b"with an international body before it starts.\n\n"
    b"Critics answer that algorithms keep getting more efficient, so a fixed compute threshold would catch less "
    b"every year and would need regular revision by the same body."
)

MORATORIUM_NOTE = (
    b"# A moratorium on giant training runs\n\nA server's own note: a moratorium on giant training runs would need "
    b"chip registries, audits of data centres and a treaty body able to inspect them on short notice.\n"
)


async def final_text(rec, timeout: float = 10.0) -> tuple[dict, str]:  # noqa: ASYNC109
    """Wait for what the member finally sees and return the message with its content and embed text joined."""
    message = await rec.wait_for_final_message(timeout)
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("footer") or {}).get("text", "")]
    return message, "\n".join(parts)


def sent_allowed_mentions(fake: FakeDiscord) -> list:
    """Return the allowed_mentions of every message body the bot sent through an interaction."""
    bodies = [r.json for r in fake.requests if r.method == "POST" and "/webhooks/" in r.path and r.json]
    bodies += [r.json.get("data") or {} for r in fake.requests if r.path.endswith("/callback") and r.json]
    return [b.get("allowed_mentions") for b in bodies if "content" in b or "embeds" in b]


async def test_commands_are_synced_to_the_configured_server(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """At start Crux registers /source and /sources (list, add, remove) in CRUX_GUILD_ID, described, none global."""
    commands = {c["name"]: c for c in fake.commands[world.guild.id]}
    assert {"source", "sources"} <= commands.keys()
    assert not fake.commands.get(None)
    assert {o["name"] for o in commands["sources"]["options"]} == {"list", "add", "remove"}
    options = commands["source"]["options"]
    assert [o["name"] for o in options] == ["query", "count", "public"]
    assert all(o["description"] for o in options)
    count = next(o for o in options if o["name"] == "count")
    assert (count["min_value"], count["max_value"]) == (1, 5)


async def test_source_answers_privately_with_excerpt_embeds(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """/source answers at once, in one response, with three excerpts only the asker sees, best sentences in bold."""
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.member, "source", {"query": "how could anyone verify that labs paused?"}
    )
    response = await rec.wait_for_response()
    assert response["type"] == ANSWERED
    assert not rec.followups
    assert rec.ephemeral
    message, text = await final_text(rec)
    assert message["flags"] & EPHEMERAL
    embeds = message["embeds"]
    assert len(embeds) == 3
    titles = {d.title for d in crux.services.library.documents()}
    for embed in embeds:
        assert embed["title"] in titles
        assert embed["description"].count("**") >= 2, "the best sentence is bold"
        assert embed["footer"]["text"].startswith("Paragraph ")
    assert "verif" in text.lower()


async def test_source_count_and_public(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """count:5 public:true posts five excerpts for everyone in the channel."""
    rec = await fake.invoke_slash_command(
        world.guild,
        world.channel,
        world.member,
        "source",
        {"query": "who objects to a pause", "count": 5, "public": True},
    )
    message, _ = await final_text(rec)
    assert not message["flags"] & EPHEMERAL
    assert len(message["embeds"]) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("   ", "query is empty"),
        ("why " * 150, "keep it under 400"),
        ("pause\x00\x01 verify", "control characters"),
    ],
    ids=["whitespace", "too-long", "binary"],
)
async def test_bad_queries_get_a_private_explanation(
    fake: FakeDiscord, world: World, crux: CruxBot, query: str, expected: str
) -> None:
    """An empty, over-long or binary query is refused at once, ephemerally, saying what to do."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "source", {"query": query})
    response = await rec.wait_for_response()
    assert response["type"] == MESSAGE
    assert rec.ephemeral
    assert expected in response["data"]["content"]


async def test_echoed_text_never_pings(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """A query containing @everyone and a user mention is echoed with every mention disabled."""
    query = f"@everyone <@{world.member.id}> is a pause verifiable?"
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "source", {"query": query})
    await rec.wait_for_final_message()
    mentions = sent_allowed_mentions(fake)
    assert mentions
    assert all(m == {"parse": []} for m in mentions), mentions


async def test_source_on_an_empty_library_says_how_to_fill_it(
    fake: FakeDiscord, world: World, tmp_path, real_embedder
) -> None:
    """With no documents, /source explains that a moderator can add some with /sources add."""
    library = Library(SourceStore(open_database(tmp_path / "empty.db")), real_embedder)
    bot = build_bot(fake, world, library)
    async with start_client(bot, fake.token):
        rec = await fake.invoke_slash_command(
            world.guild, world.channel, world.member, "source", {"query": "why pause"}
        )
        _, text = await final_text(rec)
    assert rec.ephemeral
    assert "library is empty" in text
    assert "/sources add" in text


async def test_sources_list_shows_every_document(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """/sources list shows each document's number and title."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "sources list")
    _, text = await final_text(rec)
    for document in crux.services.library.documents():
        assert f"#{document.id}" in text
        assert f"**#{document.id}** {discord.utils.escape_markdown(document.title)}" in text
    assert "5 documents" in text


async def test_sources_list_marks_shared_and_this_servers_documents(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """A document added in the server is listed as this server's; the operator's are listed as shared."""
    attachment = fake.add_attachment("compute-thresholds.md", COMPUTE_NOTE)
    added = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources add", {"file": attachment}
    )
    await added.wait_for_final_message()
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "sources list")
    _, text = await final_text(rec)
    lines = [line for line in text.splitlines() if line.startswith("**#")]
    assert len(lines) == 6
    assert sum(line.endswith("· shared") for line in lines) == 5
    assert lines[-1].endswith("· this server's")
    own = crux.services.library.documents(world.guild.id)[-1]
    assert own.guild_id == world.guild.id


async def test_moderator_adds_a_document_and_it_is_searchable(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """A moderator's attachment becomes a source at once: the reply names it, and /source finds its text."""
    attachment = fake.add_attachment("compute-thresholds.md", COMPUTE_NOTE)
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources add", {"file": attachment}
    )
    _, text = await final_text(rec)
    assert rec.ephemeral
    assert "**Compute thresholds as a trigger** is now source #6" in text

    rec = await fake.invoke_slash_command(
        world.guild,
        world.channel,
        world.member,
        "source",
        {"query": "would a compute threshold for training runs work?"},
    )
    message, _ = await final_text(rec)
    assert message["embeds"][0]["title"] == "Compute thresholds as a trigger"

    again = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources add", {"file": attachment}
    )
    _, text = await final_text(again)
    assert "already in the library as source #6" in text


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("slides.pptx", b"PK\x03\x04 not a document", "not a supported document"),
        ("empty.txt", b"   \n\n  ", "has no text in it"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        ("huge.txt", b"a" * (MAX_DOCUMENT_BYTES + 1), "over the 5 MiB limit"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "could not be read as a PDF"),
    ],
    ids=["unsupported", "empty", "binary", "too-large", "corrupt-pdf"],
)
async def test_bad_attachments_are_refused_and_nothing_is_lost(
    fake: FakeDiscord, world: World, crux: CruxBot, filename: str, data: bytes, expected: str
) -> None:
    """An unusable attachment gets a specific private message, and the library keeps its five documents."""
    attachment = fake.add_attachment(filename, data)
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources add", {"file": attachment}
    )
    _, text = await final_text(rec)
    assert rec.ephemeral
    assert expected in text
    assert len(crux.services.library.documents()) == 5
    assert len(crux.services.library.index) == sum(d.excerpt_count for d in crux.services.library.documents())


@pytest.mark.parametrize("command", ["sources add", "sources remove"])
async def test_members_without_manage_server_are_refused(
    fake: FakeDiscord, world: World, crux: CruxBot, command: str
) -> None:
    """Without Manage Server, adding or removing is refused by Crux itself and the library is untouched."""
    options = {"file": fake.add_attachment("note.txt", COMPUTE_NOTE)} if command == "sources add" else {"source": "1"}
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, command, options)
    response = await rec.wait_for_response()
    assert response["type"] == MESSAGE
    assert rec.ephemeral
    assert "You need the **Manage Server** permission" in response["data"]["content"]
    assert [d.id for d in crux.services.library.documents()] == [1, 2, 3, 4, 5]


async def test_remove_offers_titles_and_removes_the_chosen_one(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """Typing part of a title offers this server's documents; choosing one removes it from the library and search."""
    library = crux.services.library
    own = library.add("moratorium.md", MORATORIUM_NOTE, "mo", guild_id=world.guild.id).document
    choices = await fake.autocomplete(
        world.guild, world.channel, world.moderator, "sources remove", {"source": "moratorium"}, focused="source"
    )
    assert [c["name"] for c in choices] == [f"#{own.id} A moratorium on giant training runs"]
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources remove", {"source": choices[0]["value"]}
    )
    _, text = await final_text(rec)
    assert f"Removed **A moratorium on giant training runs** (source #{own.id})" in text
    assert [d.id for d in library.documents(world.guild.id)] == [1, 2, 3, 4, 5]
    hits = library.search("moratorium on giant training runs", k=5, guild_id=world.guild.id)
    assert all(hit.excerpt.document_id != own.id for hit in hits)


async def test_the_shared_library_cannot_be_removed_from_a_server(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """A shared document is not offered for removal, and naming it says only the operator changes it."""
    choices = await fake.autocomplete(
        world.guild, world.channel, world.moderator, "sources remove", {"source": "controversial"}, focused="source"
    )
    assert choices == []
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources remove", {"source": "5"}
    )
    _, text = await final_text(rec)
    assert "Source #5 is in the shared library, which only the bot's operator changes" in text
    assert len(crux.services.library.documents()) == 5


async def test_removing_an_unknown_source_says_so(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """A typed value that is no source gets a private message pointing at the list."""
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources remove", {"source": "99"}
    )
    _, text = await final_text(rec)
    assert "There is no source #99" in text
    assert len(crux.services.library.documents()) == 5


async def test_an_unexpected_failure_apologises_and_logs_the_trace(
    fake: FakeDiscord, world: World, crux: CruxBot, errors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug inside a command gives the member an apology, and its traceback reaches the log."""

    def broken(*args, **kwargs):
        raise RuntimeError("search index exploded")

    monkeypatch.setattr(crux.services.library, "search", broken)
    errors.expect("search index exploded")
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "source", {"query": "why pause"})
    _, text = await final_text(rec)
    assert "Sorry, something went wrong" in text
    assert rec.ephemeral


class GatedEmbedder:
    """Wraps the real model; query encoding blocks until the test opens the gate, like a cold or busy model."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.gate = threading.Event()

    def load(self) -> None:
        """Nothing to load beyond the inner model."""

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Wait for the gate (at most 30 s), then encode."""
        self.gate.wait(30)
        return self.inner.encode(texts, progress)


async def test_slow_encoding_neither_misses_the_deadline_nor_blocks_the_bot(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """While a query's encoding is stuck, /source has already deferred and other commands are still answered."""
    gated = GatedEmbedder(crux.services.library.embedder)
    crux.services.library.embedder = gated
    try:
        slow = await fake.invoke_slash_command(
            world.guild, world.channel, world.member, "source", {"query": "why pause"}
        )
        assert (await slow.wait_for_response())["type"] == DEFERRED
        other = await fake.invoke_slash_command(world.guild, world.channel, world.member, "sources list")
        await other.wait_for_final_message()
        assert slow.final_message is None, "the slow search is still running"
    finally:
        gated.gate.set()
    message, _ = await final_text(slow)
    assert len(message["embeds"]) == 3
    assert not slow.late


async def test_source_before_the_library_is_ready_waits_then_answers(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """Just after a start (library still loading), /source defers, /sources list answers at once, then /source does."""
    library = crux.services.library
    library.ready.clear()
    try:
        early = await fake.invoke_slash_command(
            world.guild, world.channel, world.member, "source", {"query": "how could anyone verify that labs paused?"}
        )
        assert (await early.wait_for_response())["type"] == DEFERRED
        listing = await fake.invoke_slash_command(world.guild, world.channel, world.member, "sources list")
        await listing.wait_for_final_message()
        await fake.gateway_barrier()  # a round trip: whatever Crux could answer meanwhile, it has
        assert early.final_message is None, "/source waits for the library"
    finally:
        library.ready.set()
    message, text = await final_text(early)
    assert len(message["embeds"]) == 3
    assert "verif" in text.lower()
    assert not early.late


async def test_crux_run_process_answers_source(fake: FakeDiscord, world: World, seeded_db, tmp_path) -> None:
    """`crux run` as its own process, pointed at the fake by environment variables, answers /source."""
    import shutil

    db = tmp_path / "crux.db"
    shutil.copy(seeded_db, db)
    env = run_env(fake, world, db)
    process = await launch_crux_run(fake, world, env, tmp_path)
    try:
        rec = await fake.invoke_slash_command(
            world.guild, world.channel, world.member, "source", {"query": "what would a pause give safety research?"}
        )
        # The model loads in the background after connecting: about 8 s here, longer on a busy machine.
        message, _ = await final_text(rec, timeout=60)
        assert len(message["embeds"]) == 3
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert "Traceback" not in log
    assert fake.token not in log
