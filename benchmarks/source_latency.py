"""Print how long /source takes from the interaction arriving to the answer, next to raw query encoding time.

Runs the real bot against the project's fake Discord on 127.0.0.1, over the seed articles and over a synthetic
library of 100,000 excerpts (the seeds plus generated text with random unit vectors: embedding 100,000 real texts
would take about 20 minutes here and measures ingestion, not lookup).

Also prints, per library, BM25 and dense time per query (BM25 as searched, over the query's rarest words, and over
every word as before), retrieval quality on the labelled seed queries (as benchmarks.retrieval_eval), and the
resident memory of a fresh process that loads the synthetic library's index (VmRSS / VmHWM from /proc).

Run from the repository root: .venv/bin/python -m benchmarks.source_latency [--excerpts 100000] [--rounds 3]
[--db FILE: build the synthetic library there, or reuse it if it is already that size]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.db import open_database
from bot.db.sources import SourceStore, Vectors
from bot.interface.bot import create_bot
from bot.services import build_services
from bot.settings import Settings
from bot.sources.documents import parse_document, split_excerpts
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.evaluation import evaluate, load_queries
from bot.sources.library import Library
from bot.sources.search import CANDIDATES, keyword_expression
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import client_options, start_client

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
QUERIES = ROOT / "tests" / "data" / "retrieval_queries.json"
EXCERPTS_PER_DOCUMENT = 100


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation."""
    return float(np.percentile(values, q))


def synthesise(library: Library, target: int, dim: int, seed: int = 7) -> None:
    """Fill the library up to `target` excerpts with generated paragraphs and random unit vectors."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    words = sorted({w.strip(".,;:“”\"'()").lower() for p in SEEDS.glob("*.txt") for w in p.read_text().split()} - {""})
    made = len(library.index)
    with tqdm(total=target - made, unit="excerpt", desc="Synthetic library", file=sys.stderr) as bar:
        while made < target:
            paragraphs = []
            for _ in range(min(EXCERPTS_PER_DOCUMENT, target - made)):
                sentences = [" ".join(pick.choices(words, k=pick.randint(12, 24))).capitalize() + "." for _ in range(3)]
                paragraphs.append(" ".join(sentences))
            parsed = parse_document(f"synthetic-{made:07d}.txt", "\n".join(paragraphs).encode())
            chunks = split_excerpts(parsed.text)
            vectors = []
            for chunk in chunks:
                matrix = rng.standard_normal((1 + len(chunk.sentences), dim)).astype(np.float32)
                matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
                vectors.append(Vectors(excerpt=matrix[0], sentences=matrix[1:]))
            library.store.save_document(parsed, chunks, vectors, library.embedder.name, "benchmark")
            made += len(chunks)
            bar.update(len(chunks))
    library.load_index()


async def measure(library: Library, queries: list[str], rounds: int) -> list[float]:
    """Return seconds from each /source interaction's arrival to its final answer, through the fake Discord."""
    fake = FakeDiscord()
    await fake.start()
    try:
        with fake.redirect():
            guild = fake.add_guild("Benchmark")
            channel = fake.add_text_channel(guild, "general")
            member = fake.add_member(guild, "reader", permissions=1 << 31)
            settings = Settings(
                token=fake.token, guild_id=guild.id, api_base=fake.api_base, gateway_url=fake.gateway_url
            )
            bot = create_bot(settings, build_services(open_database(":memory:"), library), **client_options())
            async with start_client(bot, fake.token):
                timings = []
                for _ in range(rounds):
                    for query in queries:
                        loop = asyncio.get_running_loop()
                        started = loop.time()
                        rec = await fake.invoke_slash_command(guild, channel, member, "source", {"query": query})
                        await rec.wait_for_final_message()
                        timings.append(loop.time() - started)
                return timings
    finally:
        await fake.stop()


def encode_times(library: Library, queries: list[str], rounds: int) -> list[float]:
    """Return seconds to encode each query alone with the same model, in the same process."""
    times = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            library.embedder.encode([query])
            times.append(time.perf_counter() - started)
    return times


