"""Score and check any assignment: ours, hand-made, or another tool's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InputError
from .roster import Roster
from .spec import Problem
from .terms.base import Violation
from .terms.tiers import bind_problem

__all__ = ["score", "check", "as_assignment", "problem_for"]


def check_roster(roster) -> None:
    if not isinstance(roster, Roster):
        raise InputError(f"Expected a gm.Roster (build one with Roster.from_frame); "
                         f"got {type(roster).__name__}.")


def _role_mode(spec) -> bool:
    return getattr(spec, "kind", "peer") != "peer" and hasattr(spec, "check")


def problem_for(roster: Roster, spec) -> Problem:
    """Resolve a spec against a roster and validate every term (once, before any work)."""
    check_roster(roster)
    if not hasattr(spec, "resolve"):
        raise InputError(f"Expected a mode such as gm.PeerGroups(...); got {type(spec).__name__}.")
    problem = spec.resolve(roster.n)
    for t in problem.terms:
        t.validate(roster, problem.n_groups)
    return bind_problem(problem, roster)  # rule tiers and fairness weights need the roster


def as_assignment(roster: Roster, problem: Problem, assignment) -> np.ndarray:
    """Turn an assignment into an int64 array of group indices per roster row (-1 unplaced).

    Accepts a sequence or array in roster order, a Series indexed by id, a DataFrame with
    ``id`` and ``group`` columns, or a :class:`Grouping`. Labels outside ``0..groups-1`` are
    renumbered in order of first appearance when every group has the same size bounds.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": ["a", "b", "c", "d"]}))
    >>> p = gm.PeerGroups(size=2).resolve(4)
    >>> as_assignment(r, p, ["x", "y", "x", "y"]).tolist()
    [0, 1, 0, 1]
    """
    if hasattr(assignment, "assignment_array"):
        return assignment.assignment_array()
    if isinstance(assignment, pd.DataFrame):
        if not {"id", "group"} <= set(assignment.columns):
            raise InputError("An assignment DataFrame needs columns 'id' and 'group'.")
        assignment = assignment.set_index("id")["group"]
    if isinstance(assignment, pd.Series) and not isinstance(assignment.index, pd.RangeIndex):
        rows = roster.rows_of(assignment.index.tolist(), "The assignment")
        values = np.full(roster.n, None, dtype=object)
        values[rows] = assignment.to_numpy(dtype=object)
        assignment = values
    a = assignment if isinstance(assignment, np.ndarray) else np.asarray(assignment, dtype=object)
    if a.ndim != 1 or len(a) != roster.n:
        raise InputError(f"The assignment must have one entry per person ({roster.n}); "
                         f"got shape {np.shape(a)}.")
    if np.issubdtype(a.dtype, np.integer):
        out = a.astype(np.int64)
        if ((out >= -1) & (out < problem.n_groups)).all():
            return out
    labels = pd.Series(a, dtype=object)
    placed = (~labels.isna() & (labels.astype(str) != "-1")).to_numpy()
    codes, uniques = pd.factorize(labels[placed], sort=False)
    if len(np.unique(problem.lo)) > 1 or len(np.unique(problem.hi)) > 1:
        raise InputError("With one size range per group, the assignment must use group indices "
                         f"0..{problem.n_groups - 1} (and -1 for unplaced).")
    out = np.full(roster.n, -1, dtype=np.int64)
    out[placed] = codes
    return out


def _resolve(roster, spec, assignment):
    problem = spec if isinstance(spec, Problem) else problem_for(roster, spec)
    a = as_assignment(roster, problem, assignment)
    n_groups = max(problem.n_groups, int(a.max()) + 1 if len(a) else 0)
    return problem, a, n_groups


def score(roster: Roster, spec, assignment) -> dict[str, int]:
    """The objective of an assignment, per term (weighted) and in total.

    The numbers are the same integers the solver maximises, so
    ``score(...)["total"] == grouping.objective`` for any grouping groupmatch returns.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
    >>> r = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department")])
    >>> gm.score(r, spec, [0, 1, 0, 1])
    {'diversity[department]': 2, 'total': 2}
    """
    if _role_mode(spec):
        check_roster(roster)
        return spec.score(roster, assignment)
    problem, a, n_groups = _resolve(roster, spec, assignment)
    values = problem.soft_values(roster, a, n_groups)
    out = {label: w * int(v.sum()) for label, (w, v) in values.items()}
    out["total"] = int(sum(out.values()))
    return out


def check(roster: Roster, spec, assignment) -> list[Violation]:
    """Every hard rule the assignment breaks; ``[]`` when it keeps them all.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "manager_id": [None, "a", "a", "b"]})
    >>> r = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=2, terms=[gm.NotWithManager()])
    >>> [v.rule for v in gm.check(r, spec, [0, 0, 1, 1])]
    ['NotWithManager']
    >>> gm.check(r, spec, [0, 1, 1, 0])
    []
    """
    if _role_mode(spec):
        check_roster(roster)
        return spec.check(roster, assignment)
    problem, a, n_groups = _resolve(roster, spec, assignment)
    out: list[Violation] = []
    if n_groups > problem.n_groups:
        out.append(Violation("SizeBounds", tuple(range(problem.n_groups, n_groups)), (),
                             f"{n_groups} groups used; the spec allows {problem.n_groups}"))
        a = np.where(a >= problem.n_groups, -1, a)
    for term in problem.terms:
        if term.hard:
            out.extend(term.violations(roster, a, problem.n_groups))
    return out
