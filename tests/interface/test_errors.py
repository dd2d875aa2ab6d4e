"""The sentence a member reads when a command or component fails, or none when the failure is Crux's bug."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bot.errors import DebateError, SourceNotFound
from bot.interface.bot import user_message
from bot.interface.transformers import DebateTransformer

NO_DEBATE = "There is no debate 9 in this server. `/debate list` shows them."
REFUSED = "Discord refused Crux permission to do that here. Ask a server admin to check Crux's role."


async def _merge(interaction: discord.Interaction) -> None:
    """Merge a duplicate (a stand-in command for the errors to name)."""


COMMAND = app_commands.Command(name="merge", description="Merge a duplicate.", callback=_merge)


def invoke_error(original: Exception) -> app_commands.CommandInvokeError:
    """Return what discord.py raises when a command's body raised `original`."""
    return app_commands.CommandInvokeError(COMMAND, original)


def http_error(kind: type[discord.HTTPException], status: int, code: int, message: str) -> discord.HTTPException:
    """Return an HTTP error as discord.py raises it for a refused request."""
    return kind(SimpleNamespace(status=status, reason=message), {"code": code, "message": message})


def transformer_error(value: object, cause: Exception | None = None) -> app_commands.TransformerError:
    """Return the error of the `debate` option refusing a value, raised from `cause` when given."""
    error = app_commands.TransformerError(value, discord.AppCommandOptionType.integer, DebateTransformer())
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DebateError(NO_DEBATE), NO_DEBATE),
        (
            SourceNotFound("There is no source 4. `/source list` shows them."),
            "There is no source 4. `/source list` shows them.",
        ),
        (invoke_error(DebateError(NO_DEBATE)), NO_DEBATE),
        (app_commands.MissingPermissions(["manage_threads"]), "You need the **Manage Threads** permission to do that."),
        (app_commands.MissingPermissions(["manage_guild"]), "You need the **Manage Server** permission to do that."),
        (
            app_commands.BotMissingPermissions(["send_messages_in_threads", "embed_links"]),
            "Crux needs the **Send Messages In Threads** and **Embed Links** permission here. Ask a server admin.",
        ),
        (app_commands.NoPrivateMessage(), "That command only works inside a server."),
        (
            app_commands.CommandOnCooldown(app_commands.Cooldown(1, 30.0), 12.0),
            "Slow down a little: try again in 12 s.",
        ),
        (transformer_error("abc"), "`abc` is not a valid value there."),
        (transformer_error(9, DebateError(NO_DEBATE)), NO_DEBATE),
        (transformer_error(9, ValueError("invalid literal")), "`9` is not a valid value there."),
        (app_commands.CheckFailure(), "You can't use that command here."),
        (invoke_error(http_error(discord.Forbidden, 403, 50013, "Missing Permissions")), REFUSED),
        (http_error(discord.Forbidden, 403, 50001, "Missing Access"), REFUSED),
        (ValueError("boom"), None),
        (invoke_error(KeyError("debate")), None),
        (invoke_error(http_error(discord.NotFound, 404, 10008, "Unknown Message")), None),
        (invoke_error(http_error(discord.HTTPException, 500, 0, "Internal Server Error")), None),
    ],
    ids=[
        "a Crux error",
        "another Crux error",
        "a Crux error raised in a command",
        "member lacks a permission",
        "member lacks Manage Server",
        "Crux lacks permissions",
        "command used in a DM",
        "on cooldown",
        "value refused by an option",
        "option refused with a Crux error",
        "option failed with a bug",
        "another check failed",
        "Discord forbade what a command did",
        "Discord forbade what a button did",
        "a bug",
        "a bug raised in a command",
        "a message that is gone",
        "Discord failing",
    ],
)
def test_user_message(error: Exception, expected: str | None) -> None:
    """A member's mistake or a refusal reads as its sentence; Crux's own bug or a Discord failure gives None."""
    assert user_message(error) == expected
