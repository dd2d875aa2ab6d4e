"""Duplicate detection from the in-memory matrix: in step with edits, deletions, removals, merges and rollbacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.debates.model import Debate
from bot.debates.moderation import Actor
from bot.services import Services
from tests.debates.conftest import (
    BEN,
    CHIPS,
    CON,
    GUILD,
    LATER,
    MODERATOR,
    PRO,
    RACE,
    RACE_AGAIN,
    THREADS_2,
    TIME,
    analyse,
    post,
    second_debate,
)

MO = Actor(MODERATOR, "mo", GUILD)


def duplicate_of(services: Services, ids: Iterator[int], thread: int, text: str) -> int | None:
    """Post and analyse an argument; return the number of the argument it was found to repeat, if any."""
    (analysis,) = analyse(services, post(services, ids, thread, text, author=BEN))
    return None if analysis.duplicate_of is None else analysis.duplicate_of.number


def test_repeats_find_the_closest_earlier_argument(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A repeat finds the closest earlier argument of its side; of equally close ones, the earliest."""
    analyse(services, post(services, ids, CON, RACE), post(services, ids, CON, CHIPS))
    assert duplicate_of(services, ids, CON, RACE_AGAIN) == 1
    assert duplicate_of(services, ids, CON, RACE_AGAIN) == 3, "#3 says it word for word, #1 nearly"
    in_one_batch = [post(services, ids, CON, CHIPS), post(services, ids, CON, CHIPS)]
    assert [a.duplicate_of.number for a in analyse(services, *in_one_batch) if a.duplicate_of] == [2, 2]


def test_an_edited_argument_is_matched_by_its_new_text_only(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """After an edit, the old text no longer finds the argument; once analysed again, the new text does."""
    first = post(services, ids, CON, RACE)
    analyse(services, first)
    edited = services.capture.edit(first.message_id, TIME, LATER)
    assert edited is not None
    assert duplicate_of(services, ids, CON, RACE) is None, "its vector in memory is of the old text"
    analyse(services, services.debates.store.argument(first.id))
    assert duplicate_of(services, ids, CON, TIME) == 1


def test_a_deleted_argument_is_not_matched(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Once its message is deleted, an argument is no longer anything's earlier duplicate."""
    first = post(services, ids, CON, RACE)
    analyse(services, first)
    services.capture.delete(first.message_id, LATER)
    assert duplicate_of(services, ids, CON, RACE) is None


def test_a_removed_argument_is_not_matched_until_restored(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A removed argument is not matched; restored, it is matched again without being analysed again."""
    analyse(services, post(services, ids, CON, RACE))
    services.moderation.remove(debate, 1, "off topic", MO)
    assert duplicate_of(services, ids, CON, RACE_AGAIN) is None
    services.moderation.restore(debate, 1, MO)
    assert duplicate_of(services, ids, CON, RACE) == 1


def test_a_merged_argument_is_not_matched(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """An argument merged into another is not matched; the one it was merged into still is, by its own text."""
    analyse(services, post(services, ids, CON, CHIPS), post(services, ids, CON, RACE))
    services.moderation.merge(debate, 2, 1, MO)
    assert duplicate_of(services, ids, CON, RACE) is None
    assert duplicate_of(services, ids, CON, CHIPS) == 1


def test_other_side_and_other_debate_are_not_matched(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """The same text on the other side, or in another debate, is no duplicate."""
    analyse(services, post(services, ids, CON, RACE))
    second_debate(services.debates)
    assert duplicate_of(services, ids, PRO, RACE) is None
    assert duplicate_of(services, ids, THREADS_2["con"], RACE) is None


def test_a_rolled_back_analysis_leaves_nothing_to_match(
    services: Services, debate: Debate, ids: Iterator[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When recording a batch fails, its vectors are gone from memory too: a repeat finds nothing until it is redone."""
    first = post(services, ids, CON, RACE)
    analyser = services.analyser
    vectors, best = analyser.look_up([first], [False])

    def broken(argument_ids: object) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(analyser.store, "analysed", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            analyser.record([first], vectors, best)
    assert analyser.vectors.of_debate(debate.id, analyser.library.embedder.name)[0] == []
    assert duplicate_of(services, ids, CON, RACE) is None
    analyse(services, first)
    assert duplicate_of(services, ids, CON, RACE) == 1, "the earliest of two identical arguments"


def test_the_debate_vectors_are_read_from_sqlite_once(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Analysing argument after argument reads the debate's stored vectors once, not once per argument."""
    reads: list[str] = []
    services.db.conn.set_trace_callback(lambda sql: reads.append(sql) if "from argument_embeddings" in sql else None)
    for text in (CHIPS, RACE, TIME, RACE_AGAIN):
        analyse(services, post(services, ids, CON, text))
    services.db.conn.set_trace_callback(None)
    assert len(reads) == 1, reads
