"""What a term is worth by chance and at best: a random grouping's expected value and the term's
own upper bound, the two ends of its range.

They tell when one term drowns another (a diversity term ending below what a random grouping
would give), and they weigh terms equally relative to their ranges (``PeerGroups(balance=True)``).

**Random expectation.** A random grouping puts the same people into groups of the same sizes,
every partition equally likely, hard rules ignored. For a term whose group value is a sum over
member pairs (``Term.pairwise_sum``: diversity, shared needs, pairwise distances, weighted
repeats) it is exact: a given pair shares a group with probability
``p = Σ_g C(s_g, 2) / C(n, 2)``, so ``E = p × (the pair values summed over all pairs)``, which
costs one numpy pass. Other terms are averaged over ``SAMPLES`` random groupings drawn with a
fixed seed (the same answer every time).

**Bound.** ``Term.upper_bound`` where the term has one; rules scored by tier (``need``,
``want``) are at most 0 (nothing broken).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SAMPLES", "even_split", "random_expectation", "term_bound", "balanced_weights",
           "BALANCE_RESOLUTION"]

SAMPLES = 200  # random groupings averaged for terms without an exact expectation
BALANCE_RESOLUTION = 10_000  # the largest balanced weight, as an integer for CP-SAT


def even_split(n: int, lo, hi) -> np.ndarray:
    """Group sizes for ``n`` people within ``lo``/``hi``, as equal as the bounds allow.

    Each group starts at its minimum; the rest are handed out one by one to the smallest group
    with room (ties to the lowest index).

    Examples
    --------
    >>> even_split(11, [2, 2, 2], [4, 4, 4]).tolist()
    [4, 4, 3]
    >>> even_split(7, [1, 3], [2, 6]).tolist()
    [2, 5]
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    sizes = lo.copy()
    left = int(n - sizes.sum())
    while left > 0:
        room = sizes < hi
        if not room.any():
            break
        level = sizes[room].min()
        # every group at the lowest level with room gets one (or as many as are left)
        at = np.flatnonzero(room & (sizes == level))[:left]
        sizes[at] += 1
        left -= len(at)
    return sizes


def _pair_share(sizes: np.ndarray) -> float:
    """Probability that two given people share a group in a random grouping of ``sizes``."""
    n = int(sizes.sum())
    if n < 2:
        return 0.0
    return float((sizes * (sizes - 1)).sum()) / (n * (n - 1))


def random_expectation(term, roster, sizes, *, rows=None, samples: int = SAMPLES,
                       seed: int = 0, exact_only: bool = False) -> float | None:
    """Expected total value of ``term`` over a random grouping of ``rows`` into ``sizes``.

    ``rows`` are the roster rows placed (default everybody; ``sum(sizes)`` of them). Exact for
    pairwise-sum terms; otherwise the mean over ``samples`` random groupings drawn with
    ``seed`` (``None`` with ``exact_only=True``).

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "department": list("xxyy")}))
    >>> # 4 of the 6 pairs differ; groups of 2 hold 2 of the 6 pairs
    >>> random_expectation(gm.Diversity("department"), r, [2, 2])
    1.3333333333333333
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    rows = np.arange(roster.n) if rows is None else np.asarray(rows, dtype=np.int64)
    if term.pairwise_sum:
        return _pair_share(sizes) * term.pair_total(roster, rows)
    if exact_only:
        return None
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    a = np.full(roster.n, -1, dtype=np.int64)
    total = 0.0
    for _ in range(samples):
        a[rows] = labels[rng.permutation(len(labels))]
        total += float(term.group_values(roster, a, len(sizes)).sum())
    return total / samples


def term_bound(term, roster, lo, hi) -> int | None:
    """The term's own upper bound on its total value, when it has one (``None`` otherwise).

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "department": list("xxyy")}))
    >>> term_bound(gm.Diversity("department"), r, [2, 2], [2, 2])
    2
    """
    bound = term.upper_bound(roster, np.asarray(lo), np.asarray(hi))
    if bound is None and getattr(term, "tier", None) in ("need", "want"):
        return 0  # a scored rule is worth minus its broken instances
    return None if bound is None else int(bound)


def balanced_weights(terms, roster, lo, hi, *, seed: int = 0) -> tuple[list[int], float]:
    """Integer weights that make each term count equally relative to its range.

    Term k's weight becomes ``weight_k / (bound_k - random_k)``: moving from a random
    grouping's expected value to the term's bound is worth ``weight_k`` whatever the term's
    units. Terms whose range is unknown or empty keep ``weight_k``. The balanced weights are
    multiplied by one factor (the second value returned) so that the largest is
    ``BALANCE_RESOLUTION`` and rounded to integers (every nonzero weight stays at least 1).
    Random values are computed for the even split of the people over the groups.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy"),
    ...                    "needs": ["a;b", "a", "b", "a;b", "b", "a"]})
    >>> r = gm.Roster.from_frame(df)
    >>> # diversity: random 3.6, bound 4 -> 1 / 0.4; shared needs: random 4.8, bound 6 -> 1 / 1.2
    >>> balanced_weights([gm.Diversity("department"), gm.SharedNeeds()], r, [3, 3], [3, 3])
    ([10000, 3333], 4000.0)
    """
    lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
    sizes = even_split(roster.n, lo, hi)
    floats = []
    for term in terms:
        w = float(term.weight)
        bound = term_bound(term, roster, lo, hi)
        span = None
        if bound is not None and w != 0:
            span = bound - random_expectation(term, roster, sizes, seed=seed)
        floats.append(w / span if span is not None and span > 1e-9 else w)
    top = max((abs(f) for f in floats), default=0.0)
    if top == 0:
        return [0] * len(floats), 1.0
    factor = float(f"{BALANCE_RESOLUTION / top:.6g}")  # 4000.0, not 3999.999999999999
    ints = [0 if f == 0 else int(math.copysign(max(1, round(abs(f) * factor)), f))
            for f in floats]
    return ints, factor
