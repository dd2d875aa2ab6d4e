"""A fake Discord on 127.0.0.1: REST under /api/v10 and the gateway websocket, for end-to-end tests.

It knows nothing about the bot under test. Any discord.py client pointed at it with `FakeDiscord.redirect()` runs
its real HTTP, gateway, app-command sync and interaction-webhook code. Payload shapes follow Discord's developer
documentation (the discord/discord-api-docs repository); every builder below names the section it follows.
See ../../../shared/docs/discord-offline-testing.md for the facts this rests on.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import datetime
import itertools
import json
import mimetypes
import re
import secrets
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
GATEWAY_VERSION = 10


class Intent:
    """Gateway intent bits (Topics > Gateway > Gateway Intents)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class Perm:
    """Permission bits (Topics > Permissions > Bitwise Permission Flags)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1
    # What a new server's @everyone role gets.
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )


class ChannelType:
    """Resources > Channel > Channel Types (the ones the fake models)."""

    GUILD_TEXT = 0
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15
    GUILD_MEDIA = 16


class ChannelFlag:
    """Resources > Channel > Channel Flags."""

    PINNED = 1 << 1
    REQUIRE_TAG = 1 << 4


class MessageFlag:
    """Message flags (Resources > Message > Message Flags)."""

    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7


class OptionType:
    """Application command option types (Interactions > Application Commands > Application Command Option Type)."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class InteractionType:
    """Interactions > Receiving and Responding > Interaction Type."""

    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    """Interactions > Receiving and Responding > Interaction Callback Type."""

    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


# Interaction type -> the callback types Discord accepts for it.
ALLOWED_CALLBACKS = {
    InteractionType.APPLICATION_COMMAND: {
        CallbackType.CHANNEL_MESSAGE,
        CallbackType.DEFERRED_CHANNEL_MESSAGE,
        CallbackType.MODAL,
    },
    InteractionType.AUTOCOMPLETE: {CallbackType.AUTOCOMPLETE_RESULT},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}

THREAD_TYPES = (10, 11, 12)
FORUM_TYPES = (ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA)
AUTO_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
# Topics > Opcodes and Status Codes > Gateway Close Event Codes: after these the session cannot be resumed.
NON_RESUMABLE_CLOSE_CODES = frozenset({1000, 1001, 4007, 4009})
CUSTOM_EMOJI = re.compile(r"^<?a?:?([\w~]{1,32}):(\d+)>?$")
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


class SnowflakeFactory:
    """Make real, increasing snowflakes from the current time (Reference > Snowflakes)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
        self._last = max(now, self._last + 1)
        return self._last


def iso_now() -> str:
    """Return the current time as Discord's ISO8601 timestamp."""
    return datetime.datetime.now(datetime.UTC).isoformat()


def make_token(user_id: int) -> str:
    """Make a bot token shaped like a real one: base64url(user id) . timestamp . hmac."""
    head = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    stamp = base64.urlsafe_b64encode(int(time.time()).to_bytes(4, "big")).decode().rstrip("=")
    return f"{head}.{stamp}.{secrets.token_urlsafe(28)}"


# ---------------------------------------------------------------------------------------------------------------------
# World objects


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    tags: dict[str, Any] | None = None


@dataclass
class FakeMember:
    user: FakeUser
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def username(self) -> str:
        return self.user.username


@dataclass
class FakeChannel:
    id: int
    guild_id: int
    name: str
    type: int = 0
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    # Each {"id", "type": 0 role / 1 member, "allow", "deny"} with int bitfields.
    permission_overwrites: list[dict[str, int]] = field(default_factory=list)
    # Threads only (type 11 public, 12 private).
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=iso_now)
    archive_timestamp: str | None = None  # when `archived` last changed; the creation time until then
    applied_tags: list[int] = field(default_factory=list)  # threads in a forum: ids of the parent's tags
    message_count: int = 0  # not counting a forum post's starter message nor deleted messages
    total_message_sent: int = 0
    # Forum channels only: each {"id": int, "name", "moderated", "emoji_id": int | None, "emoji_name"}.
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_forum(self) -> bool:
        return self.type in FORUM_TYPES

    def tag_id(self, name: str) -> int:
        """Return the id of this forum's tag called `name`."""
        for tag in self.available_tags:
            if tag["name"] == name:
                return int(tag["id"])
        raise AssertionError(f"#{self.name} has no tag {name!r}; it has {[t['name'] for t in self.available_tags]}")


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int = 0
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[self.id]


# ---------------------------------------------------------------------------------------------------------------------
# Payload builders, one per Discord object


def user_payload(user: FakeUser) -> dict[str, Any]:
    """Resources > User > User Object."""
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }


def role_payload(role: FakeRole) -> dict[str, Any]:
    """Topics > Permissions > Role Object."""
    payload: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.tags is not None:
        payload["tags"] = role.tags
    return payload


def member_payload(member: FakeMember, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    """Resources > Guild > Guild Member Object (`permissions` only inside interactions)."""
    payload: dict[str, Any] = {
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in member.role_ids],
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def channel_payload(channel: FakeChannel, *, permissions: int | None = None) -> dict[str, Any]:
    """Resources > Channel > Channel Object (`permissions` only in interactions and resolved data)."""
    payload: dict[str, Any] = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "position": channel.position,
        "permission_overwrites": [
            {"id": str(o["id"]), "type": o["type"], "allow": str(o.get("allow", 0)), "deny": str(o.get("deny", 0))}
            for o in channel.permission_overwrites
        ],
        "name": channel.name,
        "topic": channel.topic,
        "nsfw": channel.nsfw,
        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
        "rate_limit_per_user": 0,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "default_auto_archive_duration": 1440,
        "flags": channel.flags,
    }
    if channel.is_forum:
        # Resources > Channel > Channel Object: the forum-only fields.
        payload.update(
            available_tags=[forum_tag_payload(t) for t in channel.available_tags],
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
            default_thread_rate_limit_per_user=0,
        )
    if channel.is_thread:
        # Topics > Threads: a thread is a channel with an owner, counts and thread_metadata.
        payload.pop("permission_overwrites")
        payload.update(
            owner_id=str(channel.owner_id),
            message_count=channel.message_count,
            member_count=1,
            total_message_sent=channel.total_message_sent,
            applied_tags=[str(t) for t in channel.applied_tags],
            thread_metadata={
                "archived": channel.archived,
                "auto_archive_duration": channel.auto_archive_duration,
                "archive_timestamp": channel.archive_timestamp or channel.created_at,
                "locked": channel.locked,
                "create_timestamp": channel.created_at,
                **({"invitable": True} if channel.type == 12 else {}),
            },
        )
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def forum_tag_payload(tag: dict[str, Any]) -> dict[str, Any]:
    """Resources > Channel > Forum Tag Object."""
    return {
        "id": str(tag["id"]),
        "name": tag["name"],
        "moderated": bool(tag.get("moderated", False)),
        "emoji_id": str(tag["emoji_id"]) if tag.get("emoji_id") else None,
        "emoji_name": tag.get("emoji_name"),
    }


def guild_payload(guild: FakeGuild, *, application_id: int | None = None) -> dict[str, Any]:
    """Resources > Guild > Guild Object."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": str(application_id) if application_id else None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.locale,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
    }


def guild_create_payload(
    guild: FakeGuild, members: list[FakeMember], *, application_id: int, threads: list[FakeChannel] | None = None
) -> dict[str, Any]:
    """Events > Gateway Events > Guild Create: the guild object plus the extra gateway fields (active threads)."""
    payload = guild_payload(guild, application_id=application_id)
    payload.update(
        {
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [member_payload(m) for m in members],
            "channels": [channel_payload(c) for c in guild.channels.values()],
            "threads": [channel_payload(t) for t in threads or []],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return payload


def attachment_payload(
    attachment_id: int, filename: str, size: int, url: str, *, content_type: str | None, description: str | None = None
) -> dict[str, Any]:
    """Resources > Message > Attachment Object."""
    payload: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
        "flags": 0,
    }
    if description is not None:
        payload["description"] = description
    return payload


def message_payload(
    *,
    message_id: int,
    channel: FakeChannel,
    author: FakeUser,
    content: str = "",
    embeds: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    message_type: int = 0,
    tts: bool = False,
    mentions: list[dict[str, Any]] | None = None,
    mention_roles: list[str] | None = None,
    mention_everyone: bool = False,
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: dict[str, Any] | None = None,
    allowed_mentions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Resources > Message > Message Object (plus `guild_id`, and `allowed_mentions` as the sender sent it)."""
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "guild_id": str(channel.guild_id),
        "author": user_payload(author),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": mention_everyone,
        "mentions": mentions or [],
        "mention_roles": mention_roles or [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
        "components": components or [],
        "allowed_mentions": allowed_mentions,
    }
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    if interaction_metadata is not None:
        payload["interaction_metadata"] = interaction_metadata
    return payload


def reference_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Resources > Message > Message Reference Object for a reply (type 0, DEFAULT)."""
    return {
        "type": 0,
        "message_id": message["id"],
        "channel_id": message["channel_id"],
        "guild_id": message["guild_id"],
    }


def referenced_message_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Resources > Message > Message Object `referenced_message`: the replied-to message, one level deep."""
    snapshot = {k: v for k, v in message.items() if k not in ("allowed_mentions", "referenced_message", "thread")}
    return copy.deepcopy(snapshot)


def reaction_emoji_payload(emoji: str) -> dict[str, Any]:
    """Resources > Emoji > Emoji Object as reactions carry it: a unicode emoji has a null id."""
    return {"id": None, "name": emoji}


def reaction_event_payload(
    message: dict[str, Any], user_id: int, emoji: str, *, member: FakeMember | None = None, add: bool = True
) -> dict[str, Any]:
    """Events > Gateway Events > Message Reaction Add / Remove (`member`, `message_author_id`, `burst_colors`: add)."""
    payload: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": message["channel_id"],
        "message_id": message["id"],
        "guild_id": message["guild_id"],
        "emoji": reaction_emoji_payload(emoji),
        "burst": False,
        "type": 0,  # normal, not a super-reaction
    }
    if add:
        if member is not None:
            payload["member"] = member_payload(member)
        payload["message_author_id"] = message["author"]["id"]
        payload["burst_colors"] = []
    return payload


def reaction_payload(emoji: str, user_ids: set[int] | dict[int, None], *, viewer_id: int) -> dict[str, Any]:
    """Resources > Message > Reaction Object (as the viewer sees it: `me`)."""
    return {
        "count": len(user_ids),
        "count_details": {"burst": 0, "normal": len(user_ids)},
        "me": viewer_id in user_ids,
        "me_burst": False,
        "emoji": reaction_emoji_payload(emoji),
        "burst_colors": [],
    }


def application_payload(app_id: int, name: str, owner: FakeUser) -> dict[str, Any]:
    """Resources > Application > Application Object."""
    return {
        "id": str(app_id),
        "name": name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner),
        "verify_key": secrets.token_hex(32),
        "team": None,
        "flags": 0,
        "interactions_endpoint_url": None,
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "approximate_guild_count": 1,
        "integration_types_config": {"0": {}},
    }


