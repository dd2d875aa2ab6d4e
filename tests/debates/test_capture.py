"""Capture: messages in debate threads become arguments and comments, with replies, edits, deletions and votes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.db.debates import DebateStore
from bot.debates.capture import Capture
from bot.debates.model import Debate, Votes
from bot.debates.service import Debates
from bot.services import Services
from tests.debates.conftest import (
    ADA,
    BEN,
    CHIPS,
    CON,
    CY,
    LAG,
    LATER,
    LATER_STAMP,
    MODERATOR,
    PRO,
    RACE,
    TIME,
    TREATY,
    message,
    post,
    second_debate,
    votes_on,
)

# -- capture ----------------------------------------------------------------------------------------------------------


def test_arguments_are_numbered_per_debate(
    services: Services, debates: Debates, debate: Debate, ids: Iterator[int]
) -> None:
    """Arguments are numbered #1, #2… across both sides of a debate, independently of another debate's numbers."""
    other = second_debate(debates)
    posted = [
        post(services, ids, PRO, CHIPS),
        post(services, ids, 3, TREATY),
        post(services, ids, CON, RACE),
        post(services, ids, PRO, TIME),
    ]
    assert [(a.debate_id, a.number) for a in posted] == [(debate.id, 1), (other.id, 1), (debate.id, 2), (debate.id, 3)]


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("lol", "comment", "comment"),
        ("+1", "comment", "comment"),
        ("good point", "comment", "comment"),
        ("   Agreed!   ", "comment", "comment"),
        ("Chips are trackable.", "argument", "#1"),
        (CHIPS, "argument", "#1"),
    ],
)
def test_chatter_is_a_comment_without_a_number(
    services: Services, debate: Debate, ids: Iterator[int], text: str, kind: str, label: str
) -> None:
    """Messages of one or two words are kept as unnumbered comments; three words or more are arguments."""
    argument = post(services, ids, PRO, text)
    assert (argument.kind, argument.label) == (kind, label)


