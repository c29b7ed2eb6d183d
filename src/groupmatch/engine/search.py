"""The scalable path: constructive start, compiled local search, then LNS with CP-SAT windows.

A start that breaks hard group rules is first repaired by the compiled search on the rules
alone. A repair that works ends quickly (0.1-0.8 s at 300-2,000 people), so it gets a capped
share of the budget; when it is stuck, the whole CP-SAT feasibility model takes over with the
time left (:mod:`.feasible`): it finds a valid grouping the heuristics missed, or proves that
none exists, which is reported as INFEASIBLE with the conflicting rules.

Every phase draws on one :class:`~.budget.Budget`: the clock, or with ``deterministic=True``
work budgets charged as they are spent (so the whole run, not each phase, stays near the limit).
"""

from __future__ import annotations

import time

import numpy as np

from ..terms.fairness import group_scores
from .budget import Budget
from .construct import components_of, conflict_csr, construct, forbidden_csr, unit_labels
from .feasible import FEASIBILITY_LIMIT, find_feasible, no_grouping
from .lns import lns
from .local import prepare

LOCAL_SHARE_WITH_UNITS = 0.7

__all__ = ["run", "greedy_start", "static_bound"]


def _only_repairable(roster, problem, a, repairable) -> bool:
    """True when ``a`` breaks no hard rule, or only rules the compiled search repairs."""
    return all(v.rule in repairable for v in problem.violations(roster, a))


def greedy_start(roster, problem, comps, rng, repairable=()) -> np.ndarray | None:
    """The constructive start when every rule is understood by it and it succeeds, else None.

    Rules named in ``repairable`` may be broken (the compiled search repairs them).
    """
    if comps["uncompiled"]:
        return None
    n = roster.n
    units = unit_labels(n, [c.data for c, _ in comps.get("units", [])])
    fixed = None
    for c, _ in comps.get("fixed", []):
        fixed = c.data if fixed is None else np.where(c.data >= 0, c.data, fixed)
    ptr, idx = conflict_csr(n, [c.data for c, _ in comps.get("conflicts", [])])
    fptr, fidx = forbidden_csr(n, problem.n_groups, [c.data for c, _ in comps.get("forbidden", [])])
    a, unplaced = construct(n, problem.lo, problem.hi, rng, units=units, fixed=fixed,
                            conf_ptr=ptr, conf_idx=idx, forb_ptr=fptr, forb_idx=fidx)
    if len(unplaced) or not _only_repairable(roster, problem, a, repairable):
        return None
    return a


def static_bound(roster, problem) -> int | None:
    """Σ weight × upper bound over soft terms, when every one of them has a bound."""
    total = 0
    for term, w in zip(problem.terms, problem.weights, strict=True):
        if term.hard or w == 0:
            continue
        ub = term.upper_bound(roster, problem.lo, problem.hi) if w > 0 else None
        if ub is None:
            return None
        total += w * ub
    return total


FLOOR_FIRST_SHARE = 0.4  # of the kernel's time spent on the total before raising the floor
FLOOR_STEP_SHARE = 0.3  # of the time left spent on each attempt to raise the floor
FLOOR_MIN_LEFT = 0.5  # seconds: below this the climb stops and the rest polishes


def raise_floor(local, roster, problem, a, floor_term, score_fn, *, budget, seed, progress):
    """The worst-group floor on the compiled search: maximise the total, then raise a floor.

    The kernel maximises the total; then it is asked again and again to keep every group's
    score at least one above the current worst (a hard, graded penalty below the floor) while
    maximising the total. Each success raises the floor; the first failure ends the climb and the
    rest of the time polishes the total at the last floor reached. The best grouping by the
    full objective (floor weight × worst + total) is returned with the number of floor steps.
    ``budget`` (a :class:`Budget`) is drawn on the same way on the clock and in deterministic
    mode, so both climb alike.
    """
    lo, hi, n_groups = problem.lo, problem.hi, problem.n_groups

    def kernel(start, share, floor=None):
        return _kernel(local, budget, start, lo, hi, budget.left() * share, seed=seed,
                       floor=floor)

    def worst(x):
        return int(group_scores(roster, floor_term.measured, x, n_groups).min())

    a, value = kernel(a, FLOOR_FIRST_SHARE)
    best, best_score = a, score_fn(a)
    progress(best_score)
    tau, steps = worst(a), 0
    while budget.left() > FLOOR_MIN_LEFT:
        trial, _ = kernel(best, FLOOR_STEP_SHARE, floor=tau + 1)
        if worst(trial) <= tau:
            break
        tau, steps = worst(trial), steps + 1
        s = score_fn(trial)
        if s >= best_score:
            best, best_score = trial, s
            progress(best_score)
    polished, _ = kernel(best, 1.0, floor=tau)
    if score_fn(polished) >= best_score:
        best, best_score = polished, score_fn(polished)
    return best, best_score, steps


def _kernel(local, budget, start, lo, hi, seconds, *, seed, progress=None, floor=None,
            workers=1, target=None):
    """One compiled improvement run on ``seconds`` of ``budget``, charged to it; it stops
    early once its value reaches ``target`` (an upper bound of the objective)."""
    rate = local.work_per_second
    a, value, work = local.run(start, lo, hi, **budget.kernel_limits(seconds, rate), seed=seed,
                               progress=progress, floor=floor, target=target,
                               workers=1 if budget.deterministic else workers)
    budget.charge_kernel(work, rate)
    return a, value


REPAIR_SHARE = 0.25  # the compiled repair's share of the budget when CP-SAT can take over...
REPAIR_SWEEPS = 5_000  # ... and its cap in candidates per person (working repairs need 500-2,000)
REPAIR_SHARE_ALONE = 0.5  # its share when the problem is beyond the exact feasibility model
FALLBACK_SHARE = 0.5  # CP-SAT's share of the time left when the repair is stuck


