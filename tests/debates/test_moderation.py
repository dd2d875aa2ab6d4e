"""Moderator actions on a debate's map: merge, relink, remove and restore, their audit entries, and the mod-log."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.db.debates import DebateStore
from bot.debates.model import Argument, Debate, Side, Votes
from bot.debates.moderation import MAX_REASON_CHARS, Action, Actor, Moderation
from bot.debates.service import load_map
from bot.errors import DebateError
from bot.services import Services

GUILD, OTHER_GUILD = 111, 222
CHANNEL, MODLOG, OTHER_MODLOG = 500, 600, 700
PRO, CON = 1001, 1002
MODERATOR, ADA, BEN, CY = 1, 7, 8, 9
MO = Actor(MODERATOR, "Mo", GUILD)
MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
POSTED = datetime(2025, 3, 1, 12, tzinfo=UTC)

Post = Callable[..., Argument]


@pytest.fixture
def moderation(services: Services) -> Moderation:
    """Moderator actions over the services' fresh database (the `store` fixture is its debate store)."""
    return services.moderation


@pytest.fixture
def debate(store: DebateStore) -> Debate:
    """Open a debate with a pro and a con thread."""
    return store.create_debate(GUILD, CHANNEL, "forum", MOTION, MODERATOR, {"pro": PRO, "con": CON})


@pytest.fixture
def post(store: DebateStore, debate: Debate) -> Post:
    """Return a function posting the debate's next numbered argument (#1, #2, ...) on a side."""
    message_ids = itertools.count(5001)

    def posting(side: Side = "pro", author: int = ADA) -> Argument:
        message_id = next(message_ids)
        return store.add_argument(
            debate_id=debate.id,
            side=side,
            kind="argument",
            origin="message",
            author_id=author,
            author_name={ADA: "Ada", BEN: "Ben", CY: "Cy"}[author],
            thread_id=debate.thread_for(side),
            message_id=message_id,
            jump_url=f"https://discord.com/channels/{GUILD}/{debate.thread_for(side)}/{message_id}",
            text=f"Argument posted as message {message_id}, long enough to be numbered.",
            posted_at=POSTED,
        )

    return posting


def cite(store: DebateStore, argument: Argument, excerpt_id: int) -> None:
    """Have an argument's author cite a source excerpt for it."""
    citation = store.add_citation(
        argument,
        excerpt_id=excerpt_id,
        document_id=1,
        document_title="Why a pause is hard to verify",
        paragraph=excerpt_id,
        sentence="Export controls already track where those chips are shipped.",
        similarity=0.8,
    )
    store.confirm_citation(citation, argument.author_id)


def map_links(store: DebateStore, debate: Debate) -> list[tuple[str, str, str]]:
    """Return the supports and attacks on the map as (source, relation, target) labels, sorted."""
    debate_map = load_map(store, debate)
    numbered = debate_map.numbered
    return sorted((numbered[k.source_id].label, k.relation, numbered[k.target_id].label) for k in debate_map.relations)


def links_between(store: DebateStore, debate: Debate, source: Argument, target: Argument) -> list[tuple[str, str]]:
    """Return every stored link from source to target as (relation, method)."""
    return sorted(
        (k.relation, k.method) for k in store.links(debate.id) if (k.source_id, k.target_id) == (source.id, target.id)
    )


def last_entry(moderation: Moderation, debate: Debate) -> tuple:
    """Return the newest audit entry as (action, who, server, argument, target, reason), arguments by label."""
    entry = moderation.audit.audit_log(debate.id)[-1]

    def label(argument_id: int | None) -> str | None:
        return moderation.store.argument(argument_id).label if argument_id is not None else None

    return (
        entry.action,
        entry.actor_id,
        entry.actor_name,
        entry.guild_id,
        label(entry.argument_id),
        label(entry.target_id),
        entry.reason,
    )


