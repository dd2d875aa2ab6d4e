"""The debates service: starting, finding and closing debates, citation modes, answering arguments, and the map."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.analysis import CITATION_MODES
from bot.debates.model import Debate
from bot.debates.service import Debates, load_map
from bot.errors import DebateError
from bot.maps.tree import side_tree
from bot.services import Services, build_services
from bot.sources.library import Library
from tests.debates.conftest import (
    ADA,
    BEN,
    BIO,
    CHIPS,
    CON,
    CY,
    GUILD,
    LATER,
    MODERATOR,
    MOTION,
    OTHER_GUILD,
    POWER,
    PRO,
    RACE,
    SOURCE,
    TREATY,
    analyse,
    message_ids,
    post,
    rebut,
    second_debate,
    start_debate,
)

# -- answering arguments ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thread", "origin", "side"), [(PRO, "rebut", "con"), (PRO, "support", "pro"), (CON, "rebut", "pro")]
)
def test_rebuttal_target_names_the_side_to_post_to(
    services: Services, debates: Debates, debate: Debate, ids: Iterator[int], thread: int, origin: str, side: str
) -> None:
    """A rebuttal goes to the opposite side's thread and a support to the argument's own side."""
    claim = post(services, ids, thread, CHIPS)
    assert debates.rebuttal_target(claim.message_id, origin) == (claim, side)


@pytest.mark.parametrize(
    ("case", "advice"),
    [
        ("comment", "Use this on a numbered argument"),
        ("unknown message", "Use this on a numbered argument"),
        ("deleted argument", "Use this on a numbered argument"),
        ("closed debate", "is closed"),
    ],
)
def test_rebuttal_target_refuses_what_cannot_be_answered(
    services: Services, debates: Debates, debate: Debate, ids: Iterator[int], case: str, advice: str
) -> None:
    """Rebutting a comment, an unknown or deleted message, or an argument of a closed debate raises DebateError."""
    if case == "comment":
        message_id = post(services, ids, PRO, "lol").message_id
    elif case == "unknown message":
        message_id = 4999
    elif case == "deleted argument":
        message_id = post(services, ids, PRO, CHIPS).message_id
        services.capture.delete(message_id, LATER)
    else:
        message_id = post(services, ids, PRO, CHIPS).message_id
        debates.close(debate, MODERATOR)
    with pytest.raises(DebateError, match=re.escape(advice)) as caught:
        debates.rebuttal_target(message_id, "rebut")
    assert advice in caught.value.message


def test_rebuttal_in_a_closed_debate_says_what_to_do(
    services: Services, debates: Debates, debate: Debate, ids: Iterator[int]
) -> None:
    """Rebutting in a closed debate is refused with a message that also tells the member what they can do."""
    claim = post(services, ids, PRO, CHIPS)
    debates.close(debate, MODERATOR)
    with pytest.raises(DebateError, match="is closed, so its arguments can no longer be answered") as caught:
        debates.rebuttal_target(claim.message_id, "rebut")
    assert len(re.findall(r"[.!?](?:\s|$)", caught.value.message)) >= 2


# -- confirming citations ---------------------------------------------------------------------------------------------


def test_confirmed_citation_is_cited_by_the_author(
    services: Services, debates: Debates, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """The argument's author confirming a suggestion marks it cited, with who confirmed it."""
    (analysis,) = analyse(services, post(services, ids, PRO, POWER))
    assert analysis.citation is not None
    confirmed = debates.confirm_citation(analysis.citation.id, ADA)
    assert (confirmed.status, confirmed.confirmed_by) == ("cited", ADA)
    assert confirmed.confirmed_at is not None


