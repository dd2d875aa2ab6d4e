"""Render the texts in prompts/: plain files with $placeholders that a community can edit."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from string import Template

PACKAGE = "prompts"
SUFFIX = ".md"


def folder() -> Traversable:
    """Return where the prompts are read from: the `prompts` package, in the repository or an installed wheel."""
    return files(PACKAGE)


def prompt_names() -> list[str]:
    """Return the name of every prompt shipped, sorted."""
    return sorted(
        entry.name.removesuffix(SUFFIX)
        for entry in folder().iterdir()
        if entry.name.endswith(SUFFIX) and entry.is_file()
    )


def render(name: str, **values: object) -> str:
    """Return prompts/<name>.md with its placeholders filled; a missing placeholder raises KeyError naming it."""
    # Read on every call so an edited prompt takes effect without a restart.
    template = Template(folder().joinpath(f"{name}{SUFFIX}").read_text(encoding="utf-8"))
    return template.substitute({key: str(value) for key, value in values.items()}).strip()
