"""Each argument's standing from the attack graph: stands, refuted or contested, by the grounded labelling.

The grounded labelling (Dung 1995; the one Carneades uses) is the most sceptical reading of who wins an exchange:

- an argument is IN (*stands*) when every argument attacking it is OUT (so an unattacked argument stands);
- it is OUT (*refuted*) when some argument attacking it is IN;
- whatever neither rule settles is UNDEC (*contested*): a two-cycle (a attacks b, b attacks a), a self-attack, an
  odd cycle, and whatever hangs on them.

Supports never change a label: an argument is not refuted by being unsupported, and a support cannot rescue an
argument whose attacker stands. It runs in time linear in arguments plus attacks: each argument is labelled at most
once, and each attack is looked at once when its attacker is labelled.

Votes may break ties, if asked (`vote_margin`): a preference-based reading (Amgoud & Cayrol 2002) confined to
mutual attacks between two contested arguments. When a and b attack each other, both are contested, and a's net
votes (👍 − 👎) exceed b's by at least the margin, b's attack on a is dropped and the labelling computed again, so a
stands and b is refuted, unless something else still holds them. Only attacks between contested arguments are ever
dropped, so the tie-break can settle a contested argument but never overturns one that stands or is refuted; odd
cycles and self-attacks stay contested.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Literal

from bot.debates.model import DebateMap

Standing = Literal["stands", "refuted", "contested"]
STANDS: Standing = "stands"
REFUTED: Standing = "refuted"
CONTESTED: Standing = "contested"
#: A net-vote lead that settles a mutual attack when votes break ties (see standing_of).
VOTE_MARGIN = 3


def standing(
    argument_ids: Iterable[int],
    attacks: Iterable[tuple[int, int]],
    net_votes: Mapping[int, int] | None = None,
    vote_margin: int | None = None,
) -> dict[int, Standing]:
    """Label every argument stands, refuted or contested from (attacker, target) pairs, by the grounded labelling.

    Attacks naming an argument outside argument_ids are ignored. With net_votes and vote_margin, a mutual attack
    between two contested arguments is settled for the one ahead by at least vote_margin net votes.
    """
    ids = list(dict.fromkeys(argument_ids))
    known = set(ids)
    pairs = {(source, target) for source, target in attacks if source in known and target in known}
    labels = _grounded(ids, pairs)
    if net_votes is None or vote_margin is None:
        return labels
    dropped = {
        (weaker, stronger)
        for weaker, stronger in pairs
        if (stronger, weaker) in pairs
        and weaker != stronger
        and labels[weaker] == CONTESTED
        and labels[stronger] == CONTESTED
        and net_votes.get(stronger, 0) - net_votes.get(weaker, 0) >= vote_margin
    }
    return _grounded(ids, pairs - dropped) if dropped else labels


def standing_of(debate_map: DebateMap, *, votes_break_ties: bool = False) -> dict[int, Standing]:
    """Label every numbered argument of a map from its attacks (and, if asked, let net votes settle mutual attacks)."""
    attacks = [(link.source_id, link.target_id) for link in debate_map.relations if link.relation == "attacks"]
    if not votes_break_ties:
        return standing(debate_map.numbered, attacks)
    net = {argument: found.up - found.down for argument, found in debate_map.votes.items()}
    return standing(debate_map.numbered, attacks, net, VOTE_MARGIN)


def _grounded(ids: list[int], pairs: set[tuple[int, int]]) -> dict[int, Standing]:
    targets: dict[int, list[int]] = {argument: [] for argument in ids}
    # Attackers not yet OUT: an argument becomes IN when this reaches 0.
    pending = dict.fromkeys(ids, 0)
    for source, target in pairs:
        targets[source].append(target)
        pending[target] += 1
    labels: dict[int, Standing] = {}
    queue = deque(argument for argument in ids if pending[argument] == 0)
    for argument in queue:
        labels[argument] = STANDS
    while queue:
        argument = queue.popleft()
        if labels[argument] == STANDS:
            for target in targets[argument]:
                if target not in labels:
                    labels[target] = REFUTED
                    queue.append(target)
        else:
            for target in targets[argument]:
                pending[target] -= 1
                if pending[target] == 0 and target not in labels:
                    labels[target] = STANDS
                    queue.append(target)
    return {argument: labels.get(argument, CONTESTED) for argument in ids}
