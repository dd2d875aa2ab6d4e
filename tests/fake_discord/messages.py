"""The fake's message store, and the inspection helpers tests assert with.

Building, editing, deleting and dispatching messages (with the MESSAGE_CONTENT view), uploaded attachments, allowed
mentions and reactions.
"""

from __future__ import annotations

from typing import Any

from .constants import ROLE_MENTION, Intent, MessageFlag, iso_now
from .gateway import _Session
from .payloads import (
    channel_payload,
    interaction_metadata_payload,
    member_payload,
    message_payload,
    reaction_event_payload,
    user_payload,
)
from .validation import _mentioned_ids
from .world import FakeChannel, FakeGuild, FakeMember, InteractionRecord, UploadedFile


class MessageStoreMixin:
    """Keep the messages, attachments and reactions of `FakeDiscord` (whose state it uses)."""

    # -- messages ------------------------------------------------------------------------------------------------------

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

    def _user_mentions(self, content: str) -> list[dict[str, Any]]:
        return [user_payload(self.users[uid]) for uid in _mentioned_ids(content) if uid in self.users]

    def _append_message(self, channel: FakeChannel, message: dict[str, Any], *, counted: bool = True) -> None:
        self._messages[channel.id].append(message)
        channel.last_message_id = int(message["id"])
        if channel.is_thread and counted:
            channel.message_count += 1
            channel.total_message_sent += 1

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

    def _unarchive_on_post(self, channel: FakeChannel) -> None:
        """Topics > Threads: a message in an archived (unlocked) thread unarchives it (THREAD_UPDATE)."""
        if channel.is_thread and channel.archived:
            channel.archived = False
            channel.archive_timestamp = iso_now()
            self.dispatch("THREAD_UPDATE", channel_payload(channel), intent=Intent.GUILDS)

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
        """Blank content, embeds, attachments and components unless the session has the Message Content intent.

        Events > Gateway > Message Content Intent: a message the bot wrote or is mentioned in stays whole; the same
        goes for a replied-to message inside it.
        """
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

    # -- reactions -----------------------------------------------------------------------------------------------------

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

    # -- inspection ----------------------------------------------------------------------------------------------------

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
