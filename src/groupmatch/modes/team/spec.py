"""Team mentoring: an intact team kept whole, matched with mentors who cover its learning goals.

One CP-SAT model over (mentor, team) pairs: each served team gets ``mentors=(min, max)`` mentors
from outside the team and its reporting lines, within each mentor's capacity (teams). It
maximises the people mentored first, then the terms (``gm.GoalCoverage``,
``gm.MentorOutsideDepartment``, ``gm.DistinctSpecialities``, ``gm.BalanceLoad``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from .._random import check_random_state
from .._validation import check_weight
from ..exceptions import InfeasibleError, InputError
from ..result import Status
from ..terms.base import Term, Violation
from .build import role_grouping
from .phases import solve_in_phases
from .roles import (
    RolePlan,
    RoleSpec,
    RoleTerm,
    capacities,
    check_range,
    memberships_from,
    nobody_lost,
    people_in_roles,
    reporting_lines,
    run_settings,
)

__all__ = ["TeamMentoring", "GoalCoverage", "MentorOutsideDepartment", "DistinctSpecialities"]

TEAM_CANDIDATES = 40  # mentors considered per team, best goal coverage first


def _topics(roster, name: str) -> np.ndarray:
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

    modes = ("team",)

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return "goal_coverage"

    def encode_roles(self, model, data):
        parts = []
        expertise, goal = data["expertise"], data["goal"]
        for k, w in data["pick_by_team"].items():
            for t in np.flatnonzero(goal[k]).tolist():
                lits = [v for f, v in w if expertise[f, t]]
                if not lits:
                    continue
                cov = model.new_bool_var(f"cov[{k},{t}]")
                model.add_max_equality(cov, lits)
                parts.append(int(goal[k, t]) * cov)
        return sum(parts) if parts else 0

    def plan_values(self, roster, plan, data):
        needs, expertise = _topics(roster, "needs"), _topics(roster, "expertise")
        out = np.zeros(plan.n_groups, dtype=np.int64)
        for g in range(plan.n_groups):
            goal = needs[plan.members[g]].sum(axis=0)
            have = expertise[plan.leaders[g]].any(axis=0)
            out[g] = int(goal[have].sum())
        return out

    def explain_plan(self, roster, plan, data, group):
        needs, expertise = _topics(roster, "needs"), _topics(roster, "expertise")
        goal = needs[plan.members[group]].sum(axis=0)
        have = expertise[plan.leaders[group]].any(axis=0)
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
    modes = ("team",)

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return f"mentor_outside[{self.column}]"

    def _codes(self, roster):
        roster.require(self.column, ("categorical",), self.label)
        return roster.categorical[self.column].codes

    def _home(self, codes, members) -> int:
        return int(np.bincount(codes[members]).argmax()) if len(members) else -1

    def encode_roles(self, model, data):
        codes = self._codes(data["roster"])
        parts = []
        for k, w in data["pick_by_team"].items():
            home = self._home(codes, data["members"][k])
            parts.extend(v for f, v in w if codes[f] == home)
        return -sum(parts) if parts else 0

    def plan_values(self, roster, plan, data):
        codes = self._codes(roster)
        return np.array([-int((codes[plan.leaders[g]] == self._home(codes, plan.members[g]))
                              .sum()) for g in range(plan.n_groups)], dtype=np.int64)

    def explain_plan(self, roster, plan, data, group):
        codes = self._codes(roster)
        cats = roster.categorical[self.column].categories
        home = self._home(codes, plan.members[group])
        return {"team_department": cats[home] if home >= 0 else None,
                "mentor_departments": [cats[c] for c in codes[plan.leaders[group]]]}


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

    modes = ("team",)

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return "distinct_specialities"

    def encode_roles(self, model, data):
        expertise = data["expertise"]
        parts = []
        for k, w in data["pick_by_team"].items():
            for t in range(expertise.shape[1]):
                lits = [v for f, v in w if expertise[f, t]]
                if len(lits) < 2:
                    continue
                extra = model.new_int_var(0, len(lits) - 1, f"shared[{k},{t}]")
                model.add_max_equality(extra, [0, sum(lits) - 1])
                parts.append(extra)
        return -sum(parts) if parts else 0

    def plan_values(self, roster, plan, data):
        expertise = _topics(roster, "expertise").astype(np.int64)
        return np.array([-int(np.maximum(expertise[plan.leaders[g]].sum(axis=0) - 1, 0).sum())
                         for g in range(plan.n_groups)], dtype=np.int64)


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
        Raise :class:`gm.InfeasibleError` when some team gets no mentors, instead of listing
        its members as unplaced with the reason.

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
    kind: str = field(default="team", init=False)

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(self.terms))
        check_range("TeamMentoring(mentors=...)", self.mentors, minimum=1)
        object.__setattr__(self, "capacity",
                           check_range("TeamMentoring(capacity=...)", self.capacity, minimum=0))
        for t in self.terms:
            if not isinstance(t, RoleTerm) or "team" not in t.modes:
                raise InputError(
                    f"TeamMentoring(terms=...) takes team terms (gm.GoalCoverage, "
                    f"gm.MentorOutsideDepartment, gm.DistinctSpecialities, gm.BalanceLoad); "
                    f"got {t!r}. Teams are kept whole, so member-mixing terms do not apply."
                )
        labels = [t.label for t in self.terms]
        if len(set(labels)) != len(labels):
            raise InputError("Each term may appear once in TeamMentoring(terms=...).")

    role_terms = property(lambda self: self.terms)

    # -------------------------------------------------------------------------- solve
    def solve(self, roster, *, time_limit, random_state, workers, deterministic, progress):
        t0 = time.perf_counter()
        seed, _ = check_random_state(random_state)
        setup = _TeamSetup.of(roster, self)
        short = setup.shortage()
        if self.strict and short:
            raise InfeasibleError(f"Not every team can be mentored: {short}.",
                                  conflicts=("Capacity",))
        plan, status = _team_model(roster, self, setup, time_limit=time_limit, seed=seed,
                                   workers=workers, deterministic=deterministic)
        settings = run_settings(time_limit, random_state, seed, workers, deterministic,
                                "team: CP-SAT over (mentor, team) pairs")
        if plan is None:
            return role_grouping(roster, self, "team", None, Status.NO_SOLUTION,
                                 time.perf_counter() - t0, settings, reasons={},
                                 message="No answer within the time limit; raise time_limit.")
        served = {int(setup.team_of[plan.members[g][0]]) for g in range(plan.n_groups)}
        reasons = {}
        for k, rows in enumerate(setup.members):
            if k not in served:
                why = setup.why_unserved(k, short)
                for i in rows.tolist():
                    reasons[i] = why
        if self.strict and reasons:
            raise InfeasibleError(f"{len({setup.team_of[i] for i in reasons})} teams get no "
                                  f"mentors: {next(iter(reasons.values()))}.",
                                  conflicts=("Capacity",))
        values = {t.label: t.plan_values(roster, plan, {}) for t in self.terms}
        names = roster.team.categories
        grouping = role_grouping(
            roster, self, "team", plan, status, time.perf_counter() - t0, settings,
            reasons=reasons, values=values, message=short,
            extra_columns={"team": [names[setup.team_of[m[0]]] for m in plan.members]})
        broken = self.check(roster, grouping)
        if broken:  # an internal consistency check, never user input
            raise AssertionError(f"team answer breaks {broken[:3]}; please report.")
        if progress is not None:
            progress({"event": "done", "objective": grouping.objective, "bound": None,
                      "elapsed": time.perf_counter() - t0})
        return grouping

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
        w = self.weight_of()
        out = {t.label: w[t.label] * int(t.plan_values(roster, plan, {}).sum())
               for t in self.terms}
        out["total"] = int(sum(out.values()))
        return out

    def check(self, roster, assignment) -> list[Violation]:
        plan, table = self.plan_of(roster, assignment)
        setup = _TeamSetup.of(roster, self)
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


@dataclass
class _TeamSetup:
    spec: TeamMentoring
    roster: object
    team_of: np.ndarray
    members: list[np.ndarray]
    may_lead: np.ndarray
    cap_groups: np.ndarray
    mmin: int
    mmax: int

    @classmethod
    def of(cls, roster, spec) -> _TeamSetup:
        if roster.team is None:
            raise InputError("Team mentoring needs a team column; the roster has none. Pass "
                             "Roster.from_frame(..., team='your_team_column').")
        _topics(roster, "expertise")
        codes = np.asarray(roster.team.codes, dtype=np.int64)
        members = [np.flatnonzero(codes == k) for k in range(len(roster.team.categories))]
        _, may_lead = people_in_roles(roster)
        cap_groups, _ = capacities(roster, spec.capacity)
        expertise = _topics(roster, "expertise")
        lead = may_lead & expertise.any(axis=1) & (cap_groups > 0)
        mmin, mmax = check_range("mentors", spec.mentors, minimum=1)
        for t in spec.terms:
            if isinstance(t, MentorOutsideDepartment):
                t._codes(roster)
        return cls(spec, roster, codes, members, lead, cap_groups, mmin, mmax)

    def blocked(self, k: int) -> set[int]:
        rows = self.members[k]
        lines = reporting_lines(self.roster, rows.tolist())
        return set().union(*lines.values()) if lines else set()

    def shortage(self) -> str:
        teams = sum(1 for m in self.members if len(m))
        seats = int(self.cap_groups[self.may_lead].sum())
        if seats >= teams * self.mmin:
            return ""
        return (f"{teams} teams need at least {self.mmin} mentor{'s' if self.mmin > 1 else ''} "
                f"each; the {int(self.may_lead.sum())} mentors can take {seats} teams in total")

    def why_unserved(self, k: int, short: str) -> str:
        name = self.roster.team.categories[k]
        free = self.may_lead.copy()
        free[list(self.blocked(k))] = False
        if free.sum() < self.mmin:
            return (f"team {name}: only {int(free.sum())} mentors are outside the team and its "
                    f"reporting lines; it needs {self.mmin}")
        return f"team {name}: {short or 'mentor capacity is used by other teams'}"


def _team_model(roster, spec, setup: _TeamSetup, *, time_limit, seed, workers, deterministic):
    """(mentor, team) assignment: people mentored first, then the weighted terms."""
    needs, expertise = _topics(roster, "needs"), _topics(roster, "expertise")
    m = cp_model.CpModel()
    leaders = np.flatnonzero(setup.may_lead)
    goal = np.zeros((len(setup.members), needs.shape[1]), dtype=np.int64)
    pick_by_team: dict[int, list] = {}
    served = []
    for k, rows in enumerate(setup.members):
        if not len(rows):
            continue
        goal[k] = needs[rows].sum(axis=0)
        blocked = setup.blocked(k)
        free = [f for f in leaders.tolist() if f not in blocked]
        covering = [f for f in free if (expertise[f] & (goal[k] > 0)).any()]
        # Candidates: mentors covering a goal; everybody free when too few cover any.
        cands = covering if len(covering) >= setup.mmax else free
        # the best-covering few keep the model small at scale (ties: capacity, then row)
        cands = sorted(cands, key=lambda f: (-int(goal[k][expertise[f]].sum()),
                                             -int(setup.cap_groups[f]), f))[:TEAM_CANDIDATES]
        w = [(f, m.new_bool_var(f"mentor[{f},{k}]")) for f in cands]
        for _, v in w:
            m.add_hint(v, 0)  # nobody mentored is valid: CP-SAT starts from there
        s = m.new_bool_var(f"served[{k}]")
        m.add(sum(v for _, v in w) >= setup.mmin * s)
        m.add(sum(v for _, v in w) <= setup.mmax * s)
        pick_by_team[k] = w
        served.append((k, s))
    by_mentor: dict[int, list] = {}
    for k, w in pick_by_team.items():
        for f, v in w:
            by_mentor.setdefault(f, []).append((k, v))
    load_of, load_cap = {}, {}
    for f, lst in by_mentor.items():
        m.add(sum(v for _, v in lst) <= int(setup.cap_groups[f]))
        sizes = sorted((len(setup.members[k]) for k, _ in lst), reverse=True)
        cap = int(sum(sizes[: int(setup.cap_groups[f])]))
        load = m.new_int_var(0, cap, f"load[{f}]")
        m.add(load == sum(len(setup.members[k]) * v for k, v in lst))
        load_of[f], load_cap[f] = load, cap
    people = sum(len(setup.members[k]) * s for k, s in served)
    data = {"pick_by_team": pick_by_team, "expertise": expertise, "goal": goal,
            "members": setup.members, "roster": roster, "load": load_of, "load_cap": load_cap}
    weights = spec.weight_of()
    parts = [weights[t.label] * t.encode_roles(m, data) for t in spec.terms]
    picks = [v for w in pick_by_team.values() for _, v in w]
    out = solve_in_phases(m, [("max", people), ("max", sum(parts) if parts else 0)], picks,
                          time_limit=time_limit, shares=(0.4, 0.55), retries=(3, 1), seed=seed,
                          workers=workers, deterministic=deterministic)
    if out.solver is None:
        return None, Status.NO_SOLUTION
    value = out.value
    members, leads = [], []
    for k, w in pick_by_team.items():
        chosen = [f for f, v in w if value(v)]
        if chosen:
            members.append(setup.members[k])
            leads.append(np.array(sorted(chosen), dtype=np.int64))
    plan = RolePlan(members, leads)
    for t, expr in zip(spec.terms, parts, strict=True):
        # an internal consistency check: each term's numpy scorer == its CP-SAT expression
        numpy_value = weights[t.label] * int(t.plan_values(roster, plan, {}).sum())
        if numpy_value != value(expr):
            raise AssertionError(f"{t.label}: numpy {numpy_value} != CP-SAT {value(expr)}; "
                                 "please report.")
    return plan, Status.OPTIMAL if out.optimal else Status.FEASIBLE

