"""Peer groups: self-managed groups, everybody placed, sizes within bounds, terms optimised."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..._validation import check_int, check_range
from ...exceptions import InputError
from ...problem import Problem, make_problem
from ...roster import check_roster
from ...terms.base import Term
from ...terms.roles import RoleTerm
from ..base import Mode, RematchRequest

if TYPE_CHECKING:
    import pandas as pd

    from ...result import Grouping, RematchedGrouping
    from ...roster import Roster
    from ...settings import SolveSettings
    from ...terms.base import Violation

__all__ = ["PeerGroups"]

SizeArg = int | tuple[int, int] | Sequence[tuple[int, int]]


@dataclass(frozen=True)
class PeerGroups(Mode):
    """Self-managed peer groups: everybody placed, sizes within bounds, terms optimised.

    Parameters
    ----------
    size : int, (min, max) or list of (min, max)
        Group size: exact, a range for every group, or one range per group (this also fixes the
        number of groups).
    terms : list of Term
        Objectives and rules, e.g. ``[gm.Diversity("department"), gm.NotWithManager()]``.
    groups : int, optional
        Number of groups. By default the count whose mean size is closest to the middle of the
        range, among the counts that can hold everybody.

    Examples
    --------
    >>> import groupmatch as gm
    >>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")])
    >>> spec.resolve(300).n_groups
    60
    """

    size: SizeArg = (4, 6)
    terms: Sequence[Term] = ()
    groups: int | None = None
    kind: ClassVar[str] = "peer"

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(self.terms))
        for t in self.terms:
            if not isinstance(t, Term):
                raise InputError(
                    f"PeerGroups(terms=...) takes groupmatch terms such as gm.Diversity(...); "
                    f"got {t!r}."
                )
            if isinstance(t, RoleTerm):
                raise InputError(
                    f"{t.label} is about facilitators or mentors, which peer groups do not "
                    "have; use it with gm.FacilitatedGroups or gm.TeamMentoring.")
        labels = [t.label for t in self.terms]
        dup = {lab for lab in labels if labels.count(lab) > 1}
        if dup:
            raise InputError(f"Terms {sorted(dup)} appear twice; give each term once.")
        self._bounds_list()  # validate shape early
        if self.groups is not None:
            check_int("PeerGroups(groups=...)", self.groups, minimum=1)

    def with_terms(self, *terms: Term) -> PeerGroups:
        """A copy with extra terms.

        Examples
        --------
        >>> import groupmatch as gm
        >>> len(gm.PeerGroups(terms=[gm.SharedNeeds()]).with_terms(gm.NotWithManager()).terms)
        2
        """
        return replace(self, terms=(*self.terms, *terms))

    def _bounds_list(self) -> list[tuple[int, int]] | tuple[int, int]:
        s = self.size
        if (isinstance(s, Sequence) and not isinstance(s, str) and len(s) > 0
                and all(isinstance(p, Sequence) for p in s)):  # one range per group
            return [check_range(f"PeerGroups(size=...) range {k}", p, minimum=0)
                    for k, p in enumerate(s)]
        return check_range("PeerGroups(size=...)", s, minimum=1)

    def resolve(self, n: int) -> Problem:
        """Group bounds for ``n`` people; raise InputError if the sizes cannot hold them."""
        return make_problem(*self._group_bounds(n), self.terms)

    def problem(self, roster: Roster) -> Problem:
        """Resolve against a roster and validate every term (once, before any work)."""
        check_roster(roster)
        return make_problem(*self._group_bounds(roster.n), self.terms, roster)

    def _group_bounds(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        b = self._bounds_list()
        if isinstance(b, list):
            lo = np.array([a for a, _ in b], dtype=np.int64)
            hi = np.array([c for _, c in b], dtype=np.int64)
            if self.groups is not None and self.groups != len(b):
                raise InputError(f"groups={self.groups} but size lists {len(b)} ranges; "
                                 "give one range per group.")
        else:
            a, c = b
            g_min, g_max = math.ceil(n / c), n // a
            if self.groups is not None:
                g = self.groups
                if not g_min <= g <= g_max:
                    raise InputError(
                        f"size={self.size} with groups={g} cannot partition {n} people: "
                        f"{g} groups hold between {g * a} and {g * c}. "
                        f"Use between {g_min} and {g_max} groups, or change the sizes."
                    )
            else:
                if g_min > g_max:
                    raise InputError(
                        f"size={self.size} cannot partition {n} people: no number of groups of "
                        f"{a}-{c} adds up to {n}. Widen the size range."
                    )
                target = n / ((a + c) / 2)
                g = int(min(max(round(target), g_min), g_max))
            lo = np.full(g, a, dtype=np.int64)
            hi = np.full(g, c, dtype=np.int64)
        if lo.sum() > n or hi.sum() < n:
            raise InputError(
                f"The group sizes cannot partition {n} people: the groups hold between "
                f"{lo.sum()} and {hi.sum()}. Change size or the number of groups."
            )
        return lo, hi

    # -- the Mode protocol: each verb lives in its own module of this package ------------------
    def solve(self, roster: Roster, settings: SolveSettings) -> Grouping:
        from .solve import solve_peer

        return solve_peer(roster, self, settings)

    def rematch(self, previous, roster: Roster, request: RematchRequest,
                settings: SolveSettings) -> RematchedGrouping:
        from .rematch import rematch_peer

        return rematch_peer(previous, roster, self, request, settings)

    def score(self, roster: Roster, assignment) -> dict[str, int]:
        return self.problem(roster).score(roster, assignment)

    def check(self, roster: Roster, assignment) -> list[Violation]:
        return self.problem(roster).check(roster, assignment)

    def summary_lines(self, grouping: Grouping, *, show=(), needs: str | None = None,
                      limit: int = 0) -> list[str]:
        from .report import summary_lines

        return summary_lines(grouping, show=show, needs=needs, limit=limit)

    def evaluated(self, roster: Roster, table, record: dict) -> Grouping:
        from ...problem import as_assignment
        from ...result import Status
        from .report import make_grouping

        problem = self.problem(roster)
        a = as_assignment(roster, problem, table)
        return make_grouping(roster, self, problem, a, Status.FEASIBLE, None, 0.0, record)

    def violated_needs(self, grouping: Grouping) -> pd.DataFrame:
        from ...audit import violated_needs

        return violated_needs(grouping._roster, grouping._plan, grouping._array)

    def explain(self, grouping: Grouping, group: int, *,
                include_sensitive: bool = False) -> pd.DataFrame:
        from .explain import explain_group

        return explain_group(grouping, group, include_sensitive=include_sensitive)

    def explain_person(self, grouping: Grouping, person, *, alternatives: int = 3,
                       include_sensitive: bool = False) -> pd.DataFrame:
        from .explain import explain_person

        return explain_person(grouping, person, alternatives=alternatives,
                              include_sensitive=include_sensitive)
