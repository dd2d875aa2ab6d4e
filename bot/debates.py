"""Debates as argument maps: capture messages, link replies and rebuttals, count votes, suggest sources."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.db.debates import (
    SIDES,
    Argument,
    Citation,
    Debate,
    DebateStore,
    Link,
    OpenThread,
    Relation,
    Side,
    Votes,
    other_side,
)
from bot.documents import text_hash
from bot.errors import CruxError
from bot.library import Hit, Library

# Both measured by benchmarks/thresholds.py over tests/data/argument_samples.json (README, "Thresholds").
# A source excerpt is suggested when its cosine similarity to the argument reaches this (precision 0.91, recall 0.91;
# no off-topic message reaches it).
CITATION_THRESHOLD = 0.47
# MiniLM scores "same topic, opposite claim" as high as "same claim, other words", so only near-verbatim repeats on
# the same side are flagged: at this similarity none of 25 hard negative pairs is flagged (and no true paraphrase).
DUPLICATE_THRESHOLD = 0.85
# Messages with fewer words than this ("lol", "+1", "good point") are kept as comments, not numbered arguments.
MIN_ARGUMENT_WORDS = 3
MAX_ARGUMENT_CHARS = 4000
CITATION_MODES = ("on", "quiet", "off")
VOTE_EMOJI = {"👍": 1, "👎": -1}


class DebateError(CruxError):
    """A debate action that cannot be done as asked."""


@dataclass(frozen=True)
class IncomingMessage:
    """A message seen in a debate thread, as the capture needs it."""

    message_id: int
    thread_id: int
    author_id: int
    author_name: str
    content: str
    posted_at: str
    jump_url: str
    reply_to: int | None = None


@dataclass(frozen=True)
class Captured:
    """What capturing a message did: the stored argument, whether it was new, and the link a reply made."""

    argument: Argument
    new: bool
    link: Link | None = None


@dataclass(frozen=True)
class Analysis:
    """What Crux found about a new argument: a source excerpt to suggest and an earlier argument it repeats."""

    argument: Argument
    citation: Citation | None
    duplicate_of: Argument | None


ANSWERS = ("supports", "attacks")
# Deeper reply chains continue in a new top-level tree: no reader follows a list nested 20 deep, and the Argdown
# parser fails at about 270 levels of indentation.
MAX_DEPTH = 20


@dataclass(frozen=True)
class TreeLine:
    """One mention of an argument in a side's tree.

    At its `first` mention an argument's text is shown and its supports and attacks follow, one level deeper. Later
    mentions (a second target, a cycle) refer back to it. An argument first met at MAX_DEPTH is `continued` in a
    tree of its own.
    """

    depth: int
    relation: str | None
    argument: Argument
    votes: Votes
    first: bool = True
    continued: bool = False


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
        """Return the supports and attacks between two numbered arguments, oldest first."""
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
        """Return (relation, argument) for each argument that supports or attacks this one, oldest first."""
        return self._children.get(argument.id, [])

    def roots(self, side: Side) -> list[Argument]:
        """Return a side's top-level arguments: those that support or attack no other argument."""
        sources = {link.source_id for link in self.relations}
        return [a for a in self.numbered.values() if a.side == side and a.id not in sources]

    def tree(self, side: Side) -> list[TreeLine]:
        """Return a side's trees in pre-order: roots first, supports and attacks nested under what they answer.

        Every argument is expanded once, where it is first met, so every argument and relation appears once.
        Arguments that only answer each other in a cycle, unreachable from any root, start trees of their own after
        their side's roots.
        """
        return self._outline[side]

    @cached_property
    def _children(self) -> dict[int, list[tuple[str, Argument]]]:
        children: dict[int, list[tuple[str, Argument]]] = defaultdict(list)
        for link in self.relations:
            children[link.target_id].append((link.relation, self.numbered[link.source_id]))
        for found in children.values():
            found.sort(key=lambda pair: pair[1].message_id)
        return dict(children)

    @cached_property
    def _outline(self) -> dict[str, list[TreeLine]]:
        tops = {side: self.roots(side) for side in SIDES}
        reached: set[int] = set()

        def reach(start: Argument) -> None:
            stack = [start]
            while stack:
                argument = stack.pop()
                if argument.id not in reached:
                    reached.add(argument.id)
                    stack.extend(child for _, child in self.children(argument))

        for side in SIDES:
            for top in tops[side]:
                reach(top)
        for argument in self.numbered.values():
            if argument.id not in reached:
                tops[argument.side].append(argument)
                reach(argument)

        expanded: set[int] = set()
        outline: dict[str, list[TreeLine]] = {}
        for side in SIDES:
            lines = outline[side] = []
            trees = deque((top, False) for top in tops[side])
            while trees:
                top, continued = trees.popleft()
                deferred: list[Argument] = []
                # Iterative, so that a reply chain thousands deep cannot exhaust the recursion limit.
                stack: list[tuple[int, str | None, Argument]] = [(0, None, top)]
                while stack:
                    depth, relation, argument = stack.pop()
                    first = argument.id not in expanded
                    is_continued = continued and depth == 0
                    votes = self.votes.get(argument.id, Votes())
                    lines.append(TreeLine(depth, relation, argument, votes, first, is_continued))
                    if first or is_continued:
                        expanded.add(argument.id)
                        if depth >= MAX_DEPTH and self.children(argument):
                            deferred.append(argument)
                        else:
                            stack.extend((depth + 1, rel, child) for rel, child in reversed(self.children(argument)))
                trees.extendleft((argument, True) for argument in reversed(deferred))
        return outline


