"""The debates service: open, find and close debates, answer arguments, confirm citations, and read a map whole."""

from __future__ import annotations

import numpy as np

from bot.db.debates import DebateStore
from bot.db.vectors import ArgumentVectors
from bot.debates.analysis import CITATION_MODES
from bot.debates.model import Argument, Citation, Debate, DebateMap, Side, other_side
from bot.errors import DebateError
from bot.markdown import escape


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


class Debates:
    """Debates over one store: what moderators and members do to a debate as a whole."""

    def __init__(self, store: DebateStore, vectors: ArgumentVectors, model: str) -> None:
        self.store = store
        self.argument_vectors = vectors
        self.model = model

    def start(
        self, guild_id: int, channel_id: int, kind: str, motion: str, created_by: int, threads: dict[Side, int]
    ) -> Debate:
        """Record a debate opened in two threads."""
        return self.store.create_debate(guild_id, channel_id, kind, motion, created_by, threads)

    def close(self, debate: Debate, closed_by: int) -> Debate:
        """Record that a debate was closed; closing it twice is refused."""
        if self.store.debate(debate.id).status == "closed":  # re-read: two moderators may close at once
            raise DebateError(f"Debate {debate.number} is already closed. `/debate list` shows which are open.")
        return self.store.close_debate(debate.id, closed_by)

    def find(self, guild_id: int, number: int | None, thread_id: int | None = None) -> Debate:
        """Return the server's debate with this number, else the one whose thread this is, else its newest open one."""
        if number is not None:
            debate = self.store.debate_by_number(guild_id, number)
            if debate is None:
                raise DebateError(f"There is no debate {number} in this server. `/debate list` shows them.")
            return debate
        if thread_id is not None and (thread := self.store.thread(thread_id)) is not None:
            return self.store.debate(thread.debate_id)
        open_debates = [d for d in self.store.debates(guild_id) if d.status == "open"]
        if not open_debates:
            raise DebateError("There is no open debate here. A moderator can open one with `/debate start`.")
        return open_debates[0]

    def in_server(self, guild_id: int, debate_id: int) -> Debate:
        """Return a debate by its internal id (kept in a button's custom id), refusing another server's."""
        try:
            debate = self.store.debate(debate_id)
        except LookupError:
            debate = None
        if debate is None or debate.guild_id != guild_id:
            raise DebateError("That debate is no longer here. `/debate list` shows this server's debates.")
        return debate

    def debates(self, guild_id: int) -> list[Debate]:
        """Return a server's debates, newest first."""
        return self.store.debates(guild_id)

    def set_citations(self, debate: Debate, mode: str) -> Debate:
        """Set how suggested citations behave in a debate: on, quiet (stored, not posted) or off."""
        if mode not in CITATION_MODES:
            raise DebateError(f"Citations can be {', '.join(CITATION_MODES)}, not {mode!r}.")
        return self.store.set_citations(debate.id, mode)

    def rebuttal_target(self, message_id: int, origin: str) -> tuple[Argument, Side]:
        """Return the argument a context-menu rebuttal or support answers, and the side its text is posted to."""
        target = self.store.argument_by_message(message_id)
        if target is None or target.kind != "argument" or target.deleted_at is not None:
            raise DebateError("That message is not a captured argument. Use this on a numbered argument in a debate.")
        debate = self.store.debate(target.debate_id)
        if debate.status != "open":
            raise DebateError(
                f"Debate {debate.number} is closed, so its arguments can no longer be answered. "
                f"`/map show debate:{debate.number}` still shows them."
            )
        return target, other_side(target.side) if origin == "rebut" else target.side

    def confirm_citation(self, citation_id: int, user_id: int) -> Citation:
        """Let an argument's author confirm a suggested citation as cited."""
        citation = self.store.citation(citation_id)
        if citation is None:
            raise DebateError("That suggestion no longer exists.")
        argument = self.store.argument(citation.argument_id)
        if argument.author_id != user_id:
            author = escape(argument.author_name)  # a display name can hold Markdown, a masked link included
            raise DebateError(f"Only {author}, who wrote {argument.label}, can confirm its citation.")
        if citation.status == "cited":
            return citation
        return self.store.confirm_citation(citation, user_id)

    def map(self, debate: Debate) -> DebateMap:
        """Return a debate's whole map from storage."""
        return load_map(self.store, debate)

    def vectors(self, debate: Debate) -> dict[int, np.ndarray]:
        """Return the stored embeddings of a debate's arguments, by argument row id."""
        ids, matrix = self.argument_vectors.of_debate(debate.id, self.model)
        return dict(zip(ids, matrix, strict=True))
