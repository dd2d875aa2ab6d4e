"""/summary, /attention and /map image, driven as moderators and members would through the fake Discord."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from bot.interface.bot import CruxBot
from tests.e2e.conftest import World, open_debate
from tests.e2e.test_debates import (
    CON_POINT,
    PRO_BACKING,
    PRO_POINT,
    REBUTTAL,
    map_of,
    post,
    settled,
)
from tests.fake_discord import FakeChannel, FakeDiscord

EPHEMERAL = 64
LINK = re.compile(r"\]\((https://discord\.com/channels/[0-9]+/([0-9]+)(?:/([0-9]+))?)\)")


@pytest.fixture
async def argued(fake: FakeDiscord, world: World, crux: CruxBot) -> dict[str, FakeChannel]:
    """Open a debate with a claim, a support, a cross-side rebuttal and a con point, analysed."""
    threads = await open_debate(fake, world)
    claim = await post(fake, world, threads["pro"], world.member, PRO_POINT)
    await post(fake, world, threads["pro"], world.moderator, PRO_BACKING, reply_to=claim)
    await post(fake, world, threads["con"], world.moderator, CON_POINT)
    menu = await fake.invoke_message_command(world.guild, threads["pro"], world.moderator, "Rebut argument", claim)
    await menu.wait_for_response()
    await (await fake.submit_modal(menu, {"text": REBUTTAL})).wait_for_final_message()
    await fake.add_reaction(claim, world.moderator, "👍")
    await fake.gateway_barrier()
    await settled(crux)
    return threads


async def test_summary_is_private_and_every_link_resolves(
    fake: FakeDiscord, world: World, crux: CruxBot, argued: dict[str, FakeChannel]
) -> None:
    """/summary shows the digest only to the asker, and every link in it opens a message or thread that exists."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "summary", {})
    message = await rec.wait_for_final_message()
    assert message["flags"] & EPHEMERAL
    digest = message["embeds"][0]["description"]
    assert "Labs are racing each other" in digest
    links = LINK.findall(digest)
    assert links
    for _url, channel_id, message_id in links:
        if message_id:
            assert fake.find_message(int(message_id)) is not None, f"{_url} points at no message"
        else:
            assert int(channel_id) in fake.channels, f"{_url} points at no channel"


async def test_public_summary_needs_manage_threads(
    fake: FakeDiscord, world: World, crux: CruxBot, argued: dict[str, FakeChannel]
) -> None:
    """A member cannot post the summary for everyone; a moderator can."""
    refused = await fake.invoke_slash_command(world.guild, world.channel, world.member, "summary", {"public": True})
    assert "Manage Threads" in (await refused.wait_for_response())["data"]["content"]
    posted = await fake.invoke_slash_command(world.guild, world.channel, world.moderator, "summary", {"public": True})
    message = await posted.wait_for_final_message()
    assert not message["flags"] & EPHEMERAL


@pytest.fixture
async def attention(
    fake: FakeDiscord,
    world: World,
    crux: CruxBot,
    argued: dict[str, FakeChannel],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """Repeat the con point as #5, then return the moderator's /attention answer (attacks count as open at once)."""
    monkeypatch.setattr("bot.debates.attention.OPEN_ATTACK_AFTER", timedelta(0))
    await post(fake, world, argued["con"], world.member, CON_POINT.replace("cannot", "can not") + "!")
    await settled(crux)
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.moderator, "attention", {})
    return await rec.wait_for_final_message()


def merge_button(message: dict[str, Any]) -> dict[str, Any]:
    """Return the /attention answer's button that merges #5 into #3."""
    return next(c for row in message["components"] for c in row["components"] if c.get("label") == "Merge #5 into #3")


async def test_attention_lists_open_attacks(attention: dict[str, Any]) -> None:
    """/attention lists the rebuttal nobody answered, linking it and the argument it attacks."""
    queue = attention["embeds"][0]["description"]
    assert "Attacks nobody answered" in queue
    assert "[#4](" in queue
    assert "attacks [#1](" in queue


async def test_attention_lists_duplicate_candidates(attention: dict[str, Any]) -> None:
    """/attention lists the repeated point as a duplicate candidate of the argument it may repeat."""
    queue = attention["embeds"][0]["description"]
    assert "Duplicate candidates" in queue
    assert "[#5](" in queue
    assert "may repeat [#3](" in queue


