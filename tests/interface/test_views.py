"""Crux's components without a network: pages turned with ◀ ▶, and the buttons rebuilt from their custom ids."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.interface.views import CiteButton, MergeButton, Pages

OWNER, OTHER = 7, 8


class Response:
    """Records what Crux answers an interaction with, as a member's client would show it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.edits: list[dict[str, Any]] = []

    async def send_message(self, content: str | None = None, **options: Any) -> None:
        """Record a message sent in answer."""
        self.sent.append({"content": content, **options})

    async def edit_message(self, **options: Any) -> None:
        """Record an edit of the message the component is on."""
        self.edits.append(options)


class StandIn:
    """The parts of a discord.Interaction that Pages reads: who clicked, and the response."""

    def __init__(self, user_id: int) -> None:
        self.user = SimpleNamespace(id=user_id)
        self.response = Response()


def embeds(count: int) -> list[discord.Embed]:
    """Return `count` embeds, one per page."""
    return [discord.Embed(title=f"Digest, part {n}") for n in range(1, count + 1)]


async def assert_rebuilt(button: discord.ui.DynamicItem, custom_id: str, label: str, fields: dict[str, int]) -> None:
    """Check a button's custom id matches its template, and the one rebuilt from it has that id, label and fields."""
    match = template(type(button)).fullmatch(button.custom_id)
    assert match is not None

    rebuilt = await type(button).from_custom_id(StandIn(OWNER), button.item, match)  # type: ignore[arg-type]

    assert (rebuilt.custom_id, rebuilt.item.label, {name: getattr(rebuilt, name) for name in fields}) == (
        custom_id,
        label,
        fields,
    )


def template(button: type[discord.ui.DynamicItem]) -> re.Pattern[str]:
    """Return the pattern discord.py full-matches a clicked component's custom id against to pick this class."""
    return button.__discord_ui_compiled_template__


async def press(button: discord.ui.Item, user_id: int = OWNER) -> StandIn:
    """Press a button of a view as a member, and return the interaction with what Crux answered."""
    interaction = StandIn(user_id)
    await button.callback(interaction)  # type: ignore[arg-type]
    return interaction


# -- Pages ------------------------------------------------------------------------------------------------------------


async def test_every_page_says_which_page_it_is() -> None:
    """Each page's footer reads "Page i of n"."""
    pages = Pages(embeds(3), OWNER)

    assert [embed.footer.text for embed in pages.embeds] == ["Page 1 of 3", "Page 2 of 3", "Page 3 of 3"]


async def test_the_buttons_read_back_then_forward() -> None:
    """The pages are turned with ◀ then ▶."""
    pages = Pages(embeds(2), OWNER)

    assert [item.label for item in pages.children if isinstance(item, discord.ui.Button)] == ["◀", "▶"]


@pytest.mark.parametrize(
    ("count", "forward", "disabled"),
    [
        (1, 0, (True, True)),
        (3, 0, (True, False)),
        (3, 1, (False, False)),
        (3, 2, (False, True)),
    ],
    ids=["single page", "first page", "middle page", "last page"],
)
async def test_a_button_is_disabled_where_it_leads_nowhere(
    count: int, forward: int, disabled: tuple[bool, bool]
) -> None:
    """◀ is disabled on the first page and ▶ on the last; both on a single page, neither in the middle."""
    pages = Pages(embeds(count), OWNER)
    for _ in range(forward):
        await press(pages.next)

    assert (pages.previous.disabled, pages.next.disabled) == disabled


async def test_forward_shows_the_next_page() -> None:
    """Pressing ▶ on the first page edits the message to show page 2 with the same buttons."""
    pages = Pages(embeds(3), OWNER)

    interaction = await press(pages.next)

    (edit,) = interaction.response.edits
    assert (edit["embed"].footer.text, edit["view"]) == ("Page 2 of 3", pages)


async def test_back_returns_to_the_first_page() -> None:
    """Pressing ◀ after ▶ shows page 1 again."""
    pages = Pages(embeds(3), OWNER)
    await press(pages.next)

    interaction = await press(pages.previous)

    (edit,) = interaction.response.edits
    assert edit["embed"].footer.text == "Page 1 of 3"


async def test_another_member_cannot_turn_the_pages() -> None:
    """A member who did not ask is refused, and told so privately."""
    pages = Pages(embeds(2), OWNER)
    interaction = StandIn(OTHER)

    allowed = await pages.interaction_check(interaction)  # type: ignore[arg-type]

    assert (allowed, interaction.response.sent) == (
        False,
        [{"content": "Only the member who asked can turn these pages.", "ephemeral": True}],
    )


async def test_the_member_who_asked_can_turn_the_pages() -> None:
    """The member who asked passes the check, and nothing is sent to them."""
    pages = Pages(embeds(2), OWNER)
    interaction = StandIn(OWNER)

    allowed = await pages.interaction_check(interaction)  # type: ignore[arg-type]

    assert (allowed, interaction.response.sent) == (True, [])


# -- buttons that survive a restart -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "custom_id", "label", "fields"),
    [
        (CiteButton(42), "crux:cite:42", "Cite this", {"citation_id": 42}),
        (MergeButton(1, 5, 3), "crux:merge:1:5:3", "Merge #5 into #3", {"debate_id": 1, "duplicate": 5, "into": 3}),
    ],
    ids=["cite", "merge"],
)
async def test_a_button_is_rebuilt_from_its_custom_id(
    button: discord.ui.DynamicItem, custom_id: str, label: str, fields: dict[str, int]
) -> None:
    """A button's custom id matches its template, and the button rebuilt from it has the same id, label and target."""
    await assert_rebuilt(button, custom_id, label, fields)


@pytest.mark.parametrize(
    ("button", "custom_id"),
    [
        (CiteButton, "crux:cite:"),
        (CiteButton, "crux:cite:12a"),
        (CiteButton, "crux:cite:1:5:3"),
        (CiteButton, "crux:merge:1:5:3"),
        (MergeButton, "crux:merge:1:5"),
        (MergeButton, "crux:merge:1:5:3:9"),
        (MergeButton, "crux:cite:42"),
        (MergeButton, "pages:next"),
    ],
)
def test_a_foreign_custom_id_is_not_claimed(button: type[discord.ui.DynamicItem], custom_id: str) -> None:
    """A click whose custom id is malformed or belongs to another component is not routed to this button."""
    assert template(button).fullmatch(custom_id) is None
