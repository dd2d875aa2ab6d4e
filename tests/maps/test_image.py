"""The map drawn as a PNG: boxes and edges for the map's arguments and relations, subtrees, fallbacks, odd text."""

from __future__ import annotations

import io
import itertools
import random
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageChops

from bot.db import open_database
from bot.db.debates import DebateStore
from bot.db.hinges import HingeStore
from bot.debates.hinges import Hinges
from bot.debates.marks import DebateHinges, debate_hinges
from bot.debates.model import Argument, DebateMap, Relation, Side, other_side
from bot.debates.service import load_map
from bot.errors import CruxError, MapImageError
from bot.maps.image import MAX_NODES, MAX_SIDE, MapImage, drawable, render_map
from bot.maps.image.badges import STANDS_NOTE, all_pills
from bot.maps.image.layout import box_frame, fit
from bot.maps.image.select import Forest, tops

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
THREADS: dict[Side, int] = {"pro": 111, "con": 222}
POSTED = datetime(2025, 3, 1, 12, tzinfo=UTC)
MOTION = "The leading AI powers should agree a verifiable global pause on training frontier AI models."
WHY = "The point about export controls showed me that enforcing a pause across borders is possible after all."


class Built:
    """A debate written through the real store, one message at a time, as the bot captures them."""

    def __init__(self, motion: str = MOTION) -> None:
        self.store = DebateStore(open_database(":memory:"))
        self.debate = self.store.create_debate(1, 2, "forum", motion, 3, THREADS)
        self.ids = itertools.count(5001)
        self.voters = itertools.count(90_001)

    def add(
        self, side: Side, text: str, *answers: tuple[Relation, Argument], kind: str = "argument", author: str = "Ada"
    ) -> Argument:
        """Post a message to a side's thread; it supports or attacks each of `answers`."""
        message_id = next(self.ids)
        argument = self.store.add_argument(
            debate_id=self.debate.id,
            side=side,
            kind=kind,
            origin="message",
            author_id=7,
            author_name=author,
            thread_id=THREADS[side],
            message_id=message_id,
            jump_url=f"https://discord.com/channels/1/{THREADS[side]}/{message_id}",
            text=text,
            posted_at=POSTED,
        )
        for relation, target in answers:
            self.store.link(argument, target, relation, "context_menu", 7)
        return argument

    def vote(self, argument: Argument, up: int, down: int = 0) -> None:
        """Record votes from distinct members."""
        for value, count in ((1, up), (-1, down)):
            for _ in range(count):
                self.store.set_vote(argument, next(self.voters), value)

    def map(self) -> DebateMap:
        """Read the map back from storage."""
        return load_map(self.store, self.debate)

    @property
    def service(self) -> Hinges:
        """Return the hinges service over the same store."""
        return Hinges(self.store, HingeStore(self.store.db))

    def member(self, value: int) -> int:
        """Add a member who declared a stance (positive: for the motion) and return their id."""
        member = next(self.voters)
        self.service.hinges.declare_stance(self.debate.id, member, value)
        return member

    def hinges(self) -> DebateHinges:
        """Compute the debate's marks as the cog does."""
        return debate_hinges(self.service.hinge_inputs(self.debate))


@pytest.fixture
def sample() -> Built:
    """Build a small debate: trees on both sides, cross-side rebuttals, an answer to two, a comment, a deletion, votes.

    #1 pro <- #2 pro supports, #3 con attacks <- #4 pro attacks #3 and supports #1; #5 con <- #6 con supports,
    #7 pro attacks <- #8 con attacks; #9 pro alone; #10 con deleted after attacking #9.
    """
    built = Built()
    one = built.add("pro", "A pause gives safety research time to catch up with capabilities.")
    built.add("pro", "Interpretability still cannot explain what large models compute.", ("supports", one))
    three = built.add("con", "A pause only binds careful labs; reckless ones keep training.", ("attacks", one))
    built.add("pro", "Chip supply chains make secret runs hard to hide.", ("attacks", three), ("supports", one))
    five = built.add("con", "Nobody can enforce a treaty across borders.")
    built.add("con", "Voluntary pledges were dropped within months.", ("supports", five))
    seven = built.add("pro", "Export controls already work across borders.", ("attacks", five))
    built.add("con", "Export controls leak through cloud rentals.", ("attacks", seven))
    nine = built.add("pro", "Labs themselves asked for rules.")
    built.add("con", "lol", kind="comment")
    ten = built.add("con", "This debate is a distraction from harms today.", ("attacks", nine))
    built.store.mark_deleted(ten, POSTED)
    built.vote(one, 3, 1)
    built.vote(three, 2)
    return built


