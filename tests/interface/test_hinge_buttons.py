"""The stance, Where-do-you-stand and crux-thread buttons: rebuilt from their custom ids, and nobody else's claimed."""

from __future__ import annotations

import discord
import pytest

from bot.interface.cruxes import CruxThreadButton
from bot.interface.review import ReviewButton
from bot.interface.stances import StanceButton, StandButton, stand_view
from tests.interface.test_views import assert_rebuilt, template


@pytest.mark.parametrize(
    ("button", "custom_id", "label", "fields"),
    [
        (StanceButton(4, -2), "crux:stance:4:-2", "Strongly against", {"debate_id": 4, "value": -2}),
        (StanceButton(4, 1, current=True), "crux:stance:4:1", "For", {"debate_id": 4, "value": 1}),
        (StandButton(), "crux:stand", "Where do you stand?", {}),
        (CruxThreadButton(2, 17, "#5"), "crux:cruxthread:2:17", "Thread for this crux", {"debate_id": 2}),
        (ReviewButton(3, 900, "up"), "crux:review:3:900:up", "Agree", {"message_id": 900, "action": "up"}),
        (ReviewButton(3, 900, "next"), "crux:review:3:900:next", "Next", {"debate_id": 3}),
    ],
    ids=["stance", "current-stance", "stand", "crux-thread", "review-agree", "review-next"],
)
async def test_a_button_is_rebuilt_from_its_custom_id(
    button: discord.ui.DynamicItem, custom_id: str, label: str, fields: dict[str, int]
) -> None:
    """A button's custom id matches its template; the one rebuilt from it has the same id, what it names, a label."""
    await assert_rebuilt(button, custom_id, label, fields)


def test_the_current_stance_is_shown_pressed_and_cannot_be_pressed_again() -> None:
    """The member's declared point is highlighted and disabled; the others are not."""
    current, other = StanceButton(1, 2, current=True).item, StanceButton(1, 0).item
    assert (current.style, current.disabled) == (discord.ButtonStyle.success, True)
    assert (other.style, other.disabled) == (discord.ButtonStyle.secondary, False)


def test_the_opening_post_view_never_times_out() -> None:
    """The Where do you stand? view on an opening post lives as long as the post."""
    view = stand_view()
    assert view.timeout is None
    assert [item.custom_id for item in view.children] == ["crux:stand"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("button", "custom_id"),
    [
        (StanceButton, "crux:stance:4:3"),
        (StanceButton, "crux:stance:4:-3"),
        (StanceButton, "crux:stance::1"),
        (StanceButton, "crux:stand"),
        (StandButton, "crux:stand:4"),
        (StandButton, "crux:stance:4:1"),
        (CruxThreadButton, "crux:cruxthread:2"),
        (CruxThreadButton, "crux:cite:42"),
        (ReviewButton, "crux:review:3:900:maybe"),
        (ReviewButton, "crux:review:3:up"),
    ],
)
def test_a_foreign_custom_id_is_not_claimed(button: type[discord.ui.DynamicItem], custom_id: str) -> None:
    """A click whose custom id is malformed or belongs to another component is not routed to this button."""
    assert template(button).fullmatch(custom_id) is None
