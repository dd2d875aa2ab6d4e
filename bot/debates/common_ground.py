"""Where a debate agrees and where it splits: bridging and divisiveness by side, and opinion groups from the votes.

Inputs are plain data: a vote matrix (member by argument: +1 agree, -1 disagree, 0 pass or no vote; NaN is read as
0) and each member's side ("pro", "con", or None when neither declared nor inferred).

**Bridging** follows the Community Notes principle: an argument bridges only when members of *both* sides approve
it, so its score is the smaller of the two sides' Wilson lower bounds of the agree rate (95 %). A score is shown only
when each side has at least MIN_VOTERS_PER_SIDE voters: with fewer, one friendly vote would make anything look like
common ground. **Divisiveness** is the gap between the sides' agree rates, shrunk by the smaller side's Wilson weight
n / (n + z²) (the weight Wilson's interval gives the observed rate against ½), so a split seen by 3 voters counts
less than the same split seen by 30: 3 voters keep 44 % of the gap, 12 keep 76 %, 50 keep 93 %.

**Opinion groups** come from the votes alone, as Pol.is finds them: only members with at least MIN_GROUP_VOTES votes
take part; missing votes are imputed with the argument's mean vote; PCA to two components (by SVD of the centred
matrix), each member's point scaled by sqrt(arguments / own votes) so members who voted little are not bunched in
the middle; k-means (k-means++ seeding, fixed seed, several restarts) for k in 2..max_groups, keeping the k with the
best silhouette. As in Pol.is, k is also at most 2 + members // 12, so a small debate is not cut into many small
groups (24 members allow up to 4 groups, 36 all 5). Per argument: Pol.is's group-aware consensus, the product over
groups of (agree + 1) / (total + 2), high only when every group approves; and the spread, the largest minus the
smallest of those smoothed group rates.

Why not red-dwarf (0.4.0, the maintained reimplementation of Pol.is's pipeline, MPL-2.0), which was evaluated
first: it fits the venv (numpy 2 and torch unchanged) and recovers planted camps, but

- it would add 12 packages and 94 MB: pandas 3 (84 MB), and for its Pol.is-server data loader, which Crux never
  uses, requests, requests-cache, requests-ratelimiter, pyrate-limiter, fake-useragent, url-normalize, cattrs,
  platformdirs, urllib3, certifi and charset-normalizer; it also leans on scikit-learn, which Crux only has
  through sentence-transformers;
- importing it raises pydantic's UnsupportedFieldAttributeWarning and running it pandas' Pandas4Warning, both
  errors under this project's pytest setting `filterwarnings = ["error"]`;
- its API takes a list of vote dicts and returns pandas DataFrames; at 500 members by 5,000 arguments it took 9.7 s
  (plus 2 s to import), while the numpy pipeline here takes about 0.8 s (benchmarks/cruxes.py).

The pipeline here is the same classic one (mean imputation, PCA, sparsity-aware scaling, k-means by silhouette),
without Pol.is's base clusters and k-smoothing across recomputations, which a one-off /cruxes has no use for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import sqrt

import numpy as np
import numpy.typing as npt

from bot.debates.model import Side

#: Voters each side needs before an argument's bridging and divisiveness scores are shown.
MIN_VOTERS_PER_SIDE = 3
#: Pol.is: a member takes part in opinion groups only with at least this many votes.
MIN_GROUP_VOTES = 7
#: Pol.is tries 2 to 5 groups.
MAX_GROUPS = 5
#: 95 % two-sided normal quantile.
Z = 1.96
# k-means restarts per k, and Lloyd iterations per restart: ample for points in two dimensions.
KMEANS_RESTARTS = 8
KMEANS_ITERATIONS = 100
# The silhouette needs all pairwise distances; above this many members it is measured on a fixed sample.
SILHOUETTE_SAMPLE = 1500

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Tally:
    """Agree votes out of all agree and disagree votes, from one side or one group."""

    agree: int
    total: int

    @property
    def rate(self) -> float | None:
        """Return the share of votes that agree, or None without votes."""
        return self.agree / self.total if self.total else None


@dataclass(frozen=True)
class Bridging:
    """One argument's votes by side, with its bridging and divisiveness scores (None until both sides voted enough)."""

    argument_id: int
    pro: Tally
    con: Tally
    score: float | None
    divisiveness: float | None

    @property
    def shown(self) -> bool:
        """Return whether each side had enough voters for the scores to mean something."""
        return self.score is not None

    @property
    def voters(self) -> int:
        """Return how many members of a known side voted on it."""
        return self.pro.total + self.con.total


