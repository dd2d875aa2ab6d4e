"""Print how long /source takes from the interaction arriving to the answer, next to raw query encoding time.

Runs the real bot against the project's fake Discord on 127.0.0.1, over the seed articles and over a synthetic
library of 100,000 excerpts (the seeds plus generated text with random unit vectors: embedding 100,000 real texts
would take about 20 minutes here and measures ingestion, not lookup).

Run from the repository root: .venv/bin/python -m benchmarks.source_latency [--excerpts 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
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
from bot.sources.evaluation import load_queries
from bot.sources.library import Library
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


def report(name: str, library: Library, queries: list[str], rounds: int) -> None:
    """Measure one library and print a line of figures."""
    library.search(queries[0])  # warm up: the first encode compiles kernels
    answer = asyncio.run(measure(library, queries, rounds))
    encode = encode_times(library, queries, rounds)
    ms = 1000
    print(
        f"{name:<10} {len(library.index):>9} {statistics.median(answer) * ms:>9.1f} {percentile(answer, 95) * ms:>9.1f}"
        f" {statistics.median(encode) * ms:>9.1f} {percentile(encode, 95) * ms:>9.1f}"
        f" {statistics.median(answer) / statistics.median(encode):>9.2f}",
        flush=True,
    )


def main() -> None:
    """Measure /source over the seeds, then over the synthetic library."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000, help="size of the synthetic library")
    parser.add_argument("--rounds", type=int, default=3, help="times each of the 32 queries is asked")
    args = parser.parse_args()

    queries = [q.query for q in load_queries(QUERIES)]
    embedder = MiniLMEmbedder()
    embedder.load()
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(SourceStore(open_database(Path(tmp) / "bench.db")), embedder)
        library.add_paths([SEEDS], added_by="benchmark")
        library.load_index()
        samples = len(queries) * args.rounds
        print(f"/source: {samples} interactions per library; times in ms; ratio = answer median / encode median")
        columns = ("excerpts", "answer50", "answer95", "encode50", "encode95", "ratio")
        print(f"{'library':<10} " + " ".join(f"{c:>9}" for c in columns))
        report("seeds", library, queries, args.rounds)
        synthesise(library, args.excerpts, embedder.dim)
        report("synthetic", library, queries, args.rounds)


if __name__ == "__main__":
    main()
