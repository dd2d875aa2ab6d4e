"""Moderators tidy a debate's map without losing anything: merge, remove, restore, relink; every action is logged."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.db.moderation import ModerationStore
from bot.debates.model import Argument, AuditEntry, Citation, Debate, Link, Relation, Revision, Votes
from bot.errors import DebateError

MAX_REASON_CHARS = 300
RELATIONS = ("supports", "attacks", "responds_to", "none")


@dataclass(frozen=True)
class Actor:
    """The moderator acting, and the server they act in."""

    id: int
    name: str
    guild_id: int


@dataclass(frozen=True)
class Action:
    """A moderator action done: the log entry and a sentence saying what changed."""

    entry: AuditEntry
    summary: str
    #: The debate's number in its server, as the mod-log shows it.
    debate_number: int


@dataclass(frozen=True)
class ArgumentDetails:
    """One argument with everything recorded about it."""

    argument: Argument
    revisions: list[Revision]
    links_out: list[tuple[Link, Argument]]
    links_in: list[tuple[Link, Argument]]
    votes: Votes
    citations: list[Citation]
    merged_into: Argument | None
    #: How many members said it changed their mind (Δ).
    deltas: int = 0


class Moderation:
    """Moderator actions on a debate's map, and the channel each server reports them to."""

    def __init__(self, store: DebateStore, moderation: ModerationStore) -> None:
        self.store = store
        self.audit = moderation

    def modlog_channel(self, guild_id: int) -> int | None:
        """Return the channel a server's moderator actions are reported to, if any."""
        return self.audit.modlog_channel(guild_id)

    def set_modlog_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Set (or with None, clear) the channel a server's moderator actions are reported to."""
        self.audit.set_modlog_channel(guild_id, channel_id)

    def merge(self, debate: Debate, duplicate: int, into: int, actor: Actor, reason: str | None = None) -> Action:
        """Merge #duplicate into #into: its links, votes and citations move; it stays stored, pointing there."""
        if duplicate == into:
            raise DebateError("An argument cannot be merged into itself: pick two different numbers.")
        loser, survivor = self._numbered(debate, duplicate), self._numbered(debate, into)
        if loser.merged_into is not None:
            raise DebateError(f"#{duplicate} was already merged. `/argument show number:{duplicate}` says where.")
        if not survivor.visible:
            raise DebateError(f"#{into} is not on the map (removed, deleted or merged); merge into a visible argument.")
        moved = self.audit.merge(loser, survivor)
        entry = self._record(debate, actor, "merge", loser, survivor, reason, moved)
        summary = (
            f"Merged #{duplicate} into #{into}: {moved['links']} links, {moved['votes']} votes and "
            f"{moved['citations']} citations moved. #{duplicate} stays stored and points to #{into}."
        )
        return Action(entry, summary, debate.number)

    def remove(self, debate: Debate, number: int, reason: str, actor: Actor) -> Action:
        """Hide argument #number from every view and export, keeping it stored; a reason is required."""
        why = _reason(reason, required=True) or ""
        argument = self._numbered(debate, number)
        if argument.removed_at is not None:
            raise DebateError(f"#{number} is already removed. `/argument restore number:{number}` brings it back.")
        self.audit.remove(argument, actor.id, why)
        entry = self._record(debate, actor, "remove", argument, None, why)
        return Action(
            entry,
            f"Removed #{number} from the map. It stays stored; `/argument restore` brings it back.",
            debate.number,
        )

    def restore(self, debate: Debate, number: int, actor: Actor, reason: str | None = None) -> Action:
        """Show a removed argument again."""
        argument = self._numbered(debate, number)
        if argument.removed_at is None:
            raise DebateError(f"#{number} is not removed, so there is nothing to restore.")
        self.audit.restore(argument)
        entry = self._record(debate, actor, "restore", argument, None, _reason(reason))
        return Action(entry, f"Restored #{number} to the map.", debate.number)

    def relink(
        self, debate: Debate, number: int, target: int, relation: str, actor: Actor, reason: str | None = None
    ) -> Action:
        """Make #number support or attack #target, or (with 'none') stop doing either."""
        if relation not in RELATIONS:
            raise DebateError(f"The relation must be one of {', '.join(RELATIONS)}.")
        if number == target:
            raise DebateError("An argument cannot support or attack itself: pick two different numbers.")
        source, goal = self._numbered(debate, number), self._numbered(debate, target)
        chosen: Relation | None = None if relation == "none" else relation  # type: ignore[assignment]
        self.audit.relink(source, goal, chosen, actor.id)
        entry = self._record(debate, actor, "relink", source, goal, _reason(reason), {"relation": relation})
        what = "no longer supports or attacks" if chosen is None else f"now {relation.replace('_', ' ')}"
        return Action(entry, f"#{number} {what} #{target}.", debate.number)

    def details(self, debate: Debate, number: int) -> ArgumentDetails:
        """Return one argument with its revisions, links both ways, votes, citations and where it was merged."""
        argument = self._numbered(debate, number)
        links = self.store.links(debate.id)
        votes = self.store.votes(debate.id)
        return ArgumentDetails(
            argument=argument,
            revisions=self.store.revisions(argument.id),
            links_out=[(link, self.store.argument(link.target_id)) for link in links if link.source_id == argument.id],
            links_in=[(link, self.store.argument(link.source_id)) for link in links if link.target_id == argument.id],
            votes=votes.get(argument.id, Votes()),
            citations=[c for c in self.store.citations(debate.id) if c.argument_id == argument.id],
            merged_into=self.store.argument(argument.merged_into) if argument.merged_into else None,
            deltas=len(HingeStore(self.store.db).deltas_for(argument.id)),
        )

    def _numbered(self, debate: Debate, number: int) -> Argument:
        argument = self.store.argument_by_number(debate.id, number)
        if argument is None:
            raise DebateError(f"Debate {debate.number} has no argument #{number}. `/map show` lists the numbers.")
        return argument

    def _record(
        self,
        debate: Debate,
        actor: Actor,
        action: str,
        argument: Argument,
        target: Argument | None,
        reason: str | None,
        detail: dict | None = None,
    ) -> AuditEntry:
        return self.audit.record(
            guild_id=actor.guild_id,
            debate_id=debate.id,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            argument=argument,
            target=target,
            reason=reason,
            detail=json.dumps(detail) if detail else None,
        )


def _reason(reason: str | None, required: bool = False) -> str | None:
    text = " ".join((reason or "").split())
    if required and not text:
        raise DebateError("Give a reason: it is kept in the audit log and shown in the mod-log.")
    if len(text) > MAX_REASON_CHARS:
        raise DebateError(f"Keep the reason under {MAX_REASON_CHARS} characters.")
    return text or None
