"""REST routes for channels and threads.

Reading and editing channels (forum tags too), starting threads and forum posts, editing threads (archive, lock,
rename, tags), joining them and listing active and archived ones.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiohttp import web

from .constants import AUTO_ARCHIVE_DURATIONS, ChannelFlag, ChannelType, Intent, Perm, iso_now
from .payloads import channel_payload, message_payload
from .rest import BODY, FILES, _error, _Reply
from .validation import _message_problem
from .world import FakeChannel, UploadedFile


class ChannelRoutesMixin:
    """Serve the channel and thread routes of `FakeDiscord`."""

    # -- REST handlers: channels ---------------------------------------------------------------------------------------

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

    # -- REST handlers: threads ----------------------------------------------------------------------------------------

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
