"""Analysis of new arguments: suggested citations, duplicates and their thresholds, batches, and what gets posted."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.analysis import (
    CITATION_MODES,
    CITATION_THRESHOLD,
    DUPLICATE_THRESHOLD,
    MAX_ATTEMPTS,
    POST_INTERVAL,
    Analyser,
    Analysis,
    PostingPolicy,
    Reply,
)
from bot.debates.model import Argument, Citation, Debate
from bot.services import Services, build_services
from bot.sources.library import Library
from tests.conftest import FakeEmbedder
from tests.debates.conftest import (
    BEN,
    CHIPS,
    CON,
    LATER,
    POWER,
    PRO,
    RACE,
    RACE_AGAIN,
    TIME,
    UNRELATED,
    analyse,
    post,
)


@pytest.fixture
def analyser(services: Services) -> Analyser:
    """Return the analyser of new arguments."""
    return services.analyser


# -- citations --------------------------------------------------------------------------------------------------------


def test_argument_repeating_a_source_gets_a_suggested_citation(
    services: Services, store: DebateStore, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """An argument that repeats a source paragraph's words is stored with a suggestion of that paragraph."""
    claim = post(services, ids, PRO, POWER)
    (analysis,) = analyse(services, claim)
    citation = analysis.citation
    assert citation is not None
    assert (citation.argument_id, citation.status, citation.document_title, citation.paragraph) == (
        claim.id,
        "suggested",
        "Why a pause is hard to verify",
        3,
    )
    assert citation.sentence.startswith("Inspectors could audit electricity use")
    assert citation.similarity is not None
    assert citation.similarity >= CITATION_THRESHOLD
    assert store.citations(debate.id) == [citation]


@pytest.mark.parametrize(("text", "with_sources"), [(UNRELATED, True), (POWER, False)])
def test_no_citation_without_a_close_source_or_when_not_asked(
    services: Services,
    store: DebateStore,
    debate: Debate,
    ids: Iterator[int],
    sourced: Library,
    text: str,
    with_sources: bool,
) -> None:
    """An unrelated argument, or one analysed without sources (citations off), gets no suggestion."""
    claim = post(services, ids, PRO, text)
    (analysis,) = analyse(services, claim, with_sources=with_sources)
    assert analysis.citation is None
    assert store.citations(debate.id) == []


