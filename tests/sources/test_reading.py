"""Reading documents from disk: the size is checked before reading, reading stops at the cap, and the caps on text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import DocumentRejected
from bot.sources.documents import (
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENT_CHARS,
    MAX_EXCERPTS,
    parse_document,
    read_document,
    split_excerpts,
)
from bot.sources.library import Library
from tests.conftest import ROOT

GIGABYTE = 1024**3

# Adds one sparse 1 GB file to a library in a fresh process and prints how much the peak memory grew meanwhile.
_MEASURE = """
import json, resource, sys
from pathlib import Path
from bot.db import open_database
from bot.db.sources import SourceStore
from bot.sources.library import Library
from tests.conftest import FakeEmbedder

library = Library(SourceStore(open_database(":memory:")), FakeEmbedder())
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcomes = library.add_paths([Path(sys.argv[1])], added_by="tests")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kib": after - before, "rejected": [o.rejected for o in outcomes]}))
"""


@pytest.fixture
def sparse_gigabyte(tmp_path: Path) -> Path:
    """Make a 1 GB text file that takes no disk space: it is all a hole."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(GIGABYTE)
    return path


def test_a_sparse_gigabyte_is_refused_without_reading_it(sparse_gigabyte: Path) -> None:
    """A 1 GB file is refused by its size, and memory does not grow by anything like its size (under 100 MB)."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(sparse_gigabyte)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["rejected"] == [
        f"`huge.txt` is {GIGABYTE:,} bytes, over the 5 MiB limit. Split it into smaller files."
    ]
    assert measured["grew_kib"] < 100 * 1024, f"peak memory grew by {measured['grew_kib'] / 1024:.0f} MB"


def test_read_document_refuses_by_size_before_opening(sparse_gigabyte: Path) -> None:
    """read_document refuses an oversized file from its size alone, with the size in the message."""
    with pytest.raises(DocumentRejected, match=f"is {GIGABYTE:,} bytes, over the 5 MiB limit"):
        read_document(sparse_gigabyte)


def test_a_file_that_never_ends_is_read_only_to_the_cap(tmp_path: Path) -> None:
    """A file whose size says 0 but which never ends (a link to /dev/zero) is read to the cap plus one byte, refused."""
    endless = tmp_path / "endless.txt"
    endless.symlink_to("/dev/zero")
    assert endless.stat().st_size == 0
    with pytest.raises(DocumentRejected, match=f"is {MAX_DOCUMENT_BYTES + 1:,} bytes, over the 5 MiB limit"):
        read_document(endless)


def test_read_document_returns_a_file_at_the_cap(tmp_path: Path) -> None:
    """A file of exactly the size limit is read whole."""
    path = tmp_path / "full.txt"
    path.write_bytes(b"a" * MAX_DOCUMENT_BYTES)
    assert len(read_document(path)) == MAX_DOCUMENT_BYTES


def test_unsupported_files_are_refused_before_reading(tmp_path: Path) -> None:
    """A file with an unsupported suffix is refused by name, however big, and a missing file is an OSError."""
    big = tmp_path / "disk.img"
    with big.open("wb") as file:
        file.truncate(GIGABYTE)
    with pytest.raises(DocumentRejected, match="is not a supported document"):
        read_document(big)
    with pytest.raises(FileNotFoundError):
        read_document(tmp_path / "missing.txt")


def test_add_paths_reports_an_endless_file_and_goes_on(library: Library, tmp_path: Path) -> None:
    """add_paths refuses a file that never ends, with the size limit, and still adds the next file."""
    (tmp_path / "a-endless.txt").symlink_to("/dev/zero")
    (tmp_path / "b-note.txt").write_text("A pause needs verification.\nA treaty could enforce it on every lab.\n")
    outcomes = library.add_paths([tmp_path / "a-endless.txt", tmp_path / "b-note.txt"], added_by="tests")
    assert "over the 5 MiB limit" in (outcomes[0].rejected or "")
    assert outcomes[1].result is not None


# --- the caps on what a document expands to -----------------------------------------------------------------------


def test_a_long_text_file_is_refused_by_its_excerpts() -> None:
    """A text file under 5 MiB of short paragraphs is read, then refused by the excerpt limit once it passes it."""
    data = "A pause is debated by the members of the club, who meet every week to argue about it at length. " * 2 + "\n"
    parsed = parse_document("long.txt", (data * (MAX_DOCUMENT_BYTES // len(data))).encode())
    assert len(parsed.text) > MAX_DOCUMENT_CHARS
    with pytest.raises(DocumentRejected, match="more than 2,000 excerpts"):
        split_excerpts(parsed.text)


def test_more_excerpts_than_the_limit_are_refused() -> None:
    """A text that would make more than MAX_EXCERPTS excerpts is refused, naming the limit."""
    paragraph = (
        "A pause on frontier training is proposed by some and opposed by others, who doubt that it can be checked."
    )
    text = "\n".join(f"{paragraph} Point {n} follows." for n in range(MAX_EXCERPTS + 1))
    assert len(text) < MAX_DOCUMENT_CHARS
    with pytest.raises(DocumentRejected, match="more than 2,000 excerpts"):
        split_excerpts(text)
    assert len(split_excerpts("\n".join(text.split("\n")[:MAX_EXCERPTS]))) == MAX_EXCERPTS


def test_library_add_refuses_too_many_excerpts_and_stores_nothing(library: Library) -> None:
    """Adding a document over the excerpt limit raises DocumentRejected and embeds and stores nothing."""
    paragraph = (
        "A pause on frontier training is proposed by some and opposed by others, who doubt that it can be checked."
    )
    text = "\n".join(f"{paragraph} Point {n} follows." for n in range(MAX_EXCERPTS + 1))
    with pytest.raises(DocumentRejected, match="2,000 excerpts"):
        library.add("many.txt", text.encode(), added_by="tests")
    assert library.documents() == []
    assert library.embedder.encoded == []


# --- names and titles that are not valid text ---------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_stored_readably(library: Library, tmp_path: Path) -> None:
    """A file whose name is not UTF-8 (Latin-1 bytes on disk) is added under a name with U+FFFD in place of them."""
    name = os.fsdecode(b"caf\xe9.txt")
    try:
        (tmp_path / name).write_text("A pause needs verification.\nA treaty could enforce it on every lab.\n")
    except (UnicodeEncodeError, OSError):
        pytest.skip("this file system refuses names that are not UTF-8")
    (outcome,) = library.add_paths([tmp_path], added_by="tests")
    assert outcome.result is not None
    assert [d.name for d in library.documents()] == ["caf\ufffd.txt"]


def test_a_title_with_a_lone_surrogate_is_stored_readably(library: Library) -> None:
    """A title given with a lone surrogate (possible in Discord's JSON) is stored with U+FFFD instead."""
    result = library.add(
        "note.txt", b"A pause needs verification.\nIt is debated.\n", "tests", title="Pause \ud83d notes"
    )
    assert result.document.title == "Pause \ufffd notes"
