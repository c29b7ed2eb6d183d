"""Greedy construction: groups take turns picking the best of a few sampled people."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..rng import below
from .rules import _fits, _group_pen, _radd
from .stats import _add, _gain


@njit(cache=True)
def _construct(
    grp, target, is_fixed, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw,
    conf_ptr, conf_idx, n_samples, rng, rc, rrow, rdef, rw, rval, gpen, fb_ptr, fb_idx,
):
    """Fill every group up to ``target`` in rounds; return 0, or -1 if stuck.

    Groups take turns (in a fresh random order each round) picking the best of ``n_samples``
    random unplaced people, so groups grow together and the last people placed still have a
    choice. A group for which no unplaced person fits (conflicts) gets one by a two-step
    exchange: a placed person ``x`` that fits the group moves in, and an unplaced person takes
    ``x``'s place. With group rules, a candidate's gain is net of the penalty it adds.
    """
    n = grp.shape[0]
    n_groups = size.shape[0]
    n_rules = rdef.shape[0]
    pool = np.empty(n, dtype=np.int64)
    n_pool = 0
    for i in range(n):
        if grp[i] < 0:
            pool[n_pool] = i
            n_pool += 1
    placed = np.empty(n, dtype=np.int64)  # non-fixed people already placed (repair candidates)
    n_placed = 0
    order = np.arange(n_groups)
    while n_pool > 0:
        for a in range(n_groups - 1, 0, -1):
            b = below(rng, a + 1)
            order[a], order[b] = order[b], order[a]
        progressed = False
        for oa in range(n_groups):
            g = order[oa]
            if size[g] >= target[g] or n_pool == 0:
                continue
            progressed = True
            best_pos = -1
            best_gain = 0
            for _ in range(min(n_samples, n_pool)):
                pos = below(rng, n_pool)
                i = pool[pos]
                if not _fits(i, g, -1, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
                    continue
                gv = _gain(i, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
                if n_rules > 0:
                    _radd(i, g, 1, rc, rrow)
                    gv -= _group_pen(g, size[g] + 1, rc, rdef, rw, rval) - gpen[g]
                    _radd(i, g, -1, rc, rrow)
                if best_pos < 0 or gv > best_gain:
                    best_pos = pos
                    best_gain = gv
            if best_pos < 0:
                for pos in range(n_pool):
                    if _fits(pool[pos], g, -1, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
                        best_pos = pos
                        break
            if best_pos >= 0:
                i = pool[best_pos]
                pool[best_pos] = pool[n_pool - 1]
                n_pool -= 1
                grp[i] = g
                _add(i, g, 1, size, ct, s1, s2, prow, q)
                _radd(i, g, 1, rc, rrow)
                if n_rules > 0:
                    gpen[g] = _group_pen(g, size[g], rc, rdef, rw, rval)
                placed[n_placed] = i
                n_placed += 1
                continue
            # Repair: find x placed in h != g with x fitting g and some pool person p fitting h
            # once x has left.
            done = False
            start = below(rng, max(n_placed, 1))
            for off in range(n_placed):
                x = placed[(start + off) % n_placed]
                h = grp[x]
                if h == g or is_fixed[x] or not _fits(x, g, -1, grp, conf_ptr, conf_idx,
                                                      fb_ptr, fb_idx):
                    continue
                for pos in range(n_pool):
                    p = pool[pos]
                    if _fits(p, h, x, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
                        _add(x, h, -1, size, ct, s1, s2, prow, q)
                        _add(x, g, 1, size, ct, s1, s2, prow, q)
                        _radd(x, h, -1, rc, rrow)
                        _radd(x, g, 1, rc, rrow)
                        grp[x] = g
                        _add(p, h, 1, size, ct, s1, s2, prow, q)
                        _radd(p, h, 1, rc, rrow)
                        grp[p] = h
                        if n_rules > 0:
                            gpen[g] = _group_pen(g, size[g], rc, rdef, rw, rval)
                            gpen[h] = _group_pen(h, size[h], rc, rdef, rw, rval)
                        pool[pos] = pool[n_pool - 1]
                        n_pool -= 1
                        placed[n_placed] = p
                        n_placed += 1
                        done = True
                        break
                if done:
                    break
            if not done:
                return -1
        if not progressed:
            return -1
    return 0
