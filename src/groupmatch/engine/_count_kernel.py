"""Compiled local search for pairwise-additive group objectives kept as per-group counts.

The objective is ``sum_g sum_{i<j in g} w(i, j)`` with

* categorical diversity: ``cat_w[k]`` for every attribute ``k`` on which ``i`` and ``j`` differ,
* shared needs: ``multi_w[t]`` for every topic ``t`` both ``i`` and ``j`` have (``B[:, t] == 1``),
* numeric spread: ``num_w[k] * (q[i, k] - q[j, k])**2``.

Nothing here ever builds an ``n x n`` or ``n x G`` matrix. Every group keeps its size, one count per
categorical value and per topic, and the sums ``S1 = sum q`` and ``S2 = sum q**2`` per numeric
column. The value of adding person ``i`` to group ``g`` (``gain``) is then a handful of lookups,
so a move or a swap is evaluated in ``O(Kc + topics of i + Kn)`` whatever the group size:

``gain(i, g) = sum_k cat_w[k] (s_g - C_k[g, cat_ik]) + sum_t multi_w[t] B_it TC[g, t]
+ sum_k num_w[k] (s_g q_ik**2 - 2 q_ik S1[g, k] + S2[g, k])``

Removing ``i`` from its own group changes ``s_g`` and ``C_k[g, cat_ik]`` by one each and adds a
zero term for the numeric part, so the same formula gives the value of ``i`` in its own group
except for the topics, where ``i`` would count itself: ``self_multi[i] = sum_t multi_w[t] B_it``
is subtracted. Hence

* move ``i: g -> h``: ``gain(i, h) - gain(i, g) + self_multi[i]``
* swap ``i (g) <-> j (h)``: the two moves' deltas, minus ``2 w(i, j)`` (each move counted the
  other person as a group mate).

``construct_counts`` builds a feasible start greedily (groups take turns picking the best of a
few sampled people); ``improve_counts`` is simulated annealing over sampled swaps and moves,
some aimed at groups holding a topic-mate, with restarts from the best grouping on doubling
cycle lengths; ``counts_value`` scores a grouping with numpy alone. Everything is exact int64.
The compiled kernels run in chunks of about 30 ms so Python can check the clock and report
progress; all search state lives in arrays, so chunking never changes the result.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

__all__ = ["improve_counts", "construct_counts", "counts_value"]

# --------------------------------------------------------------------------------------------
# Slots of the small control arrays shared between Python and the compiled chunks. Keeping the
# whole search state in arrays (not in Python locals) is what makes the result independent of
# where the chunk boundaries fall, hence bit-identical for a fixed ``max_work``.
# --------------------------------------------------------------------------------------------
_I_CUR = 0  # value of the current grouping
_I_BEST = 1  # value of the best grouping seen (the ``best`` array holds it)
_I_WORK = 2  # work units spent so far (one per candidate move or swap drawn)
_I_NDIRTY = 3  # people whose group may differ between current and best
_I_CSTART = 4  # work count at the start of the current annealing cycle
_I_CLEN = 5  # length of the current cycle in work units
_I_CYCLE = 6  # index of the current cycle
_I_TOTAL = 7  # total work budget (exact with ``max_work``, estimated from the clock otherwise)
_I_BASE = 8  # length of the first cycle
_I_ACCEPT = 9  # accepted moves (statistics only)
_I_FINAL = 10  # 1 once the last cycle has begun: it then stretches to the (re-estimated) total
_I_MAXDBL = 11  # cycle lengths stop doubling after this many cycles
_I_STOP_AT_ZERO = 12  # 1: stop as soon as the best value reaches 0 (rules alone, all kept)
_N_ICTL = 13

_F_T0 = 0  # start temperature of every cycle
_F_T1 = 1  # end temperature of every cycle
_F_PMOVE = 2  # probability of drawing a move rather than a swap
_F_T = 3  # current temperature (statistics only)
_F_PGUIDE = 4  # probability of a topic-guided target group
_N_FCTL = 5

_ETAB_BITS = 12  # size of the table of Exp(1) variates used by the acceptance test

# Counters of the last ``improve_counts`` call, for the tuning harness and tests only.
_LAST_RUN: dict = {}

# Tuning knobs (the benchmark harness overrides them through ``_TUNE``).
_TUNE = {
    "t0_factor": 0.5,  # start temperature of a cycle, in units of the gcd of the weights
    "p_guide": 0.7,  # share of topic-guided target groups (when a topic weight is positive)
    "cap_mean_factor": 4.0,  # see _capacities
    "t1_factor": 0.12,  # end temperature of a cycle, in the same units
    "base_sweeps": 400.0,  # first cycle = base_sweeps * movable people work units
    "max_doublings": 4,  # cycles stop doubling: many medium restarts beat few long ones
    "p_move": 0.3,  # share of single-person moves when some group has slack
    "construct_samples": 48,  # candidates a group looks at per pick during construction
    "chunk_seconds": 0.03,  # wall time between returns to Python (time checks, progress)
}


# --------------------------------------------------------------------------------------------
# Random numbers: a private xorshift64* stream, so results do not depend on numba's global RNG.
# --------------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _rand_u64(rng):
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True, inline="always")
def _rand_below(rng, n):
    # Multiply-shift on the high 32 bits: unbiased enough for sampling and division-free.
    return np.int64(((_rand_u64(rng) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(cache=True, inline="always")
def _rand_unit(rng):
    return np.float64(_rand_u64(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _rng_state(seed: int) -> np.ndarray:
    # splitmix64 scrambles small consecutive seeds into well-separated, nonzero states.
    z = (int(seed) + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return np.array([z or 1], dtype=np.uint64)


# --------------------------------------------------------------------------------------------
# Per-group statistics and the gain formula.
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# Group-composition rules (no isolation, max share, min distinct, common slot, time zones).
#
# Every rule counts, per group, the members holding each of its columns (``rc[g, c]``, columns
# ``rdef[r, _R_START]..rdef[r, _R_END]-1``; ``rrow[i]`` lists the columns of person ``i``).
# Its penalty in a group is 0 exactly when the rule holds there. Hard rules use a graded
# penalty (how far the group is from holding it, so the search has a slope to descend) times a
# weight above any objective change; scored rules (tiers need/want) use 1 per broken group times
# their objective weight, which is exactly their score.
# --------------------------------------------------------------------------------------------
_R_KIND = 0
_R_START = 1
_R_END = 2
_R_P1 = 3
_R_P2 = 4
_R_EXACT = 5
_N_RDEF = 6


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


@njit(cache=True)
def _all_pens(size, rc, rdef, rw, rval, gpen):
    for g in range(size.shape[0]):
        gpen[g] = _group_pen(g, size[g], rc, rdef, rw, rval)


# --------------------------------------------------------------------------------------------
# Simulated annealing.
# --------------------------------------------------------------------------------------------
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
def _mark(p, dirty, dflag, nd):
    if dflag[p] == 0:
        dflag[p] = 1
        dirty[nd] = p
        nd += 1
    return nd


@njit(cache=True)
def _relocate(i, g, h, grp, size, ct, s1, s2, prow, q, mem, moff, pos, rc, rrow):
    """Move ``i`` from ``g`` to ``h``: statistics and member lists (slot of the last member of
    ``g`` fills the hole, so member lists stay dense and a random member is one lookup)."""
    last = mem[moff[g] + size[g] - 1]
    mem[pos[i]] = last
    pos[last] = pos[i]
    _add(i, g, -1, size, ct, s1, s2, prow, q)
    _radd(i, g, -1, rc, rrow)
    slot = moff[h] + size[h]
    mem[slot] = i
    pos[i] = slot
    _add(i, h, 1, size, ct, s1, s2, prow, q)
    _radd(i, h, 1, rc, rrow)
    grp[i] = h


@njit(cache=True)
def _exchange(i, j, g, h, grp, size, ct, s1, s2, prow, q, mem, pos, rc, rrow):
    """Swap ``i`` (in ``g``) and ``j`` (in ``h``); each takes the other's member slot."""
    _add(i, g, -1, size, ct, s1, s2, prow, q)
    _add(j, h, -1, size, ct, s1, s2, prow, q)
    _add(i, h, 1, size, ct, s1, s2, prow, q)
    _add(j, g, 1, size, ct, s1, s2, prow, q)
    _radd(i, g, -1, rc, rrow)
    _radd(j, h, -1, rc, rrow)
    _radd(i, h, 1, rc, rrow)
    _radd(j, g, 1, rc, rrow)
    pi = pos[i]
    pj = pos[j]
    mem[pi] = j
    mem[pj] = i
    pos[i] = pj
    pos[j] = pi
    grp[i] = h
    grp[j] = g


