"""Team mentoring's solve: one CP-SAT model over (mentor, team) pairs."""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from ...exceptions import InfeasibleError
from ...result import Status
from ...terms.roles import RoleContext
from ..roles.grouping import checked_role_grouping, role_grouping
from ..roles.phases import solve_in_phases
from ..roles.plan import RolePlan
from .setup import TeamSetup
from .terms import topic_matrix

__all__ = ["solve_team", "team_model"]

TEAM_CANDIDATES = 40  # mentors considered per team, best goal coverage first


def solve_team(roster, spec, settings):
    """Mentors for intact teams: people mentored first, then the terms (one CP-SAT model)."""
    t0 = time.perf_counter()
    setup = TeamSetup.of(roster, spec)
    short = setup.shortage()
    if spec.strict and short:
        raise InfeasibleError(f"Not every team can be mentored: {short}.",
                              conflicts=("Capacity",))
    plan, status = team_model(roster, spec, setup, settings)
    record = settings.record(method="team: CP-SAT over (mentor, team) pairs")
    if plan is None:
        return role_grouping(roster, spec, None, Status.NO_SOLUTION,
                             time.perf_counter() - t0, record, reasons={},
                             message="No answer within the time limit; raise time_limit.")
    served = {int(setup.team_of[plan.members[g][0]]) for g in range(plan.n_groups)}
    reasons = {}
    for k, rows in enumerate(setup.members):
        if k not in served:
            why = setup.why_unserved(k, short)
            for i in rows.tolist():
                reasons[i] = why
    if spec.strict and reasons:
        raise InfeasibleError(f"{len({setup.team_of[i] for i in reasons})} teams get no "
                              f"mentors: {next(iter(reasons.values()))}.",
                              conflicts=("Capacity",))
    values = {t.label: t.group_values(roster, plan, plan.n_groups) for t in spec.terms}
    return checked_role_grouping(roster, spec, plan, status, t0, settings, record,
                                 reasons=reasons, values=values, message=short)


def team_model(roster, spec, setup: TeamSetup, settings):
    """(mentor, team) assignment: people mentored first, then the weighted terms."""
    needs, expertise = topic_matrix(roster, "needs"), topic_matrix(roster, "expertise")
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
    ctx = RoleContext(m, roster, load=load_of, load_cap=load_cap, picks=pick_by_team,
                      goal=goal, members=setup.members, expertise=expertise)
    weights = spec.weight_of()
    parts = [weights[t.label] * t.encode(ctx) for t in spec.terms]
    picks = [v for w in pick_by_team.values() for _, v in w]
    out = solve_in_phases(m, [("max", people), ("max", sum(parts) if parts else 0)], picks,
                          settings=settings, shares=(0.4, 0.55), retries=(3, 1))
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
        numpy_value = weights[t.label] * int(t.group_values(roster, plan, plan.n_groups).sum())
        if numpy_value != value(expr):
            raise AssertionError(f"{t.label}: numpy {numpy_value} != CP-SAT {value(expr)}; "
                                 "please report.")
    return plan, Status.OPTIMAL if out.optimal else Status.FEASIBLE
