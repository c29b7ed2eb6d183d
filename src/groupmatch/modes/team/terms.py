"""Team mentoring's role terms: goal coverage, mentors from outside the team's department,
distinct specialities. Each encodes itself into the team model through a RoleContext and scores
a team plan with numpy in the same integers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validation import check_weight
from ...exceptions import InputError
from ...terms.roles import RoleTerm

__all__ = ["GoalCoverage", "MentorOutsideDepartment", "DistinctSpecialities", "topic_matrix"]


def topic_matrix(roster, name: str) -> np.ndarray:
    if name not in roster.multi:
        raise InputError(f"Team mentoring needs a {name!r} column (topics as lists or "
                         "';'-separated strings); the roster has none.")
    return np.asarray(roster.multi[name].matrix, dtype=bool)


@dataclass(frozen=True)
class GoalCoverage(RoleTerm):
    """Reward mentors whose expertise covers the team's learning goals.

    Value of a team: ``Σ_t need_t · covered_t`` over topics, with ``need_t`` the number of
    members who need topic t and ``covered_t`` 1 when at least one of its mentors has it.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.GoalCoverage(weight=3).label
    'goal_coverage'
    """

    context = frozenset({"picks", "goal", "expertise", "members"})

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return "goal_coverage"

    def encode(self, ctx):
        parts = []
        expertise, goal, model = ctx.expertise, ctx.goal, ctx.model
        for k, w in ctx.picks.items():
            for t in np.flatnonzero(goal[k]).tolist():
                lits = [v for f, v in w if expertise[f, t]]
                if not lits:
                    continue
                cov = model.new_bool_var(f"cov[{k},{t}]")
                model.add_max_equality(cov, lits)
                parts.append(int(goal[k, t]) * cov)
        return sum(parts) if parts else 0

    def group_values(self, roster, assignment, n_groups):
        needs, expertise = topic_matrix(roster, "needs"), topic_matrix(roster, "expertise")
        out = np.zeros(assignment.n_groups, dtype=np.int64)
        for g in range(assignment.n_groups):
            goal = needs[assignment.members[g]].sum(axis=0)
            have = expertise[assignment.leaders[g]].any(axis=0)
            out[g] = int(goal[have].sum())
        return out

    def explain(self, roster, assignment, group):
        needs, expertise = topic_matrix(roster, "needs"), topic_matrix(roster, "expertise")
        goal = needs[assignment.members[group]].sum(axis=0)
        have = expertise[assignment.leaders[group]].any(axis=0)
        vocab = roster.topics
        return {"covered": {vocab[t]: int(goal[t]) for t in np.flatnonzero((goal > 0) & have)},
                "missing": {vocab[t]: int(goal[t]) for t in np.flatnonzero((goal > 0) & ~have)}}


@dataclass(frozen=True)
class MentorOutsideDepartment(RoleTerm):
    """Prefer mentors from another department than the team's (its most common department).

    Value: minus the number of mentors who come from their team's department.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.MentorOutsideDepartment().label
    'mentor_outside[department]'
    """

    column: str = "department"
    context = frozenset({"picks", "goal", "expertise", "members"})

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return f"mentor_outside[{self.column}]"

    def validate(self, roster, n_groups: int) -> None:
        self._codes(roster)

    def _codes(self, roster):
        roster.require(self.column, ("categorical",), self.label)
        return roster.categorical[self.column].codes

    def _home(self, codes, members) -> int:
        return int(np.bincount(codes[members]).argmax()) if len(members) else -1

    def encode(self, ctx):
        codes = self._codes(ctx.roster)
        parts = []
        for k, w in ctx.picks.items():
            home = self._home(codes, ctx.members[k])
            parts.extend(v for f, v in w if codes[f] == home)
        return -sum(parts) if parts else 0

    def group_values(self, roster, assignment, n_groups):
        codes = self._codes(roster)
        plan = assignment
        return np.array([-int((codes[plan.leaders[g]] == self._home(codes, plan.members[g]))
                              .sum()) for g in range(plan.n_groups)], dtype=np.int64)

    def explain(self, roster, assignment, group):
        codes = self._codes(roster)
        cats = roster.categorical[self.column].categories
        home = self._home(codes, assignment.members[group])
        return {"team_department": cats[home] if home >= 0 else None,
                "mentor_departments": [cats[c] for c in codes[assignment.leaders[group]]]}


@dataclass(frozen=True)
class DistinctSpecialities(RoleTerm):
    """With two or more mentors, prefer mentors whose expertise differs.

    Value of a team: minus ``Σ_t max(0, m_t - 1)``, with ``m_t`` its mentors with topic t in
    their expertise (0 when no topic is shared).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.DistinctSpecialities().label
    'distinct_specialities'
    """

    context = frozenset({"picks", "goal", "expertise", "members"})

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return "distinct_specialities"

    def encode(self, ctx):
        expertise, model = ctx.expertise, ctx.model
        parts = []
        for k, w in ctx.picks.items():
            for t in range(expertise.shape[1]):
                lits = [v for f, v in w if expertise[f, t]]
                if len(lits) < 2:
                    continue
                extra = model.new_int_var(0, len(lits) - 1, f"shared[{k},{t}]")
                model.add_max_equality(extra, [0, sum(lits) - 1])
                parts.append(extra)
        return -sum(parts) if parts else 0

    def group_values(self, roster, assignment, n_groups):
        expertise = topic_matrix(roster, "expertise").astype(np.int64)
        return np.array([-int(np.maximum(expertise[assignment.leaders[g]].sum(axis=0) - 1, 0).sum())
                         for g in range(assignment.n_groups)], dtype=np.int64)
