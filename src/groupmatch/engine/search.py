"""The scalable path: constructive start, compiled local search, then LNS with CP-SAT windows."""

from __future__ import annotations

import math
import time

import numpy as np

from ..terms.fairness import group_scores
from .construct import components_of, conflict_csr, construct, forbidden_csr, unit_labels
from .cpsat import build, solve_built
from .lns import lns
from .local import prepare

LOCAL_SHARE_WITH_UNITS = 0.7

__all__ = ["run"]


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


def _start(roster, problem, comps, rng, seed, time_limit, workers, deterministic,
           repairable=()):
    """A first grouping: greedy when every rule is understood (it may break ``repairable``
    rules, which the compiled search repairs), else CP-SAT feasibility."""
    n = roster.n
    a = greedy_start(roster, problem, comps, rng, repairable)
    if a is not None:
        return a, "greedy"
    # Fallback: let CP-SAT find any valid grouping, hinted with the greedy one.
    built = build(roster, problem, np.arange(n), np.arange(problem.n_groups))
    built.model.clear_objective()
    out = solve_built(built, time_limit=time_limit, seed=seed, workers=workers,
                      deterministic=deterministic)
    if out.groups_of is None:
        return None, out.status
    return out.groups_of, "cpsat"


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


def raise_floor(local, roster, problem, a, floor_term, score_fn, *, budget, work, deterministic,
                seed, progress):
    """The worst-group floor on the compiled search: maximise the total, then raise a floor.

    The kernel maximises the total; then it is asked again and again to keep every group's
    score at least one above the current worst (a hard, graded penalty below the floor) while
    maximising the total. Each success raises the floor; the first failure ends the climb and the
    rest of the time polishes the total at the last floor reached. The best grouping by the
    full objective (floor weight × worst + total) is returned with the number of floor steps.
    """
    lo, hi, n_groups = problem.lo, problem.hi, problem.n_groups
    t_end = time.perf_counter() + budget

    def left():
        return max(t_end - time.perf_counter(), 0.0)

    def kernel(start, share, floor=None):
        w = max(1, int(work * share)) if deterministic else None
        limit = math.inf if deterministic else left() * share
        return local.improve(start, lo, hi, time_limit=limit, max_work=w, seed=seed,
                             progress=None, floor=floor)

    def worst(x):
        return int(group_scores(roster, floor_term.measured, x, n_groups).min())

    a, value = kernel(a, FLOOR_FIRST_SHARE)
    best, best_score = a, score_fn(a)
    progress(best_score)
    tau, steps = worst(a), 0
    while (deterministic and steps < 8) or (not deterministic and left() > 0.5):
        trial, _ = kernel(best, 0.1 if deterministic else 0.3, floor=tau + 1)
        if worst(trial) <= tau:
            break
        tau, steps = worst(trial), steps + 1
        s = score_fn(trial)
        if s >= best_score:
            best, best_score = trial, s
            progress(best_score)
    polished, _ = kernel(best, 0.3 if deterministic else 1.0, floor=tau)
    if score_fn(polished) >= best_score:
        best, best_score = polished, score_fn(polished)
    return best, best_score, steps


REPAIR_SHARE = 0.5  # at most this share of the kernel's time goes to repairing hard rules


def _repair(local, problem, a, *, deadline, work, seed, info):
    """Repair the start's broken hard group rules by annealing on them alone.

    Returns the repaired grouping (or the least broken one reached) and the kernel work left
    (``None`` when running on the clock). ``info`` gets the repair's seconds and what is left.
    """
    t = time.perf_counter()
    limit = math.inf if work is not None else max(deadline - t, 0.0) * REPAIR_SHARE
    cap = max(1, int(work * REPAIR_SHARE)) if work is not None else None
    a, spent, broken = local.repair(a, problem.lo, problem.hi, time_limit=limit, max_work=cap,
                                    seed=seed)
    info["repair_seconds"] = round(time.perf_counter() - t, 3)
    info["repair_broken"] = broken
    return a, (max(1, work - spent) if work is not None else None)