def test_comments_do_not_use_up_numbers(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """An argument after a comment still gets the next argument number."""
    post(services, ids, PRO, CHIPS)
    post(services, ids, CON, "lol")
    assert post(services, ids, CON, RACE).number == 2


def test_message_outside_a_debate_thread_is_not_captured(capture: Capture, store: DebateStore, debate: Debate) -> None:
    """A message in a channel that is no debate thread is ignored and nothing is stored."""
    assert capture.capture(message(5001, 4242, CHIPS)) is None
    assert store.arguments(debate.id, include_deleted=True) == []


def test_message_in_a_closed_debate_is_not_captured(
    debates: Debates, capture: Capture, store: DebateStore, debate: Debate
) -> None:
    """Once a debate is closed, messages in its threads are not captured."""
    debates.close(debate, MODERATOR)
    assert capture.capture(message(5001, PRO, CHIPS)) is None
    assert store.arguments(debate.id, include_deleted=True) == []


def test_same_message_is_stored_once(capture: Capture, store: DebateStore, debate: Debate) -> None:
    """Capturing a message id again returns the stored argument with new=False and stores nothing more."""
    first = capture.capture(message(5001, PRO, CHIPS))
    again = capture.capture(message(5001, PRO, CHIPS))
    assert first is not None
    assert again is not None
    assert (first.new, again.new) == (True, False)
    assert again.argument == first.argument
    assert len(store.arguments(debate.id)) == 1


def test_capture_alone_leaves_the_catch_up_cursor(capture: Capture, store: DebateStore, debate: Debate) -> None:
    """Capturing a message does not move its thread's cursor: a live message may arrive before an outage's gap."""
    capture.capture(message(5001, PRO, CHIPS))
    pro = store.thread(PRO)
    assert pro is not None
    assert pro.last_message_id == PRO


def test_caught_up_moves_only_that_threads_cursor_forward(capture: Capture, store: DebateStore, debate: Debate) -> None:
    """Marking a thread caught up to a message moves its cursor there, never back, and not the other thread's."""
    capture.caught_up(PRO, 5002)
    capture.caught_up(PRO, 5001)
    pro, con = store.thread(PRO), store.thread(CON)
    assert pro is not None
    assert con is not None
    assert pro.last_message_id == 5002
    assert con.last_message_id == CON


def test_same_side_reply_supports_the_argument(
    services: Services, capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """A Pro member's reply in the Pro thread, saying nothing against it, supports it: made by the replier, by reply."""
    claim = post(services, ids, PRO, TIME)
    services.hinges.declare(debate, BEN, 1)
    captured = capture.capture(message(next(ids), PRO, LAG, author=BEN, reply_to=claim.message_id))
    assert captured is not None
    link = captured.link
    assert link is not None
    assert (link.source_id, link.target_id, link.relation, link.method, link.made_by) == (
        captured.argument.id,
        claim.id,
        "supports",
        "reply",
        BEN,
    )


@pytest.mark.parametrize("replied", ["comment", "deleted argument", "uncaptured message"])
def test_reply_to_a_non_argument_makes_no_link(
    services: Services, capture: Capture, store: DebateStore, debate: Debate, ids: Iterator[int], replied: str
) -> None:
    """A reply to a comment, a deleted argument or a message Crux never captured links to nothing."""
    if replied == "comment":
        reply_to = post(services, ids, PRO, "good point").message_id
    elif replied == "deleted argument":
        reply_to = post(services, ids, PRO, TIME).message_id
        capture.delete(reply_to, LATER)
    else:
        reply_to = 4999
    captured = capture.capture(message(next(ids), PRO, LAG, author=BEN, reply_to=reply_to))
    assert captured is not None
    assert captured.link is None
    assert store.links(debate.id) == []


def test_chatter_reply_makes_no_link(services: Services, capture: Capture, debate: Debate, ids: Iterator[int]) -> None:
    """A one-word reply to an argument is a comment and supports nothing."""
    claim = post(services, ids, PRO, TIME)
    captured = capture.capture(message(next(ids), PRO, "+1", author=BEN, reply_to=claim.message_id))
    assert captured is not None
    assert captured.link is None


def test_rebuttal_attacks_its_target(services: Services, capture: Capture, debate: Debate, ids: Iterator[int]) -> None:
    """A rebuttal posted through the context menu attacks its target, recorded as a context-menu link by its maker."""
    claim = post(services, ids, PRO, CHIPS)
    captured = capture.capture(message(next(ids), CON, RACE, author=BEN), origin="rebut", target=claim, made_by=BEN)
    assert captured is not None
    link = captured.link
    assert link is not None
    assert (captured.argument.side, captured.argument.origin, captured.argument.number) == ("con", "rebut", 2)
    assert (link.source_id, link.target_id, link.relation, link.method, link.made_by) == (
        captured.argument.id,
        claim.id,
        "attacks",
        "context_menu",
        BEN,
    )


def test_context_menu_support_supports_its_target(
    services: Services, capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """A support posted through the context menu supports its target with method context_menu."""
    claim = post(services, ids, PRO, TIME)
    captured = capture.capture(message(next(ids), PRO, LAG, author=BEN), origin="support", target=claim, made_by=BEN)
    assert captured is not None
    assert captured.link is not None
    assert (captured.link.relation, captured.link.method) == ("supports", "context_menu")


def test_context_menu_post_is_an_argument_even_when_short(
    services: Services, capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """A rebuttal is numbered even if it is only a word or two: the member chose to answer an argument."""
    claim = post(services, ids, PRO, CHIPS)
    captured = capture.capture(message(next(ids), CON, "Smuggling exists.", author=BEN), origin="rebut", target=claim)
    assert captured is not None
    assert captured.argument.label == "#2"


def test_side_of_names_the_thread_side(capture: Capture, debate: Debate) -> None:
    """A debate thread is mapped to its debate and side; any other channel to None."""
    assert capture.side_of(CON) == (debate, "con")
    assert capture.side_of(4242) is None


# -- edits and deletions ----------------------------------------------------------------------------------------------


def test_edits_keep_every_earlier_text_in_order(
    services: Services, capture: Capture, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """Each edit updates the argument and keeps the text it replaced, oldest first."""
    claim = post(services, ids, PRO, "A pause is easy to verify.")
    capture.edit(claim.message_id, "A pause is possible to verify.", datetime(2025, 3, 1, 12, 5, tzinfo=UTC))
    edited = capture.edit(claim.message_id, CHIPS, LATER)
    assert edited is not None
    assert (edited.text, edited.edited_at, edited.number) == (CHIPS, LATER_STAMP, 1)
    assert [r.text for r in store.revisions(claim.id)] == [
        "A pause is easy to verify.",
        "A pause is possible to verify.",
    ]


def test_edit_with_unchanged_text_adds_no_revision(
    services: Services, capture: Capture, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """An edit that leaves the text as it was (say, an embed added) returns None and keeps no revision."""
    claim = post(services, ids, PRO, CHIPS)
    assert capture.edit(claim.message_id, f"  {CHIPS}\n", LATER) is None
    assert store.revisions(claim.id) == []
    assert store.argument(claim.id).edited_at is None


def test_edit_of_an_unknown_message_does_nothing(capture: Capture, store: DebateStore, debate: Debate) -> None:
    """Editing a message Crux never captured returns None and stores nothing."""
    assert capture.edit(4999, CHIPS, LATER) is None
    assert store.db.table("revisions").count == 0
    assert store.arguments(debate.id, include_deleted=True) == []


def test_deletion_hides_but_keeps_the_argument(
    services: Services, capture: Capture, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """A deleted argument leaves the arguments list and the map but is still stored with its links and votes."""
    claim = post(services, ids, PRO, TIME)
    reply = post(services, ids, PRO, LAG, author=BEN, reply_to=claim.message_id)
    capture.vote(claim.message_id, CY, "👍", added=True)
    deleted = capture.delete(claim.message_id, LATER)
    assert deleted is not None
    assert deleted.deleted_at == LATER_STAMP
    assert store.arguments(debate.id) == [reply]
    assert claim.id not in services.debates.map(debate).numbered
    assert [a.id for a in store.arguments(debate.id, include_deleted=True)] == [claim.id, reply.id]
    assert [(link.source_id, link.target_id) for link in store.links(debate.id)] == [(reply.id, claim.id)]
    assert store.db.table("votes").count == 1


def test_deleting_twice_changes_nothing(
    services: Services, capture: Capture, store: DebateStore, debate: Debate, ids: Iterator[int]
) -> None:
    """A second deletion of the same message returns None and keeps the first deletion time."""
    claim = post(services, ids, PRO, TIME)
    capture.delete(claim.message_id, LATER)
    assert capture.delete(claim.message_id, datetime(2025, 3, 2, tzinfo=UTC)) is None
    assert store.argument(claim.id).deleted_at == LATER_STAMP


# -- votes ------------------------------------------------------------------------------------------------------------


def test_changed_vote_counts_once(services: Services, capture: Capture, debate: Debate, ids: Iterator[int]) -> None:
    """A member who reacts 👍 and then 👎 counts once, as a down vote."""
    claim = post(services, ids, PRO, CHIPS)
    capture.vote(claim.message_id, BEN, "👍", added=True)
    capture.vote(claim.message_id, BEN, "👎", added=True)
    assert votes_on(services, claim) == Votes(up=0, down=1)


def test_votes_of_different_members_add_up(
    services: Services, capture: Capture, debate: Debate, ids: Iterator[int]
) -> None:
    """Each member has one vote; two members' votes are both counted."""
    claim = post(services, ids, PRO, CHIPS)
    capture.vote(claim.message_id, BEN, "👍", added=True)
    capture.vote(claim.message_id, CY, "👍", added=True)
    capture.vote(claim.message_id, CY, "👍", added=True)
    assert votes_on(services, claim) == Votes(up=2, down=0)


@pytest.mark.parametrize(
    ("added", "removed", "left"),
    [
        (["👍"], "👍", Votes(0, 0)),
        (["👎"], "👎", Votes(0, 0)),
        (["👍", "👎"], "👍", Votes(0, 1)),
        (["👎", "👍"], "👎", Votes(1, 0)),
    ],
)
def test_removing_a_reaction_withdraws_only_a_matching_vote(
    services: Services,
    capture: Capture,
    debate: Debate,
    ids: Iterator[int],
    added: list[str],
    removed: str,
    left: Votes,
) -> None:
    """Removing a reaction withdraws the member's vote only when it is the vote they still hold."""
    claim = post(services, ids, PRO, CHIPS)
    for emoji in added:
        capture.vote(claim.message_id, BEN, emoji, added=True)
    capture.vote(claim.message_id, BEN, removed, added=False)
    assert votes_on(services, claim) == left


@pytest.mark.parametrize(
    ("case", "voter", "emoji"),
    [("own argument", ADA, "👍"), ("other emoji", BEN, "❤️"), ("other emoji", BEN, "🔥"), ("comment", BEN, "👍")],
)
def test_ignored_reactions_count_no_vote(
    services: Services,
    capture: Capture,
    store: DebateStore,
    debate: Debate,
    ids: Iterator[int],
    case: str,
    voter: int,
    emoji: str,
) -> None:
    """The author's own reaction, emoji other than 👍/👎, and reactions on comments are not votes."""
    target = post(services, ids, PRO, "good point" if case == "comment" else CHIPS)
    assert capture.vote(target.message_id, voter, emoji, added=True) is None
    assert store.db.table("votes").count == 0


def test_reaction_on_an_unknown_message_is_ignored(capture: Capture, store: DebateStore, debate: Debate) -> None:
    """A 👍 on a message Crux never captured does nothing."""
    assert capture.vote(4999, BEN, "👍", added=True) is None
    assert store.db.table("votes").count == 0
