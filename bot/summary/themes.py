"""A side's themes: its arguments grouped by meaning with average-linkage clustering, named by the most central."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from bot.debates.model import Argument

if TYPE_CHECKING:  # analysis builds the themes, so it imports this module at run time
    from bot.summary.analysis import ScoredArgument

THEMES_SHOWN = 10
# One-argument themes are left out (and counted) when a side has more of them than this.
MAX_SINGLE_THEMES = 3
# Clustering costs O(n²) in time and memory: 400 arguments is a 400-by-400 matrix and a few milliseconds, and a theme
# listing more members than that is no longer a digest.
CLUSTER_CAP = 400
# Measured with benchmarks/summary_speed.py --cut on tests/data/argument_samples.json (MiniLM): 0.55 is the lowest
# cut at which no theme holds more than a tenth of the messages (lower cuts lump unrelated points into one "AI pause"
# theme); 42% of the labelled same-topic pairs share a theme and no off-topic message joins one. docs/summary.md.
THEME_CUT = 0.55


@dataclass(frozen=True)
class Theme:
    """Arguments grouped by meaning, named by the most central of them."""

    centre: Argument
    members: tuple[Argument, ...]


def side_themes(
    scored: Sequence[ScoredArgument], vectors: dict[int, np.ndarray], order: dict[int, tuple[datetime, int]]
) -> tuple[tuple[Theme, ...], int, int, int]:
    """Return a side's themes shown, the arguments they group, and those without a vector or not clustered."""
    embedded = [r for r in scored if r.argument.id in vectors]
    without_vector = len(scored) - len(embedded)
    chosen = sorted(
        embedded,
        key=lambda r: (-(r.votes.up + r.votes.down), -(r.supports + r.attacks), order[r.argument.id]),
    )[:CLUSTER_CAP]
    not_clustered = len(embedded) - len(chosen)
    if not chosen:
        return (), 0, without_vector, not_clustered
    arguments = sorted((r.argument for r in chosen), key=lambda a: order[a.id])
    matrix = np.stack([np.asarray(vectors[a.id], dtype=np.float64).ravel() for a in arguments])
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    similarity = matrix @ matrix.T
    similarity = (similarity + similarity.T) / 2  # exactly symmetric, so ties stay ties
    labels = average_linkage(similarity, THEME_CUT)

    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    themes = []
    for members in groups.values():
        inner = similarity[np.ix_(members, members)]
        np.fill_diagonal(inner, 0.0)
        # Mean similarity to the other members, rounded so that float noise cannot break a tie: argmax then keeps
        # the earliest posted.
        centrality = np.round(inner.sum(axis=1) / max(len(members) - 1, 1), 9)
        centre = arguments[members[int(np.argmax(centrality))]]
        themes.append(Theme(centre, tuple(sorted((arguments[i] for i in members), key=lambda a: a.order))))
    themes.sort(key=lambda t: (-len(t.members), order[t.members[0].id]))
    if sum(len(t.members) == 1 for t in themes) > MAX_SINGLE_THEMES:
        themes = [t for t in themes if len(t.members) > 1]
    shown = themes[:THEMES_SHOWN]
    return tuple(shown), sum(len(t.members) for t in shown), without_vector, not_clustered


def average_linkage(similarity: np.ndarray, cut: float) -> list[int]:
    """Cluster by average linkage and return a label per row: clusters whose mean similarity is at least `cut` merge.

    The nearest-neighbour chain algorithm builds the whole dendrogram in O(n²) time; average linkage never inverts,
    so the clusters at the cut are joined by exactly the merges at or above it. Deterministic: ties go to the lower
    index.
    """
    n = len(similarity)
    if n == 0:
        return []
    linkage = np.array(similarity, dtype=np.float64, copy=True)
    np.fill_diagonal(linkage, -np.inf)
    size = np.ones(n)
    active = np.ones(n, dtype=bool)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chain: list[int] = []
    for _ in range(n - 1):
        while True:
            if not chain:
                chain.append(int(np.flatnonzero(active)[0]))
            a = chain[-1]
            row = linkage[a]
            b = int(np.argmax(row))
            if len(chain) > 1 and row[chain[-2]] >= row[b]:
                b = chain[-2]  # reciprocal nearest neighbours: merge them
                break
            chain.append(b)
        chain.pop()
        chain.pop()
        if row[b] >= cut:
            parent[root(max(a, b))] = root(min(a, b))
        keep, drop = min(a, b), max(a, b)
        merged = (size[a] * linkage[a] + size[b] * linkage[b]) / (size[a] + size[b])
        linkage[keep] = merged
        linkage[:, keep] = merged
        linkage[drop] = -np.inf
        linkage[:, drop] = -np.inf
        linkage[keep, keep] = -np.inf
        size[keep] += size[drop]
        active[drop] = False
    return [root(i) for i in range(n)]
