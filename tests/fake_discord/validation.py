"""What Discord checks server-side before it accepts something.

Command schemas and option values, message, embed, choice and modal limits (400 50035 Invalid Form Body),
permissions (403 50001 / 50013), forum tags, and the interaction deadlines (3 s for the first answer, 15 minutes for
followups).
"""

from __future__ import annotations

import asyncio
from typing import Any

from .constants import COMMAND_NAME, CUSTOM_EMOJI, MENTION, OptionType, Perm
from .payloads import channel_payload, member_payload, role_payload, user_payload
from .rest import _error, _Reply
from .world import (
    ActionRefused,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
    UploadedFile,
)

# ---------------------------------------------------------------------------------------------------------------------
# Validation Discord does server-side (400 50035 Invalid Form Body)


def _mentioned_ids(content: str) -> list[int]:
    return list(dict.fromkeys(int(m) for m in MENTION.findall(content)))


def _command_problem(command: dict[str, Any]) -> str | None:
    """Interactions > Application Commands: name, description and option limits."""
    name = command.get("name", "")
    kind = command.get("type", 1)
    if kind not in (1, 2, 3, 4):
        return f"{name!r}: unknown command type {kind}"
    if kind == 1:
        if not COMMAND_NAME.match(name) or name != name.lower():
            return f"invalid command name {name!r}"
        if not 1 <= len(command.get("description", "")) <= 100:
            return f"/{name}: description must be 1-100 characters"
    elif kind in (2, 3):  # user and message context menus: a name with spaces, no description, no options
        if not 1 <= len(name) <= 32:
            return f"context menu {name!r}: name must be 1-32 characters"
        if command.get("description") or command.get("options"):
            return f"context menu {name!r}: takes no description and no options"
    return _options_problem(name, command.get("options") or [])


def _options_problem(where: str, options: list[dict[str, Any]]) -> str | None:
    if len(options) > 25:
        return f"/{where}: more than 25 options"
    seen_optional = False
    names = set()
    for option in options:
        name = option.get("name", "")
        label = f"/{where} {name}"
        if not COMMAND_NAME.match(name) or name != name.lower():
            return f"{label}: invalid option name"
        if name in names:
            return f"{label}: duplicate option name"
        names.add(name)
        if not 1 <= len(option.get("description", "")) <= 100:
            return f"{label}: description must be 1-100 characters"
        if option.get("type") in (1, 2):
            if problem := _options_problem(f"{where} {name}", option.get("options") or []):
                return problem
            continue
        if option.get("required"):
            if seen_optional:
                return f"{label}: required options must come before optional ones"
        else:
            seen_optional = True
        if len(option.get("choices") or []) > 25:
            return f"{label}: more than 25 choices"
        if option.get("autocomplete") and option.get("choices"):
            return f"{label}: autocomplete and choices are exclusive"
    return None


def _message_problem(body: dict[str, Any], files: list[UploadedFile], *, partial: bool = False) -> Any:
    """Resources > Message > Create Message limits: 2000 characters, 10 embeds, 6000 embed characters."""
    content = body.get("content") or ""
    if len(content) > 2000:
        return {
            "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}
        }
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return {"embeds": "Must be 10 or fewer in length."}
    total = 0
    for index, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            if len(embed.get(key) or "") > limit:
                return {"embeds": {str(index): {key: f"Must be {limit} or fewer in length."}}}
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return {"embeds": {str(index): {"fields": "Must be 25 or fewer in length."}}}
        for f in fields:
            if not f.get("name") or not f.get("value") or len(f["name"]) > 256 or len(f["value"]) > 1024:
                return {"embeds": {str(index): {"fields": "name 1-256 and value 1-1024 characters"}}}
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        if len(footer) > 2048 or len(author) > 256:
            return {"embeds": {str(index): "footer or author too long"}}
        total += len(embed.get("title") or "") + len(embed.get("description") or "") + len(footer) + len(author)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    if total > 6000:
        return {"embeds": "Embeds must total 6000 or fewer characters."}
    has_something = content or embeds or files or body.get("components") or body.get("poll") or body.get("sticker_ids")
    if not partial and not has_something:
        return {"_errors": [{"code": 50006, "message": "Cannot send an empty message"}]}
    return None