def search_parts(library: Library, queries: list[str], rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Return seconds per query for BM25 as searched, BM25 over every query word, and the dense top-k."""
    vectors = library.embedder.encode(queries)
    pruned, full, dense = [], [], []
    for _ in range(rounds):
        for query, vector in zip(queries, vectors, strict=True):
            started = time.perf_counter()
            library.keyword_candidates(query)
            pruned.append(time.perf_counter() - started)
            started = time.perf_counter()
            if (expression := keyword_expression(query)) is not None:
                library.store.keyword_search(expression, CANDIDATES)
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            library.index.top(vector, CANDIDATES)
            dense.append(time.perf_counter() - started)
    return pruned, full, dense


def report(name: str, library: Library, queries: list[str], rounds: int) -> None:
    """Measure one library and print its figures."""
    library.search(queries[0])  # warm up: the first encode compiles kernels
    answer = asyncio.run(measure(library, queries, rounds))
    encode = encode_times(library, queries, rounds)
    pruned, full, dense = search_parts(library, queries, rounds)
    ms = 1000
    print(
        f"{name:<10} {len(library.index):>9} {statistics.median(answer) * ms:>9.1f} {percentile(answer, 95) * ms:>9.1f}"
        f" {statistics.median(encode) * ms:>9.1f} {percentile(encode, 95) * ms:>9.1f}"
        f" {statistics.median(answer) / statistics.median(encode):>9.2f}"
        f" {percentile(answer, 95) / percentile(encode, 95):>9.2f}",
        flush=True,
    )
    print(
        f"  per query (median): BM25 {statistics.median(pruned) * ms:.1f} ms (every word: "
        f"{statistics.median(full) * ms:.1f} ms), dense {statistics.median(dense) * ms:.1f} ms",
        flush=True,
    )
    labelled = load_queries(QUERIES)
    for mode in ("dense", "keyword", "hybrid"):
        s = evaluate(library, labelled, mode)
        print(f"  quality {s.mode:<8} hit@1 {s.hit_at_1:.3f}  hit@3 {s.hit_at_3:.3f}  MRR {s.mrr:.3f}", flush=True)


def memory(path: Path) -> str:
    """Return VmRSS and VmHWM of this process as one line."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    mib = {key: int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}
    return f"RSS after loading {path.name}: {mib['VmRSS']:.0f} MiB (peak {mib['VmHWM']:.0f} MiB)"


def load_only(path: Path) -> None:
    """Load the model and a library's index, as `crux run` does, and print the memory this process holds."""
    library = Library(SourceStore(open_database(path, create=False)), MiniLMEmbedder())
    library.embedder.load()
    library.embedder.encode(["warm up"])
    started = time.perf_counter()
    count = library.load_index()
    print(f"index: {count} excerpts loaded in {time.perf_counter() - started:.2f} s; " + memory(path), flush=True)


def main() -> None:
    """Measure /source over the seeds, then over the synthetic library."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000, help="size of the synthetic library")
    parser.add_argument("--rounds", type=int, default=3, help="times each of the 32 queries is asked")
    parser.add_argument("--db", type=Path, help="keep the synthetic library in this file (reused when big enough)")
    parser.add_argument("--load-only", type=Path, help=argparse.SUPPRESS)  # the memory measurement's subprocess
    args = parser.parse_args()
    if args.load_only:
        load_only(args.load_only)
        return

    queries = [q.query for q in load_queries(QUERIES)]
    embedder = MiniLMEmbedder()
    embedder.load()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Library(SourceStore(open_database(Path(tmp) / "seeds.db")), embedder)
        seeds.add_paths([SEEDS], added_by="benchmark")
        seeds.load_index()
        samples = len(queries) * args.rounds
        print(f"/source: {samples} interactions per library; times in ms; ratio = answer / encode (median, p95)")
        columns = ("excerpts", "answer50", "answer95", "encode50", "encode95", "ratio50", "ratio95")
        print(f"{'library':<10} " + " ".join(f"{c:>9}" for c in columns))
        report("seeds", seeds, queries, args.rounds)
        path = args.db or Path(tmp) / "bench.db"
        library = Library(SourceStore(open_database(path)), embedder)
        if len(library.documents()) == 0:
            library.add_paths([SEEDS], added_by="benchmark")
        library.load_index()
        if len(library.index) < args.excerpts:
            synthesise(library, args.excerpts, embedder.dim)
        report("synthetic", library, queries, args.rounds)
        library.close()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.source_latency", "--load-only", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print(done.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
