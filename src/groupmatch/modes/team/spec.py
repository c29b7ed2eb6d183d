"""Team mentoring: an intact team kept whole, matched with mentors who cover its learning goals.

One CP-SAT model over (mentor, team) pairs: each served team gets ``mentors=(min, max)`` mentors
from outside the team and its reporting lines, within each mentor's capacity (teams). It
maximises the people mentored first, then the terms (``gm.GoalCoverage``,
``gm.MentorOutsideDepartment``, ``gm.DistinctSpecialities``, ``gm.BalanceLoad``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..._validation import check_range
from ...exceptions import InputError
from ...terms.base import Term, Violation
from ...terms.roles import RoleTerm
from ..roles.plan import RolePlan, memberships_from, nobody_lost
from ..roles.spec import RoleSpec
from .setup import TeamSetup

__all__ = ["TeamMentoring"]


@dataclass(frozen=True)
class TeamMentoring(RoleSpec):
    """Team mentoring: intact teams (never split) matched with mentors who cover their goals.

    Parameters
    ----------
    mentors : int or (min, max)
        Mentors per team.
    terms : list of Term
        ``gm.GoalCoverage``, ``gm.MentorOutsideDepartment``, ``gm.DistinctSpecialities``,
        ``gm.BalanceLoad``.
    capacity : (int, int)
        (teams, people) a mentor may take when the roster has no capacity columns; the roster's
        ``mentor_capacity_groups`` column is the number of teams a mentor may take.
    strict : bool
        When some team gets no mentors, return status INFEASIBLE (``raise_for_status()``
        raises :class:`gm.InfeasibleError`) instead of listing its members as unplaced with
        the reason.

    Mentors come from people who may mentor (role ``mentor`` or ``both``; anybody with
    expertise when there is no role column), never from the team itself nor from the reporting
    lines of its members.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.TeamMentoring(mentors=(1, 2), terms=[gm.GoalCoverage()]).kind
    'team'
    """

    mentors: int | tuple[int, int] = (1, 2)
    terms: Sequence[Term] = ()
    capacity: tuple[int, int] = (2, 20)
    strict: bool = False
    kind: ClassVar[str] = "team"
    member_role: ClassVar[str] = "member"
    leader_role: ClassVar[str] = "mentor"
    leaders_column: ClassVar[str] = "mentors"
    offers: ClassVar[frozenset[str]] = frozenset({"load", "picks", "goal", "expertise",
                                                  "members"})

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(self.terms))
        check_range("TeamMentoring(mentors=...)", self.mentors, minimum=1)
        object.__setattr__(self, "capacity",
                           check_range("TeamMentoring(capacity=...)", self.capacity, minimum=0))
        for t in self.terms:
            if not isinstance(t, RoleTerm):
                raise InputError(
                    f"TeamMentoring(terms=...) takes team terms (gm.GoalCoverage, "
                    f"gm.MentorOutsideDepartment, gm.DistinctSpecialities, gm.BalanceLoad); "
                    f"got {t!r}. Teams are kept whole, so member-mixing terms do not apply."
                )
        self.check_terms()

    @property
    def mentor_range(self) -> tuple[int, int]:
        """(min, max) mentors per team."""
        return check_range("TeamMentoring(mentors=...)", self.mentors, minimum=1)

    # -------------------------------------------------------------------------- the Mode protocol
    def solve(self, roster, settings):
        from .solve import solve_team

        return solve_team(roster, self, settings)

    def group_columns(self, roster, plan) -> dict[str, list]:
        names, codes = roster.team.categories, roster.team.codes
        return {"team": [names[codes[m[0]]] for m in plan.members]}

    def describe_group(self, row) -> str:
        return f"team {row.team}"

    def coverage(self, grouping, group: int) -> dict:
        from .explain import goal_coverage

        return goal_coverage(grouping, group)

    def explain_person(self, grouping, person, *, alternatives: int = 3,
                       include_sensitive: bool = False):
        from .explain import explain_person

        return explain_person(grouping, person, include_sensitive=include_sensitive)

    # -------------------------------------------------------------------------- score, check
    def plan_of(self, roster, assignment) -> RolePlan:
        table = memberships_from(roster, assignment)
        placed = table[table["group"].notna()]
        members, leaders = [], []
        for _, rows in placed.groupby("group", sort=True):
            members.append(rows.loc[rows["role"] == "member", "row"].to_numpy(np.int64))
            leaders.append(rows.loc[rows["role"] == "mentor", "row"].to_numpy(np.int64))
        return RolePlan(members, leaders), table

    def score(self, roster, assignment) -> dict[str, int]:
        plan, _ = self.plan_of(roster, assignment)
        return self.score_values(self.plan_values(roster, plan))

    def plan_values(self, roster, plan) -> dict:
        return {t.label: t.group_values(roster, plan, plan.n_groups) for t in self.terms}

    def check(self, roster, assignment) -> list[Violation]:
        plan, table = self.plan_of(roster, assignment)
        setup = TeamSetup.of(roster, self)
        ids = roster.ids
        out = nobody_lost(roster, table)
        n_teams, _ = plan.loads(roster.n)
        for g in range(plan.n_groups):
            mem, lead = plan.members[g], plan.leaders[g]
            teams = set(setup.team_of[mem].tolist())
            if len(teams) != 1:
                out.append(Violation("TeamWhole", (g,), tuple(mem.tolist()),
                                     f"group {g} mixes {len(teams)} teams"))
                continue
            k = teams.pop()
            if len(mem) != len(setup.members[k]):
                out.append(Violation("TeamWhole", (g,), tuple(mem.tolist()),
                                     f"team {roster.team.categories[k]} is split: {len(mem)} of "
                                     f"{len(setup.members[k])} members in group {g}"))
            if not setup.mmin <= len(lead) <= setup.mmax:
                out.append(Violation("Mentors", (g,), tuple(lead.tolist()),
                                     f"group {g} has {len(lead)} mentors; allowed "
                                     f"{setup.mmin}-{setup.mmax}"))
            blocked = setup.blocked(k)
            for f in lead.tolist():
                if not setup.may_lead[f] or f in blocked:
                    out.append(Violation("MentorOutsideTeam", (g,), (f,),
                                         f"{ids[f]} may not mentor team "
                                         f"{roster.team.categories[k]} (not a mentor, or in the "
                                         "team or its reporting lines)"))
        for f in np.flatnonzero(n_teams > setup.cap_groups).tolist():
            out.append(Violation("Capacity", (), (f,), f"{ids[f]} mentors {n_teams[f]} teams; "
                                 f"capacity {setup.cap_groups[f]}"))
        return out
