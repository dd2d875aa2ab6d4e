"""The Δ form: what changed a member's mind, asked for when they use **Δ Changed my mind** on an argument."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.debates.hinges import MAX_DELTA_CHARS, MIN_DELTA_CHARS
from bot.interface.bot import answer_error

# How long an opened form waits for its submit before discord.py forgets it.
FORM_TIMEOUT = 900.0


class DeltaForm(discord.ui.Modal):
    """Asks why an argument changed the member's mind (at least MIN_DELTA_CHARS characters), then hands it over."""

    explanation: discord.ui.TextInput = discord.ui.TextInput(
        label="What changed your mind, and how?",
        custom_id="explanation",
        style=discord.TextStyle.paragraph,
        placeholder="Say what in the argument moved you and what you think now (at least 50 characters).",
        min_length=MIN_DELTA_CHARS,
        max_length=MAX_DELTA_CHARS,
    )

    def __init__(
        self, title: str, custom_id: str, on_text: Callable[[discord.Interaction, str], Awaitable[None]]
    ) -> None:
        super().__init__(title=title[:45], custom_id=custom_id, timeout=FORM_TIMEOUT)
        self.on_text = on_text

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Hand the explanation over; the receiver checks it and answers."""
        await self.on_text(interaction, self.explanation.value)

    # discord.py's Modal.on_error drops the View's `item` argument; mypy sees that as an incompatible override.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Answer through the bot's one error path."""
        await answer_error(interaction, error, "Δ modal")