# -- merge ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_survivor", "on_duplicate", "expected"),
    [(1, 1, Votes(up=3, down=0)), (1, -1, Votes(up=3, down=0)), (-1, 1, Votes(up=2, down=1))],
    ids=["agreed both times", "up here, down there", "down here, up there"],
)
def test_merge_keeps_one_vote_for_a_member_who_voted_on_both(
    store: DebateStore,
    moderation: Moderation,
    debate: Debate,
    post: Post,
    on_survivor: int,
    on_duplicate: int,
    expected: Votes,
) -> None:
    """A member who voted on both keeps exactly one vote, the one on the survivor; the others' votes add up."""
    survivor, duplicate = post(), post()
    store.set_vote(survivor, ADA, 1)
    store.set_vote(duplicate, BEN, 1)
    store.set_vote(survivor, CY, on_survivor)
    store.set_vote(duplicate, CY, on_duplicate)

    moderation.merge(debate, 2, 1, MO)

    assert load_map(store, debate).votes == {survivor.id: expected}


def test_merge_moves_links_both_ways_to_the_survivor(
    store: DebateStore, moderation: Moderation, debate: Debate, post: Post
) -> None:
    """What supported the duplicate now supports the survivor, and what the duplicate attacked the survivor attacks."""
    _survivor, duplicate, backing, rival = post(), post(), post(), post("con")
    store.link(backing, duplicate, "supports", "reply", ADA)
    store.link(duplicate, rival, "attacks", "rebut", ADA)

    moderation.merge(debate, 2, 1, MO)

    assert map_links(store, debate) == [("#1", "attacks", "#4"), ("#3", "supports", "#1")]


def test_merge_drops_a_link_the_survivor_already_has(
    store: DebateStore, moderation: Moderation, debate: Debate, post: Post
) -> None:
    """An argument that supported both the duplicate and the survivor supports the survivor once after the merge."""
    survivor, duplicate, backing = post(), post(), post()
    store.link(backing, survivor, "supports", "reply", ADA)
    store.link(backing, duplicate, "supports", "reply", ADA)

    moderation.merge(debate, 2, 1, MO)

    assert map_links(store, debate) == [("#3", "supports", "#1")]


def test_merge_moves_citations_to_the_survivor(
    store: DebateStore, moderation: Moderation, debate: Debate, post: Post
) -> None:
    """A source cited by the duplicate is cited by the survivor after the merge, still confirmed."""
    survivor, duplicate = post(), post()
    cite(store, duplicate, excerpt_id=11)

    moderation.merge(debate, 2, 1, MO)

    assert [(c.argument_id, c.excerpt_id, c.status) for c in load_map(store, debate).citations] == [
        (survivor.id, 11, "cited")
    ]


def test_merge_summary_counts_what_moved(
    store: DebateStore, moderation: Moderation, debate: Debate, post: Post
) -> None:
    """The moderator is told how many links, votes and citations moved; a colliding vote is not counted."""
    survivor, duplicate, backing, rival = post(), post(), post(), post("con")
    store.link(backing, duplicate, "supports", "reply", ADA)
    store.link(rival, duplicate, "attacks", "rebut", BEN)
    store.set_vote(survivor, CY, 1)
    store.set_vote(duplicate, CY, 1)
    store.set_vote(duplicate, BEN, 1)
    cite(store, duplicate, excerpt_id=11)

    action = moderation.merge(debate, 2, 1, MO)

    assert action.summary == (
        "Merged #2 into #1: 2 links, 1 votes and 1 citations moved. #2 stays stored and points to #1."
    )


def _self_merge(m: Moderation, d: Debate) -> None:
    m.merge(d, 1, 1, MO)


def _merge_twice(m: Moderation, d: Debate) -> None:
    m.merge(d, 2, 1, MO)
    m.merge(d, 2, 3, MO)


def _merge_into_removed(m: Moderation, d: Debate) -> None:
    m.remove(d, 1, "off topic", MO)
    m.merge(d, 2, 1, MO)


def _merge_into_merged(m: Moderation, d: Debate) -> None:
    m.merge(d, 1, 3, MO)
    m.merge(d, 2, 1, MO)


