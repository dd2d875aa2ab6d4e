"""The attention queue: what in a debate needs a moderator now, by kind, oldest first within a kind."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import open_database, stamp
from bot.db.debates import DebateStore
from bot.db.moderation import ModerationStore
from bot.debates.attention import OPEN_ATTACK_AFTER, QUIET_AFTER, UNSOURCED_VOTES, AttentionItem, attention
from bot.debates.model import Argument, Citation, Debate, DebateMap, Link, Side, Votes
from bot.debates.moderation import Actor, Moderation
from bot.debates.service import load_map

GUILD, CHANNEL = 111, 500
PRO, CON = 1001, 1002
MODERATOR, ADA = 1, 7
MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
OPENED = datetime(2025, 3, 1, 12, tzinfo=UTC)


def at(hours: float) -> datetime:
    """Return the moment `hours` after the debate opened."""
    return OPENED + timedelta(hours=hours)


class MapBuilder:
    """Builds a debate's map record by record, every time given, so the queue sees exactly one situation."""

    def __init__(self, *, status: str = "open") -> None:
        self.debate = Debate(
            id=1,
            number=1,
            guild_id=GUILD,
            channel_id=CHANNEL,
            kind="forum",
            motion=MOTION,
            status=status,
            citations="on",
            created_by=MODERATOR,
            created_at=stamp(OPENED),
            closed_by=MODERATOR if status == "closed" else None,
            closed_at=stamp(at(100)) if status == "closed" else None,
            threads={"pro": PRO, "con": CON},
        )
        self.arguments: list[Argument] = []
        self.links: list[Link] = []
        self.votes: dict[int, Votes] = {}
        self.citations: list[Citation] = []
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)

    def argue(
        self,
        side: Side,
        posted: datetime,
        *,
        supports: Argument | None = None,
        attacks: Argument | None = None,
        duplicate_of: Argument | None = None,
        edited: datetime | None = None,
        kind: str = "argument",
    ) -> Argument:
        """Post an argument (or a comment) on a side, linked the moment it is posted to the one it answers."""
        row_id = next(self._ids)
        argument = Argument(
            id=row_id,
            debate_id=self.debate.id,
            number=next(self._numbers) if kind == "argument" else None,
            side=side,
            kind=kind,
            origin="message",
            author_id=ADA,
            author_name="Ada",
            thread_id=self.debate.thread_for(side),
            message_id=5000 + row_id,  # snowflakes grow in posting order: build in the order things were posted
            jump_url=f"https://discord.com/channels/{GUILD}/{self.debate.thread_for(side)}/{5000 + row_id}",
            text=f"Argument {row_id} on the {side} side, long enough to be numbered.",
            posted_at=stamp(posted),
            edited_at=stamp(edited) if edited else None,
            deleted_at=None,
        )
        self.arguments.append(argument)
        for relation, target in (("supports", supports), ("attacks", attacks), ("duplicate_of", duplicate_of)):
            if target is not None:
                self.link(argument, target, relation, posted)
        return argument

    def link(self, source: Argument, target: Argument, relation: str, made: datetime) -> Link:
        """Record a link between two arguments, made at a given time."""
        link = Link(len(self.links) + 1, self.debate.id, source.id, target.id, relation, "reply", None, stamp(made))
        self.links.append(link)
        return link

    def vote(self, argument: Argument, up: int, down: int = 0) -> None:
        """Give an argument its votes."""
        self.votes[argument.id] = Votes(up, down)

    def cite(self, argument: Argument, status: str) -> None:
        """Attach a source excerpt to an argument, suggested by Crux or cited by its author."""
        self.citations.append(
            Citation(
                id=len(self.citations) + 1,
                argument_id=argument.id,
                excerpt_id=1,
                document_id=1,
                document_title="Why a pause is hard to verify",
                paragraph=1,
                sentence="Export controls already track where those chips are shipped.",
                status=status,
                similarity=0.8,
                created_at=argument.posted_at,
                confirmed_by=argument.author_id if status == "cited" else None,
                confirmed_at=argument.posted_at if status == "cited" else None,
            )
        )

    def build(self) -> DebateMap:
        """Return the map as the queue reads it."""
        return DebateMap(self.debate, self.arguments, self.links, self.votes, self.citations)


