"""Where a debate hinges, as a service: members' stances (declared, else inferred), and changed minds (Δ).

The rules live in the pure modules beside this one (stances.py, relations.py, common_ground.py, standing.py,
cruxes.py); this service reads what they need from the stores and records what members decide.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from bot.db import parse_time
from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.debates.crux_report import CruxInputs
from bot.debates.marks import HingeInputs
from bot.debates.model import ANSWERS, Argument, Debate, Delta, Link, Relation, Side, StanceChange
from bot.debates.review import ReviewCard, next_after, review_queue
from bot.debates.service import load_map
from bot.debates.stances import MemberVote, Stance, StanceValue, infer_stance, stance_point, stance_side
from bot.errors import DebateError

#: A Δ needs an explanation at least this long (r/changemyview's rule), so others can learn what changed a mind.
MIN_DELTA_CHARS = 50
MAX_DELTA_CHARS = 1000


@dataclass(frozen=True)
class CruxToggle:
    """A crux mark set or taken off, with how many members of each side now mark the argument."""

    argument: Argument
    marked: bool
    pro: int
    con: int
    member_side: Side | None

    @property
    def double(self) -> bool:
        """Return whether members of both sides mark it: a double crux."""
        return self.pro > 0 and self.con > 0


@dataclass(frozen=True)
class DeltaEntry:
    """One changed mind: the Δ and the argument that earned it."""

    delta: Delta
    argument: Argument


@dataclass(frozen=True)
class DeltaReport:
    """A debate's changed minds: every Δ oldest first, the arguments that changed most minds, and Δ per member."""

    debate: Debate
    entries: list[DeltaEntry]
    #: (argument, Δ it earned), most first.
    arguments: list[tuple[Argument, int]]
    #: member id → Δ received, most first.
    received: dict[int, int]
    #: member id → Δ given.
    given: dict[int, int]


