"""The debate digest: ranking, open attacks, themes, sources, participation, grounding, escaping and pages."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from markdown_it import MarkdownIt

from bot import summary as summary_module
from bot.db import open_database
from bot.db.debates import DebateStore
from bot.debates.model import Argument, Debate, DebateMap, Side
from bot.debates.service import load_map
from bot.summary import Summary, average_linkage, open_attacks, quote, render_summary, summarise, summary_pages

MOTION = "The world should pause the training of frontier AI models until they can be shown to be safe."
THREADS: dict[Side, int] = {"pro": 10, "con": 20}
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DISCORD = "](https://discord.com/channels/"
DIM = 8

# Pro: verification (theme A) and alignment time (theme B).
CHIPS = (
    "Frontier training needs tens of thousands of specialised chips, so export controls can make a pause enforceable."
)
POWER = "A months-long training run draws as much power as a small town, so inspectors could spot a hidden one."
AUDIT = "Chip registries plus data-centre audits would catch any lab that quietly kept training."
TIME = "A pause buys alignment researchers time to understand the models we already have."
LAG = "Interpretability research lags years behind capabilities, and that gap keeps widening with every release."
# Con.
RACE = "A pause only slows the careful labs while reckless developers race ahead."
SMUGGLE = "Chips get smuggled and stockpiled, so export controls leak long before any treaty bites."
BIO = "The same pause would also delay medical research that could save millions of lives."
CHINA = "Beijing will not sign, so a Western pause just hands the lead to whoever keeps training."


class Builder:
    """Posts arguments, links, votes and citations into a real in-memory store, in posting order."""

    def __init__(self) -> None:
        self.store = DebateStore(open_database(":memory:"))
        self.debate: Debate = self.store.create_debate(1, 2, "text", MOTION, 3, dict(THREADS))
        self.ids: Iterator[int] = itertools.count(1000)
        self.voters: Iterator[int] = itertools.count(900)
        self.minutes = 0

    def post(self, side: Side, text: str, author: str = "Ada", *, kind: str = "argument") -> Argument:
        """Post an argument (a minute after the previous one) and return it."""
        message_id = next(self.ids)
        self.minutes += 1
        return self.store.add_argument(
            debate_id=self.debate.id,
            side=side,
            kind=kind,
            origin="message",
            author_id=sum(map(ord, author)),
            author_name=author,
            thread_id=THREADS[side],
            message_id=message_id,
            jump_url=f"https://discord.com/channels/1/{THREADS[side]}/{message_id}",
            text=text,
            posted_at=START + timedelta(minutes=self.minutes),
        )

    def answer(self, relation: str, target: Argument, text: str, author: str = "Ben") -> Argument:
        """Post an argument that supports (same side) or attacks (other side) the target."""
        side: Side = target.side if relation == "supports" else ("con" if target.side == "pro" else "pro")
        argument = self.post(side, text, author)
        self.store.link(argument, target, relation, "context_menu", argument.author_id)  # type: ignore[arg-type]
        return argument

    def vote(self, argument: Argument, up: int = 0, down: int = 0) -> None:
        """Give an argument this many 👍 and 👎 from fresh members."""
        for value, count in ((1, up), (-1, down)):
            for _ in range(count):
                self.store.set_vote(argument, next(self.voters), value)

    def cite(self, argument: Argument, document: int, paragraph: int, sentence: str, *, confirm: bool) -> None:
        """Suggest a source paragraph for an argument, confirmed by its author if asked."""
        citation = self.store.add_citation(
            argument,
            excerpt_id=document * 100 + paragraph,
            document_id=document,
            document_title=f"Report {document}: verifying a pause",
            paragraph=paragraph,
            sentence=sentence,
            similarity=0.6,
        )
        if confirm:
            self.store.confirm_citation(citation, argument.author_id)

    def map(self) -> DebateMap:
        """Read the map back as the bot does."""
        return load_map(self.store, self.debate)


def unit(*weights: float) -> np.ndarray:
    """Return a unit vector in DIM dimensions from its leading weights."""
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


def unescape(text: str) -> str:
    """Undo the digest's escaping: backslashes before punctuation and zero-width spaces."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace("\u200b", "")


