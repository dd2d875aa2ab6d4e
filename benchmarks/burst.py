"""Print how responsive `crux run` stays while a burst of messages is captured and analysed.

Starts the project's fake Discord in this process and `crux run` as a subprocess on a temporary copy of a database
seeded with the five seed articles, waits until it has loaded its model and caught up, opens a debate, posts the
burst (messages drawn from tests/data/argument_samples.json, repeats included, alternating Pro and Con) as fast as the
fake takes it, and invokes `/debate list` every 100 ms from the first post until the analysis queue is empty. It
prints:

- capture: how many messages got Crux's ✅, and how long from the first post to the last ✅;
- commands: how long each `/debate list` took from the interaction being sent to its callback arriving (median,
  p95, max, how many over 50 ms, 1 s and 3 s), then split into those sent during the capture and after it, next to
  the same command on the idle bot before the burst;
- heartbeats: the fake asks for one every `--heartbeat-ms`; discord.py's keep-alive thread sends each through the
  event loop, so a beat arriving late by x ms means the loop was busy for about x ms (lateness = gap - interval);
- loop lag: the larger of the worst heartbeat lateness and the worst command latency above the idle median;
- this process's own loop lag (the fake and the driver run here; if it lags, the numbers above are inflated);
- analysis: the arguments/s Crux achieved from the first ✅ to the queue being empty, next to the model's own
  batched throughput on the same texts (measured here after Crux stopped, with 1 torch thread, as Crux's analysis
  encodes, and with torch's default), and their ratios;
- crux CPU: the CPU seconds crux run's busiest threads used in that time (from /proc, Linux): the event loop (the
  main thread), the encoder thread and the thread that searches the library.

The loop lag is measured from outside on purpose: no probe in the bot, no setting for it. On a shared machine the
numbers move with its load (see the load average before each run); compare runs made one after the other.

Numbers only, no assertions. Run from the repository root: .venv/bin/python -m benchmarks.burst [--messages 500]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.sources.embedding import MiniLMEmbedder
from bot.sources.library import Library
from tests.e2e.conftest import MEMBER_PERMISSIONS, MODERATOR_PERMISSIONS
from tests.fake_discord import FakeChannel, FakeDiscord, FakeGuild, FakeMember, InteractionRecord
from tests.fake_discord.harness import run_env

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT / "tests" / "data" / "argument_samples.json"
CRUX = Path(sys.executable).parent / "crux"
CAPTURED = "✅"
MEMBER = MEMBER_PERMISSIONS.value
MODERATOR = (MEMBER_PERMISSIONS | MODERATOR_PERMISSIONS).value


@dataclass
class Clock:
    """What the benchmark observed, on this process's loop clock."""

    first_post: float = 0.0
    last_post: float = 0.0
    first_capture: float | None = None
    last_capture: float | None = None
    analysed: float | None = None
    commands: list[InteractionRecord] = field(default_factory=list)
    own_lag: list[float] = field(default_factory=list)
    # CPU seconds each thread of crux run had used (by thread name), at the first post and once analysed.
    cpu_before: dict[str, float] = field(default_factory=dict)
    cpu_after: dict[str, float] = field(default_factory=dict)


def burst_texts(count: int, seed: int = 11) -> list[str]:
    """Return `count` messages drawn from the labelled samples (arguments, chatter, paraphrases), repeats included."""
    samples = json.loads(SAMPLES.read_text(encoding="utf-8"))
    pool = [q["query"] for q in samples["on_topic"]] + list(samples["off_topic"])
    pool += [text for pair in samples["duplicate_pairs"] + samples["distinct_pairs"] for text in pair]
    pick = random.Random(seed)
    return [pick.choice(pool) for _ in range(count)]


def seeded_database(path: Path, embedder: MiniLMEmbedder) -> None:
    """Build a database holding the five seed articles, embedded with the real model."""
    db = open_database(path)
    Library(SourceStore(db), embedder).add_paths([SEEDS], added_by="benchmark")
    db.conn.close()


