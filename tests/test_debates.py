"""Debates as argument maps: capture, edits, deletions, votes, analysis, the map and finding debates."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import open_database
from bot.db.debates import Argument, Debate, DebateStore, Votes
from bot.debates import (
    CITATION_MODES,
    CITATION_THRESHOLD,
    DUPLICATE_THRESHOLD,
    Analysis,
    DebateError,
    Debates,
    IncomingMessage,
    load_map,
)
from bot.library import Library
from tests.conftest import FakeEmbedder

GUILD, OTHER_GUILD = 111, 222
CHANNEL = 500
PRO, CON = 1001, 1002
THREADS_2 = {"pro": 3, "con": 4}
MODERATOR, ADA, BEN, CY = 1, 7, 8, 9
NAMES = {ADA: "Ada", BEN: "Ben", CY: "Cy"}
MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
POSTED = "2025-03-01T12:00:00+00:00"
LATER = "2025-03-01T12:30:00+00:00"

CHIPS = "Frontier training needs tens of thousands of specialised chips, so export controls can enforce a pause."
RACE = "A pause only slows the careful labs while reckless developers race ahead."
RACE_AGAIN = "A pause only slows the careful labs while the reckless developers race ahead."
TIME = "A pause buys alignment researchers time to understand the models we already have."
LAG = "Interpretability research lags years behind capabilities, and that gap keeps widening."
TREATY = "Nuclear arms control shows that rival states can verify limits on dangerous technology."
BIO = "The same pause would also delay medical research that could save millions of lives."

SOURCE = b"""Why a pause is hard to verify
Training a frontier model takes tens of thousands of specialised chips running for months in a handful of data \
centres. Export controls already track where those chips are shipped and who buys them.
Inspectors could audit electricity use at large data centres, since a months-long training run draws as much power \
as a small town. Hidden training runs of that size would be very hard to conceal.
Critics reply that a treaty without China would only slow down the careful labs while reckless developers race \
ahead, and that enforcement across borders has failed for other dual-use technologies.
"""
POWER = (
    "Inspectors could audit electricity use at large data centres, because a months-long training run draws as much "
    "power as a small town."
)
UNRELATED = "My cat prefers sunny windowsills on quiet Sunday afternoons."


@pytest.fixture
def debates(library: Library) -> Debates:
    """The debate service over a fresh in-memory store and the empty library."""
    return Debates(DebateStore(open_database(":memory:")), library)


@pytest.fixture
def debate(debates: Debates) -> Debate:
    """An open debate on a global pause, with a pro and a con thread."""
    return debates.start(GUILD, CHANNEL, "forum", MOTION, MODERATOR, {"pro": PRO, "con": CON})


@pytest.fixture
def ids() -> Iterator[int]:
    """Message ids in posting order, as Discord's snowflakes are."""
    return itertools.count(5001)


def second_debate(debates: Debates) -> Debate:
    """Open another debate in the same server, on open-weight models, in threads 3 (pro) and 4 (con)."""
    return debates.start(GUILD, CHANNEL, "text", "Open-weight frontier models should be banned.", MODERATOR, THREADS_2)


def message(
    message_id: int, thread_id: int, text: str, author: int = ADA, reply_to: int | None = None
) -> IncomingMessage:
    """Return a message as the capture sees it."""
    return IncomingMessage(
        message_id=message_id,
        thread_id=thread_id,
        author_id=author,
        author_name=NAMES[author],
        content=text,
        posted_at=POSTED,
        jump_url=f"https://discord.com/channels/{GUILD}/{thread_id}/{message_id}",
        reply_to=reply_to,
    )


def post(
    debates: Debates, ids: Iterator[int], thread_id: int, text: str, author: int = ADA, reply_to: int | None = None
) -> Argument:
    """Capture a new message in a debate thread and return what was stored."""
    captured = debates.capture(message(next(ids), thread_id, text, author, reply_to))
    assert captured is not None
    return captured.argument


def rebut(debates: Debates, ids: Iterator[int], target: Argument, text: str, author: int = BEN) -> Argument:
    """Post a rebuttal through the context menu, as the cog does, and return it."""
    _, side = debates.rebuttal_target(target.message_id, "rebut")
    thread = debates.store.debate(target.debate_id).thread_for(side)
    captured = debates.capture(message(next(ids), thread, text, author), origin="rebut", target=target, made_by=author)
    assert captured is not None
    return captured.argument


