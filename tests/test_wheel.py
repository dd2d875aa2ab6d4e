"""The built wheel carries what an installed Crux reads at run time: every prompt renders from it alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bot.interface.bot import extensions
from bot.prompts import render
from tests.test_prompts import SUPPLIED

ROOT = Path(__file__).resolve().parent.parent
REPO_PROMPTS = sorted(path.stem for path in (ROOT / "prompts").glob("*.md"))
# What a build never needs: copying it would only make the test slower.
NOT_BUILT = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*cache*", "node_modules", "build", "dist", "*.egg-info", "*.db", "*.db-*"
)

# Run with -I -S: no current folder, no PYTHON* variables and no site processing, so neither the repository nor the
# editable install's finder (a .pth file in site-packages) can be imported. sys.path is then the standard library,
# the unpacked wheel first, and the venv's site-packages last, for the dependencies only.
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.append(sys.argv[2])
import bot.prompts, prompts
from bot.interface.bot import extensions
values = json.load(sys.stdin)
json.dump({
    "modules": [prompts.__file__, bot.prompts.__file__],
    "names": bot.prompts.prompt_names(),
    "rendered": {name: bot.prompts.render(name, **fill) for name, fill in values.items()},
    "extensions": extensions(),
}, sys.stdout)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Crux built as a wheel, offline, from a copy of the repository."""
    # A copy, because building in place writes build/ and crux.egg-info into the working tree, where another
    # test run could be building at the same moment.
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_BUILT)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    command += ["--disable-pip-version-check", "-q", "-w", str(work / "dist"), "."]
    subprocess.run(command, cwd=source, check=True, capture_output=True, timeout=120)
    [built] = (work / "dist").glob("crux-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Return what a fresh interpreter that can import only the unpacked wheel (and the dependencies) reports."""
    unpacked = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    values = {name: _values(name) for name in REPO_PROMPTS}
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(unpacked), sysconfig.get_paths()["purelib"]],
        input=json.dumps(values),
        cwd=unpacked,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {"root": unpacked, **json.loads(done.stdout)}


def test_every_prompt_file_is_in_the_wheel(wheel: Path) -> None:
    """The wheel holds prompts/__init__.py and every prompts/*.md of the repository."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert REPO_PROMPTS
    assert {f"prompts/{name}.md" for name in REPO_PROMPTS} | {"prompts/__init__.py"} <= names


def test_the_reply_cue_lists_are_in_the_wheel(wheel: Path) -> None:
    """The data the reply classifier reads ships with it: an installed Crux can type replies."""
    with zipfile.ZipFile(wheel) as archive:
        assert "bot/debates/reply_cues.toml" in archive.namelist()


def test_the_probe_imported_the_wheel_not_the_repository(installed: dict) -> None:
    """The fresh interpreter found prompts and bot.prompts inside the unpacked wheel."""
    root = Path(installed["root"]).resolve()
    assert all(Path(module).resolve().is_relative_to(root) for module in installed["modules"]), installed["modules"]


def test_an_installed_crux_lists_every_prompt(installed: dict) -> None:
    """prompt_names() in an installed Crux names exactly the repository's prompt files."""
    assert installed["names"] == REPO_PROMPTS


def test_every_prompt_renders_from_the_wheel_as_from_the_repository(installed: dict) -> None:
    """Each prompt rendered from the wheel, with the values the bot supplies, reads as it does from the repository."""
    expected = {name: render(name, **_values(name)) for name in REPO_PROMPTS}
    assert installed["rendered"] == expected


def test_an_installed_crux_finds_every_extension(installed: dict) -> None:
    """The cogs ship too: the installed bot would load the same extensions as the repository's."""
    assert installed["extensions"] == extensions()


def _values(name: str) -> dict[str, str]:
    """Return a recognisable value for each placeholder the bot supplies to a prompt."""
    return {placeholder: f"<{placeholder}>" for placeholder in SUPPLIED.get(name, set())}
