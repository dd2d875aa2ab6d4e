"""Stances through the fake Discord: /stance and the opening posts' Where do you stand? button, as members use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.interface.bot import CruxBot
from bot.sources.library import Library
from tests.e2e.conftest import World, build_bot, debate_threads, start_debate
from tests.e2e.hinge_helpers import EPHEMERAL, buttons, press
from tests.e2e.test_debates import CON_POINT, post
from tests.fake_discord import FakeChannel, FakeDiscord
from tests.fake_discord.harness import start_client

SCALE_LABELS = ["Strongly against", "Against", "Unsure", "For", "Strongly for"]


async def stance_card(fake: FakeDiscord, world: World, channel: FakeChannel, member, options=None) -> dict[str, Any]:
    """Run /stance as a member and return the card they see."""
    rec = await fake.invoke_slash_command(world.guild, channel, member, "stance", options or {})
    return await rec.wait_for_final_message()


async def test_stance_shows_the_scale_and_saves_a_choice(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """/stance shows a private card with five buttons; pressing For saves it, says so, and marks For as current."""
    card = await stance_card(fake, world, world.channel, world.member)
    assert card["flags"] & EPHEMERAL
    assert "Where do you stand?" in card["content"]
    assert "You have not said where you stand" in card["content"]
    assert list(buttons(card)) == SCALE_LABELS

    card = await press(fake, card, world.member, "For")
    assert "Saved: you stand at 🔼 **For** (declared" in card["content"]
    assert buttons(card)["For"]["disabled"] is True
    assert not buttons(card)["Against"].get("disabled")
    again = await stance_card(fake, world, world.channel, world.member)
    assert "You stand at 🔼 **For** (declared" in again["content"]


async def test_a_stance_can_change_and_every_change_is_kept(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Changing from Against to Strongly for shows the new stance and the declarations so far, oldest first."""
    card = await stance_card(fake, world, debate["pro"], world.member)
    card = await press(fake, card, world.member, "Against")
    card = await press(fake, card, world.member, "Strongly for")
    assert "Saved: you stand at ⏫ **Strongly for**" in card["content"]
    history = next(line for line in card["content"].splitlines() if line.startswith("Your declarations:"))
    assert history.index("Against") < history.index("Strongly for")
    found = crux.services.debates.store.all_debates()[-1]
    assert [s.value for s in crux.services.hinges.history(found, world.member.id)] == [-1, 2]


async def test_an_undeclared_member_is_shown_an_inferred_stance(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """A member who only argued in the Con thread is told Crux infers 'Against', and that it is not declared."""
    await post(fake, world, debate["con"], world.member, CON_POINT)
    card = await stance_card(fake, world, debate["con"], world.member)
    assert "Crux reads you as 🔽 **Against**: *inferred*" in card["content"]
    assert not any(button.get("disabled") for button in buttons(card).values())


async def test_one_members_stance_is_not_anothers(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Alice declaring 'for' leaves the moderator's card saying they have not said where they stand."""
    card = await stance_card(fake, world, world.channel, world.member)
    await press(fake, card, world.member, "For")
    theirs = await stance_card(fake, world, world.channel, world.moderator)
    assert "You have not said where you stand" in theirs["content"]


async def test_opening_posts_ask_where_you_stand(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Each opening post has a Where do you stand? button; pressing it opens the member's own card for that debate."""
    for thread in debate.values():
        opening = fake.messages_in(thread)[0]
        assert "Where do you stand?" in buttons(opening)
    opening = fake.messages_in(debate["con"])[0]
    clicked = await fake.click_component(opening, world.member, buttons(opening)["Where do you stand?"]["custom_id"])
    card = await clicked.wait_for_final_message()
    assert card["flags"] & EPHEMERAL
    assert "Debate 1:" in card["content"]
    card = await press(fake, card, world.member, "Strongly against")
    assert "Saved: you stand at ⏬ **Strongly against**" in card["content"]
    assert len(fake.messages_in(debate["con"])) == 1, "nothing is posted in the thread"


async def test_a_forum_posts_button_names_its_own_debate(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """With two debates open, the button on the second debate's forum post opens the card for debate 2."""
    await start_debate(fake, world)
    forum = fake.add_forum_channel(world.guild, "debates")
    await fake.gateway_barrier()
    await start_debate(fake, world, forum, motion="Compute caps beat a pause")
    posts = debate_threads(fake, forum)
    opening = fake.messages_in(posts["pro"])[0]
    clicked = await fake.click_component(opening, world.member, buttons(opening)["Where do you stand?"]["custom_id"])
    card = await clicked.wait_for_final_message()
    assert "Debate 2: Compute caps beat a pause" in card["content"]


async def test_stance_buttons_work_after_a_restart(
    fake: FakeDiscord, world: World, seeded_library: Library, tmp_path: Path
) -> None:
    """The opening post's button and a card's buttons still answer after Crux restarts, and the stance was kept."""
    first = build_bot(fake, world, seeded_library)
    async with start_client(first, fake.token):
        await start_debate(fake, world)
        card = await stance_card(fake, world, world.channel, world.member)
        await press(fake, card, world.member, "For")
    threads = debate_threads(fake, world.channel)
    second = build_bot(fake, world, seeded_library)
    async with start_client(second, fake.token):
        opening = fake.messages_in(threads["pro"])[0]
        clicked = await fake.click_component(
            opening, world.member, buttons(opening)["Where do you stand?"]["custom_id"]
        )
        card = await clicked.wait_for_final_message()
        assert "You stand at 🔼 **For**" in card["content"]
        card = await press(fake, card, world.member, "Unsure")
        assert "Saved: you stand at 🤔 **Unsure**" in card["content"]
