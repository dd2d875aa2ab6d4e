"""`FakeDiscord`, composed of one mixin per part, with its state, start/stop, `wait_for` and world building.

The parts are the gateway, REST plumbing, routes, member actions, message store and validation; `redirect` points
discord.py at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import aiohttp
from aiohttp import web

from .constants import API_PREFIX, ChannelFlag, ChannelType, Intent, Perm, SnowflakeFactory, make_token
from .gateway import GatewayMixin, _Connection, _Session
from .interactions import MemberInteractionsMixin
from .members import MemberActionsMixin
from .messages import MessageStoreMixin
from .payloads import attachment_payload, channel_payload, member_payload, role_payload, user_payload
from .rest import RestMixin
from .routes import RoutesMixin
from .routes_channels import ChannelRoutesMixin
from .routes_interactions import InteractionRoutesMixin
from .routes_messages import MessageRoutesMixin
from .validation import ValidationMixin
from .world import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, InteractionRecord, RequestRecord


class FakeDiscord(
    GatewayMixin,
    RestMixin,
    RoutesMixin,
    InteractionRoutesMixin,
    MessageRoutesMixin,
    ChannelRoutesMixin,
    MemberActionsMixin,
    MemberInteractionsMixin,
    MessageStoreMixin,
    ValidationMixin,
):
    """A fake Discord on 127.0.0.1, for one bot.

    It has guilds, members, text and forum channels, threads, messages, reactions, slash commands, message context
    menus, components, modals, and gateway outages (resumable or not).

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

    # -- lifecycle -----------------------------------------------------------------------------------------------------

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
        """Return the fake's HTTP root, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Return the REST base discord.py's `Route.BASE` points at (…/api/v10)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Return the gateway websocket URL (also sent as READY's `resume_gateway_url`)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> dict[str, Any]:
        """Return the bot's user object as `GET /users/@me` answers it."""
        return user_payload(self._bot)

    @property
    def bot_id(self) -> int:
        """Return the bot's user id (also the application id)."""
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
        """Return a TraceConfig (for `http_trace=`) that raises for any request to a non-loopback host."""
        return loopback_guard()

    # -- waiting -------------------------------------------------------------------------------------------------------

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

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- world building ------------------------------------------------------------------------------------------------

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


def loopback_guard() -> aiohttp.TraceConfig:
    """Return a TraceConfig (for `http_trace=`) that raises for any request to a non-loopback host."""

    async def on_request_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        host = params.url.host or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise RuntimeError(f"test tried to reach {params.url} — only the fake Discord on 127.0.0.1 is allowed")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace
