"""What a grouping may not do: conflicts, forbidden groups and group-composition rules.

Every rule (no isolation, max share, min distinct, common slot, time zones) counts, per group,
the members holding each of its columns (``rc[g, c]``, columns ``rdef[r, _R_START]`` to
``rdef[r, _R_END] - 1``; ``rrow[i]`` lists the columns of person ``i``). Its penalty in a group is 0
exactly when the rule holds there. Hard rules use a graded penalty (how far the group is from
holding it, so the search has a slope to descend) times a weight above any objective change;
scored rules (tiers need/want) use 1 per broken group times their objective weight, which is
exactly their score.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_R_KIND = 0
_R_START = 1
_R_END = 2
_R_P1 = 3
_R_P2 = 4
_R_EXACT = 5
_N_RDEF = 6


@njit(cache=True)
def _fits(i, h, skip, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
    """True if ``i`` may join ``h`` (ignoring ``skip``, the swap partner leaving ``h``):
    no conflict partner of ``i`` is in ``h`` and ``h`` is not one of ``i``'s forbidden groups."""
    for e in range(fb_ptr[i], fb_ptr[i + 1]):
        if fb_idx[e] == h:
            return False
    for e in range(conf_ptr[i], conf_ptr[i + 1]):
        p = conf_idx[e]
        if p != skip and grp[p] == h:
            return False
    return True


@njit(cache=True)
def _radd(i, g, sign, rc, rrow):
    for k in range(rrow.shape[1]):
        c = rrow[i, k]
        if c >= 0:
            rc[g, c] += sign


@njit(cache=True)
def _rule_pen(r, g, sz, rc, rdef, rval):
    """Penalty of rule ``r`` in group ``g`` of size ``sz`` as the counts stand (0 = holds)."""
    kind = rdef[r, _R_KIND]
    a = rdef[r, _R_START]
    b = rdef[r, _R_END]
    p1 = rdef[r, _R_P1]
    exact = rdef[r, _R_EXACT]
    pen = 0
    if sz == 0:
        return 0
    if kind == 0:  # no isolation: each column 0 or >= p1
        for c in range(a, b):
            x = rc[g, c]
            if 0 < x < p1:
                pen += p1 - x
    elif kind == 1:  # max share: x <= p1 * sz // p2
        cap = p1 * sz // rdef[r, _R_P2]
        for c in range(a, b):
            x = rc[g, c]
            if x > cap:
                pen += x - cap
    elif kind == 2:  # min distinct: at least p1 columns present
        d = 0
        for c in range(a, b):
            if rc[g, c] > 0:
                d += 1
        if d < p1:
            pen = p1 - d
    elif kind == 3:  # common slot: at least p1 columns held by every member
        full = 0
        best = 0
        for c in range(a, b):
            x = rc[g, c]
            if x >= sz:
                full += 1
            elif x > best:
                best = x
        if full < p1:
            pen = (p1 - full - 1) * sz + (sz - best)
    else:  # time zones: every present column within p1 (minutes) of each other
        lo_c = -1
        hi_c = -1
        for c in range(a, b):
            if rc[g, c] > 0:
                if lo_c < 0:
                    lo_c = c
                hi_c = c
        if rval[hi_c] - rval[lo_c] > p1:
            # graded: members outside the best window of width p1
            best = 0
            inside = 0
            s = lo_c
            for e in range(lo_c, hi_c + 1):
                inside += rc[g, e]
                while rval[e] - rval[s] > p1:
                    inside -= rc[g, s]
                    s += 1
                if inside > best:
                    best = inside
            pen = sz - best
    if exact and pen > 0:
        return 1
    return pen


@njit(cache=True)
def _group_pen(g, sz, rc, rdef, rw, rval):
    total = 0
    for r in range(rdef.shape[0]):
        total += rw[r] * _rule_pen(r, g, sz, rc, rdef, rval)
    return total