def _merge_into_deleted(m: Moderation, d: Debate) -> None:
    first = m.store.argument_by_number(d.id, 1)
    assert first is not None
    m.store.mark_deleted(first, POSTED)
    m.merge(d, 2, 1, MO)


@pytest.mark.parametrize(
    ("attempt", "message"),
    [
        (_self_merge, r"An argument cannot be merged into itself: pick two different numbers\."),
        (_merge_twice, r"#2 was already merged\. `/argument show number:2` says where\."),
        (_merge_into_removed, r"#1 is not on the map \(removed, deleted or merged\); merge into a visible argument\."),
        (_merge_into_merged, r"#1 is not on the map"),
        (_merge_into_deleted, r"#1 is not on the map"),
    ],
    ids=["into itself", "already merged", "into a removed one", "into a merged one", "into a deleted one"],
)
def test_merge_is_refused_when_it_cannot_be_done(
    moderation: Moderation, debate: Debate, post: Post, attempt: Callable[[Moderation, Debate], None], message: str
) -> None:
    """Merging into itself, merging twice, or merging into an argument off the map is refused with the reason."""
    post(), post(), post()

    with pytest.raises(DebateError, match=message):
        attempt(moderation, debate)


# -- relink -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "relation", "after"),
    [
        ("supports", "attacks", [("attacks", "moderator")]),
        ("attacks", "supports", [("supports", "moderator")]),
        ("supports", "none", []),
        ("attacks", "none", []),
        (None, "supports", [("supports", "moderator")]),
    ],
    ids=["supports to attacks", "attacks to supports", "supports to none", "attacks to none", "none to supports"],
)
def test_relink_leaves_exactly_the_chosen_relation(
    store: DebateStore,
    moderation: Moderation,
    debate: Debate,
    post: Post,
    before: str | None,
    relation: str,
    after: list[tuple[str, str]],
) -> None:
    """Relinking replaces whatever supports or attacks link ran between the two with the one chosen, or none."""
    target, source = post(), post()
    if before is not None:
        store.link(source, target, before, "reply", ADA)

    moderation.relink(debate, 2, 1, relation, MO)

    assert links_between(store, debate, source, target) == after


def test_relink_to_none_keeps_a_duplicate_flag(
    store: DebateStore, moderation: Moderation, debate: Debate, post: Post
) -> None:
    """Unlinking removes supports and attacks only: a duplicate_of flag between the two stays."""
    target, source = post(), post()
    store.link(source, target, "supports", "reply", ADA)
    store.link(source, target, "duplicate_of", "automatic", None)

    moderation.relink(debate, 2, 1, "none", MO)

    assert links_between(store, debate, source, target) == [("duplicate_of", "automatic")]


@pytest.mark.parametrize(
    ("relation", "summary"),
    [
        ("supports", "#2 now supports #1."),
        ("attacks", "#2 now attacks #1."),
        ("none", "#2 no longer supports or attacks #1."),
    ],
)
def test_relink_records_the_relation_chosen(
    moderation: Moderation, debate: Debate, post: Post, relation: str, summary: str
) -> None:
    """A relink's audit entry names the relation chosen in its detail, and the moderator reads what changed."""
    post(), post()

    action = moderation.relink(debate, 2, 1, relation, MO)

    assert (json.loads(action.entry.detail or "{}"), action.summary) == ({"relation": relation}, summary)


@pytest.mark.parametrize(
    ("number", "relation", "message"),
    [
        (2, "rebuts", r"The relation must be one of supports, attacks, responds_to, none\."),
        (1, "attacks", r"An argument cannot support or attack itself: pick two different numbers\."),
    ],
    ids=["unknown relation", "onto itself"],
)
def test_relink_is_refused_when_it_makes_no_sense(
    moderation: Moderation, debate: Debate, post: Post, number: int, relation: str, message: str
) -> None:
    """An unknown relation, or an argument linked to itself, is refused with the reason."""
    post(), post()

    with pytest.raises(DebateError, match=message):
        moderation.relink(debate, number, 1, relation, MO)