def application_command_payload(
    data: dict[str, Any], *, command_id: int, application_id: int, version: int, guild_id: int | None
) -> dict[str, Any]:
    """Interactions > Application Commands > Application Command Object, as Discord echoes a synced command."""
    perms = data.get("default_member_permissions")
    payload: dict[str, Any] = {
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
        "type": data.get("type", 1),
        "name": data["name"],
        "name_localizations": data.get("name_localizations"),
        "description": data.get("description", ""),
        "description_localizations": data.get("description_localizations"),
        "options": data.get("options", []),
        "default_member_permissions": None if perms is None else str(perms),
        "nsfw": data.get("nsfw", False),
        "contexts": data.get("contexts"),
        "integration_types": data.get("integration_types", [0]),
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    else:
        payload["dm_permission"] = data.get("dm_permission", True)
    return payload


def interaction_payload(
    *,
    interaction_id: int,
    application_id: int,
    interaction_type: int,
    token: str,
    data: dict[str, Any],
    guild: FakeGuild,
    channel: FakeChannel,
    member: FakeMember,
    member_permissions: int,
    app_permissions: int,
    locale: str,
    attachment_size_limit: int,
) -> dict[str, Any]:
    """Interactions > Receiving and Responding > Interaction Object (a guild interaction from a guild install)."""
    return {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "data": data,
        "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
        "guild_id": str(guild.id),
        "channel": channel_payload(channel, permissions=member_permissions),
        "channel_id": str(channel.id),
        "member": member_payload(member, permissions=member_permissions),
        "token": token,
        "version": 1,
        "app_permissions": str(app_permissions),
        "locale": locale,
        "guild_locale": guild.locale,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": attachment_size_limit,
    }


def interaction_metadata_payload(rec: InteractionRecord) -> dict[str, Any]:
    """Resources > Message > Message Interaction Metadata Object, for a message answering `rec`."""
    payload: dict[str, Any] = {
        "id": str(rec.id),
        "type": rec.type,
        "user": rec.payload["member"]["user"],
        "authorizing_integration_owners": rec.payload["authorizing_integration_owners"],
    }
    data = rec.payload["data"]
    if rec.type == InteractionType.APPLICATION_COMMAND:
        payload.update(name=rec.command, command_type=data.get("type", 1))
        if data.get("type") == 3:
            payload["target_message_id"] = data["target_id"]
    elif rec.type == InteractionType.MESSAGE_COMPONENT and rec.source_message is not None:
        payload["interacted_message_id"] = rec.source_message["id"]
    elif rec.type == InteractionType.MODAL_SUBMIT and rec.opened_by is not None:
        payload["triggering_interaction_metadata"] = interaction_metadata_payload(rec.opened_by)
    return payload


def callback_response_payload(rec: InteractionRecord, message: dict[str, Any] | None) -> dict[str, Any]:
    """Interactions > Receiving and Responding > Interaction Callback Response Object."""
    assert rec.response is not None
    interaction: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
    if message is not None:
        interaction["response_message_id"] = message["id"]
        interaction["response_message_loading"] = bool(message["flags"] & MessageFlag.LOADING)
        interaction["response_message_ephemeral"] = bool(message["flags"] & MessageFlag.EPHEMERAL)
    resource: dict[str, Any] = {"type": rec.response["type"]}
    if message is not None:
        resource["message"] = message
    return {"interaction": interaction, "resource": resource}


# ---------------------------------------------------------------------------------------------------------------------
# Records


class ActionRefused(AssertionError):
    """Discord would refuse this member-side action; carries the HTTP status and JSON error code it would answer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"Discord refuses this: {status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RequestRecord:
    method: str
    path: str
    route_template: str
    json: Any
    files: list[UploadedFile]
    status: int
    response: Any
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)


class InteractionRecord:
    """One interaction the fake sent, and everything the client answered to it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any], command: str) -> None:
        self.fake = fake
        self.payload = payload
        self.command = command
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id = int(payload["channel_id"])
        self.created_at = asyncio.get_running_loop().time()
        self.response: dict[str, Any] | None = None  # the callback body: {"type": ..., "data": ...}
        self.responded_at: float | None = None
        self.late_responses: list[dict[str, Any]] = []  # callbacks that came after the deadline
        self.original_message: dict[str, Any] | None = None
        self.followups: list[dict[str, Any]] = []
        self.guild: FakeGuild | None = None
        self.channel: FakeChannel | None = None
        self.member: FakeMember | None = None
        self.locale = "en-US"
        self.source_message: dict[str, Any] | None = None  # the message whose component was used
        self.opened_by: InteractionRecord | None = None  # for a modal submit: the interaction that opened the modal

    @property
    def late(self) -> bool:
        return bool(self.late_responses)

    @property
    def response_type(self) -> int | None:
        return None if self.response is None else self.response["type"]

    @property
    def ephemeral(self) -> bool:
        data = (self.response or {}).get("data") or {}
        return bool(int(data.get("flags") or 0) & MessageFlag.EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        if self.response_type != CallbackType.AUTOCOMPLETE_RESULT:
            return None
        return (self.response.get("data") or {}).get("choices", [])  # type: ignore[union-attr]

    @property
    def final_message(self) -> dict[str, Any] | None:
        """Return what the member ends up seeing, or None while nothing but 'thinking…' is shown."""
        original = self.original_message
        if original is not None and not original["flags"] & MessageFlag.LOADING:
            return original
        return self.followups[0] if self.followups else None

    async def wait_for_response(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait for the initial callback and return its body; fail if it only came after the deadline."""
        await self.fake.wait_for(
            lambda: self.response is not None or self.late, timeout, what=f"a response to /{self.command}"
        )
        if self.response is None:
            raise AssertionError(
                f"/{self.command} was answered after the {self.fake.interaction_deadline}s deadline; "
                "the member sees 'The application did not respond'"
            )
        return self.response

    async def wait_for_final_message(self, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until the member sees a real message (not the 'thinking…' placeholder) and return it."""
        await self.wait_for_response(timeout)
        return await self.fake.wait_for(
            lambda: self.final_message, timeout, what=f"the final message of /{self.command}"
        )

    async def wait_for_followups(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Wait for at least `count` followup messages and return them."""
        await self.fake.wait_for(
            lambda: len(self.followups) >= count, timeout, what=f"{count} followup(s) to /{self.command}"
        )
        return self.followups


# ---------------------------------------------------------------------------------------------------------------------
# Gateway


class _Session:
    def __init__(self, session_id: str, intents: int, identify: dict[str, Any]) -> None:
        self.session_id = session_id
        self.intents = intents
        self.identify = identify
        self.seq = 0
        self.frames: list[dict[str, Any]] = []  # everything dispatched, for RESUME replay
        self.connection: _Connection | None = None

    def next_frame(self, event: str, data: Any) -> dict[str, Any]:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.frames.append(frame)
        return frame


class _Connection:
    """One gateway websocket: a single writer task serialises frames through one compression context."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, compression: str | None) -> None:
        self.fake = fake
        self.ws = ws
        self.session: _Session | None = None
        self.closed_by_server = False
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.lock = asyncio.Lock()
        self._compress = self._make_compressor(compression)
        self.writer = asyncio.create_task(self._write_loop())

    @staticmethod
    def _make_compressor(compression: str | None) -> Callable[[bytes], bytes] | None:
        if compression == "zlib-stream":
            zobj = zlib.compressobj()
            return lambda raw: zobj.compress(raw) + zobj.flush(zlib.Z_SYNC_FLUSH)
        if compression == "zstd-stream":
            try:
                import zstandard  # type: ignore[import-not-found]
            except ImportError:  # Python 3.14's stdlib module
                from compression import zstd  # type: ignore[import-not-found]

                zs = zstd.ZstdCompressor()
                return lambda raw: zs.compress(raw, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
            zsobj = zstandard.ZstdCompressor().compressobj()
            return lambda raw: zsobj.compress(raw) + zsobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return None

    def send(self, frame: dict[str, Any]) -> None:
        self.queue.put_nowait(("frame", frame))

    def close(self, code: int, reason: str = "") -> None:
        self.queue.put_nowait(("close", (code, reason)))

    async def _write_loop(self) -> None:
        while True:
            kind, item = await self.queue.get()
            async with self.lock:
                if self.ws.closed:
                    continue
                if kind == "close":
                    code, reason = item
                    self.closed_by_server = True
                    await self.ws.close(code=code, message=reason.encode())
                    continue
                raw = json.dumps(item, separators=(",", ":")).encode()
                try:
                    if self._compress is None:
                        await self.ws.send_str(raw.decode())
                    else:
                        await self.ws.send_bytes(self._compress(raw))
                except (ConnectionResetError, RuntimeError):
                    continue  # the frame stays in the session for a RESUME replay
                self.fake.gateway_sent.append(item)
            self.fake._notify()


# ---------------------------------------------------------------------------------------------------------------------
# The fake


@dataclass
class _Reply:
    status: int
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> _Reply:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _Reply(status, body)


BODY = web.RequestKey("body", Any)
FILES = web.RequestKey("files", list)
NOT_FOUND = {"message": "404: Not Found", "code": 0}
NO_AUTH_ROUTES = {"/gateway", "/interactions/{id}/{token}/callback", "/attachments/{id}/{filename}"}


class FakeDiscord:
    """A fake Discord on 127.0.0.1: one bot, guilds, members, text and forum channels, threads, messages, reactions,
    slash commands, message context menus, components, modals, and gateway outages (resumable or not).

    `send_user_message` and `add_reaction` raise `ActionRefused` where Discord would refuse the member; every
    member-side helper raises AssertionError for what no Discord client could even send (unsynced commands…).
    """

    def __init__(
        self,
        *,
        interaction_deadline: float = 3.0,
        followup_window: float = 15 * 60.0,
        transport_compression: bool = True,
        enabled_intents: int = Intent.PRIVILEGED,
        heartbeat_interval_ms: int = 41250,
        bot_name: str = "Crux",
        attachment_size_limit: int = 10 * 1024 * 1024,
    ) -> None:
        self.interaction_deadline = interaction_deadline
        self.followup_window = followup_window
        self.transport_compression = transport_compression
        self.enabled_intents = enabled_intents  # privileged intents switched on in the developer portal
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.attachment_size_limit = attachment_size_limit
        self.snowflake = SnowflakeFactory()

        bot_id = self.snowflake()
        self.application_id = bot_id
        self._bot = FakeUser(bot_id, bot_name, bot=True)
        self._owner = FakeUser(self.snowflake(), "app-owner")
        self.token = make_token(bot_id)

        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.users: dict[int, FakeUser] = {bot_id: self._bot}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.requests: list[RequestRecord] = []
        self.unhandled: list[RequestRecord] = []
        self.interactions: list[InteractionRecord] = []
        self.identify: dict[str, Any] | None = None
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.gateway_sent: list[dict[str, Any]] = []
        self.gateway_connections: list[dict[str, str]] = []  # the query of each websocket (v, encoding, compress)

        self._messages: dict[int, list[dict[str, Any]]] = {}
        self._reactions: dict[int, dict[str, dict[int, None]]] = {}  # message id -> emoji -> user ids, in order
        self._attachments: dict[int, tuple[str, str, bytes]] = {}
        self._interactions_by_id: dict[int, InteractionRecord] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._forced_429: list[dict[str, Any]] = []
        self._failure_checks: list[Callable[[], str | None]] = []
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0
        self._catch_all: web.AbstractRoute | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 on a free port."""
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close every socket and stop serving."""
        for conn in list(self._connections):
            conn.writer.cancel()
            await conn.ws.close(code=1001)
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> dict[str, Any]:
        return user_payload(self._bot)

    @property
    def bot_id(self) -> int:
        return self._bot.id

    @contextlib.contextmanager
    def redirect(self) -> Iterator[FakeDiscord]:
        """Point discord.py's REST routes and gateway at this fake, restoring them afterwards."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @staticmethod
    def loopback_guard() -> aiohttp.TraceConfig:
        return loopback_guard()

    # -- waiting ------------------------------------------------------------------------------------------------------

    def add_failure_check(self, check: Callable[[], str | None]) -> None:
        """Make `wait_for` fail at once whenever `check()` returns a message (e.g. an error was logged)."""
        self._failure_checks.append(check)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    def notify_threadsafe(self) -> None:
        """Wake `wait_for` from any thread (the error capture calls this)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._notify)

    def _raise_failures(self) -> None:
        for check in self._failure_checks:
            problem = check()
            if problem:
                raise AssertionError(problem)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:  # noqa: ASYNC109
        """Wait until `predicate()` is truthy and return its value.

        It is re-checked after every request and gateway frame, and for a few loop turns after each (so the client
        can process a frame just sent). Fails at once when a failure check (a logged error) reports a problem.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            assert self._changed is not None, "the fake is not started"
            changed = self._changed
            for _ in range(20):
                self._raise_failures()
                result = predicate()
                if result:
                    return result
                await asyncio.sleep(0)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def gateway_barrier(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Ask every connected client for a heartbeat; when it answers, it has processed every earlier frame."""
        live = [c for c in self._connections if c.session is not None and not c.ws.closed]
        start = len(self.gateway_received)
        for conn in live:
            conn.send({"op": 1, "d": None})
        await self.wait_for(
            lambda: sum(1 for f in self.gateway_received[start:] if f.get("op") == 1) >= len(live),
            timeout,
            what="heartbeats answering the barrier",
        )

    # -- world building -----------------------------------------------------------------------------------------------

    def add_guild(
        self,
        name: str,
        *,
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        bot_permissions: int = Perm.ADMINISTRATOR,
        locale: str = "en-US",
    ) -> FakeGuild:
        """Create a guild with its @everyone role, an owner, and the bot as a member with a managed role."""
        guild = FakeGuild(self.snowflake(), name, locale=locale)
        guild.roles[guild.id] = FakeRole(guild.id, "@everyone", everyone_permissions, position=0)
        self.guilds[guild.id] = guild
        owner = self._add_member(guild, "guild-owner", 0, bot=False)
        guild.owner_id = owner.id
        bot_role = FakeRole(self.snowflake(), self._bot.username, bot_permissions, position=1, managed=True)
        bot_role.tags = {"bot_id": str(self._bot.id)}
        guild.roles[bot_role.id] = bot_role
        guild.members[self._bot.id] = FakeMember(self._bot, guild.id, [bot_role.id])
        for session in self._sessions.values():
            self._send(session, "GUILD_CREATE", self._guild_create_for(guild, session))
        return guild

    def add_text_channel(
        self,
        guild: FakeGuild,
        name: str,
        *,
        topic: str | None = None,
        permission_overwrites: list[dict[str, int]] | None = None,
        channel_type: int = 0,
    ) -> FakeChannel:
        """Create a text channel (or another type given by `channel_type`) in `guild`."""
        channel = FakeChannel(
            self.snowflake(),
            guild.id,
            name,
            type=channel_type,
            position=len(guild.channels),
            topic=topic,
            permission_overwrites=list(permission_overwrites or []),
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._messages[channel.id] = []
        self.dispatch("CHANNEL_CREATE", channel_payload(channel), intent=Intent.GUILDS)
        return channel

    def add_forum_channel(
        self,
        guild: FakeGuild,
        name: str,
        *,
        tags: Iterable[str | dict[str, Any]] = ("Pro", "Con"),
        topic: str | None = None,
        permission_overwrites: list[dict[str, int]] | None = None,
        require_tag: bool = False,
    ) -> FakeChannel:
        """Create a forum channel (type 15) whose posts can carry `tags` (names, or dicts with name/moderated/emoji)."""
        channel = FakeChannel(
            self.snowflake(),
            guild.id,
            name,
            type=ChannelType.GUILD_FORUM,
            position=len(guild.channels),
            topic=topic,
            permission_overwrites=list(permission_overwrites or []),
            flags=ChannelFlag.REQUIRE_TAG if require_tag else 0,
        )
        for tag in tags:
            spec = {"name": tag} if isinstance(tag, str) else dict(tag)
            channel.available_tags.append(
                {
                    "id": int(spec.get("id") or self.snowflake()),
                    "name": spec["name"],
                    "moderated": bool(spec.get("moderated", False)),
                    "emoji_id": int(spec["emoji_id"]) if spec.get("emoji_id") else None,
                    "emoji_name": spec.get("emoji_name"),
                }
            )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._messages[channel.id] = []
        self.dispatch("CHANNEL_CREATE", channel_payload(channel), intent=Intent.GUILDS)
        return channel

    def bot_role(self, guild: FakeGuild) -> FakeRole:
        """Return the bot's managed role in `guild` (its permissions are the bot's guild-wide permissions)."""
        return next(guild.roles[r] for r in self._bot_member(guild).role_ids if guild.roles[r].managed)

    def set_bot_permissions(self, guild: FakeGuild, permissions: int) -> None:
        """Change the permissions of the bot's role in `guild` (GUILD_ROLE_UPDATE)."""
        role = self.bot_role(guild)
        role.permissions = permissions
        payload = {"guild_id": str(guild.id), "role": role_payload(role)}
        self.dispatch("GUILD_ROLE_UPDATE", payload, intent=Intent.GUILDS)

    def set_permission_overwrite(
        self,
        channel: FakeChannel,
        target: FakeMember | FakeUser | FakeRole | FakeGuild,
        *,
        allow: int = 0,
        deny: int = 0,
    ) -> None:
        """Set a channel's overwrite for a member, role or (a guild: @everyone); e.g. `fake.bot_member(guild)`.

        Threads have no overwrites: they use their parent's. Dispatches CHANNEL_UPDATE.
        """
        assert not channel.is_thread, "threads take their permissions from their parent channel"
        if isinstance(target, FakeMember | FakeUser):
            key = {"id": target.id, "type": 1}
        else:  # a role, or the guild for its @everyone role (same id)
            key = {"id": target.id, "type": 0}
        channel.permission_overwrites = [
            o for o in channel.permission_overwrites if (o["id"], o["type"]) != (key["id"], key["type"])
        ]
        if allow or deny:
            channel.permission_overwrites.append({**key, "allow": allow, "deny": deny})
        self.dispatch("CHANNEL_UPDATE", channel_payload(channel), intent=Intent.GUILDS)

    def bot_member(self, guild: FakeGuild) -> FakeMember:
        """Return the bot's own member in `guild`."""
        return self._bot_member(guild)

    def add_member(self, guild: FakeGuild, username: str, permissions: int = 0, *, bot: bool = False) -> FakeMember:
        """Add a member; non-zero `permissions` come from a role of their own, on top of @everyone's."""
        member = self._add_member(guild, username, permissions, bot=bot)
        payload = member_payload(member)
        payload["guild_id"] = str(guild.id)
        self.dispatch("GUILD_MEMBER_ADD", payload, intent=Intent.GUILD_MEMBERS)
        return member

    def _add_member(self, guild: FakeGuild, username: str, permissions: int, *, bot: bool) -> FakeMember:
        user = FakeUser(self.snowflake(), username, bot=bot, global_name=username.title())
        self.users[user.id] = user
        member = FakeMember(user, guild.id)
        if permissions:
            role = FakeRole(self.snowflake(), f"{username} role", permissions, position=len(guild.roles))
            guild.roles[role.id] = role
            member.role_ids.append(role.id)
            self.dispatch(
                "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role_payload(role)}, intent=Intent.GUILDS
            )
        guild.members[user.id] = member
        return member

    def add_attachment(
        self, filename: str, data: bytes, content_type: str | None = None, *, description: str | None = None
    ) -> dict[str, Any]:
        """Store a file a member uploads (e.g. for an attachment option) and return its attachment payload."""
        payload = self._store_attachment(filename, data, content_type, description)
        payload["ephemeral"] = True  # files uploaded for a command option are ephemeral attachments
        return payload

    def _store_attachment(
        self, filename: str, data: bytes, content_type: str | None, description: str | None = None
    ) -> dict[str, Any]:
        if not self.port:
            raise RuntimeError("start the fake before adding attachments: their url points at it")
        guessed = mimetypes.guess_type(filename)[0]
        if content_type in (None, "application/octet-stream") and guessed:
            content_type = guessed
        if content_type and content_type.startswith("text/") and "charset" not in content_type:
            content_type += "; charset=utf-8"
        attachment_id = self.snowflake()
        self._attachments[attachment_id] = (filename, content_type or "application/octet-stream", data)
        url = f"{self.base_url}/attachments/{attachment_id}/{urllib.parse.quote(filename)}"
        return attachment_payload(
            attachment_id, filename, len(data), url, content_type=content_type, description=description
        )

    def attachment_bytes(self, attachment: dict[str, Any] | int | str) -> bytes:
        """Return the bytes of an attachment (payload dict or id) stored in the fake."""
        attachment_id = int(attachment["id"] if isinstance(attachment, dict) else attachment)
        return self._attachments[attachment_id][2]

    # -- permissions --------------------------------------------------------------------------------------------------

    def permissions_for(self, guild: FakeGuild, member: FakeMember, channel: FakeChannel | None = None) -> int:
        """Compute a member's permissions (Topics > Permissions > Permission Overwrites)."""
        if member.id == guild.owner_id:
            return Perm.ALL
        perms = guild.everyone_role.permissions
        for role_id in member.role_ids:
            perms |= guild.roles[role_id].permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        if channel is None:
            return perms
        if channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        overwrites = {(o["type"], o["id"]): o for o in channel.permission_overwrites}
        everyone = overwrites.get((0, guild.id))
        if everyone:
            perms = (perms & ~everyone.get("deny", 0)) | everyone.get("allow", 0)
        allow = deny = 0
        for role_id in member.role_ids:
            o = overwrites.get((0, role_id))
            if o:
                allow |= o.get("allow", 0)
                deny |= o.get("deny", 0)
        perms = (perms & ~deny) | allow
        own = overwrites.get((1, member.id))
        if own:
            perms = (perms & ~own.get("deny", 0)) | own.get("allow", 0)
        return perms

    def _bot_member(self, guild: FakeGuild) -> FakeMember:
        return guild.members[self._bot.id]

    def _bot_can_view(self, channel: FakeChannel) -> bool:
        guild = self.guilds[channel.guild_id]
        return bool(self.permissions_for(guild, self._bot_member(guild), channel) & Perm.VIEW_CHANNEL)

    # -- gateway dispatch ---------------------------------------------------------------------------------------------

    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        intent: int | None = None,
        transform: Callable[[Any, _Session], Any] | None = None,
    ) -> None:
        """Send a DISPATCH to every session whose intents cover `intent`; buffered for RESUME if disconnected."""
        for session in list(self._sessions.values()):
            if intent is not None and not session.intents & intent:
                continue
            self._send(session, event, transform(data, session) if transform else data)

    def _send(self, session: _Session, event: str, data: Any) -> None:
        frame = session.next_frame(event, data)
        if session.connection is not None:
            session.connection.send(frame)

    def drop_connections(self, code: int = 4000, *, resumable: bool | None = None) -> asyncio.Task[None]:
        """Close every gateway socket with `code` at once; await the returned task or not.

        By default 4007, 4009, 1000 and 1001 end the session (Topics > Opcodes and Status Codes > Gateway Close Event
        Codes): the client's RESUME gets INVALID_SESSION, it IDENTIFIEs afresh (READY, GUILD_CREATE) and nothing that
        happened in between is replayed. Other codes keep the session: events dispatched meanwhile are buffered and
        replayed on RESUME. `resumable` overrides the choice. discord.py waits 5 s before a non-initial IDENTIFY
        (`Client.before_identify_hook`); test clients can override that hook.
        """
        if resumable is None:
            resumable = code not in NON_RESUMABLE_CLOSE_CODES
        for conn in list(self._connections):
            self._detach(conn, end_session=not resumable)
            conn.close(code, "dropped by the test")
        if not resumable:
            self._sessions.clear()
        return self._spawn(asyncio.sleep(0))

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9) to every connected client (Topics > Gateway Events > Invalid Session).

        With `resumable=False` the sessions end at once: the client IDENTIFIEs again and gets no replay.
        """
        for conn in list(self._connections):
            if conn.session is None:
                continue
            conn.send({"op": 9, "d": resumable})
            self._detach(conn, end_session=not resumable)
        if not resumable:
            self._sessions.clear()

    def _detach(self, conn: _Connection, *, end_session: bool) -> None:
        """Stop routing dispatches to `conn`: they are buffered for a RESUME, or dropped with the session."""
        session = conn.session
        if session is None:
            return
        conn.session = None
        if session.connection is conn:
            session.connection = None
        if end_session:
            self._sessions.pop(session.session_id, None)

    @property
    def connected(self) -> bool:
        """Whether any client currently has a live gateway session (False while the bot process is down)."""
        return any(s.connection is not None and not s.connection.ws.closed for s in self._sessions.values())

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.gateway_connections.append(dict(request.query))
        compression = request.query.get("compress") if self.transport_compression else None
        conn = _Connection(self, ws, compression)
        self._connections.add(conn)
        # Topics > Gateway > Hello Event
        conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                    self.gateway_received.append(frame)
                    self._on_frame(conn, frame)
                    self._notify()
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if not conn.closed_by_server and ws.close_code in (1000, 1001):  # the client ended the session
                    self._sessions.pop(session.session_id, None)
            conn.writer.cancel()
            self._notify()
        return ws

    def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:  # Heartbeat -> Heartbeat ACK
            conn.send({"op": 11})
        elif op == 2:
            self._identify(conn, data)
        elif op == 6:
            self._resume(conn, data)
        elif op == 8:
            self._request_members(conn, data)

    def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        self.identify = data
        self.identifies.append(data)
        if data.get("token") != self.token:
            conn.close(4004, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & Intent.PRIVILEGED & ~self.enabled_intents:
            conn.close(4014, "Disallowed intent(s).")
            return
        session = _Session(secrets.token_hex(16), intents, data)
        self._sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        ready = {
            # Events > Gateway Events > Ready
            "v": GATEWAY_VERSION,
            "user": self.bot_user,
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        self._send(session, "READY", ready)
        for guild in self.guilds.values():
            self._send(session, "GUILD_CREATE", self._guild_create_for(guild, session))

    def _guild_create_for(self, guild: FakeGuild, session: _Session) -> dict[str, Any]:
        # Without GUILD_PRESENCES, Discord lists only the bot (and voice members) in GUILD_CREATE.
        if session.intents & Intent.GUILD_PRESENCES:
            members = list(guild.members.values())
        else:
            members = [self._bot_member(guild)]
        # Active threads the bot can see, so a freshly connected client knows them (Topics > Threads).
        threads = [t for t in self.active_threads(guild) if self._bot_can_view(t)]
        return guild_create_payload(guild, members, application_id=self.application_id, threads=threads)

    def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        session = self._sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            conn.send({"op": 9, "d": False})  # Invalid Session, not resumable
            return
        if session.connection is not None and session.connection is not conn:
            session.connection.close(4000, "superseded by a RESUME")
        session.connection = conn
        conn.session = session
        last = data.get("seq") or 0
        for frame in session.frames:
            if frame["s"] > last:
                conn.send(frame)
        self._send(session, "RESUMED", {})

    def _request_members(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = conn.session
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if session is None or guild is None:
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.username.lower().startswith(data["query"].lower())]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk = {
            # Events > Gateway Events > Guild Members Chunk
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- member-side actions ------------------------------------------------------------------------------------------

    async def send_user_message(
        self,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        content: str,
        *,
        reply_to: dict[str, Any] | int | None = None,
        mention_author: bool = True,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Post a message as `member` in a channel or thread; dispatch MESSAGE_CREATE (blank without MESSAGE_CONTENT).

        With `reply_to` (a message or its id, in the same channel) it is a reply (type 19) that pings the replied-to
        author unless `mention_author=False`. Works with no client connected: the message is only stored then.
        Raises `ActionRefused` where Discord would refuse the member (no access, no send permission, a locked
        thread without Manage Threads, a forum channel itself). Posting in an archived thread unarchives it.
        """
        self._check_place(guild, channel, member)
        if refusal := self._member_cannot_post(guild, channel, member, bool(attachments)):
            raise refusal
        message = message_payload(
            message_id=self.snowflake(),
            channel=channel,
            author=member.user,
            content=content,
            attachments=[{k: v for k, v in a.items() if k != "ephemeral"} for a in attachments or []],
            mentions=self._user_mentions(content),
            mention_roles=[r for r in ROLE_MENTION.findall(content) if int(r) in guild.roles],
            mention_everyone="@everyone" in content or "@here" in content,
        )
        if reply_to is not None:
            target = self._stored_message(reply_to)
            assert target["channel_id"] == str(channel.id), "a reply must be in the channel of the message it answers"
            message.update(
                type=19,
                message_reference=reference_payload(target),
                referenced_message=referenced_message_payload(target),
            )
            if mention_author and all(m["id"] != target["author"]["id"] for m in message["mentions"]):
                message["mentions"].append(target["author"])
        self._append_message(channel, message)
        self._dispatch_message("MESSAGE_CREATE", message, guild, member)
        self._unarchive_on_post(channel)
        await asyncio.sleep(0)
        return message

    async def edit_user_message(self, message: dict[str, Any] | int, content: str) -> dict[str, Any]:
        """Edit a member's message (MESSAGE_UPDATE with the new content and `edited_timestamp`); return it."""
        stored = self._stored_message(message)
        author = self._author_member(stored)
        assert not self.users[author.id].bot, "edit_user_message edits members' messages; the bot edits over REST"
        guild = self.guilds[author.guild_id]
        stored.update(
            content=content,
            mentions=self._user_mentions(content),
            mention_roles=[r for r in ROLE_MENTION.findall(content) if int(r) in guild.roles],
            mention_everyone="@everyone" in content or "@here" in content,
            edited_timestamp=iso_now(),
        )
        self._dispatch_message("MESSAGE_UPDATE", stored, guild, author)
        await asyncio.sleep(0)
        return stored

    async def delete_user_message(self, message: dict[str, Any] | int) -> None:
        """Delete a member's message as its author (MESSAGE_DELETE with ids only)."""
        stored = self._stored_message(message)
        self._remove_message(stored)
        await asyncio.sleep(0)

    async def add_reaction(self, message: dict[str, Any] | int, member: FakeMember, emoji: str) -> None:
        """React to a message as `member` with a unicode emoji (MESSAGE_REACTION_ADD; nothing if already there).

        Raises `ActionRefused` without View Channel / Read Message History, or Add Reactions for a new emoji.
        """
        stored = self._stored_message(message)
        channel = self.channels[int(stored["channel_id"])]
        guild = self.guilds[channel.guild_id]
        self._check_place(guild, channel, member)
        if refusal := self._reaction_refusal(guild, channel, member, stored, emoji):
            raise refusal
        self._react(stored, member, emoji)
        await asyncio.sleep(0)

    async def remove_reaction(self, message: dict[str, Any] | int, member: FakeMember, emoji: str) -> None:
        """Take back `member`'s reaction (MESSAGE_REACTION_REMOVE; nothing if there was none)."""
        stored = self._stored_message(message)
        self._unreact(stored, member.id, emoji)
        await asyncio.sleep(0)

    def _react(self, message: dict[str, Any], member: FakeMember, emoji: str) -> bool:
        users = self._reactions.setdefault(int(message["id"]), {}).setdefault(emoji, {})
        if member.id in users:
            return False
        users[member.id] = None
        payload = reaction_event_payload(message, member.id, emoji, member=member)
        self.dispatch("MESSAGE_REACTION_ADD", payload, intent=Intent.GUILD_MESSAGE_REACTIONS)
        return True

    def _unreact(self, message: dict[str, Any], user_id: int, emoji: str) -> bool:
        by_emoji = self._reactions.get(int(message["id"]), {})
        users = by_emoji.get(emoji, {})
        if user_id not in users:
            return False
        del users[user_id]
        if not users:
            del by_emoji[emoji]
        payload = reaction_event_payload(message, user_id, emoji, add=False)
        self.dispatch("MESSAGE_REACTION_REMOVE", payload, intent=Intent.GUILD_MESSAGE_REACTIONS)
        return True

    def _reaction_refusal(
        self, guild: FakeGuild, channel: FakeChannel, member: FakeMember, message: dict[str, Any], emoji: str
    ) -> ActionRefused | None:
        """Resources > Message > Create Reaction: Read Message History, and Add Reactions for a new emoji."""
        if not emoji or CUSTOM_EMOJI.match(emoji):
            return ActionRefused(400, 10014, "Unknown Emoji")  # the fake's guilds have no custom emojis
        perms = self.permissions_for(guild, member, channel)
        if not perms & Perm.VIEW_CHANNEL:
            return ActionRefused(403, 50001, "Missing Access")
        if channel.is_thread and channel.archived:
            return ActionRefused(400, 50083, "Thread is archived")
        needed = Perm.READ_MESSAGE_HISTORY
        if not self._reactions.get(int(message["id"]), {}).get(emoji):
            needed |= Perm.ADD_REACTIONS
        if perms & needed != needed:
            return ActionRefused(403, 50013, "Missing Permissions")
        return None

    def _check_place(self, guild: FakeGuild, channel: FakeChannel, member: FakeMember) -> None:
        assert member.id in guild.members, f"{member.username} is not a member of {guild.name}"
        assert channel.guild_id == guild.id and channel.id in self.channels, f"#{channel.name} is not in {guild.name}"

    def _member_cannot_post(
        self, guild: FakeGuild, channel: FakeChannel, member: FakeMember, with_files: bool
    ) -> ActionRefused | None:
        """Resources > Message > Create Message, and Topics > Threads (locked threads need Manage Threads)."""
        perms = self.permissions_for(guild, member, channel)
        if not perms & Perm.VIEW_CHANNEL:
            return ActionRefused(403, 50001, "Missing Access")
        if channel.is_forum:
            return ActionRefused(400, 50024, "Cannot execute action on this channel type")
        if channel.is_thread and channel.locked and not perms & Perm.MANAGE_THREADS:
            return ActionRefused(400, 160005, "Thread is locked")
        needed = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        needed |= Perm.ATTACH_FILES if with_files else 0
        if perms & needed != needed:
            return ActionRefused(403, 50013, "Missing Permissions")
        return None

    def _user_mentions(self, content: str) -> list[dict[str, Any]]:
        return [user_payload(self.users[uid]) for uid in _mentioned_ids(content) if uid in self.users]

    def _unarchive_on_post(self, channel: FakeChannel) -> None:
        """Topics > Threads: a message in an archived (unlocked) thread unarchives it (THREAD_UPDATE)."""
        if channel.is_thread and channel.archived:
            channel.archived = False
            channel.archive_timestamp = iso_now()
            self.dispatch("THREAD_UPDATE", channel_payload(channel), intent=Intent.GUILDS)

    def _append_message(self, channel: FakeChannel, message: dict[str, Any], *, counted: bool = True) -> None:
        self._messages[channel.id].append(message)
        channel.last_message_id = int(message["id"])
        if channel.is_thread and counted:
            channel.message_count += 1
            channel.total_message_sent += 1

    def _stored_message(self, message: dict[str, Any] | int | str) -> dict[str, Any]:
        found = self.find_message(message)
        if found is None:
            wanted = message["id"] if isinstance(message, dict) else message
            raise AssertionError(f"message {wanted} is not (or no longer) in any channel of the fake")
        return found

    def _author_member(self, message: dict[str, Any]) -> FakeMember:
        channel = self.channels[int(message["channel_id"])]
        return self.guilds[channel.guild_id].members[int(message["author"]["id"])]

    def _dispatch_message(self, event: str, message: dict[str, Any], guild: FakeGuild, author: FakeMember) -> None:
        payload = dict(message)
        payload.pop("allowed_mentions", None)
        payload["member"] = member_payload(author, with_user=False)

        def for_session(data: dict[str, Any], session: _Session) -> dict[str, Any]:
            return self._content_view(data, session.intents)

        self.dispatch(event, payload, intent=Intent.GUILD_MESSAGES, transform=for_session)

    def _content_view(self, message: dict[str, Any], intents: int) -> dict[str, Any]:
        """Events > Gateway > Message Content Intent: without it content, embeds, attachments and components are blank,
        unless the bot wrote the message or is mentioned in it; the same goes for a replied-to message inside it."""
        view = message
        bot_id = str(self._bot.id)
        visible = (
            intents & Intent.MESSAGE_CONTENT
            or message["author"]["id"] == bot_id
            or any(m["id"] == bot_id for m in message.get("mentions") or [])
        )
        if not visible:
            view = {**message, "content": "", "embeds": [], "attachments": [], "components": []}
        referenced = message.get("referenced_message")
        if referenced:
            view = {**view, "referenced_message": self._content_view(referenced, intents)}
        return view

    def _command_lookup(self, guild: FakeGuild, name: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
        parts = name.split()
        assert parts, "empty command name"
        synced = [c for c in self.commands.get(guild.id, []) + self.commands.get(None, []) if c.get("type", 1) == 1]
        command = next((c for c in synced if c["name"] == parts[0]), None)
        if command is None:
            names = sorted(c["name"] for c in synced)
            raise AssertionError(f"/{parts[0]} is not a synced slash command in {guild.name!r} (synced: {names})")
        options = command.get("options") or []
        path: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next(
                (o for o in options if o["name"] == part and o["type"] in (1, 2)),
                None,
            )
            if sub is None:
                raise AssertionError(f"/{name}: {part!r} is not a synced subcommand")
            path.append(sub)
            options = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in options):
            subs = [o["name"] for o in options]
            raise AssertionError(f"/{name} needs a subcommand: {subs}")
        return command, path, parts

    def _build_options(
        self,
        guild: FakeGuild,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        *,
        label: str,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        known = {o["name"]: o for o in schema}
        unknown = set(values) - set(known)
        if unknown:
            raise AssertionError(f"/{label}: unknown option(s) {sorted(unknown)}; synced: {sorted(known)}")
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise AssertionError(f"/{label}: missing required option(s) {missing}")
        built = []
        for spec in schema:
            if spec["name"] not in values:
                continue
            value = values[spec["name"]]
            if spec["name"] == focused:
                if not spec.get("autocomplete"):
                    raise AssertionError(f"/{label}: option {spec['name']!r} has no autocomplete")
                built.append({"name": spec["name"], "type": spec["type"], "value": str(value), "focused": True})
                continue
            wire = self._option_value(guild, spec, value, resolved, label)
            built.append({"name": spec["name"], "type": spec["type"], "value": wire})
        return built

    def _option_value(
        self, guild: FakeGuild, spec: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]], label: str
    ) -> Any:
        """Check a value against its synced option and return its wire form, filling `resolved`."""
        kind, name = spec["type"], f"/{label} {spec['name']}"
        if kind == OptionType.STRING:
            assert isinstance(value, str), f"{name}: expected a string, got {value!r}"
            if "min_length" in spec and len(value) < spec["min_length"]:
                raise AssertionError(f"{name}: shorter than min_length {spec['min_length']}")
            if "max_length" in spec and len(value) > spec["max_length"]:
                raise AssertionError(f"{name}: longer than max_length {spec['max_length']}")
        elif kind == OptionType.INTEGER:
            assert isinstance(value, int) and not isinstance(value, bool), f"{name}: expected an integer, got {value!r}"
        elif kind == OptionType.NUMBER:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            assert ok, f"{name}: expected a number, got {value!r}"
        elif kind == OptionType.BOOLEAN:
            assert isinstance(value, bool), f"{name}: expected a boolean, got {value!r}"
        if kind in (OptionType.INTEGER, OptionType.NUMBER):
            if spec.get("min_value") is not None and value < spec["min_value"]:
                raise AssertionError(f"{name}: {value} is below min_value {spec['min_value']}")
            if spec.get("max_value") is not None and value > spec["max_value"]:
                raise AssertionError(f"{name}: {value} is above max_value {spec['max_value']}")
        if kind in (OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER):
            choices = spec.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise AssertionError(f"{name}: {value!r} is not one of the choices {[c['value'] for c in choices]}")
            return value
        if kind == OptionType.BOOLEAN:
            return value
        if kind == OptionType.ATTACHMENT:
            assert isinstance(value, dict) and "filename" in value, f"{name}: pass an attachment from add_attachment()"
            resolved.setdefault("attachments", {})[value["id"]] = value
            return value["id"]
        if kind in (OptionType.USER, OptionType.MENTIONABLE) and isinstance(value, FakeMember | FakeUser):
            user = value.user if isinstance(value, FakeMember) else value
            resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
            member = guild.members.get(user.id)
            if member is not None:
                perms = self.permissions_for(guild, member)
                resolved.setdefault("members", {})[str(user.id)] = member_payload(
                    member, with_user=False, permissions=perms
                )
            return str(user.id)
        if kind in (OptionType.ROLE, OptionType.MENTIONABLE) and isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[str(value.id)] = role_payload(value)
            return str(value.id)
        if kind == OptionType.CHANNEL and isinstance(value, FakeChannel):
            types = spec.get("channel_types")
            if types and value.type not in types:
                raise AssertionError(f"{name}: channel type {value.type} not in {types}")
            bot_member = self._bot_member(guild)
            resolved.setdefault("channels", {})[str(value.id)] = {
                **channel_payload(value, permissions=self.permissions_for(guild, bot_member, value)),
            }
            return str(value.id)
        raise AssertionError(f"{name}: {value!r} does not fit option type {kind}")

    def _new_interaction(
        self,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        interaction_type: int,
        data: dict[str, Any],
        label: str,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        self._check_place(guild, channel, member)
        assert self._sessions, "no client is connected to the gateway"
        payload = interaction_payload(
            interaction_id=self.snowflake(),
            application_id=self.application_id,
            interaction_type=interaction_type,
            token="aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96),
            data=data,
            guild=guild,
            channel=channel,
            member=member,
            member_permissions=self.permissions_for(guild, member, channel),
            app_permissions=self.permissions_for(guild, self._bot_member(guild), channel),
            locale=locale,
            attachment_size_limit=self.attachment_size_limit,
        )
        if message is not None:
            payload["message"] = {k: v for k, v in message.items() if k != "allowed_mentions"}
        rec = InteractionRecord(self, payload, label)
        rec.guild, rec.channel, rec.member, rec.locale, rec.source_message = guild, channel, member, locale, message
        self.interactions.append(rec)
        self._interactions_by_id[rec.id] = rec
        self._interactions_by_token[rec.token] = rec
        self.dispatch("INTERACTION_CREATE", payload)
        return rec

    def _command_data(
        self,
        guild: FakeGuild,
        name: str,
        options: dict[str, Any] | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        command, path, parts = self._command_lookup(guild, name)
        leaf_schema = (path[-1] if path else command).get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        built = self._build_options(guild, leaf_schema, options or {}, resolved, label=name, focused=focused)
        for sub in reversed(path):
            built = [{"name": sub["name"], "type": sub["type"], "options": built}]
        # Interactions > Receiving and Responding > Application Command Data Structure
        data: dict[str, Any] = {"id": command["id"], "name": parts[0], "type": 1, "options": built}
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    async def invoke_slash_command(
        self,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Run `/name` as `member`, with options checked against what the client synced; return at once."""
        data = self._command_data(guild, name, options)
        rec = self._new_interaction(guild, channel, member, InteractionType.APPLICATION_COMMAND, data, name, locale)
        await asyncio.sleep(0)
        return rec

    async def autocomplete(
        self,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        timeout: float = 5.0,  # noqa: ASYNC109
        locale: str = "en-US",
    ) -> list[dict[str, Any]]:
        """Type into option `focused` of `/name` and return the choices the client offers."""
        assert focused in options, "the focused option needs the text typed so far"
        data = self._command_data(guild, name, options, focused=focused)
        rec = self._new_interaction(guild, channel, member, InteractionType.AUTOCOMPLETE, data, name, locale)
        await rec.wait_for_response(timeout)
        assert rec.choices is not None
        return rec.choices

    async def click_component(
        self,
        message: dict[str, Any],
        member: FakeMember,
        custom_id: str,
        *,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Click a button, or pick `values` in a select, on `message` as `member`; return at once."""
        message = self.find_message(message) or message  # the live message, whoever passed which copy
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise AssertionError(f"no component {custom_id!r} on message {message['id']}")
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled")
        # Interactions > Receiving and Responding > Message Component Data Structure
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in (3, 5, 6, 7, 8):
            assert values is not None, f"select {custom_id!r} needs values"
            lo, hi = component.get("min_values", 1), component.get("max_values", 1)
            assert lo <= len(values) <= hi, f"select {custom_id!r} takes {lo}..{hi} values"
            if component["type"] == 3:
                offered = [o["value"] for o in component.get("options", [])]
                bad = [v for v in values if v not in offered]
                assert not bad, f"select {custom_id!r} offers no {bad}; it offers {offered}"
            data["values"] = [str(v) for v in values]
        elif values is not None:
            raise AssertionError(f"component {custom_id!r} is not a select")
        channel = self.channels[int(message["channel_id"])]
        guild = self.guilds[channel.guild_id]
        label = f"component {custom_id}"
        rec = self._new_interaction(guild, channel, member, 3, data, label, locale, message=message)
        await asyncio.sleep(0)
        return rec

    async def invoke_message_command(
        self,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        name: str,
        target_message: dict[str, Any] | int,
        *,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Use the message context menu `name` (Apps > name) on `target_message` as `member`; return at once.

        The command must have been synced with type 3. The resolved message carries its content even for clients
        without the MESSAGE_CONTENT intent (Interactions > Receiving and Responding > Resolved Data Structure).
        """
        synced = self.commands.get(guild.id, []) + self.commands.get(None, [])
        command = next((c for c in synced if c["name"] == name and c.get("type") == 3), None)
        if command is None:
            menus = sorted(c["name"] for c in synced if c.get("type") == 3)
            raise AssertionError(f"{name!r} is not a synced message command in {guild.name!r} (synced: {menus})")
        target = self._stored_message(target_message)
        assert target["channel_id"] == str(channel.id), "a message command is used in the channel of its message"
        resolved = {k: v for k, v in target.items() if k != "allowed_mentions"}
        # Interactions > Receiving and Responding > Application Command Data Structure (message command)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: resolved}},
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        rec = self._new_interaction(guild, channel, member, InteractionType.APPLICATION_COMMAND, data, name, locale)
        await asyncio.sleep(0)
        return rec

    async def submit_modal(self, opened_by: InteractionRecord, values: dict[str, str | list[str]]) -> InteractionRecord:
        """Fill in and submit the modal that answered `opened_by` (callback 9); return the MODAL_SUBMIT record."""
        assert opened_by.response is not None and opened_by.response_type == CallbackType.MODAL, "no modal was opened"
        assert opened_by.guild and opened_by.channel and opened_by.member
        modal = opened_by.response["data"]
        seen: set[str] = set()
        ids = itertools.count(1)

        def answer(component: dict[str, Any]) -> dict[str, Any]:
            custom_id = component.get("custom_id")
            reply: dict[str, Any] = {"type": component["type"], "id": component.get("id") or next(ids)}
            if custom_id is None:
                return reply
            seen.add(custom_id)
            reply["custom_id"] = custom_id
            if component["type"] == 4:  # text input
                value = values.get(custom_id, component.get("value") or "")
                assert isinstance(value, str), f"text input {custom_id!r} takes a string"
                if component.get("required", True) and not value:
                    raise AssertionError(f"modal field {custom_id!r} is required")
                if not component.get("min_length", 0) <= len(value) <= component.get("max_length", 4000):
                    raise AssertionError(f"modal field {custom_id!r}: length outside min/max_length")
                reply["value"] = value
            else:
                reply["values"] = list(values.get(custom_id, []))
            return reply

        components = []
        for top in modal.get("components", []):
            if top["type"] == 1:
                rows = [answer(c) for c in top.get("components", [])]
                components.append({"type": 1, "id": top.get("id") or next(ids), "components": rows})
            elif top["type"] == 18:
                components.append({"type": 18, "id": top.get("id") or next(ids), "component": answer(top["component"])})
            else:
                components.append({"type": top["type"], "id": top.get("id") or next(ids)})
        unknown = set(values) - seen
        assert not unknown, f"modal {modal['custom_id']!r} has no field(s) {sorted(unknown)}"
        # Interactions > Receiving and Responding > Modal Submit Data Structure
        data = {"custom_id": modal["custom_id"], "components": components}
        rec = self._new_interaction(
            opened_by.guild,
            opened_by.channel,
            opened_by.member,
            InteractionType.MODAL_SUBMIT,
            data,
            f"modal {modal['custom_id']}",
            opened_by.locale,
            message=opened_by.source_message,
        )
        rec.opened_by = opened_by
        await asyncio.sleep(0)
        return rec

    # -- inspection ---------------------------------------------------------------------------------------------------

    def messages_in(self, channel: FakeChannel | int) -> list[dict[str, Any]]:
        """Return the messages every member sees in a channel, oldest first (ephemeral ones are not there)."""
        channel_id = channel.id if isinstance(channel, FakeChannel) else int(channel)
        return list(self._messages.get(channel_id, []))

    def threads_in(self, parent: FakeChannel | int) -> list[FakeChannel]:
        """Return the threads (forum posts included) started in a channel, oldest first, archived ones too."""
        parent_id = parent.id if isinstance(parent, FakeChannel) else int(parent)
        return [c for c in self.channels.values() if c.is_thread and c.parent_id == parent_id]

    def active_threads(self, guild: FakeGuild) -> list[FakeChannel]:
        """Return the guild's threads that are not archived, oldest first."""
        return [c for c in self.channels.values() if c.is_thread and c.guild_id == guild.id and not c.archived]

    def find_message(self, message: dict[str, Any] | int | str) -> dict[str, Any] | None:
        """Return the stored message (the live dict every view shows) with this id, in any channel or thread."""
        wanted = str(message["id"] if isinstance(message, dict) else message)
        if isinstance(message, dict) and int(message.get("channel_id") or 0) in self._messages:
            candidates = [self._messages[int(message["channel_id"])]]
        else:
            candidates = list(self._messages.values())
        for stored in candidates:
            for m in stored:
                if m["id"] == wanted:
                    return m
        return None

    def reactions_on(self, message: dict[str, Any] | int | str) -> dict[str, set[int]]:
        """Return who reacted to a message: emoji -> user ids (the bot's own reactions included)."""
        message_id = int(message["id"] if isinstance(message, dict) else message)
        return {emoji: set(users) for emoji, users in self._reactions.get(message_id, {}).items()}

    def requests_to(self, method: str, route: str) -> list[RequestRecord]:
        """Return the requests with `method` whose route template (e.g. /channels/{channel}/messages) or path match."""
        method = method.upper()
        return [r for r in self.requests if r.method == method and route in (r.route_template, r.path)]

    def force_429(self, route: str, retry_after: float = 0.05, *, method: str | None = None, count: int = 1) -> None:
        """Answer the next `count` requests to `route` (template or path) with a 429 like Discord's."""
        self._forced_429.append({"route": route, "method": method, "count": count, "retry_after": retry_after})

    # -- HTTP plumbing ------------------------------------------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", "/interactions/{id}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self._get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._edit_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._delete_webhook_message),
            ("GET", "/channels/{channel}", self._get_channel),
            ("GET", "/channels/{channel}/messages", self._get_channel_messages),
            ("POST", "/channels/{channel}/messages", self._post_channel_message),
            ("GET", "/channels/{channel}/messages/{message}", self._get_channel_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_channel_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_channel_message),
            ("PATCH", "/channels/{channel}", self._edit_channel),
            ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", self._put_own_reaction),
            ("DELETE", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", self._delete_own_reaction),
            ("DELETE", "/channels/{channel}/messages/{message}/reactions/{emoji}/{user}", self._delete_user_reaction),
            ("GET", "/channels/{channel}/messages/{message}/reactions/{emoji}", self._get_reactions),
            ("GET", "/channels/{channel}/threads/archived/public", self._get_archived_threads),
            ("PUT", "/channels/{channel}/thread-members/@me", self._join_thread),
            ("DELETE", "/channels/{channel}/thread-members/@me", self._join_thread),
            ("GET", "/guilds/{guild}/threads/active", self._get_active_threads),
            ("POST", "/channels/{channel}/threads", self._start_thread),
            ("POST", "/channels/{channel}/messages/{message}/threads", self._start_thread),
            ("GET", "/guilds/{guild}", self._get_guild),
            ("GET", "/guilds/{guild}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild}/roles", self._get_guild_roles),
            ("GET", "/guilds/{guild}/members/{user}", self._get_guild_member),
        ]
        for method, path, handler in api:
            router.add_route(method, API_PREFIX + path, handler)
        router.add_get("/gateway", self._gateway)
        router.add_get("/attachments/{id}/{filename}", self._get_attachment)
        self._catch_all = router.add_route("*", "/{tail:.*}", self._unknown_route)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body, files = await self._parse_body(request)
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else request.path
        is_unknown = request.match_info.route is self._catch_all
        template = request.path if is_unknown else template.removeprefix(API_PREFIX)
        rec = RequestRecord(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            route_template=template,
            json=body,
            files=files,
            status=0,
            response=None,
            headers=dict(request.headers),
            query=dict(request.query),
        )
        request[BODY] = body
        request[FILES] = files
        forced = self._take_forced_429(rec)
        if forced is not None:
            reply = forced
        elif not is_unknown and not self._authorised(request, template):
            reply = _error(401, 0, "401: Unauthorized")
        else:
            result = await handler(request)
            if isinstance(result, web.StreamResponse):
                rec.status = result.status
                self.requests.append(rec)
                self._notify()
                return result
            reply = result
        rec.status, rec.response = reply.status, reply.data
        self.requests.append(rec)
        if is_unknown:
            self.unhandled.append(rec)
        self._notify()
        if reply.status == 204:
            return web.Response(status=204, headers=reply.headers)
        return web.Response(
            status=reply.status,
            body=json.dumps(reply.data).encode(),
            content_type="application/json",
            headers=reply.headers,
        )

    def _authorised(self, request: web.Request, template: str) -> bool:
        if template in NO_AUTH_ROUTES or template.startswith("/webhooks/{app}/{token}"):
            return True
        return request.headers.get("Authorization") == f"Bot {self.token}"

    def _take_forced_429(self, rec: RequestRecord) -> _Reply | None:
        for forced in self._forced_429:
            if forced["route"] not in (rec.route_template, rec.path):
                continue
            if forced["method"] and forced["method"].upper() != rec.method:
                continue
            forced["count"] -= 1
            if forced["count"] <= 0:
                self._forced_429.remove(forced)
            retry_after = forced["retry_after"]
            # Topics > Rate Limits > Exceeding A Rate Limit
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
            headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Scope": "user"}
            return _Reply(429, body, headers)
        return None

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if request.method in ("GET", "HEAD") or not request.can_read_body:
            return None, []
        if request.content_type == "multipart/form-data":
            body: Any = None
            files: list[UploadedFile] = []
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files.append(UploadedFile(name, value.filename, value.content_type, value.file.read()))
                elif name == "payload_json":
                    body = json.loads(value)
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    async def _unknown_route(self, request: web.Request) -> _Reply:
        return _Reply(404, dict(NOT_FOUND))

    # -- REST handlers: identity --------------------------------------------------------------------------------------

    async def _get_me(self, request: web.Request) -> _Reply:
        return _Reply(200, self.bot_user)

    async def _get_application(self, request: web.Request) -> _Reply:
        return _Reply(200, application_payload(self.application_id, self._bot.username, self._owner))

    async def _get_gateway(self, request: web.Request) -> _Reply:
        return _Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> _Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return _Reply(200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_attachment(self, request: web.Request) -> web.StreamResponse:
        stored = self._attachments.get(int(request.match_info["id"]))
        if stored is None:
            return web.Response(status=404, text="Not Found")
        _, content_type, data = stored
        return web.Response(status=200, body=data, headers={"Content-Type": content_type})

    # -- REST handlers: application commands --------------------------------------------------------------------------

    def _guild_from_match(self, request: web.Request) -> FakeGuild | None:
        guild_id = request.match_info.get("guild")
        return self.guilds.get(int(guild_id)) if guild_id and guild_id.isdigit() else None

    def _command_scope(self, request: web.Request) -> int | _Reply | None:
        """Return the guild id of a commands route (None for global commands), or the error to answer."""
        if request.match_info["app"] != str(self.application_id):
            return _error(404, 10002, "Unknown Application")
        if "guild" not in request.match_info:
            return None
        guild = self._guild_from_match(request)
        return _error(403, 50001, "Missing Access") if guild is None else guild.id

    async def _get_commands(self, request: web.Request) -> _Reply:
        scope = self._command_scope(request)
        if isinstance(scope, _Reply):
            return scope
        return _Reply(200, self.commands.get(scope, []))

    async def _put_commands(self, request: web.Request) -> _Reply:
        scope = self._command_scope(request)
        if isinstance(scope, _Reply):
            return scope
        body = request[BODY]
        if not isinstance(body, list):
            return _error(400, 50035, "Invalid Form Body")
        problems = {str(i): p for i, c in enumerate(body) if (p := _command_problem(c))}
        seen = [(c.get("type", 1), c.get("name")) for c in body]
        if len(seen) != len(set(seen)):
            problems["_errors"] = "APPLICATION_COMMANDS_DUPLICATE_NAME"
        if problems:
            return _error(400, 50035, "Invalid Form Body", problems)
        previous = {(c["type"], c["name"]): int(c["id"]) for c in self.commands.get(scope, [])}
        stored = [
            application_command_payload(
                c,
                command_id=previous.get((c.get("type", 1), c["name"])) or self.snowflake(),
                application_id=self.application_id,
                version=self.snowflake(),
                guild_id=scope,
            )
            for c in body
        ]
        self.commands[scope] = stored
        return _Reply(200, stored)

    # -- REST handlers: interactions ----------------------------------------------------------------------------------

    def _message_from_body(
        self,
        body: dict[str, Any],
        files: list[UploadedFile],
        channel: FakeChannel,
        *,
        interaction: InteractionRecord | None = None,
        flags: int | None = None,
        existing: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        attachments = self._attachments_from_body(body, files, existing or [])
        mentions, roles, everyone = self._allowed_mentions(body.get("content") or "", body.get("allowed_mentions"))
        interaction_metadata = None if interaction is None else interaction_metadata_payload(interaction)
        return message_payload(
            message_id=self.snowflake(),
            channel=channel,
            author=self._bot,
            content=body.get("content") or "",
            embeds=body.get("embeds"),
            attachments=attachments,
            components=body.get("components"),
            flags=int(body.get("flags") or 0) if flags is None else flags,
            message_type=20 if interaction is not None else (19 if body.get("message_reference") else 0),
            tts=bool(body.get("tts")),
            mentions=mentions,
            mention_roles=roles,
            mention_everyone=everyone,
            webhook_id=self.application_id if interaction is not None else None,
            application_id=self.application_id if interaction is not None else None,
            interaction_metadata=interaction_metadata,
            allowed_mentions=body.get("allowed_mentions"),
        )

    def _attachments_from_body(
        self, body: dict[str, Any], files: list[UploadedFile], existing: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        by_field = {f.field: f for f in files}
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        kept = [a for a in existing if a["id"] in described] if "attachments" in body else list(existing)
        new = []
        for index, upload in enumerate(files):
            meta = described.get(str(index), {})
            upload = by_field.get(f"files[{index}]", upload)
            new.append(
                self._store_attachment(
                    meta.get("filename") or upload.filename, upload.data, upload.content_type, meta.get("description")
                )
            )
        return kept + new

    def _allowed_mentions(
        self, content: str, allowed: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """Resources > Message > Allowed Mentions Object: who really gets pinged."""
        parse = set(allowed.get("parse", [])) if allowed is not None else {"users", "roles", "everyone"}
        users = {str(u) for u in (allowed or {}).get("users", [])}
        roles_allowed = {str(r) for r in (allowed or {}).get("roles", [])}
        mentioned = [
            user_payload(self.users[uid])
            for uid in _mentioned_ids(content)
            if uid in self.users and ("users" in parse or str(uid) in users)
        ]
        roles = [r for r in ROLE_MENTION.findall(content) if "roles" in parse or r in roles_allowed]
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return mentioned, roles, everyone

    def _interaction_from_match(self, request: web.Request) -> InteractionRecord | None:
        rec = self._interactions_by_token.get(request.match_info["token"])
        if rec is None:
            return None
        if "id" in request.match_info and request.match_info["id"] != str(rec.id):
            return None
        if "app" in request.match_info and request.match_info["app"] != str(self.application_id):
            return None
        return rec

    async def _interaction_callback(self, request: web.Request) -> _Reply:
        rec = self._interaction_from_match(request)
        if rec is None:
            return _error(404, 10062, "Unknown interaction")
        body = request[BODY] or {}
        now = asyncio.get_running_loop().time()
        if now - rec.created_at > self.interaction_deadline:
            rec.late_responses.append(body)
            return _error(404, 10062, "Unknown interaction")
        if rec.response is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        callback_type = body.get("type")
        if callback_type not in ALLOWED_CALLBACKS.get(rec.type, set()):
            return _error(400, 50035, "Invalid Form Body", {"type": f"callback {callback_type} not valid here"})
        data = body.get("data") or {}
        problem = None
        if callback_type == CallbackType.CHANNEL_MESSAGE:
            problem = _message_problem(data, request[FILES])
        elif callback_type == CallbackType.AUTOCOMPLETE_RESULT:
            problem = _choices_problem(data.get("choices"))
        elif callback_type == CallbackType.UPDATE_MESSAGE:
            problem = _message_problem(data, request[FILES], partial=True)
        elif callback_type == CallbackType.MODAL:
            problem = _modal_problem(data)
        if callback_type in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE):
            problem = problem or (None if rec.source_message else {"type": "no message to update"})
        if problem:
            return _error(400, 50035, "Invalid Form Body", problem)
        rec.response = body
        rec.responded_at = now
        channel = self.channels[rec.channel_id]
        message = None
        if callback_type == CallbackType.CHANNEL_MESSAGE:
            message = self._message_from_body(data, request[FILES], channel, interaction=rec)
        elif callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = MessageFlag.LOADING | (int(data.get("flags") or 0) & MessageFlag.EPHEMERAL)
            message = self._message_from_body({}, [], channel, interaction=rec, flags=flags)
        if message is not None:
            rec.original_message = message
            self._publish(rec, message)
        elif callback_type in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE):
            # @original now means the message the component sits on.
            message = rec.original_message = rec.source_message
            assert message is not None
            if callback_type == CallbackType.UPDATE_MESSAGE:
                self._edit_message(message, data, request[FILES])
                self._publish(rec, message, "MESSAGE_UPDATE")
        if "with_response" not in request.query:
            return _Reply(204)
        return _Reply(200, callback_response_payload(rec, message))

    def _publish(self, rec: InteractionRecord, message: dict[str, Any], event: str = "MESSAGE_CREATE") -> None:
        """Show a non-ephemeral interaction message in its channel and tell the gateway."""
        if message["flags"] & MessageFlag.EPHEMERAL:
            return
        channel = self.channels[rec.channel_id]
        if event == "MESSAGE_CREATE":
            self._append_message(channel, message)
        guild = self.guilds[channel.guild_id]
        self._dispatch_message(event, message, guild, self._bot_member(guild))

    def _webhook_problem(self, rec: InteractionRecord | None) -> _Reply | None:
        if rec is None or rec.response is None:
            return _error(404, 10015, "Unknown Webhook")
        assert rec.responded_at is not None
        if asyncio.get_running_loop().time() - rec.responded_at > self.followup_window:
            return _error(401, 50027, "Invalid Webhook Token")
        return None

    async def _followup(self, request: web.Request) -> _Reply:
        rec = self._interaction_from_match(request)
        if (problem := self._webhook_problem(rec)) is not None:
            return problem
        assert rec is not None
        body = request[BODY] or {}
        if problem := _message_problem(body, request[FILES]):
            return _error(400, 50035, "Invalid Form Body", problem)
        original = rec.original_message
        if original is not None and original["flags"] & MessageFlag.LOADING:
            # The first followup after a defer replaces the "thinking…" message and keeps its visibility.
            self._edit_message(original, body, request[FILES])
            original["flags"] &= ~MessageFlag.LOADING
            rec.followups.append(original)
            self._publish(rec, original, "MESSAGE_UPDATE")
            message = original
        else:
            message = self._message_from_body(body, request[FILES], self.channels[rec.channel_id], interaction=rec)
            rec.followups.append(message)
            self._publish(rec, message)
        if request.query.get("wait") in ("1", "true", "True"):
            return _Reply(200, message)
        return _Reply(204)

    def _find_webhook_message(self, rec: InteractionRecord, message_id: str) -> dict[str, Any] | None:
        if message_id == "@original":
            return rec.original_message
        candidates = [rec.original_message, *rec.followups]
        return next((m for m in candidates if m is not None and m["id"] == message_id), None)

    async def _get_webhook_message(self, request: web.Request) -> _Reply:
        rec = self._interaction_from_match(request)
        if (problem := self._webhook_problem(rec)) is not None:
            return problem
        assert rec is not None
        message = self._find_webhook_message(rec, request.match_info["message"])
        return _Reply(200, message) if message else _error(404, 10008, "Unknown Message")

    async def _edit_webhook_message(self, request: web.Request) -> _Reply:
        rec = self._interaction_from_match(request)
        if (problem := self._webhook_problem(rec)) is not None:
            return problem
        assert rec is not None
        message = self._find_webhook_message(rec, request.match_info["message"])
        if message is None:
            return _error(404, 10008, "Unknown Message")
        body = request[BODY] or {}
        if problem := _message_problem(body, request[FILES], partial=True):
            return _error(400, 50035, "Invalid Form Body", problem)
        self._edit_message(message, body, request[FILES])
        message["flags"] &= ~MessageFlag.LOADING
        self._publish(rec, message, "MESSAGE_UPDATE")
        return _Reply(200, message)

    async def _delete_webhook_message(self, request: web.Request) -> _Reply:
        rec = self._interaction_from_match(request)
        if (problem := self._webhook_problem(rec)) is not None:
            return problem
        assert rec is not None
        message = self._find_webhook_message(rec, request.match_info["message"])
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self._remove_message(message)
        if message is rec.original_message:
            rec.original_message = None
        if message in rec.followups:
            rec.followups.remove(message)
        return _Reply(204)

    def _edit_message(self, message: dict[str, Any], body: dict[str, Any], files: list[UploadedFile]) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                empty: Any = {"content": "", "allowed_mentions": None}.get(key, [])
                message[key] = body[key] if body[key] is not None else empty
        if "flags" in body and body["flags"] is not None:
            keep = message["flags"] & (MessageFlag.EPHEMERAL | MessageFlag.LOADING)
            message["flags"] = int(body["flags"]) | keep
        if "attachments" in body or files:
            message["attachments"] = self._attachments_from_body(body, files, message["attachments"])
        if "content" in body or "allowed_mentions" in body:
            mentions, roles, everyone = self._allowed_mentions(message["content"], message.get("allowed_mentions"))
            message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        message["edited_timestamp"] = iso_now()

    def _remove_message(self, message: dict[str, Any]) -> None:
        channel_id = int(message["channel_id"])
        stored = self._messages.get(channel_id, [])
        if any(m is message for m in stored):
            stored.remove(message)
            self._reactions.pop(int(message["id"]), None)
            channel = self.channels[channel_id]
            if channel.is_thread and channel.message_count:
                channel.message_count -= 1
            ids = {"id": message["id"], "channel_id": message["channel_id"], "guild_id": message["guild_id"]}
            self.dispatch("MESSAGE_DELETE", ids, intent=Intent.GUILD_MESSAGES)

    # -- REST handlers: channels, messages, guilds --------------------------------------------------------------------

    def _channel_from_match(self, request: web.Request) -> FakeChannel | None:
        channel_id = request.match_info["channel"]
        return self.channels.get(int(channel_id)) if channel_id.isdigit() else None

    def _message_from_match(self, request: web.Request, channel: FakeChannel) -> dict[str, Any] | None:
        wanted = request.match_info["message"]
        return next((m for m in self._messages[channel.id] if m["id"] == wanted), None)

    def _bot_lacks(self, channel: FakeChannel, needed: int) -> _Reply | None:
        guild = self.guilds[channel.guild_id]
        perms = self.permissions_for(guild, self._bot_member(guild), channel)
        if not perms & Perm.VIEW_CHANNEL:
            return _error(403, 50001, "Missing Access")
        if perms & needed != needed:
            return _error(403, 50013, "Missing Permissions")
        return None

    async def _get_channel(self, request: web.Request) -> _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if not self._bot_can_view(channel):
            return _error(403, 50001, "Missing Access")
        return _Reply(200, channel_payload(channel))

    async def _edit_channel(self, request: web.Request) -> _Reply:
        """Resources > Channel > Modify Channel (guild channel, or thread)."""
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body = request[BODY] or {}
        if not isinstance(body, dict):
            return _error(400, 50035, "Invalid Form Body")
        if channel.is_thread:
            return self._edit_thread(channel, body)
        if problem := self._bot_lacks(channel, Perm.MANAGE_CHANNELS):
            return problem
        if "name" in body and not 1 <= len(body["name"] or "") <= 100:
            return _error(400, 50035, "Invalid Form Body", {"name": "Must be between 1 and 100 in length."})
        tags = None
        if "available_tags" in body:
            if not channel.is_forum:
                return _error(400, 50035, "Invalid Form Body", {"available_tags": "only forum and media channels"})
            tags, problem = self._tags_from_body(channel, body["available_tags"])
            if problem:
                return _error(400, 50035, "Invalid Form Body", {"available_tags": problem})
        if "name" in body:
            channel.name = body["name"]
        if "topic" in body:
            channel.topic = body["topic"]
        if "flags" in body and body["flags"] is not None:
            channel.flags = int(body["flags"])
        if tags is not None:
            channel.available_tags = tags
        self.dispatch("CHANNEL_UPDATE", channel_payload(channel), intent=Intent.GUILDS)
        return _Reply(200, channel_payload(channel))

    def _tags_from_body(self, forum: FakeChannel, tags: Any) -> tuple[list[dict[str, Any]], Any]:
        """Resources > Channel > Forum Tag Object: at most 20; only `name` is needed, a tag without id is new."""
        if not isinstance(tags, list) or len(tags) > 20:
            return [], "Must be 20 or fewer in length."
        known = {t["id"] for t in forum.available_tags}
        built = []
        for index, tag in enumerate(tags):
            name = tag.get("name") or ""
            if not 1 <= len(name) <= 20:
                return [], {str(index): {"name": "Must be between 1 and 20 in length."}}
            if tag.get("emoji_id") and tag.get("emoji_name"):
                return [], {str(index): "At most one of emoji_id and emoji_name may be set."}
            tag_id = int(tag["id"]) if tag.get("id") else None
            if tag_id is not None and tag_id not in known:
                return [], {str(index): {"id": "Unknown tag"}}
            built.append(
                {
                    "id": tag_id or self.snowflake(),
                    "name": name,
                    "moderated": bool(tag.get("moderated", False)),
                    "emoji_id": int(tag["emoji_id"]) if tag.get("emoji_id") else None,
                    "emoji_name": tag.get("emoji_name"),
                }
            )
        if len({t["name"] for t in built}) != len(built):
            return [], "Tag names must be unique."
        return built, None

    def _applied_tags_problem(self, parent: FakeChannel | None, tags: Any, old: list[int], perms: int) -> Any:
        """Topics > Threads > Forums: up to 5 of the parent's tags; moderated ones need Manage Threads."""
        if parent is None or not parent.is_forum:
            return {"applied_tags": "only threads in forum and media channels have tags"}
        if not isinstance(tags, list) or len(tags) > 5:
            return {"applied_tags": "Must be 5 or fewer in length."}
        available = {t["id"]: t for t in parent.available_tags}
        wanted = [int(t) for t in tags]
        unknown = [t for t in wanted if t not in available]
        if unknown:
            return {"applied_tags": f"unknown tag(s) {unknown}"}
        changed = set(wanted) ^ set(old)
        if any(available.get(t, {}).get("moderated") for t in changed) and not perms & Perm.MANAGE_THREADS:
            return "moderated"
        return None

    def _edit_thread(self, thread: FakeChannel, body: dict[str, Any]) -> _Reply:
        """Resources > Channel > Modify Channel > JSON Params (Thread)."""
        guild = self.guilds[thread.guild_id]
        perms = self.permissions_for(guild, self._bot_member(guild), thread)
        if not perms & Perm.VIEW_CHANNEL:
            return _error(403, 50001, "Missing Access")
        manage = bool(perms & Perm.MANAGE_THREADS)
        unarchiving = body.get("archived") is False
        if thread.archived and not unarchiving:
            return _error(400, 50083, "Thread is archived")
        if thread.locked and thread.archived and not manage:  # only Manage Threads unarchives a locked thread
            return _error(403, 50013, "Missing Permissions")
        if "locked" in body and bool(body["locked"]) != thread.locked and not manage:
            return _error(403, 50013, "Missing Permissions")
        other = {k for k in body if k not in ("archived", "locked")}
        archiving = body.get("archived") is True and not thread.archived
        # Unarchiving an unlocked thread only needs Send Messages; anything else is for Manage Threads or the owner.
        if (other or archiving) and not (manage or thread.owner_id == self._bot.id):
            return _error(403, 50013, "Missing Permissions")
        if unarchiving and not perms & Perm.SEND_MESSAGES_IN_THREADS:
            return _error(403, 50013, "Missing Permissions")
        errors: dict[str, Any] = {}
        if "name" in body and not 1 <= len(body["name"] or "") <= 100:
            errors["name"] = "Must be between 1 and 100 in length."
        if "auto_archive_duration" in body and body["auto_archive_duration"] not in AUTO_ARCHIVE_DURATIONS:
            errors["auto_archive_duration"] = f"Must be one of {AUTO_ARCHIVE_DURATIONS}"
        if "applied_tags" in body:
            parent = self.channels.get(thread.parent_id or 0)
            problem = self._applied_tags_problem(parent, body["applied_tags"], thread.applied_tags, perms)
            if problem == "moderated":
                return _error(403, 50013, "Missing Permissions")
            if problem:
                errors.update(problem)
        if errors:
            return _error(400, 50035, "Invalid Form Body", errors)
        if "name" in body:
            thread.name = body["name"]
        if "auto_archive_duration" in body:
            thread.auto_archive_duration = int(body["auto_archive_duration"])
        if "applied_tags" in body:
            thread.applied_tags = [int(t) for t in body["applied_tags"]]
        if "locked" in body:
            thread.locked = bool(body["locked"])
        if "archived" in body and bool(body["archived"]) != thread.archived:
            thread.archived = bool(body["archived"])
            thread.archive_timestamp = iso_now()
        self.dispatch("THREAD_UPDATE", channel_payload(thread), intent=Intent.GUILDS)
        return _Reply(200, channel_payload(thread))

    async def _get_channel_messages(self, request: web.Request) -> _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if problem := self._bot_lacks(channel, Perm.READ_MESSAGE_HISTORY):
            return problem
        limit = int(request.query.get("limit", 50))
        if not 1 <= limit <= 100:
            return _error(400, 50035, "Invalid Form Body", {"limit": "must be between 1 and 100"})
        stored = self._messages[channel.id]  # oldest first
        query = request.query
        if "around" in query:
            pivot = int(query["around"])
            older = [m for m in stored if int(m["id"]) <= pivot][-(limit // 2 + 1) :]
            newer = [m for m in stored if int(m["id"]) > pivot][: limit // 2]
            page = older + newer
        elif "after" in query:
            page = [m for m in stored if int(m["id"]) > int(query["after"])][:limit]
        elif "before" in query:
            page = [m for m in stored if int(m["id"]) < int(query["before"])][-limit:]
        else:
            page = stored[-limit:]
        return _Reply(200, [self._as_read_by_bot(m) for m in reversed(page)])

    async def _get_channel_message(self, request: web.Request) -> _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if problem := self._bot_lacks(channel, Perm.READ_MESSAGE_HISTORY):
            return problem
        message = self._message_from_match(request, channel)
        return _Reply(200, self._as_read_by_bot(message)) if message else _error(404, 10008, "Unknown Message")

    def _as_read_by_bot(self, message: dict[str, Any]) -> dict[str, Any]:
        """Blank what REST reads hide when MESSAGE_CONTENT is not enabled for the app (Topics > Gateway); add the
        message's reactions as the bot sees them."""
        view = self._content_view(message, self.enabled_intents)
        reactions = self._reactions.get(int(message["id"]))
        if reactions:
            view = {
                **view,
                "reactions": [reaction_payload(e, u, viewer_id=self._bot.id) for e, u in reactions.items()],
            }
        return view

    async def _post_channel_message(self, request: web.Request) -> _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body = request[BODY] or {}
        if channel.is_forum:
            return _error(400, 50024, "Cannot execute action on this channel type")
        needed = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        needed |= Perm.MANAGE_THREADS if channel.locked else 0
        if problem := self._bot_lacks(channel, needed | (Perm.ATTACH_FILES if request[FILES] else 0)):
            return problem
        if problem := _message_problem(body, request[FILES]):
            return _error(400, 50035, "Invalid Form Body", problem)
        message = self._message_from_body(body, request[FILES], channel)
        reference = body.get("message_reference")
        if reference:
            referenced = next(
                (m for m in self._messages[channel.id] if m["id"] == str(reference.get("message_id"))), None
            )
            if referenced is None and reference.get("fail_if_not_exists", True):
                return _error(400, 50035, "Invalid Form Body", {"message_reference": "Unknown message"})
            message["message_reference"] = {
                "type": 0,
                "message_id": str(reference.get("message_id")),
                "channel_id": str(channel.id),
                "guild_id": str(channel.guild_id),
            }
            message["referenced_message"] = referenced_message_payload(referenced) if referenced else None
        self._append_message(channel, message)
        guild = self.guilds[channel.guild_id]
        self._dispatch_message("MESSAGE_CREATE", message, guild, self._bot_member(guild))
        self._unarchive_on_post(channel)
        return _Reply(200, message)

    async def _start_thread(self, request: web.Request) -> _Reply:
        parent = self._channel_from_match(request)
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
        body = request[BODY] or {}
        if parent.is_forum and "message" not in request.match_info:
            return self._start_forum_post(parent, body, request[FILES])
        if parent.type != 0:
            return _error(400, 50024, "Cannot execute action on this channel type")
        source = None
        if "message" in request.match_info:
            source = self._message_from_match(request, parent)
            if source is None:
                return _error(404, 10008, "Unknown Message")
            if source.get("thread"):
                return _error(400, 160004, "A thread has already been created for this message")
        thread_type = 11 if source is not None else int(body.get("type") or 12)
        needed = Perm.CREATE_PUBLIC_THREADS if thread_type == 11 else Perm.CREATE_PRIVATE_THREADS
        if problem := self._bot_lacks(parent, needed):
            return problem
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return _error(400, 50035, "Invalid Form Body", {"name": "Must be between 1 and 100 in length."})
        thread = FakeChannel(
            int(source["id"]) if source is not None else self.snowflake(),  # a message's thread shares its id
            parent.guild_id,
            name,
            type=thread_type,
            parent_id=parent.id,
            owner_id=self._bot.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        guild = self.guilds[parent.guild_id]
        self.channels[thread.id] = thread
        self._messages[thread.id] = []
        self.dispatch("THREAD_CREATE", {**channel_payload(thread), "newly_created": True}, intent=Intent.GUILDS)
        if source is not None:
            source["thread"] = channel_payload(thread)
            author = guild.members.get(int(source["author"]["id"])) or self._bot_member(guild)
            self._dispatch_message("MESSAGE_UPDATE", source, guild, author)
        # The "started a thread" notice (message type 18) in the parent.
        notice = message_payload(message_id=self.snowflake(), channel=parent, author=self._bot, content=name)
        notice.update(type=18, message_reference={"channel_id": str(thread.id), "guild_id": str(guild.id)})
        self._append_message(parent, notice)
        self._dispatch_message("MESSAGE_CREATE", notice, guild, self._bot_member(guild))
        return _Reply(201 if source is None else 200, channel_payload(thread))

    def _start_forum_post(self, forum: FakeChannel, body: dict[str, Any], files: list[UploadedFile]) -> _Reply:
        """Resources > Channel > Start Thread in Forum or Media Channel: a thread plus its starter message (same id)."""
        if problem := self._bot_lacks(forum, Perm.SEND_MESSAGES | (Perm.ATTACH_FILES if files else 0)):
            return problem
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return _error(400, 50035, "Invalid Form Body", {"name": "Must be between 1 and 100 in length."})
        starter = body.get("message")
        if not isinstance(starter, dict):
            return _error(400, 50035, "Invalid Form Body", {"message": "This field is required"})
        if problem := _message_problem(starter, files):
            return _error(400, 50035, "Invalid Form Body", {"message": problem})
        duration = body.get("auto_archive_duration") or 4320
        if duration not in AUTO_ARCHIVE_DURATIONS:
            return _error(400, 50035, "Invalid Form Body", {"auto_archive_duration": "invalid"})
        guild = self.guilds[forum.guild_id]
        tags = body.get("applied_tags") or []
        perms = self.permissions_for(guild, self._bot_member(guild), forum)
        problem = self._applied_tags_problem(forum, tags, [], perms)
        if problem == "moderated":
            return _error(403, 50013, "Missing Permissions")
        if problem:
            return _error(400, 50035, "Invalid Form Body", problem)
        if forum.flags & ChannelFlag.REQUIRE_TAG and not tags:
            return _error(400, 40067, "A tag is required to create a forum post in this channel")
        thread = FakeChannel(
            self.snowflake(),
            forum.guild_id,
            name,
            type=ChannelType.PUBLIC_THREAD,
            parent_id=forum.id,
            owner_id=self._bot.id,
            auto_archive_duration=int(duration),
            applied_tags=[int(t) for t in tags],
        )
        self.channels[thread.id] = thread
        self._messages[thread.id] = []
        message = self._message_from_body(starter, files, thread)
        message["id"] = str(thread.id)  # the starter message shares the thread's id
        message["position"] = 0
        self._append_message(thread, message, counted=False)
        thread.total_message_sent = 1
        forum.last_message_id = thread.id
        self.dispatch("THREAD_CREATE", {**channel_payload(thread), "newly_created": True}, intent=Intent.GUILDS)
        self._dispatch_message("MESSAGE_CREATE", message, guild, self._bot_member(guild))
        return _Reply(201, {**channel_payload(thread), "message": message})

    async def _edit_channel_message(self, request: web.Request) -> _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        message = self._message_from_match(request, channel)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != str(self._bot.id):
            return _error(403, 50005, "Cannot edit a message authored by another user")
        body = request[BODY] or {}
        if problem := _message_problem(body, request[FILES], partial=True):
            return _error(400, 50035, "Invalid Form Body", problem)
        self._edit_message(message, body, request[FILES])
        guild = self.guilds[channel.guild_id]
        self._dispatch_message("MESSAGE_UPDATE", message, guild, self._bot_member(guild))
        return _Reply(200, message)

    async def _delete_channel_message(self, request: web.Request) -> _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        message = self._message_from_match(request, channel)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != str(self._bot.id) and (problem := self._bot_lacks(channel, Perm.MANAGE_MESSAGES)):
            return problem
        self._remove_message(message)
        return _Reply(204)

    def _reaction_target(self, request: web.Request) -> tuple[FakeChannel, dict[str, Any], str] | _Reply:
        channel = self._channel_from_match(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if not self._bot_can_view(channel):
            return _error(403, 50001, "Missing Access")
        message = self._message_from_match(request, channel)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        emoji = urllib.parse.unquote(request.match_info["emoji"])
        return channel, message, emoji

    async def _put_own_reaction(self, request: web.Request) -> _Reply:
        """Resources > Message > Create Reaction: 204, and MESSAGE_REACTION_ADD for the bot itself."""
        target = self._reaction_target(request)
        if isinstance(target, _Reply):
            return target
        channel, message, emoji = target
        guild = self.guilds[channel.guild_id]
        refusal = self._reaction_refusal(guild, channel, self._bot_member(guild), message, emoji)
        if refusal is not None:
            return _error(refusal.status, refusal.code, refusal.message)
        self._react(message, self._bot_member(guild), emoji)
        return _Reply(204)

    async def _delete_own_reaction(self, request: web.Request) -> _Reply:
        """Resources > Message > Delete Own Reaction."""
        target = self._reaction_target(request)
        if isinstance(target, _Reply):
            return target
        _, message, emoji = target
        self._unreact(message, self._bot.id, emoji)
        return _Reply(204)

    async def _delete_user_reaction(self, request: web.Request) -> _Reply:
        """Resources > Message > Delete User Reaction: needs Manage Messages."""
        target = self._reaction_target(request)
        if isinstance(target, _Reply):
            return target
        channel, message, emoji = target
        if problem := self._bot_lacks(channel, Perm.MANAGE_MESSAGES):
            return problem
        user = request.match_info["user"]
        if user.isdigit():
            self._unreact(message, int(user), emoji)
        return _Reply(204)

    async def _get_reactions(self, request: web.Request) -> _Reply:
        """Resources > Message > Get Reactions: the users who reacted, by id, `after` and `limit` (1-100)."""
        target = self._reaction_target(request)
        if isinstance(target, _Reply):
            return target
        _, message, emoji = target
        limit = int(request.query.get("limit", 25))
        after = int(request.query.get("after", 0))
        users = sorted(u for u in self._reactions.get(int(message["id"]), {}).get(emoji, {}) if u > after)
        return _Reply(200, [user_payload(self.users[u]) for u in users[:limit]])

    async def _join_thread(self, request: web.Request) -> _Reply:
        """Resources > Channel > Join / Leave Thread: 204 (thread membership itself is not modelled)."""
        channel = self._channel_from_match(request)
        if channel is None or not channel.is_thread:
            return _error(404, 10003, "Unknown Channel")
        if channel.archived and request.method == "PUT":
            return _error(400, 50083, "Thread is archived")
        return _Reply(204)

    async def _get_active_threads(self, request: web.Request) -> _Reply:
        """Resources > Guild > List Active Guild Threads."""
        guild = self._guild_from_match(request)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        threads = [channel_payload(t) for t in self.active_threads(guild) if self._bot_can_view(t)]
        return _Reply(200, {"threads": threads, "members": []})

    async def _get_archived_threads(self, request: web.Request) -> _Reply:
        """Resources > Channel > List Public Archived Threads: newest archive first, `before` a timestamp."""
        parent = self._channel_from_match(request)
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
        if problem := self._bot_lacks(parent, Perm.READ_MESSAGE_HISTORY):
            return problem
        limit = int(request.query.get("limit", 50))
        threads = [t for t in self.threads_in(parent) if t.archived and t.type != ChannelType.PRIVATE_THREAD]
        threads.sort(key=lambda t: t.archive_timestamp or t.created_at, reverse=True)
        if "before" in request.query:
            before = datetime.datetime.fromisoformat(request.query["before"])
            threads = [
                t for t in threads if datetime.datetime.fromisoformat(t.archive_timestamp or t.created_at) < before
            ]
        page = threads[:limit]
        body = {"threads": [channel_payload(t) for t in page], "members": [], "has_more": len(threads) > limit}
        return _Reply(200, body)

    async def _get_guild(self, request: web.Request) -> _Reply:
        guild = self._guild_from_match(request)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return _Reply(200, guild_payload(guild, application_id=self.application_id))

    async def _get_guild_channels(self, request: web.Request) -> _Reply:
        guild = self._guild_from_match(request)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return _Reply(200, [channel_payload(c) for c in guild.channels.values()])

    async def _get_guild_roles(self, request: web.Request) -> _Reply:
        guild = self._guild_from_match(request)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return _Reply(200, [role_payload(r) for r in guild.roles.values()])

    async def _get_guild_member(self, request: web.Request) -> _Reply:
        guild = self._guild_from_match(request)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        user_id = request.match_info["user"]
        member = guild.members.get(int(user_id)) if user_id.isdigit() else None
        if member is None:
            return _error(404, 10007, "Unknown Member")
        return _Reply(200, member_payload(member))


# ---------------------------------------------------------------------------------------------------------------------
# Validation Discord does server-side (400 50035 Invalid Form Body)


def _mentioned_ids(content: str) -> list[int]:
    return list(dict.fromkeys(int(m) for m in MENTION.findall(content)))


def _command_problem(command: dict[str, Any]) -> str | None:
    """Interactions > Application Commands: name, description and option limits."""
    name = command.get("name", "")
    kind = command.get("type", 1)
    if kind not in (1, 2, 3, 4):
        return f"{name!r}: unknown command type {kind}"
    if kind == 1:
        if not COMMAND_NAME.match(name) or name != name.lower():
            return f"invalid command name {name!r}"
        if not 1 <= len(command.get("description", "")) <= 100:
            return f"/{name}: description must be 1-100 characters"
    elif kind in (2, 3):  # user and message context menus: a name with spaces, no description, no options
        if not 1 <= len(name) <= 32:
            return f"context menu {name!r}: name must be 1-32 characters"
        if command.get("description") or command.get("options"):
            return f"context menu {name!r}: takes no description and no options"
    return _options_problem(name, command.get("options") or [])


def _options_problem(where: str, options: list[dict[str, Any]]) -> str | None:
    if len(options) > 25:
        return f"/{where}: more than 25 options"
    seen_optional = False
    names = set()
    for option in options:
        name = option.get("name", "")
        label = f"/{where} {name}"
        if not COMMAND_NAME.match(name) or name != name.lower():
            return f"{label}: invalid option name"
        if name in names:
            return f"{label}: duplicate option name"
        names.add(name)
        if not 1 <= len(option.get("description", "")) <= 100:
            return f"{label}: description must be 1-100 characters"
        if option.get("type") in (1, 2):
            if problem := _options_problem(f"{where} {name}", option.get("options") or []):
                return problem
            continue
        if option.get("required"):
            if seen_optional:
                return f"{label}: required options must come before optional ones"
        else:
            seen_optional = True
        if len(option.get("choices") or []) > 25:
            return f"{label}: more than 25 choices"
        if option.get("autocomplete") and option.get("choices"):
            return f"{label}: autocomplete and choices are exclusive"
    return None


def _message_problem(body: dict[str, Any], files: list[UploadedFile], *, partial: bool = False) -> Any:
    """Resources > Message > Create Message limits: 2000 characters, 10 embeds, 6000 embed characters."""
    content = body.get("content") or ""
    if len(content) > 2000:
        return {
            "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}
        }
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return {"embeds": "Must be 10 or fewer in length."}
    total = 0
    for index, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            if len(embed.get(key) or "") > limit:
                return {"embeds": {str(index): {key: f"Must be {limit} or fewer in length."}}}
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return {"embeds": {str(index): {"fields": "Must be 25 or fewer in length."}}}
        for f in fields:
            if not f.get("name") or not f.get("value") or len(f["name"]) > 256 or len(f["value"]) > 1024:
                return {"embeds": {str(index): {"fields": "name 1-256 and value 1-1024 characters"}}}
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        if len(footer) > 2048 or len(author) > 256:
            return {"embeds": {str(index): "footer or author too long"}}
        total += len(embed.get("title") or "") + len(embed.get("description") or "") + len(footer) + len(author)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    if total > 6000:
        return {"embeds": "Embeds must total 6000 or fewer characters."}
    has_something = content or embeds or files or body.get("components") or body.get("poll") or body.get("sticker_ids")
    if not partial and not has_something:
        return {"_errors": [{"code": 50006, "message": "Cannot send an empty message"}]}
    return None


def _choices_problem(choices: Any) -> Any:
    """Interactions > Receiving and Responding > Autocomplete: at most 25 choices, names 1-100 characters."""
    if not isinstance(choices, list):
        return {"choices": "required"}
    if len(choices) > 25:
        return {"choices": "Must be 25 or fewer in length."}
    for choice in choices:
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            return {"choices": "name must be 1-100 characters"}
    return None


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    """Walk rows, sections, containers and labels for the component with `custom_id`."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components") or [])
        children += [component[k] for k in ("accessory", "component") if component.get(k)]
        if found := _find_component(children, custom_id):
            return found
    return None


def _modal_problem(data: dict[str, Any]) -> Any:
    """Interactions > Receiving and Responding > Modal: custom_id, title up to 45 characters, 1-5 components."""
    if not data.get("custom_id") or not 1 <= len(data.get("title") or "") <= 45:
        return {"data": "modal needs a custom_id and a title of 1-45 characters"}
    if not 1 <= len(data.get("components") or []) <= 5:
        return {"data": {"components": "Must be between 1 and 5 in length."}}
    return None


def loopback_guard() -> aiohttp.TraceConfig:
    """Return a TraceConfig (for `http_trace=`) that raises for any request to a non-loopback host."""

    async def on_request_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        host = params.url.host or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise RuntimeError(f"test tried to reach {params.url} — only the fake Discord on 127.0.0.1 is allowed")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace


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
    "MessageFlag",
    "Perm",
    "RequestRecord",
    "UploadedFile",
    "loopback_guard",
]
