"""REST routes for messages and reactions.

History reads, posting (and replies), editing and deleting messages, and the bot's own and other users' reactions.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from aiohttp import web

from .constants import Perm
from .payloads import reaction_payload, referenced_message_payload, user_payload
from .rest import BODY, FILES, _error, _Reply
from .validation import _message_problem
from .world import FakeChannel


class MessageRoutesMixin:
    """Serve the message and reaction routes of `FakeDiscord`."""

    # -- REST handlers: messages ---------------------------------------------------------------------------------------

    def _channel_from_match(self, request: web.Request) -> FakeChannel | None:
        channel_id = request.match_info["channel"]
        return self.channels.get(int(channel_id)) if channel_id.isdigit() else None

    def _message_from_match(self, request: web.Request, channel: FakeChannel) -> dict[str, Any] | None:
        wanted = request.match_info["message"]
        return next((m for m in self._messages[channel.id] if m["id"] == wanted), None)

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
        """Return `message` as a REST read by the bot shows it, with its reactions as the bot sees them.

        What REST reads hide when MESSAGE_CONTENT is not enabled for the app is blanked (Topics > Gateway).
        """
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

    # -- REST handlers: reactions --------------------------------------------------------------------------------------

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
