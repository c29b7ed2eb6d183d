"""A problem: group size bounds plus the full list of terms with their integer weights.

Every mode turns its spec into one (peer groups for everybody, facilitated groups for each
topic's mentees) and hands it to the engine, which never sees the spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exceptions import InputError
from .result import canonical
from .terms.base import Term, Violation, weights_to_int
from .terms.rules import SizeBounds
from .terms.tiers import bind_problem

__all__ = ["Problem", "make_problem", "as_assignment"]


@dataclass(frozen=True)
class Problem:
    """Group bounds and terms, resolved for one roster.

    Built by the modes; users rarely need it.
    """

    lo: np.ndarray
    hi: np.ndarray
    terms: tuple[Term, ...]
    weights: tuple[int, ...]  # integer objective weight per term, 0 for hard rules

    @property
    def n_groups(self) -> int:
        return len(self.lo)

    def soft_values(self, roster, assignment: np.ndarray, n_groups: int | None = None):
        """``{label: (weight, per-group values)}`` for every soft term: the one place the
        objective is computed with numpy (score, the search and the result all use it)."""
        g = self.n_groups if n_groups is None else n_groups
        return {
            t.label: (w, t.group_values(roster, assignment, g))
            for t, w in zip(self.terms, self.weights, strict=True)
            if not t.hard
        }

    def objective(self, roster, assignment: np.ndarray) -> int:
        """Σ weight × value over soft terms, the integers CP-SAT maximises."""
        return sum(w * int(v.sum()) for w, v in self.soft_values(roster, assignment).values())

    def canonical(self, assignment: np.ndarray) -> np.ndarray:
        """Groups renumbered by their first member (within equal bounds), unless a term ties
        itself to group numbers (``Pin``), whose numbers are then kept."""
        if any(getattr(t, "group_specific", False) for t in self.terms):
            return np.array(assignment, dtype=np.int64)
        return canonical(assignment, self.lo, self.hi)

    def violations(self, roster, assignment: np.ndarray,
                   n_groups: int | None = None) -> list[Violation]:
        """Every hard rule ``assignment`` breaks (``[]`` when it keeps them all)."""
        g = self.n_groups if n_groups is None else n_groups
        return [v for t in self.terms if t.hard for v in t.violations(roster, assignment, g)]


    def score(self, roster, assignment) -> dict[str, int]:
        """The objective of any assignment per term (weighted) and ``total`` (gm.score)."""
        a = as_assignment(roster, self, assignment)
        values = self.soft_values(roster, a, self._groups_used(a))
        out = {label: w * int(v.sum()) for label, (w, v) in values.items()}
        out["total"] = int(sum(out.values()))
        return out

    def check(self, roster, assignment) -> list[Violation]:
        """Every hard rule any assignment breaks, the group count included (gm.check)."""
        a = as_assignment(roster, self, assignment)
        n_groups = self._groups_used(a)
        out: list[Violation] = []
        if n_groups > self.n_groups:
            out.append(Violation("SizeBounds", tuple(range(self.n_groups, n_groups)), (),
                                 f"{n_groups} groups used; the spec allows {self.n_groups}"))
            a = np.where(a >= self.n_groups, -1, a)
        out.extend(self.violations(roster, a))
        return out

    def _groups_used(self, a: np.ndarray) -> int:
        return max(self.n_groups, int(a.max()) + 1 if len(a) else 0)


def as_assignment(roster, problem: Problem, assignment) -> np.ndarray:
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


def make_problem(lo: Sequence[int], hi: Sequence[int], terms: Sequence[Term],
                 roster=None) -> Problem:
    """Size bounds first, then ``terms``, with integer weights; with a ``roster`` each term is
    validated against it and rule tiers are bound (lexicographic ``need`` weights)."""
    lo = np.asarray(lo, dtype=np.int64).copy()
    hi = np.asarray(hi, dtype=np.int64).copy()
    lo.setflags(write=False)
    hi.setflags(write=False)
    sizes = SizeBounds(lo=tuple(lo.tolist()), hi=tuple(hi.tolist()))
    all_terms = (sizes, *terms)
    soft = [t for t in all_terms if not t.hard]
    ints = iter(weights_to_int([float(t.weight) for t in soft], [t.label for t in soft]))
    weights = tuple(0 if t.hard else next(ints) for t in all_terms)
    problem = Problem(lo=lo, hi=hi, terms=all_terms, weights=weights)
    if roster is None:
        return problem
    for t in problem.terms:
        t.validate(roster, problem.n_groups)
    return bind_problem(problem, roster)  # rule tiers and fairness weights need the roster
