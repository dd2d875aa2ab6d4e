"""The argument-vectors store: the embedding of each argument's current text, for duplicates and themes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sqlite_utils

from bot.debates.model import Argument


class ArgumentVectors:
    """Reads and writes argument embeddings, one per argument, tagged with the model and a hash of the text."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def save(self, arguments: Sequence[Argument], vectors: np.ndarray, model: str, hashes: Sequence[str]) -> None:
        """Store the embeddings of arguments' current text."""
        with self.db.atomic():
            for argument, vector, content_hash in zip(arguments, vectors, hashes, strict=True):
                self.db.table("argument_embeddings").upsert(
                    {
                        "argument_id": argument.id,
                        "model": model,
                        "content_hash": content_hash,
                        "vector": np.asarray(vector, dtype=np.float32).tobytes(),
                    },
                    pk="argument_id",
                )

    def of_debate(self, debate_id: int, model: str) -> tuple[list[int], np.ndarray]:
        """Return the ids and embeddings of a debate's visible arguments (comments excluded)."""
        rows = list(
            self.db.query(
                "select e.argument_id, e.vector from argument_embeddings e join arguments a on a.id = e.argument_id "
                "where a.debate_id = ? and e.model = ? and a.kind = 'argument' and a.deleted_at is null "
                "order by a.id",
                [debate_id, model],
            )
        )
        if not rows:
            return [], np.empty((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return [r["argument_id"] for r in rows], matrix