def test_only_the_author_can_confirm_a_citation(
    services: Services, debates: Debates, store: DebateStore, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """Anyone but the author is refused with a message naming the author, and the suggestion stays as it was."""
    (analysis,) = analyse(services, post(services, ids, PRO, POWER))
    assert analysis.citation is not None
    with pytest.raises(DebateError, match=re.escape("Only Ada, who wrote #1")) as caught:
        debates.confirm_citation(analysis.citation.id, BEN)
    assert "Only Ada, who wrote #1" in caught.value.message
    citation = store.citation(analysis.citation.id)
    assert citation is not None
    assert citation.status == "suggested"


def test_confirming_an_unknown_citation_is_refused(debates: Debates, debate: Debate) -> None:
    """A citation id that does not exist raises DebateError."""
    with pytest.raises(DebateError, match="no longer exists"):
        debates.confirm_citation(404, ADA)


# -- the map ----------------------------------------------------------------------------------------------------------


def test_map_survives_a_restart(library: Library, tmp_path: Path) -> None:
    """A fresh connection to the same database file rebuilds the identical map from storage alone."""
    path = tmp_path / "crux.db"
    services = build_services(open_database(path), library)
    debate = start_debate(services.debates)
    ids = message_ids()
    library.add("verification.txt", SOURCE, added_by="tests")
    chips = post(services, ids, PRO, CHIPS)
    power = post(services, ids, PRO, POWER, author=BEN, reply_to=chips.message_id)
    analyse(services, chips, power)
    rebut(services, ids, chips, RACE)
    services.capture.vote(chips.message_id, CY, "👍", added=True)
    before = services.debates.map(debate)

    reopened = DebateStore(open_database(path))
    after = load_map(reopened, reopened.debate(debate.id))
    assert after == before
    assert side_tree(after, "pro") == side_tree(before, "pro")
    assert len(side_tree(after, "pro")) == 3
    assert after.citations


def test_debates_in_one_server_stay_separate(
    services: Services, debates: Debates, debate: Debate, ids: Iterator[int]
) -> None:
    """Two debates in one server keep their own arguments, links and votes."""
    other = second_debate(debates)
    mine = post(services, ids, PRO, CHIPS)
    theirs = post(services, ids, 3, TREATY)
    answer = rebut(services, ids, theirs, BIO)
    services.capture.vote(theirs.message_id, BEN, "👍", added=True)
    assert debates.map(debate).arguments == [mine]
    assert (debates.map(debate).links, debates.map(debate).votes) == ([], {})
    assert debates.map(other).arguments == [theirs, answer]
    assert answer.number == 2


# -- finding and running debates --------------------------------------------------------------------------------------


def test_find_by_number(debates: Debates, debate: Debate) -> None:
    """A debate asked for by its number is returned even when a newer one is open."""
    second_debate(debates)
    assert debates.find(GUILD, debate.number) == debate


def test_debates_are_numbered_per_server(debates: Debates, debate: Debate) -> None:
    """A server's first debate is debate 1 however many other servers opened before it; ids stay unique."""
    second = second_debate(debates)
    elsewhere = debates.start(OTHER_GUILD, 600, "forum", MOTION, MODERATOR, {"pro": 5, "con": 6})
    assert (debate.number, second.number, elsewhere.number) == (1, 2, 1)
    assert len({debate.id, second.id, elsewhere.id}) == 3


def test_a_number_finds_this_servers_debate_not_anothers(debates: Debates, debate: Debate) -> None:
    """Debate 1 of another server is never what "debate 1" means here."""
    elsewhere = debates.start(OTHER_GUILD, 600, "forum", MOTION, MODERATOR, {"pro": 5, "con": 6})
    assert debates.find(GUILD, 1) == debate
    assert debates.find(OTHER_GUILD, 1) == elsewhere


def test_an_internal_id_from_another_server_is_refused(debates: Debates, debate: Debate) -> None:
    """A button carrying a debate's internal id works only in that debate's server."""
    assert debates.in_server(GUILD, debate.id) == debate
    with pytest.raises(DebateError, match="no longer here"):
        debates.in_server(OTHER_GUILD, debate.id)


@pytest.mark.parametrize("debate_id", ["other server's", "unknown"])
def test_find_refuses_an_id_not_in_this_server(debates: Debates, debate: Debate, debate_id: str) -> None:
    """Another server's debate id, or an id that does not exist, raises DebateError pointing at /debate list."""
    elsewhere = debates.start(OTHER_GUILD, 600, "forum", MOTION, MODERATOR, {"pro": 5, "con": 6})
    wanted = elsewhere.id if debate_id == "other server's" else 404
    with pytest.raises(DebateError, match="/debate list"):
        debates.find(GUILD, wanted)


def test_find_by_thread(debates: Debates, debate: Debate) -> None:
    """Without an id, the debate whose thread the command ran in is returned, even if it is not the newest."""
    second_debate(debates)
    assert debates.find(GUILD, None, CON) == debate


def test_find_defaults_to_the_newest_open_debate(debates: Debates, debate: Debate) -> None:
    """Outside a debate thread the server's newest open debate is returned; a newer closed one is skipped."""
    newest = second_debate(debates)
    debates.close(newest, MODERATOR)
    debates.start(OTHER_GUILD, 600, "forum", MOTION, MODERATOR, {"pro": 5, "con": 6})
    assert debates.find(GUILD, None, 4242) == debate


def test_find_with_nothing_open_is_refused(debates: Debates, debate: Debate) -> None:
    """With no open debate in the server, find raises DebateError saying how to open one."""
    debates.close(debate, MODERATOR)
    with pytest.raises(DebateError, match="/debate start"):
        debates.find(GUILD, None)


def test_close_records_who_closed(debates: Debates, debate: Debate) -> None:
    """Closing a debate marks it closed with who closed it."""
    closed = debates.close(debate, MODERATOR)
    assert (closed.status, closed.closed_by) == ("closed", MODERATOR)
    assert closed.closed_at is not None


def test_closing_twice_is_refused(debates: Debates, debate: Debate) -> None:
    """Closing a debate that is already closed raises DebateError."""
    debates.close(debate, MODERATOR)
    with pytest.raises(DebateError, match="already closed"):
        debates.close(debates.find(GUILD, debate.id), ADA)


def test_closing_twice_with_a_stale_copy_is_refused(debates: Debates, debate: Debate) -> None:
    """Closing again with a Debate read before the first close still raises and keeps the first closer."""
    debates.close(debate, MODERATOR)
    with pytest.raises(DebateError, match="already closed"):
        debates.close(debate, ADA)


@pytest.mark.parametrize("mode", CITATION_MODES)
def test_set_citations_accepts_the_known_modes(debates: Debates, debate: Debate, mode: str) -> None:
    """Each citation mode (on, quiet, off) is stored."""
    assert debates.set_citations(debate, mode).citations == mode


@pytest.mark.parametrize("mode", ["loud", "", "ON"])
def test_set_citations_refuses_other_modes(debates: Debates, store: DebateStore, debate: Debate, mode: str) -> None:
    """An unknown mode raises DebateError listing the modes, and the stored mode stays."""
    with pytest.raises(DebateError, match="on, quiet, off"):
        debates.set_citations(debate, mode)
    assert store.debate(debate.id).citations == "on"


def test_debates_in_two_servers_stay_separate(debates: Debates, debate: Debate) -> None:
    """Each server lists only its own debates."""
    elsewhere = debates.start(OTHER_GUILD, 600, "forum", MOTION, MODERATOR, {"pro": 5, "con": 6})
    assert debates.debates(GUILD) == [debate]
    assert debates.debates(OTHER_GUILD) == [elsewhere]
