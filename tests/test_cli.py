"""The `crux` command line: settings errors, the source library verbs and search output."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.sources.embedding import MiniLMEmbedder
from tests.conftest import ROOT, SEEDS

FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_embedder: MiniLMEmbedder) -> Path:
    """Point CRUX_DB at a fresh file, clear Discord settings, run from a folder without a .env, reuse the model."""
    monkeypatch.setattr("bot.sources.embedding.MiniLMEmbedder", lambda: real_embedder)
    for name in list(os.environ):
        if name.startswith(("CRUX_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "crux.db"
    monkeypatch.setenv("CRUX_DB", str(db))
    return db


def crux_process(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed `crux` entry point as a separate process."""
    crux = Path(sys.executable).parent / "crux"
    return subprocess.run([str(crux), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", "DISCORD_TOKEN is not set"), ("not-a-token", "does not look like a Discord bot token")],
)
def test_run_without_a_usable_token_says_how_to_get_one(tmp_path: Path, token: str, expected: str) -> None:
    """`crux run` with a missing or malformed token prints one line on creating one, exits 2, shows no traceback."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CRUX_", "DISCORD_"))}
    environ |= {"DISCORD_TOKEN": token, "CRUX_DB": str(tmp_path / "crux.db")}
    result = crux_process("run", env=environ, cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "developers/applications" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if token:
        assert token not in result.stderr + result.stdout
    assert not (tmp_path / "crux.db").exists(), "the token is checked before anything is created"


def test_sources_add_reports_each_document(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Adding a folder and bad files prints added or rejected per document; a second run says unchanged."""
    bad = tmp_path / "slides.pptx"
    bad.write_bytes(b"PK\x03\x04")
    code = main(["sources", "add", str(SEEDS), str(bad), str(tmp_path / "missing.txt")])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1, "a rejected document makes the exit code non-zero"
    assert sum(line.startswith("added") for line in lines) == 5
    assert any(line.startswith("rejected") and "slides.pptx" in line and ".txt, .md or .pdf" in line for line in lines)
    assert any(line.startswith("rejected") and "missing.txt" in line for line in lines)

    assert main(["sources", "add", str(SEEDS)]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["unchanged"] * 5


def test_sources_list_and_remove(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sources list` shows each document with its id; `sources remove` takes one away."""
    main(["sources", "add", str(SEEDS / "004_e37f3927a0aafb37.txt")])
    capsys.readouterr()
    assert main(["sources", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Inside Anthropic's Controversial Call" in listing
    assert main(["sources", "remove", "1"]) == 0
    assert "Removed source #1" in capsys.readouterr().out
    main(["sources", "list"])
    assert "library is empty" in capsys.readouterr().out
    assert main(["sources", "remove", "1"]) == 1
    assert "There is no source #1" in capsys.readouterr().err


def test_search_json_reads_queries_from_stdin(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`crux search --json -` prints one JSON object per query line, with every documented field."""
    main(["sources", "add", str(SEEDS / "003_250bfd79a5953938.txt"), str(SEEDS / "001_d9b2027b81bd244b.txt")])
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("who is against a pause?\n\nhow would it be verified\n"))
    assert main(["search", "--json", "-k", "2", "-"]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["query"] for o in objects] == ["who is against a pause?", "how would it be verified"]
    keys = {"rank", "score", "source_id", "source_title", "excerpt_id", "text", "start", "end", "sentence"}
    for result in (r for o in objects for r in o["results"]):
        assert keys <= result.keys()
        assert result["sentence"] in result["text"]
        assert result["end"] - result["start"] == len(result["text"])
    assert [r["rank"] for r in objects[0]["results"]] == [1, 2]


def test_search_listing_highlights_the_best_sentence(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The readable listing names the source and paragraph and marks the best sentence."""
    main(["sources", "add", str(SEEDS / "003_250bfd79a5953938.txt")])
    capsys.readouterr()
    assert main(["search", "-k", "1", "verification of a pause"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== verification of a pause")
    assert "paragraph" in out
    assert ">>" in out
    assert "<<" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not sqlite at all" * 100, "not a usable Crux database"), (None, "There is no database")],
)
def test_bad_database_file_is_a_clear_error(
    env: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    """A corrupt or missing CRUX_DB gives one clear line and exit 1, and a corrupt file is left as it was."""
    if content is not None:
        env.write_bytes(content)
    assert main(["sources", "list"]) == 1
    assert message in capsys.readouterr().err
    if content is not None:
        assert env.read_bytes() == content


def test_empty_query_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A whitespace-only query is refused with a message saying what to type."""
    main(["sources", "add", str(SEEDS / "003_250bfd79a5953938.txt")])
    capsys.readouterr()
    assert main(["search", "   "]) == 1
    assert "query is empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    "query",
    ["pause \udcff", "\ud800 verification", "pause\x1b[31m", "p" * 100_000],
    ids=["byte 0xff from the shell", "lone surrogate", "escape sequence", "100 kB"],
)
def test_unreadable_or_huge_queries_are_one_clear_line(
    env: Path, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    r"""`crux search "$(printf 'pause \xff')"` and other unusable queries print one `crux:` line and exit 1."""
    main(["sources", "add", str(SEEDS / "003_250bfd79a5953938.txt")])
    capsys.readouterr()
    assert main(["search", query]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("crux: ")
    assert "control characters or broken Unicode" in lines[0] or "characters long; keep it under 400" in lines[0]
    assert captured.out == ""


def test_search_syntax_in_queries_is_searched_as_words(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """FTS5 operators, quotes and brackets in `crux search` queries give results, not errors."""
    main(["sources", "add", str(SEEDS / "003_250bfd79a5953938.txt")])
    capsys.readouterr()
    queries = ['"verification', "NEAR(pause verification", "pause AND OR NOT", "text:pause*", "^(pause))"]
    assert main(["search", "--json", "-k", "1", *queries]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["query"] for o in objects] == queries
    assert all(len(o["results"]) == 1 for o in objects)


def test_sources_add_reports_crafted_pdfs_and_adds_the_rest(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Crafted PDFs (an unsupported filter, a decompression bomb) get a `rejected` line each; the seeds are added."""
    from tests.sources.test_pdfs import MALFORMED

    (tmp_path / "filter.pdf").write_bytes(MALFORMED["unsupported filter"])
    (tmp_path / "bomb.pdf").write_bytes(MALFORMED["decompression bomb"])
    code = main(["sources", "add", str(tmp_path / "filter.pdf"), str(SEEDS), str(tmp_path / "bomb.pdf")])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    filter_reason = "`filter.pdf` could not be read as a PDF (Unsupported filter /NoSuchDecode)."
    assert lines[0] == f"rejected   {tmp_path / 'filter.pdf'}: {filter_reason}"
    assert lines[-1].startswith(f"rejected   {tmp_path / 'bomb.pdf'}: `bomb.pdf` could not be read as a PDF (")
    assert sum(line.startswith("added") for line in lines) == 5


def test_sources_add_refuses_a_sparse_gigabyte_by_its_size(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1 GB file (sparse, so it costs no disk) is one `rejected` line naming its size and the limit."""
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(1024**3)
    assert main(["sources", "add", str(huge)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"rejected   {huge}: `huge.txt` is 1,073,741,824 bytes, over the 5 MiB limit. Split it into smaller files."
    ]


def test_sources_add_on_a_folder_without_documents_says_so(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder with no .txt, .md or .pdf file is reported, exits 1, and creates no database."""
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "talk.pptx").write_bytes(b"PK\x03\x04")
    assert main(["sources", "add", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == f"crux: no .txt, .md or .pdf files in {folder}"
    assert captured.out == ""
    assert not env.exists()


def test_sources_add_reports_an_empty_folder_beside_good_files(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty folder given with a good file is reported, the file is still added, and the exit code is 1."""
    (tmp_path / "empty").mkdir()
    assert main(["sources", "add", str(tmp_path / "empty"), str(SEEDS / "003_250bfd79a5953938.txt")]) == 1
    captured = capsys.readouterr()
    assert f"crux: no .txt, .md or .pdf files in {tmp_path / 'empty'}" in captured.err
    assert captured.out.startswith("added")


def test_sources_add_prints_a_file_name_that_is_not_utf8(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose name holds a Latin-1 byte is added and printed with that byte escaped, as `ls -b` shows it."""
    folder = tmp_path / "latin1"
    folder.mkdir()
    try:
        (folder / os.fsdecode(b"caf\xe9.txt")).write_bytes((SEEDS / "003_250bfd79a5953938.txt").read_bytes())
    except (UnicodeEncodeError, OSError):
        pytest.skip("this file system refuses names that are not UTF-8")
    assert main(["sources", "add", str(folder)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"added      {folder}/caf\\xe9.txt -> #1 ")


def test_run_with_an_unreachable_api_base_names_the_setting(tmp_path: Path) -> None:
    """`crux run` when nothing answers at DISCORD_API_BASE prints one line naming the setting and exits 2."""
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api/v10"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CRUX_", "DISCORD_"))}
    environ |= {
        "DISCORD_TOKEN": FAKE_TOKEN,
        "DISCORD_API_BASE": base,
        "CRUX_DB": str(tmp_path / "crux.db"),
        "CRUX_LOG_LEVEL": "WARNING",
    }
    result = crux_process("run", env=environ, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"crux: cannot reach DISCORD_API_BASE {base} (")
    assert last.endswith("). Check the setting or unset it.")
    assert FAKE_TOKEN not in result.stderr + result.stdout


def test_readme_commands_exist() -> None:
    """The README's two set-up commands are Makefile targets, and CI runs the test one."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make check" in readme
    assert ci.strip().splitlines()[-1] == "make check"
    assert shutil.which("make") is not None


def _debate_in(db_path: Path) -> None:
    """Store a small debate directly, as the bot would have captured it."""
    from bot.db import open_database
    from bot.db.debates import DebateStore

    store = DebateStore(open_database(db_path))
    debate = store.create_debate(1, 2, "text", "Pause frontier training", 3, {"pro": 10, "con": 20})
    claim = store.add_argument(
        debate_id=debate.id,
        side="pro",
        kind="argument",
        origin="message",
        author_id=4,
        author_name="Ada",
        thread_id=10,
        message_id=11,
        jump_url="https://discord.com/channels/1/10/11",
        text="Safety research needs time that the race does not give it.",
        posted_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
    )
    rebuttal = store.add_argument(
        debate_id=debate.id,
        side="con",
        kind="argument",
        origin="rebut",
        author_id=5,
        author_name="Ben",
        thread_id=20,
        message_id=21,
        jump_url="https://discord.com/channels/1/20/21",
        text="A pause only helps the labs that ignore it.",
        posted_at=datetime(2026, 11, 23, 10, 5, tzinfo=UTC),
    )
    store.link(rebuttal, claim, "attacks", "context_menu", 5)
    store.db.conn.close()


def test_debates_list_and_export(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`crux debates list` shows each debate; `crux export` writes its map to a file or to standard output."""
    _debate_in(env)
    assert main(["debates", "list"]) == 0
    assert "Pause frontier training" in capsys.readouterr().out

    target = tmp_path / "map.json"
    assert main(["export", "1", "--format", "json", "-o", str(target)]) == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [a["number"] for a in exported["arguments"]] == [1, 2]
    assert [(link["from"], link["to"], link["relation"]) for link in exported["links"]] == [(2, 1, "attacks")]

    assert main(["export", "1", "--format", "argdown", "-o", "-"]) == 0
    assert "[#1]: Safety research needs time" in capsys.readouterr().out


def test_export_carries_where_the_debate_hinges(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`crux export` writes schema v2: stances, ballots, crux marks and scores; its Argdown has the marks as tags."""
    from bot.db import open_database
    from bot.db.debates import DebateStore
    from bot.db.hinges import HingeStore

    _debate_in(env)
    db = open_database(env)
    store, hinges = DebateStore(db), HingeStore(db)
    _, rebuttal = store.arguments(1)
    hinges.declare_stance(1, 4, 2)
    hinges.mark_crux(rebuttal, 4)
    store.set_vote(rebuttal, 6, 1)
    db.conn.close()

    target = tmp_path / "map.json"
    assert main(["export", "1", "--format", "json", "-o", str(target)]) == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["schema"] == "crux.debate-map/2"
    stances = {s["member"]: (s["value"], s["declared"]) for s in exported["stances"]}
    assert stances == {"4": (2, True), "5": (-1, False), "6": (-1, False)}
    assert exported["ballots"] == [{"member": "6", "argument": 2, "vote": 1}]
    assert [(m["member"], m["argument"]) for m in exported["crux_marks"]] == [("4", 2)]
    scores = {a["number"]: a["scores"] for a in exported["arguments"]}
    assert (scores[1]["standing"], scores[2]["crux_marks"]) == ("refuted", {"pro": 1, "con": 0, "other": 0})
    assert exported["links"][0]["method"] == "context_menu"

    assert main(["export", "1", "--format", "argdown", "-o", "-"]) == 0
    argdown = capsys.readouterr().out
    assert "[#1]: Safety research needs time that the race does not give it. #refuted" in argdown
    assert "A pause only helps the labs that ignore it. #crux" in argdown


def test_export_of_an_unknown_debate_says_how_to_find_one(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exporting a debate that does not exist fails with exit 1 and points at `crux debates list`."""
    _debate_in(env)
    assert main(["export", "7", "--format", "json"]) == 1
    assert "crux debates list" in capsys.readouterr().err


def test_dotenv_in_the_working_folder_is_read(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings come from a .env in the folder crux runs in, as the README says; real variables would win."""
    monkeypatch.delenv("CRUX_DB")
    (tmp_path / ".env").write_text("CRUX_DB=from-dotenv.db\n", encoding="utf-8")
    assert main(["sources", "add", str(SEEDS / "003_250bfd79a5953938.txt")]) == 0
    assert (tmp_path / "from-dotenv.db").exists()
    assert not env.exists()
