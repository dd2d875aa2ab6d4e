"""Analysis of new arguments: embed them, find a source excerpt to suggest and an earlier argument they repeat.

Also the posting policy: what of that analysis Crux says in the thread (the debate's citation mode) and how often
(at most one automatic reply per thread every POST_INTERVAL seconds; the rest is stored without posting).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.db.debates import DebateStore
from bot.db.vectors import ArgumentVectors
from bot.debates.model import Argument, Citation, Debate
from bot.sources.documents import text_hash
from bot.sources.embedding import MiniLMEmbedder, limit_torch_threads
from bot.sources.library import Hit, Library

log = logging.getLogger(__name__)

# Both measured by benchmarks/thresholds.py over tests/data/argument_samples.json (README, "Thresholds").
# A source excerpt is suggested when its cosine similarity to the argument reaches this (precision 0.91, recall 0.91;
# no off-topic message reaches it).
CITATION_THRESHOLD = 0.47
# MiniLM scores "same topic, opposite claim" as high as "same claim, other words", so only near-verbatim repeats on
# the same side are flagged: at this similarity none of 25 hard negative pairs is flagged (and no true paraphrase).
DUPLICATE_THRESHOLD = 0.85
#: on: reply with relevant sources; quiet: store them without posting; off: do not look.
CITATION_MODES = ("on", "quiet", "off")
#: Arguments embedded together in one batch.
ANALYSIS_BATCH = 32
#: Torch threads for the analysis worker's batch encodes: the event loop keeps a core of a 2-core host for itself.
ANALYSIS_TORCH_THREADS = 1
#: An argument whose analysis failed this many times is taken off the queue (and the failure logged).
MAX_ATTEMPTS = 3
# At most one automatic reply (citation or duplicate notice) per thread in this many seconds; the rest are stored.
POST_INTERVAL = 30.0


@dataclass(frozen=True)
class Analysis:
    """What Crux found about a new argument: a source excerpt to suggest and an earlier argument it repeats."""

    argument: Argument
    citation: Citation | None
    duplicate_of: Argument | None


@dataclass(frozen=True)
class Batch:
    """Arguments waiting for analysis as they are stored now, with their debates and whether to look for sources."""

    arguments: list[Argument]
    debates: dict[int, Debate]
    with_sources: list[bool]
    #: Argument id → whether to post what is found (False for a quiet re-analysis after an edit).
    announce: dict[int, bool]

    @property
    def ids(self) -> list[int]:
        """Return the ids of the arguments in the batch."""
        return [a.id for a in self.arguments]

    @property
    def guilds(self) -> list[int | None]:
        """Return each argument's server, whose own source library it may cite beside the shared one."""
        return [self.debates[a.debate_id].guild_id for a in self.arguments]


