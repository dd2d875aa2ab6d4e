"""/review through the fake Discord: one card at a time, the gaps of the member's side first, votes as reactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.interface.bot import CruxBot
from bot.sources.library import Library
from tests.e2e.conftest import MEMBER_PERMISSIONS, World, build_bot, open_debate
from tests.e2e.hinge_helpers import EPHEMERAL, assert_links_resolve, buttons, press
from tests.e2e.test_cruxes import declare
from tests.e2e.test_debates import CON_POINT, PRO_BACKING, PRO_POINT, map_of, post
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember
from tests.fake_discord.harness import start_client

CARD_BUTTONS = ["Agree", "Disagree", "Pass", "Would change my mind", "Next"]


async def review_as(fake: FakeDiscord, world: World, member: FakeMember) -> dict:
    """Run /review as a member and return the card they see."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, member, "review", {})
    return await rec.wait_for_final_message()


def shows(card: dict) -> str:
    """Return the label of the argument a card shows (#n), from its link line."""
    line = next(line for line in card["content"].splitlines() if line.startswith("[#"))
    return line[1 : line.index("]")]


def votes_on(crux: CruxBot, number: int) -> tuple[int, int]:
    """Return argument #number's 👍 and 👎 as stored."""
    debate_map = map_of(crux)
    argument = next(a for a in debate_map.arguments if a.number == number)
    votes = debate_map.votes.get(argument.id)
    return (votes.up, votes.down) if votes else (0, 0)


@pytest.fixture
async def reviewed(fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]) -> dict[str, dict]:
    """Mo argues #1 (Pro), Bob #2 (Con), Alice #3 (Pro); Alice and Pia declare For, and Pia 👍 #1."""
    bob = fake.add_member(world.guild, "bob", permissions=MEMBER_PERMISSIONS.value)
    pia = fake.add_member(world.guild, "pia", permissions=MEMBER_PERMISSIONS.value)
    await fake.gateway_barrier()
    first = await post(fake, world, debate["pro"], world.moderator, PRO_POINT)
    second = await post(fake, world, debate["con"], bob, CON_POINT)
    third = await post(fake, world, debate["pro"], world.member, PRO_BACKING)
    await declare(fake, world, world.member, "For")
    await declare(fake, world, pia, "For")
    await fake.add_reaction(first, pia, "👍")
    await fake.gateway_barrier()
    return {"first": first, "second": second, "third": third}


async def test_review_walks_the_member_through_what_their_side_has_not_voted_on(
    fake: FakeDiscord, world: World, crux: CruxBot, reviewed: dict[str, dict]
) -> None:
    """The Con argument no Pro member voted on comes first; Agree saves the vote and moves on; own never shown."""
    card = await review_as(fake, world, world.member)
    assert card["flags"] & EPHEMERAL
    assert list(buttons(card)) == CARD_BUTTONS
    assert shows(card) == "#2"
    assert "2 argument(s) left for you" in card["content"]
    assert "So far 👍0 👎0, 0 from your side (Pro)." in card["content"]
    assert_links_resolve(fake, card["content"])

    card = await press(fake, card, world.member, "Agree")
    assert card["content"].startswith("Saved 👍 on [#2](")
    assert shows(card) == "#1"
    assert "So far 👍1 👎0, 1 from your side (Pro)." in card["content"]
    assert votes_on(crux, 2) == (1, 0)

    card = await press(fake, card, world.member, "Next")
    assert shows(card) == "#1", "only #1 is left: Next comes back round to it"
    card = await press(fake, card, world.member, "Pass")
    assert card["content"].startswith("Passed on [#1](")
    assert "You have voted on (or passed) every argument in debate 1" in card["content"]
    assert buttons(card) == {}
    again = await review_as(fake, world, world.member)
    assert "every argument in debate 1" in again["content"], "#3 is Alice's own, #1 was passed"


async def test_a_review_vote_and_a_reaction_are_one_vote(
    fake: FakeDiscord, world: World, crux: CruxBot, reviewed: dict[str, dict]
) -> None:
    """Agreeing with #2 in /review, then reacting 👎 on its message, leaves one vote, the 👎; /argument show agrees."""
    card = await review_as(fake, world, world.member)
    await press(fake, card, world.member, "Agree")
    await fake.add_reaction(reviewed["second"], world.member, "👎")
    await fake.gateway_barrier()
    assert votes_on(crux, 2) == (0, 1)
    show = await fake.invoke_slash_command(world.guild, world.channel, world.member, "argument show", {"number": 2})
    fields = {f["name"]: f["value"] for f in (await show.wait_for_final_message())["embeds"][0]["fields"]}
    assert fields["Votes"] == "👍 0 · 👎 1"


async def test_would_change_my_mind_marks_the_argument_on_the_card(
    fake: FakeDiscord, world: World, crux: CruxBot, reviewed: dict[str, dict]
) -> None:
    """The card's Would change my mind marks the argument it shows, says so, and keeps it on screen to vote on."""
    card = await review_as(fake, world, world.member)
    card = await press(fake, card, world.member, "Would change my mind")
    assert card["content"].startswith("🎯 Marked [#2](")
    assert shows(card) == "#2"
    assert "Marked: would change my mind" in buttons(card)
    debate = crux.services.debates.store.all_debates()[-1]
    assert [m.member_id for m in crux.services.hinges.hinges.crux_marks(debate.id)] == [world.member.id]


async def test_a_member_without_a_stance_is_asked_for_one(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """A member of no known side still reviews, and is told a stance lets Crux fill each side's gaps."""
    await post(fake, world, debate["pro"], world.moderator, PRO_POINT)
    card = await review_as(fake, world, world.member)
    assert "Say where you stand with `/stance`" in card["content"]


async def test_review_votes_and_cards_survive_a_restart(
    fake: FakeDiscord, world: World, seeded_library: Library, tmp_path: Path
) -> None:
    """A /review vote has no reaction, yet the catch-up at the next start keeps it; an old card still answers."""
    first = build_bot(fake, world, seeded_library)
    async with start_client(first, fake.token):
        await first.get_cog("Capturing").caught_up.wait()
        threads = await open_debate(fake, world)
        await post(fake, world, threads["pro"], world.moderator, PRO_POINT)
        await post(fake, world, threads["con"], world.moderator, CON_POINT)
        card = await review_as(fake, world, world.member)
        card = await press(fake, card, world.member, "Disagree")
    second = build_bot(fake, world, seeded_library)
    async with start_client(second, fake.token):
        await second.get_cog("Capturing").caught_up.wait()
        assert sorted([votes_on(second, 1), votes_on(second, 2)]) == [(0, 0), (0, 1)]
        card = await press(fake, card, world.member, "Agree")
        assert card["content"].startswith("Saved 👍 on [#")
        assert sorted([votes_on(second, 1), votes_on(second, 2)]) == [(0, 1), (1, 0)]