def test_unrelated_argument_scores_below_the_citation_threshold(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """The best excerpt for an off-topic message is less similar than the citation threshold."""
    _, best = analyser.look_up([post(services, ids, PRO, UNRELATED)], [True])
    assert best[0] is None or (best[0].similarity is not None and best[0].similarity < CITATION_THRESHOLD)


# -- duplicates -------------------------------------------------------------------------------------------------------


def test_near_identical_argument_on_the_same_side_is_a_duplicate(
    services: Services, analyser: Analyser, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """Repeating an earlier argument of one's side nearly word for word links it as duplicate_of the earlier one."""
    first = post(services, ids, CON, RACE)
    analyse(services, first)
    again = post(services, ids, CON, RACE_AGAIN, author=BEN)
    vectors, _ = analyser.look_up([first, again], [False, False])
    assert float(vectors[0] @ vectors[1]) >= DUPLICATE_THRESHOLD
    (analysis,) = analyse(services, again)
    assert analysis.duplicate_of == first
    link = store.links(debate.id)[0]
    assert (link.source_id, link.target_id, link.relation, link.method, link.made_by) == (
        again.id,
        first.id,
        "duplicate_of",
        "automatic",
        None,
    )


def test_same_text_on_the_other_side_is_no_duplicate(
    services: Services, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """The same words posted on the opposing side are not flagged as a duplicate."""
    analyse(services, post(services, ids, CON, RACE))
    (analysis,) = analyse(services, post(services, ids, PRO, RACE, author=BEN))
    assert analysis.duplicate_of is None
    assert store.links(debate.id) == []


def test_different_argument_is_no_duplicate(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A different argument on the same side is not flagged as a duplicate."""
    analyse(services, post(services, ids, PRO, CHIPS))
    (analysis,) = analyse(services, post(services, ids, PRO, TIME))
    assert analysis.duplicate_of is None


def test_duplicates_found_within_one_batch(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Two near-identical arguments analysed in one batch link the later one to the earlier one."""
    first, again = post(services, ids, CON, RACE), post(services, ids, CON, RACE_AGAIN)
    analyses = analyse(services, first, again)
    assert [a.duplicate_of for a in analyses] == [None, first]


def test_analysis_stores_the_argument_embedding(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int], fake_embedder: FakeEmbedder
) -> None:
    """After analysis the argument's vector is stored under the embedder's name."""
    claim = post(services, ids, PRO, CHIPS)
    vectors, _ = analyser.look_up([claim], [True])
    analyser.record([claim], vectors, [None])
    stored_ids, matrix = analyser.vectors.of_debate(debate.id, fake_embedder.name)
    assert stored_ids == [claim.id]
    assert matrix.tolist() == vectors.tolist()


# -- batches ----------------------------------------------------------------------------------------------------------


def test_batch_leaves_out_a_deleted_argument(
    services: Services, analyser: Analyser, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """An argument deleted while it waited for analysis is left out of the batch; the others are read again."""
    chips = post(services, ids, PRO, CHIPS)
    race = post(services, ids, CON, RACE)
    services.capture.delete(chips.message_id, LATER)
    batch = analyser.batch()
    assert batch.arguments == [store.argument(race.id)]
    assert batch.debates == {debate.id: debate}
    assert batch.with_sources == [True]
    assert analyser.pending() == 1, "the deleted argument is taken off the queue"


@pytest.mark.parametrize("mode", CITATION_MODES)
def test_batch_looks_for_sources_unless_citations_are_off(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int], mode: str
) -> None:
    """A batch looks for sources for arguments of debates whose citations are on or quiet, not off."""
    services.debates.set_citations(debate, mode)
    post(services, ids, PRO, CHIPS)
    assert analyser.batch().with_sources == [mode != "off"]


# -- the queue --------------------------------------------------------------------------------------------------------


def test_every_captured_argument_waits_in_the_queue_until_analysed(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int]
) -> None:
    """Capturing an argument queues it in SQLite; recording its analysis takes it off the queue."""
    claim = post(services, ids, PRO, CHIPS)
    assert analyser.pending() == 1
    batch = analyser.batch()
    assert batch.ids == [claim.id]
    assert batch.announce == {claim.id: True}
    vectors, best = analyser.look_up(batch.arguments, batch.with_sources)
    analyser.record(batch.arguments, vectors, best)
    assert analyser.pending() == 0


def test_a_comment_is_not_queued(services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int]) -> None:
    """Chatter too short to be an argument is never analysed."""
    post(services, ids, PRO, "lol")
    assert analyser.pending() == 0


def test_an_edit_queues_the_argument_again_quietly(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int]
) -> None:
    """An edited argument is analysed again, without posting anything about it."""
    claim = post(services, ids, PRO, CHIPS)
    analyse(services, claim)
    services.capture.edit(claim.message_id, TIME, LATER)
    batch = analyser.batch()
    assert batch.ids == [claim.id]
    assert batch.announce == {claim.id: False}


def test_the_queue_survives_a_restart(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int], tmp_path, library: Library
) -> None:
    """What was queued and not analysed is still queued when the database is opened again."""
    path = tmp_path / "crux.db"
    first = build_services(open_database(path), library)
    opened = first.debates.start(1, 2, "text", "A motion to pause", 3, {"pro": 40, "con": 41})
    assert opened.threads == {"pro": 40, "con": 41}
    post(first, ids, 40, CHIPS)
    first.debates.store.db.conn.close()
    again = build_services(open_database(path), library)
    assert again.analyser.pending() == 1