def synthetic(size: int, seed: int = 1) -> Built:
    """Build a random debate of `size` arguments, each after the first few answering an earlier one."""
    rng = random.Random(seed)
    built = Built(f"Synthetic debate of {size} arguments")
    arguments: list[Argument] = []
    for index in range(size):
        target = rng.choice(arguments) if index >= 4 else None
        if target is None:
            side: Side = "pro" if index % 2 == 0 else "con"
            arguments.append(built.add(side, f"Root argument number {index} with a few words."))
            continue
        relation: Relation = "attacks" if rng.random() < 0.4 else "supports"
        side = other_side(target.side) if relation == "attacks" else target.side
        arguments.append(built.add(side, f"Answer {index} to an earlier point, in some words.", (relation, target)))
    return built


@pytest.fixture(scope="module")
def large() -> DebateMap:
    """Build a 250-argument debate, once for the module."""
    return synthetic(250).map()


def _open(image: MapImage) -> Image.Image:
    return Image.open(io.BytesIO(image.png))


def test_output_is_a_png_of_the_stated_size(sample: Built) -> None:
    """The bytes are a PNG whose width and height are the ones MapImage reports."""
    image = render_map(sample.map())
    assert image.png.startswith(PNG_SIGNATURE)
    opened = _open(image)
    opened.verify()
    assert _open(image).format == "PNG"
    assert _open(image).size == (image.width, image.height)


def test_every_numbered_argument_is_one_box(sample: Built) -> None:
    """Each numbered argument is drawn once; comments and deleted arguments are not drawn."""
    debate_map = sample.map()
    assert render_map(debate_map).nodes == len(debate_map.numbered) == 9


def test_every_support_and_attack_is_an_edge(sample: Built) -> None:
    """Each relation between drawn arguments, including a second target's, is one edge."""
    debate_map = sample.map()
    assert render_map(debate_map).edges == len(debate_map.relations) == 7


def test_whole_map_that_fits_has_no_note(sample: Built) -> None:
    """A map drawn in full carries no note."""
    assert render_map(sample.map()).note is None


def test_root_draws_only_its_subtree(sample: Built) -> None:
    """root: draws the argument and what answers it, recursively: #5, #6, #7 and #8."""
    image = render_map(sample.map(), root=5)
    assert (image.nodes, image.edges, image.note) == (4, 3, None)


def test_root_subtree_includes_answers_to_answers_across_sides(sample: Built) -> None:
    """The subtree under #3 holds the Pro answer to the Con rebuttal."""
    image = render_map(sample.map(), root=3)
    assert (image.nodes, image.edges) == (2, 1)


def test_depth_limits_the_levels_below_the_roots(sample: Built) -> None:
    """depth: 1 draws the roots and their direct answers only."""
    image = render_map(sample.map(), depth=1)
    # roots #1, #5, #9; under #1: #2, #3, #4; under #5: #6, #7 (#8 answers #7, a level deeper)
    assert image.nodes == 8
    assert image.edges == 6  # #4 attacks #3 too, but the edge is drawn since both boxes are


def test_root_and_depth_together(sample: Built) -> None:
    """root: 5 with depth: 1 draws #5 and its direct answers."""
    assert render_map(sample.map(), root=5, depth=1).nodes == 3


def test_unknown_root_is_a_clear_crux_error(sample: Built) -> None:
    """A root number that is not in the debate raises a CruxError naming it."""
    with pytest.raises(MapImageError, match=r"no argument #99") as raised:
        render_map(sample.map(), root=99)
    assert isinstance(raised.value, CruxError)


def test_deleted_argument_is_an_unknown_root(sample: Built) -> None:
    """A deleted argument's number cannot be drawn as a root."""
    with pytest.raises(MapImageError, match="has no argument #10"):
        render_map(sample.map(), root=10)


@pytest.mark.parametrize("depth", [0, -1, 11])
def test_depth_out_of_range_is_refused(sample: Built, depth: int) -> None:
    """A depth outside 1-10 raises a CruxError that says the range."""
    with pytest.raises(MapImageError, match="1 to 10"):
        render_map(sample.map(), depth=depth)


def test_cycle_of_answers_is_drawn_once() -> None:
    """Arguments that only answer each other are each one box, with both edges."""
    built = Built()
    first = built.add("pro", "First point of a loop of replies.")
    second = built.add("pro", "Second point of a loop of replies.", ("supports", first))
    built.store.link(first, second, "supports", "context_menu", 7)
    image = render_map(built.map())
    assert (image.nodes, image.edges) == (2, 2)


def test_large_map_falls_back_to_a_subtree_with_a_note(large: DebateMap) -> None:
    """A 250-argument map is drawn in part, says so, and stays within the box and canvas caps."""
    image = render_map(large)
    assert image.note is not None
    assert "of 250 arguments" in image.note
    assert "root:" in image.note
    assert 1 <= image.nodes <= MAX_NODES
    assert image.width <= MAX_SIDE
    assert image.height <= MAX_SIDE
    assert _open(image).size == (image.width, image.height)


