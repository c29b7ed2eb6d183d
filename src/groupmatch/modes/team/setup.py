"""Team mentoring resolved against a roster: teams, eligible mentors, capacities, shortages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...exceptions import InputError
from ..roles.plan import capacities, people_in_roles, reporting_lines
from .terms import topic_matrix

__all__ = ["TeamSetup"]


@dataclass
class TeamSetup:
    spec: object  # the TeamMentoring it resolves
    roster: object
    team_of: np.ndarray
    members: list[np.ndarray]
    may_lead: np.ndarray
    cap_groups: np.ndarray
    mmin: int
    mmax: int
    _blocked: dict[int, set[int]] = field(default_factory=dict, repr=False)  # team -> rows

    @classmethod
    def of(cls, roster, spec) -> TeamSetup:
        if roster.team is None:
            raise InputError("Team mentoring needs a team column; the roster has none. Pass "
                             "Roster.from_frame(..., team='your_team_column').")
        topic_matrix(roster, "expertise")
        codes = np.asarray(roster.team.codes, dtype=np.int64)
        members = [np.flatnonzero(codes == k) for k in range(len(roster.team.categories))]
        _, may_lead = people_in_roles(roster)
        cap_groups, _ = capacities(roster, spec.capacity)
        expertise = topic_matrix(roster, "expertise")
        lead = may_lead & expertise.any(axis=1) & (cap_groups > 0)
        mmin, mmax = spec.mentor_range
        for t in spec.terms:
            t.validate(roster, 0)
        return cls(spec, roster, codes, members, lead, cap_groups, mmin, mmax)

    def blocked(self, k: int) -> set[int]:
        """The team's members and everybody in their reporting lines (cached)."""
        if k not in self._blocked:
            lines = reporting_lines(self.roster, self.members[k].tolist())
            self._blocked[k] = set().union(*lines.values()) if lines else set()
        return self._blocked[k]

    def eligible(self, k: int) -> np.ndarray:
        """Mentors who may mentor team k (outside it and its reporting lines), by row."""
        free = self.may_lead.copy()
        free[list(self.blocked(k))] = False
        return np.flatnonzero(free)

    def participation_bound(self) -> int:
        """An upper bound on team members mentored: the largest teams first while the mentors'
        team places last (an LP relaxation: places pooled, reporting lines only per team, the
        last team counted in part), so no answer can mentor more."""
        seats = int(self.cap_groups[self.may_lead].sum())
        sizes = sorted((len(rows) for k, rows in enumerate(self.members)
                        if len(rows) and len(self.eligible(k)) >= self.mmin), reverse=True)
        total, room = 0, seats
        for size in sizes:
            take = min(self.mmin, room)
            total += size * take / self.mmin
            room -= take
            if not room:
                break
        return int(total)

    def shortage(self) -> str:
        teams = sum(1 for m in self.members if len(m))
        seats = int(self.cap_groups[self.may_lead].sum())
        if seats >= teams * self.mmin:
            return ""
        return (f"{teams} teams need at least {self.mmin} mentor{'s' if self.mmin > 1 else ''} "
                f"each; the {int(self.may_lead.sum())} mentors can take {seats} teams in total")

    def why_unserved(self, k: int, short: str, taken: np.ndarray) -> str:
        """The cause, from the answer's loads (``taken``: teams per mentor row)."""
        name = self.roster.team.categories[k]
        free = self.eligible(k)
        if len(free) < self.mmin:
            return (f"team {name}: only {len(free)} mentors are outside the team and its "
                    f"reporting lines; it needs {self.mmin}")
        room = free[taken[free] < self.cap_groups[free]]
        if len(room) >= self.mmin:
            return (f"the time limit ended before team {name} was mentored; {len(room)} "
                    "eligible mentors had room")
        full = (f"{len(free)} eligible mentors, {len(room)} with room left "
                f"(it needs {self.mmin})")
        return f"team {name}: {short + '; ' if short else ''}{full}"