def run(roster, problem, *, score_fn, rng, seed, time_limit, workers, deterministic, emit, t0):
    """Return (assignment or None, objective, info)."""
    deadline = t0 + time_limit
    comps = components_of(problem, roster)
    local = prepare(comps, roster.n)
    # Group-composition rules the count kernel repairs may be broken by the start.
    kernel_runs = local is not None and local.kind == "counts" and local.movable.any()
    repairable = set(comps["repairable"]) if kernel_runs else set()
    a = None if local is None else local.construct(problem.lo, problem.hi, seed)
    how = "greedy"
    if a is None or not _only_repairable(roster, problem, a, repairable):
        a, how = _start(roster, problem, comps, rng, seed, max(time_limit * 0.5, 1.0), workers,
                        deterministic, repairable)
    info = {"method": "search", "start": how, "bound": static_bound(roster, problem)}
    if a is None:
        info["infeasible"] = how == "INFEASIBLE"
        if how == "INFEASIBLE":
            from .explain import explain_infeasible

            left = max(deadline - time.perf_counter(), 1.0)
            info["message"], info["conflicts"] = explain_infeasible(roster, problem, seed, left)
        else:
            info["message"] = (f"No valid grouping found within {time_limit} s; raise "
                               "time_limit or relax rules.")
        return None, None, info
    value = score_fn(a)
    info["time_to_first"] = time.perf_counter() - t0
    emit("first", value)

    def improved(v):
        emit("improved", v)

    if local is not None and local.movable.any():
        # The compiled local search carries the search; CP-SAT windows then get a share of
        # the time only when some people (must-group units, pinned people) are beyond its
        # reach. Shares chosen by measurement (benchmarks/RESULTS.md).
        share = 1.0 if local.movable.all() else LOCAL_SHARE_WITH_UNITS
        work = max(1, int(time_limit * share * local.work_per_second)) if deterministic else None
        if repairable and problem.violations(roster, a):  # the start breaks hard rules
            a, work = _repair(local, problem, a, deadline=deadline, work=work,
                              seed=seed, info=info)
        budget = max(deadline - time.perf_counter(), 0.0) * share
        floor_term = next((t for t in problem.terms if getattr(t, "is_floor", False)), None)
        if floor_term is not None and local.kind == "counts" and share == 1.0:
            a, kernel_value, steps = raise_floor(
                local, roster, problem, a, floor_term, score_fn, budget=budget, work=work,
                deterministic=deterministic, seed=seed, progress=improved)
            info["floor_steps"] = steps
        else:
            a, kernel_value = local.improve(
                a, problem.lo, problem.hi, time_limit=math.inf if deterministic else budget,
                max_work=work, seed=seed, progress=lambda v, _t: improved(int(v)),
                workers=1 if deterministic else workers,
            )
        value = score_fn(a)
        info["local_value"] = int(kernel_value)
        info["local"] = local.kind
        broken = problem.violations(roster, a) if repairable else []
        if broken:
            rules = sorted({v.rule for v in broken})
            info["message"] = (
                f"The search did not find a grouping keeping {', '.join(rules)} within "
                f"{time_limit:g} s ({len(broken)} groups still break them, e.g. {broken[0]}). "
                "Raise time_limit, or relax the rule (tier='need' keeps as many as possible)."
            )
            return None, None, info
        if share == 1.0:
            info["lns_steps"] = 0
            return a, value, info
    steps = None
    if deterministic:
        steps = max(1, int(time_limit * 4))  # a work budget, not a clock
    a, value, done = lns(roster, problem, a, value, score_fn=score_fn, rng=rng,
                         deadline=deadline, seed=seed, workers=workers,
                         deterministic=deterministic, steps=steps, step_time=0.25,
                         on_improve=improved)
    info["lns_steps"] = done
    return a, value, info
