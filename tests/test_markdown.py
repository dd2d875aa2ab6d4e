"""Text Crux writes in Markdown: quoting members' words."""

from __future__ import annotations

from bot.markdown import quote


def test_long_arguments_are_cut_between_words_with_an_ellipsis() -> None:
    """A 300-character argument is quoted as its first ~120 characters, ending on a whole word and an ellipsis."""
    text = " ".join(["verification"] * 25)
    shortened = quote(text)
    assert shortened.endswith("verification…")
    assert len(shortened) <= 121
    assert text.startswith(shortened.removesuffix("…"))