class Hinges:
    """Stances over the debate and hinge stores: what members declare, and what Crux infers for the rest."""

    def __init__(self, store: DebateStore, hinges: HingeStore) -> None:
        self.store = store
        self.hinges = hinges

    # -- which debate -------------------------------------------------------------------------------------------------

    def debate_of_thread(self, guild_id: int, thread_id: int) -> Debate:
        """Return the debate whose thread this is (open or closed), refusing any other channel."""
        thread = self.store.thread(thread_id)
        if thread is not None:
            debate = self.store.debate(thread.debate_id)
            if debate.guild_id == guild_id:
                return debate
        raise DebateError("This is not a debate thread any more. `/stance` works from anywhere in the server.")

    # -- stances ------------------------------------------------------------------------------------------------------

    def declare(self, debate: Debate, member_id: int, value: int) -> Stance:
        """Record where a member stands on the motion (-2 … 2); declaring the stance they hold changes nothing."""
        try:
            stance_point(value)
        except ValueError:
            raise DebateError(
                "A stance is one of the five points of the scale, from strongly against to strongly for."
            ) from None
        changes = self.hinges.stance_changes(debate.id, member_id)
        if changes and changes[-1].value == value:
            return _declared(changes[-1])
        return _declared(self.hinges.declare_stance(debate.id, member_id, value))

    def stance(self, debate: Debate, member_id: int) -> Stance | None:
        """Return a member's stance: the one they declared last, else the one inferred from their posts and votes."""
        changes = self.hinges.stance_changes(debate.id, member_id)
        if changes:
            return _declared(changes[-1])
        arguments = self.store.arguments(debate.id, include_deleted=True)
        return infer_stance(member_id, arguments, self.hinges.votes_by_member(debate.id))

    def history(self, debate: Debate, member_id: int) -> list[Stance]:
        """Return every stance a member declared in a debate, oldest first."""
        return [_declared(change) for change in self.hinges.stance_changes(debate.id, member_id)]

    def stances(self, debate: Debate) -> dict[int, Stance]:
        """Return the stance of every member who declared one, posted or voted, where one can be told."""
        declared = {member: _declared(change) for member, change in self.hinges.declared_stances(debate.id).items()}
        arguments = self.store.arguments(debate.id, include_deleted=True)
        votes = self.hinges.votes_by_member(debate.id)
        # Infer each member from their own posts and the arguments they voted on only: the same answer as reading
        # every argument (infer_stance reads nothing else), without reading them all once per member.
        by_id = {argument.id: argument for argument in arguments}
        own: dict[int, list[Argument]] = defaultdict(list)
        for argument in arguments:
            own[argument.author_id].append(argument)
        found = dict(declared)
        for member in (own.keys() | votes.keys()) - declared.keys():
            evidence = {a.id: a for a in [*own.get(member, []), *_voted_on(votes.get(member, []), by_id)]}
            inferred = infer_stance(member, evidence.values(), votes)
            if inferred is not None:
                found[member] = inferred
        return found

    def sides(self, debate: Debate) -> dict[int, Side | None]:
        """Return the side of every member with a stance (None for a member who declared themselves unsure)."""
        return {member: stance.side for member, stance in self.stances(debate).items()}

    # -- changed minds (Δ) --------------------------------------------------------------------------------------------

    def delta_target(self, message_id: int, member_id: int) -> Argument:
        """Return the argument a member may give a Δ: refuse a non-argument, their own, a repeat, a closed debate."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or argument.kind != "argument" or not argument.visible:
            raise DebateError("That message is not a captured argument. Use Δ on a numbered argument in a debate.")
        if argument.author_id == member_id:
            raise DebateError(
                f"{argument.label} is your own argument. A Δ says someone else's argument changed your mind."
            )
        debate = self.store.debate(argument.debate_id)
        if debate.status != "open":
            raise DebateError(f"Debate {debate.number} is closed, so its arguments can no longer be given a Δ.")
        earlier = self.hinges.delta_by(argument.id, member_id)
        if earlier is not None:
            raise DebateError(
                f"You already gave {argument.label} a Δ. A Δ counts once per argument; `/deltas` lists them."
            )
        return argument

    def award_delta(self, message_id: int, member_id: int, explanation: str) -> tuple[Delta, Argument]:
        """Record that an argument changed a member's mind, with why; refused without a real explanation."""
        text = " ".join(explanation.split())
        if len(text) < MIN_DELTA_CHARS:
            raise DebateError(
                f"Say what changed your mind in at least {MIN_DELTA_CHARS} characters (you wrote {len(text)}), so "
                "others can see why. Your Δ was not recorded: use the menu again."
            )
        if len(text) > MAX_DELTA_CHARS:
            raise DebateError(f"Keep the explanation under {MAX_DELTA_CHARS} characters. Your Δ was not recorded.")
        argument = self.delta_target(message_id, member_id)
        delta = self.hinges.award_delta(argument, member_id, text)
        if delta is None:  # two submits raced past the check above
            raise DebateError(f"You already gave {argument.label} a Δ. A Δ counts once per argument.")
        return delta, argument

    def deltas(self, debate: Debate) -> DeltaReport:
        """Return who changed whose mind with which argument, the arguments that changed most minds, Δ per member."""
        visible = {argument.id: argument for argument in self.store.arguments(debate.id)}
        entries = [
            DeltaEntry(delta, visible[delta.argument_id])
            for delta in self.hinges.deltas(debate.id)
            if delta.argument_id in visible
        ]
        earned = Counter(entry.argument.id for entry in entries)
        ranked = sorted(earned.items(), key=lambda pair: (-pair[1], visible[pair[0]].order))
        received = Counter(entry.delta.awarded_to for entry in entries)
        return DeltaReport(
            debate=debate,
            entries=entries,
            arguments=[(visible[argument_id], count) for argument_id, count in ranked],
            received=dict(sorted(received.items(), key=lambda pair: (-pair[1], pair[0]))),
            given=dict(Counter(entry.delta.awarded_by for entry in entries)),
        )

    def delta_count(self, argument: Argument) -> int:
        """Return how many members said this argument changed their mind."""
        return len(self.hinges.deltas_for(argument.id))

    # -- cruxes -------------------------------------------------------------------------------------------------------

    def toggle_crux(self, message_id: int, member_id: int) -> CruxToggle:
        """Mark an argument as one that would change a member's mind, or take the mark off if it is there."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or argument.kind != "argument" or not argument.visible:
            raise DebateError(
                "That message is not a captured argument. Use **Would change my mind** on a numbered argument."
            )
        if argument.author_id == member_id:
            raise DebateError(
                f"{argument.label} is your own argument. Mark the arguments of others that would change your mind "
                "if they held."
            )
        return self._set_crux(argument, member_id, not self.hinges.is_marked(argument.id, member_id))

    def set_crux(self, argument: Argument, member_id: int, marked: bool) -> CruxToggle:
        """Set or clear a member's crux mark on an argument (own arguments refused)."""
        if argument.author_id == member_id:
            raise DebateError(f"{argument.label} is your own argument.")
        return self._set_crux(argument, member_id, marked)

    def crux_inputs(self, debate: Debate) -> CruxInputs:
        """Read what /cruxes needs: the map, members' sides, crux marks and votes (the computation is separate)."""
        votes = self.hinges.votes_by_member(debate.id)
        return CruxInputs(
            debate_map=load_map(self.store, debate),
            sides=self.sides(debate),
            marks=[(mark.member_id, mark.argument_id) for mark in self.hinges.crux_marks(debate.id)],
            ballots=[(member, vote.argument_id, vote.value) for member, cast in votes.items() for vote in cast],
        )

    def hinge_inputs(self, debate: Debate) -> HingeInputs:
        """Read what every argument's marks are computed from (bot.debates.marks.debate_hinges computes them)."""
        return HingeInputs(
            cruxes=self.crux_inputs(debate),
            stances=self.stances(debate),
            stance_changes=self.hinges.stance_changes(debate.id),
            crux_marks=self.hinges.crux_marks(debate.id),
            deltas=self.hinges.deltas(debate.id),
        )

    def _set_crux(self, argument: Argument, member_id: int, marked: bool) -> CruxToggle:
        if marked:
            self.hinges.mark_crux(argument, member_id)
        else:
            self.hinges.unmark_crux(argument, member_id)
        debate = self.store.debate(argument.debate_id)
        sides = self.sides(debate)
        markers = [mark.member_id for mark in self.hinges.crux_marks(debate.id) if mark.argument_id == argument.id]
        by_side = Counter(sides.get(member) for member in markers)
        return CruxToggle(argument, marked, by_side["pro"], by_side["con"], sides.get(member_id))

    # -- review -------------------------------------------------------------------------------------------------------

    def review(
        self, debate: Debate, member_id: int, *, after: int | None = None, show: int | None = None
    ) -> ReviewCard | None:
        """Return the card /review shows a member next (None when nothing is left for them to vote on).

        `after`: the argument they skipped with Next (the one after it in the queue comes next); `show`: an argument
        to show again if it is still theirs to review (after marking it as a crux).
        """
        votes = self.hinges.votes_by_member(debate.id)
        ballots = [(member, vote.argument_id, vote.value) for member, cast in votes.items() for vote in cast]
        sides = self.sides(debate)
        passed = self.hinges.passed(debate.id, member_id)
        queue = review_queue(self.store.arguments(debate.id), member_id, ballots, sides, passed)
        chosen = next((a for a in queue if a.id == show), None) or next_after(queue, after)
        if chosen is None:
            return None
        side = sides.get(member_id)
        on_it = [(member, value) for member, argument, value in ballots if argument == chosen.id]
        return ReviewCard(
            argument=chosen,
            remaining=len(queue),
            up=sum(1 for _, value in on_it if value > 0),
            down=sum(1 for _, value in on_it if value < 0),
            from_side=sum(1 for member, _ in on_it if side is not None and sides.get(member) == side),
            member_side=side,
            marked=self.hinges.is_marked(chosen.id, member_id),
        )

    def reviewed_argument(self, debate: Debate, message_id: int, member_id: int) -> Argument:
        """Return the argument (by its message) a /review button acts on, refusing one gone or the member's own."""
        argument = self.store.argument_by_message(message_id)
        if argument is None or argument.debate_id != debate.id or not argument.visible:
            raise DebateError("That argument is no longer on the map. Run `/review` again for another.")
        if argument.author_id == member_id:
            raise DebateError(f"{argument.label} is your own argument, so your vote on it does not count.")
        return argument

    def review_vote(self, argument: Argument, member_id: int, value: int) -> None:
        """Record a member's 👍 (+1) or 👎 (-1) from /review: the same one vote a reaction would cast."""
        if value not in (1, -1):
            raise DebateError("A vote is 👍 or 👎.")
        self.store.set_vote(argument, member_id, value, via="review")

    def review_pass(self, argument: Argument, member_id: int) -> None:
        """Record that a member has no view on an argument, so /review does not offer it to them again."""
        self.hinges.pass_review(argument, member_id)

    # -- reply relations ----------------------------------------------------------------------------------------------

    def reply_pair(self, message_id: int, replied_to: int | None) -> tuple[Argument, Argument, Link | None]:
        """Return a reply, the argument it answers and the link between them; refuse a message that is no reply."""
        source = self.store.argument_by_message(message_id)
        target = self.store.argument_by_message(replied_to) if replied_to is not None else None
        if (
            source is None
            or target is None
            or source.kind != "argument"
            or target.kind != "argument"
            or not source.visible
            or not target.visible
            or source.debate_id != target.debate_id
        ):
            raise DebateError(
                "That message is not a reply to an argument on the map. Use **Set reply relation** on a numbered "
                "argument posted as a reply to another."
            )
        return source, target, self.hinges.answer(source, target)

    def relate_reply(self, source: Argument, target: Argument, relation: str, member_id: int) -> Link:
        """Let a reply's author say whether it supports, attacks or only responds to what it answers."""
        if relation not in ANSWERS:
            raise DebateError("A reply supports, attacks or responds to the argument it answers.")
        if source.author_id != member_id:
            raise DebateError(f"Only the author of {source.label} (or a moderator) can set what it says.")
        chosen: Relation = relation  # type: ignore[assignment]
        return self.hinges.relate(source, target, chosen, "author", member_id)


def replier_side(store: DebateStore, debate_id: int, member_id: int, reply_id: int) -> Side | None:
    """Return the side of a replier's stance, to type their reply: declared, else inferred without the reply itself.

    Reads only this member's rows (their latest stance, their arguments, their votes), for the capture of a reply.
    """
    hinges = HingeStore(store.db)
    declared = hinges.latest_stance(debate_id, member_id)
    if declared is not None:
        return stance_side(declared.value)
    own, voted = hinges.member_evidence(debate_id, member_id)
    evidence = {a.id: a for a in [*(a for a in own if a.id != reply_id), *(a for a, _ in voted)]}
    inferred = infer_stance(member_id, evidence.values(), {member_id: [vote for _, vote in voted]})
    return inferred.side if inferred is not None else None


def _declared(change: StanceChange) -> Stance:
    value: StanceValue = stance_point(change.value).value
    return Stance(change.member_id, value, declared=True, at=parse_time(change.declared_at))


def _voted_on(votes: list[MemberVote], by_id: dict[int, Argument]) -> list[Argument]:
    return [by_id[vote.argument_id] for vote in votes if vote.argument_id in by_id]
