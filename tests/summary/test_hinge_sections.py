"""The digest's hinge sections: common ground, cruxes and minds changed, from planted votes, marks, Δ and stances."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.debates.crux_report import CruxInputs
from bot.debates.marks import DebateHinges, HingeInputs, debate_hinges
from bot.debates.model import Argument, CruxMark, DebateMap, Delta, Side, StanceChange
from bot.summary import opinion_moves, render_summary, summarise, summary_pages
from tests.summary.conftest import BIO, CHIPS, DISCORD, RACE, TIME, Builder, items, quoted

PRO = [1, 2, 3, 4]
CON = [11, 12, 13, 14]
SIDES: dict[int, Side | None] = {**dict.fromkeys(PRO, "pro"), **dict.fromkeys(CON, "con")}
AT = "2025-03-01T13:00:00+00:00"
WHY = "I had not seen that export controls already track where the chips go, which makes a pause checkable."


def hinges_of(
    debate_map: DebateMap,
    *,
    ballots: Sequence[tuple[int, int, int]] = (),
    marks: Sequence[tuple[int, int]] = (),
    deltas: Sequence[Delta] = (),
    changes: Sequence[StanceChange] = (),
) -> DebateHinges:
    """Compute a debate's marks from plain votes (member, argument, ±1), crux marks (member, argument), Δ, stances."""
    debate_id = debate_map.debate.id
    return debate_hinges(
        HingeInputs(
            cruxes=CruxInputs(debate_map, SIDES, list(marks), list(ballots)),
            stances={},
            stance_changes=list(changes),
            crux_marks=[CruxMark(debate_id, argument, member, AT) for member, argument in marks],
            deltas=list(deltas),
        )
    )


def votes(argument: Argument, members: Sequence[int], value: int) -> list[tuple[int, int, int]]:
    """Return one vote on an argument from each member."""
    return [(member, argument.id, value) for member in members]


def delta(number: int, argument: Argument, giver: int, why: str = WHY) -> Delta:
    """Return a Δ given to an argument by a member."""
    return Delta(number, argument.debate_id, argument.id, giver, argument.author_id, why, AT)


def stance(member: int, value: int) -> StanceChange:
    """Return one declared stance of a member."""
    return StanceChange(1, member, value, AT)


def section(markdown: str, title: str) -> list[str]:
    """Return the lines under the heading that starts with `title`, up to the next heading of its level or above."""
    lines = markdown.splitlines()
    (start,) = [i for i, line in enumerate(lines) if line.lstrip("#").strip().startswith(title)]
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    found = []
    for line in lines[start + 1 :]:
        if line.startswith("#") and len(line) - len(line.lstrip("#")) <= level:
            break
        found.append(line)
    return items("\n".join(found))


def link(argument: Argument) -> str:
    """Return how the digest links an argument."""
    return f"[{argument.label}]({argument.jump_url})"


# -- common ground ----------------------------------------------------------------------------------------------------


def test_planted_common_ground_is_listed_with_votes_by_side() -> None:
    """An argument 3 of 3 on each side approve is common ground; one only its own side approves is not."""
    b = Builder()
    shared, one_sided = b.post("pro", CHIPS), b.post("pro", TIME)
    ballots = [*votes(shared, PRO[:3] + CON[:3], 1), *votes(one_sided, PRO[:3], 1), *votes(one_sided, CON[:3], -1)]
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), ballots=ballots)))
    (line,) = section(text, "Common ground")
    assert line.startswith(f"- {link(shared)} by Ada: “Frontier training needs")
    assert line.endswith("— Pro 3/3 agree · Con 3/3 agree")
    assert "## Common ground: what both sides approve (1 in all)" in text


def test_common_ground_is_capped_best_first_and_the_heading_says_how_many() -> None:
    """Seven common-ground arguments: the five with the best bridging score are listed, the heading counts seven."""
    b = Builder()
    arguments = [b.post("pro", f"Shared point number {i} that both sides can live with.") for i in range(7)]
    ballots = []
    for i, argument in enumerate(arguments):
        ballots += votes(argument, PRO[:3] + CON[:3], 1)
        ballots += votes(argument, [PRO[3], CON[3]], 1 if i >= 2 else 0)  # the last five get a fourth vote a side
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), ballots=ballots)))
    listed = section(text, "Common ground")
    assert [line.split("](")[0] for line in listed] == ["- [#3", "- [#4", "- [#5", "- [#6", "- [#7"]
    assert "(7 in all, the 5 best shown)" in text


# -- cruxes -----------------------------------------------------------------------------------------------------------


