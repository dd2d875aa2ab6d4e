"""Cruxes through the fake Discord: members declare stances, vote and mark cruxes; /cruxes and the crux threads."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.interface.bot import CruxBot
from tests.e2e.conftest import MEMBER_PERMISSIONS, World, debate_threads, start_debate
from tests.e2e.hinge_helpers import EPHEMERAL, assert_links_resolve, buttons, press
from tests.e2e.test_debates import CON_POINT, PRO_POINT, post, settled
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember

MENU = "Would change my mind"
# Written for these tests, in our own words.
DOUBLE = (
    "If labs published their training compute every quarter, a pause would be far easier to check than people fear."
)
COMMON = "Whatever we decide, governments need far better visibility into what the frontier labs are building."


@dataclass
class Camps:
    """Four members who declared for the motion and four who declared against it."""

    pro: list[FakeMember]
    con: list[FakeMember]


async def declare(fake: FakeDiscord, world: World, member: FakeMember, label: str) -> None:
    """Declare a stance as a member through /stance and its buttons."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, member, "stance", {})
    await press(fake, await rec.wait_for_final_message(), member, label)


async def react_all(fake: FakeDiscord, message: dict, members: list[FakeMember], emoji: str) -> None:
    """React to a message with one emoji as each member."""
    for member in members:
        await fake.add_reaction(message, member, emoji)


async def mark(fake: FakeDiscord, world: World, thread: FakeChannel, member: FakeMember, message: dict) -> str:
    """Use Would change my mind on a message as a member and return what they are told."""
    rec = await fake.invoke_message_command(world.guild, thread, member, MENU, message)
    response = (await rec.wait_for_response())["data"]
    assert response["flags"] & EPHEMERAL
    return response["content"]


async def cruxes_as(fake: FakeDiscord, world: World, member: FakeMember) -> dict:
    """Run /cruxes as a member and return what they see."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, member, "cruxes", {})
    return await rec.wait_for_final_message()


@pytest.fixture
async def camps(fake: FakeDiscord, world: World, crux: CruxBot) -> Camps:
    """Add four members for the motion and four against it, each declared through /stance."""
    pro = [fake.add_member(world.guild, f"pro{n}", permissions=MEMBER_PERMISSIONS.value) for n in range(4)]
    con = [fake.add_member(world.guild, f"con{n}", permissions=MEMBER_PERMISSIONS.value) for n in range(4)]
    await fake.gateway_barrier()
    for member in pro:
        await declare(fake, world, member, "For")
    for member in con:
        await declare(fake, world, member, "Strongly against")
    return Camps(pro, con)


@pytest.fixture
async def planted(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], camps: Camps
) -> dict[str, dict]:
    """Plant a divisive argument (#1), a double crux (#2) and common ground (#3), with votes and marks."""
    divisive = await post(fake, world, debate["con"], world.member, CON_POINT)
    double = await post(fake, world, debate["pro"], world.moderator, DOUBLE)
    common = await post(fake, world, debate["pro"], world.member, COMMON)
    await react_all(fake, divisive, camps.con, "👍")
    await react_all(fake, divisive, camps.pro, "👎")
    await react_all(fake, common, camps.pro + camps.con, "👍")
    await fake.gateway_barrier()
    await mark(fake, world, debate["pro"], camps.pro[0], double)
    await mark(fake, world, debate["pro"], camps.con[0], double)
    await settled(crux)
    return {"divisive": divisive, "double": double, "common": common}


async def test_marking_says_who_marked_and_toggles(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], camps: Camps
) -> None:
    """A Pro member's mark is counted for Pro; a Con member's makes it a double crux; marking again takes it off."""
    target = await post(fake, world, debate["pro"], world.moderator, DOUBLE)
    first = await mark(fake, world, debate["pro"], camps.pro[0], target)
    assert first.startswith("🎯 Marked [#1](")
    assert "Marked by Pro 1 · Con 0." in first
    second = await mark(fake, world, debate["pro"], camps.con[0], target)
    assert "Marked by Pro 1 · Con 1 — a **double crux**" in second
    again = await mark(fake, world, debate["pro"], camps.pro[0], target)
    assert again.startswith("Took your mark off [#1](")
    assert_links_resolve(fake, first + second + again)


