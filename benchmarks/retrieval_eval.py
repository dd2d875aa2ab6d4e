"""Print hit@1, hit@3 and MRR of dense, keyword and hybrid search over the seed articles.

Run: .venv/bin/python -m benchmarks.retrieval_eval [--seeds DIR] [--queries FILE]
(defaults: ../shared/seeds and tests/data/retrieval_queries.json)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.evaluation import evaluate, load_queries
from bot.sources.library import Library

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Index the seeds in a fresh in-memory database and print one line of scores per search mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "data" / "retrieval_queries.json")
    args = parser.parse_args()

    library = Library(SourceStore(open_database(":memory:")), MiniLMEmbedder())
    library.add_paths([args.seeds], added_by="benchmark")
    queries = load_queries(args.queries)
    excerpts = len(library.index)
    print(f"{len(queries)} queries over {len(library.documents())} documents, {excerpts} excerpts")
    print(f"{'mode':<8} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
    for mode in ("dense", "keyword", "hybrid"):
        s = evaluate(library, queries, mode)
        print(f"{s.mode:<8} {s.hit_at_1:>6.3f} {s.hit_at_3:>6.3f} {s.mrr:>6.3f}")


if __name__ == "__main__":
    main()