def of_kind(items: list[AttentionItem], kind: str) -> list[AttentionItem]:
    """Return the queue's items of one kind, in queue order."""
    return [item for item in items if item.kind == kind]


def attacks_listed(debate_map: DebateMap, now: datetime) -> list[tuple[str, str]]:
    """Return the open attacks in the queue as (attacker, target) labels."""
    items = of_kind(attention(debate_map, now), "open_attack")
    return [(item.argument.label, item.other.label) for item in items if item.argument and item.other]


# -- open attacks -----------------------------------------------------------------------------------------------------


def test_an_attack_nobody_answered_for_a_day_is_listed() -> None:
    """An attack unanswered for OPEN_ATTACK_AFTER is listed with its attacker, its target and when it was posted."""
    b = MapBuilder()
    claim = b.argue("pro", at(0))
    attack = b.argue("con", at(1), attacks=claim)

    items = attention(b.build(), now=at(1) + OPEN_ATTACK_AFTER)

    assert of_kind(items, "open_attack") == [AttentionItem("open_attack", attack, claim, at(1))]


@pytest.mark.parametrize(
    ("open_for", "listed"),
    [(OPEN_ATTACK_AFTER - timedelta(minutes=1), False), (OPEN_ATTACK_AFTER, True)],
    ids=["a minute short", "exactly the wait"],
)
def test_an_unanswered_attack_waits_its_turn(open_for: timedelta, listed: bool) -> None:
    """An unanswered attack joins the queue once it has been open for OPEN_ATTACK_AFTER, not a minute sooner."""
    b = MapBuilder()
    claim = b.argue("pro", at(0))
    b.argue("con", at(1), attacks=claim)

    assert attacks_listed(b.build(), at(1) + open_for) == ([("#2", "#1")] if listed else [])


def _unanswered(b: MapBuilder) -> None:
    claim = b.argue("pro", at(0))
    b.argue("con", at(1), attacks=claim)


def _attacker_attacked_back(b: MapBuilder) -> None:
    claim = b.argue("pro", at(0))
    attack = b.argue("con", at(1), attacks=claim)
    b.argue("pro", at(2), attacks=attack)


def _claim_supported_after(b: MapBuilder) -> None:
    claim = b.argue("pro", at(0))
    b.argue("con", at(1), attacks=claim)
    b.argue("pro", at(2), supports=claim)


def _claim_supported_before(b: MapBuilder) -> None:
    claim = b.argue("pro", at(0))
    b.argue("pro", at(0.5), supports=claim)
    b.argue("con", at(1), attacks=claim)


@pytest.mark.parametrize(
    ("situation", "claim_attack", "listed"),
    [
        (_unanswered, ("#2", "#1"), True),
        (_attacker_attacked_back, ("#2", "#1"), False),
        (_claim_supported_after, ("#2", "#1"), False),
        (_claim_supported_before, ("#3", "#1"), True),
    ],
    ids=["unanswered", "attacker attacked back", "claim supported after", "claim supported only before"],
)
def test_an_answered_attack_is_not_listed(
    situation: Callable[[MapBuilder], None], claim_attack: tuple[str, str], listed: bool
) -> None:
    """An attack answered by a counter-attack or a later support leaves the queue; an earlier support does not."""
    b = MapBuilder()
    situation(b)

    assert (claim_attack in attacks_listed(b.build(), at(72))) is listed


# -- duplicates -------------------------------------------------------------------------------------------------------


