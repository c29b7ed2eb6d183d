"""Two groupings of the same roster side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InputError
from .explain import group_totals
from .moves import group_overlap, people_moved
from .problem import Problem, as_assignment
from .terms.base import pairs

__all__ = ["compare"]


def _group_scores(roster, problem, a) -> np.ndarray:
    n_groups = max(problem.n_groups, int(a.max()) + 1)
    total = np.zeros(n_groups, dtype=np.int64)
    for w, values in problem.soft_values(roster, a, n_groups).values():
        total += w * np.asarray(values, dtype=np.int64)
    sizes = np.bincount(a[a >= 0], minlength=n_groups)
    total = total[sizes > 0]
    return total if problem.scale == 1 else total / problem.scale  # the user's units


def compare(a, b, *, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Side-by-side metrics of two groupings of the same roster.

    ``a`` must be a :class:`Grouping`; ``b`` a Grouping or any assignment
    :func:`groupmatch.score` accepts (for example another tool's labels), which is then scored
    with ``a``'s spec. Rows: objective under each spec, each term's weighted contribution,
    worst and median group score, hard-rule violations, number of groups, people moved (after
    pairing the groups of ``a`` and ``b`` that share most people) and the share of ``a``'s
    co-member pairs still together in ``b``.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
    >>> roster = gm.Roster.from_frame(df)
    >>> g = gm.solve(roster, gm.PeerGroups(size=3, terms=[gm.Diversity("department")]))
    >>> table = gm.compare(g, [0, 0, 0, 1, 1, 1])
    >>> table.loc[["objective", "people moved"]].to_dict("index")
    {'objective': {'a': 4, 'b': 0, 'change': -4}, 'people moved': {'a': 0, 'b': 2, 'change': 2}}
    """
    if a._array is None:
        raise InputError("compare needs a grouping with a solution as its first argument.")
    roster = a._roster
    if getattr(b, "_roster", roster) is not roster and not np.array_equal(
            np.asarray(b._roster.ids, dtype=str), np.asarray(roster.ids, dtype=str)):
        raise InputError("compare needs two groupings of the same roster (same ids, same order).")
    peer_b = not hasattr(b, "spec") or isinstance(b._plan, Problem)
    if not isinstance(a._plan, Problem) or not peer_b:  # role modes: the results' own figures
        return _compare_results(a, b, names)
    problem_a = a._plan
    problem_b = getattr(b, "_plan", None) or problem_a
    arr_a = a.assignment_array()
    arr_b = as_assignment(roster, problem_a, b)
    rows: dict[str, tuple] = {}

    def total(problem, arr):  # in the user's units, like gm.score
        n_groups = max(problem.n_groups, int(arr.max()) + 1)
        return problem.in_user_units(sum(
            w * int(v.sum()) for w, v in problem.soft_values(roster, arr, n_groups).values()))

    def terms(problem, arr):
        n_groups = max(problem.n_groups, int(arr.max()) + 1)
        return {k: problem.in_user_units(w * int(v.sum()))
                for k, (w, v) in problem.soft_values(roster, arr, n_groups).items()}

    rows["objective"] = (total(problem_a, arr_a), total(problem_b, arr_b))
    if problem_b is not problem_a:
        rows["objective under a's spec"] = (total(problem_a, arr_a), total(problem_a, arr_b))
        rows["objective under b's spec"] = (total(problem_b, arr_a), total(problem_b, arr_b))
    ta, tb = terms(problem_a, arr_a), terms(problem_b, arr_b)
    for label in dict.fromkeys([*ta, *tb]):
        rows[label] = (ta.get(label), tb.get(label))
    sa, sb = _group_scores(roster, problem_a, arr_a), _group_scores(roster, problem_b, arr_b)
    rows["worst group score"] = (sa.min().item(), sb.min().item())
    rows["median group score"] = (float(np.median(sa)), float(np.median(sb)))
    rows["hard-rule violations"] = (len(problem_a.check(roster, arr_a)),
                                    len(problem_b.check(roster, arr_b)))
    rows["groups"] = (len(np.unique(arr_a[arr_a >= 0])), len(np.unique(arr_b[arr_b >= 0])))
    rows["people moved"] = (0, people_moved(arr_a, arr_b))
    rows["pairs still together"] = _still_together(arr_a, arr_b)
    return _table(rows, names)


def _still_together(arr_a, arr_b) -> tuple[float, float]:
    together = int(pairs(group_overlap(arr_a, arr_b).to_numpy()).sum())
    pairs_a = int(pairs(np.bincount(arr_a[arr_a >= 0])).sum())
    return (1.0, together / pairs_a if pairs_a else 1.0)


def _compare_results(a, b, names) -> pd.DataFrame:
    """Role modes (facilitated, team): compare what the two results report about themselves."""
    if not hasattr(b, "breakdown"):
        raise InputError("For facilitated or team groupings, compare two Groupings.")
    rows: dict[str, tuple] = {"objective": (a.objective, b.objective)}
    for label in dict.fromkeys([*a.breakdown, *b.breakdown]):
        rows[label] = (a.breakdown.get(label), b.breakdown.get(label))
    sa, sb = group_totals(a), group_totals(b)
    rows["worst group score"] = (sa.min().item(), sb.min().item())
    rows["median group score"] = (float(np.median(sa)), float(np.median(sb)))
    rows["hard-rule violations"] = (len(a.spec.check(a._roster, a)),
                                    len(b.spec.check(b._roster, b)))
    rows["groups"] = (len(a.groups), len(b.groups))
    rows["not placed"] = (len(a.unplaced), len(b.unplaced))
    arr_a, arr_b = a.assignment_array(), b.assignment_array()
    rows["people moved"] = (0, people_moved(arr_a, arr_b))
    rows["pairs still together"] = _still_together(arr_a, arr_b)
    return _table(rows, names)


def _table(rows: dict, names) -> pd.DataFrame:
    table = pd.DataFrame(list(rows.values()), index=list(rows), columns=list(names),
                         dtype=object)
    change = []
    for x, y in zip(table[names[0]], table[names[1]], strict=True):
        change.append(None if x is None or y is None else y - x)
    table["change"] = pd.Series(change, index=table.index, dtype=object)
    return table
