"""The bot's settings: one frozen object, read once from the environment after .env is loaded."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import SettingsError

TOKEN_HELP = (
    "Create a bot at https://discord.com/developers/applications, open its Bot page, press Reset Token, "
    "and put the token in .env as DISCORD_TOKEN=... (see .env.example)."
)
# Three base64url parts separated by dots: user id, timestamp, HMAC.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    """Everything Crux reads from its environment."""

    db_path: Path = Path("crux.db")
    token: str | None = field(default=None, repr=False)
    guild_id: int | None = None
    sources_dir: Path | None = None
    api_base: str | None = None
    gateway_url: str | None = None
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from the environment, raising SettingsError naming the first bad value."""
        env = os.environ if environ is None else environ
        token = env.get("DISCORD_TOKEN", "").strip() or None
        sources = env.get("CRUX_SOURCES_DIR", "").strip()
        return cls(
            db_path=Path(env.get("CRUX_DB", "").strip() or "crux.db"),
            token=token,
            guild_id=_snowflake(env.get("CRUX_GUILD_ID", "").strip()),
            sources_dir=_existing_dir(sources) if sources else None,
            api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
            log_level=_log_level(env.get("CRUX_LOG_LEVEL", "").strip() or "INFO"),
        )

    def require_token(self) -> str:
        """Return the bot token, raising SettingsError with how to create one when it is missing or malformed."""
        if self.token is None:
            raise SettingsError(f"DISCORD_TOKEN is not set. {TOKEN_HELP}")
        if not _TOKEN_SHAPE.match(self.token):
            raise SettingsError(f"DISCORD_TOKEN does not look like a Discord bot token. {TOKEN_HELP}")
        return self.token


def _snowflake(value: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{15,21}", value):
        raise SettingsError(
            "CRUX_GUILD_ID must be a server id (15-21 digits): enable Developer Mode in Discord, "
            "right-click the server and choose Copy Server ID."
        )
    return int(value)


def _existing_dir(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise SettingsError(f"CRUX_SOURCES_DIR is {value!r}, which is not a folder.")
    return path


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        example = f"{schemes[0]}://127.0.0.1:8080/..."
        raise SettingsError(f"{name} must be a {' or '.join(schemes)} URL such as {example}, not {value!r}.")
    return value.rstrip("/")


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in _LOG_LEVELS:
        raise SettingsError(f"CRUX_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {value!r}.")
    return level


def configure_logging(settings: Settings) -> None:
    """Send log lines to stderr at the configured level."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)-8s %(name)s: %(message)s")