def quoted(markdown: str) -> list[str]:
    """Return every “quoted” fragment of a digest, unescaped, without a closing ellipsis."""
    return [unescape(fragment).removesuffix("…") for fragment in re.findall(r"“(.*?)”", markdown)]


def items(markdown: str) -> list[str]:
    """Return the non-blank, non-heading lines of a digest."""
    return [line for line in markdown.splitlines() if line.strip() and not line.startswith("#")]


@pytest.fixture
def debate() -> tuple[Builder, dict[str, Argument], dict[int, np.ndarray]]:
    """A small realistic debate on a global pause, with votes, links, citations and two themes per side's vectors."""
    b = Builder()
    a: dict[str, Argument] = {}
    a["chips"] = b.post("pro", CHIPS, "Ada")
    a["time"] = b.post("pro", TIME, "Cy")
    a["race"] = b.post("con", RACE, "Ben")
    a["smuggle"] = b.answer("attacks", a["chips"], SMUGGLE, "Ben")
    a["power"] = b.answer("supports", a["chips"], POWER, "Dee")
    a["bio"] = b.answer("attacks", a["time"], BIO, "Eve")
    a["lag"] = b.answer("supports", a["time"], LAG, "Ada")
    a["audit"] = b.answer("attacks", a["smuggle"], AUDIT, "Cy")
    a["china"] = b.answer("attacks", a["chips"], CHINA, "Eve")
    b.post("con", "lol", "Ben", kind="comment")
    b.vote(a["chips"], up=3, down=1)
    b.vote(a["race"], up=2)
    b.vote(a["bio"], down=1)
    b.cite(a["power"], 1, 4, "A training run of that size draws as much power as a small town.", confirm=True)
    b.cite(a["chips"], 1, 2, "Export controls already track where those chips are shipped.", confirm=True)
    b.cite(a["smuggle"], 2, 7, "Enforcement across borders has failed for other dual-use technologies.", confirm=False)
    verification, alignment = unit(1, 0.1), unit(0.1, 1)
    vectors = {
        a["chips"].id: unit(1, 0.05),
        a["power"].id: unit(1, 0.2),
        a["audit"].id: verification,
        a["time"].id: unit(0.05, 1),
        a["lag"].id: alignment,
        a["race"].id: unit(0, 0, 1),
        a["smuggle"].id: unit(0, 0, 1, 0.2),
        a["china"].id: unit(0, 0, 0.2, 1),
    }  # bio has no vector yet
    return b, a, vectors


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
    """score = (up − down) + 1.0 * supports + 0.5 * attacks answered − 1.0 * attacks unanswered."""
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


# -- themes -----------------------------------------------------------------------------------------------------------


def test_themes_group_the_clusters_and_are_named_by_the_central_argument(debate) -> None:
    """Pro's vectors form two clusters; each theme is named by the member most similar to the others."""
    b, a, vectors = debate
    pro = summarise(b.map(), vectors, side="pro").sides[0]
    themes = {t.centre.id: {m.id for m in t.members} for t in pro.themes}
    assert themes == {
        a["audit"].id: {a["chips"].id, a["power"].id, a["audit"].id},
        a["time"].id: {a["time"].id, a["lag"].id},
    }
    assert pro.grouped == 5


def test_arguments_without_a_vector_are_left_out_of_themes_and_counted(debate) -> None:
    """Con's #6 has no embedding yet: no theme lists it and the count says one was left out."""
    b, a, vectors = debate
    con = summarise(b.map(), vectors, side="con").sides[0]
    assert con.without_vector == 1
    assert a["bio"].id not in {m.id for t in con.themes for m in t.members}
    assert "1 not yet read by Crux" in render_summary(summarise(b.map(), vectors, side="con"))


