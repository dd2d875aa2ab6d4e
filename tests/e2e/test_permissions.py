"""Crux never does for a member what the member may not do: posting for them, or opening debates elsewhere."""

from __future__ import annotations

from bot.interface.bot import CruxBot
from tests.e2e.conftest import World
from tests.e2e.test_debates import PRO_POINT, REBUTTAL, post
from tests.fake_discord import FakeChannel, FakeDiscord, Perm

MODAL = 9


async def test_rebut_is_refused_to_a_member_who_cannot_post_in_threads(
    fake: FakeDiscord, world: World, debate: dict[str, FakeChannel]
) -> None:
    """A member denied Send Messages in Threads gets a clear refusal from Rebut argument, and nothing is posted."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    fake.set_permission_overwrite(world.channel, world.moderator, deny=Perm.SEND_MESSAGES_IN_THREADS)
    before = len(fake.messages_in(debate["con"]))
    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.moderator, "Rebut argument", target)
    answer = await menu.wait_for_response()
    assert answer["type"] != MODAL
    assert f"You can't post in <#{debate['con'].id}>" in answer["data"]["content"]
    assert len(fake.messages_in(debate["con"])) == before


async def test_a_rebuttal_form_submitted_after_losing_the_right_posts_nothing(
    fake: FakeDiscord, world: World, debate: dict[str, FakeChannel]
) -> None:
    """Permissions are checked again when the form is sent: a member muted meanwhile gets a refusal, no post."""
    target = await post(fake, world, debate["pro"], world.member, PRO_POINT)
    menu = await fake.invoke_message_command(world.guild, debate["pro"], world.moderator, "Rebut argument", target)
    assert (await menu.wait_for_response())["type"] == MODAL
    fake.set_permission_overwrite(world.channel, world.moderator, deny=Perm.SEND_MESSAGES_IN_THREADS)
    await fake.gateway_barrier()
    before = len(fake.messages_in(debate["con"]))
    submitted = await fake.submit_modal(menu, {"text": REBUTTAL})
    told = await submitted.wait_for_final_message()
    assert "You can't post in" in told["content"]
    assert len(fake.messages_in(debate["con"])) == before


async def test_debate_start_checks_the_member_in_the_channel_it_names(
    fake: FakeDiscord, world: World, crux: CruxBot
) -> None:
    """A moderator of #general alone cannot open a debate in #other by naming it."""
    other = fake.add_text_channel(world.guild, "other")
    local = fake.add_member(world.guild, "local-mod", permissions=Perm.EVERYONE_DEFAULT)
    fake.set_permission_overwrite(world.channel, local, allow=Perm.MANAGE_THREADS)
    await fake.gateway_barrier()
    rec = await fake.invoke_slash_command(world.guild, world.channel, local, "debate start", {"channel": other})
    told = await rec.wait_for_final_message()
    assert f"You need the **Manage Threads** permission in <#{other.id}>" in told["content"]
    assert fake.threads_in(other) == []


async def test_debate_start_says_what_crux_lacks_in_the_channel(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """When Crux may not create threads in the channel, the moderator is told which permission, and nothing opens."""
    fake.set_bot_permissions(world.guild, Perm.ALL & ~Perm.ADMINISTRATOR)
    fake.set_permission_overwrite(world.channel, fake.bot_member(world.guild), deny=Perm.CREATE_PUBLIC_THREADS)
    await fake.gateway_barrier()
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.moderator, "debate start", {})
    told = await rec.wait_for_final_message()
    assert "Crux needs the **Create Public Threads** permission" in told["content"]
    assert fake.threads_in(world.channel) == []
