"""Reply relations: the cue file, the rules that propose supports, attacks or untyped, and their measured precision."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from bot.debates.model import Side
from bot.debates.relations import PROPOSED, RULES, Cues, cues, load_cues, normalise, propose_relation
from bot.debates.reply_evaluation import ReplySample, evaluate

SAMPLES_FILE = Path(__file__).resolve().parent.parent / "data" / "reply_samples.json"
RECORDS: list[dict[str, Any]] = json.loads(SAMPLES_FILE.read_text(encoding="utf-8"))["samples"]
SAMPLES = [ReplySample.from_record(record) for record in RECORDS]
PRECISION_FLOOR = 0.9
ABSTAIN_CEILING = 1 / 3

# -- the cue file ------------------------------------------------------------------------------------------------------


def test_the_cue_file_loads_once() -> None:
    """The shipped cue file parses, and every call returns the same loaded lists."""
    assert cues() is cues()


def test_every_cue_list_is_filled() -> None:
    """Every category of the cue file holds at least one cue."""
    loaded = cues()
    assert all(getattr(loaded, field.name) for field in fields(Cues))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[attack]\ninterjections = ['no']\n", r"\[attack\] openers"),
        ("[attack]\ninterjections = []\n", r"\[attack\] interjections"),
        ("[attack]\ninterjections = ['No']\n", "not lower case"),
    ],
    ids=["missing", "empty", "upper-case"],
)
def test_a_malformed_cue_file_names_the_list(text: str, message: str) -> None:
    """A missing, empty or upper-case list raises ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        load_cues(text)


# Each category of the cue file and a reply that only it decides, as a table: (category, reply, stance, target
# side, thread side, relation, rule).
USES: list[tuple[str, str, Side | None, Side, Side, str, str]] = [
    ("attack_interjections", "Nope, the chips leak.", None, "pro", "pro", "attacks", "attack-opener"),
    ("attack_openers", "That ignores smuggling entirely.", None, "pro", "pro", "attacks", "attack-opener"),
    (
        "attack_phrases",
        "The whole plan doesn't follow from the chip data.",
        None,
        "pro",
        "pro",
        "attacks",
        "attack-phrase",
    ),
    ("support_interjections", "Agreed.", None, "con", "con", "supports", "support-opener"),
    ("support_openers", "Can confirm, I worked at a fab.", None, "con", "con", "supports", "support-opener"),
    ("support_phrases", "The grid data is a strong argument.", None, "pro", "pro", "supports", "support-phrase"),
    ("addition_openers", "Plus the fabs keep shipping records.", None, "pro", "pro", "supports", "addition"),
    ("concession_openers", "Granted, yet, nobody checks.", None, "pro", "pro", "attacks", "concession-contrast"),
    (
        "contrast_markers",
        "I'm pro-pause, however this is a bad example.",
        "pro",
        "pro",
        "pro",
        "attacks",
        "after-contrast",
    ),
    ("neutral_interjections", "Interesting. I'll read up.", "con", "pro", "pro", "responds_to", "neutral-cue"),
    ("neutral_openers", "Can you elaborate on the overhang?", "pro", "con", "con", "responds_to", "neutral-question"),
    (
        "neutral_phrases",
        "After both threads I'm still on the fence.",
        "con",
        "pro",
        "pro",
        "responds_to",
        "neutral-cue",
    ),
    ("filler_words", "Respectfully, no.", None, "pro", "pro", "attacks", "attack-opener"),
    ("negation_words", "That is hardly a strong argument.", None, "pro", "pro", "attacks", "attack-phrase"),
]


def test_the_table_of_uses_covers_every_category() -> None:
    """Every category of the cue file appears in the table of uses below."""
    assert {use[0] for use in USES} == {field.name for field in fields(Cues)}


@pytest.mark.parametrize(("category", "reply", "stance", "target", "thread", "relation", "rule"), USES)
def test_every_cue_category_decides_a_reply(
    category: str, reply: str, stance: Side | None, target: Side, thread: Side, relation: str, rule: str
) -> None:
    """A cue of each category, alone in a reply, makes the proposal its rule gives."""
    proposal = propose_relation(reply, stance, target, thread)
    assert (proposal.relation, proposal.rule) == (relation, rule)