def test_large_map_with_a_root_is_drawn_in_part_with_a_note(large: DebateMap) -> None:
    """root: on an argument with a big subtree also falls back, naming the root."""
    image = render_map(large, root=1)
    assert image.note is not None
    assert "#1" in image.note
    assert image.nodes <= MAX_NODES


def test_max_nodes_caps_the_boxes(sample: Built) -> None:
    """A smaller max_nodes draws at most that many boxes, with a note."""
    image = render_map(sample.map(), max_nodes=4)
    assert image.nodes <= 4
    assert image.note is not None


def test_map_too_tall_for_the_canvas_falls_back() -> None:
    """A reply chain 40 deep is within MAX_NODES but not the canvas: it is drawn in part."""
    built = Built()
    previous = built.add("pro", "The start of a long chain of replies.")
    for index in range(39):
        previous = built.add("pro", f"Reply {index} that supports the one before it.", ("supports", previous))
    image = render_map(built.map())
    assert image.note is not None
    assert image.height <= MAX_SIDE
    assert image.nodes < 40


def test_empty_map_is_a_small_valid_png() -> None:
    """A debate with no numbered arguments draws a small image with no boxes."""
    built = Built()
    built.add("pro", "ok", kind="comment")
    image = render_map(built.map())
    assert (image.nodes, image.edges, image.note) == (0, 0, None)
    assert image.width <= 800
    assert image.height <= 400
    assert _open(image).size == (image.width, image.height)


HOSTILE = [
    "Emoji 😀🔥👍🏽 everywhere 🇺🇳 and a family 👨‍👩‍👧",
    "שלום עולם، مرحبا بالعالم — right to left text",
    "\u202eoverride\u202c and \u200bzero width joiners\u200d",
    "A" * 500,
    "Supercalifragilisticexpialidocious" * 8 + " then short words",
    "line one\nline two\n\n\nline five\r\n\ttabbed",
    "@everyone @here <@123456789> <#987> **bold** `code` [link](http://x)",
    "Z̵̡̛a̷̢l̴̨g̶o̸ t̷e̴x̵t̶",
    "中文的论点\uff0c日本語の議論、한국어 논증",
    "   ",
    "\x00\x07 control characters \x1b[31m",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_draws_without_error(text: str) -> None:
    """Emoji, right-to-left scripts, long words, newlines, mentions and controls are drawn without error."""
    built = Built(motion=text)
    root = built.add("pro", text, author=text[:40])
    built.add("con", text, ("attacks", root), author=text[:40])
    image = render_map(built.map())
    assert (image.nodes, image.edges) == (2, 1)
    assert _open(image).size == (image.width, image.height)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Zürich café naïve", "Zürich café naïve"),
        ("“quoted” ‘single’ …", "“quoted” ‘single’ …"),
        ("a — b \u2013 c", "a — b \u2013 c"),
        ("Straße Œuvre Ελλάδα Київ", "Straße Œuvre Ελλάδα Київ"),
        ("emoji 😀🔥 here", "emoji ? here"),
        ("中文的论点 here", "? here"),
        ("line\none\ttab", "line one tab"),
        ("\u202eevil\u202c", "evil"),
    ],
)
def test_characters_the_font_lacks_are_simplified(text: str, shown: str) -> None:
    """Latin, Greek and Cyrillic are drawn as written; what the font lacks (emoji, CJK) becomes one ? per run."""
    assert drawable(text) == shown


def test_same_map_gives_the_same_bytes(sample: Built) -> None:
    """Drawing the same map twice, even read again from storage, gives identical PNG bytes."""
    assert render_map(sample.map()).png == render_map(sample.map()).png


def test_same_large_map_gives_the_same_bytes(large: DebateMap) -> None:
    """The fallback drawing of a large map is deterministic too."""
    assert render_map(large).png == render_map(large).png


def hinged(sample: Built) -> DebateHinges:
    """Mark the sample: common ground on #2, a double crux on #5 and a Δ on #9 (#3 and #7 are refuted by attacks)."""
    numbered = {argument.number: argument for argument in sample.map().numbered.values()}
    pro = [sample.member(1) for _ in range(3)]
    con = [sample.member(-1) for _ in range(3)]
    for member in pro + con:
        sample.store.set_vote(numbered[2], member, 1)
    sample.service.hinges.mark_crux(numbered[5], pro[0])
    sample.service.hinges.mark_crux(numbered[5], con[0])
    sample.service.hinges.award_delta(numbered[9], con[1], WHY)
    return sample.hinges()


