"""Moderators tidying a debate's map through /argument, and the mod-log, driven through the fake Discord."""

from __future__ import annotations

import pytest

from bot.interface.bot import CruxBot
from bot.maps.tree import side_tree
from tests.e2e.conftest import World, open_debate
from tests.e2e.test_debates import CON_POINT, PRO_BACKING, PRO_POINT, map_of, post
from tests.fake_discord import FakeChannel, FakeDiscord

EPHEMERAL = 64
REPEAT = "Since labs are locked in a race, only a verified pause lets safety research catch up with them."


async def command(fake: FakeDiscord, world: World, member, name: str, options: dict, channel=None) -> str:
    """Run a command and return the text the member was shown."""
    rec = await fake.invoke_slash_command(world.guild, channel or world.channel, member, name, options)
    message = await rec.wait_for_final_message()
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts.append(embed.get("title") or "")
        parts.append(embed.get("description") or "")
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


@pytest.fixture
async def debate(fake: FakeDiscord, world: World, crux: CruxBot) -> dict[str, FakeChannel]:
    """Open a debate with citations off (so no automatic replies) in #general."""
    threads = await open_debate(fake, world)
    rec = await fake.invoke_slash_command(
        world.guild, threads["pro"], world.moderator, "debate citations", {"mode": "off"}
    )
    await rec.wait_for_response()
    return threads


async def test_merge_moves_votes_and_links_and_keeps_the_duplicate(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Merging #2 into #1 moves its votes and supports to #1, hides #2 from the map, and keeps #2 stored."""
    await post(fake, world, debate["pro"], world.member, PRO_POINT)
    repeat = await post(fake, world, debate["pro"], world.moderator, REPEAT)
    await post(fake, world, debate["pro"], world.member, PRO_BACKING, reply_to=repeat)
    await fake.add_reaction(repeat, world.member, "👍")
    await fake.gateway_barrier()

    told = await command(fake, world, world.moderator, "argument merge", {"duplicate": 2, "into": 1})
    assert "Merged #2 into #1: 1 links, 1 votes" in told
    debate_map = map_of(crux)
    assert [a.label for a in debate_map.arguments] == ["#1", "#3"]
    survivor = debate_map.arguments[0]
    assert debate_map.votes[survivor.id].up == 1
    assert [(line.depth, line.argument.label) for line in side_tree(debate_map, "pro")] == [(0, "#1"), (1, "#3")]
    kept = crux.services.debates.store.argument_by_message(int(repeat["id"]))
    assert kept.merged_into == survivor.id
    assert [e.action for e in crux.services.moderation.audit.audit_log(kept.debate_id)] == ["merge"]


async def test_remove_needs_a_reason_hides_and_restore_brings_back(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Removing hides an argument from the map and exports but keeps it; restoring shows it again; both are logged."""
    await post(fake, world, debate["con"], world.member, CON_POINT)
    told = await command(fake, world, world.moderator, "argument remove", {"number": 1, "reason": "off topic"})
    assert "Removed #1 from the map" in told
    assert map_of(crux).arguments == []
    export = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map export", {"format": "json"})
    await export.wait_for_final_message()
    (upload,) = [f for r in fake.requests if r.path.endswith("/callback") for f in r.files]
    assert CON_POINT not in upload.data.decode()

    assert "Restored #1" in await command(fake, world, world.moderator, "argument restore", {"number": 1})
    assert [a.label for a in map_of(crux).arguments] == ["#1"]
    log = crux.services.moderation.audit.audit_log(1)
    assert [(e.action, e.actor_name, e.reason) for e in log] == [("remove", "Mo", "off topic"), ("restore", "Mo", None)]


async def test_relink_fixes_a_mistaken_link(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """A reply recorded as support can be turned into an attack, or unlinked."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], world.moderator, PRO_BACKING, reply_to=target)
    assert "#2 now attacks #1" in await command(
        fake, world, world.moderator, "argument relink", {"number": 2, "target": 1, "relation": "attacks"}
    )
    assert [(link.relation, link.method) for link in map_of(crux).links] == [("attacks", "moderator")]
    await command(fake, world, world.moderator, "argument relink", {"number": 2, "target": 1, "relation": "none"})
    assert map_of(crux).links == []


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("argument merge", {"duplicate": 2, "into": 1}),
        ("argument remove", {"number": 1, "reason": "spam"}),
        ("argument restore", {"number": 1}),
        ("argument relink", {"number": 2, "target": 1, "relation": "none"}),
    ],
)
async def test_members_cannot_moderate(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], name: str, options: dict
) -> None:
    """Without Manage Threads every moderation action is refused and nothing changes."""
    await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], world.member, REPEAT)
    told = await command(fake, world, world.member, name, options)
    assert "You need the **Manage Threads** permission" in told
    assert [a.label for a in map_of(crux).arguments] == ["#1", "#2"]
    assert crux.services.moderation.audit.audit_log(1) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"duplicate": 1, "into": 1}, "cannot be merged into itself"),
        ({"duplicate": 9, "into": 1}, "has no argument #9"),
    ],
)
async def test_bad_merges_say_what_is_wrong(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], options: dict, expected: str
) -> None:
    """A merge that cannot be done is explained privately and changes nothing."""
    await post(fake, world, debate["pro"], world.member, PRO_POINT)
    told = await command(fake, world, world.moderator, "argument merge", options)
    assert expected in told
    assert crux.services.moderation.audit.audit_log(1) == []


async def test_show_gives_anyone_the_whole_record(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """/argument show lists an argument's status, links both ways, votes and the text before its last edit."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], world.moderator, PRO_BACKING, reply_to=target)
    await fake.add_reaction(target, world.moderator, "👎")
    await fake.edit_user_message(target, PRO_POINT + " Even the labs say so.")
    await fake.gateway_barrier()
    told = await command(fake, world, world.member, "argument show", {"number": 1})
    assert "#1 · Pro · Alice" in told
    assert "Status: on the map" in told
    assert "👎 1" in told
    assert "Answered by: [#2](" in told
    assert "supports it" in told
    assert "before the last edit" in told
    assert "Labs are racing each other" in told


async def test_actions_are_reported_in_the_modlog_channel(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """With a mod-log channel set, each action is posted there with who did it and why, pinging nobody."""
    modlog = fake.add_text_channel(world.guild, "mod-log")
    await fake.gateway_barrier()
    assert "reported in" in await command(fake, world, world.moderator, "modlog set", {"channel": modlog})
    await post(fake, world, debate["con"], world.member, CON_POINT)
    await command(fake, world, world.moderator, "argument remove", {"number": 1, "reason": "repeats the thread title"})
    (report,) = fake.messages_in(modlog)
    embed = report["embeds"][0]
    assert embed["title"] == "Remove · debate 1"
    assert {"name": "By", "value": f"<@{world.moderator.id}>", "inline": True} in embed["fields"]
    assert any(f["name"] == "Reason" and "repeats the thread title" in f["value"] for f in embed["fields"])
    assert report["mentions"] == []
