"""The fake's REST route table, and the routes for the bot's identity, application commands and guild reads.

Messages and reactions are in `routes_messages`, channels and threads in `routes_channels`, interaction
callbacks and webhooks in `routes_interactions`.
"""

from __future__ import annotations

from aiohttp import web

from .constants import API_PREFIX
from .payloads import (
    application_command_payload,
    application_payload,
    channel_payload,
    guild_payload,
    member_payload,
    role_payload,
)
from .rest import BODY, _error, _Reply
from .validation import _command_problem
from .world import FakeGuild


class RoutesMixin:
    """Serve the route table, identity, application-command and guild routes of `FakeDiscord`."""

    # -- route table ---------------------------------------------------------------------------------------------------

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

    # -- REST handlers: identity ---------------------------------------------------------------------------------------

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

    # -- REST handlers: application commands ---------------------------------------------------------------------------

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

    # -- REST handlers: guilds -----------------------------------------------------------------------------------------

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