def test_a_double_crux_comes_first_then_the_split_with_standing_badges() -> None:
    """Marked on both sides, #2 is listed first as a double crux; #1, which splits 4 voters a side, second."""
    b = Builder()
    split, double = b.post("con", RACE, "Ben"), b.post("pro", CHIPS, "Ada")
    rebuttal = b.answer("attacks", split, BIO, "Cy")
    one_side = b.post("pro", TIME, "Dee")
    ballots = [*votes(split, PRO, -1), *votes(split, CON, 1)]
    marks = [(PRO[0], double.id), (CON[0], double.id), (PRO[1], one_side.id)]
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), ballots=ballots, marks=marks)))
    first, second = section(text, "Cruxes")
    assert first.startswith(f"1. {link(double)} by Ada: “Frontier training")
    assert first.endswith("— 🎯 double crux: would change minds on both sides, Pro 1 · Con 1 · 🟢 stands")
    assert second.startswith(f"2. {link(split)} by Ben:")
    # An unanswered attack refutes #1; the gap of 1 seen by 4 voters a side shrinks to 4 / (4 + 1.96²).
    assert second.endswith("— ⚖️ splits the sides: Pro 0/4 agree · Con 4/4 agree, divisiveness 0.51 · 🔴 refuted")
    assert link(one_side) not in "\n".join(section(text, "Cruxes")), "marked by one side only: not a crux"
    assert link(rebuttal) not in "\n".join(section(text, "Cruxes"))


# -- minds changed ----------------------------------------------------------------------------------------------------


def test_each_delta_names_its_giver_and_links_the_argument_that_changed_their_mind() -> None:
    """Who gave which argument a Δ, oldest first, and the arguments ranked by the minds they changed."""
    b = Builder()
    once, twice = b.post("pro", CHIPS, "Ada"), b.post("con", RACE, "Ben")
    deltas = [delta(1, once, CON[0]), delta(2, twice, PRO[0]), delta(3, twice, PRO[1])]
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), deltas=deltas)))
    assert "### Who changed whose mind (3 Δ from 3 members)" in text
    assert section(text, "Who changed whose mind") == [
        f"- <@{CON[0]}> ← {link(once)} by Ada: “{WHY}”",
        f"- <@{PRO[0]}> ← {link(twice)} by Ben: “{WHY}”",
        f"- <@{PRO[1]}> ← {link(twice)} by Ben: “{WHY}”",
    ]
    most = section(text, "Arguments that changed most minds")
    assert [line.split(" by ")[0] for line in most] == [f"- {link(twice)}", f"- {link(once)}"]
    assert most[0].endswith("— Δ2")


def test_a_hostile_delta_explanation_cannot_mention_link_or_format() -> None:
    """A Δ's explanation is quoted as typed: no mention, link or emphasis, and the only mention is the giver's."""
    b = Builder()
    target = b.post("pro", CHIPS)
    hostile = "@everyone read [this](http://evil.example) <@999> **now**, it changed my mind about chips for real."
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), deltas=[delta(1, target, CON[0], hostile)])))
    (line,) = section(text, "Who changed whose mind")
    assert line.startswith(f"- <@{CON[0]}> ← {link(target)}")
    for forbidden in ("@everyone", "<@999>", "](http://", "**now"):
        assert forbidden not in line
    assert quoted(line) == [hostile], "the words themselves are all there, unescaped"


def test_how_opinion_moved_counts_each_members_first_and_latest_declared_stance() -> None:
    """Five members declared; four changed: two toward Pro, one toward Con, one back where they began."""
    b = Builder()
    b.post("pro", CHIPS)
    changes = [
        stance(1, 1),
        stance(2, -2),
        stance(3, 0),
        stance(1, 2),  # for → strongly for
        stance(2, -1),
        stance(4, 1),  # declared once
        stance(5, -1),
        stance(3, -1),  # unsure → against
        stance(2, -2),  # back to strongly against
        stance(5, 1),  # against → for
    ]
    moves = opinion_moves(changes)
    assert (moves.declared, moves.changed, moves.toward_pro, moves.toward_con, moves.returned) == (5, 4, 2, 1, 1)
    assert moves.first == {-2: 1, -1: 1, 0: 1, 1: 2, 2: 0}
    assert moves.latest == {-2: 1, -1: 1, 0: 0, 1: 2, 2: 1}
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), changes=changes)))
    channel = f"(https://discord.com/channels/{b.debate.guild_id}/{b.debate.channel_id})"
    moved = "5 members declared a stance; 4 changed it: 2 toward Pro, 1 toward Con, 1 back where they began"
    assert section(text, "How opinion moved") == [
        f"- [Stances]{channel}: {moved}",
        f"- [At first]{channel}: Strongly against 1 · Against 1 · Unsure 1 · For 2 · Strongly for 0",
        f"- [Now]{channel}: Strongly against 1 · Against 1 · Unsure 0 · For 2 · Strongly for 1",
    ]


