"""The objective as per-group statistics: packed layout, gain and delta formulas, exact value.

See the package docstring for the formulas. Each group keeps its size, one count per categorical
value and per topic (``ct``), and ``S1``, ``S2`` per numeric column (``s1``, ``s2``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .pack import _check_numeric_range, _compact_codes, _matrix_and_weights


class _Packed:
    """The problem in the kernel's layout; zero-weight attributes, topics and columns dropped.

    Every group has one count column per (categorical attribute, value) and one per topic, all
    in one row of ``ct`` (``n_cols`` wide). Every person has one row of ``prow``: the column of
    each of its categorical values, then the columns of its topics in increasing order, padded
    with -1. One row per person (rather than separate categorical, topic-pointer, topic and
    weight arrays) is one cache line per person touched, which is what a random pair costs at
    100k people.
    """

    __slots__ = ("n", "prow", "cw", "cwsum", "colw", "n_cat_cols", "n_cols", "q", "nw")

    def __init__(self, n, cat, cat_w, B, multi_w, q, num_w, max_size):
        self.n = n
        cat2, cw = _matrix_and_weights("cat", cat, cat_w, n, np.int64)
        b2, mw = _matrix_and_weights("B", B, multi_w, n, None)
        if b2.size and not np.isin(b2, (0, 1)).all():
            raise ValueError("B must hold only 0 and 1.")
        cat2 = _compact_codes(cat2)
        n_values = cat2.max(axis=0) + 1 if n else np.ones(cat2.shape[1], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(n_values)]).astype(np.int64)
        self.n_cat_cols = int(offsets[-1])
        self.n_cols = self.n_cat_cols + b2.shape[1]
        if self.n_cols >= 2**31:
            raise ValueError("too many categorical values and topics (2**31 count columns).")
        # Weight per count column: the attribute's for categorical columns, the topic's after.
        self.colw = np.zeros(max(self.n_cols, 1), dtype=np.int64)
        self.colw[: self.n_cat_cols] = np.repeat(cw, n_values)
        self.colw[self.n_cat_cols : self.n_cols] = mw
        rows, ts = np.nonzero(b2)  # row-major: sorted by person, then topic
        per_person = np.bincount(rows, minlength=n)
        n_top = int(per_person.max()) if rows.size else 0
        kc = cat2.shape[1]
        self.prow = np.full((n, kc + n_top), -1, dtype=np.int32)
        self.prow[:, :kc] = cat2 + offsets[:-1]
        if rows.size:
            start = np.concatenate([[0], np.cumsum(per_person)[:-1]])
            rank = np.arange(rows.size) - start[rows]
            self.prow[rows, kc + rank] = ts + self.n_cat_cols
        self.cw = np.ascontiguousarray(cw, dtype=np.int64)
        self.cwsum = int(self.cw.sum())
        q2, nw = _matrix_and_weights("q", q, num_w, n, np.int64)
        _check_numeric_range(q2, nw, n, max_size)
        self.q = np.ascontiguousarray(q2, dtype=np.int64)
        self.nw = np.ascontiguousarray(nw, dtype=np.int64)

    def stats(self, grp, n_groups):
        size = np.zeros(n_groups, dtype=np.int64)
        ct = np.zeros((n_groups, max(self.n_cols, 1)), dtype=np.int32)
        s1 = np.zeros((n_groups, self.q.shape[1]), dtype=np.int64)
        s2 = np.zeros((n_groups, self.q.shape[1]), dtype=np.int64)
        _build_stats(grp, size, ct, s1, s2, self.prow, self.q)
        return size, ct, s1, s2

    def value(self, size, ct, s1, s2):
        rest, pairs_total = _stats_value(size, ct, s1, s2, self.n_cat_cols, self.colw, self.nw)
        return int(rest) + self.cwsum * int(pairs_total)


@njit(cache=True, inline="always")
def _gain(i, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw):
    """Sum of ``w(i, x)`` over the members ``x`` of ``g`` as the statistics stand.

    ``prow[i]`` is ``i``'s count columns: ``Kc`` categorical ones, then its topic columns in
    increasing order, padded with -1.
    """
    s = size[g]
    v = s * cwsum
    n_cat = cw.shape[0]
    for k in range(n_cat):
        v -= cw[k] * ct[g, prow[i, k]]
    # Padding is skipped with a test, not a ``break``: the early exit makes numba/LLVM emit
    # code several times slower here (measured 70 vs 10 ns per gain).
    for k in range(n_cat, prow.shape[1]):
        c = prow[i, k]
        if c >= 0:
            v += colw[c] * ct[g, c]
    for k in range(q.shape[1]):
        qi = q[i, k]
        v += nw[k] * (s * qi * qi - 2 * qi * s1[g, k] + s2[g, k])
    return v


@njit(cache=True, inline="always")
def _self_multi(i, prow, n_cat, colw):
    """``sum_t multi_w[t] B[i, t]``: what ``i`` would wrongly count as sharing with itself."""
    v = 0
    for k in range(n_cat, prow.shape[1]):
        c = prow[i, k]
        if c >= 0:
            v += colw[c]
    return v


@njit(cache=True, inline="always")
def _pair(i, j, prow, cw, colw, q, nw):
    """``w(i, j)``; topic columns are sorted per person, so shared topics are a merge."""
    v = 0
    n_cat = cw.shape[0]
    for k in range(n_cat):
        if prow[i, k] != prow[j, k]:
            v += cw[k]
    width = prow.shape[1]
    a = n_cat
    b = n_cat
    while a < width and b < width:
        ca = prow[i, a]
        cb = prow[j, b]
        if ca < 0 or cb < 0:
            break
        if ca == cb:
            v += colw[ca]
            a += 1
            b += 1
        elif ca < cb:
            a += 1
        else:
            b += 1
    for k in range(q.shape[1]):
        d = q[i, k] - q[j, k]
        v += nw[k] * d * d
    return v


@njit(cache=True, inline="always")
def _sp_gain(i, g, grp, sp_ptr, sp_idx, sp_w):
    """Σ pair weight of ``i`` with its listed partners now in ``g`` (sparse pairs)."""
    v = 0
    for e in range(sp_ptr[i], sp_ptr[i + 1]):
        if grp[sp_idx[e]] == g:
            v += sp_w[e]
    return v


@njit(cache=True, inline="always")
def _sp_pair(i, j, sp_ptr, sp_idx, sp_w):
    """The sparse pair weight of ``i`` and ``j`` (0 when they are not listed together)."""
    for e in range(sp_ptr[i], sp_ptr[i + 1]):
        if sp_idx[e] == j:
            return sp_w[e]
    return 0


@njit(cache=True, inline="always")
def _sp_delta(i, j, g, h, grp, sp_ptr, sp_idx, sp_w):
    """Change of the sparse pairs' value if ``i`` moves ``g -> h`` (``j < 0``) or swaps with
    ``j`` in ``h`` (each side counted the other as a group mate before the swap)."""
    d = _sp_gain(i, h, grp, sp_ptr, sp_idx, sp_w) - _sp_gain(i, g, grp, sp_ptr, sp_idx, sp_w)
    if j >= 0:
        d += (_sp_gain(j, g, grp, sp_ptr, sp_idx, sp_w)
              - _sp_gain(j, h, grp, sp_ptr, sp_idx, sp_w)
              - 2 * _sp_pair(i, j, sp_ptr, sp_idx, sp_w))
    return d


@njit(cache=True, inline="always")
def _move_delta(i, g, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw):
    """Change of the objective if ``i`` moves from ``g`` to ``h``."""
    return (
        _gain(i, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        - _gain(i, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        + _self_multi(i, prow, cw.shape[0], colw)
    )


@njit(cache=True, inline="always")
def _swap_delta(i, j, g, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw):
    """Change of the objective if ``i`` (in ``g``) and ``j`` (in ``h``) trade places."""
    return (
        _gain(i, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        - _gain(i, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        + _gain(j, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        - _gain(j, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        + _self_multi(i, prow, cw.shape[0], colw)
        + _self_multi(j, prow, cw.shape[0], colw)
        - 2 * _pair(i, j, prow, cw, colw, q, nw)
    )


@njit(cache=True)
def _add(i, g, sign, size, ct, s1, s2, prow, q):
    """Add (``sign=1``) or remove (``sign=-1``) person ``i`` to/from the statistics of ``g``."""
    size[g] += sign
    for k in range(prow.shape[1]):
        c = prow[i, k]
        if c >= 0:
            ct[g, c] += sign
    for k in range(q.shape[1]):
        qi = q[i, k]
        s1[g, k] += sign * qi
        s2[g, k] += sign * qi * qi


@njit(cache=True)
def _build_stats(grp, size, ct, s1, s2, prow, q):
    for i in range(grp.shape[0]):
        if grp[i] >= 0:
            _add(i, grp[i], 1, size, ct, s1, s2, prow, q)


@njit(cache=True)
def _stats_value(size, ct, s1, s2, n_cat_cols, colw, nw):
    """Closed-form objective from the statistics alone.

    ``colw[c]`` is the weight of count column ``c`` (its attribute's for the first
    ``n_cat_cols``, its topic's after); categorical: ``w (C(s, 2) - sum_v C(c_v, 2))``,
    topics: ``w C(TC, 2)``, numeric: ``w (s S2 - S1**2)``. Returns everything but the
    ``sum_k cat_w[k] * sum_g C(s_g, 2)`` part, and ``sum_g C(s_g, 2)`` separately.
    """
    pairs_total = 0
    total = 0
    for g in range(size.shape[0]):
        s = size[g]
        pairs_total += s * (s - 1) // 2
        for c in range(ct.shape[1]):
            x = ct[g, c]
            if c < n_cat_cols:
                total -= colw[c] * (x * (x - 1) // 2)
            else:
                total += colw[c] * (x * (x - 1) // 2)
        for k in range(nw.shape[0]):
            total += nw[k] * (s * s2[g, k] - s1[g, k] * s1[g, k])
    return total, pairs_total


@njit(cache=True)
def _group_score(g, size, ct, s1, s2, n_cat_cols, colw, nw, cwsum):
    """The objective inside one group, from its statistics (as ``_stats_value`` for one)."""
    s = size[g]
    v = cwsum * (s * (s - 1) // 2)
    for c in range(ct.shape[1]):
        x = ct[g, c]
        if c < n_cat_cols:
            v -= colw[c] * (x * (x - 1) // 2)
        else:
            v += colw[c] * (x * (x - 1) // 2)
    for k in range(nw.shape[0]):
        v += nw[k] * (s * s2[g, k] - s1[g, k] * s1[g, k])
    return v


@njit(cache=True)
def _all_scores(size, ct, s1, s2, n_cat_cols, colw, nw, cwsum, gs):
    for g in range(size.shape[0]):
        gs[g] = _group_score(g, size, ct, s1, s2, n_cat_cols, colw, nw, cwsum)


@njit(cache=True, inline="always")
def _floor_pen(score, floor):
    """Penalty of a group below the floor ``floor[0]`` (weight ``floor[1]``; 0 = no floor)."""
    short = floor[0] - score
    return floor[1] * short if short > 0 else 0


def _objective_span(packed, hi) -> int:
    """An upper bound on |objective| of any grouping: every pair at its largest value."""
    pairs_max = int((hi * (hi - 1) // 2).sum())
    top = int(np.abs(packed.cw).sum()) + int(np.abs(packed.colw[packed.n_cat_cols:]).sum())
    if packed.q.size:
        spread = packed.q.max(axis=0) - packed.q.min(axis=0)
        top += int((np.abs(packed.nw) * spread * spread).sum())
    return pairs_max * top


def counts_value(assign, *, cat=None, cat_w=None, B=None, multi_w=None, q=None, num_w=None,
                 n_groups=None) -> int:
    """Exact objective of a grouping, from per-group counts (numpy only, no compiled code).

    Parameters
    ----------
    assign : array of int, shape (n,)
        Group of every person, ``0..G-1``.
    cat, cat_w, B, multi_w, q, num_w
        The terms, as in :func:`improve_counts`; any may be ``None``.
    n_groups : int, optional
        ``G``; defaults to ``assign.max() + 1`` (empty trailing groups score 0 anyway).

    Returns
    -------
    int
        ``sum_g sum_{i<j in g} w(i, j)``.

    Examples
    --------
    >>> counts_value([0, 0, 1, 1], cat=[[0], [1], [0], [0]], cat_w=[3])
    3
    >>> counts_value([0, 0, 0], B=[[1, 1], [1, 0], [1, 1]], multi_w=[1, 2], q=[1, 2, 4], num_w=[1])
    19
    """
    grp = np.asarray(assign, dtype=np.int64).reshape(-1)
    n = grp.shape[0]
    if n_groups is None:
        n_groups = int(grp.max(initial=-1)) + 1
    n_groups = int(n_groups)
    size = np.bincount(grp, minlength=n_groups).astype(np.int64)
    total = 0
    cat2, cw = _matrix_and_weights("cat", cat, cat_w, n, np.int64)
    cat2 = _compact_codes(cat2)
    pairs_s = int((size * (size - 1) // 2).sum())
    for k in range(cat2.shape[1]):
        n_values = int(cat2[:, k].max()) + 1
        c = np.bincount(grp * n_values + cat2[:, k], minlength=n_groups * n_values)
        total += int(cw[k]) * (pairs_s - int((c * (c - 1) // 2).sum()))
    b2, mw = _matrix_and_weights("B", B, multi_w, n, np.int64)
    for t in range(b2.shape[1]):
        c = np.bincount(grp[b2[:, t] != 0], minlength=n_groups)
        total += int(mw[t]) * int((c * (c - 1) // 2).sum())
    q2, nw = _matrix_and_weights("q", q, num_w, n, np.int64)
    _check_numeric_range(q2, nw, n, int(size.max(initial=0)))
    if q2.shape[1]:
        s1 = np.zeros((n_groups, q2.shape[1]), dtype=np.int64)
        s2 = np.zeros((n_groups, q2.shape[1]), dtype=np.int64)
        np.add.at(s1, grp, q2)
        np.add.at(s2, grp, q2 * q2)
        per_col = (size[:, None] * s2 - s1 * s1).sum(axis=0)
        total += int((nw * per_col).sum())
    return int(total)