@njit(cache=True)
def _restore_best(grp, best, dirty, dflag, nd, size, ct, s1, s2, prow, q, mem, moff,
                  pos, rc, rrow):
    """Move every dirty person back to its best group.

    Two passes (all leave, then all join) so no group ever holds more than ``hi`` people on
    the way, which the fixed-capacity member lists rely on.
    """
    for a in range(nd):
        p = dirty[a]
        g = grp[p]
        if g != best[p]:
            last = mem[moff[g] + size[g] - 1]
            mem[pos[p]] = last
            pos[last] = pos[p]
            _add(p, g, -1, size, ct, s1, s2, prow, q)
            _radd(p, g, -1, rc, rrow)
            grp[p] = -1
    for a in range(nd):
        p = dirty[a]
        dflag[p] = 0
        if grp[p] < 0:
            h = best[p]
            slot = moff[h] + size[h]
            mem[slot] = p
            pos[p] = slot
            _add(p, h, 1, size, ct, s1, s2, prow, q)
            _radd(p, h, 1, rc, rrow)
            grp[p] = h


@njit(cache=True)
def _anneal(
    grp, size, lo, hi, ct, s1, s2, prow, cw, cwsum, colw, q, nw,
    conf_ptr, conf_idx, movers, is_mov, mem, moff, pos, tp_ptr, tp_idx, tbase,
    best, dirty, dflag, ictl, fctl, etab, rng, n_work,
    rc, rrow, rdef, rw, rval, gpen, fb_ptr, fb_idx, gs, floor,
):
    """Run ``n_work`` annealing steps, resuming from and saving to ``ictl``/``fctl``/``rng``.

    A step draws a movable person ``i`` and then, with probability ``p_guide`` (only when some
    topic has a positive weight), a target group holding a random topic-mate of ``i`` and
    otherwise a uniformly random target; the candidate is a move to the target group (with
    probability ``p_move``, when the sizes allow) or a swap with a random member of it. Purely
    random targets make the diversity terms progress; guided ones find the rare groups where a
    shared topic pays, which uniform sampling hits about ``T / topics-per-person`` times less
    often.

    ``best`` always holds the best grouping. ``dirty`` lists the people moved since it was
    recorded (a superset of those whose group differs), so recording a new best or going back
    to it costs O(people moved since) instead of O(n).
    """
    cur = ictl[_I_CUR]
    bestv = ictl[_I_BEST]
    work = ictl[_I_WORK]
    nd = ictl[_I_NDIRTY]
    cstart = ictl[_I_CSTART]
    clen = ictl[_I_CLEN]
    final = ictl[_I_FINAL]
    if final:
        clen = max(ictl[_I_TOTAL] - cstart, 1)
    t0 = fctl[_F_T0]
    log_ratio = math.log(fctl[_F_T1] / t0)
    pmove = fctl[_F_PMOVE]
    pguide = fctl[_F_PGUIDE]
    emask = (1 << _ETAB_BITS) - 1
    accepted = ictl[_I_ACCEPT]
    n_m = movers.shape[0]
    n_cat = cw.shape[0]
    width = prow.shape[1]
    n_rules = rdef.shape[0]
    pg = 0
    ph = 0
    dg = 0
    dh = 0
    temp = t0 * math.exp(log_ratio * min((work - cstart) / max(clen, 1), 1.0))
    end = work + n_work
    while work < end:
        if final == 0 and work - cstart >= clen:
            # New cycle: reheat from the best grouping; lengths double so that short runs get a
            # complete (if quick) anneal and long runs spend most of their time cooling slowly.
            if cur < bestv:
                _restore_best(grp, best, dirty, dflag, nd, size, ct, s1, s2, prow, q,
                              mem, moff, pos, rc, rrow)
                if n_rules > 0:
                    _all_pens(size, rc, rdef, rw, rval, gpen)
                if floor[1] > 0:
                    _all_scores(size, ct, s1, s2, tbase, colw, nw, cwsum, gs)
                nd = 0
                cur = bestv
            ictl[_I_CYCLE] += 1
            cstart = work
            clen = ictl[_I_BASE] << min(ictl[_I_CYCLE], ictl[_I_MAXDBL])
            remaining = ictl[_I_TOTAL] - work
            if remaining < 3 * clen:
                # Too little budget left for this cycle and a longer one: spend all of it here.
                clen = max(remaining, 1)
                final = 1
        if (work & 255) == 0:
            frac = (work - cstart) / clen
            temp = t0 * math.exp(log_ratio * min(frac, 1.0))
        work += 1
        i = movers[_rand_below(rng, n_m)]
        g = grp[i]
        if pguide > 0.0 and _rand_unit(rng) < pguide:
            n_top = 0
            for k in range(n_cat, width):
                if prow[i, k] >= 0:
                    n_top += 1
            if n_top == 0:
                continue
            t = prow[i, n_cat + _rand_below(rng, n_top)] - tbase
            n_mates = tp_ptr[t + 1] - tp_ptr[t]
            if n_mates == 0:
                continue
            h = grp[tp_idx[tp_ptr[t] + _rand_below(rng, n_mates)]]
        else:
            h = grp[movers[_rand_below(rng, n_m)]]
        if h == g:
            continue
        if pmove > 0.0 and _rand_unit(rng) < pmove:
            if size[g] <= lo[g] or size[h] >= hi[h]:
                continue
            j = -1
            if floor[1] > 0:  # the two groups' own changes, for the floor
                dg = _self_multi(i, prow, n_cat, colw) - _gain(
                    i, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
                dh = _gain(i, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
                d = dg + dh
            else:
                d = _move_delta(i, g, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        else:
            j = mem[moff[h] + _rand_below(rng, size[h])]
            if is_mov[j] == 0:
                continue
            if floor[1] > 0:
                pij = _pair(i, j, prow, cw, colw, q, nw)
                dg = (_self_multi(i, prow, n_cat, colw)
                      - _gain(i, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
                      + _gain(j, g, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw) - pij)
                dh = (_self_multi(j, prow, n_cat, colw)
                      - _gain(j, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
                      + _gain(i, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw) - pij)
                d = dg + dh
            else:
                d = _swap_delta(i, j, g, h, size, ct, s1, s2, prow, cw, cwsum, colw, q, nw)
        if floor[1] > 0:
            d += (_floor_pen(gs[g], floor) + _floor_pen(gs[h], floor)
                  - _floor_pen(gs[g] + dg, floor) - _floor_pen(gs[h] + dh, floor))
        if n_rules > 0:
            # Rule penalties of the two groups after the candidate: apply it to the rule counts,
            # read, undo (a few columns each way).
            _radd(i, g, -1, rc, rrow)
            _radd(i, h, 1, rc, rrow)
            if j < 0:
                pg = _group_pen(g, size[g] - 1, rc, rdef, rw, rval)
                ph = _group_pen(h, size[h] + 1, rc, rdef, rw, rval)
            else:
                _radd(j, h, -1, rc, rrow)
                _radd(j, g, 1, rc, rrow)
                pg = _group_pen(g, size[g], rc, rdef, rw, rval)
                ph = _group_pen(h, size[h], rc, rdef, rw, rval)
                _radd(j, g, -1, rc, rrow)
                _radd(j, h, 1, rc, rrow)
            _radd(i, h, -1, rc, rrow)
            _radd(i, g, 1, rc, rrow)
            d += gpen[g] + gpen[h] - pg - ph
        if d < 0:
            # Metropolis with a table of Exp(1) variates: accept iff -d < T * E, E ~ Exp(1),
            # which is exp(d / T) > U without a log or exp per candidate.
            if -d >= temp * etab[np.int64(_rand_u64(rng) >> np.uint64(40)) & emask]:
                continue
        if j < 0:
            if not _fits(i, h, -1, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
                continue
            _relocate(i, g, h, grp, size, ct, s1, s2, prow, q, mem, moff, pos, rc, rrow)
            nd = _mark(i, dirty, dflag, nd)
        else:
            if not _fits(i, h, j, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
                continue
            if not _fits(j, g, i, grp, conf_ptr, conf_idx, fb_ptr, fb_idx):
                continue
            _exchange(i, j, g, h, grp, size, ct, s1, s2, prow, q, mem, pos, rc, rrow)
            nd = _mark(i, dirty, dflag, nd)
            nd = _mark(j, dirty, dflag, nd)
        if n_rules > 0:
            gpen[g] = pg
            gpen[h] = ph
        if floor[1] > 0:
            gs[g] += dg
            gs[h] += dh
        accepted += 1
        cur += d
        if cur > bestv:
            bestv = cur
            for a in range(nd):
                p = dirty[a]
                best[p] = grp[p]
                dflag[p] = 0
            nd = 0
            if bestv == 0 and ictl[_I_STOP_AT_ZERO]:
                break  # inside the chunk, so the work spent does not depend on chunk sizes
    ictl[_I_CUR] = cur
    ictl[_I_BEST] = bestv
    ictl[_I_WORK] = work
    ictl[_I_NDIRTY] = nd
    ictl[_I_CSTART] = cstart
    ictl[_I_CLEN] = clen
    ictl[_I_FINAL] = final
    ictl[_I_ACCEPT] = accepted
    fctl[_F_T] = temp


@njit(cache=True)
def _exp_table(rng, bits):
    out = np.empty(1 << bits, dtype=np.float64)
    for a in range(out.shape[0]):
        out[a] = -math.log(1.0 - _rand_unit(rng))
    return out


# --------------------------------------------------------------------------------------------
# Greedy construction.
# --------------------------------------------------------------------------------------------
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
            b = _rand_below(rng, a + 1)
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
                pos = _rand_below(rng, n_pool)
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
            start = _rand_below(rng, max(n_placed, 1))
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


# --------------------------------------------------------------------------------------------
# Python side: validation, packing, driving the chunks.
# --------------------------------------------------------------------------------------------
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


def _temperatures(packed, t0_factor, t1_factor):
    """Start and end temperatures, in units of the objective's step.

    Every delta is an integer combination of the weights, so their gcd is the smallest
    possible nonzero change: the natural size of a "small" uphill step whatever the weights'
    magnitude (float weights scaled by 10**k scale it too). Tuning found the searches work best
    close to greedy: a start temperature of about half a step (a one-step loss is accepted
    about 1 time in 7) and sideways (zero-delta) moves always accepted, which is what crosses
    the plateaus of count-based objectives.
    """
    weights = np.concatenate([packed.cw, packed.colw[packed.n_cat_cols : packed.n_cols],
                              packed.nw])
    step = float(np.gcd.reduce(np.abs(weights[weights != 0]))) if weights.any() else 0.0
    return t0_factor * step, min(t1_factor, t0_factor) * step


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


def _capacities(size, lo, hi, n, mean_factor):
    """Member-list capacity per group: ``hi``, unless that would cost far more than O(n).

    A group can never hold more than ``n - sum(lo of the others)`` people. If the bounds are so
    loose that the capacities still add up to more than ``mean_factor * n`` slots (say ``lo=0``
    and ``hi=n`` for thousands of groups), each group is limited to ``mean_factor`` times the
    mean size (or its current size, or ``lo``, if larger): memory stays O(n + G) at the price
    of a search that cannot form a giant group.
    """
    n_groups = size.shape[0]
    cap = np.minimum(hi, n - (lo.sum() - lo))
    if cap.sum() > mean_factor * n + n_groups:
        soft = int(math.ceil(mean_factor * n / max(n_groups, 1)))
        cap = np.minimum(cap, np.maximum(np.maximum(size, lo), soft))
    return cap.astype(np.int64)


def _member_lists(grp, size, cap):
    """Dense member lists: group ``g`` owns slots ``moff[g]:moff[g+1]``, the first ``size[g]``
    of which hold its members; ``pos[i]`` is ``i``'s slot."""
    moff = np.zeros(cap.shape[0] + 1, dtype=np.int64)
    np.cumsum(cap, out=moff[1:])
    order = np.argsort(grp, kind="stable")
    first = np.zeros(cap.shape[0], dtype=np.int64)
    np.cumsum(size[:-1], out=first[1:])
    sorted_grp = grp[order]
    slot = moff[sorted_grp] + np.arange(grp.shape[0]) - first[sorted_grp]
    mem = np.full(max(int(moff[-1]), 1), -1, dtype=np.int64)
    mem[slot] = order
    pos = np.empty(grp.shape[0], dtype=np.int64)
    pos[order] = slot
    return mem, moff, pos


def _topic_people(packed, n):
    """People per topic (CSR over topic columns), for topics with a positive weight only:
    a topic-mate's group is worth visiting only if sharing that topic pays."""
    n_topics = packed.n_cols - packed.n_cat_cols
    kc = packed.cw.shape[0]
    rows, k = np.nonzero(packed.prow[:, kc:] >= 0)
    col = packed.prow[rows, kc + k].astype(np.int64)
    keep = packed.colw[col] > 0
    rows, topic = rows[keep], col[keep] - packed.n_cat_cols
    order = np.argsort(topic, kind="stable")
    ptr = np.zeros(n_topics + 1, dtype=np.int64)
    np.cumsum(np.bincount(topic, minlength=n_topics), out=ptr[1:])
    return ptr, np.ascontiguousarray(rows[order])


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
        hard = self.soft_w == 0
        saved = self.rw
        self.rw = hard.astype(np.int64)
        out = int((self.pens(size, rc) > 0).sum())
        self.rw = saved
        return out


def _objective_span(packed, hi) -> int:
    """An upper bound on |objective| of any grouping: every pair at its largest value."""
    pairs_max = int((hi * (hi - 1) // 2).sum())
    top = int(np.abs(packed.cw).sum()) + int(np.abs(packed.colw[packed.n_cat_cols:]).sum())
    if packed.q.size:
        spread = packed.q.max(axis=0) - packed.q.min(axis=0)
        top += int((np.abs(packed.nw) * spread * spread).sum())
    return pairs_max * top


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


def construct_counts(lo, hi, n, *, fixed=None, conf_ptr=None, conf_idx=None, seed=0, cat=None,
                     cat_w=None, B=None, multi_w=None, q=None, num_w=None, rules=None,
                     forbidden=None) -> np.ndarray:
    """Build a feasible grouping greedily, favouring the objective.

    Group sizes are first fixed (every group gets ``max(lo, #fixed)``, then the remaining people
    are spread one at a time over the groups with room, so sizes end up as equal as the bounds
    allow). Then groups take turns picking the best of a few random unplaced people by ``gain``.

    Parameters
    ----------
    lo, hi : array of int, shape (G,)
        Size bounds per group.
    n : int
        Number of people.
    fixed : array of int, shape (n,), optional
        ``fixed[i] >= 0`` puts ``i`` in that group for good; ``-1`` leaves ``i`` free.
    conf_ptr, conf_idx : array of int, optional
        CSR lists of people each person may not share a group with (either direction suffices).
    seed : int
        Seed of the random choices.
    cat, cat_w, B, multi_w, q, num_w
        The objective, as in :func:`improve_counts`.
    rules, forbidden
        Group rules and forbidden (person, group) pairs, as in :func:`improve_counts`. Forbidden
        pairs are always honoured; rules only steer the choices (the search repairs the rest).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        A group per person, satisfying the bounds, conflicts and forbidden pairs.

    Raises
    ------
    ValueError
        If the bounds cannot hold ``n`` people, fixed people break a rule, or the greedy cannot
        place everyone without a conflict.

    Examples
    --------
    >>> a = construct_counts([2, 2], [2, 2], 4, conf_ptr=[0, 1, 2, 2, 2], conf_idx=[1, 0])
    >>> int(a[0] != a[1]), sorted(np.bincount(a).tolist())
    (1, [2, 2])
    """
    lo, hi = _bounds(lo, hi)
    n = int(n)
    n_groups = lo.shape[0]
    if lo.sum() > n or hi.sum() < n:
        raise ValueError(f"{n} people do not fit group bounds summing to [{lo.sum()}, {hi.sum()}].")
    packed = _Packed(n, cat, cat_w, B, multi_w, q, num_w, int(hi.max(initial=0)))
    cptr, cidx = _conflicts(conf_ptr, conf_idx, n)
    fptr, fidx = _forbidden(forbidden, n, n_groups)
    packed_rules = _Rules(rules, n)
    packed_rules.weigh(_objective_span(packed, hi) + 1)
    grp = np.full(n, -1, dtype=np.int64)
    if fixed is not None:
        fx = np.asarray(fixed, dtype=np.int64).reshape(-1)
        if fx.shape[0] != n or fx.max(initial=-1) >= n_groups:
            raise ValueError(f"fixed must have length {n} and groups < {n_groups}.")
        grp[fx >= 0] = fx[fx >= 0]
    is_fixed = grp >= 0
    n_fixed = np.bincount(grp[is_fixed], minlength=n_groups)
    if (n_fixed > hi).any():
        g = int(np.flatnonzero(n_fixed > hi)[0])
        raise ValueError(f"group {g} has {n_fixed[g]} fixed people but at most {hi[g]} places.")
    rows = np.repeat(np.arange(n), np.diff(cptr))
    both = is_fixed[rows] & is_fixed[cidx] & (grp[rows] == grp[cidx])
    if both.any():
        e = int(np.flatnonzero(both)[0])
        raise ValueError(f"fixed people {rows[e]} and {cidx[e]} conflict but share a group.")
    target = np.maximum(lo, n_fixed)
    extra = n - int(target.sum())
    if extra < 0:
        raise ValueError("fixed people leave too few places for the lower bounds.")
    # Raise the smallest groups first, level by level, so sizes stay as even as bounds allow.
    while extra > 0:
        room = np.flatnonzero(target < hi)
        level = target[room].min()
        at = room[target[room] == level]
        take = at[: min(extra, at.size)]
        target[take] += 1
        extra -= take.size
    start = np.where(is_fixed, grp, -1)
    size, ct, s1, s2 = packed.stats(start, n_groups)
    rc = packed_rules.counts(start, n_groups)
    gpen = packed_rules.pens(size, rc)
    status = _construct(
        grp, target, is_fixed, size, ct, s1, s2, packed.prow, packed.cw, packed.cwsum,
        packed.colw, packed.q, packed.nw, cptr, cidx,
        int(_TUNE["construct_samples"]), _rng_state(seed),
        rc, packed_rules.rrow, packed_rules.rdef, packed_rules.rw, packed_rules.rval, gpen,
        fptr, fidx,
    )
    if status != 0:
        raise ValueError("could not place everyone without breaking a conflict; "
                         "loosen the conflicts or the group bounds.")
    return grp


def improve_counts(assign, lo, hi, *, cat=None, cat_w=None, B=None, multi_w=None, q=None,
                   num_w=None, movable=None, conf_ptr=None, conf_idx=None, time_limit=10.0,
                   max_work=None, seed=0, progress=None, rules=None,
                   forbidden=None, floor=None) -> tuple[np.ndarray, int]:
    """Improve a feasible grouping by simulated annealing over sampled moves and swaps.

    Each step draws a random movable person ``i`` and a target group: the group of a random
    person, or (probability ``p_guide``, when some topic weight is positive) the group of a
    random person sharing one of ``i``'s topics. The candidate is a move of ``i`` there (when
    some group has slack, with probability ``p_move``, if both sizes allow) or a swap with a
    random member of the target. Evaluating it costs ``O(Kc + topics + Kn)`` lookups and
    conflicts are checked (``O(degree)``) only once it is accepted, so a sweep over the people
    costs ``O(n)`` and nothing of size ``n x G`` exists.

    Temperatures are in units of the gcd of the weights, the objective's step (see
    ``_temperatures``): each cycle cools geometrically from about half a step to about a tenth,
    so the search is close to greedy but walks the plateaus (sideways moves are always taken).
    Cycles restart from the best grouping and double in length from ``base_sweeps`` sweeps, at
    most ``max_doublings`` times (on the 1,470-person benchmark many medium restarts found the
    optimum sooner than ever-longer cycles); the last one stretches to the end of the budget,
    which is re-estimated from the measured speed when a time limit applies.

    Parameters
    ----------
    assign : array of int, shape (n,)
        Feasible start: sizes within ``[lo, hi]`` and no conflicting pair together.
    lo, hi : array of int, shape (G,)
        Size bounds per group.
    cat : array of int, shape (n, Kc), optional
        Categorical codes ``0..V_k-1``; ``cat_w`` (Kc,) int weights per attribute.
    B : array of {0, 1}, shape (n, T), optional
        Topic needs; ``multi_w`` (T,) int weight per shared topic.
    q : array of int, shape (n, Kn), optional
        Quantised numeric values; ``num_w`` (Kn,) int weight of the squared differences.
    movable : array of bool, shape (n,), optional
        People who may change group (default: everyone).
    conf_ptr, conf_idx : array of int, optional
        CSR lists of people each person may not share a group with (either direction suffices).
    rules : sequence of (matrix, kind, p1, p2, weight, values), optional
        Group-composition rules (see ``_Rules`` and ``_rule_pen``). A hard rule (weight 0) is a
        penalty above any objective change, graded by how far a group is from keeping it, so a
        start that breaks it is repaired first and a kept rule is never broken again; the start
        may break hard rules. A scored rule costs its weight per group where it is broken.
    forbidden : array of int, shape (k, 2), optional
        (person, group) pairs that may never happen; the start must respect them.
    floor : int, optional
        Keep every group's own objective at least this high: a hard, graded penalty on each
        group below it (the worst-group floor; the start may break it).
    time_limit : float
        Wall seconds (compilation excluded once the kernels are cached).
    max_work : int, optional
        Stop after this many candidate evaluations. With ``time_limit=inf`` the result depends
        only on the inputs and ``seed``.
    seed : int
        Seed of the search.
    progress : callable, optional
        ``progress(value, elapsed)`` on new bests, at most about ten times a second.

    Returns
    -------
    best_assign : numpy.ndarray of int64, shape (n,)
    best_value : int
        The objective minus rule penalties (equal to the objective once no hard rule is broken;
        ``_LAST_RUN["broken"]`` counts groups still breaking one).

    Raises
    ------
    ValueError
        If the input is malformed or ``assign`` is infeasible.

    Examples
    --------
    >>> cat = np.array([[0], [0], [1], [1]])
    >>> a, v = improve_counts([0, 0, 1, 1], [2, 2], [2, 2], cat=cat, cat_w=[1], max_work=10_000,
    ...                       time_limit=float("inf"))
    >>> v, int(a[0] != a[1])
    (2, 1)
    """
    t_start = time.perf_counter()
    lo, hi = _bounds(lo, hi)
    grp = np.array(assign, dtype=np.int64).reshape(-1)
    n = grp.shape[0]
    n_groups = lo.shape[0]
    packed = _Packed(n, cat, cat_w, B, multi_w, q, num_w, int(hi.max(initial=0)))
    cptr, cidx = _conflicts(conf_ptr, conf_idx, n)
    fptr, fidx = _forbidden(forbidden, n, n_groups)
    _check_feasible(grp, lo, hi, cptr, cidx)
    if fidx.size and (fidx == np.repeat(grp, np.diff(fptr))).any():
        raise ValueError("assign is infeasible: someone sits in a forbidden group.")
    size, ct, s1, s2 = packed.stats(grp, n_groups)
    rules_p = _Rules(rules, n)
    rules_p.weigh(_objective_span(packed, hi) + int(np.abs(rules_p.soft_w).sum()) * n_groups + 1)
    rc = rules_p.counts(grp, n_groups)
    gpen = rules_p.pens(size, rc)
    hard_w = int(rules_p.rw.max(initial=0)) if rules_p.any else _objective_span(packed, hi) + 1
    floor_arr = np.array([0 if floor is None else int(floor), 0 if floor is None else hard_w],
                         dtype=np.int64)
    gs = np.zeros(n_groups, dtype=np.int64)
    _all_scores(size, ct, s1, s2, packed.n_cat_cols, packed.colw, packed.nw, packed.cwsum, gs)
    below = int(np.maximum(floor_arr[0] - gs, 0).sum()) * int(floor_arr[1])
    value = packed.value(size, ct, s1, s2) - int(gpen.sum()) - below
    _LAST_RUN.clear()
    _LAST_RUN.update(broken=rules_p.broken(size, rc), below_floor=int((gs < floor_arr[0]).sum()))
    if movable is None:
        movers = np.arange(n, dtype=np.int64)
    else:
        mv = np.asarray(movable, dtype=bool).reshape(-1)
        if mv.shape[0] != n:
            raise ValueError(f"movable must have length {n}.")
        movers = np.flatnonzero(mv).astype(np.int64)
    if (max_work is not None and int(max_work) <= 0) or movers.size < 1 or n_groups < 2:
        return grp, value
    if time_limit is None:
        time_limit = math.inf
    if max_work is None and not math.isfinite(time_limit):
        raise ValueError("give a finite time_limit or a max_work.")

    tune = _TUNE
    slack = bool(((lo < hi) & (hi > 0)).any())
    if movers.size < 2 and not slack:
        return grp, value  # a lone movable person can neither swap nor move
    pmove = float(tune["p_move"]) if slack else 0.0
    cap = _capacities(size, lo, hi, n, tune["cap_mean_factor"])
    # Moves may not fill a group past its member-list capacity (equal to hi unless bounds are
    # loose, see _capacities), so the kernels get that as the upper bound.
    hi_eff = np.minimum(hi, cap)
    rng = _rng_state(seed)
    etab = _exp_table(rng, _ETAB_BITS)
    t0, t1 = _temperatures(packed, tune["t0_factor"], tune["t1_factor"])
    rules_only = t0 == 0.0 and rules_p.any  # nothing to maximise: stop once the rules hold
    if rules_only:  # steps of one penalty unit
        t0, t1 = tune["t0_factor"], min(tune["t1_factor"], tune["t0_factor"])
    if t0 == 0.0:
        return grp, value  # every weight is zero: nothing to improve
    fctl = np.zeros(_N_FCTL, dtype=np.float64)
    fctl[_F_T0] = t0
    fctl[_F_T1] = t1
    fctl[_F_PMOVE] = pmove
    ictl = np.zeros(_N_ICTL, dtype=np.int64)
    ictl[_I_CUR] = value
    ictl[_I_BEST] = value
    ictl[_I_BASE] = max(int(tune["base_sweeps"] * movers.size), 1024)
    ictl[_I_CYCLE] = -1  # the first step opens cycle 0
    ictl[_I_MAXDBL] = int(tune["max_doublings"])
    ictl[_I_STOP_AT_ZERO] = 1 if rules_only else 0
    budget = int(max_work) if max_work is not None else 2**62
    ictl[_I_TOTAL] = budget
    best = grp.copy()
    dirty = np.empty(n, dtype=np.int64)
    dflag = np.zeros(n, dtype=np.uint8)
    is_mov = np.zeros(n, dtype=np.uint8)
    is_mov[movers] = 1
    mem, moff, pos = _member_lists(grp, size, cap)
    tp_ptr, tp_idx = _topic_people(packed, n)
    if tp_idx.size:
        fctl[_F_PGUIDE] = float(tune["p_guide"])

    def run(n_work):
        _anneal(
            grp, size, lo, hi_eff, ct, s1, s2, packed.prow, packed.cw, packed.cwsum, packed.colw,
            packed.q, packed.nw, cptr, cidx, movers, is_mov,
            mem, moff, pos, tp_ptr, tp_idx, packed.n_cat_cols, best, dirty, dflag, ictl, fctl,
            etab, rng, n_work,
            rc, rules_p.rrow, rules_p.rdef, rules_p.rw, rules_p.rval, gpen, fptr, fidx,
            gs, floor_arr,
        )

    chunk = 4096
    t_search = time.perf_counter()
    last_report = -math.inf
    reported = value
    while True:
        done = int(ictl[_I_WORK])
        now = time.perf_counter()
        elapsed = now - t_start
        if done >= budget or elapsed >= time_limit:
            break
        if rules_only and ictl[_I_BEST] == 0:
            break  # every rule holds and there is no objective: nothing left to gain
        if done > 0:
            rate = done / max(now - t_search, 1e-9)
            chunk = max(1024, int(rate * tune["chunk_seconds"]))
            if math.isfinite(time_limit):
                # Re-estimate the budget from the measured rate so the last cycle ends on time.
                ictl[_I_TOTAL] = min(budget, done + int(rate * (time_limit - elapsed)))
        run(min(chunk, budget - done))
        if progress is not None and ictl[_I_BEST] > reported:
            t = time.perf_counter() - t_start
            if t - last_report >= 0.1:
                reported = int(ictl[_I_BEST])
                last_report = t
                progress(reported, t)
    best_value = int(ictl[_I_BEST])
    if progress is not None and best_value > reported:
        progress(best_value, time.perf_counter() - t_start)
    _LAST_RUN.clear()
    _LAST_RUN.update(work=int(ictl[_I_WORK]), accepted=int(ictl[_I_ACCEPT]),
                     cycles=int(ictl[_I_CYCLE]) + 1, t0=fctl[_F_T0], t1=fctl[_F_T1],
                     seconds=time.perf_counter() - t_search)
    if rules_p.any or floor is not None:
        b_size, b_ct, b_s1, b_s2 = packed.stats(best, n_groups)
        _LAST_RUN.update(broken=rules_p.broken(b_size, rules_p.counts(best, n_groups)))
        _all_scores(b_size, b_ct, b_s1, b_s2, packed.n_cat_cols, packed.colw, packed.nw,
                    packed.cwsum, gs)
        _LAST_RUN.update(below_floor=int((gs < floor_arr[0]).sum()) if floor is not None else 0,
                         worst=int(gs.min(initial=0)))
    return best, best_value
