"""Payload builders, one per Discord object, each returning the JSON Discord sends.

Each names the section of Discord's developer documentation (discord/discord-api-docs) whose shape it follows.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from .constants import InteractionType, MessageFlag, iso_now
from .world import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, InteractionRecord


def user_payload(user: FakeUser) -> dict[str, Any]:
    """Resources > User > User Object."""
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }


def role_payload(role: FakeRole) -> dict[str, Any]:
    """Topics > Permissions > Role Object."""
    payload: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.tags is not None:
        payload["tags"] = role.tags
    return payload


def member_payload(member: FakeMember, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    """Resources > Guild > Guild Member Object (`permissions` only inside interactions)."""
    payload: dict[str, Any] = {
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in member.role_ids],
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def channel_payload(channel: FakeChannel, *, permissions: int | None = None) -> dict[str, Any]:
    """Resources > Channel > Channel Object (`permissions` only in interactions and resolved data)."""
    payload: dict[str, Any] = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "position": channel.position,
        "permission_overwrites": [
            {"id": str(o["id"]), "type": o["type"], "allow": str(o.get("allow", 0)), "deny": str(o.get("deny", 0))}
            for o in channel.permission_overwrites
        ],
        "name": channel.name,
        "topic": channel.topic,
        "nsfw": channel.nsfw,
        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
        "rate_limit_per_user": 0,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "default_auto_archive_duration": 1440,
        "flags": channel.flags,
    }
    if channel.is_forum:
        # Resources > Channel > Channel Object: the forum-only fields.
        payload.update(
            available_tags=[forum_tag_payload(t) for t in channel.available_tags],
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
            default_thread_rate_limit_per_user=0,
        )
    if channel.is_thread:
        # Topics > Threads: a thread is a channel with an owner, counts and thread_metadata.
        payload.pop("permission_overwrites")
        payload.update(
            owner_id=str(channel.owner_id),
            message_count=channel.message_count,
            member_count=1,
            total_message_sent=channel.total_message_sent,
            applied_tags=[str(t) for t in channel.applied_tags],
            thread_metadata={
                "archived": channel.archived,
                "auto_archive_duration": channel.auto_archive_duration,
                "archive_timestamp": channel.archive_timestamp or channel.created_at,
                "locked": channel.locked,
                "create_timestamp": channel.created_at,
                **({"invitable": True} if channel.type == 12 else {}),
            },
        )
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def forum_tag_payload(tag: dict[str, Any]) -> dict[str, Any]:
    """Resources > Channel > Forum Tag Object."""
    return {
        "id": str(tag["id"]),
        "name": tag["name"],
        "moderated": bool(tag.get("moderated", False)),
        "emoji_id": str(tag["emoji_id"]) if tag.get("emoji_id") else None,
        "emoji_name": tag.get("emoji_name"),
    }


def guild_payload(guild: FakeGuild, *, application_id: int | None = None) -> dict[str, Any]:
    """Resources > Guild > Guild Object."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": str(application_id) if application_id else None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.locale,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
    }


