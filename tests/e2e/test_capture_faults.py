"""Nothing is lost across faults: busy reconnects, changes made while Crux was away, 429 storms, failed posts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord
import pytest

from bot.interface.bot import CruxBot
from bot.interface.history import RECONCILE_WINDOW
from bot.sources.library import Library
from tests.e2e.conftest import World, build_bot, open_debate
from tests.e2e.test_debates import CON_POINT, PRO_BACKING, PRO_POINT, post, settled
from tests.e2e.test_shutdown import stored
from tests.fake_discord import FakeChannel, FakeDiscord, Perm
from tests.fake_discord.harness import ErrorCapture, start_client

CAPTURED = "✅"
BURST = 150


def point(i: int) -> str:
    """Return the i-th argument of a burst: distinct, long enough to be numbered."""
    return f"Point {i}: verified compute caps would let a pause hold across borders, clause {i}."


async def identify_now(shard_id: int | None, *, initial: bool) -> None:
    """Skip discord.py's 5 s wait before a non-initial IDENTIFY."""


def arguments_in(path: Path) -> int:
    """Return how many numbered arguments the database file holds."""
    return stored(path, "select count(*) from arguments where kind = 'argument'")


def db_path(library: Library) -> Path:
    """Return the database file the library is stored in."""
    return Path(library.store.db.execute("pragma database_list").fetchone()[2])


async def burst(
    fake: FakeDiscord, world: World, thread: FakeChannel, count: int, fault_at: int, fault: Callable[[], object]
) -> list[dict]:
    """Post `count` arguments as fast as the fake takes them, injecting `fault` after the `fault_at`-th."""
    posted = []
    for i in range(count):
        posted.append(await fake.send_user_message(world.guild, thread, world.member, point(i)))
        if i == fault_at:
            fault()
    return posted


@pytest.mark.parametrize("outage", ["close 4009", "invalid session", "close 1000"])
async def test_a_busy_non_resumable_reconnect_loses_no_message(
    fake: FakeDiscord,
    world: World,
    crux: CruxBot,
    debate: dict[str, FakeChannel],
    seeded_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    outage: str,
) -> None:
    """Members keep posting while the gateway session is lost and re-made: every message is captured once."""
    monkeypatch.setattr(crux, "before_identify_hook", identify_now)
    identified = len(fake.identifies)

    def lose_the_session() -> None:
        if outage == "invalid session":
            fake.invalidate_sessions()
        else:
            fake.drop_connections(int(outage.split()[1]))

    posted = await burst(fake, world, debate["pro"], BURST, 20, lose_the_session)
    await fake.wait_for(lambda: len(fake.identifies) > identified, 10, "a fresh IDENTIFY")
    await fake.wait_for(
        lambda: all(CAPTURED in fake.reactions_on(m) for m in posted), 30, "every message of the burst captured"
    )
    assert arguments_in(db_path(seeded_library)) == BURST


