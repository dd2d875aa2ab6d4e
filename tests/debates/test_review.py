"""/review's queue: never your own, never what you voted on or passed, thinnest gaps from your side first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.debates.capture import SeenMessage
from bot.debates.hinges import Hinges
from bot.debates.model import Debate, Votes
from bot.debates.review import next_after, review_queue
from bot.errors import DebateError
from bot.services import Services
from tests.debates.conftest import ADA, BEN, CHIPS, CON, CY, LAG, LATER, PRO, RACE, TIME, TREATY, post, votes_on
from tests.debates.test_stances import argument

ME = 50


@pytest.fixture
def hinges(services: Services) -> Hinges:
    """Return the hinges service."""
    return services.hinges


# -- the queue, pure --------------------------------------------------------------------------------------------------


def test_the_queue_leaves_out_own_voted_passed_and_comments() -> None:
    """Only others' numbered, visible arguments the member has neither voted on nor passed on are offered."""
    board = [
        argument(1, "pro", ME),
        argument(2, "pro", ADA),
        argument(3, "con", ADA),
        argument(4, "con", ADA),
        argument(5, "pro", ADA, kind="comment"),
        argument(6, "con", ADA, removed_at="2025-03-02T00:00:00+00:00"),
        argument(7, "pro", ADA),
    ]
    queue = review_queue(board, ME, [(ME, 2, 1)], {}, passed={3})
    assert [a.id for a in queue] == [4, 7]


def test_arguments_with_fewest_votes_from_the_members_side_come_first() -> None:
    """A Pro member sees first what Pro members voted least on, whatever Con members did; then fewest overall."""
    board = [argument(1, "pro", ADA), argument(2, "con", ADA), argument(3, "con", ADA)]
    sides = {ME: "pro", 10: "pro", 11: "pro", 20: "con", 21: "con", 22: "con"}
    ballots = [(10, 1, 1), (11, 1, 1), (20, 2, 1), (21, 2, 1), (22, 2, -1), (10, 3, 1)]
    assert [a.id for a in review_queue(board, ME, ballots, sides)] == [2, 3, 1]


def test_a_member_of_no_side_gets_the_least_voted_first() -> None:
    """Without a side, the fewest votes overall decide, then the oldest."""
    board = [argument(1, "pro", ADA), argument(2, "con", ADA), argument(3, "con", ADA)]
    ballots = [(10, 1, 1), (11, 1, 1), (20, 3, 1)]
    assert [a.id for a in review_queue(board, ME, ballots, {10: "pro", 11: "pro", 20: "con"})] == [2, 3, 1]


@pytest.mark.parametrize(
    ("after", "expected"),
    [(None, 1), (1, 2), (2, 3), (3, 1), (99, 1)],
)
def test_next_goes_round_the_queue(after: int | None, expected: int) -> None:
    """Next moves to the following argument and wraps round; an argument no longer queued starts over."""
    queue = [argument(1, "pro", ADA), argument(2, "pro", ADA), argument(3, "pro", ADA)]
    found = next_after(queue, after)
    assert found is not None
    assert found.id == expected


# -- the service ------------------------------------------------------------------------------------------------------


def test_a_review_vote_is_the_same_vote_as_a_reaction(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Agreeing in /review, then reacting 👎, leaves one vote: the 👎."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    hinges.review_vote(target, BEN, 1)
    assert votes_on(services, target) == Votes(1, 0)
    services.capture.vote(target.message_id, BEN, "👎", added=True)
    assert votes_on(services, target) == Votes(0, 1)


def test_a_review_vote_survives_a_catch_up_that_sees_no_reaction(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Reconciling reactions after an outage keeps a /review vote (it has no reaction) and drops a lost reaction."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    hinges.review_vote(target, BEN, 1)
    services.capture.vote(target.message_id, CY, "👍", added=True)
    seen = SeenMessage(target.message_id, target.text, None)
    services.capture.reconcile(PRO, [seen], target.message_id, target.message_id, LATER)
    assert services.debates.store.voters(target) == {BEN: 1}


def test_the_card_shows_the_gap_and_moves_on(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A Pro member is shown the Con argument no Pro member voted on; after voting, the next; then nothing."""
    hinges.declare(debate, ME, 1)
    hinges.declare(debate, 60, 2)
    pro_point = post(services, ids, PRO, CHIPS, author=ADA)
    con_point = post(services, ids, CON, RACE, author=BEN)
    services.capture.vote(pro_point.message_id, 60, "👍", added=True)
    card = hinges.review(debate, ME)
    assert card is not None
    assert (card.argument.id, card.remaining, card.member_side, card.from_side) == (con_point.id, 2, "pro", 0)
    hinges.review_vote(card.argument, ME, -1)
    card = hinges.review(debate, ME)
    assert card is not None
    assert (card.argument.id, card.up, card.from_side) == (pro_point.id, 1, 1)
    hinges.review_pass(card.argument, ME)
    assert hinges.review(debate, ME) is None


def test_next_and_a_crux_mark_keep_or_move_the_card(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """Next shows the argument after this one; showing one again after marking it says it is marked."""
    first = post(services, ids, PRO, TIME, author=ADA)
    second = post(services, ids, CON, LAG, author=BEN)
    post(services, ids, CON, TREATY, author=CY)
    assert hinges.review(debate, ME, after=first.id).argument.id == second.id  # type: ignore[union-attr]
    hinges.toggle_crux(second.message_id, ME)
    again = hinges.review(debate, ME, show=second.id)
    assert again is not None
    assert (again.argument.id, again.marked) == (second.id, True)


def test_a_button_on_your_own_or_a_vanished_argument_is_refused(
    hinges: Hinges, services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A review button cannot vote on your own argument, nor on one deleted since the card was shown."""
    mine = post(services, ids, PRO, CHIPS, author=ADA)
    gone = post(services, ids, CON, RACE, author=BEN)
    services.capture.delete(gone.message_id, LATER)
    with pytest.raises(DebateError, match="your own argument"):
        hinges.reviewed_argument(debate, mine.message_id, ADA)
    with pytest.raises(DebateError, match="no longer on the map"):
        hinges.reviewed_argument(debate, gone.message_id, CY)
