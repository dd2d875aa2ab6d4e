"""Debates in Pro and Con threads, driven as moderators and members would through the fake Discord."""

from __future__ import annotations

import json

import discord
import pytest

from bot.interface.bot import CruxBot
from bot.maps.tree import side_tree
from bot.sources.library import Library
from tests.e2e.conftest import World, build_bot, debate_threads, open_debate, start_debate
from tests.fake_discord import ActionRefused, FakeChannel, FakeDiscord, FakeMember
from tests.fake_discord.harness import start_client

MODAL = 9
EPHEMERAL = 64

# Written for these tests, in our own words.
PRO_POINT = (
    "Labs are racing each other, and a verified pause is the only way to stop the race long enough for safety work."
)
PRO_BACKING = "Right, and without a pause nobody can afford to slow down alone because rivals would overtake them."
CON_POINT = "A pause cannot be verified: any lab could keep training in secret while the others stop."
REBUTTAL = "Big training runs need huge data centres and power contracts, which are hard to hide from inspectors."


async def post(fake: FakeDiscord, world: World, thread: FakeChannel, member: FakeMember, text: str, **kw) -> dict:
    """Post as a member and wait until Crux has marked the message captured."""
    message = await fake.send_user_message(world.guild, thread, member, text, **kw)
    await fake.wait_for(lambda: "✅" in fake.reactions_on(message), 5, f"Crux to capture {text[:30]!r}")
    return message


async def settled(bot: CruxBot) -> None:
    """Wait until Crux has analysed every captured argument (citations and duplicates are posted by then)."""
    await bot.get_cog("Analysing").wait_until_analysed()


def map_of(bot: CruxBot):
    """Return the newest debate's map as stored."""
    debate = bot.services.debates.store.all_debates()[-1]
    return bot.services.debates.map(debate)


