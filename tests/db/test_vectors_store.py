"""The argument-vectors store: embeddings in SQLite, and the per-debate matrix in memory that `similar` answers from."""

from __future__ import annotations

import numpy as np
import pytest
import sqlite_utils

from bot.db.debates import DebateStore
from bot.db.vectors import ArgumentVectors
from bot.debates.model import Argument, Debate
from tests.db.conftest import add

MODEL = "test-model"


@pytest.fixture
def vectors(db: sqlite_utils.Database) -> ArgumentVectors:
    """Return the argument-vectors store over the fresh database."""
    return ArgumentVectors(db)


def unit(*values: float) -> np.ndarray:
    """Return a normalised float32 vector."""
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def saved(vectors: ArgumentVectors, argument: Argument, vector: np.ndarray) -> Argument:
    """Store an argument's vector (its content hash is its text) and return the argument."""
    vectors.save([argument], vector[None, :], MODEL, [argument.text])
    return argument


def test_similar_returns_the_closest_earlier_arguments_of_one_side(
    store: DebateStore, vectors: ArgumentVectors, debate: Debate
) -> None:
    """Only arguments of the side, posted before, at the threshold or above, most similar first, with their hash."""
    close = saved(vectors, add(store, debate, 5001, "close"), unit(1, 0.1, 0))
    closer = saved(vectors, add(store, debate, 5002, "closer"), unit(1, 0.01, 0))
    saved(vectors, add(store, debate, 5003, "far"), unit(0, 1, 0))
    saved(vectors, add(store, debate, 5004, "other side", side="con"), unit(1, 0, 0))
    saved(vectors, add(store, debate, 5006, "later"), unit(1, 0, 0))
    found = vectors.similar(debate.id, MODEL, unit(1, 0, 0), 0.9, side="pro", before=5005)
    assert [(c.argument_id, c.content_hash) for c in found] == [(closer.id, "closer"), (close.id, "close")]
    assert found[0].similarity == pytest.approx(1.0, abs=1e-3)


def test_a_save_after_the_matrix_is_loaded_is_in_it_without_reading_sqlite(
    db: sqlite_utils.Database, store: DebateStore, vectors: ArgumentVectors, debate: Debate
) -> None:
    """The matrix is read once; vectors saved later, new or replacing an argument's, are found from memory."""
    first = saved(vectors, add(store, debate, 5001, "first"), unit(1, 0, 0))
    assert [c.argument_id for c in vectors.similar(debate.id, MODEL, unit(1, 0, 0), 0.9, side="pro", before=9999)] == [
        first.id
    ]
    reads: list[str] = []
    db.conn.set_trace_callback(lambda sql: reads.append(sql) if "from argument_embeddings" in sql else None)
    second = saved(vectors, add(store, debate, 5002, "second"), unit(0, 1, 0))
    saved(vectors, first, unit(0, 0, 1))  # first re-embedded, after an edit
    found = vectors.similar(debate.id, MODEL, unit(0, 1, 0), 0.9, side="pro", before=9999)
    moved = vectors.similar(debate.id, MODEL, unit(0, 0, 1), 0.9, side="pro", before=9999)
    db.conn.set_trace_callback(None)
    assert [c.argument_id for c in found] == [second.id]
    assert [c.argument_id for c in moved] == [first.id]
    assert reads == []


def test_forget_reads_the_matrix_from_sqlite_again(
    db: sqlite_utils.Database, store: DebateStore, vectors: ArgumentVectors, debate: Debate
) -> None:
    """After forget, the matrix is what SQLite holds: vectors written around the store are seen, deleted ones gone."""
    first = saved(vectors, add(store, debate, 5001, "first"), unit(1, 0, 0))
    assert vectors.similar(debate.id, MODEL, unit(1, 0, 0), 0.9, side="pro", before=9999)
    db.execute("delete from argument_embeddings where argument_id = ?", [first.id])
    vectors.forget([debate.id])
    assert vectors.similar(debate.id, MODEL, unit(1, 0, 0), 0.9, side="pro", before=9999) == []


def test_many_vectors_grow_the_matrix(store: DebateStore, vectors: ArgumentVectors, debate: Debate) -> None:
    """Hundreds of arguments saved one by one after loading are all in the matrix (it grows as needed)."""
    assert vectors.similar(debate.id, MODEL, unit(1, 0, 0), 0.9, side="pro", before=9999) == []
    rng = np.random.default_rng(3)
    for i in range(300):
        saved(vectors, add(store, debate, 6000 + i, f"point {i}"), unit(*rng.normal(size=3)))
    target = saved(vectors, add(store, debate, 7000, "target"), unit(1, 2, 3))
    found = vectors.similar(debate.id, MODEL, unit(1, 2, 3), 0.99999, side="pro", before=9999)
    assert [c.argument_id for c in found] == [target.id]
