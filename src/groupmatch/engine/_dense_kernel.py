"""Compiled search kernel for dense diversity grouping (Maximally Diverse Grouping Problem).

Problem: ``n`` elements, symmetric integer matrix ``D``, ``G`` groups with size bounds
``lo[g] <= |g| <= hi[g]``; maximise ``sum_g sum_{i<j in g} D[i, j]``. Extras: elements that may
not move (``movable``) and "conflict" pairs that must never share a group.

Algorithm (iterated tabu search with a few walkers)
---------------------------------------------------
* Gain matrix ``MT[g, i] = sum_{j in g} D[i, j]`` kept exact in O(n) per element move
  (group-major, so that the two rows a move touches are contiguous). With ``own[i] = MT[a[i], i]``:

  - move  ``i: g -> h``:                 ``MT[h, i] - own[i]``
  - swap  ``i in g <-> j in h``:         ``MT[h, i] - own[i] + MT[g, j] - own[j] - 2 D[i, j]``

  (the standard MDGP move/swap evaluations, e.g. Lai & Hao 2016, EJOR 254(3); Yang et al. 2022,
  EJOR 302(3)).
* Tabu search: each iteration applies the best admissible move or swap (ties broken at random);
  an element that left group ``g`` may not return for ``tb + U{0..tr}`` iterations (both scaled by
  ``n / G``); aspiration when a neighbour beats the run's best. The O(n^2) swap scan is pruned
  exactly with ``B[h, g] = max_{u in h}(MT[g, u] - own[u])`` (kept exact incrementally: a step
  between groups g1 and g2 only changes rows and columns g1, g2 of B, O(n) instead of O(n G)):
  ``B[g, h]`` is the best move g -> h, ``B[g, h] + B[h, g] - 2 min D`` bounds every swap between
  g and h (whole group pairs skipped), and ``MT[h, v] - own[v] + B[h, g] - 2 min_u D[v, u]``
  bounds the swaps of one ``v in g`` with h. Only a few member pairs are ever evaluated.
* Walkers (``P = 4``): each runs tabu episodes of ``10 n`` iterations from its current solution
  and keeps the episode's best if it improved. After 3 episodes without improvement the walker
  restarts from a group crossover of its own best and the best found so far (:func:`_crossover`;
  memetic MDGP algorithms such as Lai & Hao 2016 and TPSDP recombine groups the same way). If the
  crossover cannot place everyone (conflicts), the walker is kicked by ``2 n / G`` random feasible
  swaps instead (iterated tabu search, Palubeckis et al. 2015). Measured on RanReal n=480 ds_01,
  30,000 M evaluations, seeds 0-3: kicks only 99.73% of the best known on average, crossover
  with a random other walker 99.80%, with the best so far 99.82% (benchmarks/RESULTS.md).
* Lanes (``workers``): independent copies of all this on threads (the kernels release the GIL),
  each with its own random stream; the best answer of any lane is returned.
* Different-size groups: for random-like data the value is dominated by ``mean(D) * sum_g C(s_g,
  2)``, and walkers rarely cross between size profiles (every step of such a change loses value).
  Walkers therefore start from a size profile maximising ``sum_g C(s_g, 2)`` (exact DP over
  groups, random tie-breaking); walker 0 keeps the caller's profile if it is already optimal.
* Conflicts are encoded in a working copy ``W`` of ``D`` as a large negative weight ``-BIG`` with
  ``BIG > 16 * max_i sum_j |D[i, j]|``: every neighbour that would create a conflict has a very
  negative delta (never chosen by improving or best-admissible steps, and explicitly refused via
  ``MT[h, v] < thr``). Fixed elements are simply absent from the member lists the search scans.

Determinism: all randomness comes from a splitmix64 stream (``engine/rng.py``) owned by each
lane; the search is a sequence of atomic tabu iterations, so cutting it into compiled chunks (for
wall-clock checks and ``progress``) does not change the trajectory. ``max_work`` counts evaluated
neighbours / 1e6 per lane, so with a work budget the result depends on the inputs, ``seed`` and
``workers`` only.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
from numba import njit

from .rng import rand01, randint, rng_state

__all__ = ["construct_dense", "dense_value", "improve_dense"]

# Tuned on MDGPLIB RanReal/RanInt n=120/240/480 (see benchmarks/_dense_kernel_tune.py); all sizes
# scale with n and n / G so the same values are meant for unseen instances.
_PARAMS = {
    "P": 4,  # walkers
    "episode": 10.0,  # tabu iterations per episode, x n
    "tb": 0.5,  # tabu tenure base, x n / G
    "tr": 1.0,  # tabu tenure random part, x n / G
    "stall": 3,  # episodes without improvement before a restart (crossover or kick)
    "kick": 2.0,  # random swaps per kick, x n / G
    "pmove": 0.0,  # share of random moves (vs swaps) in kicks
    "profile": 1,  # start walkers 1.. from a sum C(s, 2)-maximising size profile
    "pcross": 1.0,  # share of stalled walkers restarted by crossover (the rest are kicked)
    "xbest": 1.0,  # 1: cross with the best so far; 0: with a random other walker
}

_NEG = -(2**62)
# st (int64 state shared with the compiled loop) layout
_S_STEP, _S_ACTIVE, _S_IT, _S_CUR, _S_BEST, _S_WORK, _S_WALKER, _S_LEN = range(8)


# ---------------------------------------------------------------------------------------------
# Solution state: a (group of each element), MT (G, n) gain matrix, sizes, own[i] = MT[a[i], i]
# (exact after _build; then kept for movable elements only),
# and member lists of the *movable* elements: mem[g, :cnt[g]], pos[i] = index of i in mem[a[i]].
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _build(W, a, movable, MT, sizes, own, mem, cnt, pos):
    """Rebuild the whole state from `a` in O(n^2); returns the objective (with W)."""
    n = a.shape[0]
    MT[:, :] = 0
    sizes[:] = 0
    cnt[:] = 0
    for j in range(n):
        g = a[j]
        sizes[g] += 1
        row = MT[g]
        wj = W[j]
        for i in range(n):
            row[i] += wj[i]
    val = 0
    for i in range(n):
        g = a[i]
        own[i] = MT[g, i]
        val += own[i]
        if movable[i]:
            pos[i] = cnt[g]
            mem[g, cnt[g]] = i
            cnt[g] += 1
    return val // 2


@njit(cache=True)
def _move(W, a, MT, sizes, own, mem, cnt, pos, x, h):
    """Move movable element x to group h, keeping the state exact (O(n)).

    ``own`` is kept for movable elements only (the only ones the search reads it for); the
    branch-free row updates vectorise.
    """
    g = a[x]
    rg = MT[g]
    rh = MT[h]
    wx = W[x]
    for i in range(a.shape[0]):
        rg[i] -= wx[i]
        rh[i] += wx[i]
    memg = mem[g]
    for k in range(cnt[g]):
        i = memg[k]
        own[i] -= wx[i]
    memh = mem[h]
    for k in range(cnt[h]):
        i = memh[k]
        own[i] += wx[i]
    sizes[g] -= 1
    sizes[h] += 1
    a[x] = h
    own[x] = rh[x]
    p = pos[x]
    last = mem[g, cnt[g] - 1]
    mem[g, p] = last
    pos[last] = p
    cnt[g] -= 1
    mem[h, cnt[h]] = x
    pos[x] = cnt[h]
    cnt[h] += 1


@njit(cache=True)
def _kick(W, a, MT, sizes, own, mem, cnt, pos, lo, hi, can_move, k, rng, thr, pmove):
    """Apply k random feasible swaps/moves (never creating a conflict); return the value change."""
    G = MT.shape[0]
    done = 0
    tries = 0
    delta = 0
    while done < k and tries < 50 * k + 100:
        tries += 1
        g = randint(rng, G)
        if cnt[g] == 0:
            continue
        v = mem[g, randint(rng, cnt[g])]
        h = randint(rng, G)
        if h == g:
            continue
        if can_move and rand01(rng) < pmove:
            if sizes[g] <= lo[g] or sizes[h] >= hi[h] or MT[h, v] < thr:
                continue
            delta += MT[h, v] - own[v]
            _move(W, a, MT, sizes, own, mem, cnt, pos, v, h)
        else:
            if cnt[h] == 0:
                continue
            u = mem[h, randint(rng, cnt[h])]
            wvu = W[v, u]
            if MT[h, v] - wvu < thr or MT[g, u] - wvu < thr:
                continue
            delta += MT[h, v] - own[v] + MT[g, u] - own[u] - 2 * wvu
            _move(W, a, MT, sizes, own, mem, cnt, pos, v, h)
            _move(W, a, MT, sizes, own, mem, cnt, pos, u, g)
        done += 1
    return delta


@njit(cache=True)
def _full_bounds(MT, own, mem, cnt, B):
    """B[h, g] = max over movable u in h of (MT[g, u] - own[u]) for all h, g; returns the work.

    B[g, h] is the exact value of the best move g -> h, and B[h, g] bounds the u-part of any
    swap between g and h.
    """
    G = MT.shape[0]
    work = 0
    for h in range(G):
        _bound_row(MT, own, mem, cnt, B, h)
        work += cnt[h] * G
    return work


@njit(cache=True)
def _bound_row(MT, own, mem, cnt, B, h):
    """Recompute row h of B (see _full_bounds)."""
    G = MT.shape[0]
    NEG = np.int64(_NEG)
    for g in range(G):
        B[h, g] = NEG
    for k in range(cnt[h]):
        u = mem[h, k]
        ou = own[u]
        for g in range(G):
            t = MT[g, u] - ou
            if t > B[h, g]:
                B[h, g] = t


@njit(cache=True)
def _update_bounds(MT, own, mem, cnt, B, g1, g2):
    """Refresh B after elements moved between groups g1 and g2 only: rows g1, g2 (their
    members' own values changed) and columns g1, g2 (those MT rows changed). Returns the work."""
    G = MT.shape[0]
    NEG = np.int64(_NEG)
    _bound_row(MT, own, mem, cnt, B, g1)
    _bound_row(MT, own, mem, cnt, B, g2)
    r1 = MT[g1]
    r2 = MT[g2]
    work = (cnt[g1] + cnt[g2]) * G
    for h in range(G):
        if h == g1 or h == g2:
            continue
        b1 = NEG
        b2 = NEG
        memh = mem[h]
        for k in range(cnt[h]):
            u = memh[k]
            ou = own[u]
            t = r1[u] - ou
            if t > b1:
                b1 = t
            t = r2[u] - ou
            if t > b2:
                b2 = t
        B[h, g1] = b1
        B[h, g2] = b2
        work += cnt[h]
    return work


@njit(cache=True)
def _tabu_iter(W, a, MT, sizes, own, mem, cnt, pos, lo, hi, can_move, thr, it, cur, bestv,
               tbase, trand, tabu, rng, B, minw):
    """One tabu iteration: apply the best admissible move/swap. Returns (delta, work, ok).

    B (see _full_bounds) must be exact on entry and is kept exact on exit.
    """
    G = MT.shape[0]
    n = a.shape[0]
    NEG = np.int64(_NEG)
    work = 0
    bd = NEG
    bv = -1
    bu = -1
    bh = -1
    nb = 0
    if can_move:
        for g in range(G):
            if sizes[g] <= lo[g]:
                continue
            for h in range(G):
                if h == g or sizes[h] >= hi[h] or B[g, h] < bd:
                    continue
                rh = MT[h]
                work += cnt[g]
                for k in range(cnt[g]):
                    v = mem[g, k]
                    if rh[v] < thr:
                        continue
                    d = rh[v] - own[v]
                    if d < bd:
                        continue
                    if tabu[v, h] > it and cur + d <= bestv:
                        continue
                    if d > bd:
                        bd = d
                        bv = v
                        bh = h
                        nb = 1
                    else:
                        nb += 1
                        if randint(rng, nb) == 0:
                            bv = v
                            bh = h
    # Swaps, group pair by group pair: B[g, h] + B[h, g] - 2 min D bounds every swap between
    # g and h, so most pairs are skipped without looking at their members.
    for g in range(G - 1):
        cg = cnt[g]
        if cg == 0:
            continue
        memg = mem[g]
        mg = minw[memg[0]]
        for k in range(1, cg):
            if minw[memg[k]] < mg:
                mg = minw[memg[k]]
        work += cg
        rg = MT[g]
        for h in range(g + 1, G):
            bhg = B[h, g]
            if B[g, h] + bhg - 2 * mg < bd:
                continue
            rh = MT[h]
            memh = mem[h]
            ch = cnt[h]
            work += cg
            for k in range(cg):
                v = memg[k]
                c0 = rh[v] - own[v]
                if c0 + bhg - 2 * minw[v] < bd:
                    continue
                wv = W[v]
                work += ch
                for q in range(ch):
                    u = memh[q]
                    d = c0 + rg[u] - own[u] - 2 * wv[u]
                    if d < bd:
                        continue
                    if (tabu[v, h] > it or tabu[u, g] > it) and cur + d <= bestv:
                        continue
                    if rh[v] - wv[u] < thr or rg[u] - wv[u] < thr:
                        continue
                    if d > bd:
                        bd = d
                        bv = v
                        bu = u
                        bh = -1
                        nb = 1
                    else:
                        nb += 1
                        if randint(rng, nb) == 0:
                            bv = v
                            bu = u
                            bh = -1
    if bv < 0:
        return 0, work, False
    g = a[bv]
    if bu < 0:
        _move(W, a, MT, sizes, own, mem, cnt, pos, bv, bh)
        tabu[bv, g] = it + tbase + randint(rng, trand + 1)
    else:
        h = a[bu]
        _move(W, a, MT, sizes, own, mem, cnt, pos, bv, h)
        _move(W, a, MT, sizes, own, mem, cnt, pos, bu, g)
        tabu[bv, g] = it + tbase + randint(rng, trand + 1)
        tabu[bu, h] = it + tbase + randint(rng, trand + 1)
    work += _update_bounds(MT, own, mem, cnt, B, g, a[bv]) + (n if bu < 0 else 2 * n)
    return bd, work, True


@njit(cache=True)
def _place(W, MT, sizes, out, i, g):
    """Crossover: put element i into child group g (its W row joins the group's gain row)."""
    out[i] = g
    sizes[g] += 1
    wi = W[i]
    row = MT[g]
    for j in range(wi.shape[0]):
        row[j] += wi[j]


@njit(cache=True)
def _crossover(W, A, Bp, movable, thr, rng, out, MT, sizes):
    """Group-based crossover of parents A and Bp into ``out``; returns False if it got stuck.

    Alternately from A and Bp, the still-unused group slot whose not-yet-placed members have the
    highest mean pair value is copied into the child (up to the size A gives that slot); the
    elements left are then placed one by one, in random order, into the slot with room where they
    gain most. Sizes follow A, so the child keeps A's size profile. Elements that may not move
    keep their (common) group. Group crossover in the spirit of the memetic MDGP algorithms
    (Lai & Hao 2016, EJOR 254(3); Yang et al. 2022's TPSDP).
    """
    n = A.shape[0]
    G = MT.shape[0]
    target = np.zeros(G, np.int64)
    for i in range(n):
        target[A[i]] += 1
    MT[:, :] = 0
    sizes[:] = 0
    out[:] = -1
    used = np.zeros(G, np.bool_)
    buf = np.empty(n, np.int64)
    for i in range(n):
        if not movable[i]:
            _place(W, MT, sizes, out, i, A[i])
    for step in range(G):
        P = A if step % 2 == 0 else Bp
        bg = -1
        bs = -1e300
        for g in range(G):
            if used[g]:
                continue
            c = 0
            s = 0
            for i in range(n):
                if P[i] == g and out[i] < 0:
                    for q in range(c):
                        s += W[i, buf[q]]
                    buf[c] = i
                    c += 1
            # mean pair value among the members not placed yet (groups of one rank last)
            sc = s / (c * (c - 1) / 2) if c >= 2 else -1e299
            if sc > bs:
                bs = sc
                bg = g
        used[bg] = True
        for i in range(n):
            if P[i] == bg and out[i] < 0 and sizes[bg] < target[bg] and MT[bg, i] >= thr:
                _place(W, MT, sizes, out, i, bg)
    c = 0
    for i in range(n):
        if out[i] < 0:
            buf[c] = i
            c += 1
    for p in range(c - 1, 0, -1):  # random order (Fisher-Yates)
        q = randint(rng, p + 1)
        t = buf[p]
        buf[p] = buf[q]
        buf[q] = t
    for p in range(c):
        i = buf[p]
        bg = -1
        for g in range(G):
            if sizes[g] < target[g] and MT[g, i] >= thr and (bg < 0 or MT[g, i] > MT[bg, i]):
                bg = g
        if bg < 0:
            return False
        _place(W, MT, sizes, out, i, bg)
    return True


@njit(cache=True, nogil=True)
def _search(W, lo, hi, movable, can_move, thr, pa, pval, pstall, best_a, best, a, MT, sizes,
            own, mem, cnt, pos, tabu, besta, B, minw, st, rng, budget, prm):
    """Advance the walkers' iterated tabu search by at least `budget` evaluations.

    All progress lives in the arrays (st holds the scalars, see _S_*), so the search can be cut
    anywhere between tabu iterations and resumed with an identical trajectory.
    """
    n = a.shape[0]
    G = MT.shape[0]
    P = pa.shape[0]
    episode = max(10, int(prm[0] * n))
    tbase = max(1, int(prm[1] * n / G))
    trand = max(1, int(prm[2] * n / G))
    max_stall = int(prm[3])
    kick = max(2, int(prm[4] * n / G + 0.5))
    pmove = prm[5]
    pcross = prm[6]
    xbest = prm[7]
    spent = 0
    while spent < budget:
        if st[_S_ACTIVE] == 0:
            # start an episode on the next walker
            k = st[_S_STEP] % P
            st[_S_WALKER] = k
            a[:] = pa[k]
            _build(W, a, movable, MT, sizes, own, mem, cnt, pos)
            spent += _full_bounds(MT, own, mem, cnt, B)
            besta[:] = a
            tabu[:, :] = -1
            st[_S_IT] = 0
            st[_S_CUR] = 0
            st[_S_BEST] = 0
            st[_S_ACTIVE] = 1
            spent += n * n
        it = st[_S_IT]
        cur = st[_S_CUR]
        bestv = st[_S_BEST]
        ok = True
        while it < episode and spent < budget:
            d, w, ok = _tabu_iter(W, a, MT, sizes, own, mem, cnt, pos, lo, hi, can_move, thr,
                                  it, cur, bestv, tbase, trand, tabu, rng, B, minw)
            spent += w
            it += 1
            if not ok:
                break
            cur += d
            if cur > bestv:
                bestv = cur
                besta[:] = a
        st[_S_IT] = it
        st[_S_CUR] = cur
        st[_S_BEST] = bestv
        if it < episode and ok:
            break  # budget exhausted mid-episode; resume on the next call
        # episode finished: keep its best if it improved the walker, kick stalled walkers
        k = st[_S_WALKER]
        st[_S_ACTIVE] = 0
        st[_S_STEP] += 1
        if bestv > 0:
            pa[k] = besta
            pval[k] += bestv
            pstall[k] = 0
            if pval[k] > best[0]:
                best[0] = pval[k]
                best_a[:] = besta
        else:
            pstall[k] += 1
        if pstall[k] > max_stall:
            crossed = False
            if pcross > 0 and P > 1 and rand01(rng) < pcross:
                if xbest > 0:
                    other = best_a
                else:
                    j = randint(rng, P - 1)
                    other = pa[j + 1 if j >= k else j]
                crossed = _crossover(W, pa[k], other, movable, thr, rng, a, MT, sizes)
                if crossed:
                    pval[k] = _build(W, a, movable, MT, sizes, own, mem, cnt, pos)
                    spent += 2 * n * n
            if not crossed:
                a[:] = pa[k]
                _build(W, a, movable, MT, sizes, own, mem, cnt, pos)
                pval[k] += _kick(W, a, MT, sizes, own, mem, cnt, pos, lo, hi, can_move, kick,
                                 rng, thr, pmove)
            pa[k] = a
            pstall[k] = 0
            spent += n * n
    st[_S_WORK] += spent
    return spent


# ---------------------------------------------------------------------------------------------
# Size profiles (different-size groups)
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _target_sizes(lo, hi, n, sign, rng):
    """Sizes in [lo, hi] summing to n that maximise sign * sum_g C(s_g, 2) (exact DP).

    Tiny random secondary keys pick one of the (usually many) tied optima at random.
    """
    G = lo.shape[0]
    NEG = -1e300
    best = np.full((G + 1, n + 1), NEG)
    arg = np.zeros((G + 1, n + 1), np.int64)
    best[0, 0] = 0.0
    for g in range(G):
        for t in range(n + 1):
            if best[g, t] == NEG:
                continue
            for s in range(lo[g], hi[g] + 1):
                if t + s > n:
                    break
                v = best[g, t] + sign * 1e6 * (s * (s - 1) // 2) + rand01(rng)
                if v > best[g + 1, t + s]:
                    best[g + 1, t + s] = v
                    arg[g + 1, t + s] = s
    out = np.empty(G, np.int64)
    t = n
    for g in range(G - 1, -1, -1):
        out[g] = arg[g + 1, t]
        t -= out[g]
    return out


@njit(cache=True)
def _reshape(W, a, MT, sizes, own, mem, cnt, pos, target, thr):
    """Move movable elements from groups above `target` to groups below it, best delta first.

    Stops early if no conflict-free move exists; sizes stay within bounds throughout (they move
    towards a target that lies within bounds). Returns the value change.
    """
    G = MT.shape[0]
    delta = 0
    while True:
        bd = np.int64(_NEG)
        bv = -1
        bh = -1
        for g in range(G):
            if sizes[g] <= target[g]:
                continue
            for k in range(cnt[g]):
                v = mem[g, k]
                for h in range(G):
                    if sizes[h] < target[h] and MT[h, v] >= thr:
                        d = MT[h, v] - own[v]
                        if d > bd:
                            bd = d
                            bv = v
                            bh = h
        if bv < 0:
            return delta
        _move(W, a, MT, sizes, own, mem, cnt, pos, bv, bh)
        delta += bd


@njit(cache=True, nogil=True)
def _init_walkers(W, a0, lo_eff, hi, movable, can_move, thr, pa, pval, a, MT, sizes, own, mem,
                  cnt, pos, rng, use_profile, sign, pmove):
    """Walker 0 = the start; others = the start scrambled by n random steps. With different-size
    groups, walkers are then reshaped to a random sum C(s, 2)-maximising size profile (walker 0
    only if its profile is not already optimal in that sense)."""
    n = a0.shape[0]
    spent = 0
    for k in range(pa.shape[0]):
        a[:] = a0
        val = _build(W, a, movable, MT, sizes, own, mem, cnt, pos)
        if k > 0:
            val += _kick(W, a, MT, sizes, own, mem, cnt, pos, lo_eff, hi, can_move, n, rng, thr,
                         pmove)
        if can_move and use_profile:
            target = _target_sizes(lo_eff, hi, n, sign, rng)
            # walker 0 keeps the caller's profile if it is already optimal for sum C(s, 2)
            cur_pairs = 0
            tgt_pairs = 0
            for g in range(sizes.shape[0]):
                cur_pairs += sizes[g] * (sizes[g] - 1) // 2
                tgt_pairs += target[g] * (target[g] - 1) // 2
            if k > 0 or sign * cur_pairs < sign * tgt_pairs:
                val += _reshape(W, a, MT, sizes, own, mem, cnt, pos, target, thr)
        pa[k] = a
        pval[k] = val
        spent += n * n
    return spent


# ---------------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _construct(n, lo, hi, fixed, cptr, cidx, seed, attempts):
    """Randomised greedy: hardest (most conflicts) first, lower bounds filled first.

    Returns (assign, ok).
    """
    G = lo.shape[0]
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(7)
    a = np.empty(n, np.int64)
    sizes = np.empty(G, np.int64)
    stamp = np.zeros(G, np.int64)
    cand = np.empty(G, np.int64)
    key = np.empty(n, np.float64)
    mark = 0
    for _t in range(attempts):
        a[:] = fixed
        sizes[:] = 0
        left = 0
        for i in range(n):
            if a[i] >= 0:
                sizes[a[i]] += 1
            else:
                left += 1
            key[i] = -(cptr[i + 1] - cptr[i]) - rand01(rng)
        order = np.argsort(key)
        ok = True
        for p in range(n):
            x = order[p]
            if a[x] >= 0:
                continue
            mark += 1
            for q in range(cptr[x], cptr[x + 1]):
                if a[cidx[q]] >= 0:
                    stamp[a[cidx[q]]] = mark
            deficit = 0
            for g in range(G):
                if sizes[g] < lo[g]:
                    deficit += lo[g] - sizes[g]
            nc = 0
            for g in range(G):
                if sizes[g] < lo[g] and stamp[g] != mark:
                    cand[nc] = g
                    nc += 1
            if nc == 0:
                if deficit >= left:
                    ok = False
                    break
                for g in range(G):
                    if sizes[g] < hi[g] and stamp[g] != mark:
                        cand[nc] = g
                        nc += 1
            if nc == 0:
                ok = False
                break
            g = cand[randint(rng, nc)]
            a[x] = g
            sizes[g] += 1
            left -= 1
        if ok:
            for g in range(G):
                if sizes[g] < lo[g] or sizes[g] > hi[g]:
                    ok = False
            if ok:
                return a, True
    return a, False


# ---------------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------------


def _csr(n, conf_ptr, conf_idx):
    if conf_ptr is None or conf_idx is None:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int64)
    return (np.ascontiguousarray(conf_ptr, dtype=np.int64),
            np.ascontiguousarray(conf_idx, dtype=np.int64))


def dense_value(D, assign) -> int:
    """Sum of ``D[i, j]`` over unordered pairs ``i < j`` in the same group (exact int).

    Examples
    --------
    >>> dense_value(np.array([[0, 2, 5], [2, 0, 1], [5, 1, 0]]), [0, 0, 1])
    2
    """
    D = np.asarray(D, dtype=np.int64)
    a = np.asarray(assign, dtype=np.int64)
    same = a[:, None] == a[None, :]
    return int(np.triu(np.where(same, D, 0), 1).sum(dtype=np.int64))


def construct_dense(D, lo, hi, *, movable_assign=None, conf_ptr=None, conf_idx=None, seed=0):
    """Random feasible start: sizes within bounds, no conflict pair together, fixed kept.

    Parameters
    ----------
    D : (n, n) array
        Only its size is used.
    lo, hi : (G,) int arrays
        Group size bounds.
    movable_assign : (n,) int array, optional
        ``>= 0``: the element is fixed to that group; ``-1``: free.
    conf_ptr, conf_idx : int arrays, optional
        Conflict pairs in CSR form (symmetric lists expected).
    seed : int

    Returns
    -------
    (n,) int64 array of group indices.

    Raises
    ------
    ValueError
        If no feasible start was found (bounds, fixed elements or conflicts incompatible, or a
        very tight instance beyond the greedy's reach).
    """
    n = np.asarray(D).shape[0]
    lo = np.ascontiguousarray(lo, dtype=np.int64)
    hi = np.ascontiguousarray(hi, dtype=np.int64)
    if movable_assign is None:
        fixed = np.full(n, -1, np.int64)
    else:
        fixed = np.ascontiguousarray(movable_assign, dtype=np.int64).copy()
    cptr, cidx = _csr(n, conf_ptr, conf_idx)
    if lo.sum() > n or hi.sum() < n or np.any(lo > hi):
        raise ValueError("construct_dense: size bounds cannot hold n elements")
    if np.any(fixed >= lo.shape[0]):
        raise ValueError("construct_dense: fixed group index out of range")
    a, ok = _construct(n, lo, hi, fixed, cptr, cidx, int(seed), 200)
    if not ok:
        raise ValueError("construct_dense: no feasible start found")
    return a


class _Lane:
    """One independent search (its walkers, state and random stream), advanced in chunks."""

    def __init__(self, W, a0, lo_eff, hi, mov, can_move, thr, sign, start_val, seed, lane, P):
        n, G = a0.shape[0], lo_eff.shape[0]
        # one stream per lane; lane 0 keeps the single-lane stream so workers=1 results do not
        # change
        self.rng = rng_state(seed, lane)
        self.pa = np.empty((P, n), np.int64)
        self.pval = np.empty(P, np.int64)
        self.pstall = np.zeros(P, np.int64)
        self.a = np.empty(n, np.int64)
        self.MT = np.empty((G, n), np.int64)
        self.sizes = np.empty(G, np.int64)
        self.own = np.empty(n, np.int64)
        self.mem = np.empty((G, n), np.int64)
        self.cnt = np.empty(G, np.int64)
        self.pos = np.empty(n, np.int64)
        self.tabu = np.empty((n, G), np.int64)
        self.besta = np.empty(n, np.int64)
        self.B = np.empty((G, G), np.int64)
        self.st = np.zeros(_S_LEN, np.int64)
        self.st[_S_WORK] = _init_walkers(
            W, a0, lo_eff, hi, mov, can_move, thr, self.pa, self.pval, self.a, self.MT,
            self.sizes, self.own, self.mem, self.cnt, self.pos, self.rng,
            bool(_PARAMS["profile"]), sign, _PARAMS["pmove"])
        self.best = np.array([start_val], np.int64)
        self.best_a = a0.copy()
        k = int(np.argmax(self.pval))
        if self.pval[k] > self.best[0]:
            self.best[0] = self.pval[k]
            self.best_a[:] = self.pa[k]

    def run(self, W, lo_eff, hi, mov, can_move, thr, minw, prm, t0, time_limit, limit):
        """Advance until the clock or the work budget runs out (releases the GIL)."""
        rate = 5e7  # evaluations per second, re-estimated after every chunk
        st = self.st
        while True:
            el = time.perf_counter() - t0
            if el >= time_limit or st[_S_WORK] >= limit:
                return
            # ~50 ms chunks: frequent enough for time checks and progress, cheap to call
            budget = rate * min(0.05, max(time_limit - el, 0.0) + 1e-3)
            budget = int(max(1.0, min(budget, limit - st[_S_WORK])))
            c0 = time.perf_counter()
            spent = _search(W, lo_eff, hi, mov, can_move, thr, self.pa, self.pval, self.pstall,
                            self.best_a, self.best, self.a, self.MT, self.sizes, self.own,
                            self.mem, self.cnt, self.pos, self.tabu, self.besta, self.B, minw,
                            st, self.rng, budget, prm)
            dt = time.perf_counter() - c0
            if dt > 1e-4:
                rate = 0.5 * rate + 0.5 * spent / dt


def improve_dense(D, assign, lo, hi, *, movable=None, conf_ptr=None, conf_idx=None,
                  time_limit=10.0, max_work=None, seed=0, progress=None, workers=1):
    """Improve a feasible grouping by iterated tabu search (see module docstring).

    Parameters
    ----------
    D : (n, n) int array
        Symmetric, zero diagonal; any sign allowed.
    assign : (n,) int array
        Feasible start (sizes within bounds, no conflict pair together).
    lo, hi : (G,) int arrays
        Group size bounds.
    movable : (n,) bool array, optional
        False = the element keeps its group. Default: all movable.
    conf_ptr, conf_idx : int arrays, optional
        Conflict pairs (CSR; either direction listed is enough).
    time_limit : float
        Wall-clock seconds (compile time of a cold numba cache is not excluded here).
    max_work : float, optional
        Deterministic budget in millions of evaluated neighbours (per lane). With
        ``time_limit=inf`` the result depends only on the inputs, ``seed`` and ``workers``.
    seed : int
    progress : callable(value: int, elapsed: float), optional
        Called from Python on new best values, at most about ten times per second.
    workers : int
        Independent searches run side by side on threads (different random streams, the best
        answer kept); 1 runs in the calling thread.

    Returns
    -------
    (best_assign, best_value)
        int64 (n,) array and its exact objective; never worse than the start.
    """
    t0 = time.perf_counter()
    D = np.ascontiguousarray(D, dtype=np.int64)
    n = D.shape[0]
    a0 = np.ascontiguousarray(assign, dtype=np.int64).copy()
    lo = np.ascontiguousarray(lo, dtype=np.int64)
    hi = np.ascontiguousarray(hi, dtype=np.int64)
    G = lo.shape[0]
    mov = np.ones(n, np.bool_) if movable is None else np.ascontiguousarray(movable, np.bool_)
    if n and (a0.min() < 0 or a0.max() >= G):
        raise ValueError("improve_dense: group index out of range")
    sizes0 = np.bincount(a0, minlength=G) if n else np.zeros(G, np.int64)
    if np.any(sizes0 < lo) or np.any(sizes0 > hi):
        raise ValueError("improve_dense: start violates size bounds")
    start_val = dense_value(D, a0) if n else 0
    nmov = int(mov.sum())
    if n < 2 or G < 2 or nmov < 1:
        return a0, start_val

    # Conflicts as -BIG weights; thr separates "some conflict partner in h" from any real gain.
    R = int(np.abs(D).sum(axis=1).max())
    thr = np.int64(_NEG)
    W = D
    cptr, cidx = _csr(n, conf_ptr, conf_idx)
    if cidx.size:
        rows = np.repeat(np.arange(n), np.diff(cptr))
        if np.any(a0[rows] == a0[cidx]):
            raise ValueError("improve_dense: start violates a conflict")
        big = 16 * (R + 1)
        deg = int(np.bincount(np.concatenate([rows, cidx]), minlength=n).max())
        if (deg + 2) * big >= 2**62:
            raise ValueError("improve_dense: distances too large for conflict encoding")
        W = D.copy()
        W[rows, cidx] = -big
        W[cidx, rows] = -big
        thr = np.int64(-R - 1)
    offdiag = W.copy()
    np.fill_diagonal(offdiag, np.iinfo(np.int64).max)
    minw = offdiag.min(axis=1)
    del offdiag

    # Size slack: lower bounds raised to the number of fixed members (they cannot leave).
    nfixed = np.bincount(a0[~mov], minlength=G)
    lo_eff = np.maximum(lo, nfixed)
    can_move = bool(np.any(lo_eff < hi))
    sign = 1.0 if D.sum() >= 0 else -1.0
    prm = np.array([_PARAMS["episode"], _PARAMS["tb"], _PARAMS["tr"], _PARAMS["stall"],
                    _PARAMS["kick"], _PARAMS["pmove"], _PARAMS["pcross"], _PARAMS["xbest"]],
                   dtype=np.float64)
    P = int(_PARAMS["P"])
    lanes = [_Lane(W, a0, lo_eff, hi, mov, can_move, thr, sign, start_val, seed, k, P)
             for k in range(max(1, int(workers)))]
    limit = math.inf if max_work is None else float(max_work) * 1e6
    args = (W, lo_eff, hi, mov, can_move, thr, minw, prm, t0, time_limit, limit)

    def best_lane():
        return max(lanes, key=lambda ln: ln.best[0])  # first lane wins ties (deterministic)

    if len(lanes) == 1 and progress is None:
        lanes[0].run(*args)
    else:
        # compare with the caller's start, read before any thread runs: reading the lanes' best
        # after start() raced with their first improvements, which then went unreported
        reported = start_val
        threads = [threading.Thread(target=ln.run, args=args, daemon=True) for ln in lanes]
        for t in threads:
            t.start()
        while True:
            alive = [t for t in threads if t.is_alive()]
            if not alive:
                break
            alive[0].join(0.1)
            top = int(best_lane().best[0])
            if progress is not None and top > reported:
                progress(top, time.perf_counter() - t0)
                reported = top
        for t in threads:
            t.join()
        if progress is not None and best_lane().best[0] > reported:
            progress(int(best_lane().best[0]), time.perf_counter() - t0)
    top = best_lane()
    return top.best_a.copy(), int(top.best[0])
