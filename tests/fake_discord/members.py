"""Member-side message actions, each refused with `ActionRefused` where Discord would refuse the member.

Post (or reply), edit and delete a message, add and remove a reaction.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .constants import ROLE_MENTION, iso_now
from .payloads import message_payload, reference_payload, referenced_message_payload
from .world import FakeChannel, FakeGuild, FakeMember


class MemberActionsMixin:
    """Act as a guild member in `FakeDiscord`: messages and reactions."""

    # -- member-side actions -------------------------------------------------------------------------------------------

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