def count(path: Path, sql: str) -> int:
    """Return one number from the bot's database, read through a connection of our own."""
    conn = sqlite3.connect(path, timeout=5)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def thread_cpu(pid: int) -> dict[str, float]:
    """Return the CPU seconds (user + system) each thread of a process has used: the main thread runs the loop."""
    used: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended
        fields = stat[stat.rindex(")") + 2 :].split()
        name = "event loop" if task.name == str(pid) else f"thread {task.name}"
        used[name] = (int(fields[11]) + int(fields[12])) / tick
    return used


def log_text(path: Path) -> str:
    """Return what crux run has logged so far."""
    return path.read_text(encoding="utf-8", errors="replace")


def pct(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100), or nan for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


def ms(seconds: float) -> str:
    """Format seconds as whole milliseconds."""
    return f"{seconds * 1000:.0f} ms"


async def start_crux(fake: FakeDiscord, guild: FakeGuild, db: Path, log: Path) -> asyncio.subprocess.Process:
    """Start `crux run` against the fake on `db`, logging to `log`, and wait until it has connected."""
    env = run_env(fake, guild.id, db)
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(str(CRUX), "run", env=env, cwd=db.parent, stdout=out, stderr=out)
    try:
        await fake.wait_for(lambda: fake.commands.get(guild.id) and fake.identify, 120, "crux run to connect")
    except AssertionError:
        print(log_text(log)[-3000:], file=sys.stderr)
        raise
    await fake.gateway_barrier()
    return process


async def ready(log: Path, process: asyncio.subprocess.Process, timeout: float = 180.0) -> None:  # noqa: ASYNC109
    """Wait until crux run logs that its source library (and model) is ready."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while "Source library ready" not in log_text(log):
        if process.returncode is not None or loop.time() > deadline:
            print(log_text(log)[-3000:], file=sys.stderr)
            raise RuntimeError("crux run did not get its library ready")
        await asyncio.sleep(0.1)


async def command_every(
    fake: FakeDiscord, guild: FakeGuild, channel: FakeChannel, member: FakeMember, interval: float, into: list
) -> None:
    """Invoke `/debate list` every `interval` seconds until cancelled."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        into.append(await fake.invoke_slash_command(guild, channel, member, "debate list"))
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - loop.time()))


async def watch(fake: FakeDiscord, posted: list[dict], clock: Clock, db: Path, total: int) -> None:
    """Record when the first and last ✅ appear and when the analysis queue is empty with every argument embedded."""
    loop = asyncio.get_running_loop()
    while True:
        captured = sum(1 for m in posted if CAPTURED in fake.reactions_on(m))
        now = loop.time()
        if captured and clock.first_capture is None:
            clock.first_capture = now
        if captured == total and clock.last_capture is None:
            clock.last_capture = now
        if clock.last_capture is not None:
            queued = count(db, "select count(*) from analysis_queue")
            arguments = count(db, "select count(*) from arguments where kind = 'argument'")
            embedded = count(db, "select count(*) from argument_embeddings")
            if queued == 0 and embedded >= arguments:
                clock.analysed = now
                return
        await asyncio.sleep(0.02)


async def probe_own_loop(into: list[float]) -> None:
    """Record how late this process's own loop wakes a 10 ms sleep."""
    loop = asyncio.get_running_loop()
    while True:
        start = loop.time()
        await asyncio.sleep(0.01)
        into.append(loop.time() - start - 0.01)


def reference_throughput(texts: list[str], threads: int | None) -> float:
    """Return the model's own batched throughput (texts/s) on `texts`, with `threads` torch threads (None: default)."""
    import torch

    default = torch.get_num_threads()
    torch.set_num_threads(threads or default)
    try:
        embedder = MiniLMEmbedder()
        embedder.encode(texts[:64])  # warm up
        start = time.perf_counter()
        embedder.encode(texts)
        return len(texts) / (time.perf_counter() - start)
    finally:
        torch.set_num_threads(default)