async def test_messages_posted_while_the_catch_up_runs_keep_the_next_catch_up_complete(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two session losses in a row during a burst: the second catch-up still starts before the first gap."""
    monkeypatch.setattr(crux, "before_identify_hook", identify_now)
    capturing = crux.get_cog("Capturing")
    drops = 0

    def drop() -> None:
        nonlocal drops
        drops += 1
        fake.drop_connections(4009)

    posted = await burst(fake, world, debate["con"], 60, 10, drop)
    posted += await burst(fake, world, debate["con"], 60, 5, drop)
    await fake.wait_for(lambda: all(CAPTURED in fake.reactions_on(m) for m in posted), 30, "every message captured")
    await fake.wait_for(lambda: capturing.synced, 10, "capture to be in step again")
    assert drops == 2
    assert len({a.message_id for a in crux.services.debates.store.arguments(1)}) == 120


async def reconnect_after(
    fake: FakeDiscord, crux: CruxBot, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], Awaitable[None]]
) -> None:
    """Lose the gateway session, run `meanwhile` while Crux is away, then let it reconnect and catch up."""
    away = asyncio.Event()
    back = asyncio.Event()

    async def identify_when_released(shard_id: int | None, *, initial: bool) -> None:
        away.set()
        await back.wait()

    monkeypatch.setattr(crux, "before_identify_hook", identify_when_released)
    capturing = crux.get_cog("Capturing")
    fake.drop_connections(4009)
    await asyncio.wait_for(away.wait(), 10)
    await meanwhile()
    capturing.caught_up.clear()
    back.set()
    await asyncio.wait_for(capturing.caught_up.wait(), 10)


async def test_edits_votes_and_deletions_made_while_away_are_reconciled(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an outage the map matches Discord: new text is a revision, a gone message deleted, reactions votes."""
    edited = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    deleted = await post(fake, world, debate["con"], world.member, CON_POINT)
    voted = await post(fake, world, debate["pro"], world.member, PRO_BACKING)
    await fake.add_reaction(voted, world.moderator, "👎")
    await fake.gateway_barrier()
    store = crux.services.debates.store
    voters = [
        fake.add_member(world.guild, f"voter{i}", permissions=Perm.VIEW_CHANNEL | Perm.ADD_REACTIONS) for i in range(3)
    ]

    async def while_away() -> None:
        await fake.edit_user_message(edited, PRO_POINT + " Even a short pause would show it can work.")
        await fake.delete_user_message(deleted)
        await fake.remove_reaction(voted, world.moderator, "👎")
        for voter in voters:
            await fake.add_reaction(voted, voter, "👍")
        await fake.add_reaction(voted, world.member, "👍")  # the author's own reaction is no vote

    await reconnect_after(fake, crux, monkeypatch, while_away)
    now_edited = store.argument_by_message(int(edited["id"]))
    assert now_edited is not None
    assert now_edited.text.endswith("Even a short pause would show it can work.")
    assert [r.text for r in store.revisions(now_edited.id)] == [PRO_POINT]
    now_deleted = store.argument_by_message(int(deleted["id"]))
    assert now_deleted is not None
    assert now_deleted.deleted_at is not None
    now_voted = store.argument_by_message(int(voted["id"]))
    assert now_voted is not None
    assert store.voters(now_voted) == {voter.id: 1 for voter in voters}


async def test_changes_made_while_crux_was_stopped_are_reconciled_at_start(
    fake: FakeDiscord, world: World, seeded_library: Library
) -> None:
    """After a restart, edits, votes and deletions made while Crux was down are on the map."""
    first = build_bot(fake, world, seeded_library)
    async with start_client(first, fake.token):
        await first.get_cog("Capturing").caught_up.wait()
        threads = await open_debate(fake, world)
        kept = await post(fake, world, threads["pro"], world.member, PRO_POINT)
        gone = await post(fake, world, threads["con"], world.member, CON_POINT)
    await fake.edit_user_message(kept, PRO_BACKING)
    await fake.delete_user_message(gone)
    await fake.add_reaction(kept, world.moderator, "👍")
    again = build_bot(fake, world, seeded_library)
    async with start_client(again, fake.token):
        await again.get_cog("Capturing").caught_up.wait()
        store = again.services.debates.store
        now_kept, now_gone = store.argument_by_message(int(kept["id"])), store.argument_by_message(int(gone["id"]))
        assert now_kept is not None
        assert now_gone is not None
        assert now_kept.text == PRO_BACKING
        assert now_gone.deleted_at is not None
        assert store.voters(now_kept) == {world.moderator.id: 1}


async def test_reconciliation_looks_only_at_the_documented_window(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit made while away to a message older than the last RECONCILE_WINDOW of its thread is not seen."""
    monkeypatch.setattr("bot.interface.history.RECONCILE_WINDOW", 5)
    monkeypatch.setattr(crux, "before_identify_hook", identify_now)
    old = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    for i in range(5):
        await post(fake, world, debate["pro"], world.member, point(i))

    async def while_away() -> None:
        await fake.edit_user_message(old, PRO_BACKING)

    await reconnect_after(fake, crux, monkeypatch, while_away)
    argument = crux.services.debates.store.argument_by_message(int(old["id"]))
    assert argument is not None
    assert argument.text == PRO_POINT
    assert RECONCILE_WINDOW == 100


async def test_a_429_storm_on_replies_stores_every_analysis(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], seeded_library: Library
) -> None:
    """Under forced rate limits on posting, every argument is still captured and its analysis stored."""
    thread = debate["pro"]
    fake.force_429(f"/channels/{thread.id}/messages", retry_after=0.01, method="POST", count=40)
    posted = [await post(fake, world, thread, world.member, point(i)) for i in range(32)]
    await settled(crux)
    path = db_path(seeded_library)
    assert stored(path, "select count(*) from argument_embeddings") == len(posted)
    assert stored(path, "select count(*) from analysis_queue") == 0


async def test_a_reply_that_cannot_be_posted_costs_only_that_reply(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel], seeded_library: Library
) -> None:
    """When Crux may not post in a thread, the analysis of every argument is stored and nothing crashes."""
    fake.set_bot_permissions(world.guild, Perm.ALL & ~Perm.ADMINISTRATOR)
    fake.set_permission_overwrite(world.channel, fake.bot_member(world.guild), deny=Perm.SEND_MESSAGES_IN_THREADS)
    posted = [await post(fake, world, debate["pro"], world.member, text) for text in (PRO_POINT, PRO_BACKING)]
    await settled(crux)
    path = db_path(seeded_library)
    assert stored(path, "select count(*) from argument_embeddings") == len(posted)
    assert stored(path, "select count(*) from citations") >= 1
    assert fake.messages_in(debate["pro"])[-1]["author"]["id"] == str(world.member.id)


async def test_analysis_interrupted_by_a_crash_resumes_at_the_next_start(
    fake: FakeDiscord, world: World, seeded_library: Library, monkeypatch: pytest.MonkeyPatch, errors: ErrorCapture
) -> None:
    """Arguments captured but not analysed when Crux dies are analysed after it starts again."""
    path = db_path(seeded_library)
    encode = seeded_library.embedder.encode

    def broken(*args: object, **kwargs: object) -> object:
        raise discord.ClientException("the process died here")

    first = build_bot(fake, world, seeded_library)
    monkeypatch.setattr(seeded_library.embedder, "encode", broken)
    errors.expect("Analysing a batch failed")
    async with start_client(first, fake.token):
        await first.get_cog("Capturing").caught_up.wait()
        first.get_cog("Analysing").retry_first = 3600.0  # the "crash" leaves the failed batch queued
        threads = await open_debate(fake, world)
        await post(fake, world, threads["pro"], world.member, PRO_POINT)
        await post(fake, world, threads["con"], world.member, CON_POINT)
        await fake.wait_for(lambda: stored(path, "select max(attempts) from analysis_queue") or 0, 5, "a failure")
    assert stored(path, "select count(*) from analysis_queue") == 2
    monkeypatch.setattr(seeded_library.embedder, "encode", encode)
    again = build_bot(fake, world, seeded_library)
    async with start_client(again, fake.token):
        await again.get_cog("Analysing").wait_until_analysed()
    assert stored(path, "select count(*) from argument_embeddings") == 2
    assert stored(path, "select count(*) from analysis_queue") == 0