@dataclass(frozen=True)
class VoteMatrix:
    """Votes as a member-by-argument matrix of +1, -1 and 0, with the ids of its rows (members) and columns."""

    values: npt.NDArray[np.int8]
    member_ids: tuple[int, ...]
    argument_ids: tuple[int, ...]

    @classmethod
    def from_ballots(
        cls,
        ballots: Iterable[tuple[int, int, int]],
        member_ids: Sequence[int] | None = None,
        argument_ids: Sequence[int] | None = None,
    ) -> VoteMatrix:
        """Build the matrix from (member id, argument id, vote) triples; later ballots replace earlier ones.

        Members and arguments not given are added in the order they first appear; a ballot naming an argument or
        member outside given ids is ignored (a vote on a removed argument, say).
        """
        triples = list(ballots)
        members = list(member_ids) if member_ids is not None else list(dict.fromkeys(m for m, _, _ in triples))
        arguments = list(argument_ids) if argument_ids is not None else list(dict.fromkeys(a for _, a, _ in triples))
        row = {member: i for i, member in enumerate(members)}
        column = {argument: j for j, argument in enumerate(arguments)}
        values = np.zeros((len(members), len(arguments)), dtype=np.int8)
        for member, argument, vote in triples:
            if member in row and argument in column:
                values[row[member], column[argument]] = int(np.sign(vote))
        return cls(values, tuple(members), tuple(arguments))


@dataclass(frozen=True)
class GroupView:
    """One argument seen by the opinion groups: each group's tally, its group-aware consensus and its spread."""

    argument_id: int
    tallies: tuple[Tally, ...]
    consensus: float
    spread: float


@dataclass(frozen=True)
class OpinionGroups:
    """Members grouped by how they vote, those left out for voting too little, and every argument by group."""

    assignment: dict[int, int]
    left_out: tuple[int, ...]
    count: int
    silhouette: float | None
    arguments: dict[int, GroupView]

    def members(self, group: int) -> list[int]:
        """Return the ids of one group's members."""
        return [member for member, found in self.assignment.items() if found == group]

    def consensus(self, limit: int = 5) -> list[GroupView]:
        """Return the arguments every group approves, highest group-aware consensus first."""
        return sorted(self.arguments.values(), key=lambda view: (-view.consensus, view.argument_id))[:limit]

    def divisive(self, limit: int = 5) -> list[GroupView]:
        """Return the arguments on which the groups differ most, largest spread first."""
        return sorted(self.arguments.values(), key=lambda view: (-view.spread, view.argument_id))[:limit]


def wilson_lower_bound(agree: int, total: int, z: float = Z) -> float:
    """Return the lower bound of the Wilson score interval of agree/total (0 without votes)."""
    if total <= 0:
        return 0.0
    p = agree / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))


def bridging(
    votes: VoteMatrix,
    member_sides: Mapping[int, Side | None],
    min_voters_per_side: int = MIN_VOTERS_PER_SIDE,
) -> dict[int, Bridging]:
    """Score every argument for common ground (both sides approve) and division (the sides disagree)."""
    values = np.asarray(votes.values)
    sides = [member_sides.get(member) for member in votes.member_ids]
    tallies: dict[Side, tuple[IntArray, IntArray]] = {}
    for side in ("pro", "con"):
        rows = values[np.array([found == side for found in sides], dtype=bool)]
        tallies[side] = ((rows > 0).sum(axis=0).astype(np.int64), (rows != 0).sum(axis=0).astype(np.int64))
    (pro_agree, pro_total), (con_agree, con_total) = tallies["pro"], tallies["con"]
    pro_low, con_low = _wilson_lower_bounds(pro_agree, pro_total), _wilson_lower_bounds(con_agree, con_total)
    smaller = np.minimum(pro_total, con_total)
    gap = np.abs(_rates(pro_agree, pro_total) - _rates(con_agree, con_total))
    divisiveness = gap * smaller / (smaller + Z * Z)
    enough = smaller >= max(1, min_voters_per_side)
    scores: dict[int, Bridging] = {}
    for j, argument in enumerate(votes.argument_ids):
        scores[argument] = Bridging(
            argument_id=argument,
            pro=Tally(int(pro_agree[j]), int(pro_total[j])),
            con=Tally(int(con_agree[j]), int(con_total[j])),
            score=float(min(pro_low[j], con_low[j])) if enough[j] else None,
            divisiveness=float(divisiveness[j]) if enough[j] else None,
        )
    return scores


