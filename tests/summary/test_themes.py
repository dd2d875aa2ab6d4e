"""The digest's themes: average-linkage clusters, their names, and what is left out of them."""

from __future__ import annotations

import numpy as np
import pytest

from bot.summary import average_linkage, render_summary, summarise
from bot.summary import themes as themes_module
from tests.summary.conftest import Builder, unit


def test_themes_group_the_clusters_and_are_named_by_the_central_argument(debate) -> None:
    """Pro's vectors form two clusters; each theme is named by the member most similar to the others."""
    b, a, vectors = debate
    pro = summarise(b.map(), vectors, side="pro").sides[0]
    themes = {t.centre.id: {m.id for m in t.members} for t in pro.themes}
    assert themes == {
        a["audit"].id: {a["chips"].id, a["power"].id, a["audit"].id},
        a["time"].id: {a["time"].id, a["lag"].id},
    }
    assert pro.grouped == 5


def test_arguments_without_a_vector_are_left_out_of_themes_and_counted(debate) -> None:
    """Con's #6 has no embedding yet: no theme lists it and the count says one was left out."""
    b, a, vectors = debate
    con = summarise(b.map(), vectors, side="con").sides[0]
    assert con.without_vector == 1
    assert a["bio"].id not in {m.id for t in con.themes for m in t.members}
    assert "1 not yet read by Crux" in render_summary(summarise(b.map(), vectors, side="con"))


def test_one_argument_themes_are_skipped_when_there_are_many() -> None:
    """Four unrelated arguments and one pair: only the pair is a theme, the others are not listed."""
    b = Builder()
    loners = [b.post("pro", f"Unrelated point number {i} about the pause.") for i in range(4)]
    pair = [b.post("pro", f"Twin point {i} about chips.") for i in range(2)]
    vectors = {arg.id: unit(*([0.0] * i + [1.0])) for i, arg in enumerate(loners)}
    vectors |= {pair[0].id: unit(0, 0, 0, 0, 0, 1, 0.1), pair[1].id: unit(0, 0, 0, 0, 0, 1, 0.2)}
    pro = summarise(b.map(), vectors, side="pro").sides[0]
    assert [{m.id for m in t.members} for t in pro.themes] == [{pair[0].id, pair[1].id}]


def test_clustering_is_capped_to_the_most_voted(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a cap of 2, only the two most-voted arguments are clustered and the rest are counted as left out."""
    monkeypatch.setattr(themes_module, "CLUSTER_CAP", 2)
    b = Builder()
    arguments = [b.post("pro", f"Point {i} about verifying a pause.") for i in range(4)]
    b.vote(arguments[3], up=2)
    b.vote(arguments[1], down=1)
    pro = summarise(b.map(), {arg.id: unit(1, 0.01 * i) for i, arg in enumerate(arguments)}, side="pro").sides[0]
    assert {m.id for t in pro.themes for m in t.members} == {arguments[3].id, arguments[1].id}
    assert pro.not_clustered == 2


def test_average_linkage_matches_merging_the_closest_pair_again_and_again() -> None:
    """The O(n²) nearest-neighbour chain gives the same groups as naive greedy average linkage."""
    rng = np.random.default_rng(3)
    for _ in range(10):
        points = rng.normal(size=(25, 5))
        points /= np.linalg.norm(points, axis=1, keepdims=True)
        similarity = points @ points.T
        for cut in (0.0, 0.3, 0.6):
            clusters = [[i] for i in range(len(points))]
            while len(clusters) > 1:
                best, i, j = max(
                    (similarity[np.ix_(clusters[i], clusters[j])].mean(), i, j)
                    for i in range(len(clusters))
                    for j in range(i + 1, len(clusters))
                )
                if best < cut:
                    break
                clusters[i] += clusters.pop(j)
            labels = average_linkage(similarity, cut)
            found = {frozenset(i for i, label in enumerate(labels) if label == group) for group in set(labels)}
            assert found == {frozenset(c) for c in clusters}
