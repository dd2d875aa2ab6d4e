"""Named permission checks: each hides a command from members without the permission and enforces it at run time.

Discord's `default_member_permissions` only hides a command, and a server admin can override it per server; it also
applies to top-level commands only (on a subcommand Discord ignores it). So every check here is enforced again when
the command runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

T = TypeVar("T")


def _hidden_and_enforced(**permissions: bool) -> Callable[[T], T]:
    def decorator(command: T) -> T:
        command = app_commands.default_permissions(**permissions)(command)
        return app_commands.checks.has_permissions(**permissions)(command)

    return decorator


#: Members who may change the source library.
manages_server = _hidden_and_enforced(manage_guild=True)

#: Members who may open, close and tidy debates, and choose the mod-log channel.
manages_threads = _hidden_and_enforced(manage_threads=True)


def require_manage_threads(interaction: discord.Interaction) -> None:
    """Refuse a moderator-only part of a command (a public summary, a merge button) to a member without the right."""
    if not interaction.permissions.manage_threads:
        raise app_commands.MissingPermissions(["manage_threads"])