def test_a_failed_batch_stays_queued_and_is_dropped_after_max_attempts(
    services: Services, analyser: Analyser, debate: Debate, ids: Iterator[int], caplog: pytest.LogCaptureFixture
) -> None:
    """A batch that fails stays queued for another try; after MAX_ATTEMPTS failures it is dropped, with an error."""
    claim = post(services, ids, PRO, CHIPS)
    for _ in range(MAX_ATTEMPTS):
        batch = analyser.batch()
        assert batch.ids == [claim.id]
        analyser.failed(batch)
    assert analyser.batch().arguments == []
    assert analyser.pending() == 0
    assert f"Gave up analysing arguments [{claim.id}]" in caplog.text


# -- posting policy ---------------------------------------------------------------------------------------------------


def citation_for(argument: Argument) -> Citation:
    """Return a suggested citation of an argument, as the analysis would store it."""
    return Citation(
        id=1,
        argument_id=argument.id,
        excerpt_id=1,
        document_id=1,
        document_title="Why a pause is hard to verify",
        paragraph=3,
        sentence="Inspectors could audit electricity use at large data centres.",
        status="suggested",
        similarity=0.9,
        created_at="2025-03-01T12:00:00+00:00",
        confirmed_by=None,
        confirmed_at=None,
    )


@pytest.mark.parametrize(("mode", "posted"), [("on", True), ("quiet", False), ("off", False)])
def test_citation_is_posted_only_when_citations_are_on(
    services: Services, debate: Debate, ids: Iterator[int], mode: str, posted: bool
) -> None:
    """A suggested citation is posted in mode "on"; in "quiet" and "off" it is only stored."""
    claim = post(services, ids, PRO, POWER)
    citation = citation_for(claim)
    reply = PostingPolicy().reply(Analysis(claim, citation, None), dataclasses.replace(debate, citations=mode), 100.0)
    assert reply == (Reply(claim, citation, None) if posted else None)


def test_quiet_mode_still_posts_a_duplicate_notice(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """In quiet mode a duplicate is still pointed out, without the citation."""
    first = post(services, ids, CON, RACE)
    again = post(services, ids, CON, RACE_AGAIN, author=BEN)
    analysis = Analysis(again, citation_for(again), first)
    reply = PostingPolicy().reply(analysis, dataclasses.replace(debate, citations="quiet"), 100.0)
    assert reply == Reply(again, None, first)


def test_second_reply_in_a_thread_within_the_interval_is_refused(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A second reply in the same thread less than the interval after the first is not posted."""
    policy = PostingPolicy()
    first, second = post(services, ids, PRO, POWER), post(services, ids, PRO, CHIPS)
    assert policy.reply(Analysis(first, citation_for(first), None), debate, 100.0) is not None
    assert policy.reply(Analysis(second, citation_for(second), None), debate, 100.0 + POST_INTERVAL - 0.1) is None


def test_another_thread_is_not_throttled(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A reply in one thread does not hold back a reply in the other thread at the same moment."""
    policy = PostingPolicy()
    pro, con = post(services, ids, PRO, POWER), post(services, ids, CON, RACE)
    assert policy.reply(Analysis(pro, citation_for(pro), None), debate, 100.0) is not None
    assert policy.reply(Analysis(con, citation_for(con), None), debate, 100.0) == Reply(con, citation_for(con), None)


def test_thread_may_be_answered_again_after_the_interval(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Once the interval since the last reply has passed the thread gets a reply again; a refusal resets nothing."""
    policy = PostingPolicy()
    first, second, third = (post(services, ids, PRO, text) for text in (POWER, CHIPS, TIME))
    assert policy.reply(Analysis(first, citation_for(first), None), debate, 100.0) is not None
    assert policy.reply(Analysis(second, citation_for(second), None), debate, 120.0) is None
    reply = policy.reply(Analysis(third, citation_for(third), None), debate, 100.0 + POST_INTERVAL)
    assert reply == Reply(third, citation_for(third), None)
