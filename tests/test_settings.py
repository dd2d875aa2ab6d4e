"""Reading and validating settings from the environment, and keeping the token out of sight."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import TOKEN_HELP, Settings

# Shaped like a bot token (three base64url parts) but not one.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA.GtEsTs.not-a-real-token_0123456789abcdef"


def test_defaults_when_nothing_is_set() -> None:
    """An empty environment gives crux.db, INFO logging and nothing else configured."""
    assert Settings.from_env({}) == Settings(
        db_path=Path("crux.db"),
        token=None,
        guild_id=None,
        sources_dir=None,
        api_base=None,
        gateway_url=None,
        log_level="INFO",
    )


def test_blank_values_count_as_unset() -> None:
    """Variables set to whitespace are treated as not set."""
    keys = ["CRUX_DB", "DISCORD_TOKEN", "CRUX_GUILD_ID", "CRUX_SOURCES_DIR", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL"]
    assert Settings.from_env(dict.fromkeys([*keys, "CRUX_LOG_LEVEL"], "  ")) == Settings()


def test_every_variable_is_read(tmp_path: Path) -> None:
    """Each variable sets its field, trimmed, with trailing slashes dropped from URLs and the level upper-cased."""
    settings = Settings.from_env(
        {
            "CRUX_DB": f" {tmp_path / 'bot.db'} ",
            "DISCORD_TOKEN": f" {TOKEN}\n",
            "CRUX_GUILD_ID": " 123456789012345678 ",
            "CRUX_SOURCES_DIR": str(tmp_path),
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway/",
            "CRUX_LOG_LEVEL": "debug",
        }
    )
    assert settings == Settings(
        db_path=tmp_path / "bot.db",
        token=TOKEN,
        guild_id=123456789012345678,
        sources_dir=tmp_path,
        api_base="http://127.0.0.1:8080/api/v10",
        gateway_url="ws://127.0.0.1:8080/gateway",
        log_level="DEBUG",
    )


def test_os_environ_is_read_when_no_mapping_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping the process environment is used."""
    monkeypatch.setenv("CRUX_LOG_LEVEL", "warning")
    monkeypatch.setenv("CRUX_GUILD_ID", "123456789012345")
    settings = Settings.from_env()
    assert (settings.log_level, settings.guild_id) == ("WARNING", 123456789012345)


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("CRUX_GUILD_ID", "my-server", "Copy Server ID"),
        ("CRUX_GUILD_ID", "12345678901234", "15-21 digits"),
        ("CRUX_GUILD_ID", "1" * 22, "15-21 digits"),
        ("CRUX_GUILD_ID", "-123456789012345", "15-21 digits"),
        pytest.param("CRUX_GUILD_ID", "\u00b9" * 18, "15-21 digits", id="CRUX_GUILD_ID-superscript digits"),
        ("CRUX_SOURCES_DIR", "/no/such/folder", "'/no/such/folder', which is not a folder"),
        ("DISCORD_API_BASE", "ws://127.0.0.1:8080/api", "must be a http or https URL"),
        ("DISCORD_API_BASE", "127.0.0.1:8080", "must be a http or https URL"),
        ("DISCORD_API_BASE", "http://", "must be a http or https URL"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1:8080/gateway", "must be a ws or wss URL"),
        ("DISCORD_GATEWAY_URL", "wss:///gateway", "must be a ws or wss URL"),
        ("CRUX_LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'"),
    ],
)
def test_malformed_value_raises_naming_the_variable(variable: str, value: str, hint: str) -> None:
    """A malformed value raises SettingsError naming the variable and what it should be, never the token."""
    with pytest.raises(SettingsError, match=re.escape(hint)) as caught:
        Settings.from_env({"DISCORD_TOKEN": TOKEN, variable: value})
    assert variable in caught.value.message
    assert hint in caught.value.message
    assert TOKEN not in str(caught.value)


def test_sources_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    """CRUX_SOURCES_DIR naming a file rather than a folder raises SettingsError."""
    file = tmp_path / "notes.txt"
    file.write_text("x")
    with pytest.raises(SettingsError, match=r"CRUX_SOURCES_DIR .* which is not a folder"):
        Settings.from_env({"CRUX_SOURCES_DIR": str(file)})


def test_require_token_returns_a_well_formed_token() -> None:
    """A token of the right shape is handed back unchanged."""
    assert Settings(token=TOKEN).require_token() == TOKEN


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (None, "DISCORD_TOKEN is not set."),
        ("hunter2", "DISCORD_TOKEN does not look like a Discord bot token."),
        (f"Bot {TOKEN}", "DISCORD_TOKEN does not look like a Discord bot token."),
        (TOKEN.replace(".", "", 1), "DISCORD_TOKEN does not look like a Discord bot token."),
        (f"{TOKEN}\n{TOKEN}", "DISCORD_TOKEN does not look like a Discord bot token."),
    ],
    ids=["missing", "short", "Bot prefix", "two parts", "two lines"],
)
def test_require_token_explains_how_to_get_one(token: str | None, problem: str) -> None:
    """A missing or malformed token raises SettingsError with the developer-portal steps and without the value."""
    with pytest.raises(SettingsError, match=re.escape(problem)) as caught:
        Settings(token=token).require_token()
    assert caught.value.message == f"{problem} {TOKEN_HELP}"
    assert "https://discord.com/developers/applications" in caught.value.message
    if token is not None:
        assert token not in str(caught.value)


def test_token_is_not_in_repr() -> None:
    """Printing or logging the settings never shows the token."""
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "CRUX_GUILD_ID": "123456789012345678"})
    assert settings.token == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert "123456789012345678" in repr(settings)


def test_settings_are_frozen() -> None:
    """Settings cannot be changed after they are built."""
    settings = Settings()
    with pytest.raises(AttributeError, match="cannot assign to field 'log_level'"):
        settings.log_level = "DEBUG"  # type: ignore[misc]
