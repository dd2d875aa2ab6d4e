"""Rendering the editable texts in prompts/."""

from __future__ import annotations

from pathlib import Path
from string import Template

import pytest

from bot import prompts
from bot.prompts import prompt_names, render

PROMPT_NAMES = prompt_names()

# The values the bot passes to each prompt (cogs/, bot/bot.py); a prompt may use any of them.
SUPPLIED = {
    "apology": set(),
    "library_empty": set(),
    "library_loading": set(),
    "export_members_withheld": set(),
    "help_header": set(),
    "summary_common_ground": {"shown", "arguments"},
    "summary_cruxes": {"shown", "cruxes"},
    "summary_minds": {"given", "deltas", "persuasive", "opinion"},
    "source_footer": {"paragraph", "source_id", "similarity"},
    "source_header": {"query"},
    "sources_added": {"title", "source_id", "excerpts", "embedded"},
    "sources_list_header": {"count"},
    "sources_removed": {"title", "source_id", "excerpts"},
    "sources_replaced": {"title", "source_id", "excerpts", "embedded"},
    "sources_unchanged": {"title", "source_id", "excerpts", "embedded"},
    "motion": set(),
    "debate_opening": {"side", "other_side", "motion", "stance", "place"},
    "debate_started": {"debate_id", "pro", "con"},
    "debate_closed": {"debate_id"},
    "stance_card": {"debate_id", "motion", "current"},
    "delta_note": {"member", "label", "jump_url", "author", "explanation"},
    "delta_recorded": {"label", "jump_url", "author", "note"},
    "review_card": {"debate_id", "remaining", "label", "jump_url", "side", "author", "text", "votes"},
    "review_done": {"debate_id"},
    "crux_thread": {
        "label",
        "debate_id",
        "why",
        "text",
        "jump_url",
        "author",
        "side",
        "standing",
        "supports",
        "attacks",
        "sources",
    },
    "context_post": {"author", "verb", "label", "jump_url", "text"},
    "context_posted": {"label", "jump_url", "side"},
    "citation_suggestion": {"label", "title", "paragraph", "sentence"},
    "duplicate_notice": {"label", "earlier", "jump_url", "earlier_author"},
    "summary": {"debate_id", "motion", "status", "sides", "sources", "participation"},
    "summary_empty": {"debate_id", "motion", "threads"},
    "summary_side": {
        "side",
        "arguments",
        "strongest",
        "contested",
        "open_count",
        "open_shown",
        "open_attacks",
        "grouped",
        "without_vector",
        "not_clustered",
        "themes",
    },
    "summary_strongest": {
        "rank",
        "label",
        "jump_url",
        "author",
        "quote",
        "score",
        "up",
        "down",
        "supports",
        "attacks",
        "answered",
        "unanswered",
    },
    "summary_contested": {"label", "jump_url", "author", "quote", "supports", "attacks"},
    "summary_open_attack": {"attacker", "attacker_url", "target", "target_url", "author", "quote", "age"},
    "summary_theme": {"label", "jump_url", "quote", "count", "members"},
    "summary_source": {"title", "paragraphs", "paragraph_count", "cited", "suggested"},
    "summary_passage": {"title", "paragraph", "sentence", "cited_by", "suggested_for"},
    "summary_participation": {
        "pro_url",
        "pro_arguments",
        "pro_members",
        "con_url",
        "con_arguments",
        "con_members",
        "debate_url",
        "members",
        "comments",
        "supports",
        "attacks",
        "duplicates",
        "votes",
    },
}


def _placeholders(text: str) -> set[str]:
    """Return the names of the $placeholders in a template, found the way string.Template finds them."""
    matches = Template.pattern.finditer(text)
    return {m.group("named") or m.group("braced") for m in matches if m.group("named") or m.group("braced")}


def _text(name: str) -> str:
    """Return a shipped prompt's text as render reads it."""
    return prompts.folder().joinpath(f"{name}.md").read_text(encoding="utf-8")


@pytest.fixture
def prompt_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a private prompts folder that render reads instead of the real one."""
    monkeypatch.setattr(prompts, "folder", lambda: tmp_path)
    return tmp_path


def test_render_fills_placeholders(prompt_dir: Path) -> None:
    """Every $name and ${name} is replaced by its value as text, $$ becomes $, and outer whitespace is trimmed."""
    (prompt_dir / "greeting.md").write_text("\n  **$title** is source #${source_id}; it costs $$0.  \n\n")
    assert render("greeting", title="Pause", source_id=7) == "**Pause** is source #7; it costs $0."


def test_render_does_not_expand_placeholders_inside_values(prompt_dir: Path) -> None:
    """A value that itself contains $words is inserted as typed."""
    (prompt_dir / "echo.md").write_text("You searched for “$query”.")
    assert render("echo", query="$title costs $5") == "You searched for “$title costs $5”."


def test_missing_placeholder_raises_key_error_naming_it(prompt_dir: Path) -> None:
    """Rendering without a value for a placeholder fails loudly, naming the placeholder."""
    (prompt_dir / "added.md").write_text("**$title** is now source #$source_id.")
    with pytest.raises(KeyError, match="source_id"):
        render("added", title="Pause")


def test_edited_prompt_takes_effect_without_restart(prompt_dir: Path) -> None:
    """A prompt file edited between two renders is read afresh."""
    path = prompt_dir / "note.md"
    path.write_text("First $x")
    first = render("note", x=1)
    path.write_text("Second $x")
    assert (first, render("note", x=2)) == ("First 1", "Second 2")


def test_every_prompt_the_bot_uses_is_shipped() -> None:
    """The prompts folder holds exactly the texts the bot renders."""
    assert set(PROMPT_NAMES) == set(SUPPLIED)


def test_prompt_names_lists_only_markdown_files(prompt_dir: Path) -> None:
    """prompt_names() lists the .md files by name, sorted, and ignores anything else in the folder."""
    for name in ("b.md", "a.md", "notes.txt", "__init__.py"):
        (prompt_dir / name).write_text("x")
    (prompt_dir / "folder.md").mkdir()
    assert prompt_names() == ["a", "b"]


@pytest.mark.parametrize("name", PROMPT_NAMES)
def test_prompt_uses_only_placeholders_the_bot_supplies(name: str) -> None:
    """A misspelt $placeholder in a prompt file is caught here rather than by a member's command failing."""
    assert _placeholders(_text(name)) <= SUPPLIED.get(name, set())


@pytest.mark.parametrize("name", PROMPT_NAMES)
def test_every_shipped_prompt_renders(name: str) -> None:
    """Each prompt file renders when given its placeholders, leaving no $placeholder behind."""
    values = {placeholder: f"<{placeholder}>" for placeholder in _placeholders(_text(name))}
    rendered = render(name, **values)
    assert rendered
    assert all(value in rendered for value in values.values())
    assert not _placeholders(rendered)
