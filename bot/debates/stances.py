"""Stances: where a member stands on a debate's motion, on a five-point scale, declared or inferred.

A member declares a stance with the scale's buttons; until they do, `infer_stance` reads one from what they posted
and voted. Either way a stance's side (`stance_side`) is what bot/debates/relations.py compares with the side of the
argument a member replies to. Pure Python over the map's records: no Discord, no SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.db import parse_time
from bot.debates.model import Argument, Side

StanceValue = Literal[-2, -1, 0, 1, 2]


@dataclass(frozen=True)
class StancePoint:
    """One point of the scale: its value, the label a member reads and the emoji on its button."""

    value: StanceValue
    label: str
    emoji: str


#: The scale, from strongly against the motion to strongly for it, in the order the buttons show.
SCALE: tuple[StancePoint, ...] = (
    StancePoint(-2, "Strongly against", "⏬"),
    StancePoint(-1, "Against", "🔽"),
    StancePoint(0, "Unsure", "🤔"),
    StancePoint(1, "For", "🔼"),
    StancePoint(2, "Strongly for", "⏫"),
)
_BY_VALUE: dict[int, StancePoint] = {point.value: point for point in SCALE}


@dataclass(frozen=True)
class Stance:
    """A member's stance on a debate's motion: its value on the scale, whether they declared it, and since when."""

    member: int
    value: StanceValue
    declared: bool
    at: datetime

    @property
    def side(self) -> Side | None:
        """Return the side the stance is on, None when unsure."""
        return stance_side(self.value)

    @property
    def point(self) -> StancePoint:
        """Return the scale point of the stance (its label and emoji)."""
        return stance_point(self.value)


@dataclass(frozen=True)
class MemberVote:
    """A member's vote on one argument, as the votes table holds it: +1 (👍) or -1 (👎), and when it was cast."""

    argument_id: int
    value: int
    voted_at: str


def stance_point(value: int) -> StancePoint:
    """Return the scale point with this value; ValueError if it is not on the scale (-2 to 2)."""
    try:
        return _BY_VALUE[value]
    except KeyError:
        raise ValueError(f"a stance is -2 to 2, not {value}") from None


def stance_side(value: int) -> Side | None:
    """Return the side a stance value is on: 'pro' for the motion, 'con' against it, None when unsure."""
    stance_point(value)
    if value > 0:
        return "pro"
    if value < 0:
        return "con"
    return None


def infer_stance(
    member_id: int, arguments: Iterable[Argument], votes_by_member: Mapping[int, Iterable[MemberVote]]
) -> Stance | None:
    """Infer a member's stance from one debate's arguments and votes; None when they show no side.

    The rule, in order:

    1. Posts. Count the member's numbered arguments (not comments; deleted or removed ones do not count, merged
       duplicates do: they still show where the member argued) by the side of the thread they were posted in. The
       side with more is their stance; equal counts (some posted on both sides) give None, and votes are not read.
    2. Votes, only for a member with no counted argument. Their net up-votes on Pro arguments minus their net
       up-votes on Con arguments: a 👍 on Pro or a 👎 on Con counts +1, a 👎 on Pro or a 👍 on Con counts -1. Above
       zero is 'for', below zero 'against', zero None. Only votes on the numbered arguments passed in are read.

    An inferred stance is never 'strongly' anything: its value is 1 (for) or -1 (against), declared=False, and its
    `at` is when its latest evidence was posted or cast.
    """
    counted = [
        argument
        for argument in arguments
        if argument.kind == "argument"
        and argument.number is not None
        and argument.deleted_at is None
        and argument.removed_at is None
    ]
    posted = [argument for argument in counted if argument.author_id == member_id]
    if posted:
        by_side = Counter(argument.side for argument in posted)
        if by_side["pro"] == by_side["con"]:
            return None
        side: Side = "pro" if by_side["pro"] > by_side["con"] else "con"
        latest = max(parse_time(argument.posted_at) for argument in posted if argument.side == side)
        return Stance(member_id, _value(side), declared=False, at=latest)

    sides = {argument.id: argument.side for argument in counted}
    votes = [vote for vote in votes_by_member.get(member_id, ()) if vote.argument_id in sides and vote.value]
    net = sum((1 if vote.value > 0 else -1) * (1 if sides[vote.argument_id] == "pro" else -1) for vote in votes)
    if net == 0:
        return None
    side = "pro" if net > 0 else "con"
    return Stance(member_id, _value(side), declared=False, at=max(parse_time(vote.voted_at) for vote in votes))


def _value(side: Side) -> StanceValue:
    return 1 if side == "pro" else -1
