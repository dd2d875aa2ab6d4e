"""The digest's facts: ranking, open attacks, sources, participation, and which sides a digest covers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.summary import Summary, open_attacks, render_summary, summarise
from tests.summary.conftest import TIME, Builder

# -- ranking ----------------------------------------------------------------------------------------------------------

# (👍, 👎, supports before any attack, attacks answered by a counter-attack, attacks then a later support,
#  attacks left unanswered, expected score)
SCORE_CASES = [
    pytest.param(3, 1, 0, 0, 0, 0, 2.0, id="net votes"),
    pytest.param(0, 0, 2, 0, 0, 0, 2.0, id="supports received"),
    pytest.param(0, 0, 0, 0, 0, 1, -1.0, id="attack left unanswered"),
    pytest.param(0, 0, 0, 1, 0, 0, 0.5, id="attack answered by a counter-attack"),
    pytest.param(0, 0, 0, 0, 1, 0, 1.5, id="attack answered by a later support (which also counts)"),
    pytest.param(0, 0, 1, 0, 0, 1, 0.0, id="a support posted before the attack does not answer it"),
    pytest.param(1, 2, 1, 1, 0, 2, -1.5, id="everything at once"),
]


@pytest.mark.parametrize(("up", "down", "supports", "countered", "supported", "open_", "expected"), SCORE_CASES)
def test_score_follows_the_documented_formula(
    up: int, down: int, supports: int, countered: int, supported: int, open_: int, expected: float
) -> None:
    """The score is (up − down) + 1.0 * supports + 0.5 * attacks answered − 1.0 * attacks unanswered."""
    b = Builder()
    target = b.post("pro", TIME)
    b.vote(target, up, down)
    for i in range(supports):
        b.answer("supports", target, f"Support number {i} backs the alignment point.")
    for i in range(countered):
        attack = b.answer("attacks", target, f"Attack number {i} on the alignment point.")
        b.answer("attacks", attack, f"Counter number {i} answers that attack.")
    for i in range(supported):
        b.answer("attacks", target, f"Attack {i} that a later support answers.")
    for i in range(supported):
        b.answer("supports", target, f"Later support {i} restates the alignment point.")
    for i in range(open_):
        b.answer("attacks", target, f"Open attack {i} nobody answers.")
    ranked = next(r for r in summarise(b.map(), {}, side="pro").sides[0].strongest if r.argument.id == target.id)
    assert ranked.score == expected


def test_strongest_are_ranked_by_score_then_earlier_posting(debate) -> None:
    """Pro's strongest: #1 (votes, a support, one answered and one open attack) ahead of #2, ties by posting order."""
    b, a, vectors = debate
    pro = summarise(b.map(), vectors, side="pro").sides[0]
    # chips: 3−1 + 1 support + 0.5 * (smuggle answered by audit) − 1 * (china open) = 2.5
    # time: 0 + 1 support (lag, after bio) + 0.5 * (bio answered by the later lag) = 1.5
    # power, lag, audit: 0 each, in posting order.
    assert [(r.argument.id, r.score) for r in pro.strongest] == [
        (a["chips"].id, 2.5),
        (a["time"].id, 1.5),
        (a["power"].id, 0.0),
        (a["lag"].id, 0.0),
        (a["audit"].id, 0.0),
    ]


def test_answered_and_unanswered_attacks_are_told_apart(debate) -> None:
    """An attack that was counter-attacked or followed by a support is answered; the others stay open."""
    b, a, vectors = debate
    summary = summarise(b.map(), vectors)
    chips = next(r for r in summary.sides[0].strongest if r.argument.id == a["chips"].id)
    time = next(r for r in summary.sides[0].strongest if r.argument.id == a["time"].id)
    assert (chips.attacks, chips.answered, chips.unanswered) == (2, 1, 1)
    assert (time.attacks, time.answered, time.unanswered) == (1, 1, 0)
    opened = {side.side: [(o.attacker.id, o.target.id) for o in side.open_attacks] for side in summary.sides}
    assert opened == {"pro": [(a["china"].id, a["chips"].id)], "con": [(a["audit"].id, a["smuggle"].id)]}


