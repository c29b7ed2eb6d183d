"""What every term is: the contract between rules/objectives and the engine.

A term is a small frozen object. It knows how to

1. ``encode(ctx)``: add itself to a CP-SAT model over the window of people and groups in ``ctx``
   and return its objective expression (soft terms) or ``None`` (hard rules);
2. ``group_values(roster, assignment, n_groups)``: score every group with numpy, in the very same
   integers as its CP-SAT expression (soft terms);
3. ``violations(roster, assignment, n_groups)``: list where it is broken (hard rules);
4. ``explain(roster, assignment, group)``: say what it contributes to one group;
5. ``search_component(roster)``: optionally describe itself to the compiled local search.

The engine loops over terms and never branches on their type, so a new rule is one new class.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from ortools.sat.python import cp_model

from ..exceptions import ScalingWarning

if TYPE_CHECKING:
    from ..roster import Roster

__all__ = ["Term", "ModelContext", "Violation", "SearchComponent", "pairs", "weights_to_int",
           "integer_weights"]


def pairs(counts: np.ndarray) -> np.ndarray:
    """C(c, 2) elementwise, exact in int64.

    Examples
    --------
    >>> pairs(np.array([0, 1, 2, 5])).tolist()
    [0, 0, 1, 10]
    """
    c = np.asarray(counts, dtype=np.int64)
    return c * (c - 1) // 2


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: which rule, which groups and people, and why in words."""

    rule: str
    groups: tuple[int, ...]
    people: tuple[int, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class SearchComponent:
    """How a term looks to the compiled local search.

    ``kind`` is one of ``"categorical"`` (``data``: int codes (n,); pair value ``weight`` if the
    codes differ), ``"multi"`` (``data``: 0/1 matrix (n, T); pair value ``weight`` per shared
    column), ``"numeric"`` (``data``: int values (n,); pair value ``weight·(q_i - q_j)²``),
    ``"dense"`` (``data``: int matrix (n, n); pair value ``weight·D_ij``), ``"conflicts"``
    (``data``: int array (k, 2) of pairs that may never share a group), ``"units"`` (``data``:
    int array (k, 2) of pairs that must share a group), ``"fixed"`` (``data``: int array (n,),
    a group per person or -1), ``"forbidden"`` (``data``: int array (k, 2) of (person, group)
    pairs that may never happen) or ``"group_rule"`` (``data``: 0/1 matrix (n, V) of the values
    or slots a rule counts per group; ``params``: ``(kind, p1, p2)`` and optionally a value per
    column, see ``engine/count/rules.py``).
    """

    kind: str
    data: np.ndarray
    weight: int = 0
    params: tuple = ()


class ModelContext:
    """The window of a CP-SAT model that terms encode themselves into.

    ``people`` are global roster rows, ``groups`` global group ids, ``x[i, g]`` the Boolean
    "person i is in group g" for every allowed pair of the window. A full solve's window is
    everything; a large-neighbourhood step passes a few groups and their members, and the same
    ``encode`` runs unchanged. People outside the window sit in groups outside it.
    """

    def __init__(self, model, roster, people, groups, x, lo, hi, switches):
        self.model: cp_model.CpModel = model
        self.roster: Roster = roster
        self.people = np.asarray(people, dtype=np.int64)
        self.groups = np.asarray(groups, dtype=np.int64)
        self.x: dict[tuple[int, int], Any] = x
        self.lo = dict(zip(self.groups.tolist(), np.asarray(lo).tolist(), strict=True))
        self.hi = dict(zip(self.groups.tolist(), np.asarray(hi).tolist(), strict=True))
        self._switches = switches
        self._size: dict[int, Any] = {}
        self._same: dict[tuple[int, int], Any] = {}
        self._named: dict[str, Any] = {}  # pairs_of variables by name, shared with restrict()
        self._in_window = set(self.people.tolist())

    def restrict(self, groups) -> ModelContext:
        """The same model and people seen through fewer groups (to score groups one by one).

        Size and ``pairs_of`` variables are shared with this context, so terms encoded again
        per group reuse them instead of building copies.
        """
        groups = np.asarray(groups, dtype=np.int64)
        sub = ModelContext(self.model, self.roster, self.people, groups, self.x,
                           [self.lo[g] for g in groups.tolist()],
                           [self.hi[g] for g in groups.tolist()], self._switches)
        sub._size, sub._named = self._size, self._named
        return sub

    def switch(self, term: Term):
        """The enforcement literal of a hard term (fixed true unless explaining infeasibility)."""
        lit = self._switches.get(term.label)
        if lit is None:
            lit = self.model.new_bool_var(f"switch[{term.label}]")
            self._switches[term.label] = lit
        return lit

    def has(self, i: int) -> bool:
        """Is roster row ``i`` in this window?"""
        return i in self._in_window

    def members(self, g: int, rows=None) -> list:
        """The literals ``x[i, g]`` for window people (or for ``rows``) who may join group g."""
        rows = self.people if rows is None else rows
        return [v for i in np.asarray(rows).tolist() if (v := self.x.get((i, g))) is not None]

    def count(self, rows, g: int):
        """Linear expression: how many of ``rows`` are in group g."""
        return sum(self.members(g, rows))

    def size(self, g: int):
        """An IntVar holding group g's size, shared by every term."""
        if g not in self._size:
            var = self.model.new_int_var(self.lo[g], self.hi[g], f"size[{g}]")
            self.model.add(var == sum(self.members(g)))
            self._size[g] = var
        return self._size[g]

    def same_group(self, i: int, j: int):
        """A Boolean that is true exactly when window people i and j share a group (cached)."""
        key = (min(i, j), max(i, j))
        if key not in self._same:
            z = self.model.new_bool_var(f"same[{key[0]},{key[1]}]")
            for g in self.groups.tolist():
                xi, xj = self.x.get((i, g)), self.x.get((j, g))
                if xi is None and xj is None:
                    continue
                if xi is None or xj is None:  # only one of them may join g
                    self.model.add_implication(xi if xj is None else xj, ~z)
                    continue
                self.model.add_bool_or([z, ~xi, ~xj])  # both in g -> same
                self.model.add(z <= 1 + xi - xj)  # i in g, j not -> not same
                self.model.add(z <= 1 + xj - xi)
            self._same[key] = z
        return self._same[key]

    def pairs_of(self, count_expr, upper: int, name: str):
        """An IntVar equal to C(count, 2), exact, with tangent cuts for a tighter relaxation."""
        if name in self._named:
            return self._named[name]
        upper = max(int(upper), 0)
        c = self.model.new_int_var(0, upper, f"{name}.n")
        self.model.add(c == count_expr)
        table = [k * (k - 1) // 2 for k in range(upper + 1)]
        p = self.model.new_int_var(0, table[-1], f"{name}.pairs")
        self.model.add_element(c, table, p)
        for k in range(1, upper):  # redundant: convex tangents speed up the LP relaxation
            self.model.add(p >= k * c - k * (k + 1) // 2)
        self._named[name] = p
        return p


@dataclass(frozen=True)
class Term:
    """Base class. Subclasses are frozen dataclasses holding parameters only.

    ``hard`` terms constrain; soft terms add ``weight × value`` to the maximised objective.
    """

    weight: float = field(default=1.0, kw_only=True)
    hard: ClassVar[bool] = False
    pairwise_sum: ClassVar[bool] = False
    """True when a group's value is the sum over its member pairs of a fixed pair value (so the
    value of everybody in one group is the total over all pairs, and a random grouping's
    expected value is exact: see :mod:`groupmatch.terms.baseline`)."""

    @property
    def label(self) -> str:
        """Name used in scores, breakdowns and messages, e.g. ``diversity[department]``."""
        return type(self).__name__

    # -- lifecycle ---------------------------------------------------------------------------
    def validate(self, roster: Roster, n_groups: int) -> None:
        """Check the term against the data; raise InputError naming the column."""

    def encode(self, ctx: ModelContext):
        """Add the term's constraints; return its objective expression (soft) or None (hard)."""
        raise NotImplementedError

    def group_values(self, roster: Roster, assignment: np.ndarray, n_groups: int) -> np.ndarray:
        """Per-group value (int64, length ``n_groups``) in the encode's integers."""
        return np.zeros(n_groups, dtype=np.int64)

    def violations(self, roster: Roster, assignment: np.ndarray, n_groups: int) -> list[Violation]:
        """Hard rules: every place the rule is broken."""
        return []

    def explain(self, roster: Roster, assignment: np.ndarray, group: int) -> dict[str, object]:
        """What this term sees in one group."""
        return {}

    def search_components(self, roster: Roster) -> list[SearchComponent] | None:
        """Describe the term to the compiled local search, or None if it cannot be."""
        return None

    def pair_total(self, roster: Roster, rows: np.ndarray) -> int:
        """For a ``pairwise_sum`` term: its pair value summed over every pair of ``rows`` (the
        value of one group holding them all)."""
        one = np.full(roster.n, -1, dtype=np.int64)
        one[np.asarray(rows, dtype=np.int64)] = 0
        return int(self.group_values(roster, one, 1)[0])

    def upper_bound(self, roster: Roster, lo: np.ndarray, hi: np.ndarray) -> int | None:
        """A cheap upper bound on the term's total value over all groupings, or None."""
        return None

    def prechecks(self, roster: Roster, lo: np.ndarray, hi: np.ndarray) -> None:
        """Cheap counting checks before any model is built; raise InfeasibleError with numbers."""


def integer_weights(weights: list[float], labels: list[str]) -> tuple[list[int], int]:
    """Term weights as integers for CP-SAT, and the factor they were multiplied by.

    Integral weights are kept (factor 1). Otherwise all weights are multiplied by the least
    common denominator of their fractions (denominators up to 1000, so 0.125 and 1/3 are
    exact); weights that need more precision are rounded to 3 decimals (factor 1000) with a
    ScalingWarning. Results report values divided by the factor, in the user's units.

    Examples
    --------
    >>> integer_weights([1, 2], ["a", "b"])
    ([1, 2], 1)
    >>> integer_weights([3, 0.125], ["a", "b"])
    ([24, 1], 8)
    """
    fractions = [Fraction(w).limit_denominator(1000) for w in weights]
    if all(math.isclose(float(f), w, rel_tol=1e-9, abs_tol=1e-12)
           for f, w in zip(fractions, weights, strict=True)):
        scale = math.lcm(*(f.denominator for f in fractions)) if fractions else 1
        if scale <= 10**6:
            return [int(f * scale) for f in fractions], scale
    scaled = [w * 1000 for w in weights]
    lost = [lab for lab, s in zip(labels, scaled, strict=True) if abs(s - round(s)) > 1e-9]
    warnings.warn(
        f"Weights of {', '.join(lost)} were rounded to 3 decimals for the integer solver.",
        ScalingWarning,
        stacklevel=3,
    )
    return [int(round(s)) for s in scaled], 1000


def weights_to_int(weights: list[float], labels: list[str]) -> list[int]:
    """Scale term weights to integers in one place (CP-SAT takes integers only).

    The integers of :func:`integer_weights`, without the factor.

    Examples
    --------
    >>> weights_to_int([1, 2], ["a", "b"])
    [1, 2]
    >>> weights_to_int([0.5, 2, 0.125], ["a", "b", "c"])
    [4, 16, 1]
    """
    return integer_weights(weights, labels)[0]