def common_ground(scores: Mapping[int, Bridging], limit: int = 5) -> list[Bridging]:
    """Return the shown arguments with the highest bridging score, best first (more voters first on a tie)."""
    shown = [found for found in scores.values() if found.score is not None]
    return sorted(shown, key=lambda found: (-(found.score or 0.0), -found.voters, found.argument_id))[:limit]


def most_divisive(scores: Mapping[int, Bridging], limit: int = 5) -> list[Bridging]:
    """Return the shown arguments with the highest divisiveness, most divisive first (more voters first on a tie)."""
    shown = [found for found in scores.values() if found.divisiveness is not None]
    return sorted(shown, key=lambda found: (-(found.divisiveness or 0.0), -found.voters, found.argument_id))[:limit]


def opinion_groups(
    matrix: npt.ArrayLike,
    member_ids: Sequence[int],
    argument_ids: Sequence[int] | None = None,
    *,
    min_votes: int = MIN_GROUP_VOTES,
    max_groups: int = MAX_GROUPS,
    seed: int = 0,
) -> OpinionGroups:
    """Group the members who voted at least min_votes times by how they vote, as Pol.is does, and view each argument.

    Rows of matrix follow member_ids and columns argument_ids (column indices when None). With fewer than four
    qualifying members, or max_groups below 2, everyone who qualifies is one group.
    """
    values = np.nan_to_num(np.asarray(matrix, dtype=np.float64), nan=0.0)
    values = np.sign(values)
    if values.ndim != 2 or values.shape[0] != len(member_ids):
        raise ValueError(f"expected a matrix with {len(member_ids)} rows, got shape {values.shape}")
    arguments = list(argument_ids) if argument_ids is not None else list(range(values.shape[1]))
    if len(arguments) != values.shape[1]:
        raise ValueError(f"expected {values.shape[1]} argument ids, got {len(arguments)}")
    voted = np.count_nonzero(values, axis=1)
    keep = voted >= min_votes
    kept = values[keep]
    labels, silhouette = _cluster(kept, voted[keep], max_groups, seed)
    count = int(labels.max()) + 1 if labels.size else 0
    ids = [member for member, ok in zip(member_ids, keep, strict=True) if ok]
    assignment = {member: int(label) for member, label in zip(ids, labels, strict=True)}
    left_out = tuple(member for member, ok in zip(member_ids, keep, strict=True) if not ok)
    return OpinionGroups(assignment, left_out, count, silhouette, _group_views(kept, labels, count, arguments))


def _rates(agree: IntArray, total: IntArray) -> FloatArray:
    return np.divide(agree, total, out=np.zeros(agree.shape, dtype=np.float64), where=total > 0)


def _wilson_lower_bounds(agree: IntArray, total: IntArray, z: float = Z) -> FloatArray:
    n = np.maximum(total, 1).astype(np.float64)
    p = agree / n
    z2 = z * z
    low = (p + z2 / (2 * n) - z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)
    return np.where(total > 0, np.maximum(low, 0.0), 0.0)