def test_stances_nobody_changed_are_shown_once() -> None:
    """With every member declared once, the digest says nobody changed and shows the stances only as they are now."""
    b = Builder()
    b.post("pro", CHIPS)
    changes = [stance(1, 1), stance(2, -2)]
    text = render_summary(summarise(b.map(), {}, hinges=hinges_of(b.map(), changes=changes)))
    lines = section(text, "How opinion moved")
    assert [line.split("](")[0] for line in lines] == ["- [Stances", "- [Now"]
    assert lines[0].endswith("2 members declared a stance; none has changed it")
    assert lines[1].endswith("Strongly against 1 · Against 0 · Unsure 0 · For 1 · Strongly for 0")


# -- when there is nothing, and one side ------------------------------------------------------------------------------


def test_nothing_to_show_leaves_the_digest_as_it_was(debate) -> None:
    """Without common ground, cruxes, Δ or declared stances, none of the three sections appears."""
    b, a, vectors = debate
    ballots = votes(a["chips"], PRO[:2] + CON[:2], 1)  # two voters a side: too few to call anything
    marks = [(PRO[0], a["race"].id)]  # marked by one side only
    hinges = hinges_of(b.map(), ballots=ballots, marks=marks)
    text = render_summary(summarise(b.map(), vectors, hinges=hinges))
    assert text == render_summary(summarise(b.map(), vectors))
    for heading in ("Common ground", "Cruxes", "Minds changed", "Who changed", "How opinion moved"):
        assert heading not in text


def test_a_one_side_digest_keeps_the_sections_about_both_sides() -> None:
    """A Con digest still lists the Pro double crux, the common ground and the Δ: they are about both sides."""
    b = Builder()
    double, shared = b.post("pro", CHIPS), b.post("con", RACE)
    hinges = hinges_of(
        b.map(),
        ballots=votes(shared, PRO[:3] + CON[:3], 1),
        marks=[(PRO[0], double.id), (CON[0], double.id)],
        deltas=[delta(1, double, CON[1])],
    )
    text = render_summary(summarise(b.map(), {}, side="con", hinges=hinges))
    assert "## Pro" not in text
    assert section(text, "Cruxes")[0].startswith(f"1. {link(double)}")
    assert section(text, "Common ground")[0].startswith(f"- {link(shared)}")
    assert section(text, "Who changed whose mind")[0].startswith(f"- <@{CON[1]}> ← {link(double)}")


@pytest.mark.parametrize("limit", [3800, 400])
def test_every_hinge_line_is_linked_and_every_quote_is_the_debates_own(debate, limit: int) -> None:
    """Every line of the three sections links to Discord, quotes only arguments or Δ, and pages keep their headings."""
    b, a, vectors = debate
    hinges = hinges_of(
        b.map(),
        ballots=[*votes(a["chips"], PRO[:3] + CON[:3], 1), *votes(a["race"], PRO, -1), *votes(a["race"], CON, 1)],
        marks=[(PRO[0], a["time"].id), (CON[0], a["time"].id)],
        deltas=[delta(1, a["chips"], CON[0]), delta(2, a["race"], PRO[1])],
        changes=[stance(PRO[0], 1), stance(CON[0], -2), stance(CON[0], -1)],
    )
    summary = summarise(b.map(), vectors, hinges=hinges)
    text = render_summary(summary)
    hinge_part = text[text.index("## Common ground") : text.index("## Sources cited most")]
    assert len(items(hinge_part)) == 10  # 1 common ground, 2 cruxes, 2 Δ, 2 persuasive, 3 on stances
    assert all(DISCORD in line for line in items(hinge_part))
    said = [" ".join(argument.text.split()) for argument in b.map().arguments] + [WHY]
    assert all(any(fragment in whole for whole in said) for fragment in quoted(hinge_part))
    pages = summary_pages(summary, limit)
    assert all(len(page) <= limit for page in pages)
    paged = [line for page in pages for line in items(page)]
    assert all(paged.count(line) == 1 for line in items(hinge_part))
    for page in pages:
        if "← [" in page:
            assert "### Who changed whose mind" in page, "a page of Δ opens under its heading"