@njit(cache=True)
def _all_pens(size, rc, rdef, rw, rval, gpen):
    for g in range(size.shape[0]):
        gpen[g] = _group_pen(g, size[g], rc, rdef, rw, rval)


class _Rules:
    """Group rules in the kernels' layout (see ``_rule_pen``).

    ``rules`` is a sequence of ``(matrix, kind, p1, p2, weight, values[, graded])``: ``matrix``
    (n, V) 0/1 marks the columns each person counts in (a value, a slot); ``kind`` 0-4 as in
    ``_rule_pen``; ``weight`` 0 for a hard rule (graded penalty times ``hard_weight``) or the
    objective weight of a scored rule (one per broken group, or the graded penalty when
    ``graded`` is true); ``values`` (V,) sorted column values for time zones, else None.
    """

    def __init__(self, rules, n):
        rules = list(rules or ())
        mats = []
        self.rdef = np.zeros((len(rules), _N_RDEF), dtype=np.int64)
        self.soft_w = np.zeros(len(rules), dtype=np.int64)
        vals = []
        start = 0
        for r, (matrix, kind, p1, p2, weight, values, *rest) in enumerate(rules):
            graded = bool(rest[0]) if rest else False
            m = np.asarray(matrix).reshape(n, -1) != 0
            if int(kind) not in range(5):
                raise ValueError(f"rule kind must be 0..4; got {kind}.")
            if int(kind) == 1 and int(p2) <= 0:
                raise ValueError("max-share rules need a positive denominator p2.")
            mats.append(m)
            self.rdef[r] = (int(kind), start, start + m.shape[1], int(p1), int(p2),
                            1 if weight and not graded else 0)
            self.soft_w[r] = int(weight)
            v = np.zeros(m.shape[1], dtype=np.int64) if values is None else np.asarray(values)
            if v.shape[0] != m.shape[1] or (np.diff(v) < 0).any():
                raise ValueError("rule values must be sorted, one per column.")
            vals.append(v.astype(np.int64))
            start += m.shape[1]
        self.n_cols = start
        self.rval = np.concatenate(vals) if vals else np.zeros(1, dtype=np.int64)
        if self.rval.size == 0:
            self.rval = np.zeros(1, dtype=np.int64)
        full = np.concatenate(mats, axis=1) if mats else np.zeros((n, 0), dtype=bool)
        rows, cols = np.nonzero(full)  # row-major: sorted by person
        per_person = np.bincount(rows, minlength=n)
        width = int(per_person.max()) if rows.size else 0
        self.rrow = np.full((n, width), -1, dtype=np.int32)
        if rows.size:
            first = np.concatenate([[0], np.cumsum(per_person)[:-1]])
            self.rrow[rows, np.arange(rows.size) - first[rows]] = cols
        self.rw = np.zeros(len(rules), dtype=np.int64)

    @property
    def any(self) -> bool:
        return self.rdef.shape[0] > 0

    def weigh(self, hard_weight: int) -> None:
        self.rw = np.where(self.soft_w != 0, self.soft_w, int(hard_weight)).astype(np.int64)

    def counts(self, grp, n_groups) -> np.ndarray:
        rc = np.zeros((n_groups, max(self.n_cols, 1)), dtype=np.int32)
        placed = grp >= 0
        rows, k = np.nonzero(self.rrow[placed] >= 0)
        if rows.size:
            np.add.at(rc, (grp[placed][rows], self.rrow[placed][rows, k]), 1)
        return rc

    def pens(self, size, rc) -> np.ndarray:
        gpen = np.zeros(size.shape[0], dtype=np.int64)
        if self.any:
            _all_pens(size, rc, self.rdef, self.rw, self.rval, gpen)
        return gpen

    def broken(self, size, rc) -> int:
        """Groups where some hard rule is broken (graded penalties ignore weights)."""
        if not self.any:
            return 0
        gpen = np.zeros(size.shape[0], dtype=np.int64)
        _all_pens(size, rc, self.rdef, (self.soft_w == 0).astype(np.int64), self.rval, gpen)
        return int((gpen > 0).sum())
