"""Replies typed by what they say, through the fake Discord: attacks, supports, plain replies and Set reply relation."""

from __future__ import annotations

import pytest

from bot.interface.bot import CruxBot
from tests.e2e.conftest import MEMBER_PERMISSIONS, World
from tests.e2e.hinge_helpers import EPHEMERAL, assert_links_resolve, buttons, press
from tests.e2e.test_cruxes import declare
from tests.e2e.test_debates import CON_POINT, PRO_POINT, map_of, post
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember

MENU = "Set reply relation"
# Written for these tests, in our own words.
PLAIN = "Data centres of that size show up in satellite images and in the local grid's load figures."
QUESTION = "Who exactly would run the inspections, and would China let them in?"


def reply_links(crux: CruxBot) -> list[tuple[str, str, str, str]]:
    """Return the stored links as (source #, target #, relation, method)."""
    debate_map = map_of(crux)
    numbers = {a.id: a.label for a in debate_map.arguments}
    return [(numbers[x.source_id], numbers[x.target_id], x.relation, x.method) for x in debate_map.links]


@pytest.fixture
async def bob(fake: FakeDiscord, world: World, crux: CruxBot) -> FakeMember:
    """Add Bob, a member who argues against the motion."""
    member = fake.add_member(world.guild, "bob", permissions=MEMBER_PERMISSIONS.value)
    await fake.gateway_barrier()
    return member


async def test_a_cross_side_reply_is_recorded_as_an_attack(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """Bob, who stands against the motion, replies in the Pro thread without a cue: it is an attack, shown ➖."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await declare(fake, world, bob, "Against")
    await post(fake, world, debate["pro"], bob, PLAIN, reply_to=target)
    assert reply_links(crux) == [("#2", "#1", "attacks", "reply")]
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map show", {})
    page = (await rec.wait_for_final_message())["embeds"][0]["description"].splitlines()
    assert page[1].lstrip("\u2003").startswith("➖ [#2](")


async def test_a_disagreeing_reply_attacks_even_from_the_same_thread(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """A reply opening "No," is an attack whoever writes it; before, every reply was recorded as a support."""
    target = await post(fake, world, debate["con"], world.member, CON_POINT)
    await post(
        fake, world, debate["con"], bob, "No, satellites and power bills would give secret runs away.", reply_to=target
    )
    assert reply_links(crux) == [("#2", "#1", "attacks", "reply")]


async def test_an_unclear_reply_is_a_plain_reply_shown_with_a_return_arrow(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """A question in reply is recorded as responds_to, nested under its target in /map show with ↩."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], bob, QUESTION, reply_to=target)
    assert reply_links(crux) == [("#2", "#1", "responds_to", "reply")]
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map show", {})
    message = await rec.wait_for_final_message()
    assert "1 ↩ replies" in message["content"]
    page = message["embeds"][0]["description"].splitlines()
    assert page[1].lstrip("\u2003").startswith("↩ [#2](")


async def test_the_author_sets_the_relation_in_two_clicks(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """Set reply relation shows how the reply is recorded; its author's click on Attacks stores it as theirs."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    mine = await post(fake, world, debate["pro"], bob, QUESTION, reply_to=target)
    menu = await fake.invoke_message_command(world.guild, debate["pro"], bob, MENU, mine)
    card = await menu.wait_for_final_message()
    assert card["flags"] & EPHEMERAL
    assert "It **responds to** #1 (proposed by Crux" in card["content"]
    assert list(buttons(card)) == ["Supports", "Attacks", "Responds to"]
    assert buttons(card)["Responds to"]["disabled"] is True
    assert_links_resolve(fake, card["content"])
    card = await press(fake, card, bob, "Attacks")
    assert "Saved: it **attacks** #1 (set by its author)." in card["content"]
    assert reply_links(crux) == [("#2", "#1", "attacks", "author")]


async def test_others_are_refused_and_a_moderator_may_set_it(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """Alice cannot retype Bob's reply; Mo, a moderator, can, and it is stored as a moderator's choice."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    theirs = await post(fake, world, debate["pro"], bob, QUESTION, reply_to=target)
    refused = await fake.invoke_message_command(world.guild, debate["pro"], world.member, MENU, theirs)
    assert "Only Bob, who wrote #2, or a moderator" in (await refused.wait_for_response())["data"]["content"]

    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.moderator, MENU, theirs)
    card = await press(fake, await menu.wait_for_final_message(), world.moderator, "Supports")
    assert "Saved: it **supports** #1 (set by a moderator)." in card["content"]
    assert reply_links(crux) == [("#2", "#1", "supports", "moderator")]
    # …and counted as labelled data for the reply benchmark.
    (labelled,) = crux.services.hinges.hinges.labelled_replies()
    assert (labelled.reply.number, labelled.link.relation, labelled.link.method) == (2, "supports", "moderator")


async def test_a_message_that_replies_to_nothing_is_refused(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Set reply relation on an argument that is not a reply says what the menu is for."""
    lone = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.member, MENU, lone)
    assert "not a reply to an argument" in (await menu.wait_for_response())["data"]["content"]
