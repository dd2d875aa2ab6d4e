"""/help lists every command and message menu Crux registered, with its description and who may use it."""

from __future__ import annotations

from bot.interface.bot import CruxBot
from tests.e2e.conftest import World
from tests.e2e.hinge_helpers import EPHEMERAL, embed_pages
from tests.fake_discord import FakeDiscord

CHAT_INPUT, SUB_COMMAND, MESSAGE_MENU = 1, 1, 3


def registered(fake: FakeDiscord, world: World) -> tuple[dict[str, str], list[str]]:
    """Return the slash commands Discord holds for the server (full name → description) and its message menus."""
    commands: dict[str, str] = {}
    menus: list[str] = []
    for command in fake.commands[world.guild.id]:
        if command.get("type", CHAT_INPUT) == MESSAGE_MENU:
            menus.append(command["name"])
            continue
        subcommands = [o for o in command.get("options", []) if o["type"] == SUB_COMMAND]
        for sub in subcommands or [command]:
            name = command["name"] if sub is command else f"{command['name']} {sub['name']}"
            commands[name] = sub["description"]
    return commands, menus


async def test_help_lists_every_registered_command_privately(fake: FakeDiscord, world: World, crux: CruxBot) -> None:
    """Each synced slash command appears once with its own description, each message menu by name, only to the asker."""
    rec = await fake.invoke_slash_command(world.guild, world.channel, world.member, "help", {})
    message = await rec.wait_for_final_message()
    assert message["flags"] & EPHEMERAL
    text = "\n".join(await embed_pages(fake, message, world.member))
    commands, menus = registered(fake, world)
    assert {"help", "source", "debate start", "map show", "cruxes"} <= commands.keys()
    for name, description in commands.items():
        assert text.count(f"`/{name}` — {description}") == 1, name
    assert {"Would change my mind", "Set reply relation"} <= set(menus)
    for menu in menus:
        assert f"**{menu}**" in text
    assert "`/debate start` — " in text
    line = next(line for line in text.splitlines() if line.startswith("`/sources add`"))
    assert line.endswith("**Manage Server**"), "a command for some members says for whom"