async def run(args: argparse.Namespace) -> None:
    """Run the burst and print what was measured."""
    texts = burst_texts(args.messages)
    with tempfile.TemporaryDirectory(prefix="crux-burst-") as tmp:
        folder = Path(tmp)
        print("Building the seeded database…", file=sys.stderr)
        embedder = MiniLMEmbedder()
        seeded_database(folder / "seeded.db", embedder)
        db = folder / "crux.db"
        shutil.copy(folder / "seeded.db", db)
        log = folder / "crux.log"

        fake = FakeDiscord(interaction_deadline=3600.0, heartbeat_interval_ms=args.heartbeat_ms)
        await fake.start()
        clock = Clock()
        tasks: list[asyncio.Task] = []
        process = None
        try:
            guild = fake.add_guild("Pause Debate")
            channel = fake.add_text_channel(guild, "general")
            member = fake.add_member(guild, "alice", permissions=MEMBER)
            moderator = fake.add_member(guild, "mo", permissions=MODERATOR)
            print("Starting crux run…", file=sys.stderr)
            process = await start_crux(fake, guild, db, log)
            connected = asyncio.get_running_loop().time()
            # crux run connects first and loads the model in a thread; discord.py fires on_ready (and Crux catches
            # up) 2 s after the last GUILD_CREATE. Let both pass: the burst meets the bot as it runs, not starting.
            await ready(log, process)
            await asyncio.sleep(max(0.0, connected + 3 - asyncio.get_running_loop().time()))
            opened = await fake.invoke_slash_command(guild, channel, moderator, "debate start", {})
            await opened.wait_for_final_message(30)
            threads = {t.name.split(":")[0].lower(): t for t in fake.threads_in(channel)}
            idle: list[InteractionRecord] = []
            for _ in range(10):
                rec = await fake.invoke_slash_command(guild, channel, member, "debate list")
                await rec.wait_for_response(30)
                idle.append(rec)

            loop = asyncio.get_running_loop()
            tasks.append(asyncio.create_task(probe_own_loop(clock.own_lag)))
            tasks.append(asyncio.create_task(command_every(fake, guild, channel, member, 0.1, clock.commands)))
            beats_from = [len(b) for b in fake.heartbeat_times()]
            print(f"Posting {len(texts)} messages…", file=sys.stderr)
            clock.cpu_before = thread_cpu(process.pid)
            clock.first_post = loop.time()
            posted: list[dict] = []
            watcher = asyncio.create_task(watch(fake, posted, clock, db, len(texts)))
            for i, text in enumerate(texts):
                thread = threads["pro" if i % 2 == 0 else "con"]
                posted.append(await fake.send_user_message(guild, thread, member, text))
            clock.last_post = loop.time()
            await asyncio.wait_for(watcher, args.timeout)
            clock.cpu_after = thread_cpu(process.pid)
            for task in tasks:
                task.cancel()
            beats = [b[start:] for b, start in zip(fake.heartbeat_times(), beats_from, strict=False)]
            await asyncio.sleep(1.0)  # let the last commands be answered
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
        finally:
            for task in tasks:
                task.cancel()
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
            await fake.stop()
        text_log = log.read_text(encoding="utf-8", errors="replace")
        if args.keep_log:
            shutil.copy(log, args.keep_log)
        arguments = [
            row[0]
            for row in sqlite3.connect(db).execute("select text from arguments where kind = 'argument' order by id")
        ]
        print("Measuring the model's own batched throughput…", file=sys.stderr)
        one_thread = reference_throughput(arguments, 1)
        default_threads = reference_throughput(arguments, None)

    report(args, clock, idle, beats, arguments, one_thread, default_threads, process.returncode, text_log)


