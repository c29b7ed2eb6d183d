"""Python entry points: validate and pack the inputs, build a start, drive the compiled chunks."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..rng import rng_state
from .anneal import (
    _ETAB_BITS,
    _F_PGUIDE,
    _F_PMOVE,
    _F_PPAIR,
    _F_T0,
    _F_T1,
    _I_ACCEPT,
    _I_BASE,
    _I_BEST,
    _I_CUR,
    _I_CYCLE,
    _I_MAXDBL,
    _I_STOP_AT_TARGET,
    _I_TARGET,
    _I_TOTAL,
    _I_WORK,
    _N_FCTL,
    _N_ICTL,
    _anneal,
    _capacities,
    _exp_table,
    _member_lists,
    _temperatures,
    _topic_people,
)
from .construct import _construct
from .pack import _bounds, _check_feasible, _conflicts, _forbidden, _pair_lists, _pair_value
from .rules import _Rules
from .stats import _all_scores, _objective_span, _Packed

__all__ = ["CountRun", "Tuning", "construct_counts", "improve_counts"]


@dataclass(frozen=True)
class Tuning:
    """Knobs of the search. The defaults are the tuned values; the tuning harness
    (``benchmarks/_count_kernel_tune.py``) tries others."""

    t0_factor: float = 0.5  # start temperature of a cycle, in units of the gcd of the weights
    t1_factor: float = 0.12  # end temperature of a cycle, in the same units
    p_guide: float = 0.7  # share of topic-guided target groups (when a topic weight is positive)
    p_pair: float = 0.5  # share of partner-guided targets for people with listed partners
    p_move: float = 0.3  # share of single-person moves when some group has slack
    base_sweeps: float = 400.0  # first cycle = base_sweeps * movable people work units
    max_doublings: int = 4  # cycles stop doubling: many medium restarts beat few long ones
    cap_mean_factor: float = 4.0  # see _capacities
    construct_samples: int = 48  # candidates a group looks at per pick during construction
    chunk_seconds: float = 0.03  # wall time between returns to Python (time checks, progress)


_DEFAULT = Tuning()


@dataclass(frozen=True, eq=False)
class CountRun:
    """What one :func:`improve_counts` call found, and what it spent finding it."""

    assign: np.ndarray  # best grouping found (int64, one group per person)
    value: int  # its objective minus rule and floor penalties
    work: int = 0  # candidate moves and swaps drawn
    accepted: int = 0  # candidates applied
    cycles: int = 0  # annealing cycles begun
    broken: int = 0  # groups of ``assign`` still breaking a hard rule
    below_floor: int = 0  # groups of ``assign`` whose own objective is below ``floor``
    worst: int = 0  # lowest objective of a group of ``assign``
    seconds: float = 0.0  # time in the search itself (validation and packing excluded)
    t0: float = 0.0  # start temperature of every cycle
    t1: float = 0.0  # end temperature of every cycle


def construct_counts(lo, hi, n, *, fixed=None, conf_ptr=None, conf_idx=None, seed=0, cat=None,
                     cat_w=None, B=None, multi_w=None, q=None, num_w=None, rules=None,
                     forbidden=None, pairs=None, pair_w=None,
                     tuning: Tuning | None = None) -> np.ndarray:
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
    pairs, pair_w
        Sparse pairs, as in :func:`improve_counts`: accepted and left to the search.
    tuning : Tuning, optional
        Search knobs (only ``construct_samples`` matters here); default :class:`Tuning()`.

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
        int((tuning or _DEFAULT).construct_samples), rng_state(seed),
        rc, packed_rules.rrow, packed_rules.rdef, packed_rules.rw, packed_rules.rval, gpen,
        fptr, fidx,
    )
    if status != 0:
        raise ValueError("could not place everyone without breaking a conflict; "
                         "loosen the conflicts or the group bounds.")
    return grp


def improve_counts(assign, lo, hi, *, cat=None, cat_w=None, B=None, multi_w=None, q=None,
                   num_w=None, movable=None, conf_ptr=None, conf_idx=None, time_limit=10.0,
                   max_work=None, seed=0, progress=None, rules=None, forbidden=None, floor=None,
                   target=None, pairs=None, pair_w=None,
                   tuning: Tuning | None = None) -> CountRun:
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
    pairs, pair_w : array of int, shapes (k, 2) and (k,), optional
        Sparse pairs of people and their weight: ``pair_w[e]`` counts when both people of
        ``pairs[e]`` share a group (listed wishes; repeated pairs add up). People with a
        partner of positive weight target that partner's group with probability ``p_pair``.
    floor : int, optional
        Keep every group's own objective at least this high: a hard, graded penalty on each
        group below it (the worst-group floor; the start may break it).
    target : int, optional
        An upper bound of the objective: the search stops as soon as its best value reaches it
        (nothing better exists), inside a chunk, so the work spent stays deterministic.
    time_limit : float
        Wall seconds (compilation excluded once the kernels are cached).
    max_work : int, optional
        Stop after this many candidate evaluations. With ``time_limit=inf`` the result depends
        only on the inputs and ``seed``.
    seed : int
        Seed of the search.
    progress : callable, optional
        ``progress(value, elapsed)`` on new bests, at most about ten times a second.
    tuning : Tuning, optional
        Search knobs; default :class:`Tuning()`.

    Returns
    -------
    CountRun
        ``assign`` (the best grouping found) and ``value`` (its objective minus rule penalties,
        equal to the objective once no hard rule is broken; ``broken`` counts groups still
        breaking one), plus what the search spent.

    Raises
    ------
    ValueError
        If the input is malformed or ``assign`` is infeasible.

    Examples
    --------
    >>> cat = np.array([[0], [0], [1], [1]])
    >>> run = improve_counts([0, 0, 1, 1], [2, 2], [2, 2], cat=cat, cat_w=[1], max_work=10_000,
    ...                      time_limit=float("inf"))
    >>> run.value, int(run.assign[0] != run.assign[1]), run.work
    (2, 1, 10000)
    """
    t_start = time.perf_counter()
    tuning = tuning or _DEFAULT
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
    sp_ptr, sp_idx, sp_w, pp_ptr, pp_idx = _pair_lists(pairs, pair_w, n)
    span = _objective_span(packed, hi) + int(np.abs(sp_w).sum()) // 2
    size, ct, s1, s2 = packed.stats(grp, n_groups)
    rules_p = _Rules(rules, n)
    rules_p.weigh(span + int(np.abs(rules_p.soft_w).sum()) * n_groups + 1)
    rc = rules_p.counts(grp, n_groups)
    gpen = rules_p.pens(size, rc)
    hard_w = int(rules_p.rw.max(initial=0)) if rules_p.any else span + 1
    floor_arr = np.array([0 if floor is None else int(floor), 0 if floor is None else hard_w],
                         dtype=np.int64)
    gs = np.zeros(n_groups, dtype=np.int64)
    _all_scores(size, ct, s1, s2, packed.n_cat_cols, packed.colw, packed.nw, packed.cwsum, gs)
    below = int(np.maximum(floor_arr[0] - gs, 0).sum()) * int(floor_arr[1])
    value = (packed.value(size, ct, s1, s2) + _pair_value(grp, sp_ptr, sp_idx, sp_w)
             - int(gpen.sum()) - below)

    def unchanged() -> CountRun:
        return CountRun(grp, value, **_judge(packed, rules_p, grp, n_groups, floor))

    if movable is None:
        movers = np.arange(n, dtype=np.int64)
    else:
        mv = np.asarray(movable, dtype=bool).reshape(-1)
        if mv.shape[0] != n:
            raise ValueError(f"movable must have length {n}.")
        movers = np.flatnonzero(mv).astype(np.int64)
    if (max_work is not None and int(max_work) <= 0) or movers.size < 1 or n_groups < 2:
        return unchanged()
    if time_limit is None:
        time_limit = math.inf
    if max_work is None and not math.isfinite(time_limit):
        raise ValueError("give a finite time_limit or a max_work.")

    slack = bool(((lo < hi) & (hi > 0)).any())
    if movers.size < 2 and not slack:
        return unchanged()  # a lone movable person can neither swap nor move
    pmove = float(tuning.p_move) if slack else 0.0
    cap = _capacities(size, lo, hi, n, tuning.cap_mean_factor)
    # Moves may not fill a group past its member-list capacity (equal to hi unless bounds are
    # loose, see _capacities), so the kernels get that as the upper bound.
    hi_eff = np.minimum(hi, cap)
    rng = rng_state(seed)
    etab = _exp_table(rng, _ETAB_BITS)
    t0, t1 = _temperatures(packed, tuning.t0_factor, tuning.t1_factor, extra=sp_w)
    rules_only = t0 == 0.0 and rules_p.any  # nothing to maximise: stop once the rules hold
    if rules_only:  # steps of one penalty unit
        t0, t1 = tuning.t0_factor, min(tuning.t1_factor, tuning.t0_factor)
    if t0 == 0.0:
        return unchanged()  # every weight is zero: nothing to improve
    fctl = np.zeros(_N_FCTL, dtype=np.float64)
    fctl[_F_T0] = t0
    fctl[_F_T1] = t1
    fctl[_F_PMOVE] = pmove
    ictl = np.zeros(_N_ICTL, dtype=np.int64)
    ictl[_I_CUR] = value
    ictl[_I_BEST] = value
    ictl[_I_BASE] = max(int(tuning.base_sweeps * movers.size), 1024)
    ictl[_I_CYCLE] = -1  # the first step opens cycle 0
    ictl[_I_MAXDBL] = int(tuning.max_doublings)
    stop = rules_only or target is not None
    ictl[_I_STOP_AT_TARGET] = 1 if stop else 0
    ictl[_I_TARGET] = 0 if rules_only else (int(target) if stop else 0)
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
        fctl[_F_PGUIDE] = float(tuning.p_guide)
    if pp_idx.size:
        fctl[_F_PPAIR] = float(tuning.p_pair)

    def run(n_work):
        _anneal(
            grp, size, lo, hi_eff, ct, s1, s2, packed.prow, packed.cw, packed.cwsum, packed.colw,
            packed.q, packed.nw, cptr, cidx, movers, is_mov,
            mem, moff, pos, tp_ptr, tp_idx, packed.n_cat_cols, best, dirty, dflag, ictl, fctl,
            etab, rng, n_work,
            rc, rules_p.rrow, rules_p.rdef, rules_p.rw, rules_p.rval, gpen, fptr, fidx,
            gs, floor_arr, sp_ptr, sp_idx, sp_w, pp_ptr, pp_idx,
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
        if stop and ictl[_I_BEST] >= ictl[_I_TARGET]:
            break  # every rule holds and nothing better exists: nothing left to gain
        if done > 0:
            rate = done / max(now - t_search, 1e-9)
            chunk = max(1024, int(rate * tuning.chunk_seconds))
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
    return CountRun(best, best_value, work=int(ictl[_I_WORK]), accepted=int(ictl[_I_ACCEPT]),
                    cycles=int(ictl[_I_CYCLE]) + 1, seconds=time.perf_counter() - t_search,
                    t0=float(fctl[_F_T0]), t1=float(fctl[_F_T1]),
                    **_judge(packed, rules_p, best, n_groups, floor))


def _judge(packed, rules_p, assign, n_groups, floor) -> dict:
    """``broken``, ``below_floor`` and ``worst`` of a grouping, as :class:`CountRun` has them."""
    size, ct, s1, s2 = packed.stats(assign, n_groups)
    gs = np.zeros(n_groups, dtype=np.int64)
    _all_scores(size, ct, s1, s2, packed.n_cat_cols, packed.colw, packed.nw, packed.cwsum, gs)
    return dict(broken=rules_p.broken(size, rules_p.counts(assign, n_groups)),
                below_floor=int((gs < int(floor)).sum()) if floor is not None else 0,
                worst=int(gs.min()) if n_groups else 0)