def _cluster(values: FloatArray, voted: IntArray, max_groups: int, seed: int) -> tuple[IntArray, float | None]:
    """Label each row with its group, and return the silhouette of the chosen grouping (None for one group)."""
    members = values.shape[0]
    if members < 4 or max_groups < 2:
        return np.zeros(members, dtype=np.int64), None
    points = _project(values, voted)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(members, SILHOUETTE_SAMPLE, replace=False)) if members > SILHOUETTE_SAMPLE else None
    best: tuple[float, IntArray] | None = None
    for k in range(2, min(max_groups, 2 + members // 12, members - 1) + 1):
        labels = _kmeans(points, k, seed)
        if np.unique(labels).size < 2:
            continue
        score = _silhouette(points, labels) if sample is None else _silhouette(points[sample], labels[sample])
        if best is None or score > best[0] + 1e-12:
            best = (score, labels)
    if best is None:
        return np.zeros(members, dtype=np.int64), None
    return _relabel(best[1]), best[0]


def _project(values: FloatArray, voted: IntArray) -> FloatArray:
    """Project members onto the first two principal components of the mean-imputed votes, scaled for sparsity."""
    cast = values != 0
    counts = cast.sum(axis=0)
    means = np.divide(values.sum(axis=0), counts, out=np.zeros(values.shape[1]), where=counts > 0)
    imputed = np.where(cast, values, means)
    centred = imputed - imputed.mean(axis=0)
    # The top of the SVD from the smaller of the two Gram matrices: an eigenproblem of size min(members, arguments).
    if centred.shape[0] <= centred.shape[1]:
        eigenvalues, eigenvectors = np.linalg.eigh(centred @ centred.T)
        top = np.argsort(eigenvalues)[::-1][:2]
        points = eigenvectors[:, top] * np.sqrt(np.maximum(eigenvalues[top], 0.0))
    else:
        eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
        top = np.argsort(eigenvalues)[::-1][:2]
        points = centred @ eigenvectors[:, top]
    if points.shape[1] < 2:
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    # eigh's signs are arbitrary; fix them so the same votes always give the same picture.
    signs = np.sign(points[np.argmax(np.abs(points), axis=0), np.arange(2)])
    points = points * np.where(signs == 0, 1.0, signs)
    scale = np.sqrt(values.shape[1] / np.maximum(voted, 1))
    return points * scale[:, None]


def _kmeans(points: FloatArray, k: int, seed: int) -> IntArray:
    """Return the labels of the best of several seeded k-means++ runs (lowest within-group squared distance)."""
    rng = np.random.default_rng(seed + 7919 * k)
    best: tuple[float, IntArray] | None = None
    for _ in range(KMEANS_RESTARTS):
        centres = _kmeans_plus_plus(points, k, rng)
        labels = np.zeros(points.shape[0], dtype=np.int64)
        for iteration in range(KMEANS_ITERATIONS):
            distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
            new = distances.argmin(axis=1)
            if iteration and np.array_equal(new, labels):
                break
            labels = new
            for group in range(k):
                inside = labels == group
                # An emptied group restarts at the point farthest from its centre, as scikit-learn does.
                centres[group] = points[inside].mean(axis=0) if inside.any() else points[distances.min(axis=1).argmax()]
        inertia = float(((points - centres[labels]) ** 2).sum())
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels)
    assert best is not None
    return best[1]


def _kmeans_plus_plus(points: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    centres = [points[rng.integers(points.shape[0])]]
    for _ in range(1, k):
        nearest = np.min([((points - centre) ** 2).sum(axis=1) for centre in centres], axis=0)
        total = nearest.sum()
        chosen = rng.choice(points.shape[0], p=nearest / total) if total > 0 else rng.integers(points.shape[0])
        centres.append(points[chosen])
    return np.array(centres, dtype=np.float64)


def _silhouette(points: FloatArray, labels: IntArray) -> float:
    """Return the mean silhouette coefficient (a member alone in its group scores 0, as in scikit-learn)."""
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    groups = np.unique(labels)
    one_hot = (labels[:, None] == groups[None, :]).astype(np.float64)
    sizes = one_hot.sum(axis=0)
    sums = distances @ one_hot
    own = np.searchsorted(groups, labels)
    own_size = sizes[own]
    inner = np.divide(sums[np.arange(len(labels)), own], own_size - 1, out=np.zeros(len(labels)), where=own_size > 1)
    means = sums / sizes[None, :]
    means[np.arange(len(labels)), own] = np.inf
    outer = means.min(axis=1)
    widest = np.maximum(inner, outer)
    scores = np.divide(outer - inner, widest, out=np.zeros(len(labels)), where=widest > 0)
    scores[own_size <= 1] = 0.0
    return float(scores.mean())


def _relabel(labels: IntArray) -> IntArray:
    """Renumber groups by size, largest first (then by their first member), so the same votes give the same numbers."""
    groups = np.unique(labels)
    order = sorted(groups, key=lambda group: (-int((labels == group).sum()), int(np.argmax(labels == group))))
    mapping = {int(group): number for number, group in enumerate(order)}
    return np.array([mapping[int(label)] for label in labels], dtype=np.int64)


def _group_views(values: FloatArray, labels: IntArray, count: int, arguments: list[int]) -> dict[int, GroupView]:
    if count == 0:
        return {}
    agree = np.stack([(values[labels == group] > 0).sum(axis=0) for group in range(count)])
    total = np.stack([(values[labels == group] != 0).sum(axis=0) for group in range(count)])
    smoothed = (agree + 1) / (total + 2)
    consensus = smoothed.prod(axis=0)
    spread = smoothed.max(axis=0) - smoothed.min(axis=0)
    return {
        argument: GroupView(
            argument_id=argument,
            tallies=tuple(Tally(int(agree[g, j]), int(total[g, j])) for g in range(count)),
            consensus=float(consensus[j]),
            spread=float(spread[j]),
        )
        for j, argument in enumerate(arguments)
    }
