"""Member-side interactions, each checked against what the client synced or sent, then dispatched.

Slash commands, autocomplete, message context menus, buttons and selects, and modal submits, each dispatched as
INTERACTION_CREATE.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from typing import Any

from .constants import CallbackType, InteractionType
from .payloads import interaction_payload
from .validation import _find_component
from .world import FakeChannel, FakeGuild, FakeMember, InteractionRecord


class MemberInteractionsMixin:
    """Act as a guild member using the app's commands and components in `FakeDiscord`."""

    # -- member-side interactions --------------------------------------------------------------------------------------

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
        assert opened_by.response is not None, "no modal was opened"
        assert opened_by.response_type == CallbackType.MODAL, "no modal was opened"
        assert opened_by.guild
        assert opened_by.channel
        assert opened_by.member
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