def test_one_argument_themes_are_skipped_when_there_are_many() -> None:
    """Four unrelated arguments and one pair: only the pair is a theme, the others are not listed."""
    b = Builder()
    loners = [b.post("pro", f"Unrelated point number {i} about the pause.") for i in range(4)]
    pair = [b.post("pro", f"Twin point {i} about chips.") for i in range(2)]
    vectors = {arg.id: unit(*([0.0] * i + [1.0])) for i, arg in enumerate(loners)}
    vectors |= {pair[0].id: unit(0, 0, 0, 0, 0, 1, 0.1), pair[1].id: unit(0, 0, 0, 0, 0, 1, 0.2)}
    pro = summarise(b.map(), vectors, side="pro").sides[0]
    assert [{m.id for m in t.members} for t in pro.themes] == [{pair[0].id, pair[1].id}]


def test_clustering_is_capped_to_the_most_voted(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a cap of 2, only the two most-voted arguments are clustered and the rest are counted as left out."""
    monkeypatch.setattr(summary_module, "CLUSTER_CAP", 2)
    b = Builder()
    arguments = [b.post("pro", f"Point {i} about verifying a pause.") for i in range(4)]
    b.vote(arguments[3], up=2)
    b.vote(arguments[1], down=1)
    pro = summarise(b.map(), {arg.id: unit(1, 0.01 * i) for i, arg in enumerate(arguments)}, side="pro").sides[0]
    assert {m.id for t in pro.themes for m in t.members} == {arguments[3].id, arguments[1].id}
    assert pro.not_clustered == 2


def test_average_linkage_matches_merging_the_closest_pair_again_and_again() -> None:
    """The O(n²) nearest-neighbour chain gives the same groups as naive greedy average linkage."""
    rng = np.random.default_rng(3)
    for _ in range(10):
        points = rng.normal(size=(25, 5))
        points /= np.linalg.norm(points, axis=1, keepdims=True)
        similarity = points @ points.T
        for cut in (0.0, 0.3, 0.6):
            clusters = [[i] for i in range(len(points))]
            while len(clusters) > 1:
                best, i, j = max(
                    (similarity[np.ix_(clusters[i], clusters[j])].mean(), i, j)
                    for i in range(len(clusters))
                    for j in range(i + 1, len(clusters))
                )
                if best < cut:
                    break
                clusters[i] += clusters.pop(j)
            labels = average_linkage(similarity, cut)
            found = {frozenset(i for i, label in enumerate(labels) if label == group) for group in set(labels)}
            assert found == {frozenset(c) for c in clusters}


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


# -- grounding and escaping -------------------------------------------------------------------------------------------


def test_every_line_links_to_an_argument_or_names_a_source(debate) -> None:
    """Each non-blank, non-heading line has a Discord jump link or a source title with its paragraph."""
    b, _, vectors = debate
    debate_map = b.map()
    text = render_summary(summarise(debate_map, vectors))
    titles = {c.document_title for c in debate_map.citations}
    for line in items(text):
        names_source = "paragraph" in line and any(title in unescape(line) for title in titles)
        assert DISCORD in line or names_source, line


def test_every_quote_is_text_the_debate_contains(debate) -> None:
    """Every quoted fragment, unescaped, is part of an argument's text or of a cited source sentence."""
    b, _, vectors = debate
    debate_map = b.map()
    text = render_summary(summarise(debate_map, vectors))
    said = [" ".join(a.text.split()) for a in debate_map.arguments] + [c.sentence for c in debate_map.citations]
    fragments = quoted(text)
    assert len(fragments) > 10
    for fragment in fragments:
        assert any(fragment in whole for whole in said), fragment


def test_long_arguments_are_cut_between_words_with_an_ellipsis() -> None:
    """A 300-character argument is quoted as its first ~120 characters, ending on a whole word and an ellipsis."""
    text = " ".join(["verification"] * 25)
    shortened = quote(text)
    assert shortened.endswith("verification…")
    assert len(shortened) <= 121
    assert text.startswith(shortened.removesuffix("…"))


HOSTILE = (
    "@everyone $motion read [this](http://evil.example) and `rm -rf` <@123> **now**\n# Owned\n- fake item ||spoiler|| "
    "https://evil.example/x www.evil.example <t:1:R> _x_ ~~y~~ $motion"
)


def test_hostile_text_cannot_link_mention_or_format() -> None:
    """Mentions, masked links, bare URLs, code, emphasis and headings in member text come out as plain text."""
    b = Builder()
    target = b.post("pro", HOSTILE, "@here")
    attacker = b.answer("attacks", target, HOSTILE + " again", "[admin](http://evil.example)")
    text = render_summary(summarise(b.map(), {target.id: unit(1), attacker.id: unit(1, 0.1)}))
    tokens = [t for block in MarkdownIt("commonmark").parse(text) for t in [block, *(block.children or [])]]
    links = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert links
    assert all(str(href).startswith("https://discord.com/channels/") for href in links)
    assert not {t.type for t in tokens} & {"code_inline", "em_open", "strong_open", "s_open", "html_inline"}
    assert all(f"{DISCORD}" in line for line in items(text))
    assert not [line for line in text.splitlines() if line.startswith(("#", "- fake")) and "Owned" in line]
    for forbidden in ("@everyone", "@here", "://evil", "www.evil", "](http://"):
        assert forbidden not in text
    ours = re.sub(r"\[[\w# ]+\]\(https://discord\.com/channels/[\d/]+\)", "", text)
    assert not re.search(r"(?<!\\)[<`*_~|\[\]]", ours)  # every other Markdown character is escaped
    assert any(HOSTILE.split("\n")[0] in fragment for fragment in quoted(text))


# -- pages, empty debates, one side -----------------------------------------------------------------------------------


def big_debate(count: int) -> tuple[DebateMap, dict[int, np.ndarray]]:
    """Return a debate of `count` arguments answering one another, with votes, citations and vectors."""
    b = Builder()
    arguments: list[Argument] = []
    vectors: dict[int, np.ndarray] = {}
    for i in range(count):
        text = f"Argument {i} on whether chips, audits or treaties could verify a pause, with a long tail " * 2
        if arguments and i % 3:
            target = arguments[(i * 7) % len(arguments)]
            argument = b.answer("supports" if i % 2 else "attacks", target, text, f"member{i % 9}")
        else:
            argument = b.post("pro" if i % 2 else "con", text, f"member{i % 9}")
        b.vote(argument, up=i % 4, down=i % 3 == 0)
        if i % 5 == 0:
            b.cite(argument, i % 4, i % 7, f"Sentence {i % 7} of the report.", confirm=i % 2 == 0)
        arguments.append(argument)
        vectors[argument.id] = unit(*np.cos(np.arange(DIM) * (i % 6)))
    return b.map(), vectors


@pytest.mark.parametrize("limit", [600, 1500, 3800])
def test_pages_fit_the_limit_and_keep_every_item(limit: int) -> None:
    """Every page is at most `limit` characters and the pages hold every item of the digest exactly once."""
    debate_map, vectors = big_debate(90)
    summary = summarise(debate_map, vectors)
    pages = summary_pages(summary, limit=limit)
    assert len(pages) > 1
    assert all(len(page) <= limit for page in pages)
    assert sorted(line for page in pages for line in items(page)) == sorted(items(render_summary(summary)))


def test_pages_repeat_the_headings_an_item_sits_under() -> None:
    """A page that starts mid-section opens with its side and section headings."""
    debate_map, vectors = big_debate(90)
    pages = summary_pages(summarise(debate_map, vectors), limit=1500)
    assert pages[0].startswith("# Debate")
    assert all(page.startswith("## ") for page in pages[1:])
    sides = [page for page in pages[1:] if page.startswith(("## Pro", "## Con"))]
    assert sides
    assert all(page.split("\n\n")[1].startswith("### ") for page in sides)


def test_an_empty_debate_renders_a_short_nothing_yet_digest() -> None:
    """With no arguments the digest is the title and one line linking both threads, on one page."""
    b = Builder()
    b.post("pro", "hi", kind="comment")
    summary = summarise(b.map(), {})
    text = render_summary(summary)
    assert summary.empty
    assert len(items(text)) == 1
    assert "Nothing has been argued yet" in text
    assert "(https://discord.com/channels/1/10)" in text
    assert "(https://discord.com/channels/1/20)" in text
    assert summary_pages(summary) == [text.strip()]


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