@pytest.mark.parametrize(
    ("reply", "normalised"),
    [
        ("I DON’T think so", "i don't think so"),
        ("<@123> <@!456> fair   point", "fair point"),
        ("> a quoted line\nmy answer", "my answer"),
    ],
    ids=["curly-quote", "mentions", "quoted-line"],
)
def test_replies_are_normalised_before_matching(reply: str, normalised: str) -> None:
    """Case, curly quotes, mentions, quoted lines and runs of spaces do not hide a cue."""
    assert normalise(reply) == normalised


# -- the rules ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "stance", "target", "thread", "relation"),
    [
        # An interjection needs punctuation, the end or a linking word after it.
        ("Right now the labs are racing each other.", None, "pro", "pro", "responds_to"),
        ("Exactly what does 'safe' mean?", None, "pro", "pro", "responds_to"),
        ("Yes and the permits are public.", None, "pro", "pro", "supports"),
        # The longest cue wins: these open with a word that is a cue the other way.
        ("No doubt, and the patients lose most.", None, "con", "con", "supports"),
        ("Not sure where I stand on this yet.", None, "con", "con", "responds_to"),
        # Granting, then turning.
        ("Yes, but the chips get smuggled.", None, "pro", "pro", "attacks"),
        ("I see your point, but it only works with every fab on board.", None, "pro", "pro", "attacks"),
        ("I'm against the pause, but I'll grant this one.", "con", "pro", "pro", "supports"),
        # Negated forms.
        ("I don't think that's true at all.", None, "pro", "pro", "attacks"),
        ("You're not wrong about the grid.", None, "pro", "pro", "supports"),
        ("I don't disagree with any of that.", None, "pro", "pro", "supports"),
        ("That isn't a good argument.", "pro", "pro", "pro", "attacks"),
    ],
)
def test_how_a_reply_opens_and_turns(
    reply: str, stance: Side | None, target: Side, thread: Side, relation: str
) -> None:
    """Interjections, longest cues, contrasts and negations give the relation a reader would."""
    assert propose_relation(reply, stance, target, thread).relation == relation


@pytest.mark.parametrize(
    ("stance", "target", "thread", "relation", "rule"),
    [
        ("con", "pro", "pro", "attacks", "other-side"),
        (None, "pro", "con", "attacks", "other-side"),
        ("pro", "pro", "con", "attacks", "other-side"),
        ("pro", "pro", "pro", "supports", "same-side"),
        (None, "pro", "pro", "responds_to", "no-signal"),
    ],
)
def test_without_a_cue_the_sides_decide(
    stance: Side | None, target: Side, thread: Side, relation: str, rule: str
) -> None:
    """A plain statement attacks from the other side, supports from the same side, and is untyped otherwise."""
    proposal = propose_relation("Inspectors can audit power use at data centres.", stance, target, thread)
    assert (proposal.relation, proposal.rule) == (relation, rule)


def test_clear_agreement_from_the_other_side_supports() -> None:
    """A member of the other side who clearly agrees is not mapped as attacking."""
    assert propose_relation("Agreed, the chips are traceable.", "con", "pro", "pro").relation == "supports"


def test_an_addition_from_the_other_side_is_left_untyped() -> None:
    """'Also…' from the other side may add a problem as easily as a reason, so it abstains."""
    proposal = propose_relation("Also the fabs are in Taiwan.", "con", "pro", "pro")
    assert (proposal.relation, proposal.rule) == ("responds_to", "addition-other-side")


@pytest.mark.parametrize(
    "reply",
    ["Which fabs do you mean?", "How long did it last? Who checked?", "Source?"],
)
def test_a_question_is_left_untyped_even_from_the_other_side(reply: str) -> None:
    """Asking is not yet disagreeing: a question-only reply abstains whoever asks."""
    assert propose_relation(reply, "con", "pro", "pro").relation == "responds_to"


def test_agreeing_and_disagreeing_at_once_is_left_untyped() -> None:
    """A reply with both an attack and a support phrase and no turn between them abstains."""
    proposal = propose_relation("The goal, I agree with; the method, I disagree with.", "pro", "pro", "pro")
    assert (proposal.relation, proposal.rule) == ("responds_to", "mixed")


