"""Where the debate hinges, end to end: stances, votes, marks and a Δ, then /cruxes and /summary, every link live."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from bot.interface.bot import CruxBot
from tests.e2e.conftest import MEMBER_PERMISSIONS, World
from tests.e2e.hinge_helpers import EPHEMERAL, LINK, assert_links_resolve, embed_pages
from tests.e2e.test_cruxes import COMMON, DOUBLE, declare, mark, react_all
from tests.e2e.test_debates import CON_POINT, post, settled
from tests.e2e.test_deltas import WHY, give_delta, noted
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember

#: Any Discord link, bare or inside a Markdown link.
ANY_LINK = re.compile(r"https://discord\.com/channels/[0-9/]+")


@dataclass
class Hinged:
    """A debate where the sides agree on one argument (#3), split on one (#1) and both mark one as a crux (#2)."""

    pro: list[FakeMember]
    con: list[FakeMember]
    messages: dict[str, dict]


@pytest.fixture
async def hinged(fake: FakeDiscord, world: World, crux: CruxBot, debate: dict[str, FakeChannel]) -> Hinged:
    """Plant common ground, a split, a double crux, a Δ, and three members changing their declared stance."""
    pro = [fake.add_member(world.guild, f"pro{n}", permissions=MEMBER_PERMISSIONS.value) for n in range(4)]
    con = [fake.add_member(world.guild, f"con{n}", permissions=MEMBER_PERMISSIONS.value) for n in range(4)]
    await fake.gateway_barrier()
    for member in pro:
        await declare(fake, world, member, "For")
    for member in con[:3]:
        await declare(fake, world, member, "Strongly against")
    await declare(fake, world, con[3], "Against")

    split = await post(fake, world, debate["con"], world.member, CON_POINT)
    double = await post(fake, world, debate["pro"], world.moderator, DOUBLE)
    common = await post(fake, world, debate["pro"], world.member, COMMON)
    await react_all(fake, split, con, "👍")
    await react_all(fake, split, pro, "👎")
    await react_all(fake, common, pro + con, "👍")
    await fake.gateway_barrier()
    await mark(fake, world, debate["pro"], pro[0], double)
    await mark(fake, world, debate["pro"], con[0], double)
    await (await give_delta(fake, world, debate["pro"], con[1], double, WHY)).wait_for_final_message()
    await noted(fake, debate["pro"])

    await declare(fake, world, con[1], "Against")  # strongly against → against: toward Pro, after the Δ
    await declare(fake, world, pro[3], "Strongly for")  # toward Pro
    await declare(fake, world, con[3], "Strongly against")  # toward Con
    await settled(crux)
    return Hinged(pro, con, {"split": split, "double": double, "common": common})


async def shown_to(fake: FakeDiscord, world: World, member: FakeMember, command: str, **options) -> list[str]:
    """Run a command as a member and return every page it shows them, checking it is for them only."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, member, command, options)
    message = await rec.wait_for_final_message()
    assert message["flags"] & EPHEMERAL
    return await embed_pages(fake, message, member)


def assert_every_link_resolves(fake: FakeDiscord, world: World, pages: list[str]) -> set[str]:
    """Check every Discord link on every page opens a message (or channel) of this server; return the message ids."""
    linked: set[str] = set()
    for page in pages:
        urls = assert_links_resolve(fake, page)
        assert len(urls) == len(ANY_LINK.findall(page)), "every Discord address is a Markdown link that was checked"
        assert all(url.startswith(f"https://discord.com/channels/{world.guild.id}/") for url in urls)
        linked |= {message for _, _, message in LINK.findall(page) if message}
    return linked


def jump(world: World, message: dict) -> str:
    """Return a message's jump link as Crux writes it."""
    return f"https://discord.com/channels/{world.guild.id}/{message['channel_id']}/{message['id']}"


def section(pages: list[str], heading: str) -> str:
    """Return what a level-2 heading holds on every page it opens or continues, up to the next level-2 heading."""
    found = [part for page in pages for part in re.split(r"(?m)^(?=## )", page) if part.startswith(heading)]
    assert found, f"no {heading!r} on any page"
    return "\n".join(found)


async def test_cruxes_and_summary_show_the_planted_hinges_and_every_link_resolves(
    fake: FakeDiscord, world: World, crux: CruxBot, hinged: Hinged
) -> None:
    """/cruxes and /summary both put the double crux #2 before the split #1; the summary adds #3 and the Δ."""
    double, split, common = (hinged.messages[name] for name in ("double", "split", "common"))
    cruxes = await shown_to(fake, world, world.member, "cruxes")
    listed = "\n".join(cruxes)
    assert listed.index(f"[#2]({jump(world, double)})") < listed.index(f"[#1]({jump(world, split)})")
    assert f"[#3]({jump(world, common)})" not in listed
    assert {double["id"], split["id"]} <= assert_every_link_resolves(fake, world, cruxes)

    pages = await shown_to(fake, world, world.member, "summary")
    assert f"- [#3]({jump(world, common)}) by " in section(pages, "## Common ground")
    assert "— Pro 4/4 agree · Con 4/4 agree" in section(pages, "## Common ground")
    cruxes_part = section(pages, "## Cruxes")
    assert f"1. [#2]({jump(world, double)}) by " in cruxes_part
    assert "🎯 double crux: would change minds on both sides, Pro 1 · Con 1 · 🟢 stands" in cruxes_part
    assert f"2. [#1]({jump(world, split)}) by " in cruxes_part
    assert "⚖️ splits the sides: Pro 0/4 agree · Con 4/4 agree" in cruxes_part
    minds = section(pages, "## Minds changed")
    assert f"- <@{hinged.con[1].id}> ← [#2]({jump(world, double)}) by " in minds
    assert "power contracts" in minds, "the Δ's own explanation is quoted"
    assert "8 members declared a stance; 3 changed it: 2 toward Pro, 1 toward Con" in minds
    channel = f"(https://discord.com/channels/{world.guild.id}/{world.channel.id})"
    assert f"- [At first]{channel}: Strongly against 3 · Against 1 · Unsure 0 · For 4 · Strongly for 0" in minds
    assert f"- [Now]{channel}: Strongly against 3 · Against 1 · Unsure 0 · For 3 · Strongly for 1" in minds
    linked = assert_every_link_resolves(fake, world, pages)
    assert {double["id"], split["id"], common["id"]} <= linked


async def test_a_one_side_summary_keeps_the_sections_about_both_sides(
    fake: FakeDiscord, world: World, crux: CruxBot, hinged: Hinged
) -> None:
    """/summary side:Con leaves out Pro's own sections but still lists the Pro double crux, common ground and Δ."""
    pages = await shown_to(fake, world, world.member, "summary", side="con")
    text = "\n".join(pages)
    assert "## Pro:" not in text
    assert f"1. [#2]({jump(world, hinged.messages['double'])})" in section(pages, "## Cruxes")
    assert f"[#3]({jump(world, hinged.messages['common'])})" in section(pages, "## Common ground")
    assert f"<@{hinged.con[1].id}> ←" in section(pages, "## Minds changed")
    assert_every_link_resolves(fake, world, pages)


async def exported(fake: FakeDiscord, world: World, member: FakeMember) -> tuple[str, dict]:
    """Run /map export format:json as a member; return what they are told and the file's document."""
    before = len(fake.requests)
    rec = await fake.invoke_slash_command(world.guild, world.channel, member, "map export", {"format": "json"})
    message = await rec.wait_for_final_message()
    (upload,) = [f for r in fake.requests[before:] if r.path.endswith("/callback") for f in r.files]
    return message["content"], json.loads(upload.data)


async def test_only_a_moderator_exports_what_members_chose_in_private(
    fake: FakeDiscord, world: World, crux: CruxBot, hinged: Hinged
) -> None:
    """A member's JSON export has every score but no one's stance, votes or crux marks; a moderator's has them all."""
    said, shared = await exported(fake, world, world.member)
    assert "left out" in said
    assert "Manage Threads" in said
    assert shared["withheld"] == ["ballots", "stances", "stance_changes", "crux_marks"]
    assert shared["stances"] is None
    assert shared["ballots"] is None
    assert str(hinged.con[1].id) in {delta["by"] for delta in shared["deltas"]}, "a Δ is public: it stays"
    said, full = await exported(fake, world, world.moderator)
    assert "left out" not in said
    assert full["withheld"] == []
    assert {str(m.id) for m in hinged.pro + hinged.con} <= {stance["member"] for stance in full["stances"]}
    assert [a["scores"] for a in shared["arguments"]] == [a["scores"] for a in full["arguments"]]