class Analyser:
    """Embeds captured arguments, stores what it finds, and decides what of it to post."""

    def __init__(self, store: DebateStore, vectors: ArgumentVectors, library: Library) -> None:
        self.store = store
        self.vectors = vectors
        self.library = library
        self.policy = PostingPolicy()

    def pending(self) -> int:
        """Return how many arguments wait for analysis."""
        return self.store.pending_count()

    def batch(self, size: int = ANALYSIS_BATCH, exclude: Sequence[int] = ()) -> Batch:
        """Return the oldest arguments waiting for analysis (but those in `exclude`, in hand already), as stored now.

        An argument deleted while it waited, or that failed MAX_ATTEMPTS times, is taken off the queue instead.
        """
        waiting = self.store.pending(size, exclude)
        arguments = [self.store.argument(p.argument_id) for p in waiting if p.attempts < MAX_ATTEMPTS]
        dropped = [p.argument_id for p in waiting if p.attempts >= MAX_ATTEMPTS]
        if dropped:
            log.error("Gave up analysing arguments %s after %d failed attempts", dropped, MAX_ATTEMPTS)
        gone = [a.id for a in arguments if a.deleted_at is not None or a.kind != "argument"]
        self.store.analysed(dropped + gone)
        arguments = [a for a in arguments if a.id not in gone]
        debates = {debate_id: self.store.debate(debate_id) for debate_id in {a.debate_id for a in arguments}}
        with_sources = [debates[a.debate_id].citations != "off" for a in arguments]
        announce = {p.argument_id: p.announce for p in waiting}
        return Batch(arguments, debates, with_sources, {a.id: announce[a.id] for a in arguments})

    def failed(self, batch: Batch) -> None:
        """Count a failed attempt at a batch: its arguments stay queued, to be tried again."""
        self.store.analysis_failed(batch.ids)

    def prepare_worker(self) -> None:
        """Set up the thread that runs `embed`: its encodes use ANALYSIS_TORCH_THREADS threads.

        It waits until the library is ready (the first batch needs the model anyway), so the model's loading and
        CRUX_SOURCES_DIR's ingest keep torch's default: the count set here also becomes the default of threads that
        start using torch later.
        """
        self.library.ready.wait()
        if isinstance(self.library.embedder, MiniLMEmbedder):
            limit_torch_threads(ANALYSIS_TORCH_THREADS)

    def model_ready(self) -> bool:
        """Return whether the model and the library are loaded."""
        return self.library.ready.is_set()

    def warm_up(self) -> None:
        """Encode one text on the worker thread: torch's first call in a thread is slow (~0.2 s), so pay it now."""
        if not isinstance(self.library.embedder, MiniLMEmbedder):
            return
        try:
            self.library.embedder.encode(["Crux is warming up."])
        except Exception:  # the first batch will tell
            log.info("Warming up the analysis thread failed", exc_info=True)

    def look_up(
        self,
        arguments: Sequence[Argument],
        with_sources: Sequence[bool],
        guilds: Sequence[int | None] | None = None,
    ) -> tuple[np.ndarray, list[Hit | None]]:
        """Embed arguments in one batch and find the best source excerpt of those `with_sources`.

        Each argument's excerpts come from the shared library and its server's own (`guilds`, one per argument;
        the shared library alone when left out). Slow, and touches only the library: call it off the event loop.
        """
        vectors = self.embed(arguments)
        return vectors, self.find_sources(arguments, vectors, with_sources, guilds)

    def embed(self, arguments: Sequence[Argument]) -> np.ndarray:
        """Embed arguments in one batch (slow: off the event loop, on the thread `prepare_worker` set up)."""
        if not arguments:
            return np.empty((0, 0), np.float32)
        return self.library.embedder.encode([a.text for a in arguments])

    def find_sources(
        self,
        arguments: Sequence[Argument],
        vectors: np.ndarray,
        with_sources: Sequence[bool],
        guilds: Sequence[int | None] | None = None,
    ) -> list[Hit | None]:
        """Return the best source excerpt for each argument `with_sources` (None for the others; see `look_up`)."""
        servers = guilds if guilds is not None else [None] * len(arguments)
        best: list[Hit | None] = []
        for argument, wanted, vector, guild_id in zip(arguments, with_sources, vectors, servers, strict=True):
            hits = self.library.search_encoded(argument.text, vector, k=1, guild_id=guild_id) if wanted else []
            best.append(hits[0] if hits else None)
        return best

    def record(self, arguments: Sequence[Argument], vectors: np.ndarray, best: Sequence[Hit | None]) -> list[Analysis]:
        """Store each argument's embedding, its suggested citation and any duplicate candidate it repeats.

        One transaction for the batch, which also takes the arguments off the analysis queue. An argument edited
        since it was read is left out: it stays queued, to be analysed with its new text.
        """
        kept = [i for i, a in enumerate(arguments) if self.store.argument(a.id).text == a.text]
        if len(kept) < len(arguments):
            arguments, vectors, best = [arguments[i] for i in kept], vectors[kept], [best[i] for i in kept]
        try:
            with self.store.transaction():
                results = self._record(arguments, vectors, best)
                self.store.analysed([a.id for a in arguments])
        except BaseException:
            self.vectors.forget({a.debate_id for a in arguments})  # its matrix may hold what was rolled back
            raise
        return results

    def _record(self, arguments: Sequence[Argument], vectors: np.ndarray, best: Sequence[Hit | None]) -> list[Analysis]:
        model = self.library.embedder.name
        results = []
        for argument, vector, hit in zip(arguments, vectors, best, strict=True):
            duplicate = self._earlier_duplicate(argument, vector, model)
            if duplicate is not None:
                self.store.link(argument, duplicate, "duplicate_of", "automatic", None)
            self.vectors.save([argument], vector[None, :], model, [text_hash(argument.text)])
            citation = None
            if hit is not None and hit.similarity is not None and hit.similarity >= CITATION_THRESHOLD:
                citation = self.store.add_citation(
                    argument,
                    excerpt_id=hit.excerpt.id,
                    document_id=hit.excerpt.document_id,
                    document_title=hit.excerpt.document_title,
                    paragraph=hit.excerpt.paragraph,
                    sentence=hit.sentence,
                    similarity=hit.similarity,
                )
            results.append(Analysis(argument, citation, duplicate))
        return results

    def _earlier_duplicate(self, argument: Argument, vector: np.ndarray, model: str) -> Argument | None:
        """Return the most similar earlier argument of the same side on the map that this one repeats, if any."""
        candidates = self.vectors.similar(
            argument.debate_id, model, vector, DUPLICATE_THRESHOLD, side=argument.side, before=argument.message_id
        )
        for candidate in candidates:
            earlier = self.store.argument(candidate.argument_id)
            # The matrix in memory still holds what was edited (its vector is of the old text) or taken off the map.
            if earlier.kind == "argument" and earlier.visible and text_hash(earlier.text) == candidate.content_hash:
                return earlier
        return None


@dataclass(frozen=True)
class Reply:
    """What Crux posts under an argument: a citation to suggest, an earlier argument it repeats, or both."""

    argument: Argument
    citation: Citation | None
    duplicate_of: Argument | None


class PostingPolicy:
    """Decides which analyses become a reply in the thread: by the debate's citation mode, and throttled per thread."""

    def __init__(self, interval: float = POST_INTERVAL) -> None:
        self.interval = interval
        self.last_post: dict[int, float] = {}

    def reply(self, analysis: Analysis, debate: Debate, clock: float) -> Reply | None:
        """Return what to post for an analysis at monotonic time `clock`, or None to only keep it stored."""
        citation = analysis.citation if debate.citations == "on" else None
        if citation is None and analysis.duplicate_of is None:
            return None
        thread_id = analysis.argument.thread_id
        if clock - self.last_post.get(thread_id, -self.interval) < self.interval:
            return None  # stored already; a busy thread is not flooded
        self.last_post[thread_id] = clock
        return Reply(analysis.argument, citation, analysis.duplicate_of)
