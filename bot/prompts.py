"""Render the texts in prompts/: plain files with $placeholders that a community can edit."""

from __future__ import annotations

from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def render(name: str, **values: object) -> str:
    """Return prompts/<name>.md with its placeholders filled; a missing placeholder raises KeyError naming it."""
    # Read on every call so an edited prompt takes effect without a restart.
    template = Template((PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8"))
    return template.substitute({key: str(value) for key, value in values.items()}).strip()
