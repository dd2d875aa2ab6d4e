"""The argument map's records: debates, arguments, links, votes and citations, and a debate's whole map.

Plain dataclasses, read and written by the stores in bot/db/ and used by every feature; nothing here touches SQLite
or Discord.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Side = Literal["pro", "con"]
#: responds_to is a reply whose relation is untyped: it answers the target without saying whether it agrees.
Relation = Literal["supports", "attacks", "duplicate_of", "responds_to"]
SIDES: tuple[Side, Side] = ("pro", "con")


def other_side(side: Side) -> Side:
    """Return the opposing side."""
    return "con" if side == "pro" else "pro"


@dataclass(frozen=True)
class Debate:
    """A debate: its motion, where it runs and its threads by side."""

    id: int
    guild_id: int
    channel_id: int
    kind: str
    motion: str
    status: str
    citations: str
    created_by: int
    created_at: str
    closed_by: int | None
    closed_at: str | None
    #: The debate's number in its server, as members see it; `id` is internal.
    number: int
    threads: dict[str, int] = field(default_factory=dict)

    @property
    def opened_on(self) -> str:
        """Return the day it was opened, as YYYY-MM-DD."""
        return self.created_at[:10]

    def thread_for(self, side: Side) -> int:
        """Return the id of this debate's thread for a side."""
        return self.threads[side]


@dataclass(frozen=True)
class Argument:
    """One captured message: an argument with a number, or a comment without one."""

    id: int
    debate_id: int
    number: int | None
    side: Side
    kind: str
    origin: str
    author_id: int
    author_name: str
    thread_id: int
    message_id: int
    jump_url: str
    text: str
    posted_at: str
    edited_at: str | None
    deleted_at: str | None
    removed_at: str | None = None
    removed_by: int | None = None
    removed_reason: str | None = None
    merged_into: int | None = None

    @property
    def visible(self) -> bool:
        """Return whether the argument shows in views and exports (not deleted, removed or merged away)."""
        return self.deleted_at is None and self.removed_at is None and self.merged_into is None

    @property
    def order(self) -> int:
        """Return its number for sorting (a comment, which has none, sorts first)."""
        return self.number or 0

    @property
    def label(self) -> str:
        """Return how members refer to it: #n for an argument, 'comment' for chatter."""
        return f"#{self.number}" if self.number is not None else "comment"


@dataclass(frozen=True)
class Link:
    """A relation from one argument to another, with who made it and how."""

    id: int
    debate_id: int
    source_id: int
    target_id: int
    relation: str
    method: str
    made_by: int | None
    created_at: str


@dataclass(frozen=True)
class Revision:
    """An earlier text of an argument, kept when it was edited."""

    argument_id: int
    text: str
    replaced_at: str


@dataclass(frozen=True)
class Citation:
    """A source excerpt suggested for, or cited by, an argument."""

    id: int
    argument_id: int
    excerpt_id: int
    document_id: int
    document_title: str
    paragraph: int
    sentence: str
    status: str
    similarity: float | None
    created_at: str
    confirmed_by: int | None
    confirmed_at: str | None


@dataclass(frozen=True)
class AuditEntry:
    """A moderator's action on the map, with who did it, when and why."""

    id: int
    guild_id: int
    debate_id: int
    actor_id: int
    actor_name: str
    action: str
    argument_id: int | None
    target_id: int | None
    reason: str | None
    detail: str | None
    created_at: str


@dataclass(frozen=True)
class Votes:
    """The 👍 and 👎 votes an argument has."""

    up: int = 0
    down: int = 0


@dataclass(frozen=True)
class DebateThread:
    """One of a debate's threads (open or closed), with the last message captured from it."""

    thread_id: int
    debate_id: int
    side: Side
    last_message_id: int


#: The relations that make one argument answer another (a duplicate_of link does not); responds_to is a plain reply.
ANSWERS = ("supports", "attacks", "responds_to")


@dataclass(frozen=True)
class DebateMap:
    """A debate's visible arguments, the links between them, votes and citations, read from storage alone."""

    debate: Debate
    arguments: list[Argument]
    links: list[Link]
    votes: dict[int, Votes]
    citations: list[Citation]

    @cached_property
    def numbered(self) -> dict[int, Argument]:
        """Return the arguments (not comments) by row id, in the order they were posted."""
        return {a.id: a for a in self.arguments if a.kind == "argument" and a.number is not None}

    @cached_property
    def relations(self) -> list[Link]:
        """Return the supports, attacks and plain replies (responds_to) between two numbered arguments, oldest first."""
        return [
            link
            for link in self.links
            if link.relation in ANSWERS and link.source_id in self.numbered and link.target_id in self.numbered
        ]

    @cached_property
    def duplicates(self) -> list[Link]:
        """Return the duplicate_of links between two numbered arguments, oldest first."""
        return [
            link
            for link in self.links
            if link.relation == "duplicate_of" and link.source_id in self.numbered and link.target_id in self.numbered
        ]

    def children(self, argument: Argument) -> list[tuple[str, Argument]]:
        """Return (relation, argument) for each argument that supports, attacks or replies to this one, oldest first."""
        return self._children.get(argument.id, [])

    def roots(self, side: Side) -> list[Argument]:
        """Return a side's top-level arguments: those that support, attack or reply to no other argument."""
        sources = {link.source_id for link in self.relations}
        return [a for a in self.numbered.values() if a.side == side and a.id not in sources]

    @cached_property
    def _children(self) -> dict[int, list[tuple[str, Argument]]]:
        children: dict[int, list[tuple[str, Argument]]] = defaultdict(list)
        for link in self.relations:
            children[link.target_id].append((link.relation, self.numbered[link.source_id]))
        for found in children.values():
            found.sort(key=lambda pair: pair[1].message_id)
        return dict(children)


@dataclass(frozen=True)
class StanceChange:
    """A member declaring where they stand on a debate's motion (-2 strongly against … 2 strongly for), and when.

    Every change is kept; a member's latest one is their declared stance.
    """

    debate_id: int
    member_id: int
    value: int
    declared_at: str


@dataclass(frozen=True)
class CruxMark:
    """A member marking an argument as one that would change their mind if it held."""

    debate_id: int
    argument_id: int
    member_id: int
    marked_at: str


@dataclass(frozen=True)
class Delta:
    """A changed mind (Δ): a member says an argument changed their mind, and why; awarded to its author."""

    id: int
    debate_id: int
    argument_id: int
    awarded_by: int
    awarded_to: int
    explanation: str
    awarded_at: str
