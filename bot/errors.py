"""The exceptions a user can cause; each carries the message they should read."""

from __future__ import annotations


class CruxError(Exception):
    """An error caused by what a user asked for; its message is shown to them as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SettingsError(CruxError):
    """A setting is missing or malformed."""


class DatabaseUnusable(CruxError):
    """The database file is missing, unreadable or not a Crux database."""


class DocumentRejected(CruxError):
    """A document cannot be added to the source library."""


class SourceNotFound(CruxError):
    """No source document has the id that was asked for."""


class BadQuery(CruxError):
    """A search query is empty, too long or unreadable."""


class DebateError(CruxError):
    """A debate action that cannot be done as asked."""


class ExportError(CruxError):
    """A debate's map cannot be exported as asked."""


class MapImageError(CruxError):
    """A debate's map cannot be drawn as asked."""