def test_a_flagged_duplicate_is_listed() -> None:
    """A duplicate candidate Crux flagged is listed with the argument it may repeat, since it was flagged."""
    b = MapBuilder()
    original = b.argue("pro", at(0))
    repeat = b.argue("pro", at(3), duplicate_of=original)

    items = attention(b.build(), now=at(4))

    assert of_kind(items, "duplicate") == [AttentionItem("duplicate", repeat, original, at(3))]


def test_a_merged_duplicate_is_no_longer_listed() -> None:
    """Once a moderator merges a flagged duplicate, the map read from storage no longer lists it."""
    db = open_database(":memory:")
    store = DebateStore(db)
    debate = store.create_debate(GUILD, CHANNEL, "forum", MOTION, MODERATOR, {"pro": PRO, "con": CON})
    original, repeat = (
        store.add_argument(
            debate_id=debate.id,
            side="pro",
            kind="argument",
            origin="message",
            author_id=ADA,
            author_name="Ada",
            thread_id=PRO,
            message_id=message_id,
            jump_url=f"https://discord.com/channels/{GUILD}/{PRO}/{message_id}",
            text=text,
            posted_at=at(hours),
        )
        for message_id, hours, text in [
            (5001, 0, "A pause only slows the careful labs while reckless developers race ahead."),
            (5002, 1, "A pause only slows the careful labs while the reckless developers race ahead."),
        ]
    )
    store.link(repeat, original, "duplicate_of", "automatic", None)
    assert of_kind(attention(load_map(store, debate), now=at(2)), "duplicate") != []

    Moderation(store, ModerationStore(db)).merge(debate, 2, 1, Actor(MODERATOR, "Mo", GUILD), "from /attention")

    assert of_kind(attention(load_map(store, debate), now=at(2)), "duplicate") == []


# -- edited after attack ----------------------------------------------------------------------------------------------


def test_an_argument_edited_after_it_was_attacked_is_listed() -> None:
    """An argument its author edited after it was attacked is listed, since the edit."""
    b = MapBuilder()
    claim = b.argue("pro", at(0), edited=at(5))
    b.argue("con", at(1), attacks=claim)

    items = attention(b.build(), now=at(6))

    assert of_kind(items, "edited_after_attack") == [AttentionItem("edited_after_attack", claim, None, at(5))]


@pytest.mark.parametrize(
    ("edited", "attacks", "listed"),
    [
        (None, [1], False),
        (0.5, [1], False),
        (1.5, [1], True),
        (1.5, [1, 2], True),
        (5, [], False),
    ],
    ids=["never edited", "edited before the attack", "edited after it", "edited between two attacks", "never attacked"],
)
def test_only_an_edit_after_the_first_attack_counts(edited: float | None, attacks: list[float], listed: bool) -> None:
    """An argument is listed as edited after attack only when an edit came after the first attack on it."""
    b = MapBuilder()
    claim = b.argue("pro", at(0), edited=at(edited) if edited is not None else None)
    for hours in attacks:
        b.argue("con", at(hours), attacks=claim)

    assert bool(of_kind(attention(b.build(), now=at(6)), "edited_after_attack")) is listed


# -- unsourced --------------------------------------------------------------------------------------------------------


def test_a_popular_argument_without_a_source_is_listed() -> None:
    """An argument with a net score of UNSOURCED_VOTES and no confirmed source is listed, since it was posted."""
    b = MapBuilder()
    claim = b.argue("pro", at(2))
    b.vote(claim, up=UNSOURCED_VOTES)

    items = attention(b.build(), now=at(3))

    assert of_kind(items, "unsourced") == [AttentionItem("unsourced", claim, None, at(2))]


