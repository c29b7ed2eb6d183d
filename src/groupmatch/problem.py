"""A problem: group size bounds plus the full list of terms with their integer weights.

Every mode turns its spec into one (peer groups for everybody, facilitated groups for each
topic's mentees) and hands it to the engine, which never sees the spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .exceptions import InputError
from .result import canonical
from .terms.base import Term, Violation, integer_weights
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
    scale: float = 1  # internal integers per unit of the user's objective (weights as given)
    measure_scale: float = 1  # the same for the scores a worst-group floor measures

    @property
    def n_groups(self) -> int:
        return len(self.lo)

    # -- the user's units: CP-SAT's integers divided by the one factor that made them ----------
    def in_user_units(self, value):
        """An internal objective value in the user's units (an int when no weight is a
        fraction, so integral weights report integers).

        Examples
        --------
        >>> import groupmatch as gm
        >>> p = gm.PeerGroups(size=2, terms=[gm.Diversity("d", weight=0.125)]).resolve(4)
        >>> p.weights[1], p.scale, p.in_user_units(4)
        (1, 8, 0.5)
        """
        if value is None:
            return None
        if self.scale == 1:
            return int(value)
        return float(value) / self.scale

    def value_divisor(self, term: Term) -> float:
        """What a term's own values are divided by to read in the user's units: 1, except for
        a worst-group floor, whose value is a weighted score."""
        return self.measure_scale if getattr(term, "is_floor", False) else 1

    def user_weights(self) -> dict[str, float]:
        """``{label: weight}`` of every soft term as the user reads it: the weight given (the
        balanced one with ``balance=True``; the lexicographic one for ``need`` rules)."""
        out = {}
        for t, w in zip(self.terms, self.weights, strict=True):
            if not t.hard:
                out[t.label] = self.in_user_units(w * self.value_divisor(t))
        return out

    def user_values(self, term: Term, values: np.ndarray) -> np.ndarray:
        """A term's per-group values in the user's units (the term's own integers for all but
        a worst-group floor)."""
        div = self.value_divisor(term)
        return values if div == 1 else np.asarray(values) / div

    def with_bounds(self, lo, hi) -> Problem:
        """The same terms and weights with other size bounds (as many groups), for a solve
        that narrows the sizes inside the spec's range (``PeerGroups(even=True)``).

        Weights stay as they are, so scores and objectives agree with the wider problem; the
        rule-priority weights were set for the wider bounds and remain valid for narrower ones.

        Examples
        --------
        >>> import groupmatch as gm
        >>> p = gm.PeerGroups(size=(2, 4), even=False).resolve(9)
        >>> q = p.with_bounds([3, 3, 3], [3, 3, 3])
        >>> q.terms[0].lo, q.weights == p.weights
        ((3, 3, 3), True)
        """
        lo = np.asarray(lo, dtype=np.int64).copy()
        hi = np.asarray(hi, dtype=np.int64).copy()
        if lo.shape != self.lo.shape or hi.shape != self.hi.shape:
            raise InputError(f"with_bounds needs {self.n_groups} lower and upper bounds.")
        lo.setflags(write=False)
        hi.setflags(write=False)
        sizes = SizeBounds(lo=tuple(lo.tolist()), hi=tuple(hi.tolist()))
        terms = tuple(sizes if isinstance(t, SizeBounds) else t for t in self.terms)
        return replace(self, lo=lo, hi=hi, terms=terms)

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


    def score(self, roster, assignment) -> dict[str, int | float]:
        """The objective of any assignment per term (weighted) and ``total`` (gm.score), in the
        user's units (see :meth:`in_user_units`)."""
        a = as_assignment(roster, self, assignment)
        values = self.soft_values(roster, a, self._groups_used(a))
        internal = {label: w * int(v.sum()) for label, (w, v) in values.items()}
        out = {label: self.in_user_units(v) for label, v in internal.items()}
        out["total"] = self.in_user_units(sum(internal.values()))
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
    ``id`` (or the roster's own id column name) and ``group`` columns, one row per person, or
    a :class:`Grouping`.

    How labels become group numbers (``k`` is the spec's number of groups):

    - **Unplaced**: ``None``, NaN, ``pd.NA``, empty text, and ``-1``. People missing from a
      Series or DataFrame are unplaced too.
    - **Integer labels** (``2``, ``2.0`` as pandas reads a CSV column with gaps, or the text
      ``"2"``) are group numbers. When they all lie in ``0..k-1`` they are kept exactly as
      given, so ``Pin({"a": 1})`` and one size range per group are checked against the
      caller's group 1, and violations name the caller's groups.
    - **Other labels** (text such as ``"red"``, fractions, or integers past ``k-1`` such as
      1-based numbers ``1..k``) are renumbered ``0, 1, ...`` in sorted label order, but only
      when the group numbers carry no meaning for the spec. When they do (one size range per
      group, or a rule tied to group numbers such as :class:`~groupmatch.Pin`), text labels and
      labels that look 1-based (smallest 1, largest ``k``) raise :class:`InputError`; other
      integers past ``k-1`` are kept, and :func:`groupmatch.check` reports the groups the spec
      does not have.
    - Negative integers other than ``-1`` raise :class:`InputError`.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": ["a", "b", "c", "d"]}))
    >>> p = gm.PeerGroups(size=2).resolve(4)
    >>> as_assignment(r, p, [1, 0, 0, 1]).tolist()  # the caller's numbers are kept
    [1, 0, 0, 1]
    >>> as_assignment(r, p, ["y", "x", "y", None]).tolist()  # text: sorted label order
    [1, 0, 1, -1]
    """
    if hasattr(assignment, "assignment_array"):
        return assignment.assignment_array()
    if isinstance(assignment, pd.DataFrame):
        assignment = _groups_by_id(roster, assignment)
    if isinstance(assignment, pd.Series) and not isinstance(assignment.index, pd.RangeIndex):
        index = assignment.index
        if index.has_duplicates:
            dup = index[index.duplicated()].unique()[:5]
            raise InputError(f"The assignment names {', '.join(map(repr, dup))} more than once; "
                             "peer groups give each person one group (one row per person).")
        rows = roster.rows_of(index.tolist(), "The assignment")
        values = np.full(roster.n, None, dtype=object)
        values[rows] = assignment.to_numpy(dtype=object)
        assignment = values
    a = assignment if isinstance(assignment, np.ndarray) else np.asarray(assignment, dtype=object)
    if a.ndim != 1 or len(a) != roster.n:
        raise InputError(f"The assignment must have one entry per person ({roster.n}); "
                         f"got shape {np.shape(a)}.")
    return _group_numbers(a, problem)


def _groups_by_id(roster, table: pd.DataFrame) -> pd.Series:
    """The ``group`` column of an answer table, indexed by person id."""
    id_col = "id" if "id" in table.columns else roster.columns.get("id", "id")
    if id_col not in table.columns or "group" not in table.columns:
        raise InputError(f"An assignment DataFrame needs columns 'id' and 'group'; it has "
                         f"{', '.join(map(str, table.columns))}.")
    return pd.Series(table["group"].to_numpy(dtype=object),
                     index=pd.Index(table[id_col].to_numpy(dtype=object)))


def _label_number(value) -> int | None:
    """The integer a group label stands for (``2``, ``2.0``, ``"2"``), else None."""
    import numbers
    import re

    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return int(value) if np.isfinite(value) and float(value).is_integer() else None
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([+-]?\d+)(?:\.0*)?\s*", value)
        return int(m.group(1)) if m else None
    return None


def _group_numbers(a: np.ndarray, problem: Problem) -> np.ndarray:
    """Group numbers from labels, by the rules of :func:`as_assignment`."""
    k = problem.n_groups
    if np.issubdtype(a.dtype, np.integer) and len(a) and a.min() >= -1 and a.max() < k:
        return a.astype(np.int64)  # group numbers already: the common case, kept as given
    numbered = (len(np.unique(problem.lo)) > 1 or len(np.unique(problem.hi)) > 1
                or any(getattr(t, "group_specific", False) for t in problem.terms))
    codes, uniques = pd.factorize(pd.Series(a, dtype=object))  # missing values: code -1
    uniques = list(uniques)
    numbers = [_label_number(u) for u in uniques]
    blank = [num == -1 or (isinstance(u, str) and not u.strip())
             for u, num in zip(uniques, numbers, strict=True)]
    labels = [u for u, b in zip(uniques, blank, strict=True) if not b]
    if all(num is not None for num, b in zip(numbers, blank, strict=True) if not b):
        value = np.array([-1 if b else num for num, b in zip(numbers, blank, strict=True)],
                         dtype=np.int64)
        if (value < -1).any():
            raise InputError(f"Group {int(value.min())} in the assignment: groups are numbered "
                             "0, 1, 2, ... and -1 (or an empty cell) marks an unplaced person.")
        out = np.where(codes >= 0, value[np.maximum(codes, 0)], -1).astype(np.int64)
        used = value[value >= 0]
        if not len(used) or used.max() < k:
            return out
        if numbered:
            if used.min() >= 1 and used.max() == k:
                raise InputError(
                    f"The assignment numbers its groups 1..{k}; here groups are numbered "
                    f"0..{k - 1} because {_why_numbered(problem)}. Subtract 1 from every group "
                    "number (-1 or an empty cell marks an unplaced person).")
            return out  # groups the spec does not have: gm.check reports them
        ranks = np.searchsorted(np.unique(used), out)
        return np.where(out >= 0, ranks, -1).astype(np.int64)
    if numbered:
        shown = ", ".join(repr(v) for v in labels[:3]) + (", ..." if len(labels) > 3 else "")
        raise InputError(
            f"The assignment labels its groups {shown}; here groups must be numbered "
            f"0..{k - 1} (-1 or an empty cell for unplaced) because {_why_numbered(problem)}, "
            "and which label is which group cannot be guessed.")
    order = sorted(range(len(labels)), key=lambda j: _label_key(labels[j]))
    rank = np.full(len(uniques), -1, dtype=np.int64)
    placed = [j for j, b in enumerate(blank) if not b]
    for r, j in enumerate(order):
        rank[placed[j]] = r
    return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1).astype(np.int64)


def _label_key(label) -> tuple:
    """Numbers first, by value; then everything else by its text."""
    import numbers

    if isinstance(label, numbers.Real) and not isinstance(label, (bool, np.bool_)):
        return (0, float(label), "")
    return (1, 0.0, str(label))


def _why_numbered(problem: Problem) -> str:
    pinned = [t.label for t in problem.terms if getattr(t, "group_specific", False)]
    if pinned:
        return f"{pinned[0]} refers to groups by number"
    return "each group has its own size range"


def make_problem(lo: Sequence[int], hi: Sequence[int], terms: Sequence[Term],
                 roster=None, *, balance: bool = False) -> Problem:
    """Size bounds first, then ``terms``, with integer weights; with a ``roster`` each term is
    validated against it and rule tiers are bound (lexicographic ``need`` weights).

    Weights become integers in one place (:func:`~groupmatch.terms.base.integer_weights`):
    CP-SAT maximises ``scale`` × the user's objective, and everything reported is divided by
    ``scale`` again. With ``balance=True`` (and a roster) each objective's weight is divided by
    its range first (:func:`~groupmatch.terms.baseline.balanced_weights`).

    Examples
    --------
    >>> import groupmatch as gm
    >>> p = make_problem([2, 2], [2, 2], [gm.Diversity("d", weight=3),
    ...                                   gm.Diversity("e", weight=0.125)])
    >>> p.weights, p.scale
    ((0, 24, 1), 8)
    """
    lo = np.asarray(lo, dtype=np.int64).copy()
    hi = np.asarray(hi, dtype=np.int64).copy()
    lo.setflags(write=False)
    hi.setflags(write=False)
    sizes = SizeBounds(lo=tuple(lo.tolist()), hi=tuple(hi.tolist()))
    all_terms = (sizes, *terms)
    if roster is not None:
        for t in all_terms:
            t.validate(roster, len(lo))
    # objectives and scored rules are weighed together; a worst-group floor measures them, so
    # its own weight multiplies their scale once more (see Problem.measure_scale)
    base_at = [k for k, t in enumerate(all_terms)
               if not t.hard and not getattr(t, "is_floor", False)]
    floor_at = [k for k, t in enumerate(all_terms) if not t.hard and getattr(t, "is_floor", False)]
    base, floors = [all_terms[k] for k in base_at], [all_terms[k] for k in floor_at]
    if balance and roster is not None:
        from .terms.baseline import balanced_weights

        base_ints, measure = balanced_weights(base, roster, lo, hi)
    else:
        base_ints, measure = integer_weights([float(t.weight) for t in base],
                                             [t.label for t in base])
    floor_ints, floor_scale = integer_weights([float(t.weight) for t in floors],
                                              [t.label for t in floors])
    weights = [0] * len(all_terms)
    for k, w in zip(base_at, base_ints, strict=True):
        weights[k] = w * floor_scale
    for k, w in zip(floor_at, floor_ints, strict=True):
        weights[k] = w
    weights = tuple(weights)
    problem = Problem(lo=lo, hi=hi, terms=all_terms, weights=weights,
                      scale=measure * floor_scale, measure_scale=measure)
    if roster is None:
        return problem
    return bind_problem(problem, roster)  # rule tiers and fairness weights need the roster
