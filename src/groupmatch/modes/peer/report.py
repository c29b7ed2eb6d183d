"""Turn a peer assignment into the user's Grouping (ids, DataFrames, breakdown)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...result import Grouping, Status
from ...terms.fairness import report_columns

__all__ = ["make_grouping"]


def make_grouping(roster, spec, problem, assignment, status: Status, bound, wall: float,
                  settings, *, message: str = "", conflicts=(),
                  solver_objective=None) -> Grouping:
    """Canonicalise, score with numpy and package the result (``problem`` is the plan)."""
    ids = roster.ids
    weights = {t.label: w for t, w in zip(problem.terms, problem.weights, strict=True)
               if not t.hard}
    if assignment is None:
        return spec.no_grouping(roster, status, wall, settings, message=message,
                                conflicts=conflicts, plan=problem, weights=weights)
    a = problem.canonical(assignment)
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
                    dict(settings), roster, spec, problem, a, message, tuple(conflicts),
                    weights=weights)


def summary_lines(grouping, *, show=(), needs: str | None = None, limit: int = 0) -> list[str]:
    """Status, breakdown and each group's members with the ``show`` columns (and, with
    ``needs``, the needs they share), for a terminal."""
    roster = grouping._roster
    frame = roster.frame
    name_col = "name" if "name" in frame.columns else None
    out = [f"status: {grouping.status.value}   objective: {grouping.objective}   "
           f"bound: {grouping.bound}   time: {grouping.wall_time:.1f} s   "
           f"groups: {len(grouping.groups)}",
           "breakdown: " + ", ".join(f"{k}={v}" for k, v in grouping.breakdown.items())]
    a = grouping.assignment_array()
    shown = grouping.groups if not limit else grouping.groups.head(limit)
    for g in shown["group"].tolist():
        rows = np.flatnonzero(a == g).tolist()
        out.append(f"\ngroup {g} ({len(rows)} people)")
        for i in rows:
            who = frame.iloc[i][name_col] if name_col else roster.ids[i]
            attrs = "  ".join(str(frame.iloc[i][c]) for c in show)
            out.append(f"  {str(roster.ids[i]):<8} {str(who):<22} {attrs}")
        if needs is not None:
            shared = grouping.explain(g).loc[f"shared[{needs}]", "details"]["shared"]
            out.append("  shares: " + (", ".join(f"{t} ({c})" for t, c in shared.items())
                                       or "-"))
    if limit and len(grouping.groups) > limit:
        out.append(f"\n... {len(grouping.groups) - limit} more groups (see --out)")
    return out
