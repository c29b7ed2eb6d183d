"""A first valid grouping without a solver: units first, then everybody else, greedily.

Used as the start of the large-problem search. It honours size bounds, must-group units, fixed
people, conflict pairs (manager lines, cannot-group) and forbidden (person, group) pairs.
Anything it cannot place is reported, and the engine falls back to a CP-SAT feasibility model.
Group-composition rules are left to the compiled search, which repairs them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["components_of", "construct"]


def components_of(problem, roster) -> dict[str, list]:
    """Collect every term's search components by kind (``None`` marks a term that has none).

    ``out["repairable"]`` lists the hard rules described as ``group_rule`` components: the count
    kernel repairs them, so a start may break them.
    """
    out: dict[str, list] = {"uncompiled": [], "repairable": []}
    for term, w in zip(problem.terms, problem.weights, strict=True):
        if term.label == "SizeBounds":
            continue
        comps = term.search_components(roster)
        if comps is None:
            out["uncompiled"].append(term.label)
            continue
        for c in comps:
            out.setdefault(c.kind, []).append((c, w))
            if c.kind == "group_rule":
                # hard and "need" rules get graded penalties (a slope to descend), "want"
                # rules their exact score
                out.setdefault("group_rule_graded", []).append(
                    getattr(term, "tier", "must") in ("must", "need"))
                if term.hard:
                    out["repairable"].append(term.label)
    return out


def forbidden_csr(n: int, n_groups: int, pairs: list[np.ndarray]):
    """Forbidden groups per person (CSR ptr, idx) from lists of (person, group) pairs."""
    if not pairs:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    f = np.unique(np.concatenate([np.asarray(p, dtype=np.int64).reshape(-1, 2) for p in pairs]),
                  axis=0)
    f = f[(f[:, 1] >= 0) & (f[:, 1] < n_groups)]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(f[:, 0], minlength=n), out=ptr[1:])
    return ptr, f[:, 1].copy()


def unit_labels(n: int, unit_pairs: list[np.ndarray]) -> np.ndarray:
    """Union-find over must-group pairs: a unit id per person (singletons are their own)."""
    parent = np.arange(n)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for pairs in unit_pairs:
        for i, j in np.asarray(pairs).tolist():
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def conflict_csr(n: int, conflict_pairs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric adjacency in CSR form (ptr, idx) from lists of (i, j) pairs."""
    if not conflict_pairs:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    p = np.concatenate([np.asarray(c, dtype=np.int64).reshape(-1, 2) for c in conflict_pairs])
    p = p[p[:, 0] != p[:, 1]]
    both = np.concatenate([p, p[:, ::-1]])
    both = np.unique(both, axis=0)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, both[:, 0] + 1, 1)
    return np.cumsum(ptr), both[:, 1].copy()


def construct(n, lo, hi, rng, *, units=None, fixed=None, conf_ptr=None, conf_idx=None,
              forb_ptr=None, forb_idx=None):
    """Greedy feasible start. Returns (assignment, unplaced rows).

    Units (people who must share a group) are placed first, biggest first, into the groups with
    most room. Everybody else fills the remaining places in a random order, group sizes spread
    as evenly as the bounds allow; then conflicts (two people of one reporting line in a group)
    are repaired by swaps. Linear in n apart from the repairs, which touch only clashing people.
    Forbidden (person, group) pairs are repaired the same way: conflicts and forbidden groups
    are checked together.
    """
    n_groups = len(lo)
    a = np.full(n, -1, dtype=np.int64)
    size = np.zeros(n_groups, dtype=np.int64)
    locked = np.zeros(n, dtype=bool)
    if fixed is not None:
        keep = fixed >= 0
        a[keep] = fixed[keep]
        locked |= keep
        size += np.bincount(fixed[keep], minlength=n_groups)
    units = np.arange(n) if units is None else units
    order = np.argsort(units, kind="stable")
    starts = np.flatnonzero(np.r_[True, units[order][1:] != units[order][:-1]])
    blocks = np.split(order, starts[1:])
    unplaced: list[int] = []
    for block in sorted((b for b in blocks if len(b) > 1), key=len, reverse=True):
        block = block[a[block] < 0]
        room = hi - size
        g = int(np.argmax(room))
        if room[g] < len(block):
            unplaced.extend(block.tolist())
            continue
        a[block] = g
        size[g] += len(block)
        locked[block] = True
    free = np.flatnonzero(a < 0)
    free = free[~np.isin(free, unplaced)]
    rng.shuffle(free)
    # Target sizes: every group at least lo, then the rest spread round-robin up to hi.
    target = np.maximum(lo, size)
    extra = len(free) + size.sum() - target.sum()
    while extra > 0:
        grow = np.flatnonzero(target < hi)
        if len(grow) == 0:
            break
        grow = grow[np.argsort(target[grow] - lo[grow], kind="stable")][:extra]
        target[grow] += 1
        extra -= len(grow)
    slots = np.repeat(np.arange(n_groups), np.maximum(target - size, 0))
    take = min(len(slots), len(free))
    a[free[:take]] = slots[:take]
    unplaced.extend(free[take:].tolist())
    if conf_ptr is None:
        conf_ptr, conf_idx = np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if forb_ptr is None:
        forb_ptr, forb_idx = np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(conf_idx) > 0 or len(forb_idx) > 0:
        _repair_conflicts(a, locked, conf_ptr, conf_idx, rng, forb_ptr, forb_idx)
    return a, np.asarray(unplaced, dtype=np.int64)


def _clashes(i, g, a, conf_ptr, conf_idx, forb_ptr=None, forb_idx=None) -> bool:
    if forb_ptr is not None and np.any(forb_idx[forb_ptr[i] : forb_ptr[i + 1]] == g):
        return True
    nb = conf_idx[conf_ptr[i] : conf_ptr[i + 1]]
    return bool(np.any(a[nb] == g))


def _repair_conflicts(a, locked, conf_ptr, conf_idx, rng, forb_ptr, forb_idx,
                      tries: int = 200) -> None:
    """Swap people out of groups where they meet a conflict partner or are forbidden."""
    n = len(a)
    owner = np.repeat(np.arange(n), np.diff(conf_ptr))
    bad = owner[(a[owner] >= 0) & (a[owner] == a[conf_idx])]
    f_owner = np.repeat(np.arange(n), np.diff(forb_ptr))
    bad = np.unique(np.concatenate([bad, f_owner[a[f_owner] == forb_idx]]))
    movable = np.flatnonzero(~locked & (a >= 0))
    for i in bad.tolist():
        if locked[i] or not _clashes(i, a[i], a, conf_ptr, conf_idx, forb_ptr, forb_idx):
            continue
        for j in rng.choice(movable, size=min(tries, len(movable)), replace=False).tolist():
            gi, gj = a[i], a[j]
            if gi == gj:
                continue
            a[i], a[j] = gj, gi
            if not _clashes(i, gj, a, conf_ptr, conf_idx, forb_ptr, forb_idx) and not _clashes(
                j, gi, a, conf_ptr, conf_idx, forb_ptr, forb_idx
            ):
                break
            a[i], a[j] = gi, gj
