"""The analysis pipeline: a batch read while another is in hand, and an edit made while a batch was being embedded."""

from __future__ import annotations

from collections.abc import Iterator

from bot.debates.model import Debate
from bot.services import Services
from bot.sources.documents import text_hash
from tests.debates.conftest import CHIPS, CON, LATER, PRO, RACE, TIME, post


def test_a_batch_leaves_out_the_arguments_in_hand(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """The next batch starts after the arguments already being embedded, which stay queued until recorded."""
    first, second, third = (post(services, ids, PRO, text) for text in (CHIPS, RACE, TIME))
    analyser = services.analyser
    in_hand = analyser.batch(size=2)
    assert in_hand.ids == [first.id, second.id]
    assert analyser.batch(exclude=in_hand.ids).ids == [third.id]
    assert analyser.pending() == 3


def test_an_argument_edited_while_being_embedded_is_analysed_again_with_its_new_text(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Recording a batch leaves out an argument edited meanwhile: it stays queued and gets the new text's vector."""
    claim = post(services, ids, CON, RACE)
    analyser = services.analyser
    batch = analyser.batch()
    vectors = analyser.embed(batch.arguments)
    services.capture.edit(claim.message_id, TIME, LATER)
    assert analyser.record(batch.arguments, vectors, [None]) == []
    assert analyser.pending() == 1
    again = analyser.batch()
    assert [a.text for a in again.arguments] == [TIME]
    analyser.record(again.arguments, analyser.embed(again.arguments), [None])
    row = services.db.execute("select content_hash from argument_embeddings where argument_id = ?", [claim.id])
    assert row.fetchone()[0] == text_hash(TIME)
    assert analyser.pending() == 0
