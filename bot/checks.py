"""Reusable permission checks, enforced when a command runs (Discord's hiding can be overridden per server)."""

from __future__ import annotations

from discord import app_commands

#: Members who may change the source library.
manages_server = app_commands.checks.has_permissions(manage_guild=True)

#: Members who may open, close and tidy debates.
manages_threads = app_commands.checks.has_permissions(manage_threads=True)