# -- remove and restore -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n\t "], ids=["empty", "only whitespace"])
def test_remove_without_a_reason_is_refused(moderation: Moderation, debate: Debate, post: Post, reason: str) -> None:
    """Removing without a reason is refused, saying that one is needed and where it goes."""
    post()

    with pytest.raises(DebateError, match=r"Give a reason: it is kept in the audit log and shown in the mod-log\."):
        moderation.remove(debate, 1, reason, MO)


def _merge(m: Moderation, d: Debate, reason: str | None) -> Action:
    return m.merge(d, 2, 1, MO, reason)


def _remove(m: Moderation, d: Debate, reason: str | None) -> Action:
    return m.remove(d, 1, reason or "", MO)


def _restore(m: Moderation, d: Debate, reason: str | None) -> Action:
    m.remove(d, 1, "off topic", MO)
    return m.restore(d, 1, MO, reason)


def _relink(m: Moderation, d: Debate, reason: str | None) -> Action:
    return m.relink(d, 2, 1, "attacks", MO, reason)


@pytest.mark.parametrize("action", [_remove, _restore, _relink], ids=["remove", "restore", "relink"])
def test_a_reason_over_the_cap_is_refused(
    moderation: Moderation, debate: Debate, post: Post, action: Callable[[Moderation, Debate, str | None], Action]
) -> None:
    """A reason longer than MAX_REASON_CHARS is refused, saying how long it may be."""
    post(), post()

    with pytest.raises(DebateError, match=rf"Keep the reason under {MAX_REASON_CHARS} characters\."):
        action(moderation, debate, "x" * (MAX_REASON_CHARS + 1))


def test_a_reason_at_the_cap_is_kept_whole(moderation: Moderation, debate: Debate, post: Post) -> None:
    """A reason of exactly MAX_REASON_CHARS is accepted and logged in full."""
    post()

    action = moderation.remove(debate, 1, "x" * MAX_REASON_CHARS, MO)

    assert action.entry.reason == "x" * MAX_REASON_CHARS


def test_a_reason_is_logged_on_one_line(store: DebateStore, moderation: Moderation, debate: Debate, post: Post) -> None:
    """A reason's runs of spaces and line breaks are logged, and shown on the argument, as single spaces."""
    argument = post()

    action = moderation.remove(debate, 1, "  repeats\n\nthe   thread title ", MO)

    assert (action.entry.reason, store.argument(argument.id).removed_reason) == ("repeats the thread title",) * 2


def _restore_visible(m: Moderation, d: Debate) -> None:
    m.restore(d, 1, MO)


def _remove_twice(m: Moderation, d: Debate) -> None:
    m.remove(d, 1, "spam", MO)
    m.remove(d, 1, "spam again", MO)


@pytest.mark.parametrize(
    ("attempt", "message"),
    [
        (_restore_visible, r"#1 is not removed, so there is nothing to restore\."),
        (_remove_twice, r"#1 is already removed\. `/argument restore number:1` brings it back\."),
    ],
    ids=["restore what is on the map", "remove twice"],
)
def test_remove_and_restore_refuse_what_is_already_done(
    moderation: Moderation, debate: Debate, post: Post, attempt: Callable[[Moderation, Debate], None], message: str
) -> None:
    """Restoring an argument that is on the map, or removing one already removed, is refused with what to do."""
    post()

    with pytest.raises(DebateError, match=message):
        attempt(moderation, debate)


