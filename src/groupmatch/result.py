"""The answer: a frozen, canonical Grouping in plain pandas."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .exceptions import GroupMatchError, InfeasibleError, NoSolutionError

__all__ = ["Status", "Grouping", "canonical"]


class Status(enum.Enum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    """Proven best under the model."""
    FEASIBLE = "feasible"
    """A valid grouping; stopped before a proof, see ``gap``."""
    INFEASIBLE = "infeasible"
    """Proven that no grouping satisfies the hard rules."""
    NO_SOLUTION = "no_solution"
    """The limit was reached before any valid grouping was found."""
    MODEL_INVALID = "model_invalid"
    """A bug in groupmatch; please report it."""

    @property
    def has_solution(self) -> bool:
        """True for OPTIMAL and FEASIBLE."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


def canonical(assignment: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Renumber groups by their smallest member, within each class of identical size bounds.

    Two runs that find the same partition then give equal arrays.

    Examples
    --------
    >>> canonical(np.array([1, 0, 1, 0]), np.array([2, 2]), np.array([2, 2])).tolist()
    [0, 1, 0, 1]
    """
    a = np.asarray(assignment, dtype=np.int64)
    n_groups = len(lo)
    first = np.full(n_groups, np.iinfo(np.int64).max)
    placed = np.flatnonzero(a >= 0)
    np.minimum.at(first, a[placed], placed)
    new_id = np.arange(n_groups)
    keys = list(zip(np.asarray(lo).tolist(), np.asarray(hi).tolist(), strict=True))
    for key in set(keys):
        members = np.array([g for g in range(n_groups) if keys[g] == key])
        new_id[members[np.argsort(first[members], kind="stable")]] = members
    out = a.copy()
    out[placed] = new_id[a[placed]]
    return out


@dataclass(frozen=True, eq=False)
class Grouping:
    """The result of :func:`groupmatch.solve`.

    Attributes
    ----------
    status : Status
    assignments : DataFrame
        One row per person: ``id``, ``group`` (nullable Int64) and ``reason`` where unplaced.
    groups : DataFrame
        One row per group: ``group``, ``size``, ``members`` (ids), and one column per term.
    objective, bound : int or None
        The maximised objective (same integers as :func:`groupmatch.score`) and the best proven
        upper bound, when the engine has one.
    gap : float or None
        ``(bound - objective) / max(1, |objective|)``.
    breakdown : Mapping[str, int]
        Weighted contribution of each soft term.
    wall_time : float
        Seconds spent in :func:`solve`.
    settings : Mapping[str, object]
        The limits, seed and engine path used, for reproducing the run.
    """

    status: Status
    assignments: pd.DataFrame
    groups: pd.DataFrame
    objective: int | None
    bound: int | None
    gap: float | None
    breakdown: Mapping[str, int]
    wall_time: float
    settings: Mapping[str, object]
    _roster: object = field(repr=False, default=None)
    _problem: object = field(repr=False, default=None)
    _array: np.ndarray | None = field(repr=False, default=None)
    message: str = ""
    conflicts: tuple[str, ...] = ()

    def assignment_array(self) -> np.ndarray:
        """Group index per roster row, -1 for unplaced (a copy).

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> a = gm.solve(r, gm.PeerGroups(size=2)).assignment_array()
        >>> sorted(a.tolist())
        [0, 0, 1, 1]
        """
        if self._array is None:
            return np.full(len(self.assignments), -1, dtype=np.int64)
        return self._array.copy()

    def raise_for_status(self) -> Grouping:
        """Return self when a grouping exists; otherwise raise the matching error.

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> gm.solve(r, gm.PeerGroups(size=2)).raise_for_status().status
        <Status.OPTIMAL: 'optimal'>
        """
        if self.status.has_solution:
            return self
        if self.status is Status.INFEASIBLE:
            raise InfeasibleError(self.message or "No grouping satisfies the hard rules.",
                                  conflicts=self.conflicts)
        if self.status is Status.NO_SOLUTION:
            raise NoSolutionError(
                self.message or "The time limit ended before any valid grouping was found; "
                "raise time_limit or relax the rules."
            )
        raise GroupMatchError(f"The solver reported an invalid model: {self.message}. "
                              "This is a bug in groupmatch; please report it.")

    def explain(self, group: int) -> pd.DataFrame:
        """What each term sees in one group: one row per term.

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
        >>> r = gm.Roster.from_frame(df)
        >>> g = gm.solve(r, gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
        >>> int(g.explain(0).loc["diversity[department]", "value"])
        1
        """
        if self._array is None:
            raise GroupMatchError("This grouping has no solution to explain.")
        if not 0 <= group < self._problem.n_groups:
            raise GroupMatchError(f"Group {group} does not exist; groups are numbered 0.."
                                  f"{self._problem.n_groups - 1}.")
        rows = []
        n_groups = self._problem.n_groups
        for term, w in zip(self._problem.terms, self._problem.weights, strict=True):
            details = term.explain(self._roster, self._array, group)
            if term.hard:
                broken = [v for v in term.violations(self._roster, self._array, n_groups)
                          if group in v.groups]
                rows.append({"term": term.label, "kind": "rule", "weight": None,
                             "value": None, "contribution": None,
                             "holds": not broken, "details": details})
            else:
                value = int(term.group_values(self._roster, self._array, n_groups)[group])
                rows.append({"term": term.label, "kind": "objective", "weight": w,
                             "value": value, "contribution": w * value, "holds": None,
                             "details": details})
        table = pd.DataFrame(rows).set_index("term")
        for col in ("weight", "value", "contribution"):
            table[col] = table[col].astype("Int64")
        return table
