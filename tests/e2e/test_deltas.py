"""Changed minds (Δ) through the fake Discord: the menu and its form, the note, /deltas and /argument show."""

from __future__ import annotations

import pytest

from bot.interface.bot import CruxBot
from tests.e2e.conftest import MEMBER_PERMISSIONS, World
from tests.e2e.hinge_helpers import EPHEMERAL, MODAL, assert_links_resolve, buttons, press
from tests.e2e.test_debates import CON_POINT, PRO_POINT, post
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember
from tests.fake_discord.validation import _find_component

MENU = "Δ Changed my mind"
WHY = "I thought hidden training runs were easy, but the point about power contracts shows they are hard to hide."


@pytest.fixture
async def bob(fake: FakeDiscord, world: World, crux: CruxBot) -> FakeMember:
    """Add a third member, Bob, who argues in the debate."""
    member = fake.add_member(world.guild, "bob", permissions=MEMBER_PERMISSIONS.value)
    await fake.gateway_barrier()
    return member


async def give_delta(fake: FakeDiscord, world: World, thread: FakeChannel, member: FakeMember, target, text: str):
    """Use Δ Changed my mind on a message as a member and submit the form; return the submit's record."""
    menu = await fake.invoke_message_command(world.guild, thread, member, MENU, target)
    assert (await menu.wait_for_response())["type"] == MODAL
    return await fake.submit_modal(menu, {"explanation": text})


def notes_in(fake: FakeDiscord, thread: FakeChannel) -> list[dict]:
    """Return Crux's Δ notes in a thread."""
    return [m for m in fake.messages_in(thread) if m["content"].startswith("Δ ")]


async def noted(fake: FakeDiscord, thread: FakeChannel, count: int = 1) -> list[dict]:
    """Wait until Crux has posted `count` Δ notes in a thread, and return them."""
    await fake.wait_for(lambda: len(notes_in(fake, thread)) >= count, 5, f"{count} Δ note(s)")
    return notes_in(fake, thread)


async def test_a_delta_asks_why_notes_it_and_offers_a_new_stance(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """The form requires 50 characters; the Δ is noted under the argument without pinging, and a stance is offered."""
    target = await post(fake, world, debate["con"], bob, CON_POINT)
    menu = await fake.invoke_message_command(world.guild, debate["con"], world.member, MENU, target)
    form = (await menu.wait_for_response())["data"]
    assert _find_component(form["components"], "explanation")["min_length"] == 50
    submitted = await fake.submit_modal(menu, {"explanation": WHY})
    told = await submitted.wait_for_final_message()
    assert told["flags"] & EPHEMERAL
    assert told["content"].startswith("Δ recorded: [#1](")
    assert "by **Bob** changed your mind" in told["content"]
    assert "Has it moved where you stand?" in told["content"]
    assert "Against" in buttons(told)

    (note,) = await noted(fake, debate["con"])
    assert note["content"].startswith("Δ **Alice** says [#1](")
    assert "by **Bob** changed their mind" in note["content"]
    assert "power contracts" in note["content"]
    assert note["message_reference"]["message_id"] == target["id"]
    assert note["mentions"] == []
    assert note["allowed_mentions"]["parse"] == []
    assert_links_resolve(fake, note["content"])

    card = await press(fake, told, world.member, "Against")
    assert "Saved: you stand at 🔽 **Against**" in card["content"]


async def test_a_too_short_explanation_is_refused_clearly(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """Padding a few words with spaces past Discord's minimum is refused: at least 50 characters, nothing recorded."""
    target = await post(fake, world, debate["con"], bob, CON_POINT)
    submitted = await give_delta(fake, world, debate["con"], world.member, target, "Good point." + " " * 60)
    refused = (await submitted.wait_for_response())["data"]
    assert refused["flags"] & EPHEMERAL
    assert "at least 50 characters (you wrote 11)" in refused["content"]
    assert "Your Δ was not recorded" in refused["content"]
    assert notes_in(fake, debate["con"]) == []
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "deltas", {})
    assert "No Δ yet in debate 1" in (await rec.wait_for_final_message())["content"]


async def test_your_own_argument_cannot_get_your_delta(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Δ on your own argument is refused at once, with no form."""
    mine = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.member, MENU, mine)
    response = await menu.wait_for_response()
    assert response["type"] != MODAL
    assert "#1 is your own argument" in response["data"]["content"]
    assert response["data"]["flags"] & EPHEMERAL


async def test_a_second_delta_on_one_argument_is_refused(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """Alice's second Δ on Bob's argument is refused before the form opens; one note stays in the thread."""
    target = await post(fake, world, debate["con"], bob, CON_POINT)
    await (await give_delta(fake, world, debate["con"], world.member, target, WHY)).wait_for_final_message()
    await noted(fake, debate["con"])
    again = await fake.invoke_message_command(world.guild, debate["con"], world.member, MENU, target)
    assert "You already gave #1 a Δ" in (await again.wait_for_response())["data"]["content"]
    assert len(notes_in(fake, debate["con"])) == 1


async def test_deltas_lists_who_persuaded_whom_and_argument_show_counts(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], bob: FakeMember
) -> None:
    """/deltas names each Δ with a working link, ranks arguments by minds changed, counts per member."""
    con = await post(fake, world, debate["con"], bob, CON_POINT)
    pro = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await (await give_delta(fake, world, debate["con"], world.member, con, WHY)).wait_for_final_message()
    await (await give_delta(fake, world, debate["con"], world.moderator, con, WHY)).wait_for_final_message()
    await (await give_delta(fake, world, debate["pro"], bob, pro, WHY)).wait_for_final_message()
    await noted(fake, debate["con"], 2)
    await noted(fake, debate["pro"])

    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "deltas", {})
    shown = await rec.wait_for_final_message()
    assert shown["flags"] & EPHEMERAL
    text = shown["embeds"][0]["description"]
    assert text.startswith("**3 Δ** from 3 members on 2 arguments.")
    assert f"• <@{world.member.id}> ← [#1](" in text
    most = text.split("**Arguments that changed most minds**")[1].split("**Δ per member**")[0]
    assert most.index("Δ2") < most.index("Δ1")
    assert f"<@{bob.id}> Δ2 received, 1 given" in text
    assert len(assert_links_resolve(fake, text)) == 5

    show = await fake.invoke_slash_command(world.guild, world.channel, world.member, "argument show", {"number": 1})
    fields = {f["name"]: f["value"] for f in (await show.wait_for_final_message())["embeds"][0]["fields"]}
    assert fields["Changed minds"] == "Δ 2"
