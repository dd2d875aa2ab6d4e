"""Capturing live messages in batches: in order, in one transaction, each message once, and cheap per message."""

from __future__ import annotations

from collections.abc import Iterator

from bot.debates.capture import Capture
from bot.debates.model import Debate
from bot.services import Services
from tests.debates.conftest import CHIPS, CON, PRO, RACE, TIME, message


def test_a_batch_is_stored_in_posting_order_in_one_transaction(
    services: Services, capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """Messages captured together are numbered in the order given and committed once; chatter stays a comment."""
    commits: list[str] = []
    services.db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql.upper() == "COMMIT" else None)
    results = capture.capture_many(
        [message(next(ids), PRO, CHIPS), message(next(ids), CON, RACE), message(next(ids), PRO, "lol")]
    )
    services.db.conn.set_trace_callback(None)
    assert [(c.argument.label, c.new) for c in results if c is not None] == [
        ("#1", True),
        ("#2", True),
        ("comment", True),
    ]
    assert len(commits) == 1
    assert services.analyser.pending() == 2


def test_a_batch_skips_other_channels_and_stores_a_message_once(
    capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """A message outside a debate thread gives None; one seen twice (live and read back) is stored once."""
    seen = message(next(ids), PRO, TIME)
    first, elsewhere, again = capture.capture_many([seen, message(next(ids), 999, CHIPS), seen])
    assert elsewhere is None
    assert first is not None
    assert again is not None
    assert (first.new, again.new, again.argument) == (True, False, first.argument)


def test_capturing_a_message_takes_few_statements(
    services: Services, capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """Each message of a batch costs eight SQL statements on the loop, the batch one commit (it was 36 and two)."""
    capture.capture_many([message(next(ids), PRO, CHIPS)])  # warm up
    statements: list[str] = []
    services.db.conn.set_trace_callback(statements.append)
    capture.capture_many([message(next(ids), PRO if i % 2 else CON, f"{RACE} ({i})") for i in range(10)])
    services.db.conn.set_trace_callback(None)
    assert len(statements) <= 8 * 10 + 2, statements