# -- the audit log ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("act", "reason", "expected"),
    [
        (_merge, "same point twice", ("merge", MODERATOR, "Mo", GUILD, "#2", "#1", "same point twice")),
        (_remove, "off topic", ("remove", MODERATOR, "Mo", GUILD, "#1", None, "off topic")),
        (_restore, "removed by mistake", ("restore", MODERATOR, "Mo", GUILD, "#1", None, "removed by mistake")),
        (_restore, None, ("restore", MODERATOR, "Mo", GUILD, "#1", None, None)),
        (_relink, "a rebuttal", ("relink", MODERATOR, "Mo", GUILD, "#2", "#1", "a rebuttal")),
    ],
    ids=["merge", "remove", "restore", "restore without a reason", "relink"],
)
def test_every_action_is_logged_with_who_and_why(
    moderation: Moderation,
    debate: Debate,
    post: Post,
    act: Callable[[Moderation, Debate, str | None], Action],
    reason: str | None,
    expected: tuple,
) -> None:
    """Each action appends an audit entry naming the action, the moderator, the server, the arguments and the reason."""
    post(), post()

    act(moderation, debate, reason)

    assert last_entry(moderation, debate) == expected


def test_the_action_returned_is_the_entry_logged(moderation: Moderation, debate: Debate, post: Post) -> None:
    """The entry an action hands back (for the mod-log report) is the one stored in the audit log."""
    post(), post()

    action = moderation.merge(debate, 2, 1, MO)

    assert moderation.audit.audit_log(debate.id) == [action.entry]


def test_a_merge_logs_what_moved(store: DebateStore, moderation: Moderation, debate: Debate, post: Post) -> None:
    """A merge's audit entry records how many links, votes and citations moved."""
    _survivor, duplicate, backing = post(), post(), post()
    store.link(backing, duplicate, "supports", "reply", ADA)
    store.set_vote(duplicate, BEN, 1)

    action = moderation.merge(debate, 2, 1, MO)

    assert json.loads(action.entry.detail or "{}") == {"links": 1, "votes": 1, "citations": 0}


@pytest.mark.parametrize(
    ("attempt", "message"),
    [
        (lambda m, d: m.merge(d, 1, 1, MO), r"cannot be merged into itself"),
        (lambda m, d: m.remove(d, 1, "", MO), r"Give a reason"),
        (lambda m, d: m.restore(d, 1, MO), r"#1 is not removed"),
        (lambda m, d: m.relink(d, 2, 1, "rebuts", MO), r"The relation must be one of"),
        (lambda m, d: m.remove(d, 9, "spam", MO), r"Debate 1 has no argument #9\. `/map show` lists the numbers\."),
    ],
    ids=["self-merge", "remove without reason", "restore of a visible one", "unknown relation", "unknown number"],
)
def test_a_refused_action_is_not_logged(
    moderation: Moderation, debate: Debate, post: Post, attempt: Callable[[Moderation, Debate], object], message: str
) -> None:
    """An action that was refused leaves the audit log empty."""
    post(), post()

    with pytest.raises(DebateError, match=message):
        attempt(moderation, debate)

    assert moderation.audit.audit_log(debate.id) == []


# -- the mod-log channel ----------------------------------------------------------------------------------------------


def test_no_modlog_channel_until_one_is_set(moderation: Moderation) -> None:
    """A server reports its moderator actions nowhere until a channel is set."""
    assert moderation.modlog_channel(GUILD) is None


def test_modlog_channel_can_be_set_changed_and_cleared(moderation: Moderation) -> None:
    """Setting a channel reports there, setting another moves it, and clearing stops reporting."""
    seen = []
    for channel in (MODLOG, OTHER_MODLOG, None):
        moderation.set_modlog_channel(GUILD, channel)
        seen.append(moderation.modlog_channel(GUILD))

    assert seen == [MODLOG, OTHER_MODLOG, None]


def test_each_server_has_its_own_modlog_channel(moderation: Moderation) -> None:
    """One server's mod-log channel is not another's."""
    moderation.set_modlog_channel(GUILD, MODLOG)
    moderation.set_modlog_channel(OTHER_GUILD, OTHER_MODLOG)
    moderation.set_modlog_channel(GUILD, None)

    assert (moderation.modlog_channel(GUILD), moderation.modlog_channel(OTHER_GUILD)) == (None, OTHER_MODLOG)
