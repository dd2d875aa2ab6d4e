"""Fixtures shared by every depth of test: a deterministic fake embedder, the real model, seeded libraries."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.library import Library

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
QUERIES = ROOT / "tests" / "data" / "retrieval_queries.json"


class FakeEmbedder:
    """A deterministic bag-of-words embedder: texts sharing words are similar. Counts what it was asked to encode."""

    name = "fake-bag-of-words"
    dim = 64

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def load(self) -> None:
        """Nothing to load."""

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Return one normalised vector per text, hashing each lower-cased word into a bucket."""
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        if progress is not None:
            progress(len(texts))
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """Return a fresh fake embedder."""
    return FakeEmbedder()


@pytest.fixture
def library(fake_embedder: FakeEmbedder) -> Library:
    """Return an empty library in an in-memory database, over the fake embedder."""
    return Library(SourceStore(open_database(":memory:")), fake_embedder)


@pytest.fixture(scope="session")
def real_embedder() -> MiniLMEmbedder:
    """Load the bundled MiniLM model, once per test session (about 6 s)."""
    embedder = MiniLMEmbedder()
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, real_embedder: MiniLMEmbedder) -> Path:
    """Build a database file holding the five seed articles, embedded with the real model once per session."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    db = open_database(path)
    Library(SourceStore(db), real_embedder).add_paths([SEEDS], added_by="tests")
    db.conn.close()
    return path


@pytest.fixture
def seeded_library(seeded_db: Path, tmp_path: Path, real_embedder: MiniLMEmbedder) -> Library:
    """Return a private copy of the seeded database, loaded into a library over the real model."""
    path = tmp_path / "crux.db"
    shutil.copy(seeded_db, path)
    library = Library(SourceStore(open_database(path)), real_embedder)
    library.load_index()
    return library
