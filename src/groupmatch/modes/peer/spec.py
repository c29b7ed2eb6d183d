"""Peer groups: self-managed groups, everybody placed, sizes within bounds, terms optimised."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..._validation import check_bool, check_int, check_range
from ...exceptions import InputError
from ...problem import Problem, make_problem
from ...roster import check_roster
from ...terms.base import Term
from ...terms.preferences import ChoiceTerm
from ...terms.roles import RoleTerm
from ..base import Mode, RematchRequest

if TYPE_CHECKING:
    import pandas as pd

    from ...result import Grouping, RematchedGrouping
    from ...roster import Roster
    from ...settings import SolveSettings
    from ...terms.base import Violation

__all__ = ["PeerGroups"]


def _count_near_middle(n: int, a: int, c: int, g_min: int, g_max: int) -> int:
    """The number of groups k in ``[g_min, g_max]`` whose mean size ``n / k`` is closest to the
    middle of ``[a, c]``; ties go to fewer groups.

    Examples
    --------
    >>> _count_near_middle(1010, 4, 6, 169, 252), _count_near_middle(4, 2, 4, 1, 2)
    (202, 1)
    """
    if g_max < 1:
        return g_max
    middle = (a + c) / 2
    best = math.floor(n / middle)  # |n/k - middle| falls, then rises: the best k is next to it
    near = {min(max(k, g_min), g_max) for k in (best - 1, best, best + 1, best + 2)}
    return min(near, key=lambda k: (abs(n / k - middle), k))


SizeArg = int | tuple[int, int] | Sequence[tuple[int, int]]


@dataclass(frozen=True)
class PeerGroups(Mode):
    """Self-managed peer groups: everybody placed, sizes within bounds, terms optimised.

    Parameters
    ----------
    size : int, (min, max) or list of (min, max)
        Group size: exact, a range for every group, or one range per group (this also fixes the
        number of groups; such ranges are kept as given, whatever ``even`` says).
    terms : list of Term
        Objectives and rules, e.g. ``[gm.Diversity("department"), gm.NotWithManager()]``.
    groups : int, optional
        Number of groups ``k``. By default the count whose mean size ``n / k`` is closest to
        the middle of the range, among the counts that can hold everybody (ties: fewer groups).
    even : bool, default True
        The solver makes sizes as equal as the range allows: with ``k`` groups every group
        has ``⌊n/k⌋`` or ``⌈n/k⌉`` members (1,010 people in ``size=(4, 6)``: 202 groups of
        5). When the hard rules prove that impossible, it widens the sizes one step at a time
        towards the range (:meth:`solve_bounds`); ``settings["sizes"]`` of the result names
        the sizes used, and its status and bound refer to groupings of those sizes. The range
        stays the rule: :func:`groupmatch.check` and :func:`groupmatch.score` accept any size
        in it, and :func:`groupmatch.rematch` keeps sizes within it with the fewest moves.
        ``even=False`` lets the solver use the whole range; pair-counting objectives then
        favour extreme sizes (bigger groups hold more pairs), e.g. 101 groups of 4 and 101 of
        6.
    balance : bool, default False
        Weigh objectives so each counts equally relative to its own range: term k's weight
        becomes ``weight / (bound - random)``, where ``bound`` is the term's upper bound and
        ``random`` the expected value of a random grouping with the same sizes
        (:mod:`groupmatch.terms.baseline`). Going from a random grouping to the bound is then
        worth ``weight`` for every term, whatever its units; the objective reads in these
        ranges. Terms without a known range keep their weight.

    Examples
    --------
    >>> import groupmatch as gm
    >>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")])
    >>> spec.resolve(1010).n_groups
    202
    >>> lo, hi = spec.solve_bounds(1010)[0]  # what the solver tries first: 202 groups of 5
    >>> sorted(set(lo.tolist()) | set(hi.tolist()))
    [5]
    >>> lo, hi = gm.PeerGroups(size=(4, 6)).solve_bounds(23)[0]  # mean 4.6 beats 5.75
    >>> lo.tolist(), hi.tolist()
    ([4, 4, 4, 4, 4], [5, 5, 5, 5, 5])
    """

    size: SizeArg = (4, 6)
    terms: Sequence[Term] = ()
    groups: int | None = None
    even: bool = True
    balance: bool = False
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
            if isinstance(t, ChoiceTerm):
                raise InputError(
                    f"{t.label} ranks the {t.chooses}s of facilitated groups, which peer groups "
                    "do not have; use it with gm.FacilitatedGroups.")
        labels = [t.label for t in self.terms]
        dup = {lab for lab in labels if labels.count(lab) > 1}
        if dup:
            raise InputError(f"Terms {sorted(dup)} appear twice; give each term once.")
        self._bounds_list()  # validate shape early
        if self.groups is not None:
            check_int("PeerGroups(groups=...)", self.groups, minimum=1)
        check_bool("PeerGroups(even=...)", self.even)
        check_bool("PeerGroups(balance=...)", self.balance)

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
        return make_problem(*self._group_bounds(roster.n), self.terms, roster,
                            balance=self.balance)

    def solve_bounds(self, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The size bounds the solver tries for ``n`` people, most even first.

        With ``even=True`` and one range for every group: ``⌊n/k⌋``-``⌈n/k⌉``, then one more
        on each side at a time (within the range) while the hard rules prove impossible,
        ending at the range itself. Otherwise just the range (or the ranges per group).

        Examples
        --------
        >>> import groupmatch as gm
        >>> [(int(lo[0]), int(hi[0])) for lo, hi in gm.PeerGroups(size=(3, 7)).solve_bounds(50)]
        [(5, 5), (4, 6), (3, 7)]
        >>> len(gm.PeerGroups(size=(3, 7), even=False).solve_bounds(50))
        1
        """
        lo, hi = self._group_bounds(n)
        if not self.even or isinstance(self._bounds_list(), list) or not len(lo):
            return [(lo, hi)]
        k, a, c = len(lo), int(lo[0]), int(hi[0])
        steps = []
        for widen in range(c - a + 1):  # k*a <= n <= k*c: floor(n/k), ceil(n/k) lie in [a, c]
            step_lo, step_hi = max(a, n // k - widen), min(c, -(-n // k) + widen)
            steps.append((np.full(k, step_lo, dtype=np.int64),
                          np.full(k, step_hi, dtype=np.int64)))
            if (step_lo, step_hi) == (a, c):
                break
        return steps

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
                g = _count_near_middle(n, a, c, g_min, g_max)
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
