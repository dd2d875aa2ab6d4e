"""Generic helpers to run any discord.py client against `FakeDiscord` inside a pytest test.

Not a conftest: a conftest imports the fixtures it wants from here
(`from tests.fake_discord.harness import errors, fake`) and tests use the helpers (`start_client`, `fake_discord`,
`client_options`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .server import FakeDiscord, loopback_guard

DEFAULT_LOGGERS = ("discord", "bot", "cogs")

__all__ = [
    "DEFAULT_LOGGERS",
    "ErrorCapture",
    "capture_errors",
    "client_options",
    "errors",
    "fake",
    "fake_discord",
    "loopback_guard",
    "start_client",
]


class ErrorCapture(logging.Handler):
    """Collect ERROR (and worse) log records; the ones no `expect()` covers fail the test."""

    def __init__(self, logger_names: Iterable[str] = DEFAULT_LOGGERS, level: int = logging.ERROR) -> None:
        super().__init__(level)
        self.logger_names = tuple(logger_names)
        self.records: list[logging.LogRecord] = []
        self.expected: list[str] = []
        self.listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        """Record `record` and wake the listeners (the fake's `wait_for`)."""
        # Also called from discord.py's heartbeat thread, hence the lock and thread-safe listeners.
        with self._lock:
            self.records.append(record)
        for listener in list(self.listeners):
            listener()

    def text(self, record: logging.LogRecord) -> str:
        """Return a record with its traceback, as matched by `expect()`."""
        return self._formatter.format(record)

    def expect(self, substring: str) -> None:
        """Declare that an ERROR containing `substring` (message or traceback) is part of the test."""
        self.expected.append(substring)

    def unexpected(self) -> list[logging.LogRecord]:
        """Return the captured records that no `expect()` covers."""
        with self._lock:
            records = list(self.records)
        return [r for r in records if not any(s in self.text(r) for s in self.expected)]

    def failure(self) -> str | None:
        """Describe the unexpected errors, or return None."""
        bad = self.unexpected()
        if not bad:
            return None
        return "the client logged unexpected error(s):\n" + "\n\n".join(self.text(r) for r in bad)

    def check(self) -> None:
        """Fail on unexpected errors, and on expected ones that never happened."""
        if problem := self.failure():
            raise AssertionError(problem)
        texts = [self.text(r) for r in self.records]
        missing = [s for s in self.expected if not any(s in t for t in texts)]
        if missing:
            raise AssertionError(f"expected an ERROR log containing {missing}, none was logged")

    def install(self) -> None:
        """Attach this handler to the loggers it watches."""
        for name in self.logger_names:
            logging.getLogger(name).addHandler(self)

    def uninstall(self) -> None:
        """Detach this handler from the loggers it watches."""
        for name in self.logger_names:
            logging.getLogger(name).removeHandler(self)


@contextlib.contextmanager
def capture_errors(logger_names: Iterable[str] = DEFAULT_LOGGERS) -> Iterator[ErrorCapture]:
    """Attach an `ErrorCapture` to the given loggers for the duration of the block."""
    capture = ErrorCapture(logger_names)
    capture.install()
    try:
        yield capture
    finally:
        capture.uninstall()


@contextlib.asynccontextmanager
async def fake_discord(
    errors: ErrorCapture | None = None, *, check_unhandled: bool = True, **options: Any
) -> AsyncIterator[FakeDiscord]:
    """Start a `FakeDiscord` on a free loopback port with discord.py redirected to it.

    With `errors`, `wait_for` fails as soon as an unexpected error is logged. On a clean exit the block fails if any
    request hit no route (unless `check_unhandled=False`).
    """
    server = FakeDiscord(**options)
    await server.start()
    if errors is not None:
        server.add_failure_check(errors.failure)
        errors.listeners.append(server.notify_threadsafe)
    try:
        with server.redirect():
            yield server
    finally:
        if errors is not None:
            errors.listeners.remove(server.notify_threadsafe)
        await server.stop()
    if check_unhandled and server.unhandled:
        routes = [f"{r.method} {r.path}" for r in server.unhandled]
        raise AssertionError(f"requests hit no route of the fake: {routes}")


def cli_env(db: Path, **extra: str) -> dict[str, str]:
    """Return an environment for a `crux` subprocess on this database, free of the developer's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRUX_", "DISCORD_"))}
    return env | {"CRUX_DB": str(db), "CRUX_LOG_LEVEL": "WARNING", **extra}


def run_env(fake: FakeDiscord, guild_id: int, db: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a `crux run` subprocess pointed at the fake, syncing commands to one server."""
    settings = {
        "DISCORD_TOKEN": fake.token,
        "CRUX_GUILD_ID": str(guild_id),
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "CRUX_LOG_LEVEL": "INFO",
    }
    return cli_env(db, **(settings | extra))


def client_options(**overrides: Any) -> dict[str, Any]:
    """Return Client kwargs for tests: a short guild_ready_timeout and the loopback guard."""
    return {"guild_ready_timeout": 0.05, "http_trace": loopback_guard(), **overrides}


@contextlib.asynccontextmanager
async def start_client(client: Any, token: str, *, timeout: float = 10.0) -> AsyncIterator[Any]:  # noqa: ASYNC109
    """Log `client` in, connect it and wait until ready; close it and await its task on exit.

    Readiness is raced against the connect task, so a startup failure (4014, bad token…) raises here at once.
    """
    task: asyncio.Task[None] | None = None
    ready: asyncio.Task[bool] | None = None
    failing = False
    try:
        await client.login(token)
        task = asyncio.create_task(client.connect(), name="discord-client-connect")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what made connect() stop
            raise AssertionError("client.connect() returned before the client was ready")
        if ready not in done:
            raise AssertionError(f"client not ready within {timeout}s")
        yield client
    except BaseException:
        failing = True
        raise
    finally:
        if ready is not None:
            ready.cancel()
        await client.close()
        if task is not None:
            if failing:  # already failing: don't let the client's own end hide the first error
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(task, timeout)
            else:
                await asyncio.wait_for(task, timeout)


@pytest.fixture
def errors() -> Iterator[ErrorCapture]:
    """Capture ERROR logs from discord, bot and cogs; fail at teardown on any the test did not expect."""
    with capture_errors() as capture:
        yield capture
        capture.check()


@pytest.fixture
async def fake(errors: ErrorCapture) -> AsyncIterator[FakeDiscord]:
    """Yield a started `FakeDiscord` with discord.py redirected to it; fail at teardown on unhandled requests."""
    async with fake_discord(errors) as server:
        yield server