def _choices_problem(choices: Any) -> Any:
    """Interactions > Receiving and Responding > Autocomplete: at most 25 choices, names 1-100 characters."""
    if not isinstance(choices, list):
        return {"choices": "required"}
    if len(choices) > 25:
        return {"choices": "Must be 25 or fewer in length."}
    for choice in choices:
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            return {"choices": "name must be 1-100 characters"}
    return None


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    """Walk rows, sections, containers and labels for the component with `custom_id`."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components") or [])
        children += [component[k] for k in ("accessory", "component") if component.get(k)]
        if found := _find_component(children, custom_id):
            return found
    return None


def _modal_problem(data: dict[str, Any]) -> Any:
    """Interactions > Receiving and Responding > Modal: custom_id, title up to 45 characters, 1-5 components."""
    if not data.get("custom_id") or not 1 <= len(data.get("title") or "") <= 45:
        return {"data": "modal needs a custom_id and a title of 1-45 characters"}
    if not 1 <= len(data.get("components") or []) <= 5:
        return {"data": {"components": "Must be between 1 and 5 in length."}}
    return None


class ValidationMixin:
    """Check permissions, command options and deadlines for `FakeDiscord` (whose state it uses)."""

    # -- permissions ---------------------------------------------------------------------------------------------------

    def permissions_for(self, guild: FakeGuild, member: FakeMember, channel: FakeChannel | None = None) -> int:
        """Compute a member's permissions (Topics > Permissions > Permission Overwrites)."""
        if member.id == guild.owner_id:
            return Perm.ALL
        perms = guild.everyone_role.permissions
        for role_id in member.role_ids:
            perms |= guild.roles[role_id].permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        if channel is None:
            return perms
        if channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        overwrites = {(o["type"], o["id"]): o for o in channel.permission_overwrites}
        everyone = overwrites.get((0, guild.id))
        if everyone:
            perms = (perms & ~everyone.get("deny", 0)) | everyone.get("allow", 0)
        allow = deny = 0
        for role_id in member.role_ids:
            o = overwrites.get((0, role_id))
            if o:
                allow |= o.get("allow", 0)
                deny |= o.get("deny", 0)
        perms = (perms & ~deny) | allow
        own = overwrites.get((1, member.id))
        if own:
            perms = (perms & ~own.get("deny", 0)) | own.get("allow", 0)
        return perms

    def _bot_member(self, guild: FakeGuild) -> FakeMember:
        return guild.members[self._bot.id]

    def _bot_can_view(self, channel: FakeChannel) -> bool:
        guild = self.guilds[channel.guild_id]
        return bool(self.permissions_for(guild, self._bot_member(guild), channel) & Perm.VIEW_CHANNEL)

    def _bot_lacks(self, channel: FakeChannel, needed: int) -> _Reply | None:
        guild = self.guilds[channel.guild_id]
        perms = self.permissions_for(guild, self._bot_member(guild), channel)
        if not perms & Perm.VIEW_CHANNEL:
            return _error(403, 50001, "Missing Access")
        if perms & needed != needed:
            return _error(403, 50013, "Missing Permissions")
        return None

    def _check_place(self, guild: FakeGuild, channel: FakeChannel, member: FakeMember) -> None:
        assert member.id in guild.members, f"{member.username} is not a member of {guild.name}"
        assert channel.guild_id == guild.id, f"#{channel.name} is not in {guild.name}"
        assert channel.id in self.channels, f"#{channel.name} is not in {guild.name}"

    def _member_cannot_post(
        self, guild: FakeGuild, channel: FakeChannel, member: FakeMember, with_files: bool
    ) -> ActionRefused | None:
        """Resources > Message > Create Message, and Topics > Threads (locked threads need Manage Threads)."""
        perms = self.permissions_for(guild, member, channel)
        if not perms & Perm.VIEW_CHANNEL:
            return ActionRefused(403, 50001, "Missing Access")
        if channel.is_forum:
            return ActionRefused(400, 50024, "Cannot execute action on this channel type")
        if channel.is_thread and channel.locked and not perms & Perm.MANAGE_THREADS:
            return ActionRefused(400, 160005, "Thread is locked")
        needed = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        needed |= Perm.ATTACH_FILES if with_files else 0
        if perms & needed != needed:
            return ActionRefused(403, 50013, "Missing Permissions")
        return None

    def _reaction_refusal(
        self, guild: FakeGuild, channel: FakeChannel, member: FakeMember, message: dict[str, Any], emoji: str
    ) -> ActionRefused | None:
        """Resources > Message > Create Reaction: Read Message History, and Add Reactions for a new emoji."""
        if not emoji or CUSTOM_EMOJI.match(emoji):
            return ActionRefused(400, 10014, "Unknown Emoji")  # the fake's guilds have no custom emojis
        perms = self.permissions_for(guild, member, channel)
        if not perms & Perm.VIEW_CHANNEL:
            return ActionRefused(403, 50001, "Missing Access")
        if channel.is_thread and channel.archived:
            return ActionRefused(400, 50083, "Thread is archived")
        needed = Perm.READ_MESSAGE_HISTORY
        if not self._reactions.get(int(message["id"]), {}).get(emoji):
            needed |= Perm.ADD_REACTIONS
        if perms & needed != needed:
            return ActionRefused(403, 50013, "Missing Permissions")
        return None

    def _applied_tags_problem(self, parent: FakeChannel | None, tags: Any, old: list[int], perms: int) -> Any:
        """Topics > Threads > Forums: up to 5 of the parent's tags; moderated ones need Manage Threads."""
        if parent is None or not parent.is_forum:
            return {"applied_tags": "only threads in forum and media channels have tags"}
        if not isinstance(tags, list) or len(tags) > 5:
            return {"applied_tags": "Must be 5 or fewer in length."}
        available = {t["id"]: t for t in parent.available_tags}
        wanted = [int(t) for t in tags]
        unknown = [t for t in wanted if t not in available]
        if unknown:
            return {"applied_tags": f"unknown tag(s) {unknown}"}
        changed = set(wanted) ^ set(old)
        if any(available.get(t, {}).get("moderated") for t in changed) and not perms & Perm.MANAGE_THREADS:
            return "moderated"
        return None

    # -- application commands ------------------------------------------------------------------------------------------

    def _command_lookup(self, guild: FakeGuild, name: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
        parts = name.split()
        assert parts, "empty command name"
        synced = [c for c in self.commands.get(guild.id, []) + self.commands.get(None, []) if c.get("type", 1) == 1]
        command = next((c for c in synced if c["name"] == parts[0]), None)
        if command is None:
            names = sorted(c["name"] for c in synced)
            raise AssertionError(f"/{parts[0]} is not a synced slash command in {guild.name!r} (synced: {names})")
        options = command.get("options") or []
        path: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next(
                (o for o in options if o["name"] == part and o["type"] in (1, 2)),
                None,
            )
            if sub is None:
                raise AssertionError(f"/{name}: {part!r} is not a synced subcommand")
            path.append(sub)
            options = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in options):
            subs = [o["name"] for o in options]
            raise AssertionError(f"/{name} needs a subcommand: {subs}")
        return command, path, parts

    def _build_options(
        self,
        guild: FakeGuild,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        *,
        label: str,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        known = {o["name"]: o for o in schema}
        unknown = set(values) - set(known)
        if unknown:
            raise AssertionError(f"/{label}: unknown option(s) {sorted(unknown)}; synced: {sorted(known)}")
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise AssertionError(f"/{label}: missing required option(s) {missing}")
        built = []
        for spec in schema:
            if spec["name"] not in values:
                continue
            value = values[spec["name"]]
            if spec["name"] == focused:
                if not spec.get("autocomplete"):
                    raise AssertionError(f"/{label}: option {spec['name']!r} has no autocomplete")
                built.append({"name": spec["name"], "type": spec["type"], "value": str(value), "focused": True})
                continue
            wire = self._option_value(guild, spec, value, resolved, label)
            built.append({"name": spec["name"], "type": spec["type"], "value": wire})
        return built

    def _option_value(
        self, guild: FakeGuild, spec: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]], label: str
    ) -> Any:
        """Check a value against its synced option and return its wire form, filling `resolved`."""
        kind, name = spec["type"], f"/{label} {spec['name']}"
        if kind == OptionType.STRING:
            assert isinstance(value, str), f"{name}: expected a string, got {value!r}"
            if "min_length" in spec and len(value) < spec["min_length"]:
                raise AssertionError(f"{name}: shorter than min_length {spec['min_length']}")
            if "max_length" in spec and len(value) > spec["max_length"]:
                raise AssertionError(f"{name}: longer than max_length {spec['max_length']}")
        elif kind == OptionType.INTEGER:
            assert isinstance(value, int), f"{name}: expected an integer, got {value!r}"
            assert not isinstance(value, bool), f"{name}: expected an integer, got {value!r}"
        elif kind == OptionType.NUMBER:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            assert ok, f"{name}: expected a number, got {value!r}"
        elif kind == OptionType.BOOLEAN:
            assert isinstance(value, bool), f"{name}: expected a boolean, got {value!r}"
        if kind in (OptionType.INTEGER, OptionType.NUMBER):
            if spec.get("min_value") is not None and value < spec["min_value"]:
                raise AssertionError(f"{name}: {value} is below min_value {spec['min_value']}")
            if spec.get("max_value") is not None and value > spec["max_value"]:
                raise AssertionError(f"{name}: {value} is above max_value {spec['max_value']}")
        if kind in (OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER):
            choices = spec.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise AssertionError(f"{name}: {value!r} is not one of the choices {[c['value'] for c in choices]}")
            return value
        if kind == OptionType.BOOLEAN:
            return value
        if kind == OptionType.ATTACHMENT:
            assert isinstance(value, dict), f"{name}: pass an attachment from add_attachment()"
            assert "filename" in value, f"{name}: pass an attachment from add_attachment()"
            resolved.setdefault("attachments", {})[value["id"]] = value
            return value["id"]
        if kind in (OptionType.USER, OptionType.MENTIONABLE) and isinstance(value, FakeMember | FakeUser):
            user = value.user if isinstance(value, FakeMember) else value
            resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
            member = guild.members.get(user.id)
            if member is not None:
                perms = self.permissions_for(guild, member)
                resolved.setdefault("members", {})[str(user.id)] = member_payload(
                    member, with_user=False, permissions=perms
                )
            return str(user.id)
        if kind in (OptionType.ROLE, OptionType.MENTIONABLE) and isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[str(value.id)] = role_payload(value)
            return str(value.id)
        if kind == OptionType.CHANNEL and isinstance(value, FakeChannel):
            types = spec.get("channel_types")
            if types and value.type not in types:
                raise AssertionError(f"{name}: channel type {value.type} not in {types}")
            bot_member = self._bot_member(guild)
            resolved.setdefault("channels", {})[str(value.id)] = {
                **channel_payload(value, permissions=self.permissions_for(guild, bot_member, value)),
            }
            return str(value.id)
        raise AssertionError(f"{name}: {value!r} does not fit option type {kind}")

    # -- deadlines -----------------------------------------------------------------------------------------------------

    def _past_deadline(self, rec: InteractionRecord, now: float) -> bool:
        """Interactions > Receiving and Responding: the first answer must come within 3 s (`interaction_deadline`)."""
        return now - rec.created_at > self.interaction_deadline

    def _webhook_problem(self, rec: InteractionRecord | None) -> _Reply | None:
        """Interactions > Receiving and Responding: the webhook token works for 15 minutes (`followup_window`)."""
        if rec is None or rec.response is None:
            return _error(404, 10015, "Unknown Webhook")
        assert rec.responded_at is not None
        if asyncio.get_running_loop().time() - rec.responded_at > self.followup_window:
            return _error(401, 50027, "Invalid Webhook Token")
        return None
