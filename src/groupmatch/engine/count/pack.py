"""Validation of the count kernel's inputs: term matrices and weights, bounds, conflicts, forbidden
pairs, a feasible start."""

from __future__ import annotations

import numpy as np


def _matrix_and_weights(name, data, weights, n, dtype):
    """Return ``(matrix (n, K), weights (K,))`` with zero-weight columns dropped."""
    if data is None:
        return np.zeros((n, 0), dtype=dtype), np.zeros(0, dtype=np.int64)
    arr = np.asarray(data)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape (n, K) with n={n}; got {arr.shape}.")
    if weights is None:
        raise ValueError(f"{name} was given without its weights.")
    w = np.asarray(weights).reshape(-1)
    if w.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} has {arr.shape[1]} columns but {w.shape[0]} weights.")
    if not (np.issubdtype(w.dtype, np.integer) or np.all(w == np.round(w))):
        raise ValueError(f"weights of {name} must be integers.")
    if not np.issubdtype(arr.dtype, np.integer) and not np.issubdtype(arr.dtype, np.bool_):
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integers.")
    w = w.astype(np.int64)
    keep = w != 0
    out = arr[:, keep]
    return (out if dtype is None else np.ascontiguousarray(out, dtype=dtype)), w[keep]


def _compact_codes(cat2):
    """Renumber each attribute's codes to 0..V-1 (only values present get a count column)."""
    if cat2.size and cat2.min() < 0:
        raise ValueError("cat codes must be >= 0.")
    out = np.empty_like(cat2)
    for k in range(cat2.shape[1]):
        out[:, k] = np.unique(cat2[:, k], return_inverse=True)[1].reshape(-1)
    return out


def _check_numeric_range(q2, nw, n, max_size):
    """Refuse numeric values whose squared spreads could overflow int64.

    The objective is at most ``n * max_size / 2`` pairs of ``(2 max|q|)**2 * max|num_w|``;
    quantise ``q`` more coarsely if this trips.
    """
    if q2.size == 0:
        return
    q_max = float(np.abs(q2).max())
    bound = 2.0 * n * max(max_size, 1) * q_max * q_max * float(np.abs(nw).max())
    if bound >= 2.0**62:
        raise ValueError(f"numeric values up to {q_max:g} may overflow int64; quantise q "
                         "to smaller integers or lower num_w.")


def _bounds(lo, hi):
    lo = np.ascontiguousarray(lo, dtype=np.int64).reshape(-1)
    hi = np.ascontiguousarray(hi, dtype=np.int64).reshape(-1)
    if lo.shape != hi.shape:
        raise ValueError(f"lo and hi must have the same length; got {lo.size} and {hi.size}.")
    if (lo < 0).any() or (lo > hi).any():
        raise ValueError("group bounds need 0 <= lo <= hi.")
    return lo, hi


def _conflicts(conf_ptr, conf_idx, n):
    """Symmetric CSR without self-pairs or duplicates, so either side's list suffices."""
    if conf_ptr is None or conf_idx is None:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ptr = np.asarray(conf_ptr, dtype=np.int64).reshape(-1)
    idx = np.asarray(conf_idx, dtype=np.int64).reshape(-1)
    if ptr.shape[0] != n + 1 or ptr[0] != 0 or ptr[-1] != idx.shape[0] or (np.diff(ptr) < 0).any():
        raise ValueError("conf_ptr must be a CSR pointer of length n + 1 into conf_idx.")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError("conf_idx entries must be people 0..n-1.")
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    a = np.concatenate([rows, idx])
    b = np.concatenate([idx, rows])
    keep = a != b
    key = np.unique(a[keep] * n + b[keep])
    a, b = key // n, key % n
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=out_ptr[1:])
    return out_ptr, np.ascontiguousarray(b, dtype=np.int64)


def _forbidden(forbidden, n, n_groups):
    """CSR of forbidden groups per person from (person, group) pairs."""
    if forbidden is None or len(forbidden) == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    f = np.asarray(forbidden, dtype=np.int64).reshape(-1, 2)
    if f.min() < 0 or f[:, 0].max() >= n or f[:, 1].max() >= n_groups:
        raise ValueError("forbidden pairs must be (person 0..n-1, group 0..G-1).")
    f = np.unique(f, axis=0)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(f[:, 0], minlength=n), out=ptr[1:])
    return ptr, np.ascontiguousarray(f[:, 1])


def _check_feasible(grp, lo, hi, conf_ptr, conf_idx):
    n_groups = lo.shape[0]
    if grp.size and (grp.min() < 0 or grp.max() >= n_groups):
        raise ValueError(f"assign must hold groups 0..{n_groups - 1}.")
    size = np.bincount(grp, minlength=n_groups)
    bad = np.flatnonzero((size < lo) | (size > hi))
    if bad.size:
        g = int(bad[0])
        raise ValueError(f"assign is infeasible: group {g} has {size[g]} people, "
                         f"bounds [{lo[g]}, {hi[g]}].")
    rows = np.repeat(np.arange(grp.shape[0]), np.diff(conf_ptr))
    clash = np.flatnonzero(grp[rows] == grp[conf_idx])
    if clash.size:
        e = int(clash[0])
        raise ValueError(f"assign is infeasible: people {rows[e]} and {conf_idx[e]} conflict "
                         f"but share group {grp[rows[e]]}.")


def _pair_lists(pairs, pair_w, n):
    """Pair weights as symmetric CSR lists (duplicates summed, zero sums dropped), and the CSR
    of each person's partners with a positive weight (the groups worth visiting).

    Returns ``(ptr, idx, w, pos_ptr, pos_idx)``; all empty without pairs.
    """
    empty_ptr = np.zeros(n + 1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if pairs is None or len(pairs) == 0:
        return empty_ptr, empty, empty, empty_ptr.copy(), empty
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    w = np.asarray(pair_w, dtype=np.int64).reshape(-1)
    if w.shape[0] != p.shape[0]:
        raise ValueError(f"pairs has {p.shape[0]} rows but pair_w {w.shape[0]} weights.")
    if p.min() < 0 or p.max() >= n:
        raise ValueError("pairs must hold people 0..n-1.")
    if (p[:, 0] == p[:, 1]).any():
        raise ValueError("pairs must not pair a person with themself.")
    a = np.concatenate([p[:, 0], p[:, 1]])
    b = np.concatenate([p[:, 1], p[:, 0]])
    keys, inverse = np.unique(a * n + b, return_inverse=True)
    total = np.zeros(keys.shape[0], dtype=np.int64)
    np.add.at(total, inverse.reshape(-1), np.concatenate([w, w]))
    keep = total != 0
    keys, total = keys[keep], total[keep]
    rows, cols = keys // n, keys % n  # sorted by row, so a CSR as it stands
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    pos = total > 0
    pos_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[pos], minlength=n), out=pos_ptr[1:])
    return (ptr, np.ascontiguousarray(cols), np.ascontiguousarray(total), pos_ptr,
            np.ascontiguousarray(cols[pos]))


def _pair_value(grp, ptr, idx, w) -> int:
    """The pairs' part of the objective: Σ weight over pairs sharing a group."""
    if idx.size == 0:
        return 0
    rows = np.repeat(np.arange(grp.shape[0]), np.diff(ptr))
    same = (grp[rows] == grp[idx]) & (grp[rows] >= 0)
    return int(w[same].sum()) // 2
