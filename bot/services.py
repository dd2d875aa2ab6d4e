"""The services Crux's features run on, built once by `crux run` (and the tests) and handed to the bot's cogs."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bot.db.commands import CommandSyncStore
from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.db.moderation import ModerationStore
from bot.db.vectors import ArgumentVectors
from bot.debates.analysis import Analyser
from bot.debates.capture import Capture
from bot.debates.hinges import Hinges
from bot.debates.moderation import Moderation
from bot.debates.service import Debates
from bot.sources.library import Library


@dataclass(frozen=True)
class Services:
    """Everything a cog may call: the source library and the debate services over one database."""

    library: Library
    debates: Debates
    capture: Capture
    analyser: Analyser
    moderation: Moderation
    # The connection the debate stores share (the library has its own); close() closes both.
    db: sqlite_utils.Database
    # Which slash commands were last synced where, so a restart can skip an unchanged sync.
    commands: CommandSyncStore
    # Where debates hinge: stances, crux marks and changed minds (Δ).
    hinges: Hinges

    def close(self) -> None:
        """Close the database connections these services own: the debates' and the library's. Safe to repeat."""
        self.db.conn.close()
        self.library.close()


def build_services(db: sqlite_utils.Database, library: Library) -> Services:
    """Build the debate services over `db` (a connection used only on the event loop) beside the library."""
    store = DebateStore(db)
    vectors = ArgumentVectors(db)
    return Services(
        library=library,
        debates=Debates(store, vectors, library.embedder.name),
        capture=Capture(store),
        analyser=Analyser(store, vectors, library),
        moderation=Moderation(store, ModerationStore(db)),
        db=db,
        commands=CommandSyncStore(db),
        hinges=Hinges(store, HingeStore(db)),
    )
