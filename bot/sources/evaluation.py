"""Retrieval quality on a labelled query set: hit@1, hit@3 and mean reciprocal rank."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.sources.library import Hit, Library
from bot.sources.search import Mode


@dataclass(frozen=True)
class LabelledQuery:
    """A query and the paragraphs, per document name, that answer it."""

    query: str
    relevant: dict[str, frozenset[int]]

    def accepts(self, hit: Hit, names: dict[int, str]) -> bool:
        """Return whether a hit's excerpt covers one of the relevant paragraphs."""
        wanted = self.relevant.get(names[hit.excerpt.document_id], frozenset())
        return any(hit.excerpt.paragraph <= p <= hit.excerpt.last_paragraph for p in wanted)


@dataclass(frozen=True)
class Scores:
    """Retrieval quality of one search mode over a query set."""

    mode: str
    queries: int
    hit_at_1: float
    hit_at_3: float
    mrr: float


def load_queries(path: Path) -> list[LabelledQuery]:
    """Read a labelled query set (see tests/data/retrieval_queries.json for the format)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        LabelledQuery(
            query=item["query"],
            relevant={r["document"]: frozenset(r["paragraphs"]) for r in item["relevant"]},
        )
        for item in data["queries"]
    ]


def evaluate(library: Library, queries: list[LabelledQuery], mode: Mode, depth: int = 10) -> Scores:
    """Search every query in one mode and score the ranks of the first relevant excerpt."""
    names = {d.id: d.name for d in library.documents()}
    first_ranks = []
    for labelled in queries:
        hits = library.search(labelled.query, k=depth, mode=mode)
        first_ranks.append(next((h.rank for h in hits if labelled.accepts(h, names)), None))
    n = len(queries)
    return Scores(
        mode=mode,
        queries=n,
        hit_at_1=sum(1 for r in first_ranks if r == 1) / n,
        hit_at_3=sum(1 for r in first_ranks if r is not None and r <= 3) / n,
        mrr=sum(1 / r for r in first_ranks if r is not None) / n,
    )
