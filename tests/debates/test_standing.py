"""Standing by the grounded labelling: what stands, what is refuted, what stays contested, and how votes break ties."""

from __future__ import annotations

import pytest

from bot.debates.model import Argument, Debate, DebateMap, Link, Side, Votes
from bot.debates.standing import CONTESTED, REFUTED, STANDS, VOTE_MARGIN, standing, standing_of

A, B, C, D = 1, 2, 3, 4


def argument(row: int, side: Side) -> Argument:
    """Return a numbered argument with row id and number `row`."""
    return Argument(
        id=row,
        debate_id=1,
        number=row,
        side=side,
        kind="argument",
        origin="thread",
        author_id=7,
        author_name="Ada",
        thread_id=3,
        message_id=1000 + row,
        jump_url=f"https://discord.com/channels/111/3/{1000 + row}",
        text=f"Argument {row}.",
        posted_at="2025-03-01T12:00:00+00:00",
        edited_at=None,
        deleted_at=None,
    )


def debate_map(links: list[tuple[int, int, str]], votes: dict[int, Votes] | None = None) -> DebateMap:
    """Return a map of arguments A to D with the given (source, target, relation) links."""
    debate = Debate(1, 111, 500, "forum", "Motion.", "open", "on", 1, "2025-03-01T12:00:00+00:00", None, None, 1)
    return DebateMap(
        debate=debate,
        arguments=[argument(A, "pro"), argument(B, "con"), argument(C, "pro"), argument(D, "con")],
        links=[
            Link(n, 1, source, target, relation, "manual", 7, "2025-03-01T12:00:00+00:00")
            for n, (source, target, relation) in enumerate(links, start=1)
        ],
        votes=votes or {},
        citations=[],
    )


def test_an_unattacked_argument_stands() -> None:
    """An argument nothing attacks stands."""
    assert standing([A], []) == {A: STANDS}


def test_a_chain_reinstates_the_first_argument() -> None:
    """In a ← b ← c, c stands, so b is refuted, so a stands again."""
    assert standing([A, B, C], [(B, A), (C, B)]) == {A: STANDS, B: REFUTED, C: STANDS}


def test_a_two_cycle_leaves_both_contested() -> None:
    """Two arguments attacking each other are both contested."""
    assert standing([A, B], [(A, B), (B, A)]) == {A: CONTESTED, B: CONTESTED}


def test_a_self_attacking_argument_is_contested() -> None:
    """An argument that attacks itself is contested."""
    assert standing([A], [(A, A)]) == {A: CONTESTED}


def test_a_self_attacking_argument_attacked_by_a_standing_one_is_refuted() -> None:
    """A self-attacking argument with a standing attacker is refuted."""
    assert standing([A, B], [(A, A), (B, A)]) == {A: REFUTED, B: STANDS}


def test_an_odd_cycle_is_contested() -> None:
    """Three arguments attacking each other in a ring are all contested."""
    assert set(standing([A, B, C], [(A, B), (B, C), (C, A)]).values()) == {CONTESTED}


def test_what_a_contested_argument_attacks_is_contested() -> None:
    """An argument attacked only by a contested one is contested too."""
    assert standing([A, B, C], [(A, B), (B, A), (B, C)])[C] == CONTESTED


def test_attacks_outside_the_arguments_are_ignored() -> None:
    """An attack from an argument not listed (removed, say) does not refute anything."""
    assert standing([A], [(99, A)]) == {A: STANDS}


def test_long_chains_and_cycles_are_labelled_without_recursion() -> None:
    """A 5,000-argument chain alternates from its free end (even numbers stand); a cycle beside it is contested."""
    chain = list(range(1, 5001))
    cycle = [6001, 6002]
    labels = standing([*chain, *cycle], [*((n + 1, n) for n in chain[:-1]), (6001, 6002), (6002, 6001)])
    assert all(labels[n] == (STANDS if n % 2 == 0 else REFUTED) for n in chain)
    assert labels[6001] == labels[6002] == CONTESTED


@pytest.mark.parametrize(
    ("net_a", "net_b", "expected"),
    [
        (VOTE_MARGIN, 0, {A: STANDS, B: REFUTED}),
        (0, VOTE_MARGIN, {A: REFUTED, B: STANDS}),
        (VOTE_MARGIN - 1, 0, {A: CONTESTED, B: CONTESTED}),
    ],
)
def test_votes_settle_a_two_cycle_only_with_a_clear_lead(net_a: int, net_b: int, expected: dict[int, str]) -> None:
    """With the tie-break on, the side of a two-cycle at least VOTE_MARGIN net votes ahead stands."""
    assert standing([A, B], [(A, B), (B, A)], {A: net_a, B: net_b}, VOTE_MARGIN) == expected


def test_votes_never_overturn_a_settled_label() -> None:
    """Votes do not rescue an argument refuted by an unattacked one, however popular it is."""
    assert standing([A, B], [(B, A)], {A: 50, B: -50}, VOTE_MARGIN) == {A: REFUTED, B: STANDS}


def test_votes_leave_an_odd_cycle_contested() -> None:
    """The tie-break only touches mutual attacks, so a ring of three stays contested whatever the votes."""
    labels = standing([A, B, C], [(A, B), (B, C), (C, A)], {A: 10, B: 0, C: -10}, VOTE_MARGIN)
    assert set(labels.values()) == {CONTESTED}


def test_supports_do_not_change_standing_in_a_map() -> None:
    """In a map, a support neither refutes nor rescues: only attacks count."""
    labels = standing_of(debate_map([(B, A, "attacks"), (C, A, "supports"), (D, B, "supports")]))
    assert labels == {A: REFUTED, B: STANDS, C: STANDS, D: STANDS}


def test_a_map_uses_net_votes_when_asked() -> None:
    """standing_of lets net votes (up minus down) settle a mutual attack only when asked to."""
    links = [(A, B, "attacks"), (B, A, "attacks")]
    votes = {A: Votes(up=VOTE_MARGIN + 1, down=1), B: Votes()}
    assert standing_of(debate_map(links, votes))[A] == CONTESTED
    assert standing_of(debate_map(links, votes), votes_break_ties=True)[A] == STANDS
