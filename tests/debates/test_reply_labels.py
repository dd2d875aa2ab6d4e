"""Replies whose relation their author or a moderator set count as labelled data, scored like the written samples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import reply_relations
from bot.db import open_database
from bot.db.hinges import REPLY_MENU_REASON
from bot.debates.hinges import replier_side
from bot.debates.model import Argument, Debate
from bot.debates.moderation import Actor
from bot.debates.reply_evaluation import Evaluation, LabelledReply, evaluate, labelled_samples
from bot.services import Services, build_services
from bot.sources.library import Library
from tests.debates.conftest import (
    ADA,
    BEN,
    CHIPS,
    CY,
    GUILD,
    MODERATOR,
    PRO,
    THREADS_2,
    message_ids,
    post,
    second_debate,
    start_debate,
)

MO = Actor(MODERATOR, "Mo", GUILD)
# Crux proposes responds_to for this one (no cue, no stance) and attacks for the next ("No," opens it).
PLAIN = "Interpretability research lags years behind capabilities and the gap keeps widening."
DISAGREES = "No, that ignores how cheap cloud compute has become for everyone."


def reply(services: Services, ids: Iterator[int], text: str, to: Argument, author: int) -> Argument:
    """Post a reply to an argument in the Pro thread; Crux links it as it proposes."""
    return post(services, ids, PRO, text, author=author, reply_to=to.message_id)


def by_author(services: Services, the_reply: Argument, target: Argument, relation: str) -> None:
    """Set a reply's relation as its author does: the menu on the reply, then a button."""
    source, answered, _ = services.hinges.reply_pair(the_reply.message_id, target.message_id)
    services.hinges.relate_reply(source, answered, relation, source.author_id)


def by_moderator(services: Services, debate: Debate, the_reply: Argument, target: Argument, relation: str) -> None:
    """Set a reply's relation as a moderator does through the menu: an audited relink."""
    assert the_reply.number is not None
    assert target.number is not None
    services.moderation.relink(debate, the_reply.number, target.number, relation, MO, REPLY_MENU_REASON)


def rows(labelled: list[LabelledReply]) -> list[tuple[str, str, str, str, int | None]]:
    """Return labelled replies as (reply #, target #, label, method, set by)."""
    return [(r.reply.label, r.target.label, r.link.relation, r.link.method, r.link.made_by) for r in labelled]


def scored(services: Services, labelled: list[LabelledReply]) -> Evaluation:
    """Score the classifier on labelled replies, with each replier's side as the benchmark reads it."""
    store = services.debates.store
    sides = {r.reply.id: replier_side(store, r.reply.debate_id, r.reply.author_id, r.reply.id) for r in labelled}
    return evaluate(labelled_samples(labelled, sides))


def test_labels_by_the_author_and_a_moderator_are_listed(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Ben relabels his reply, Mo relabels Cy's through the menu: both are listed with their label and who set it."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    bens = reply(services, ids, PLAIN, target, BEN)
    cys = reply(services, ids, DISAGREES, target, CY)
    by_author(services, bens, target, "attacks")
    by_moderator(services, debate, cys, target, "responds_to")
    labelled = services.hinges.hinges.labelled_replies(debate.id)
    assert rows(labelled) == [
        ("#2", "#1", "attacks", "author", BEN),
        ("#3", "#1", "responds_to", "moderator", MODERATOR),
    ]
    assert [(r.reply.text, r.target.text, r.target.side) for r in labelled] == [
        (PLAIN, CHIPS, "pro"),
        (DISAGREES, CHIPS, "pro"),
    ]


def test_an_unlabelled_reply_is_not_listed(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A reply only Crux linked is not labelled data; a labelled one beside it is."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    reply(services, ids, PLAIN, target, BEN)
    labelled_one = reply(services, ids, DISAGREES, target, CY)
    by_author(services, labelled_one, target, "supports")
    assert rows(services.hinges.hinges.labelled_replies(debate.id)) == [("#3", "#1", "supports", "author", CY)]


def test_a_moderator_relink_outside_the_menu_is_not_a_reply_label(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """/argument relink may join any two arguments, so a moderator's relink counts only when made from the menu."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    reply(services, ids, PLAIN, target, BEN)
    services.moderation.relink(debate, 2, 1, "attacks", MO, "tidying the map")
    assert services.hinges.hinges.labelled_replies(debate.id) == []


def test_a_proposal_the_label_disagrees_with_is_a_miss(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Ben says his plain reply attacks where Crux left it untyped: a miss; Cy's confirmed attack is a hit."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    bens = reply(services, ids, PLAIN, target, BEN)
    cys = reply(services, ids, DISAGREES, target, CY)
    by_author(services, bens, target, "attacks")
    by_moderator(services, debate, cys, target, "attacks")
    result = scored(services, services.hinges.hinges.labelled_replies(debate.id))
    assert result.total == 2
    assert [(s.id, s.gold, p.relation) for s, p in result.misses] == [
        (f"debate {debate.id} #2>#1", "attacks", "responds_to")
    ]
    assert (result.precision["attacks"], result.recall["attacks"], result.typed_precision) == (1.0, 0.5, 1.0)


def test_labels_in_other_debates_are_left_out(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Asked for one debate, the store lists that debate's labels only; asked for none, every debate's."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    by_author(services, reply(services, ids, PLAIN, target, BEN), target, "attacks")
    other = second_debate(services.debates)
    elsewhere = post(services, ids, THREADS_2["pro"], CHIPS, author=ADA)
    theirs = post(services, ids, THREADS_2["pro"], PLAIN, author=CY, reply_to=elsewhere.message_id)
    by_author(services, theirs, elsewhere, "supports")
    hinges = services.hinges.hinges
    assert [r.link.relation for r in hinges.labelled_replies(debate.id)] == ["attacks"]
    assert [r.link.relation for r in hinges.labelled_replies(other.id)] == ["supports"]
    assert len(hinges.labelled_replies()) == 2


# -- the benchmark ----------------------------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path, library: Library) -> tuple[Path, Debate]:
    """Build a Crux database file with one reply its author labelled, one a moderator did, and one unlabelled."""
    path = tmp_path / "crux.db"
    db = open_database(path)
    services = build_services(db, library)
    debate = start_debate(services.debates)
    ids = message_ids()
    target = post(services, ids, PRO, CHIPS, author=ADA)
    by_author(services, reply(services, ids, PLAIN, target, BEN), target, "attacks")
    by_moderator(services, debate, reply(services, ids, DISAGREES, target, CY), target, "attacks")
    reply(services, ids, PLAIN, target, CY)
    db.conn.close()
    return path, debate


def test_the_benchmark_scores_a_databases_labels(
    database: tuple[Path, Debate], capsys: pytest.CaptureFixture[str]
) -> None:
    """--db prints how many replies were labelled, by method, and the classifier's score on them (one miss)."""
    path, debate = database
    reply_relations.main(["--quiet", "--db", str(path), "--debate", str(debate.id)])
    out = capsys.readouterr().out
    assert f"labelled replies in {path}, debate {debate.id}: 2 (author 1, moderator 1)" in out
    assert "labelled: 2 replies, typed 1, typed precision 1.00, abstain rate 0.50" in out
    assert out.startswith("target: typed precision >= 0.90")


def test_the_benchmark_without_db_prints_no_labelled_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --db the benchmark scores the written samples only."""
    reply_relations.main(["--quiet"])
    out = capsys.readouterr().out
    assert "held-out: " in out
    assert "labelled replies" not in out
