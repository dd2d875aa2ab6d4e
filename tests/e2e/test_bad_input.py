"""Hostile input through the fake Discord: crafted PDFs, search syntax and masked links get a clear, safe answer."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from bot.interface.bot import CruxBot
from tests.e2e.conftest import MEMBER_PERMISSIONS, World, launch_crux_run, open_debate, run_env
from tests.e2e.test_debates import CON_POINT, post, settled
from tests.e2e.test_sources import final_text
from tests.fake_discord import FakeDiscord
from tests.sources.test_pdfs import GOOD, MALFORMED, text_bomb
from tests.sources.test_query_syntax import SYNTAX

MESSAGE = 4
APOLOGY = "Sorry, something went wrong"
# A masked link Discord would render: [text](url) with no backslash before either bracket.
LIVE_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(\s*<?\s*https?:", re.IGNORECASE)
LINK = "[official results](https://evil.example/login)"


def assert_no_live_link(text: str) -> None:
    """Fail if the text holds a masked link that Discord would show as a link."""
    assert not LIVE_MASKED_LINK.search(text), text
    assert "](http" not in text.replace("\\](http", ""), text


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        (
            "filter.pdf",
            MALFORMED["unsupported filter"],
            "could not be read as a PDF (Unsupported filter /NoSuchDecode)",
        ),
        ("bomb.pdf", MALFORMED["decompression bomb"], "could not be read as a PDF (it passes a safety limit"),
        ("columns.pdf", MALFORMED["predictor with absurd columns"], "could not be read as a PDF ("),
        ("expands.pdf", text_bomb(50_000), "has more than 1,000,000 characters of text"),
    ],
    ids=["unsupported filter", "decompression bomb", "absurd predictor", "text past the limit"],
)
async def test_crafted_pdfs_are_refused_with_their_reason(
    fake: FakeDiscord, world: World, crux: CruxBot, filename: str, data: bytes, expected: str
) -> None:
    """A moderator's crafted PDF is answered privately with why it cannot be read, and the library is unchanged."""
    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources add", {"file": fake.add_attachment(filename, data)}
    )
    _, text = await final_text(rec)
    assert rec.ephemeral
    assert f"`{filename}` " in text
    assert expected in text
    assert APOLOGY not in text
    assert len(crux.services.library.documents()) == 5


@pytest.mark.parametrize(
    "query",
    [
        *SYNTAX,
        "pause \udcff",
        "\ud83d why pause",
        "pause\x00verification",
        "pause\x85",
        "why " * 1500,
        '") OR 1=1 -- NEAR(a b) col:* ^',
    ],
)
async def test_any_query_gets_results_or_one_clear_message(
    fake: FakeDiscord, world: World, crux: CruxBot, query: str
) -> None:
    """Search syntax, control characters, lone surrogates and 6,000 characters give excerpts or a BadQuery message."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "source", {"query": query})
    message, text = await final_text(rec)
    if not message["embeds"]:
        assert "control characters or broken Unicode" in text or "keep it under 400" in text, text
    assert rec.ephemeral
    assert APOLOGY not in text


async def test_source_header_shows_a_masked_link_as_typed(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """A masked link in a query is echoed inside quotes as the member typed it, never as a live link in Crux's voice."""
    query = f"is a pause verifiable? see {LINK} and [more](http://evil.example/2)"
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "source", {"query": query})
    message, _ = await final_text(rec)
    header = message["content"]
    assert header.startswith("Sources for “is a pause verifiable? see ")
    assert "\\[official results\\]" in header
    assert_no_live_link(header)
    for embed in message["embeds"]:
        assert_no_live_link(embed["description"])


async def test_masked_links_in_a_document_are_not_live_in_excerpts(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """A document whose text and title hold masked links is listed and quoted with the links shown as typed."""
    note = (
        f"# Verification {LINK}\n\n"
        f"Inspectors could verify a pause by auditing electricity use at large data centres, says {LINK}, "
        "and [another](https://evil.example/3) site agrees that such runs are very hard to hide from anyone.\n"
    ).encode()
    added = await fake.invoke_slash_command(
        world.guild, world.channel, world.moderator, "sources add", {"file": fake.add_attachment("links.md", note)}
    )
    _, text = await final_text(added)
    assert "is now source #6" in text
    assert_no_live_link(text)

    rec = await fake.invoke_slash_command(
        world.guild, world.channel, world.member, "source", {"query": "auditing electricity use at data centres"}
    )
    message, _ = await final_text(rec)
    quoted = [e["description"] for e in message["embeds"] if "electricity" in e["description"]]
    assert quoted
    for description in quoted:
        assert_no_live_link(description)

    listing = await fake.invoke_slash_command(world.guild, world.channel, world.member, "sources list")
    _, text = await final_text(listing)
    assert "official results" in text
    assert_no_live_link(text)


async def test_cite_refusal_shows_a_linked_display_name_as_typed(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """'Only <name>, who wrote #1' names an author whose display name is a masked link without making it a link."""
    author = fake.add_member(world.guild, "mallory", permissions=MEMBER_PERMISSIONS.value)
    author.user.global_name = LINK
    await fake.gateway_barrier()
    threads = await open_debate(fake, world)
    message = await post(fake, world, threads["con"], author, CON_POINT)
    await settled(crux)
    (reply,) = [
        m
        for m in fake.messages_in(threads["con"])
        if (m.get("message_reference") or {}).get("message_id") == message["id"]
    ]
    button = reply["components"][0]["components"][0]["custom_id"]
    refused = await fake.click_component(reply, world.member, button)
    text = (await refused.wait_for_response())["data"]["content"]
    assert text.startswith("Only \\[official results\\]")
    assert "who wrote #1" in text
    assert_no_live_link(text)


async def test_crux_run_starts_with_a_bad_pdf_in_the_sources_folder(
    fake: FakeDiscord, world: World, seeded_db: Path, tmp_path: Path
) -> None:
    """`crux run` with crafted PDFs in CRUX_SOURCES_DIR logs them as rejected, adds the rest, and answers /source."""
    db = tmp_path / "crux.db"
    shutil.copy(seeded_db, db)
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "a-filter.pdf").write_bytes(MALFORMED["unsupported filter"])
    (folder / "b-bomb.pdf").write_bytes(MALFORMED["decompression bomb"])
    (folder / "c-good.pdf").write_bytes(GOOD)
    env = run_env(fake, world, db, CRUX_SOURCES_DIR=str(folder))
    process = await launch_crux_run(fake, world, env, tmp_path)
    try:
        rec = await fake.invoke_slash_command(
            world.guild, world.channel, world.member, "source", {"query": "what would a pause give safety research?"}
        )
        message, _ = await final_text(rec)
        assert len(message["embeds"]) == 3
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert "Traceback" not in log
    assert "a-filter.pdf: `a-filter.pdf` could not be read as a PDF (Unsupported filter /NoSuchDecode)." in log
    assert "b-bomb.pdf: `b-bomb.pdf` could not be read as a PDF (it passes a safety limit" in log
    assert re.search(r"added +\S*c-good\.pdf -> #6", log), log