async def test_a_member_without_a_stance_is_told_their_mark_counts_later(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Marking before saying where you stand works, and says the mark counts for a side once /stance is used."""
    target = await post(fake, world, debate["pro"], world.moderator, DOUBLE)
    told = await mark(fake, world, debate["pro"], world.member, target)
    assert "use `/stance`" in told


async def test_your_own_argument_cannot_be_your_crux(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Would change my mind on your own argument is refused."""
    mine = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    assert "#1 is your own argument" in await mark(fake, world, debate["pro"], world.member, mine)


async def test_cruxes_lists_double_cruxes_then_splits_with_working_links(
    fake: FakeDiscord, world: World, crux: CruxBot, planted: dict[str, dict]
) -> None:
    """/cruxes puts the double crux first, then the argument the sides split on, never the common ground."""
    shown = await cruxes_as(fake, world, world.member)
    assert shown["flags"] & EPHEMERAL
    text = shown["embeds"][0]["description"]
    # The declared camps, Mo (posted on Pro) and not Alice, who posted once on each side.
    assert text.startswith("Debate 1: 5 Pro and 4 Con members with a stance; 1 argument marked")
    first, second = text.split("**1. ")[1].split("**2. ")
    assert first.startswith("🎯 Double crux** · [#2](")
    assert "Would change minds: Pro 1 · Con 1" in first
    assert "🟢 stands" in first
    assert second.startswith("⚖️ Splits the sides** · [#1](")
    assert "Votes: Pro 👍0 👎4 · Con 👍4 👎0" in second
    assert "[#3](" not in text, "common ground is not a crux"
    assert_links_resolve(fake, text)
    debate_map = crux.services.debates.map(crux.services.debates.store.all_debates()[-1])
    suggested = [c for c in debate_map.citations if c.argument_id == debate_map.arguments[0].id]
    assert suggested, "the library has a passage on verifying a pause"
    assert f"📚 suggested: **{suggested[0].document_title}**" in second, "the excerpt suggested for #1 is listed"
    assert buttons(shown) == {}, "members get no thread buttons"


async def test_a_moderator_opens_a_thread_about_a_crux(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], planted: dict[str, dict]
) -> None:
    """A moderator gets a thread button per crux; it opens a thread seeded with the crux, its answers and sources."""
    shown = await cruxes_as(fake, world, world.moderator)
    assert list(buttons(shown)) == ["Thread for #2", "Thread for #1"]
    refused = await fake.click_component(shown, world.member, buttons(shown)["Thread for #1"]["custom_id"])
    assert "Manage Threads" in (await refused.wait_for_response())["data"]["content"]

    opened = await fake.click_component(shown, world.moderator, buttons(shown)["Thread for #1"]["custom_id"])
    told = await opened.wait_for_final_message()
    (thread,) = [t for t in fake.threads_in(world.channel) if t.name.startswith("Crux #1")]
    assert told["content"] == f"Opened <#{thread.id}> about crux #1."
    seed = "\n".join(m["content"] for m in fake.messages_in(thread))
    assert seed.startswith("## Crux: #1 of debate 1")
    assert "The sides split on it: Pro 👍0 👎4 · Con 👍4 👎0." in seed
    assert "**Strongest attacks**" in seed
    assert all(m["mentions"] == [] for m in fake.messages_in(thread))
    assert_links_resolve(fake, seed)


async def test_in_a_forum_the_crux_thread_is_a_new_post(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """For a forum debate, the crux thread is a new post in the forum, opening with the double crux."""
    forum = fake.add_forum_channel(world.guild, "debates")
    pro, con = (fake.add_member(world.guild, name, permissions=MEMBER_PERMISSIONS.value) for name in ("pia", "cole"))
    await fake.gateway_barrier()
    await start_debate(fake, world, forum)
    posts = debate_threads(fake, forum)
    await declare(fake, world, pro, "For")
    await declare(fake, world, con, "Against")
    target = await post(fake, world, posts["pro"], world.moderator, DOUBLE)
    await mark(fake, world, posts["pro"], pro, target)
    await mark(fake, world, posts["pro"], con, target)
    shown = await cruxes_as(fake, world, world.moderator)
    opened = await fake.click_component(shown, world.moderator, buttons(shown)["Thread for #1"]["custom_id"])
    await opened.wait_for_final_message()
    (crux_post,) = [t for t in fake.threads_in(forum) if t.name.startswith("Crux #1")]
    starter = fake.messages_in(crux_post)[0]
    assert starter["content"].startswith("## Crux: #1 of debate 1")
    assert "a double crux" in starter["content"]


async def test_no_cruxes_yet_says_what_would_make_one(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """With nothing marked or split, /cruxes explains how cruxes appear."""
    await post(fake, world, debate["pro"], world.member, PRO_POINT)
    shown = await cruxes_as(fake, world, world.member)
    assert shown["content"].startswith("No cruxes in debate 1 yet")
    assert "Would change my mind" in shown["content"]
