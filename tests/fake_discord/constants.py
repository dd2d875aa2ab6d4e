"""Discord's numbers the fake needs, plus snowflake, timestamp and token helpers.

Intents, permission bits, channel/message flags, option, interaction and callback types, and gateway close codes.
Each class names the section of Discord's developer documentation (discord/discord-api-docs) its values come from.
"""

from __future__ import annotations

import base64
import datetime
import re
import secrets
import time

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
        """Return the next snowflake: now's, or one more than the last if the clock has not moved on."""
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
