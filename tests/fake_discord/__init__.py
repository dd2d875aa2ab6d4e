"""A fake Discord on 127.0.0.1: REST under /api/v10 and the gateway websocket, for end-to-end tests.

It knows nothing about the bot under test. Any discord.py client pointed at it with `FakeDiscord.redirect()` runs
its real HTTP, gateway, app-command sync and interaction-webhook code. Payload shapes follow Discord's developer
documentation (the discord/discord-api-docs repository); every builder in `payloads` names the section it follows.
See ../../../shared/docs/discord-offline-testing.md for the facts this rests on.

Modules: `constants` (intents, permissions, flags, types, snowflakes), `world` (users, guilds, channels, records),
`payloads` (one builder per Discord object), `gateway` (sessions, websocket, dispatch), `rest` (HTTP plumbing),
`routes`, `routes_messages`, `routes_channels` and `routes_interactions` (REST handlers), `messages` (the message
store), `members` and `interactions` (member-side actions), `validation` (what Discord refuses), `server`
(`FakeDiscord` itself) and `harness` (pytest helpers and fixtures; import it explicitly, it needs pytest).
"""

from __future__ import annotations

from .constants import CallbackType, ChannelFlag, ChannelType, Intent, InteractionType, MessageFlag, OptionType, Perm
from .server import FakeDiscord, loopback_guard
from .world import (
    ActionRefused,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
    RequestRecord,
    UploadedFile,
)

__all__ = [
    "ActionRefused",
    "CallbackType",
    "ChannelFlag",
    "ChannelType",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Intent",
    "InteractionRecord",
    "InteractionType",
    "MessageFlag",
    "OptionType",
    "Perm",
    "RequestRecord",
    "UploadedFile",
    "loopback_guard",
]