def _repair(local, roster, problem, a, *, budget, seed, info):
    """Repair the start's broken hard group rules by annealing on them alone.

    Returns the repaired grouping (or the least broken one reached). ``info`` gets the repair's
    seconds and the groups still broken.
    """
    t = time.perf_counter()
    rate = local.work_per_second
    alone = roster.n * problem.n_groups > FEASIBILITY_LIMIT
    limits = budget.kernel_limits(budget.left() * (REPAIR_SHARE_ALONE if alone else REPAIR_SHARE),
                                  rate)
    if not alone:
        cap = REPAIR_SWEEPS * roster.n
        limits["max_work"] = cap if limits["max_work"] is None else min(limits["max_work"], cap)
    a, spent, broken = local.repair(a, problem.lo, problem.hi, seed=seed, **limits)
    budget.charge_kernel(spent, rate)
    info["repair_seconds"] = round(time.perf_counter() - t, 3)
    info["repair_broken"] = broken
    return a


def _fail(roster, problem, status, budget, info, *, seed, broken=()):
    info.update(no_grouping(roster, problem, status, budget, seed=seed,
                            time_limit=budget.time_limit, broken=broken))
    return None, None, info


def run(roster, problem, *, score_fn, rng, seed, time_limit, workers, deterministic, emit, t0):
    """Return (assignment or None, objective, info).

    ``info["infeasible"]`` is true when no grouping exists (proven), ``info["optimal"]`` when
    the objective reached ``info["bound"]``.
    """
    budget = Budget(time_limit, deterministic, t0)
    comps = components_of(problem, roster)
    local = prepare(comps, roster.n)
    # Group-composition rules the count kernel repairs may be broken by the start.
    kernel_runs = local is not None and local.kind == "counts" and local.movable.any()
    repairable = set(comps["repairable"]) if kernel_runs else set()
    info = {"method": "search", "start": "greedy", "bound": static_bound(roster, problem)}
    a = None if local is None else local.construct(problem.lo, problem.hi, seed)
    if a is None or not _only_repairable(roster, problem, a, repairable):
        a = greedy_start(roster, problem, comps, rng, repairable)
    if a is None:  # no constructive start: CP-SAT finds any valid grouping (or proves none)
        a, status = find_feasible(roster, problem, budget, seed=seed, workers=workers,
                                  limit=None)
        if a is None:
            info["start"] = status
            return _fail(roster, problem, status, budget, info, seed=seed)
        info["start"] = "cpsat"
    status = None  # how CP-SAT's feasibility fallback ended, when it ran
    if repairable and problem.violations(roster, a):  # the start breaks hard rules
        a = _repair(local, roster, problem, a, budget=budget, seed=seed, info=info)
        if problem.violations(roster, a):  # the repair is stuck: CP-SAT, hinted with it
            fixed, status = find_feasible(roster, problem, budget, hint=a, seed=seed,
                                          workers=workers, share=FALLBACK_SHARE)
            info["fallback"] = status
            if fixed is not None:
                a, info["start"] = fixed, "cpsat"
            elif status in ("INFEASIBLE", "MODEL_INVALID"):
                return _fail(roster, problem, status, budget, info, seed=seed)
            # else the search below goes on repairing (a hard rule's penalty outweighs the
            # objective there), from the least broken grouping
    valid = None if problem.violations(roster, a) else a
    value = score_fn(a)
    bound = info["bound"]

    def first(a, value):
        info["time_to_first"] = time.perf_counter() - t0
        emit("first", value)

    def done(a, value):
        if repairable and problem.violations(roster, a):
            if valid is None:
                return _fail(roster, problem, status or "UNKNOWN", budget, info, seed=seed,
                             broken=problem.violations(roster, a))
            a, value = valid, score_fn(valid)  # never happens: a kept rule is never broken
        if "time_to_first" not in info:
            first(a, value)
        info["optimal"] = bound is not None and value >= bound
        return a, value, info

    if valid is not None:
        first(a, value)
        if bound is not None and value >= bound:
            info["lns_steps"] = 0
            return done(a, value)  # nothing left to gain (no objective, or the bound reached)

    def improved(v):
        emit("improved", v)

    if local is not None and local.movable.any():
        # The compiled local search carries the search; CP-SAT windows then get a share of
        # the time only when some people (must-group units, pinned people) are beyond its
        # reach. Shares chosen by measurement (benchmarks/RESULTS.md).
        share = 1.0 if local.movable.all() else LOCAL_SHARE_WITH_UNITS
        floor_term = next((t for t in problem.terms if getattr(t, "is_floor", False)), None)
        if floor_term is not None and local.kind == "counts" and share == 1.0:
            a, kernel_value, steps = raise_floor(
                local, roster, problem, a, floor_term, score_fn, budget=budget, seed=seed,
                progress=improved)
            info["floor_steps"] = steps
        else:
            a, kernel_value = _kernel(local, budget, a, problem.lo, problem.hi,
                                      budget.left() * share, seed=seed, workers=workers,
                                      progress=lambda v, _t: improved(int(v)), target=bound)
        value = score_fn(a)
        info["local_value"] = int(kernel_value)
        info["local"] = local.kind
        if share == 1.0:
            info["lns_steps"] = 0
            return done(a, value)
    broken_fn = None
    if repairable and problem.violations(roster, a):
        def broken_fn(x):
            return len(problem.violations(roster, x))
    a, value, steps = lns(roster, problem, a, value, score_fn=score_fn, rng=rng, budget=budget,
                          seed=seed, workers=workers, step_time=0.25, on_improve=improved,
                          bound=bound, broken_fn=broken_fn)
    info["lns_steps"] = steps
    return done(a, value)
