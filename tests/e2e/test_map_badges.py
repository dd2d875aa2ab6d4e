"""Badges on the map through the fake Discord: /map show and /map image mark refuted arguments, cruxes and Δ."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image

from bot.debates.marks import DebateHinges, HingeInputs
from bot.interface.bot import CruxBot
from bot.maps.image.badges import KINDS
from tests.e2e.conftest import MEMBER_PERMISSIONS, World
from tests.e2e.hinge_helpers import EPHEMERAL, assert_links_resolve, press
from tests.e2e.test_debates import PRO_POINT, post, settled
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember

DEFERRED = 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: "Crux is thinking…"
# Written for these tests, in our own words.
REBUTTAL = "A verified pause would not stop the race: labs would move their largest training runs outside the treaty."
DOUBLE = "If every lab published its training compute each quarter, checking a pause would be far easier than feared."
WHY = "I had not thought about labs moving their training abroad; that makes a pause much harder to rely on for me."


async def declare(fake: FakeDiscord, world: World, member: FakeMember, label: str) -> None:
    """Declare a stance as a member through /stance and its buttons."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, member, "stance", {})
    await press(fake, await rec.wait_for_final_message(), member, label)


async def use_menu(fake: FakeDiscord, world: World, thread: FakeChannel, member: FakeMember, menu: str, target: dict):
    """Use a message menu on an argument as a member; return its record once Crux has answered."""
    rec = await fake.invoke_message_command(world.guild, thread, member, menu, target)
    await rec.wait_for_response()
    return rec


@pytest.fixture
async def hinged(fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]) -> None:
    """Plant #1 refuted by the rebuttal #2, which changed a Pro member's mind (Δ), and #3, a double crux."""
    pro = fake.add_member(world.guild, "pria", permissions=MEMBER_PERMISSIONS.value)
    con = fake.add_member(world.guild, "conan", permissions=MEMBER_PERMISSIONS.value)
    await fake.gateway_barrier()
    await declare(fake, world, pro, "For")
    await declare(fake, world, con, "Strongly against")
    claim = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    menu = await use_menu(fake, world, debate["pro"], world.moderator, "Rebut argument", claim)
    await (await fake.submit_modal(menu, {"text": REBUTTAL})).wait_for_final_message()
    rebuttal = next(m for m in fake.messages_in(debate["con"]) if REBUTTAL in m["content"])
    double = await post(fake, world, debate["pro"], world.moderator, DOUBLE)
    await use_menu(fake, world, debate["pro"], pro, "Would change my mind", double)
    await use_menu(fake, world, debate["pro"], con, "Would change my mind", double)
    delta = await use_menu(fake, world, debate["con"], pro, "Δ Changed my mind", rebuttal)
    await (await fake.submit_modal(delta, {"explanation": WHY})).wait_for_final_message()
    await settled(crux)


async def test_map_show_marks_the_refuted_the_double_crux_and_the_delta(
    fake: FakeDiscord, world: World, crux: CruxBot, hinged: None
) -> None:
    """Each line carries its badges after its text, a legend explains them, and an argument that stands has none."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map show", {})
    message = await rec.wait_for_final_message()
    assert message["flags"] & EPHEMERAL
    summary, legend = message["content"].split("\n")
    assert summary.startswith("Debate 1 (open): 2 pro and 1 con arguments")
    assert legend.startswith("-# 🔴 refuted: an attack on it stands · 🎯 double crux: would change minds on both sides")
    assert "Δn: minds it changed" in legend
    assert "no standing badge: it stands" in legend
    page = message["embeds"][0]["description"].splitlines()
    assert page[0].startswith("• [#1](")
    assert page[0].endswith(" · 🔴 refuted")
    assert page[1].lstrip("\u2003").startswith("➖ [#2](")
    assert page[1].endswith(" · Δ1")
    assert page[2].startswith("• [#3](")
    assert page[2].endswith(" · 🎯 double crux")
    assert "stands" not in page[1] + page[2], "an argument that stands shows no standing badge"
    assert_links_resolve(fake, "\n".join(page))


async def test_map_image_draws_the_badges_and_names_them(
    fake: FakeDiscord, world: World, crux: CruxBot, hinged: None
) -> None:
    """/map image attaches a PNG with a badge legend, and its message names the arguments drawn with each badge."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "map image", {})
    message = await rec.wait_for_final_message()
    lines = message["content"].splitlines()
    assert lines[0] == "Debate 1: 3 arguments and 1 links drawn."
    assert lines[1] == "Badges drawn: refuted #1 · double crux #3 · Δ (minds changed) #2 (1)."
    (upload,) = [f for r in fake.requests if "/webhooks/" in r.path for f in r.files]
    picture = Image.open(io.BytesIO(upload.data))
    assert picture.format == "PNG"
    assert upload.filename == "debate-1-map.png"
    colours = {colour for _, colour in picture.convert("RGB").getcolors(picture.width * picture.height)}
    for kind in ("refuted", "double-crux", "delta"):
        assert KINDS[kind].colour in colours, f"a {kind} pill is drawn"


@pytest.mark.parametrize(("command", "options"), [("map show", {}), ("map export", {"format": "json"})])
async def test_a_slow_map_is_deferred_in_time_and_then_shown(
    fake: FakeDiscord,
    world: World,
    crux: CruxBot,
    debate: dict[str, FakeChannel],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    options: dict,
) -> None:
    """While computing the marks takes long (a big debate), the command is deferred at once, then answered."""
    await post(fake, world, debate["pro"], world.member, PRO_POINT)
    gate = threading.Event()
    maps = crux.extensions["cogs.maps"]  # the module as discord.py loaded it (not the one `import cogs.maps` gives)
    compute = maps.debate_hinges

    def slow(inputs: HingeInputs) -> DebateHinges:
        gate.wait(30)
        return compute(inputs)

    monkeypatch.setattr(maps, "debate_hinges", slow)
    try:
        rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, command, options)
        assert (await rec.wait_for_response())["type"] == DEFERRED
        assert rec.final_message is None, "still thinking"
    finally:
        gate.set()
    message = await rec.wait_for_final_message()
    assert message["flags"] & EPHEMERAL
    assert not rec.late