async def test_attention_merge_button_merges_the_repeat(
    fake: FakeDiscord, world: World, crux: CruxBot, attention: dict[str, Any]
) -> None:
    """A moderator's click on Merge folds #5 into #3 in one click and reports it in the mod log."""
    modlog = fake.add_text_channel(world.guild, "mod-log")
    await fake.gateway_barrier()
    crux.services.moderation.audit.set_modlog_channel(world.guild.id, modlog.id)
    merged = await fake.click_component(attention, world.moderator, merge_button(attention)["custom_id"])
    assert "Merged #5 into #3" in (await merged.wait_for_response())["data"]["content"]
    assert [a.label for a in map_of(crux).arguments if a.side == "con"] == ["#3", "#4"]
    (report,) = fake.messages_in(modlog)
    assert report["embeds"][0]["title"] == "Merge · debate 1"


async def test_attention_merge_button_is_for_moderators(
    fake: FakeDiscord, world: World, crux: CruxBot, attention: dict[str, Any]
) -> None:
    """A member without Manage Threads who clicks Merge is refused, and nothing is merged."""
    refused = await fake.click_component(attention, world.member, merge_button(attention)["custom_id"])
    assert "Manage Threads" in (await refused.wait_for_response())["data"]["content"]
    assert [a.label for a in map_of(crux).arguments if a.side == "con"] == ["#3", "#4", "#5"]


async def test_attention_is_for_moderators(fake: FakeDiscord, world: World, crux: CruxBot, argued) -> None:
    """A member without Manage Threads is refused /attention."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "attention", {})
    assert "You need the **Manage Threads** permission" in (await rec.wait_for_response())["data"]["content"]


async def test_map_image_is_a_png_of_the_whole_map(
    fake: FakeDiscord, world: World, crux: CruxBot, argued: dict[str, FakeChannel]
) -> None:
    """/map image attaches a PNG that draws every argument and link, and says how many."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map image", {})
    message = await rec.wait_for_final_message()
    assert "4 arguments and 2 links drawn" in message["content"]
    (upload,) = [f for r in fake.requests if "/webhooks/" in r.path for f in r.files]
    assert upload.filename == "debate-1-map.png"
    picture = Image.open(io.BytesIO(upload.data))
    assert picture.format == "PNG"
    assert picture.width >= 400
    assert picture.height >= 200


async def test_map_image_of_a_subtree_and_a_bad_root(
    fake: FakeDiscord, world: World, crux: CruxBot, argued: dict[str, FakeChannel]
) -> None:
    """root: draws only the part under an argument; a number that does not exist is explained."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map image", {"root": 1})
    assert "3 arguments and 2 links drawn" in (await rec.wait_for_final_message())["content"]
    bad = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map image", {"root": 42})
    assert "#42" in (await bad.wait_for_final_message())["content"]


async def test_summary_of_a_long_debate_is_paged_and_attached_in_full(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """On a debate of 600 arguments /summary answers within Discord's limits: pages to turn and the whole digest."""
    threads = await open_debate(fake, world)
    store = crux.services.debates.store
    debate = store.all_debates()[-1]
    previous = None
    for i in range(600):
        side = "pro" if i % 2 == 0 else "con"
        argument = store.add_argument(
            debate_id=debate.id,
            side=side,
            kind="argument",
            origin="message",
            author_id=1000 + i % 40,
            author_name=f"member{i % 40}",
            thread_id=threads[side].id,
            message_id=threads[side].id + 1 + i,
            jump_url=f"https://discord.com/channels/{world.guild.id}/{threads[side].id}/{threads[side].id + 1 + i}",
            text=f"Point {i}: " + ("verification of compute is hard " if side == "con" else "a pause buys time ") * 6,
            posted_at=datetime(2026, 11, 1 + i % 20, 10, i % 60, tzinfo=UTC),
        )
        if previous is not None and previous.side != side:
            store.link(argument, previous, "attacks", "context_menu", argument.author_id)
        previous = argument
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.moderator, "summary", {})
    message = await rec.wait_for_final_message(timeout=30)
    assert len(message["embeds"][0]["description"]) <= 4096
    labels = [c.get("label") for row in message["components"] for c in row["components"]]
    assert labels == ["◀", "▶"]
    (upload,) = [f for r in fake.requests if "/webhooks/" in r.path for f in r.files]
    assert upload.filename == "debate-1-summary.md"
    digest = upload.data.decode()
    assert len(digest) > 4096
    assert "300 arguments by 20 members" in digest
    assert "599 attacks" in digest
