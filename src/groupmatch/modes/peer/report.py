"""Turn an internal assignment into the user's Grouping (ids, DataFrames, breakdown)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..result import Grouping, Status, canonical
from ..terms.fairness import report_columns

__all__ = ["make_grouping"]


def make_grouping(roster, problem, assignment, status: Status, bound, wall: float, settings,
                  *, message: str = "", conflicts=(), solver_objective=None) -> Grouping:
    """Canonicalise, score with numpy and package the result."""
    ids = roster.ids
    if assignment is None:
        assignments = pd.DataFrame({
            "id": ids, "group": pd.array([None] * roster.n, dtype="Int64"),
            "reason": [f"not grouped: {status.value}"] * roster.n,
        })
        return Grouping(status, assignments, pd.DataFrame(columns=["group", "size", "members"]),
                        None, None, None, {}, wall, dict(settings), roster, problem, None,
                        message, tuple(conflicts))
    if any(getattr(t, "group_specific", False) for t in problem.terms):
        a = np.array(assignment, dtype=np.int64)  # group ids mean something: keep them
    else:
        a = canonical(assignment, problem.lo, problem.hi)
    a.setflags(write=False)
    n_groups = problem.n_groups
    soft = problem.soft_values(roster, a)
    columns = {label: v for label, (_, v) in soft.items()}
    columns.update(report_columns(roster, problem, a))  # group score, common slots, ...
    breakdown = {label: w * int(v.sum()) for label, (w, v) in soft.items()}
    objective = int(sum(breakdown.values()))
    if solver_objective is not None and solver_objective != objective:
        raise AssertionError(  # an internal consistency check, never user input
            f"numpy score {objective} != CP-SAT objective {solver_objective}; please report."
        )
    group_col = pd.array(np.where(a >= 0, a, 0), dtype="Int64")
    group_col[a < 0] = pd.NA
    assignments = pd.DataFrame({
        "id": ids, "group": group_col,
        "reason": np.where(a < 0, "not placed", None),
    })
    order = np.argsort(a, kind="stable")
    bounds = np.searchsorted(a[order], np.arange(n_groups + 1))
    members = [ids[order[bounds[g] : bounds[g + 1]]].tolist() for g in range(n_groups)]
    groups = pd.DataFrame({
        "group": np.arange(n_groups),
        "size": np.diff(bounds),
        "min_size": problem.lo, "max_size": problem.hi,
        "members": members,
        **columns,
    })
    if bound is not None:
        bound = max(int(bound), objective)
        gap = (bound - objective) / max(1, abs(objective))
    else:
        gap = None
    return Grouping(status, assignments, groups, objective, bound, gap, breakdown, wall,
                    dict(settings), roster, problem, a, message, tuple(conflicts))
