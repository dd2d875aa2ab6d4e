"""REST routes for interactions: the initial callback, followups, and the interaction webhook.

The initial callback comes within the deadline, `with_response` or not; the original response or a followup is read,
edited and deleted through the interaction webhook.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from .constants import ALLOWED_CALLBACKS, CallbackType, MessageFlag
from .payloads import callback_response_payload
from .rest import BODY, FILES, _error, _Reply
from .validation import _choices_problem, _message_problem, _modal_problem
from .world import InteractionRecord


class InteractionRoutesMixin:
    """Serve the interaction callback and webhook routes of `FakeDiscord`."""

    # -- REST handlers: interactions -----------------------------------------------------------------------------------

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
        if self._past_deadline(rec, now):
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
