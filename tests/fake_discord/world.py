"""The fake's world and records, and `ActionRefused` for what Discord would refuse a member.

The world: users, roles, members, channels (threads and forums too) and guilds; the records: the uploads and
requests it logged and the interactions it sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .constants import FORUM_TYPES, THREAD_TYPES, CallbackType, MessageFlag, iso_now

if TYPE_CHECKING:
    from .server import FakeDiscord


# ---------------------------------------------------------------------------------------------------------------------
# World objects


@dataclass
class FakeUser:
    """A Discord user: a member, the bot, or the application's owner."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None


@dataclass
class FakeRole:
    """A guild role; its id equals the guild id for @everyone."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    tags: dict[str, Any] | None = None


@dataclass
class FakeMember:
    """A user's membership of one guild, with their role ids."""

    user: FakeUser
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        """Return the member's user id."""
        return self.user.id

    @property
    def username(self) -> str:
        """Return the member's username."""
        return self.user.username


@dataclass
class FakeChannel:
    """A guild channel: text, forum or media, or a thread (public or private) in one of them."""

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
        """Return whether this channel is a thread (news, public or private)."""
        return self.type in THREAD_TYPES

    @property
    def is_forum(self) -> bool:
        """Return whether this channel is a forum or media channel (its posts are threads)."""
        return self.type in FORUM_TYPES

    def tag_id(self, name: str) -> int:
        """Return the id of this forum's tag called `name`."""
        for tag in self.available_tags:
            if tag["name"] == name:
                return int(tag["id"])
        raise AssertionError(f"#{self.name} has no tag {name!r}; it has {[t['name'] for t in self.available_tags]}")


@dataclass
class FakeGuild:
    """A guild with its roles, channels and members."""

    id: int
    name: str
    owner_id: int = 0
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"

    @property
    def everyone_role(self) -> FakeRole:
        """Return the @everyone role (its id is the guild id)."""
        return self.roles[self.id]


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
    """A file part of a multipart request, as the client uploaded it."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RequestRecord:
    """One REST request the fake received, with its parsed body, files and the reply it gave."""

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
        """Return whether the client answered only after the deadline."""
        return bool(self.late_responses)

    @property
    def response_type(self) -> int | None:
        """Return the callback type of the initial response, or None before it."""
        return None if self.response is None else self.response["type"]

    @property
    def ephemeral(self) -> bool:
        """Return whether the initial response was flagged ephemeral."""
        data = (self.response or {}).get("data") or {}
        return bool(int(data.get("flags") or 0) & MessageFlag.EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Return the autocomplete choices answered, or None if the response was not an autocomplete result."""
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
