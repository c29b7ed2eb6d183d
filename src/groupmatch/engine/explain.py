"""Explain infeasibility: which hard rules conflict, in words, from CP-SAT assumptions."""

from __future__ import annotations

import numpy as np

from .cpsat import build, solve_built

__all__ = ["explain_infeasible"]


def explain_infeasible(roster, problem, seed: int, time_limit: float) -> tuple[str, tuple]:
    """Re-solve with one switch per hard rule as assumptions (one worker, as CP-SAT requires)."""
    built = build(roster, problem, np.arange(roster.n), np.arange(problem.n_groups),
                  enforce=False)
    out = solve_built(built, time_limit=time_limit, seed=seed, workers=1, deterministic=False,
                      assumptions=True)
    conflicts = out.conflicts or tuple(t.label for t in problem.terms if t.hard)
    sizes = (f"{problem.n_groups} groups of {int(problem.lo.min())}-{int(problem.hi.max())} "
             f"for {roster.n} people")
    message = (
        f"No grouping satisfies the hard rules together: {', '.join(conflicts)} conflict "
        f"({sizes}). Relax one of them, or change the group sizes."
    )
    return message, conflicts