@pytest.mark.parametrize("reply", ["", "   ", "<@123>", "> only a quote"])
def test_a_reply_without_words_is_left_untyped(reply: str) -> None:
    """An empty reply, or one that is only a mention or a quote, abstains."""
    proposal = propose_relation(reply, "con", "pro", "pro")
    assert (proposal.relation, proposal.rule) == ("responds_to", "empty")


def test_every_proposal_names_a_known_rule_and_a_reason() -> None:
    """Over all the samples, every proposal gives a rule from RULES and a non-empty reason."""
    proposals = [propose_relation(s.reply, s.stance, s.target_side, s.thread) for s in SAMPLES]
    assert all(p.rule in RULES and p.reason for p in proposals)


def test_only_supports_and_attacks_are_typed() -> None:
    """A proposal is typed when it supports or attacks, not when it responds_to."""
    assert [propose_relation(reply, "pro", "pro", "pro").typed for reply in ("Agreed.", "No.", "Source?")] == [
        True,
        True,
        False,
    ]


# -- evaluation --------------------------------------------------------------------------------------------------------


def sample(reply: str, gold: str, stance: Side | None = "pro") -> ReplySample:
    """Return a labelled reply to a Pro argument, posted in the Pro thread."""
    record = {
        "id": reply,
        "target": {"side": "pro", "text": "Chips can be tracked."},
        "reply": reply,
        "stance": stance,
        "thread": "pro",
        "gold": gold,
    }
    return ReplySample.from_record(record)


def test_evaluate_counts_the_confusion_and_the_shares() -> None:
    """Precision, recall, typed precision and abstain rate follow from the confusion table."""
    result = evaluate(
        [
            sample("Agreed.", "supports"),
            sample("No, they leak.", "attacks"),
            sample("Exactly.", "attacks"),
            sample("Source?", "responds_to"),
        ]
    )
    assert result.confusion["supports", "supports"] == 1
    assert result.confusion["attacks", "supports"] == 1
    assert result.precision["supports"] == 0.5
    assert result.recall["attacks"] == 0.5
    assert (result.typed, result.typed_precision, result.abstain_rate) == (3, 2 / 3, 0.25)
    assert [miss.id for miss, _ in result.misses] == ["Exactly."]


def test_evaluate_has_no_precision_for_a_relation_never_proposed() -> None:
    """With nothing proposed as a relation, its precision is None, not zero."""
    result = evaluate([sample("Source?", "responds_to")])
    assert (result.precision["attacks"], result.typed_precision, result.abstain_rate) == (None, None, 1.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("gold", "agrees"), ("stance", "maybe"), ("thread", None)],
)
def test_a_malformed_sample_is_rejected(field: str, value: object) -> None:
    """A sample with an unknown relation or side raises ValueError naming it."""
    record = {**RECORDS[0], field: value}
    with pytest.raises(ValueError, match=RECORDS[0]["id"]):
        ReplySample.from_record(record)


# -- the samples and the floor -----------------------------------------------------------------------------------------


def test_the_samples_are_many_unique_and_mixed() -> None:
    """At least 70 development and 20 held-out samples, unique ids, about a quarter to leave untyped."""
    development = [s for s in SAMPLES if not s.held_out]
    untyped = sum(s.gold == "responds_to" for s in SAMPLES) / len(SAMPLES)
    assert len(development) >= 70
    assert len(SAMPLES) - len(development) >= 20
    assert len({s.id for s in SAMPLES}) == len(SAMPLES)
    assert 0.2 <= untyped <= 0.3
    assert {s.gold for s in SAMPLES} == set(PROPOSED)


@pytest.mark.parametrize("held_out", [None, True], ids=["all", "held-out"])
def test_typed_precision_stays_at_the_floor(held_out: bool | None) -> None:
    """On the samples (all, and the held-out part alone), typed replies are right at least 90% of the time."""
    chosen = [s for s in SAMPLES if held_out is None or s.held_out == held_out]
    result = evaluate(chosen)
    assert result.typed_precision is not None
    assert result.typed_precision >= PRECISION_FLOOR


@pytest.mark.parametrize("held_out", [None, True], ids=["all", "held-out"])
def test_abstentions_stay_under_the_ceiling(held_out: bool | None) -> None:
    """On the samples (all, and the held-out part alone), at most a third of replies are left untyped."""
    chosen = [s for s in SAMPLES if held_out is None or s.held_out == held_out]
    assert evaluate(chosen).abstain_rate <= ABSTAIN_CEILING