@pytest.mark.parametrize(
    ("up", "down", "citation", "listed"),
    [
        (UNSOURCED_VOTES - 1, 0, None, False),
        (UNSOURCED_VOTES + 1, 1, None, True),
        (UNSOURCED_VOTES + 1, 2, None, False),
        (UNSOURCED_VOTES, 0, "suggested", True),
        (UNSOURCED_VOTES, 0, "cited", False),
    ],
    ids=["one vote short", "net score reaches it", "down votes pull it under", "only suggested", "cited by its author"],
)
def test_unsourced_counts_net_votes_and_confirmed_sources(
    up: int, down: int, citation: str | None, listed: bool
) -> None:
    """Unsourced needs a net score of UNSOURCED_VOTES and no source its author cited; a mere suggestion is not one."""
    b = MapBuilder()
    claim = b.argue("pro", at(0))
    b.vote(claim, up, down)
    if citation is not None:
        b.cite(claim, citation)

    assert bool(of_kind(attention(b.build(), now=at(1)), "unsourced")) is listed


# -- quiet sides ------------------------------------------------------------------------------------------------------


def test_a_side_silent_for_a_day_while_the_other_posts_is_listed() -> None:
    """A side with no new argument for QUIET_AFTER while the other side kept posting is listed, since its last one."""
    b = MapBuilder()
    b.argue("pro", at(1))
    b.argue("con", at(2))
    b.argue("con", at(20))

    items = attention(b.build(), now=at(1) + QUIET_AFTER)

    assert of_kind(items, "quiet_side") == [AttentionItem("quiet_side", None, None, at(1), side="pro")]


def _pro_silent_under_a_day(b: MapBuilder) -> None:
    b.argue("pro", at(10))
    b.argue("con", at(20))


def _pro_never_posted(b: MapBuilder) -> None:
    b.argue("con", at(20))


def _pro_only_chatted(b: MapBuilder) -> None:
    b.argue("pro", at(1))
    b.argue("con", at(2))
    b.argue("pro", at(25), kind="comment")


def _nobody_posted(b: MapBuilder) -> None:
    pass


@pytest.mark.parametrize(
    ("situation", "quiet"),
    [
        (_pro_silent_under_a_day, []),
        (_pro_never_posted, [("pro", OPENED)]),
        (_pro_only_chatted, [("pro", at(1))]),
        (_nobody_posted, []),
    ],
    ids=["silent under a day", "never posted", "only comments since", "nobody posted"],
)
def test_quiet_side_needs_a_day_of_silence_against_a_busier_side(
    situation: Callable[[MapBuilder], None], quiet: list[tuple[str, datetime]]
) -> None:
    """A side is quiet after QUIET_AFTER with no numbered argument (counted from the opening) while the other posts."""
    b = MapBuilder()
    situation(b)

    items = of_kind(attention(b.build(), now=at(30)), "quiet_side")

    assert [(item.side, item.since) for item in items] == quiet


def test_a_quiet_side_is_not_reported_in_a_closed_debate() -> None:
    """A closed debate reports no quiet side, however long one side has been silent."""
    b = MapBuilder(status="closed")
    b.argue("pro", at(1))
    b.argue("con", at(20))

    assert of_kind(attention(b.build(), now=at(72)), "quiet_side") == []


# -- the queue as a whole ---------------------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_kind_then_oldest_first() -> None:
    """Items come in the documented order of kinds, whatever their age, and oldest first within a kind."""
    b = MapBuilder()
    first = b.argue("pro", at(0), edited=at(40))  # popular, unsourced since hour 0: older than every attack
    b.argue("con", at(1), attacks=first)
    second = b.argue("con", at(2), edited=at(30))  # attacked after #1 but edited before it
    b.argue("pro", at(3), attacks=second)
    b.argue("con", at(4), duplicate_of=second)
    b.vote(first, up=UNSOURCED_VOTES)

    items = attention(b.build(), now=at(72))

    assert [(item.kind, item.argument.label if item.argument else item.side) for item in items] == [
        ("open_attack", "#2"),
        ("open_attack", "#4"),
        ("duplicate", "#5"),
        ("edited_after_attack", "#3"),
        ("edited_after_attack", "#1"),
        ("unsourced", "#1"),
        ("quiet_side", "pro"),
    ]
