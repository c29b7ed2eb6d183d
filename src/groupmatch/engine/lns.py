"""Large-neighbourhood search: free a few groups, re-solve them exactly-ish with CP-SAT, keep gains.

The window model is built by the same term encoders as the full model (``cpsat.build``), so every
hard rule and objective applies unchanged. Acceptance uses the numpy score of the whole grouping,
so terms that are not sums over groups are judged correctly too.
"""

from __future__ import annotations

import numpy as np

from .cpsat import build, solve_built

__all__ = ["lns"]

WINDOW_PEOPLE = 36  # people freed per step: small enough for CP-SAT to solve in a fraction of a s


def _pick_groups(rng, n_groups: int, sizes: np.ndarray) -> np.ndarray:
    """A few random groups holding about WINDOW_PEOPLE people between them."""
    mean = max(float(sizes.mean()), 1.0)
    k = int(min(n_groups, max(2, round(WINDOW_PEOPLE / mean))))
    return np.sort(rng.choice(n_groups, size=k, replace=False))


MIN_STEP_SECONDS = 0.005  # charged for a step even when its window was empty


def lns(
    roster,
    problem,
    assignment: np.ndarray,
    value: int,
    *,
    score_fn,
    rng: np.random.Generator,
    budget,
    seed: int,
    workers: int,
    step_time: float = 0.5,
    on_improve=None,
    bound: int | None = None,
    broken_fn=None,
) -> tuple[np.ndarray, int, int]:
    """Improve ``assignment`` until ``budget`` (a :class:`~.budget.Budget`) runs out, the whole
    problem is proven optimal, or ``bound`` is reached; return (a, value, steps).

    Each step gets at most ``step_time`` seconds of the budget; in deterministic mode it is
    charged CP-SAT's deterministic time and the model's building, so the number of steps is
    the same on every run. ``broken_fn`` (a grouping -> how many hard rules it breaks), given
    when the start breaks some, makes fewer broken rules come before the objective: each window
    is solved with every rule enforced, so the windows repair the grouping as they go.
    """
    a = assignment.copy()
    n_groups = problem.n_groups
    done = 0
    broken = broken_fn(a) if broken_fn is not None else 0
    while budget.left() > 0.05 and (broken or bound is None or value < bound):
        sizes = np.bincount(a[a >= 0], minlength=n_groups)
        groups = _pick_groups(rng, n_groups, sizes)
        people = np.flatnonzero(np.isin(a, groups))
        done += 1
        if len(people) == 0:
            budget.charge(MIN_STEP_SECONDS)
            continue
        built = build(roster, problem, people, groups, hint=a[people])
        out = solve_built(built, time_limit=min(step_time, budget.left()), seed=seed + done - 1,
                          workers=1 if budget.deterministic else min(workers, 2),
                          deterministic=budget.deterministic)
        budget.charge_cpsat(out.dtime, len(built.x))
        if out.groups_of is None:
            continue
        whole = len(groups) == n_groups
        trial = a.copy()
        trial[people] = out.groups_of
        new = score_fn(trial)
        now = broken_fn(trial) if broken else 0
        if (now, -new) <= (broken, -value):
            improved = new > value and now == 0
            a, value, broken = trial, new, now
            if improved and on_improve is not None:
                on_improve(value)
        if whole and out.status == "OPTIMAL":
            break  # the window was the whole problem and CP-SAT proved it optimal
    return a, value, done