def report(
    args: argparse.Namespace,
    clock: Clock,
    idle: list[InteractionRecord],
    beats: list[list[float]],
    arguments: list[str],
    one_thread: float,
    default_threads: float,
    returncode: int | None,
    log: str,
) -> None:
    """Print the measurements."""
    assert clock.first_capture is not None
    assert clock.last_capture is not None
    assert clock.analysed is not None
    print(f"Burst: {args.messages} messages ({len(arguments)} arguments), /debate list every 100 ms")
    took = clock.last_capture - clock.first_post
    print(
        f"capture      {args.messages} ✅ in {took:.2f} s from the first post ({took / args.messages * 1000:.1f} "
        f"ms/message); posting them took {clock.last_post - clock.first_post:.2f} s"
    )

    idle_latency = [r.responded_at - r.created_at for r in idle if r.responded_at is not None]
    answered = [r.responded_at - r.created_at for r in clock.commands if r.responded_at is not None]
    missing = len(clock.commands) - len(answered)
    base = statistics.median(idle_latency) if idle_latency else 0.0
    print(
        f"commands     n={len(clock.commands)}  median {ms(statistics.median(answered))}  p95 {ms(pct(answered, 95))}  "
        f"max {ms(max(answered))}  over 50 ms: {sum(a > 0.05 for a in answered)}  over 1 s: "
        f"{sum(a > 1 for a in answered)}  over 3 s: {sum(a > 3 for a in answered)}  unanswered: {missing}  "
        f"(idle: median {ms(base)})"
    )
    during = [
        r.responded_at - r.created_at for r in clock.commands if r.responded_at and r.created_at < clock.last_capture
    ]
    after = [
        r.responded_at - r.created_at for r in clock.commands if r.responded_at and r.created_at >= clock.last_capture
    ]
    for label, values in (("during capture", during), ("during analysis", after)):
        if values:
            print(
                f"  {label:<16} n={len(values)}  median {ms(statistics.median(values))}  "
                f"p95 {ms(pct(values, 95))}  max {ms(max(values))}"
            )
    interval = args.heartbeat_ms / 1000
    late = [b - a - interval for times in beats for a, b in itertools.pairwise(times)]
    if late:
        print(
            f"heartbeats   n={len(late)} every {args.heartbeat_ms} ms  lateness median {ms(statistics.median(late))}  "
            f"p95 {ms(pct(late, 95))}  max {ms(max(late))}"
        )
    lag = max([max(late, default=0.0), max(answered, default=0.0) - base])
    print(f"loop lag     max {ms(lag)} (worst heartbeat lateness, or worst command latency above the idle median)")
    own = clock.own_lag
    print(f"this process loop lag  median {ms(statistics.median(own))}  p95 {ms(pct(own, 95))}  max {ms(max(own))}")
    spent = clock.analysed - clock.first_capture
    achieved = len(arguments) / spent
    print(
        f"analysis     {len(arguments)} arguments in {spent:.2f} s from the first ✅ to an empty queue: "
        f"{achieved:.1f}/s"
    )
    print(
        f"model        batched on the same texts: {one_thread:.1f}/s with 1 torch thread, {default_threads:.1f}/s "
        f"with torch's default; ratio {achieved / one_thread:.2f} and {achieved / default_threads:.2f}"
    )
    window = clock.analysed - clock.first_post
    used = {name: clock.cpu_after[name] - clock.cpu_before.get(name, 0.0) for name in clock.cpu_after}
    top = sorted(used.items(), key=lambda x: -x[1])[:3]
    busy = ", ".join(f"{name} {seconds:.1f} s ({seconds / window:.0%})" for name, seconds in top)
    print(
        f"crux CPU     {sum(used.values()):.1f} s in the {window:.1f} s from the first post to an empty queue: {busy}"
    )
    warnings = [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line or "Traceback" in line]
    print(f"crux run     exit {returncode}; {len(warnings)} warning/error lines")
    for line in warnings[:10]:
        print("   ", line[:200])


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="messages in the burst (default 500)")
    parser.add_argument("--heartbeat-ms", type=int, default=100, help="heartbeat interval the fake asks for")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument("--keep-log", type=Path, metavar="FILE", help="copy crux run's log there")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
