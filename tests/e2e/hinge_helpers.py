"""What the stance, Δ, crux and review tests share: reading buttons and links as a member's client shows them."""

from __future__ import annotations

import re
from typing import Any

from tests.fake_discord import FakeDiscord, FakeMember

EPHEMERAL = 64
MODAL = 9
LINK = re.compile(r"\]\((https://discord\.com/channels/[0-9]+/([0-9]+)(?:/([0-9]+))?)\)")


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return a message's buttons by label."""
    return {
        button["label"]: button
        for row in message.get("components") or []
        for button in row.get("components") or []
        if button.get("type") == 2
    }


async def press(fake: FakeDiscord, message: dict[str, Any], member: FakeMember, label: str) -> dict[str, Any]:
    """Press one button of a message as a member; return the message as it then reads (or the new one it opened)."""
    clicked = await fake.click_component(message, member, buttons(message)[label]["custom_id"])
    await clicked.wait_for_response()
    if clicked.response_type == 4:
        return await clicked.wait_for_final_message()
    return clicked.original_message or message


def assert_links_resolve(fake: FakeDiscord, text: str) -> list[str]:
    """Check that every Markdown link to Discord in `text` opens a message (or channel) that exists; return them."""
    links = LINK.findall(text)
    for url, channel_id, message_id in links:
        if message_id:
            found = fake.find_message(int(message_id))
            assert found is not None, f"{url} points at no message"
            assert found["channel_id"] == channel_id, f"{url} names the wrong channel"
        else:
            assert int(channel_id) in fake.channels, f"{url} points at no channel"
    return [url for url, _, _ in links]


async def embed_pages(fake: FakeDiscord, message: dict[str, Any], member: FakeMember) -> list[str]:
    """Return every page of a paged embed reply, turning the pages with ▶ as the member who asked."""
    pages = [message["embeds"][0]["description"]]
    while (turn := buttons(message).get("▶")) is not None and not turn.get("disabled"):
        message = await press(fake, message, member, "▶")
        pages.append(message["embeds"][0]["description"])
    return pages
