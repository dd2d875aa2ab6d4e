"""What in a debate needs a moderator now: a queue built from the map alone.

Kinds, in the order the queue shows them:

- open attack: an attack nobody answered (see bot/summary/analysis.py) for longer than OPEN_ATTACK_AFTER;
- duplicate: a duplicate candidate Crux flagged that no moderator has merged yet (one click merges it);
- edited after attack: an argument its author edited after it was attacked, so the attack may no longer fit;
- unsourced: an argument with a net score of at least UNSOURCED_VOTES and no source its author confirmed;
- quiet side: a side with no new argument for QUIET_AFTER while the other side kept posting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.db import parse_time
from bot.debates.model import SIDES, Argument, DebateMap, Votes
from bot.summary import open_attacks

OPEN_ATTACK_AFTER = timedelta(hours=24)
QUIET_AFTER = timedelta(hours=24)
UNSOURCED_VOTES = 3
KINDS = ("open_attack", "duplicate", "edited_after_attack", "unsourced", "quiet_side")


@dataclass(frozen=True)
class AttentionItem:
    """One thing for a moderator to look at: what kind, the argument(s) involved, and since when."""

    kind: str
    argument: Argument | None
    other: Argument | None
    since: datetime
    side: str | None = None


def attention(debate_map: DebateMap, now: datetime | None = None) -> list[AttentionItem]:
    """Return the items needing a moderator in a debate, by kind (see KINDS), oldest first within a kind."""
    moment = now or datetime.now(UTC)
    numbered = debate_map.numbered
    items = [
        AttentionItem("open_attack", attack.attacker, attack.target, moment - attack.open_for)
        for attack in open_attacks(debate_map, moment)
        if attack.open_for >= OPEN_ATTACK_AFTER
    ]

    items.extend(
        AttentionItem("duplicate", numbered[link.source_id], numbered[link.target_id], parse_time(link.created_at))
        for link in debate_map.duplicates
    )

    first_attack: dict[int, datetime] = {}
    for link in debate_map.relations:
        if link.relation == "attacks":
            at = parse_time(link.created_at)
            first_attack[link.target_id] = min(at, first_attack.get(link.target_id, at))
    for argument_id, attacked_at in first_attack.items():
        argument = numbered[argument_id]
        if argument.edited_at is not None and parse_time(argument.edited_at) > attacked_at:
            items.append(AttentionItem("edited_after_attack", argument, None, parse_time(argument.edited_at)))

    confirmed = {c.argument_id for c in debate_map.citations if c.status == "cited"}
    for argument in numbered.values():
        votes = debate_map.votes.get(argument.id, Votes())
        if votes.up - votes.down >= UNSOURCED_VOTES and argument.id not in confirmed:
            items.append(AttentionItem("unsourced", argument, None, parse_time(argument.posted_at)))

    if debate_map.debate.status == "open":
        latest: dict[str, datetime | None] = {side: _latest(debate_map, side) for side in SIDES}
        for side, other in (("pro", "con"), ("con", "pro")):
            mine, theirs = latest[side], latest[other]
            quiet_since = mine or parse_time(debate_map.debate.created_at)
            if theirs is not None and theirs > quiet_since and moment - quiet_since >= QUIET_AFTER:
                items.append(AttentionItem("quiet_side", None, None, quiet_since, side=side))

    return sorted(items, key=lambda item: (KINDS.index(item.kind), item.since))


def _latest(debate_map: DebateMap, side: str) -> datetime | None:
    times = [parse_time(a.posted_at) for a in debate_map.numbered.values() if a.side == side]
    return max(times) if times else None