def guild_create_payload(
    guild: FakeGuild, members: list[FakeMember], *, application_id: int, threads: list[FakeChannel] | None = None
) -> dict[str, Any]:
    """Events > Gateway Events > Guild Create: the guild object plus the extra gateway fields (active threads)."""
    payload = guild_payload(guild, application_id=application_id)
    payload.update(
        {
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [member_payload(m) for m in members],
            "channels": [channel_payload(c) for c in guild.channels.values()],
            "threads": [channel_payload(t) for t in threads or []],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return payload


def attachment_payload(
    attachment_id: int, filename: str, size: int, url: str, *, content_type: str | None, description: str | None = None
) -> dict[str, Any]:
    """Resources > Message > Attachment Object."""
    payload: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
        "flags": 0,
    }
    if description is not None:
        payload["description"] = description
    return payload


def message_payload(
    *,
    message_id: int,
    channel: FakeChannel,
    author: FakeUser,
    content: str = "",
    embeds: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    message_type: int = 0,
    tts: bool = False,
    mentions: list[dict[str, Any]] | None = None,
    mention_roles: list[str] | None = None,
    mention_everyone: bool = False,
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: dict[str, Any] | None = None,
    allowed_mentions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Resources > Message > Message Object (plus `guild_id`, and `allowed_mentions` as the sender sent it)."""
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "guild_id": str(channel.guild_id),
        "author": user_payload(author),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": mention_everyone,
        "mentions": mentions or [],
        "mention_roles": mention_roles or [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
        "components": components or [],
        "allowed_mentions": allowed_mentions,
    }
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    if interaction_metadata is not None:
        payload["interaction_metadata"] = interaction_metadata
    return payload


def reference_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Resources > Message > Message Reference Object for a reply (type 0, DEFAULT)."""
    return {
        "type": 0,
        "message_id": message["id"],
        "channel_id": message["channel_id"],
        "guild_id": message["guild_id"],
    }


def referenced_message_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Resources > Message > Message Object `referenced_message`: the replied-to message, one level deep."""
    snapshot = {k: v for k, v in message.items() if k not in ("allowed_mentions", "referenced_message", "thread")}
    return copy.deepcopy(snapshot)


def reaction_emoji_payload(emoji: str) -> dict[str, Any]:
    """Resources > Emoji > Emoji Object as reactions carry it: a unicode emoji has a null id."""
    return {"id": None, "name": emoji}


def reaction_event_payload(
    message: dict[str, Any], user_id: int, emoji: str, *, member: FakeMember | None = None, add: bool = True
) -> dict[str, Any]:
    """Events > Gateway Events > Message Reaction Add / Remove (`member`, `message_author_id`, `burst_colors`: add)."""
    payload: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": message["channel_id"],
        "message_id": message["id"],
        "guild_id": message["guild_id"],
        "emoji": reaction_emoji_payload(emoji),
        "burst": False,
        "type": 0,  # normal, not a super-reaction
    }
    if add:
        if member is not None:
            payload["member"] = member_payload(member)
        payload["message_author_id"] = message["author"]["id"]
        payload["burst_colors"] = []
    return payload


def reaction_payload(emoji: str, user_ids: set[int] | dict[int, None], *, viewer_id: int) -> dict[str, Any]:
    """Resources > Message > Reaction Object (as the viewer sees it: `me`)."""
    return {
        "count": len(user_ids),
        "count_details": {"burst": 0, "normal": len(user_ids)},
        "me": viewer_id in user_ids,
        "me_burst": False,
        "emoji": reaction_emoji_payload(emoji),
        "burst_colors": [],
    }


def application_payload(app_id: int, name: str, owner: FakeUser) -> dict[str, Any]:
    """Resources > Application > Application Object."""
    return {
        "id": str(app_id),
        "name": name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner),
        "verify_key": secrets.token_hex(32),
        "team": None,
        "flags": 0,
        "interactions_endpoint_url": None,
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "approximate_guild_count": 1,
        "integration_types_config": {"0": {}},
    }


def application_command_payload(
    data: dict[str, Any], *, command_id: int, application_id: int, version: int, guild_id: int | None
) -> dict[str, Any]:
    """Interactions > Application Commands > Application Command Object, as Discord echoes a synced command."""
    perms = data.get("default_member_permissions")
    payload: dict[str, Any] = {
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
        "type": data.get("type", 1),
        "name": data["name"],
        "name_localizations": data.get("name_localizations"),
        "description": data.get("description", ""),
        "description_localizations": data.get("description_localizations"),
        "options": data.get("options", []),
        "default_member_permissions": None if perms is None else str(perms),
        "nsfw": data.get("nsfw", False),
        "contexts": data.get("contexts"),
        "integration_types": data.get("integration_types", [0]),
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    else:
        payload["dm_permission"] = data.get("dm_permission", True)
    return payload


def interaction_payload(
    *,
    interaction_id: int,
    application_id: int,
    interaction_type: int,
    token: str,
    data: dict[str, Any],
    guild: FakeGuild,
    channel: FakeChannel,
    member: FakeMember,
    member_permissions: int,
    app_permissions: int,
    locale: str,
    attachment_size_limit: int,
) -> dict[str, Any]:
    """Interactions > Receiving and Responding > Interaction Object (a guild interaction from a guild install)."""
    return {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "data": data,
        "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
        "guild_id": str(guild.id),
        "channel": channel_payload(channel, permissions=member_permissions),
        "channel_id": str(channel.id),
        "member": member_payload(member, permissions=member_permissions),
        "token": token,
        "version": 1,
        "app_permissions": str(app_permissions),
        "locale": locale,
        "guild_locale": guild.locale,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": attachment_size_limit,
    }


def interaction_metadata_payload(rec: InteractionRecord) -> dict[str, Any]:
    """Resources > Message > Message Interaction Metadata Object, for a message answering `rec`."""
    payload: dict[str, Any] = {
        "id": str(rec.id),
        "type": rec.type,
        "user": rec.payload["member"]["user"],
        "authorizing_integration_owners": rec.payload["authorizing_integration_owners"],
    }
    data = rec.payload["data"]
    if rec.type == InteractionType.APPLICATION_COMMAND:
        payload.update(name=rec.command, command_type=data.get("type", 1))
        if data.get("type") == 3:
            payload["target_message_id"] = data["target_id"]
    elif rec.type == InteractionType.MESSAGE_COMPONENT and rec.source_message is not None:
        payload["interacted_message_id"] = rec.source_message["id"]
    elif rec.type == InteractionType.MODAL_SUBMIT and rec.opened_by is not None:
        payload["triggering_interaction_metadata"] = interaction_metadata_payload(rec.opened_by)
    return payload


def callback_response_payload(rec: InteractionRecord, message: dict[str, Any] | None) -> dict[str, Any]:
    """Interactions > Receiving and Responding > Interaction Callback Response Object."""
    assert rec.response is not None
    interaction: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
    if message is not None:
        interaction["response_message_id"] = message["id"]
        interaction["response_message_loading"] = bool(message["flags"] & MessageFlag.LOADING)
        interaction["response_message_ephemeral"] = bool(message["flags"] & MessageFlag.EPHEMERAL)
    resource: dict[str, Any] = {"type": rec.response["type"]}
    if message is not None:
        resource["message"] = message
    return {"interaction": interaction, "resource": resource}
