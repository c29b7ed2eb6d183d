"""Large-neighbourhood search: free a few groups, re-solve them exactly-ish with CP-SAT, keep gains.

The window model is built by the same term encoders as the full model (``cpsat.build``), so every
hard rule and objective applies unchanged. Acceptance uses the numpy score of the whole grouping,
so terms that are not sums over groups are judged correctly too.
"""

from __future__ import annotations

import time

import numpy as np

from .cpsat import build, solve_built

__all__ = ["lns"]

WINDOW_PEOPLE = 36  # people freed per step: small enough for CP-SAT to solve in a fraction of a s


def _pick_groups(rng, n_groups: int, sizes: np.ndarray) -> np.ndarray:
    """A few random groups holding about WINDOW_PEOPLE people between them."""
    mean = max(float(sizes.mean()), 1.0)
    k = int(min(n_groups, max(2, round(WINDOW_PEOPLE / mean))))
    return np.sort(rng.choice(n_groups, size=k, replace=False))


def lns(
    roster,
    problem,
    assignment: np.ndarray,
    value: int,
    *,
    score_fn,
    rng: np.random.Generator,
    deadline: float,
    seed: int,
    workers: int,
    deterministic: bool,
    steps: int | None = None,
    step_time: float = 0.5,
    on_improve=None,
) -> tuple[np.ndarray, int, int]:
    """Improve ``assignment`` until ``deadline`` (or ``steps`` steps); return (a, value, steps)."""
    a = assignment.copy()
    n_groups = problem.n_groups
    done = 0
    while True:
        if steps is not None and done >= steps:
            break
        remaining = deadline - time.perf_counter()
        if steps is None and remaining <= 0.05:
            break
        sizes = np.bincount(a[a >= 0], minlength=n_groups)
        groups = _pick_groups(rng, n_groups, sizes)
        people = np.flatnonzero(np.isin(a, groups))
        if len(people) == 0:
            done += 1
            continue
        built = build(roster, problem, people, groups, hint=a[people])
        limit = step_time if steps is not None else min(step_time, max(remaining, 0.05))
        out = solve_built(built, time_limit=limit, seed=seed + done, workers=min(workers, 2),
                          deterministic=deterministic)
        done += 1
        if out.groups_of is None:
            continue
        whole = len(groups) == n_groups
        trial = a.copy()
        trial[people] = out.groups_of
        new = score_fn(trial)
        if new >= value:
            improved = new > value
            a, value = trial, new
            if improved and on_improve is not None:
                on_improve(value)
        if whole and out.status == "OPTIMAL":
            break  # the window was the whole problem and CP-SAT proved it optimal
    return a, value, done
