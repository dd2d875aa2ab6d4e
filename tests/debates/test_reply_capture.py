"""Replies typed when captured: supports, attacks or responds_to, from the words and the replier's stance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.debates.hinges import replier_side
from bot.debates.model import Argument, Debate
from bot.debates.moderation import Actor
from bot.errors import DebateError
from bot.services import Services
from tests.debates.conftest import ADA, BEN, CHIPS, CON, CY, GUILD, MODERATOR, PRO, RACE, TIME, post

LAG_PLAIN = "Interpretability research lags years behind capabilities and the gap keeps widening."


def reply(services: Services, ids: Iterator[int], thread: int, text: str, to: Argument, author: int = BEN):
    """Post a reply to an argument and return the link it made (None when it made none)."""
    captured = post(services, ids, thread, text, author=author, reply_to=to.message_id)
    links = [link for link in services.debates.store.links(to.debate_id) if link.source_id == captured.id]
    return links[0] if links else None


@pytest.mark.parametrize(
    ("text", "relation"),
    [
        ("No, that ignores how cheap cloud compute has become for everyone.", "attacks"),
        ("That's wrong: export controls have leaked for years through resellers.", "attacks"),
        ("Agreed, and the chip supply chain makes it even easier to check.", "supports"),
        ("Exactly. Inspectors already audit far harder things than data centres.", "supports"),
        ("Can you explain how inspectors would get access to private data centres?", "responds_to"),
    ],
)
def test_a_reply_is_typed_by_how_it_opens(
    services: Services, debate: Debate, ids: Iterator[int], text: str, relation: str
) -> None:
    """A reply that disagrees attacks, one that agrees supports, a question only responds; all made by reply."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    link = reply(services, ids, PRO, text, target)
    assert link is not None
    assert (link.relation, link.method, link.made_by) == (relation, "reply", BEN)


def test_a_reply_from_the_other_side_is_an_attack(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A Con member replying in the Pro thread, with no cue either way, attacks: that is where they stand."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    services.hinges.declare(debate, BEN, -2)
    assert reply(services, ids, PRO, LAG_PLAIN, target).relation == "attacks"  # type: ignore[union-attr]


def test_a_reply_in_the_other_sides_thread_is_linked_too(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """A reply posted in the Con thread to a Pro argument (a forwarded reply) is linked, as an attack."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    assert reply(services, ids, CON, LAG_PLAIN, target).relation == "attacks"  # type: ignore[union-attr]


def test_a_plain_reply_with_nothing_to_go_on_is_untyped(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A member with no stance replying in the target's thread with no cue gets responds_to, not a guess.

    Their reply itself does not count as evidence of their stance (it would make them Pro, and the reply a support).
    """
    target = post(services, ids, PRO, CHIPS, author=ADA)
    assert reply(services, ids, PRO, LAG_PLAIN, target).relation == "responds_to"  # type: ignore[union-attr]


def test_a_same_side_member_replying_plainly_supports(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A member who argued on Pro before, replying plainly in the Pro thread to a Pro argument, supports it."""
    post(services, ids, PRO, TIME, author=BEN)
    target = post(services, ids, PRO, CHIPS, author=ADA)
    assert reply(services, ids, PRO, LAG_PLAIN, target).relation == "supports"  # type: ignore[union-attr]


def test_the_repliers_side_is_declared_else_inferred_without_the_reply(
    services: Services, debate: Debate, ids: Iterator[int]
) -> None:
    """replier_side reads the declared stance first, then posts (other than the reply), then votes."""
    store = services.debates.store
    con_point = post(services, ids, CON, RACE, author=ADA)
    the_reply = post(services, ids, PRO, LAG_PLAIN, author=BEN)
    assert replier_side(store, debate.id, BEN, the_reply.id) is None
    services.capture.vote(con_point.message_id, BEN, "👍", added=True)
    assert replier_side(store, debate.id, BEN, the_reply.id) == "con"
    services.hinges.declare(debate, BEN, 2)
    assert replier_side(store, debate.id, BEN, the_reply.id) == "pro"


# -- set by people ----------------------------------------------------------------------------------------------------


def test_the_author_sets_a_replys_relation(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """The reply's author turns Crux's responds_to into attacks: one link, marked as set by its author."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    reply(services, ids, PRO, LAG_PLAIN, target)
    source, found, link = services.hinges.reply_pair(target.message_id + 1, target.message_id)
    assert (found.id, link.relation) == (target.id, "responds_to")  # type: ignore[union-attr]
    services.hinges.relate_reply(source, target, "attacks", BEN)
    links = [x for x in services.debates.store.links(debate.id) if x.source_id == source.id]
    assert [(x.relation, x.method, x.made_by) for x in links] == [("attacks", "author", BEN)]


def test_only_the_author_sets_it_as_author(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Someone else's reply cannot be retyped through the author's path."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    the_reply = post(services, ids, PRO, LAG_PLAIN, author=BEN, reply_to=target.message_id)
    with pytest.raises(DebateError, match="Only the author of #2"):
        services.hinges.relate_reply(the_reply, target, "supports", CY)


def test_a_moderator_sets_it_through_the_audited_relink(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """A moderator's choice replaces the reply link (method moderator) and is in the audit log."""
    target = post(services, ids, PRO, CHIPS, author=ADA)
    the_reply = post(
        services, ids, PRO, "No, that is not how export controls work.", author=BEN, reply_to=target.message_id
    )
    action = services.moderation.relink(
        debate, 2, 1, "responds_to", Actor(MODERATOR, "Mo", GUILD), "Set reply relation"
    )
    assert action.summary == "#2 now responds to #1."
    links = [x for x in services.debates.store.links(debate.id) if x.source_id == the_reply.id]
    assert [(x.relation, x.method, x.made_by) for x in links] == [("responds_to", "moderator", MODERATOR)]
    assert [(e.action, e.reason) for e in services.moderation.audit.audit_log(debate.id)] == [
        ("relink", "Set reply relation")
    ]


def test_a_message_that_is_no_reply_is_refused(services: Services, debate: Debate, ids: Iterator[int]) -> None:
    """Set reply relation on a message that replies to nothing says what it is for."""
    lone = post(services, ids, PRO, CHIPS, author=ADA)
    with pytest.raises(DebateError, match="not a reply to an argument"):
        services.hinges.reply_pair(lone.message_id, None)
