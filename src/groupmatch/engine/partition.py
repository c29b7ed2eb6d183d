"""The front door: ``solve(roster, spec, ...)`` picks the exact model or the scalable search.

- Small problems (people × groups up to ``EXACT_LIMIT``): one CP-SAT model with every term, a proof
  of optimality or a bound.
- Larger ones: a constructive start, then the compiled local search (when every term can be
  compiled) and large-neighbourhood search over CP-SAT windows built by the same terms.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

import numpy as np

from .._random import RandomState, check_random_state
from .._validation import check_int
from ..evaluate import check_roster, problem_for
from ..exceptions import InputError
from ..result import Grouping, Status, canonical
from . import search
from .construct import components_of
from .cpsat import build, solve_built
from .local import prepare
from .report import make_grouping

__all__ = ["solve", "EXACT_LIMIT"]

EXACT_LIMIT = 200  # people × groups up to which the single exact model is the default
HINT_SHARE = 0.2  # share of the time the exact path spends on a local-search warm start


def solve(
    roster,
    spec,
    *,
    time_limit: float = 10.0,
    random_state: RandomState = 0,
    workers: int | None = None,
    deterministic: bool = False,
    progress: Callable[[dict], None] | None = None,
    method: str = "auto",
) -> Grouping:
    """Form groups: validate, pre-check, solve, and return a :class:`Grouping`.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups, FacilitatedGroups or TeamMentoring
        The mode, sizes and terms.
    time_limit : float
        Seconds of search (wall clock). With ``deterministic=True`` it is a work budget in
        CP-SAT deterministic seconds plus a matching local-search budget instead.
    random_state : int, Generator or None
        Seed. The default 0 makes runs auditable; pass an int for reproducible output.
    workers : int, optional
        Parallel workers, default the machine's cores: CP-SAT workers, and independent
        searches on threads for a user distance matrix (the dense kernel).
    deterministic : bool
        One worker and work budgets instead of wall-clock limits: same input, seed and limits
        give the same Grouping.
    progress : callable, optional
        Called with dicts ``{"event", "objective", "bound", "elapsed"}`` on each improvement.
    method : {"auto", "exact", "search"}
        Force the exact model or the scalable search.

    Returns
    -------
    Grouping
        Check ``status`` or call ``raise_for_status()``.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
    >>> roster = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=3, terms=[gm.Diversity("department")])
    >>> g = gm.solve(roster, spec, time_limit=5)
    >>> g.status.name, g.objective
    ('OPTIMAL', 4)
    """
    t0 = time.perf_counter()
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise InputError(f"time_limit must be a positive number of seconds; got {time_limit!r}.")
    if method not in ("auto", "exact", "search"):
        raise InputError(f"method must be 'auto', 'exact' or 'search'; got {method!r}.")
    workers = check_int("workers", workers or (os.cpu_count() or 1), minimum=1)
    if getattr(spec, "kind", "peer") != "peer":  # role modes run their own stages
        check_roster(roster)
        return spec.solve(roster, time_limit=float(time_limit), random_state=random_state,
                          workers=1 if deterministic else workers, deterministic=deterministic,
                          progress=progress)
    problem = problem_for(roster, spec)
    for term in problem.terms:
        term.prechecks(roster, problem.lo, problem.hi)
    seed, rng = check_random_state(random_state)
    def score_fn(a: np.ndarray) -> int:
        return problem.objective(roster, a)

    settings = {
        "time_limit": float(time_limit), "random_state": random_state, "seed": seed,
        "workers": 1 if deterministic else workers, "deterministic": deterministic,
    }
    exact = method == "exact" or (
        method == "auto" and roster.n * problem.n_groups <= EXACT_LIMIT
    )

    def emit(event: str, objective, bound=None):
        if progress is not None:
            progress({"event": event, "objective": objective, "bound": bound,
                      "elapsed": time.perf_counter() - t0})

    if exact:
        return _solve_exact(roster, problem, time_limit, seed, workers, deterministic,
                            progress, score_fn, settings, t0)
    a, value, info = search.run(
        roster, problem, score_fn=score_fn, rng=rng, seed=seed, time_limit=time_limit,
        workers=workers, deterministic=deterministic, emit=emit, t0=t0,
    )
    settings.update(info)
    if a is None:
        status = Status.INFEASIBLE if info.get("infeasible") else Status.NO_SOLUTION
        return make_grouping(roster, problem, None, status, None, time.perf_counter() - t0,
                             settings, message=info.get("message", ""),
                             conflicts=info.get("conflicts", ()))
    return make_grouping(roster, problem, a, Status.FEASIBLE, info.get("bound"),
                         time.perf_counter() - t0, settings)


def _warm_start(roster, problem, seconds, seed, deterministic):
    """A good valid grouping from the compiled local search, to hint the exact model."""
    comps = components_of(problem, roster)
    local = prepare(comps, roster.n)
    if local is None or not local.movable.any():
        return None
    start = search.greedy_start(roster, problem, comps, np.random.default_rng(seed))
    if start is None:
        return None
    work = max(1, int(seconds * local.work_per_second)) if deterministic else None
    a, _ = local.improve(start, problem.lo, problem.hi,
                         time_limit=math.inf if deterministic else seconds, max_work=work,
                         seed=seed)
    return a


def _interchangeable_groups(problem) -> bool:
    """Groups with equal bounds are interchangeable unless a term ties itself to group ids."""
    return not any(getattr(t, "group_specific", False) for t in problem.terms)


def _solve_exact(roster, problem, time_limit, seed, workers, deterministic, progress,
                 score_fn, settings, t0) -> Grouping:
    people = np.arange(roster.n)
    groups = np.arange(problem.n_groups)
    symmetry = _interchangeable_groups(problem)
    warm = min(time_limit * HINT_SHARE, 0.25 + 0.01 * roster.n)  # tiny models need little
    hint = _warm_start(roster, problem, warm, seed, deterministic)
    if hint is not None:
        time_limit -= warm
        hint = canonical(hint, problem.lo, problem.hi)  # agrees with the symmetry breaking
    built = build(roster, problem, people, groups, symmetry=symmetry, hint=hint)
    out = solve_built(built, time_limit=time_limit, seed=seed, workers=workers,
                      deterministic=deterministic, progress=progress, start=t0)
    settings = {**settings, "method": "exact"}
    wall = time.perf_counter() - t0
    if out.groups_of is not None:
        status = Status.OPTIMAL if out.status == "OPTIMAL" else Status.FEASIBLE
        a = np.empty(roster.n, dtype=np.int64)
        a[people] = out.groups_of
        return make_grouping(roster, problem, a, status, out.bound, wall, settings,
                             solver_objective=out.objective)
    if out.status == "INFEASIBLE":
        from .explain import explain_infeasible

        message, conflicts = explain_infeasible(roster, problem, seed, time_limit)
        return make_grouping(roster, problem, None, Status.INFEASIBLE, None,
                             time.perf_counter() - t0, settings, message=message,
                             conflicts=conflicts)
    if out.status == "MODEL_INVALID":
        return make_grouping(roster, problem, None, Status.MODEL_INVALID, None, wall, settings,
                             message="CP-SAT rejected the model")
    return make_grouping(roster, problem, None, Status.NO_SOLUTION, None, wall, settings,
                         message=f"No valid grouping found within {time_limit} s; raise "
                                 "time_limit or relax the rules.")
