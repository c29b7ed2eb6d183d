"""Turn a peer assignment into the user's Grouping (ids, DataFrames, breakdown)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...explain import below_random_lines, term_report
from ...result import Grouping, Status
from ...terms.fairness import report_columns

__all__ = ["make_grouping"]


def make_grouping(roster, spec, problem, assignment, status: Status, bound, wall: float,
                  settings, *, message: str = "", conflicts=(),
                  solver_objective=None) -> Grouping:
    """Canonicalise, score with numpy and package the result (``problem`` is the plan).

    Objective, bound, breakdown, weights and scores are in the user's units (the weights as
    given); CP-SAT's integers (``problem.scale`` times them) stay inside.
    """
    ids = roster.ids
    weights = problem.user_weights()
    if assignment is None:
        return spec.no_grouping(roster, status, wall, settings, message=message,
                                conflicts=conflicts, plan=problem, weights=weights)
    a = problem.canonical(assignment)
    a.setflags(write=False)
    n_groups = problem.n_groups
    soft = problem.soft_values(roster, a)
    terms = {t.label: t for t in problem.terms}
    columns = {label: problem.user_values(terms[label], v) for label, (_, v) in soft.items()}
    columns.update(report_columns(roster, problem, a))  # group score, common slots, ...
    internal = {label: w * int(v.sum()) for label, (w, v) in soft.items()}
    total = int(sum(internal.values()))
    if solver_objective is not None and solver_objective != total:
        raise AssertionError(  # an internal consistency check, never user input
            f"numpy score {total} != CP-SAT objective {solver_objective}; please report."
        )
    breakdown = {label: problem.in_user_units(v) for label, v in internal.items()}
    objective = problem.in_user_units(total)
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
        bound = max(int(bound), total)
        gap = (bound - total) / max(1, abs(total))
        bound = problem.in_user_units(bound)
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
    out += _chance_lines(grouping)
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


def _chance_lines(grouping) -> list[str]:
    """Each objective against a random grouping and its bound (exact expectations only, so
    it stays fast at any size), then a warning line per objective that ended below chance."""
    if grouping._array is None:
        return []
    table = term_report(grouping, samples=0)
    parts = []
    for label, row in table.iterrows():
        if pd.isna(row["random_expected"]):
            continue
        bound = "" if pd.isna(row["bound"]) else f", bound {row['bound']:.6g}"
        parts.append(f"{label} {row['value']:.6g} (random {row['random_expected']:.6g}{bound}; "
                     f"{row['share_of_objective']:.0%} of the objective)")
    out = ["against chance: " + "; ".join(parts)] if parts else []
    return out + [f"warning: {line}" for line in below_random_lines(grouping)]
