"""A burst of posts is captured by one writer, in batches: in posting order, cursors following, nothing lost."""

from __future__ import annotations

import logging

import pytest

from bot.interface.bot import CruxBot
from tests.e2e.conftest import World
from tests.e2e.test_capture_faults import CAPTURED, point
from tests.fake_discord import FakeChannel, FakeDiscord

BURST = 120


async def post_burst(fake: FakeDiscord, world: World, debate: dict[str, FakeChannel], count: int) -> list[dict]:
    """Post `count` arguments alternating Pro and Con, as fast as the fake takes them, and wait for every ✅."""
    posted = [
        await fake.send_user_message(world.guild, debate["pro" if i % 2 == 0 else "con"], world.member, point(i))
        for i in range(count)
    ]
    await fake.wait_for(lambda: all(CAPTURED in fake.reactions_on(m) for m in posted), 30, "every message captured")
    return posted


def numbers(bot: CruxBot, posted: list[dict]) -> list[int | None]:
    """Return the number each posted message's argument got, in posting order."""
    found = [bot.services.debates.store.argument_by_message(int(m["id"])) for m in posted]
    return [a.number if a is not None else None for a in found]


def cursor(bot: CruxBot, thread: FakeChannel) -> int | None:
    """Return the id of the last message of a thread its catch-up cursor is past."""
    stored = bot.services.debates.store.thread(thread.id)
    return stored.last_message_id if stored is not None else None


async def test_a_burst_is_numbered_in_posting_order_and_the_cursors_follow(
    fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]
) -> None:
    """Every post of a burst gets ✅ and its number in posting order; each thread's cursor reaches its last post."""
    posted = await post_burst(fake, world, debate, BURST)
    assert numbers(crux, posted) == list(range(1, BURST + 1))
    last = {"pro": int(posted[-2]["id"]), "con": int(posted[-1]["id"])}

    def cursors_reached() -> bool:
        return all(cursor(crux, debate[side]) == last[side] for side in last)

    for _ in range(50):  # each barrier is a round trip that lets Crux run whatever the ✅ replies woke
        if cursors_reached():
            break
        await fake.gateway_barrier()
    assert cursors_reached()


async def test_a_failed_batch_is_captured_message_by_message(
    fake: FakeDiscord,
    world: World,
    crux: CruxBot,
    debate: dict[str, FakeChannel],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When storing a batch together fails, each of its messages is stored on its own: all get ✅, once each."""
    capture = crux.services.capture

    def broken(messages: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(capture, "capture_many", broken)
    posted = await post_burst(fake, world, debate, 20)
    assert numbers(crux, posted) == list(range(1, 21))
    assert any(r.levelno == logging.WARNING and "one by one now" in r.getMessage() for r in caplog.records), caplog.text
