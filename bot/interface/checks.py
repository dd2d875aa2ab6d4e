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

from bot.errors import DebateError

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


def permission_names(permissions: list[str]) -> str:
    """Return permission flag names as Discord's settings show them: **Manage Threads** and **Send Messages**."""
    return " and ".join(f"**{p.replace('_', ' ').replace('guild', 'server').title()}**" for p in permissions)


def require_in_channel(
    channel: discord.abc.GuildChannel, member: discord.Member, *, member_needs: list[str], crux_needs: list[str]
) -> None:
    """Refuse an action in `channel` (not the one a command was run in) unless the member and Crux may do it there."""
    theirs = channel.permissions_for(member)
    if missing := [name for name in member_needs if not getattr(theirs, name)]:
        raise DebateError(f"You need the {permission_names(missing)} permission in {channel.mention} to do that there.")
    mine = channel.permissions_for(channel.guild.me)
    if missing := [name for name in crux_needs if not getattr(mine, name)]:
        raise DebateError(
            f"Crux needs the {permission_names(missing)} permission in {channel.mention}. Ask a server admin to give "
            "Crux's role that permission there, then try again."
        )


def require_manage_threads(interaction: discord.Interaction) -> None:
    """Refuse a moderator-only part of a command (a public summary, a merge button) to a member without the right."""
    if not interaction.permissions.manage_threads:
        raise app_commands.MissingPermissions(["manage_threads"])