def test_boxes_carry_the_badges_of_their_arguments(sample: Built) -> None:
    """Each marked argument's box shows its badges in words; arguments that stand unmarked show none."""
    image = render_map(sample.map(), hinges=hinged(sample))
    assert image.badges == {
        2: ("common ground",),
        3: ("refuted",),
        5: ("double crux",),
        7: ("refuted",),
        9: ("Δ1",),
    }
    assert image.caption == (
        "Badges drawn: refuted #3, #7 · common ground #2 · double crux #5 · Δ (minds changed) #9 (1)."
    )


def test_a_badge_is_drawn_on_its_own_box(sample: Built) -> None:
    """A second Δ on #9 changes the picture on #9's box and nowhere else."""
    hinges = hinged(sample)
    before = _open(render_map(sample.map(), hinges=hinges)).convert("RGB")
    numbered = {argument.number: argument for argument in sample.map().numbered.values()}
    sample.service.hinges.award_delta(numbered[9], sample.member(1), WHY)
    after_hinges = sample.hinges()
    after = _open(render_map(sample.map(), hinges=after_hinges)).convert("RGB")
    assert before.size == after.size
    debate_map = sample.map()
    drawing = fit(debate_map, Forest.span(debate_map, tops(debate_map)), None, MAX_NODES, pills=all_pills(after_hinges))
    assert drawing is not None
    left, top, right, bottom = box_frame(drawing.boxes[numbered[9].id])
    changed = ImageChops.difference(before, after).getbbox()
    assert changed is not None, "the Δ2 pill differs from the Δ1 pill"
    changed_left, changed_top, changed_right, changed_bottom = changed  # right and bottom exclusive
    assert left <= changed_left
    assert changed_right <= right + 1
    assert top <= changed_top
    assert changed_bottom <= bottom + 1


def test_the_legend_names_the_kinds_drawn(sample: Built) -> None:
    """The picture's badge legend lists each kind drawn once, in order, and says unmarked arguments stand."""
    debate_map = sample.map()
    pills = all_pills(hinged(sample))
    drawing = fit(debate_map, Forest.span(debate_map, tops(debate_map)), None, MAX_NODES, pills=pills)
    assert drawing is not None
    legend = [(found.text if found else None, meaning) for row in drawing.legend for found, meaning in row]
    assert [text for text, _ in legend] == ["refuted", "common ground", "double crux", "Δn", None]
    assert legend[-1] == (None, STANDS_NOTE)
    assert all(box_frame(box)[1] > 0 for box in drawing.boxes.values())


def test_a_subtree_shows_only_its_own_badges(sample: Built) -> None:
    """root: 5 draws #5's double crux and #7's refutation, and its caption names no argument outside the subtree."""
    image = render_map(sample.map(), root=5, hinges=hinged(sample))
    assert image.badges == {5: ("double crux",), 7: ("refuted",)}
    assert image.caption is not None
    assert "#9" not in image.caption
    assert "#3" not in image.caption


def test_nothing_marked_draws_the_map_as_before() -> None:
    """A debate where everything stands and nothing is marked draws the same picture with or without its hinges."""
    built = Built()
    one = built.add("pro", "A pause gives safety research time to catch up with capabilities.")
    built.add("pro", "Interpretability still cannot explain what large models compute.", ("supports", one))
    built.vote(one, 2, 1)
    with_hinges = render_map(built.map(), hinges=built.hinges())
    assert (with_hinges.badges, with_hinges.caption) == ({}, None)
    assert with_hinges.png == render_map(built.map()).png


def test_a_box_with_every_badge_keeps_its_size_and_text() -> None:
    """Standing, common ground, a double crux and Δ all fit on one box, which keeps its size and a line of text."""
    built = Built()
    target = built.add("con", "Nobody can enforce a treaty across borders, so any pause is only a pledge.")
    first = built.add("pro", "Export controls already work across borders.", ("attacks", target))
    built.store.link(target, first, "attacks", "context_menu", 7)  # a two-cycle: both contested
    pro = [built.member(2) for _ in range(3)]
    con = [built.member(-2) for _ in range(3)]
    for member in pro + con:
        built.store.set_vote(target, member, 1)
    built.service.hinges.mark_crux(target, pro[0])
    built.service.hinges.mark_crux(target, con[0])
    for member in con[1:]:
        built.service.hinges.award_delta(target, member, WHY)
    image = render_map(built.map(), hinges=built.hinges())
    assert image.badges[1] == ("contested", "common ground", "double crux", "Δ2")
    plain = render_map(built.map())
    assert (image.width, image.nodes) == (plain.width, plain.nodes)


def test_same_marked_map_gives_the_same_bytes(sample: Built) -> None:
    """Drawing a map with its badges twice gives identical PNG bytes."""
    hinges = hinged(sample)
    assert render_map(sample.map(), hinges=hinges).png == render_map(sample.map(), hinges=hinges).png