def load_map(store: DebateStore, debate: Debate) -> DebateMap:
    """Read a debate's whole map from storage alone: what deleted arguments took part in is left out."""
    arguments = store.arguments(debate.id)
    visible = {a.id for a in arguments}
    return DebateMap(
        debate=debate,
        arguments=arguments,
        links=[link for link in store.links(debate.id) if link.source_id in visible and link.target_id in visible],
        votes={i: v for i, v in store.votes(debate.id).items() if i in visible},
        citations=[c for c in store.citations(debate.id) if c.argument_id in visible],
    )


def classify(text: str) -> str:
    """Return 'argument' for a message that says something, 'comment' for one-word chatter."""
    return "argument" if len(re.findall(r"\w+", text)) >= MIN_ARGUMENT_WORDS else "comment"


class Debates:
    """Debates over one store, with the source library for suggested citations."""

    def __init__(self, store: DebateStore, library: Library) -> None:
        self.store = store
        self.library = library

    # -- debates ------------------------------------------------------------------------------------------------------

    def start(
        self, guild_id: int, channel_id: int, kind: str, motion: str, created_by: int, threads: dict[Side, int]
    ) -> Debate:
        """Record a debate opened in two threads."""
        return self.store.create_debate(guild_id, channel_id, kind, motion, created_by, threads)

    def close(self, debate: Debate, closed_by: int) -> Debate:
        """Record that a debate was closed; closing it twice is refused."""
        if self.store.debate(debate.id).status == "closed":  # re-read: two moderators may close at once
            raise DebateError(f"Debate {debate.id} is already closed. `/debate list` shows which are open.")
        return self.store.close_debate(debate.id, closed_by)

    def find(self, guild_id: int, debate_id: int | None, thread_id: int | None = None) -> Debate:
        """Return the debate asked for, else the one whose thread this is, else the server's newest open debate."""
        if debate_id is not None:
            try:
                debate = self.store.debate(debate_id)
            except LookupError:
                debate = None
            if debate is None or debate.guild_id != guild_id:
                raise DebateError(f"There is no debate {debate_id} in this server. `/debate list` shows them.")
            return debate
        if thread_id is not None and (thread := self.store.thread(thread_id)) is not None:
            return self.store.debate(thread.debate_id)
        open_debates = [d for d in self.store.debates(guild_id) if d.status == "open"]
        if not open_debates:
            raise DebateError("There is no open debate here. A moderator can open one with `/debate start`.")
        return open_debates[0]

    def debate(self, debate_id: int) -> Debate:
        """Return one debate by id."""
        return self.store.debate(debate_id)

    def open_threads(self) -> list[OpenThread]:
        """Return every thread of every open debate, with the last message captured from it."""
        return self.store.open_threads()

    def current(self, argument_ids: Sequence[int]) -> list[Argument]:
        """Return these arguments as stored now, leaving out any deleted since."""
        return [a for a in map(self.store.argument, argument_ids) if a.deleted_at is None]

    def vectors(self, debate: Debate) -> dict[int, np.ndarray]:
        """Return the stored embeddings of a debate's arguments, by argument row id."""
        ids, matrix = self.store.vectors(debate.id, self.library.embedder.name)
        return dict(zip(ids, matrix, strict=True))

    def modlog_channel(self, guild_id: int) -> int | None:
        """Return the channel a server's moderator actions are reported to, if any."""
        return self.store.modlog_channel(guild_id)

    def set_modlog_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Set (or with None, clear) the channel a server's moderator actions are reported to."""
        self.store.set_modlog_channel(guild_id, channel_id)

    def debates(self, guild_id: int) -> list[Debate]:
        """Return a server's debates, newest first."""
        return self.store.debates(guild_id)

    def set_citations(self, debate: Debate, mode: str) -> Debate:
        """Set how suggested citations behave in a debate: on, quiet (stored, not posted) or off."""
        if mode not in CITATION_MODES:
            raise DebateError(f"Citations can be {', '.join(CITATION_MODES)}, not {mode!r}.")
        return self.store.set_citations(debate.id, mode)

    def side_of(self, thread_id: int) -> tuple[Debate, Side] | None:
        """Return the debate and side of an open debate thread, or None for any other channel."""
        thread = self.store.thread(thread_id)
        if thread is None:
            return None
        debate = self.store.debate(thread.debate_id)
        return (debate, thread.side) if debate.status == "open" else None

    # -- capture ------------------------------------------------------------------------------------------------------

    def capture(
        self,
        message: IncomingMessage,
        *,
        origin: str = "message",
        target: Argument | None = None,
        made_by: int | None = None,
    ) -> Captured | None:
        """Store a message posted in a debate thread; the same message twice is stored once.

        A reply to an argument on the same side supports it. A rebuttal or support posted through the context menus
        names its `target` and `origin` ('rebut' attacks the target, 'support' supports it).
        """
        found = self.side_of(message.thread_id)
        if found is None:
            return None
        debate, side = found
        existing = self.store.argument_by_message(message.message_id)
        if existing is not None:
            return Captured(existing, new=False)
        text = message.content.strip()
        kind = "argument" if origin != "message" else classify(text)
        argument = self.store.add_argument(
            debate_id=debate.id,
            side=side,
            kind=kind,
            origin=origin,
            author_id=message.author_id,
            author_name=message.author_name,
            thread_id=message.thread_id,
            message_id=message.message_id,
            jump_url=message.jump_url,
            text=text[:MAX_ARGUMENT_CHARS],
            posted_at=message.posted_at,
        )
        link = None
        if target is not None:
            relation: Relation = "attacks" if origin == "rebut" else "supports"
            link = self.store.link(argument, target, relation, "context_menu", made_by)
        elif message.reply_to is not None and kind == "argument":
            replied = self.store.argument_by_message(message.reply_to)
            if (
                replied is not None
                and replied.side == side
                and replied.kind == "argument"
                and replied.deleted_at is None
            ):
                link = self.store.link(argument, replied, "supports", "reply", message.author_id)
        return Captured(argument, new=True, link=link)

    def edit(self, message_id: int, content: str, edited_at: str) -> Argument | None:
        """Update the argument captured from an edited message, keeping its earlier text; None if not captured."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or content.strip() == argument.text:
            return None
        revised = self.store.revise(argument, content.strip()[:MAX_ARGUMENT_CHARS], edited_at)
        if revised.kind == "comment" and classify(revised.text) == "argument":
            revised = self.store.promote(revised)  # chatter edited into a real point gets its number
        return revised

    def delete(self, message_id: int, deleted_at: str) -> Argument | None:
        """Hide the argument whose message was deleted; it stays stored."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or argument.deleted_at is not None:
            return None
        return self.store.mark_deleted(argument, deleted_at)

    def vote(self, message_id: int, user_id: int, emoji: str, added: bool) -> Argument | None:
        """Count a 👍 or 👎 reaction as a member's one vote on an argument; other emoji and own votes are ignored."""
        value = VOTE_EMOJI.get(emoji)
        argument = self.store.argument_by_message(message_id)
        if value is None or argument is None or argument.kind != "argument" or argument.author_id == user_id:
            return None
        if added:
            self.store.set_vote(argument, user_id, value)
        else:
            self.store.withdraw_vote(argument, user_id, value)
        return argument

    def rebuttal_target(self, message_id: int, origin: str) -> tuple[Argument, Side]:
        """Return the argument a context-menu rebuttal or support answers, and the side its text is posted to."""
        target = self.store.argument_by_message(message_id)
        if target is None or target.kind != "argument" or target.deleted_at is not None:
            raise DebateError("That message is not a captured argument. Use this on a numbered argument in a debate.")
        debate = self.store.debate(target.debate_id)
        if debate.status != "open":
            raise DebateError(
                f"Debate {debate.id} is closed, so its arguments can no longer be answered. "
                f"`/map show debate:{debate.id}` still shows them."
            )
        return target, other_side(target.side) if origin == "rebut" else target.side

    # -- analysis -----------------------------------------------------------------------------------------------------

    def look_up(
        self, arguments: Sequence[Argument], with_sources: Sequence[bool]
    ) -> tuple[np.ndarray, list[Hit | None]]:
        """Embed arguments in one batch and find the best source excerpt of those `with_sources`.

        Slow, and touches only the library: call it off the event loop (the debate store stays on the loop).
        """
        if not arguments:
            return np.empty((0, 0), np.float32), []
        vectors = self.library.embedder.encode([a.text for a in arguments])
        best: list[Hit | None] = []
        for argument, wanted, vector in zip(arguments, with_sources, vectors, strict=True):
            hits = self.library.search_encoded(argument.text, vector, k=1) if wanted else []
            best.append(hits[0] if hits else None)
        return vectors, best

    def record_analysis(
        self, arguments: Sequence[Argument], vectors: np.ndarray, best: Sequence[Hit | None]
    ) -> list[Analysis]:
        """Store each argument's embedding, its suggested citation and any duplicate candidate it repeats."""
        model = self.library.embedder.name
        results = []
        for argument, vector, hit in zip(arguments, vectors, best, strict=True):
            ids, matrix = self.store.vectors(argument.debate_id, model)
            duplicate = None
            if len(ids):
                similarity = matrix @ vector
                order = np.argsort(-similarity)
                for i in order:
                    if similarity[i] < DUPLICATE_THRESHOLD:
                        break
                    earlier = self.store.argument(ids[int(i)])
                    if earlier.side == argument.side and earlier.message_id < argument.message_id:
                        duplicate = earlier
                        self.store.link(argument, earlier, "duplicate_of", "automatic", None)
                        break
            self.store.save_vectors([argument], vector[None, :], model, [text_hash(argument.text)])
            citation = None
            if hit is not None and hit.similarity is not None and hit.similarity >= CITATION_THRESHOLD:
                citation = self.store.add_citation(
                    argument,
                    excerpt_id=hit.excerpt.id,
                    document_id=hit.excerpt.document_id,
                    document_title=hit.excerpt.document_title,
                    paragraph=hit.excerpt.paragraph,
                    sentence=hit.sentence,
                    similarity=hit.similarity,
                )
            results.append(Analysis(argument, citation, duplicate))
        return results

    def confirm_citation(self, citation_id: int, user_id: int) -> Citation:
        """Let an argument's author confirm a suggested citation as cited."""
        citation = self.store.citation(citation_id)
        if citation is None:
            raise DebateError("That suggestion no longer exists.")
        argument = self.store.argument(citation.argument_id)
        if argument.author_id != user_id:
            raise DebateError(f"Only {argument.author_name}, who wrote {argument.label}, can confirm its citation.")
        if citation.status == "cited":
            return citation
        return self.store.confirm_citation(citation, user_id)

    # -- reading ------------------------------------------------------------------------------------------------------

    def map(self, debate: Debate) -> DebateMap:
        """Return a debate's whole map from storage."""
        return load_map(self.store, debate)