def test_most_contested_need_both_and_rank_by_the_smaller_count() -> None:
    """Only arguments both supported and attacked count, by min(supports, attacks), then their total."""
    b = Builder()
    shape = {"one each": (1, 1), "three and one": (3, 1), "two each": (2, 2), "only supported": (2, 0)}
    targets = {name: b.post("pro", f"Claim that is {name} in this debate.") for name in shape}
    for name, (supports, attacks) in shape.items():
        for i in range(supports):
            b.answer("supports", targets[name], f"Support {i} for the claim that is {name}.")
        for i in range(attacks):
            b.answer("attacks", targets[name], f"Attack {i} on the claim that is {name}.")
    contested = summarise(b.map(), {}, side="pro").sides[0].contested
    assert [(r.argument.id, r.supports, r.attacks) for r in contested] == [
        (targets["two each"].id, 2, 2),
        (targets["three and one"].id, 3, 1),
        (targets["one each"].id, 1, 1),
    ]


def test_open_attacks_report_how_long_they_have_been_open(debate) -> None:
    """An open attack's age runs from the attacking argument's posting to `now`, and the line says it in days."""
    b, a, vectors = debate
    now = datetime.fromisoformat(a["china"].posted_at) + timedelta(days=3, hours=1)
    summary = summarise(b.map(), vectors, now=now)
    (attack,) = summary.sides[0].open_attacks
    assert attack.open_for == timedelta(days=3, hours=1)
    line = next(line for line in render_summary(summary).splitlines() if "unanswered for" in line and "#9]" in line)
    assert "unanswered for 3 days" in line
    assert f"[#9]({a['china'].jump_url}) by Eve attacks [#1]({a['chips'].jump_url})" in line


def test_open_attacks_lists_both_sides_oldest_first(debate) -> None:
    """open_attacks (used by the moderators' queue) gives every unanswered attack in the debate, oldest first."""
    b, a, _ = debate
    now = datetime.fromisoformat(a["china"].posted_at) + timedelta(hours=2)
    found = [(o.attacker.id, o.target.id, o.open_for) for o in open_attacks(b.map(), now)]
    assert found == [
        (a["audit"].id, a["smuggle"].id, timedelta(hours=2, minutes=1)),
        (a["china"].id, a["chips"].id, timedelta(hours=2)),
    ]


# -- sources and participation ----------------------------------------------------------------------------------------


def test_sources_are_ranked_by_cited_count_then_suggested() -> None:
    """A document cited twice beats one cited once and suggested thrice, which beats one only suggested."""
    b = Builder()
    args = [b.post("pro", f"Argument {i} that leans on a report.") for i in range(6)]
    b.cite(args[0], 1, 3, "Export controls track chips.", confirm=True)
    for i in (1, 2, 3):
        b.cite(args[i], 1, 5, "Power use gives training runs away.", confirm=False)
    b.cite(args[4], 2, 1, "Treaties have been verified before.", confirm=True)
    b.cite(args[5], 2, 1, "Treaties have been verified before.", confirm=True)
    b.cite(args[0], 3, 9, "Smuggling undermines controls.", confirm=False)
    sources = summarise(b.map(), {}).sources
    assert [(s.document_id, s.cited, s.suggested) for s in sources] == [(2, 2, 0), (1, 1, 3), (3, 0, 1)]
    passage = sources[0].passages[0]
    assert (passage.paragraph, [a.id for a in passage.cited_by]) == (1, [args[4].id, args[5].id])
    assert [p.paragraph for p in sources[1].passages] == [3, 5]


def test_participation_counts_members_arguments_links_and_votes(debate) -> None:
    """Five members posted; 4 pro and 5 con arguments, one comment, 2 supports, 4 attacks, 7 votes."""
    b, a, vectors = debate
    b.store.link(a["lag"], a["time"], "duplicate_of", "automatic", None)
    counts = summarise(b.map(), vectors).participation
    assert counts.members == 5
    assert counts.arguments == {"pro": 5, "con": 4}
    assert counts.members_by_side == {"pro": 3, "con": 2}
    assert (counts.comments, counts.supports, counts.attacks, counts.duplicates, counts.votes) == (1, 2, 4, 1, 7)


# -- one side ---------------------------------------------------------------------------------------------------------


def test_one_side_only(debate) -> None:
    """A Con digest has only Con's sections and Con's sources; participation still covers the whole debate."""
    b, _, vectors = debate
    summary: Summary = summarise(b.map(), vectors, side="con")
    text = render_summary(summary)
    assert [s.side for s in summary.sides] == ["con"]
    assert "## Con" in text
    assert "## Pro" not in text
    assert [s.document_id for s in summary.sources] == [2]
    assert summary.participation.arguments == {"pro": 5, "con": 4}
