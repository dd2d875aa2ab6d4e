"""The command-sync store: what each application last synced to each scope."""

from __future__ import annotations

import pytest

from bot.db import open_database
from bot.db.commands import GLOBAL, CommandSyncStore, scope_for

APP = 1234567890123456789
OTHER_APP = 987654321098765432
GUILD = 111111111111111111


@pytest.fixture
def store() -> CommandSyncStore:
    """Return a command-sync store over a fresh in-memory database."""
    return CommandSyncStore(open_database(":memory:"))


@pytest.mark.parametrize(("guild_id", "scope"), [(None, GLOBAL), (GUILD, str(GUILD))])
def test_scope_is_the_server_id_or_global(guild_id: int | None, scope: str) -> None:
    """Commands synced to a server are kept under its id; commands synced everywhere under 'global'."""
    assert scope_for(guild_id) == scope


def test_nothing_is_known_before_a_first_sync(store: CommandSyncStore) -> None:
    """A fresh database has no hash for any scope, so the first start always syncs."""
    assert store.last_hash(GLOBAL, APP) is None


def test_a_recorded_sync_is_read_back_for_its_scope_only(store: CommandSyncStore) -> None:
    """The hash recorded for a server is returned for that server and not for the global scope."""
    store.record(str(GUILD), APP, "abc", 12)
    assert (store.last_hash(str(GUILD), APP), store.last_hash(GLOBAL, APP)) == ("abc", None)


def test_a_later_sync_replaces_the_earlier_one(store: CommandSyncStore) -> None:
    """Recording a scope again keeps only the newest hash and count."""
    store.record(GLOBAL, APP, "old", 3)
    store.record(GLOBAL, APP, "new", 4)
    rows = list(store.db.query("select scope, commands_hash, command_count from command_syncs"))
    assert rows == [{"scope": GLOBAL, "commands_hash": "new", "command_count": 4}]


def test_another_application_has_synced_nothing(store: CommandSyncStore) -> None:
    """A database reused with another bot's token does not skip that bot's first sync."""
    store.record(GLOBAL, APP, "abc", 12)
    assert store.last_hash(GLOBAL, OTHER_APP) is None
