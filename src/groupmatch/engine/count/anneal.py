"""Simulated annealing over sampled moves and swaps, run in compiled chunks.

The compiled ``_anneal`` resumes from and saves to small control arrays (slots below), so the
result does not depend on where the chunks end; the Python helpers set up its arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..rng import below, next_u64, rand01
from .rules import _all_pens, _fits, _group_pen, _radd
from .stats import (
    _add,
    _all_scores,
    _floor_pen,
    _gain,
    _move_delta,
    _pair,
    _self_multi,
    _sp_delta,
    _swap_delta,
)

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
_I_STOP_AT_TARGET = 12  # 1: stop as soon as the best value reaches _I_TARGET
_I_TARGET = 13  # a value nothing beats (0 for the rules alone; the objective's upper bound)
_N_ICTL = 14

_F_T0 = 0  # start temperature of every cycle
_F_T1 = 1  # end temperature of every cycle
_F_PMOVE = 2  # probability of drawing a move rather than a swap
_F_T = 3  # current temperature (statistics only)
_F_PGUIDE = 4  # probability of a topic-guided target group
_F_PPAIR = 5  # probability of a target group holding a listed partner (sparse pairs)
_N_FCTL = 6

_ETAB_BITS = 12  # size of the table of Exp(1) variates used by the acceptance test


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


@njit(cache=True, nogil=True)  # concurrent searches on threads run side by side
def _anneal(
    grp, size, lo, hi, ct, s1, s2, prow, cw, cwsum, colw, q, nw,
    conf_ptr, conf_idx, movers, is_mov, mem, moff, pos, tp_ptr, tp_idx, tbase,
    best, dirty, dflag, ictl, fctl, etab, rng, n_work,
    rc, rrow, rdef, rw, rval, gpen, fb_ptr, fb_idx, gs, floor,
    sp_ptr, sp_idx, sp_w, pp_ptr, pp_idx,
):
    """Run ``n_work`` annealing steps, resuming from and saving to ``ictl``/``fctl``/``rng``.

    A step draws a movable person ``i`` and then, with probability ``p_guide`` (only when some
    topic has a positive weight), a target group holding a random topic-mate of ``i`` and
    otherwise a uniformly random target; the candidate is a move to the target group (with
    probability ``p_move``, when the sizes allow) or a swap with a random member of it. Purely
    random targets make the diversity terms progress; guided ones find the rare groups where a
    shared topic pays, which uniform sampling hits about ``T / topics-per-person`` times less
    often. Sparse pairs (``sp_*``: each person's listed partners and the pair weights) add
    their change to every candidate, and a person with partners of positive weight
    (``pp_*``) targets a partner's group with probability ``p_pair`` first: a random group
    holds one of a few listed partners about ``G`` times less often.

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
    ppair = fctl[_F_PPAIR]
    has_pairs = sp_idx.shape[0] > 0
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
        i = movers[below(rng, n_m)]
        g = grp[i]
        h = -1
        if ppair > 0.0:  # no draw at all without pairs: other searches are unchanged
            n_part = pp_ptr[i + 1] - pp_ptr[i]
            if n_part > 0 and rand01(rng) < ppair:
                h = grp[pp_idx[pp_ptr[i] + below(rng, n_part)]]
        if h >= 0:
            pass
        elif pguide > 0.0 and rand01(rng) < pguide:
            n_top = 0
            for k in range(n_cat, width):
                if prow[i, k] >= 0:
                    n_top += 1
            if n_top == 0:
                continue
            t = prow[i, n_cat + below(rng, n_top)] - tbase
            n_mates = tp_ptr[t + 1] - tp_ptr[t]
            if n_mates == 0:
                continue
            h = grp[tp_idx[tp_ptr[t] + below(rng, n_mates)]]
        else:
            h = grp[movers[below(rng, n_m)]]
        if h == g:
            continue
        if pmove > 0.0 and rand01(rng) < pmove:
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
            j = mem[moff[h] + below(rng, size[h])]
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
        if has_pairs:  # not part of a group's own score (the floor measures the rest)
            d += _sp_delta(i, j, g, h, grp, sp_ptr, sp_idx, sp_w)
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
            if -d >= temp * etab[np.int64(next_u64(rng) >> np.uint64(40)) & emask]:
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
            if ictl[_I_STOP_AT_TARGET] and bestv >= ictl[_I_TARGET]:
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
        out[a] = -math.log(1.0 - rand01(rng))
    return out


# Python side: the arrays and constants the compiled search runs on.
def _temperatures(packed, t0_factor, t1_factor, extra=None):
    """Start and end temperatures, in units of the objective's step.

    Every delta is an integer combination of the weights, so their gcd is the smallest
    possible nonzero change: the natural size of a "small" uphill step whatever the weights'
    magnitude (float weights scaled by 10**k scale it too). Tuning found the searches work best
    close to greedy: a start temperature of about half a step (a one-step loss is accepted
    about 1 time in 7) and sideways (zero-delta) moves always accepted, which is what crosses
    the plateaus of count-based objectives.
    """
    weights = np.concatenate([packed.cw, packed.colw[packed.n_cat_cols : packed.n_cols],
                              packed.nw, np.zeros(0, np.int64) if extra is None else extra])
    step = float(np.gcd.reduce(np.abs(weights[weights != 0]))) if weights.any() else 0.0
    return t0_factor * step, min(t1_factor, t0_factor) * step


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