def analyse(debates: Debates, *arguments: Argument, with_sources: bool = True) -> list[Analysis]:
    """Run the analysis of arguments as the cog does: look up off the loop, then record."""
    vectors, best = debates.look_up(arguments, [with_sources] * len(arguments))
    return debates.record_analysis(arguments, vectors, best)


def tree_rows(debates: Debates, debate: Debate, side: str) -> list[tuple[int, str | None, str]]:
    """Return a side's tree as (depth, relation, label) rows; a later mention of an argument is labelled 'see #n'."""
    return [
        (line.depth, line.relation, line.argument.label if line.first else f"see {line.argument.label}")
        for line in debates.map(debate).tree(side)
    ]


# -- capture ----------------------------------------------------------------------------------------------------------


def test_arguments_are_numbered_per_debate(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Arguments are numbered #1, #2… across both sides of a debate, independently of another debate's numbers."""
    other = second_debate(debates)
    posted = [
        post(debates, ids, PRO, CHIPS),
        post(debates, ids, 3, TREATY),
        post(debates, ids, CON, RACE),
        post(debates, ids, PRO, TIME),
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
    debates: Debates, debate: Debate, ids: Iterator[int], text: str, kind: str, label: str
) -> None:
    """Messages of one or two words are kept as unnumbered comments; three words or more are arguments."""
    argument = post(debates, ids, PRO, text)
    assert (argument.kind, argument.label) == (kind, label)


def test_comments_do_not_use_up_numbers(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """An argument after a comment still gets the next argument number."""
    post(debates, ids, PRO, CHIPS)
    post(debates, ids, CON, "lol")
    assert post(debates, ids, CON, RACE).number == 2


def test_message_outside_a_debate_thread_is_not_captured(debates: Debates, debate: Debate) -> None:
    """A message in a channel that is no debate thread is ignored and nothing is stored."""
    assert debates.capture(message(5001, 4242, CHIPS)) is None
    assert debates.store.arguments(debate.id, include_deleted=True) == []


def test_message_in_a_closed_debate_is_not_captured(debates: Debates, debate: Debate) -> None:
    """Once a debate is closed, messages in its threads are not captured."""
    debates.close(debate, MODERATOR)
    assert debates.capture(message(5001, PRO, CHIPS)) is None
    assert debates.store.arguments(debate.id, include_deleted=True) == []


def test_same_message_is_stored_once(debates: Debates, debate: Debate) -> None:
    """Capturing a message id again returns the stored argument with new=False and stores nothing more."""
    first = debates.capture(message(5001, PRO, CHIPS))
    again = debates.capture(message(5001, PRO, CHIPS))
    assert (first.new, again.new) == (True, False)
    assert again.argument == first.argument
    assert len(debates.store.arguments(debate.id)) == 1


def test_capture_advances_the_thread_cursor(debates: Debates, debate: Debate) -> None:
    """The thread's cursor moves to the newest captured message, comments included, and not the other thread's."""
    debates.capture(message(5001, PRO, CHIPS))
    debates.capture(message(5002, PRO, "+1"))
    assert debates.store.thread(PRO).last_message_id == 5002
    assert debates.store.thread(CON).last_message_id == CON


def test_same_side_reply_supports_the_argument(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A reply in the same thread to an argument supports it, made by the replier through a reply."""
    claim = post(debates, ids, PRO, TIME)
    captured = debates.capture(message(next(ids), PRO, LAG, author=BEN, reply_to=claim.message_id))
    link = captured.link
    assert (link.source_id, link.target_id, link.relation, link.method, link.made_by) == (
        captured.argument.id,
        claim.id,
        "supports",
        "reply",
        BEN,
    )


@pytest.mark.parametrize("replied", ["comment", "deleted argument", "uncaptured message"])
def test_reply_to_a_non_argument_makes_no_link(
    debates: Debates, debate: Debate, ids: Iterator[int], replied: str
) -> None:
    """A reply to a comment, a deleted argument or a message Crux never captured links to nothing."""
    if replied == "comment":
        reply_to = post(debates, ids, PRO, "good point").message_id
    elif replied == "deleted argument":
        reply_to = post(debates, ids, PRO, TIME).message_id
        debates.delete(reply_to, LATER)
    else:
        reply_to = 4999
    captured = debates.capture(message(next(ids), PRO, LAG, author=BEN, reply_to=reply_to))
    assert captured.link is None
    assert debates.store.links(debate.id) == []


def test_chatter_reply_makes_no_link(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A one-word reply to an argument is a comment and supports nothing."""
    claim = post(debates, ids, PRO, TIME)
    assert debates.capture(message(next(ids), PRO, "+1", author=BEN, reply_to=claim.message_id)).link is None


def test_rebuttal_attacks_its_target(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A rebuttal posted through the context menu attacks its target, recorded as a context-menu link by its maker."""
    claim = post(debates, ids, PRO, CHIPS)
    captured = debates.capture(message(next(ids), CON, RACE, author=BEN), origin="rebut", target=claim, made_by=BEN)
    link = captured.link
    assert (captured.argument.side, captured.argument.origin, captured.argument.number) == ("con", "rebut", 2)
    assert (link.source_id, link.target_id, link.relation, link.method, link.made_by) == (
        captured.argument.id,
        claim.id,
        "attacks",
        "context_menu",
        BEN,
    )


def test_context_menu_support_supports_its_target(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A support posted through the context menu supports its target with method context_menu."""
    claim = post(debates, ids, PRO, TIME)
    captured = debates.capture(message(next(ids), PRO, LAG, author=BEN), origin="support", target=claim, made_by=BEN)
    assert (captured.link.relation, captured.link.method) == ("supports", "context_menu")


def test_context_menu_post_is_an_argument_even_when_short(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A rebuttal is numbered even if it is only a word or two: the member chose to answer an argument."""
    claim = post(debates, ids, PRO, CHIPS)
    captured = debates.capture(message(next(ids), CON, "Smuggling exists.", author=BEN), origin="rebut", target=claim)
    assert captured.argument.label == "#2"


@pytest.mark.parametrize(
    ("thread", "origin", "side"), [(PRO, "rebut", "con"), (PRO, "support", "pro"), (CON, "rebut", "pro")]
)
def test_rebuttal_target_names_the_side_to_post_to(
    debates: Debates, debate: Debate, ids: Iterator[int], thread: int, origin: str, side: str
) -> None:
    """A rebuttal goes to the opposite side's thread and a support to the argument's own side."""
    claim = post(debates, ids, thread, CHIPS)
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
    debates: Debates, debate: Debate, ids: Iterator[int], case: str, advice: str
) -> None:
    """Rebutting a comment, an unknown or deleted message, or an argument of a closed debate raises DebateError."""
    if case == "comment":
        message_id = post(debates, ids, PRO, "lol").message_id
    elif case == "unknown message":
        message_id = 4999
    elif case == "deleted argument":
        message_id = post(debates, ids, PRO, CHIPS).message_id
        debates.delete(message_id, LATER)
    else:
        message_id = post(debates, ids, PRO, CHIPS).message_id
        debates.close(debate, MODERATOR)
    with pytest.raises(DebateError) as caught:
        debates.rebuttal_target(message_id, "rebut")
    assert advice in caught.value.message


def test_rebuttal_in_a_closed_debate_says_what_to_do(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Rebutting in a closed debate is refused with a message that also tells the member what they can do."""
    claim = post(debates, ids, PRO, CHIPS)
    debates.close(debate, MODERATOR)
    with pytest.raises(DebateError) as caught:
        debates.rebuttal_target(claim.message_id, "rebut")
    assert len(re.findall(r"[.!?](?:\s|$)", caught.value.message)) >= 2


# -- edits and deletions ----------------------------------------------------------------------------------------------


def test_edits_keep_every_earlier_text_in_order(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Each edit updates the argument and keeps the text it replaced, oldest first."""
    claim = post(debates, ids, PRO, "A pause is easy to verify.")
    debates.edit(claim.message_id, "A pause is possible to verify.", "2025-03-01T12:05:00+00:00")
    edited = debates.edit(claim.message_id, CHIPS, LATER)
    assert (edited.text, edited.edited_at, edited.number) == (CHIPS, LATER, 1)
    assert [r.text for r in debates.store.revisions(claim.id)] == [
        "A pause is easy to verify.",
        "A pause is possible to verify.",
    ]


def test_edit_with_unchanged_text_adds_no_revision(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """An edit that leaves the text as it was (say, an embed added) returns None and keeps no revision."""
    claim = post(debates, ids, PRO, CHIPS)
    assert debates.edit(claim.message_id, f"  {CHIPS}\n", LATER) is None
    assert debates.store.revisions(claim.id) == []
    assert debates.store.argument(claim.id).edited_at is None


def test_edit_of_an_unknown_message_does_nothing(debates: Debates, debate: Debate) -> None:
    """Editing a message Crux never captured returns None and stores nothing."""
    assert debates.edit(4999, CHIPS, LATER) is None
    assert debates.store.db.table("revisions").count == 0
    assert debates.store.arguments(debate.id, include_deleted=True) == []


def test_deletion_hides_but_keeps_the_argument(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A deleted argument leaves the arguments list and the map but is still stored with its links and votes."""
    claim = post(debates, ids, PRO, TIME)
    reply = post(debates, ids, PRO, LAG, author=BEN, reply_to=claim.message_id)
    debates.vote(claim.message_id, CY, "👍", added=True)
    deleted = debates.delete(claim.message_id, LATER)
    assert deleted.deleted_at == LATER
    assert debates.store.arguments(debate.id) == [reply]
    assert claim.id not in debates.map(debate).numbered
    assert [a.id for a in debates.store.arguments(debate.id, include_deleted=True)] == [claim.id, reply.id]
    assert [(link.source_id, link.target_id) for link in debates.store.links(debate.id)] == [(reply.id, claim.id)]
    assert debates.store.db.table("votes").count == 1


def test_deleting_twice_changes_nothing(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A second deletion of the same message returns None and keeps the first deletion time."""
    claim = post(debates, ids, PRO, TIME)
    debates.delete(claim.message_id, LATER)
    assert debates.delete(claim.message_id, "2025-03-02T00:00:00+00:00") is None
    assert debates.store.argument(claim.id).deleted_at == LATER


# -- votes ------------------------------------------------------------------------------------------------------------


def votes_on(debates: Debates, argument: Argument) -> Votes:
    """Return an argument's vote counts (zero when nobody voted)."""
    return debates.store.votes(argument.debate_id).get(argument.id, Votes())


def test_changed_vote_counts_once(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A member who reacts 👍 and then 👎 counts once, as a down vote."""
    claim = post(debates, ids, PRO, CHIPS)
    debates.vote(claim.message_id, BEN, "👍", added=True)
    debates.vote(claim.message_id, BEN, "👎", added=True)
    assert votes_on(debates, claim) == Votes(up=0, down=1)


def test_votes_of_different_members_add_up(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Each member has one vote; two members' votes are both counted."""
    claim = post(debates, ids, PRO, CHIPS)
    debates.vote(claim.message_id, BEN, "👍", added=True)
    debates.vote(claim.message_id, CY, "👍", added=True)
    debates.vote(claim.message_id, CY, "👍", added=True)
    assert votes_on(debates, claim) == Votes(up=2, down=0)


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
    debates: Debates, debate: Debate, ids: Iterator[int], added: list[str], removed: str, left: Votes
) -> None:
    """Removing a reaction withdraws the member's vote only when it is the vote they still hold."""
    claim = post(debates, ids, PRO, CHIPS)
    for emoji in added:
        debates.vote(claim.message_id, BEN, emoji, added=True)
    debates.vote(claim.message_id, BEN, removed, added=False)
    assert votes_on(debates, claim) == left


@pytest.mark.parametrize(
    ("case", "voter", "emoji"),
    [("own argument", ADA, "👍"), ("other emoji", BEN, "❤️"), ("other emoji", BEN, "🔥"), ("comment", BEN, "👍")],
)
def test_ignored_reactions_count_no_vote(
    debates: Debates, debate: Debate, ids: Iterator[int], case: str, voter: int, emoji: str
) -> None:
    """The author's own reaction, emoji other than 👍/👎, and reactions on comments are not votes."""
    target = post(debates, ids, PRO, "good point" if case == "comment" else CHIPS)
    assert debates.vote(target.message_id, voter, emoji, added=True) is None
    assert debates.store.db.table("votes").count == 0


def test_reaction_on_an_unknown_message_is_ignored(debates: Debates, debate: Debate) -> None:
    """A 👍 on a message Crux never captured does nothing."""
    assert debates.vote(4999, BEN, "👍", added=True) is None
    assert debates.store.db.table("votes").count == 0


# -- analysis ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def sourced(library: Library) -> Library:
    """The library holding one article on verifying a pause."""
    library.add("verification.txt", SOURCE, added_by="tests")
    return library


def test_argument_repeating_a_source_gets_a_suggested_citation(
    debates: Debates, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """An argument that repeats a source paragraph's words is stored with a suggestion of that paragraph."""
    claim = post(debates, ids, PRO, POWER)
    (analysis,) = analyse(debates, claim)
    citation = analysis.citation
    assert (citation.argument_id, citation.status, citation.document_title, citation.paragraph) == (
        claim.id,
        "suggested",
        "Why a pause is hard to verify",
        3,
    )
    assert citation.sentence.startswith("Inspectors could audit electricity use")
    assert citation.similarity >= CITATION_THRESHOLD
    assert debates.store.citations(debate.id) == [citation]


@pytest.mark.parametrize(("text", "with_sources"), [(UNRELATED, True), (POWER, False)])
def test_no_citation_without_a_close_source_or_when_not_asked(
    debates: Debates, debate: Debate, ids: Iterator[int], sourced: Library, text: str, with_sources: bool
) -> None:
    """An unrelated argument, or one analysed without sources (citations off), gets no suggestion."""
    claim = post(debates, ids, PRO, text)
    (analysis,) = analyse(debates, claim, with_sources=with_sources)
    assert analysis.citation is None
    assert debates.store.citations(debate.id) == []


def test_unrelated_argument_scores_below_the_citation_threshold(
    debates: Debates, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """The best excerpt for an off-topic message is less similar than the citation threshold."""
    _, best = debates.look_up([post(debates, ids, PRO, UNRELATED)], [True])
    assert best[0] is None or best[0].similarity < CITATION_THRESHOLD


def test_near_identical_argument_on_the_same_side_is_a_duplicate(
    debates: Debates, debate: Debate, ids: Iterator[int]
) -> None:
    """Repeating an earlier argument of one's side nearly word for word links it as duplicate_of the earlier one."""
    first = post(debates, ids, CON, RACE)
    analyse(debates, first)
    again = post(debates, ids, CON, RACE_AGAIN, author=BEN)
    vectors, _ = debates.look_up([first, again], [False, False])
    assert float(vectors[0] @ vectors[1]) >= DUPLICATE_THRESHOLD
    (analysis,) = analyse(debates, again)
    assert analysis.duplicate_of == first
    link = debates.store.links(debate.id)[0]
    assert (link.source_id, link.target_id, link.relation, link.method, link.made_by) == (
        again.id,
        first.id,
        "duplicate_of",
        "automatic",
        None,
    )


def test_same_text_on_the_other_side_is_no_duplicate(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """The same words posted on the opposing side are not flagged as a duplicate."""
    analyse(debates, post(debates, ids, CON, RACE))
    (analysis,) = analyse(debates, post(debates, ids, PRO, RACE, author=BEN))
    assert analysis.duplicate_of is None
    assert debates.store.links(debate.id) == []


def test_different_argument_is_no_duplicate(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A different argument on the same side is not flagged as a duplicate."""
    analyse(debates, post(debates, ids, PRO, CHIPS))
    (analysis,) = analyse(debates, post(debates, ids, PRO, TIME))
    assert analysis.duplicate_of is None


def test_duplicates_found_within_one_batch(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Two near-identical arguments analysed in one batch link the later one to the earlier one."""
    first, again = post(debates, ids, CON, RACE), post(debates, ids, CON, RACE_AGAIN)
    analyses = analyse(debates, first, again)
    assert [a.duplicate_of for a in analyses] == [None, first]


def test_analysis_stores_the_argument_embedding(
    debates: Debates, debate: Debate, ids: Iterator[int], fake_embedder: FakeEmbedder
) -> None:
    """After analysis the argument's vector is stored under the embedder's name."""
    claim = post(debates, ids, PRO, CHIPS)
    vectors, _ = debates.look_up([claim], [True])
    debates.record_analysis([claim], vectors, [None])
    stored_ids, matrix = debates.store.vectors(debate.id, fake_embedder.name)
    assert stored_ids == [claim.id]
    assert matrix.tolist() == vectors.tolist()


def test_confirmed_citation_is_cited_by_the_author(
    debates: Debates, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """The argument's author confirming a suggestion marks it cited, with who confirmed it."""
    (analysis,) = analyse(debates, post(debates, ids, PRO, POWER))
    confirmed = debates.confirm_citation(analysis.citation.id, ADA)
    assert (confirmed.status, confirmed.confirmed_by) == ("cited", ADA)
    assert confirmed.confirmed_at is not None


def test_only_the_author_can_confirm_a_citation(
    debates: Debates, debate: Debate, ids: Iterator[int], sourced: Library
) -> None:
    """Anyone but the author is refused with a message naming the author, and the suggestion stays as it was."""
    (analysis,) = analyse(debates, post(debates, ids, PRO, POWER))
    with pytest.raises(DebateError) as caught:
        debates.confirm_citation(analysis.citation.id, BEN)
    assert "Only Ada, who wrote #1" in caught.value.message
    assert debates.store.citation(analysis.citation.id).status == "suggested"


def test_confirming_an_unknown_citation_is_refused(debates: Debates, debate: Debate) -> None:
    """A citation id that does not exist raises DebateError."""
    with pytest.raises(DebateError, match="no longer exists"):
        debates.confirm_citation(404, ADA)


# -- the map ----------------------------------------------------------------------------------------------------------


def test_roots_are_arguments_that_target_nothing(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A side's roots are its arguments that support or attack nothing; comments and replies are not roots."""
    chips = post(debates, ids, PRO, CHIPS)
    time = post(debates, ids, PRO, TIME)
    post(debates, ids, PRO, LAG, reply_to=time.message_id)
    post(debates, ids, PRO, "good point")
    rebut(debates, ids, chips, RACE)
    assert debates.map(debate).roots("pro") == [chips, time]
    assert debates.map(debate).roots("con") == []


def test_rebuttal_sits_under_its_target(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A rebuttal appears under its target in the target's side tree as an attack."""
    chips = post(debates, ids, PRO, CHIPS)
    rebut(debates, ids, chips, RACE)
    assert tree_rows(debates, debate, "pro") == [(0, None, "#1"), (1, "attacks", "#2")]
    assert tree_rows(debates, debate, "con") == []


def test_replies_nest_recursively(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Supports and rebuttals of supports nest below each other with increasing depth, oldest first."""
    time = post(debates, ids, PRO, TIME)
    lag = post(debates, ids, PRO, LAG, author=BEN, reply_to=time.message_id)
    post(debates, ids, PRO, TREATY, author=CY, reply_to=time.message_id)
    rebut(debates, ids, lag, BIO)
    assert tree_rows(debates, debate, "pro") == [
        (0, None, "#1"),
        (1, "supports", "#2"),
        (2, "attacks", "#4"),
        (1, "supports", "#3"),
    ]


def test_link_cycle_under_a_root_terminates(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A supports B and B supports A below a root: the tree ends, expanding each argument once and referring back."""
    root = post(debates, ids, PRO, CHIPS)
    a = post(debates, ids, PRO, TIME, reply_to=root.message_id)
    b = post(debates, ids, PRO, LAG, reply_to=a.message_id)
    debates.store.link(a, b, "supports", "reply", ADA)
    assert tree_rows(debates, debate, "pro") == [
        (0, None, "#1"),
        (1, "supports", "#2"),
        (2, "supports", "#3"),
        (3, "supports", "see #2"),
    ]


def test_link_cycle_without_a_root_still_shows_its_arguments(
    debates: Debates, debate: Debate, ids: Iterator[int]
) -> None:
    """A supports B and B supports A with nothing above them: the tree ends and shows both arguments once."""
    a = post(debates, ids, PRO, TIME)
    b = post(debates, ids, PRO, LAG, reply_to=a.message_id)
    debates.store.link(a, b, "supports", "reply", ADA)
    assert tree_rows(debates, debate, "pro") == [(0, None, "#1"), (1, "supports", "#2"), (2, "supports", "see #1")]


def test_duplicates_do_not_nest(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """An argument flagged as duplicate_of another stays a root of its own, not a child."""
    first = post(debates, ids, CON, RACE)
    again = post(debates, ids, CON, RACE_AGAIN)
    debates.store.link(again, first, "duplicate_of", "automatic", None)
    assert tree_rows(debates, debate, "con") == [(0, None, "#1"), (0, None, "#2")]
    assert debates.map(debate).children(first) == []


def test_deleted_arguments_leave_the_tree(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """A deleted argument disappears from the tree, and a reply to it becomes a root."""
    post(debates, ids, PRO, CHIPS)
    time = post(debates, ids, PRO, TIME)
    post(debates, ids, PRO, LAG, reply_to=time.message_id)
    debates.delete(time.message_id, LATER)
    assert tree_rows(debates, debate, "pro") == [(0, None, "#1"), (0, None, "#3")]


def test_tree_lines_carry_votes(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Each tree line carries its argument's votes, zero for an argument nobody voted on."""
    chips = post(debates, ids, PRO, CHIPS)
    rebut(debates, ids, chips, RACE)
    debates.vote(chips.message_id, BEN, "👍", added=True)
    debates.vote(chips.message_id, CY, "👎", added=True)
    lines = debates.map(debate).tree("pro")
    assert [line.votes for line in lines] == [Votes(up=1, down=1), Votes(up=0, down=0)]


def test_map_survives_a_restart(library: Library, tmp_path: Path) -> None:
    """A fresh connection to the same database file rebuilds the identical map from storage alone."""
    path = tmp_path / "crux.db"
    debates = Debates(DebateStore(open_database(path)), library)
    debate = debates.start(GUILD, CHANNEL, "forum", MOTION, MODERATOR, {"pro": PRO, "con": CON})
    ids = itertools.count(5001)
    library.add("verification.txt", SOURCE, added_by="tests")
    chips = post(debates, ids, PRO, CHIPS)
    power = post(debates, ids, PRO, POWER, author=BEN, reply_to=chips.message_id)
    analyse(debates, chips, power)
    rebut(debates, ids, chips, RACE)
    debates.vote(chips.message_id, CY, "👍", added=True)
    before = debates.map(debate)

    reopened = DebateStore(open_database(path))
    after = load_map(reopened, reopened.debate(debate.id))
    assert after == before
    assert after.tree("pro") == before.tree("pro")
    assert len(after.tree("pro")) == 3
    assert after.citations


# -- finding and running debates --------------------------------------------------------------------------------------


def test_find_by_id(debates: Debates, debate: Debate) -> None:
    """A debate asked for by id is returned even when a newer one is open."""
    second_debate(debates)
    assert debates.find(GUILD, debate.id) == debate


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
def test_set_citations_refuses_other_modes(debates: Debates, debate: Debate, mode: str) -> None:
    """An unknown mode raises DebateError listing the modes, and the stored mode stays."""
    with pytest.raises(DebateError, match="on, quiet, off"):
        debates.set_citations(debate, mode)
    assert debates.store.debate(debate.id).citations == "on"


def test_side_of_names_the_thread_side(debates: Debates, debate: Debate) -> None:
    """A debate thread is mapped to its debate and side; any other channel to None."""
    assert debates.side_of(CON) == (debate, "con")
    assert debates.side_of(4242) is None


def test_debates_in_one_server_stay_separate(debates: Debates, debate: Debate, ids: Iterator[int]) -> None:
    """Two debates in one server keep their own arguments, links and votes."""
    other = second_debate(debates)
    mine = post(debates, ids, PRO, CHIPS)
    theirs = post(debates, ids, 3, TREATY)
    answer = rebut(debates, ids, theirs, BIO)
    debates.vote(theirs.message_id, BEN, "👍", added=True)
    assert debates.map(debate).arguments == [mine]
    assert (debates.map(debate).links, debates.map(debate).votes) == ([], {})
    assert debates.map(other).arguments == [theirs, answer]
    assert answer.number == 2


def test_debates_in_two_servers_stay_separate(debates: Debates, debate: Debate) -> None:
    """Each server lists only its own debates."""
    elsewhere = debates.start(OTHER_GUILD, 600, "forum", MOTION, MODERATOR, {"pro": 5, "con": 6})
    assert debates.debates(GUILD) == [debate]
    assert debates.debates(OTHER_GUILD) == [elsewhere]