async def test_start_in_a_text_channel_opens_two_threads(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """/debate start opens a Pro and a Con thread, each explaining the motion, the side and how to argue."""
    told = await start_debate(fake, world)
    threads = debate_threads(fake, world.channel)
    assert told["flags"] & EPHEMERAL
    assert f"<#{threads['pro'].id}>" in told["content"]
    assert f"<#{threads['con'].id}>" in told["content"]
    for side, thread in threads.items():
        assert thread.name.startswith(f"{side.title()}: Frontier AI labs should agree")
        opening = fake.messages_in(thread)[0]["content"]
        assert f"This is the **{side.title()}** thread" in opening
        assert "Rebut argument" in opening
        assert "👍" in opening
    assert [d.kind for d in crux.services.debates.store.all_debates()] == ["text"]


async def test_start_in_a_forum_posts_tagged_pro_and_con(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """In a forum, /debate start makes two posts carrying the forum's Pro and Con tags, with the given motion."""
    forum = fake.add_forum_channel(world.guild, "debates")
    await fake.gateway_barrier()
    await start_debate(fake, world, forum, motion="Compute caps beat a pause")
    posts = debate_threads(fake, forum)
    assert posts["pro"].applied_tags == [forum.tag_id("Pro")]
    assert posts["con"].applied_tags == [forum.tag_id("Con")]
    assert posts["pro"].name == "Pro: Compute caps beat a pause"


async def test_forum_without_tags_gets_them(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """A forum lacking Pro and Con tags gets them created when Crux may manage the channel."""
    forum = fake.add_forum_channel(world.guild, "untagged", tags=())
    await fake.gateway_barrier()
    await start_debate(fake, world, forum)
    posts = debate_threads(fake, forum)
    assert posts["con"].applied_tags == [forum.tag_id("Con")]


async def test_forum_without_tags_or_permission_is_refused_cleanly(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """Without tags and without Manage Channels, the moderator is told what to fix, and nothing is created."""
    forum = fake.add_forum_channel(world.guild, "locked-down", tags=())
    everything_but_manage_channels = discord.Permissions.all()
    everything_but_manage_channels.manage_channels = False
    everything_but_manage_channels.administrator = False
    fake.set_bot_permissions(world.guild, everything_but_manage_channels.value)
    await fake.gateway_barrier()
    told = await start_debate(fake, world, forum)
    assert "Add tags named Pro and Con" in told["content"]
    assert fake.threads_in(forum) == []
    assert crux.services.debates.store.all_debates() == []


async def test_members_cannot_open_debates(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """/debate start by a member without Manage Threads is refused by Crux and opens nothing."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "debate start", {})
    response = await rec.wait_for_response()
    assert "You need the **Manage Threads** permission" in response["data"]["content"]
    assert fake.threads_in(world.channel) == []


async def test_posts_become_numbered_arguments_and_chatter_comments(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Each member post is captured (✅): real points get #1, #2 per debate; 'lol' is kept as a comment."""
    await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], world.moderator, "lol")
    await post(fake, world, debate["con"], world.moderator, CON_POINT)
    arguments = map_of(crux).arguments
    assert [(a.label, a.side, a.author_name) for a in arguments] == [
        ("#1", "pro", "Alice"),
        ("comment", "pro", "Mo"),
        ("#2", "con", "Mo"),
    ]
    assert arguments[0].jump_url.endswith(f"/{debate['pro'].id}/{arguments[0].message_id}")


async def test_mentioning_crux_is_just_an_argument(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """A post that @mentions Crux is captured like any other, and is not mistaken for a text command."""
    await post(fake, world, debate["con"], world.member, f"<@{fake.bot_id}> settle this: {CON_POINT}")
    assert [a.label for a in map_of(crux).arguments] == ["#1"]


async def test_a_reply_on_the_same_side_supports(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Replying to an argument in its own thread records a supports link made by reply."""
    first = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], world.moderator, PRO_BACKING, reply_to=first)
    (link,) = map_of(crux).links
    assert (link.relation, link.method) == ("supports", "reply")


async def test_rebut_from_the_context_menu_posts_in_the_other_thread(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """'Rebut argument' on a Pro argument opens a form; the text appears in the Con thread, credited, as an attack."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.moderator, "Rebut argument", target)
    assert (await menu.wait_for_response())["type"] == MODAL
    submitted = await fake.submit_modal(menu, {"text": REBUTTAL})
    told = await submitted.wait_for_final_message()
    assert "Posted as [#2]" in told["content"]
    assert told["flags"] & EPHEMERAL

    posted = fake.messages_in(debate["con"])[-1]
    assert posted["content"].startswith(f"**<@{world.moderator.id}>** rebuts [#1]")
    assert REBUTTAL in posted["content"]
    assert posted["mentions"] == [], "crediting the member must not ping them"
    debate_map = map_of(crux)
    rebuttal = debate_map.arguments[-1]
    assert (rebuttal.side, rebuttal.author_name, rebuttal.text) == ("con", "Mo", REBUTTAL)
    assert [(link.relation, link.method) for link in debate_map.links] == [("attacks", "context_menu")]
    tree = side_tree(debate_map, "pro")
    assert [(line.depth, line.relation, line.argument.label) for line in tree] == [
        (0, None, "#1"),
        (1, "attacks", "#2"),
    ]


async def test_context_menu_on_a_comment_is_refused(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Rebutting something that is not a numbered argument gets a private explanation, no form."""
    chatter = await post(fake, world, debate["pro"], world.member, "+1")
    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.moderator, "Rebut argument", chatter)
    response = await menu.wait_for_response()
    assert "not a captured argument" in response["data"]["content"]
    assert response["data"]["flags"] & EPHEMERAL


async def test_edits_keep_revisions_and_deletions_hide(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Editing keeps the earlier text as a revision; deleting hides the argument from the map but keeps it stored."""
    message = await post(fake, world, debate["con"], world.member, CON_POINT)
    await fake.edit_user_message(message, CON_POINT + " Nobody has a plan for inspections.")
    await fake.gateway_barrier()
    argument = crux.services.debates.store.argument_by_message(int(message["id"]))
    assert argument.text.endswith("inspections.")
    assert [r.text for r in crux.services.debates.store.revisions(argument.id)] == [CON_POINT]

    await fake.delete_user_message(message)
    await fake.gateway_barrier()
    assert map_of(crux).arguments == []
    kept = crux.services.debates.store.arguments(argument.debate_id, include_deleted=True)
    assert [a.text for a in kept] == [argument.text]
    assert kept[0].deleted_at is not None


async def test_thumbs_are_one_changeable_vote_per_member(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """👍 and 👎 count once per member; switching moves the vote; the author's own vote does not count."""
    message = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await fake.add_reaction(message, world.moderator, "👍")
    await fake.add_reaction(message, world.member, "👍")
    await fake.remove_reaction(message, world.moderator, "👍")
    await fake.add_reaction(message, world.moderator, "👎")
    await fake.gateway_barrier()
    debate_map = map_of(crux)
    votes = debate_map.votes[debate_map.arguments[0].id]
    assert (votes.up, votes.down) == (0, 1)


async def test_relevant_source_is_suggested_and_the_author_can_cite_it(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """An argument on a point the sources cover gets one compact source reply; only its author can cite it."""
    message = await post(fake, world, debate["con"], world.member, CON_POINT)
    await settled(crux)
    replies = [
        m
        for m in fake.messages_in(debate["con"])
        if (m.get("message_reference") or {}).get("message_id") == message["id"]
    ]
    assert len(replies) == 1
    reply = replies[0]
    assert reply["content"].startswith("📚 Possibly relevant to #1")
    assert "paragraph" in reply["content"]

    refused = await fake.click_component(reply, world.moderator, reply["components"][0]["components"][0]["custom_id"])
    assert "Only Alice" in (await refused.wait_for_response())["data"]["content"]
    cited = await fake.click_component(reply, world.member, reply["components"][0]["components"][0]["custom_id"])
    await cited.wait_for_response()
    assert [c.status for c in map_of(crux).citations] == ["cited"]
    assert fake.find_message(reply)["components"][0]["components"][0]["disabled"] is True


async def test_quiet_citations_are_stored_not_posted(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """With citations set to quiet, the suggestion is stored against the argument but nothing is posted."""
    rec = await fake.invoke_slash_command(
        world.guild, debate["con"], world.moderator, "debate citations", {"mode": "quiet"}
    )
    assert "quiet" in (await rec.wait_for_response())["data"]["content"]
    await post(fake, world, debate["con"], world.member, CON_POINT)
    await settled(crux)
    assert len(fake.messages_in(debate["con"])) == 2, "the opening and the argument only"
    assert [c.status for c in map_of(crux).citations] == ["suggested"]


async def test_a_repeated_point_is_flagged_once_with_a_link(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Posting nearly the same point again on the same side links to the earlier one; the message stays."""
    rec = await fake.invoke_slash_command(
        world.guild, debate["con"], world.moderator, "debate citations", {"mode": "off"}
    )
    await rec.wait_for_response()
    first = await post(fake, world, debate["con"], world.member, CON_POINT)
    await settled(crux)
    again = await post(fake, world, debate["con"], world.moderator, CON_POINT.replace("cannot", "can not") + "!")
    await settled(crux)
    notice = fake.messages_in(debate["con"])[-1]
    assert notice["message_reference"]["message_id"] == again["id"]
    assert "may say much the same as [#1]" in notice["content"]
    assert first["id"] in notice["content"]
    assert [link.relation for link in map_of(crux).links] == ["duplicate_of"]
    assert [a.label for a in map_of(crux).arguments] == ["#1", "#2"]


async def test_a_burst_of_posts_is_captured_and_analysed_in_batches(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty quick posts are captured, embedded in a few batches, and answered by at most one automatic reply."""
    calls: list[int] = []
    encode = crux.services.library.embedder.encode

    def counting(texts, progress=None):
        calls.append(len(texts))
        return encode(texts, progress)

    monkeypatch.setattr(crux.services.library.embedder, "encode", counting)
    for i in range(20):
        await fake.send_user_message(world.guild, debate["pro"], world.member, f"Point {i}: {PRO_POINT}")
    await fake.wait_for(lambda: len(map_of(crux).arguments) == 20, 10, "all twenty posts captured")
    await settled(crux)
    assert sum(calls) == 20, calls
    assert len(calls) <= 5, calls
    automatic = [m for m in fake.messages_in(debate["pro"]) if m.get("message_reference")]
    assert len(automatic) == 1, "one automatic reply per thread per interval: the rest are stored, not posted"
    assert len(map_of(crux).duplicates) == 19


async def test_close_locks_both_threads_and_list_shows_it(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """/debate close locks and archives both threads; /debate list shows the debate as closed with links."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.moderator, "debate close", {})
    assert "is closed" in (await rec.wait_for_final_message())["content"]
    assert all(t.locked and t.archived for t in debate.values())
    with pytest.raises(ActionRefused, match="Thread is locked"):
        await fake.send_user_message(world.guild, debate["pro"], world.member, PRO_POINT)
    listing = await fake.invoke_slash_command(world.guild, world.channel, world.member, "debate list")
    embed = (await listing.wait_for_final_message())["embeds"][0]
    assert "[closed]" in embed["description"]
    assert f"<#{debate['pro'].id}>" in embed["description"]


async def test_messages_posted_while_crux_was_down_are_captured_once(
    fake: FakeDiscord, world: World, seeded_library: Library
) -> None:
    """After a restart Crux reads back what was posted while it was offline, exactly once."""
    first = build_bot(fake, world, seeded_library)
    async with start_client(first, fake.token):
        await first.get_cog("Capturing").caught_up.wait()
        threads = await open_debate(fake, world)
        await post(fake, world, threads["pro"], world.member, PRO_POINT)
    assert not fake.connected
    missed = [
        await fake.send_user_message(world.guild, threads["con"], world.member, CON_POINT),
        await fake.send_user_message(world.guild, threads["pro"], world.moderator, PRO_BACKING),
    ]
    for _ in range(2):  # a second restart must not capture anything twice
        again = build_bot(fake, world, seeded_library)
        async with start_client(again, fake.token):
            await again.get_cog("Capturing").caught_up.wait()
            assert all("✅" in fake.reactions_on(m) for m in missed)
            await settled(again)
            assert [a.label for a in map_of(again).arguments] == ["#1", "#2", "#3"]


async def test_a_non_resumable_disconnect_is_caught_up(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the gateway session is lost, messages sent meanwhile are captured from history after reconnecting."""

    async def identify_now(shard_id, *, initial):  # discord.py waits 5 s before re-identifying
        return None

    monkeypatch.setattr(crux, "before_identify_hook", identify_now)
    identified = len(fake.identifies)
    await fake.drop_connections(4009)
    missed = await fake.send_user_message(world.guild, debate["con"], world.member, CON_POINT)
    await fake.wait_for(lambda: len(fake.identifies) > identified, 10, "a fresh IDENTIFY")
    await fake.wait_for(lambda: "✅" in fake.reactions_on(missed), 10, "the missed message captured")
    assert [a.label for a in map_of(crux).arguments] == ["#1"]


async def test_map_show_draws_the_tree_and_pages(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """/map show lists each side's arguments with their supports and attacks, votes and links, one side per page."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["pro"], world.moderator, PRO_BACKING, reply_to=target)
    await fake.add_reaction(target, world.moderator, "👍")
    await fake.gateway_barrier()
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map show", {})
    message = await rec.wait_for_final_message()
    assert "1 supports, 0 attacks" in message["content"]
    page = message["embeds"][0]["description"].splitlines()
    assert page[0].startswith("• [#1](")
    assert "👍1" in page[0]
    assert page[1].lstrip("\u2003").startswith("➕ [#2](")
    assert page[1].startswith("\u2003")
    turned = await fake.click_component(message, world.member, "pages:next")
    await turned.wait_for_response()
    assert rec.original_message["embeds"][0]["title"].startswith("Con")


@pytest.mark.parametrize("fmt", ["json", "markdown", "argdown", "aif"])
async def test_map_export_attaches_the_whole_map(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], fmt: str
) -> None:
    """/map export hands over a file in the chosen format holding every argument."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    await post(fake, world, debate["con"], world.moderator, CON_POINT)
    await post(fake, world, debate["pro"], world.moderator, PRO_BACKING, reply_to=target)
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map export", {"format": fmt})
    await rec.wait_for_final_message()
    (upload,) = [f for r in fake.requests if r.path.endswith("/callback") for f in r.files]
    text = upload.data.decode()
    assert upload.filename.startswith("debate-1.")
    if fmt in ("json", "aif"):
        json.loads(text)
    for fragment in ("Labs are racing", "cannot be verified", "rivals would overtake"):
        assert fragment in text
