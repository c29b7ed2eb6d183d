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

TEAM_CANDIDATES = 40  # mentors considered per team, best goal coverage first...
MODEL_PAIRS = 60_000  # ...fewer (down to MIN_CANDIDATES) so the model stays this small
MIN_CANDIDATES = 12
RESERVE_SHARE, RESERVE_MAX_SECONDS = 0.15, 10.0  # kept for the finish and the final check
TEAM_DTIME_PER_SECOND = 0.12  # CP-SAT deterministic time per CPU second on this model (measured)


def solve_team(roster, spec, settings):
    """Mentors for intact teams: a greedy start, then people mentored first and the terms
    (one CP-SAT model, held at least at the start), then a greedy finish."""
    t0 = time.perf_counter()
    setup = TeamSetup.of(roster, spec)
    short = setup.shortage()
    if spec.strict and short:
        raise InfeasibleError(f"Not every team can be mentored: {short}.",
                              conflicts=("Capacity",))
    needs, expertise = topic_matrix(roster, "needs"), topic_matrix(roster, "expertise")
    goal, cands = candidates(setup, needs, expertise)
    start = greedy_teams(setup, cands, {})
    bound = setup.participation_bound()
    spent = time.perf_counter() - t0
    settings.emit("construct", None, elapsed=spent)
    reserve = min(RESERVE_SHARE * settings.time_limit, RESERVE_MAX_SECONDS)
    left = settings.time_limit - reserve - (0.0 if settings.deterministic else spent)
    at_bound = sum(len(setup.members[k]) for k in start) >= bound
    chosen, status = team_model(roster, spec, setup, settings.with_time(max(left, 0.5)), goal,
                                cands, expertise, start, at_bound=at_bound)
    if chosen is None:
        chosen, status = start, Status.FEASIBLE
    record = settings.record(method="team: greedy start + CP-SAT over (mentor, team) pairs")
    stages = {"start": spent, "model": time.perf_counter() - t0 - spent}
    waiting = {k: setup.eligible(k).tolist() for k in cands if k not in chosen}
    finished = greedy_teams(setup, waiting, chosen)
    if len(finished) > len(chosen):
        status = Status.FEASIBLE
    chosen = finished
    plan = RolePlan([setup.members[k] for k in sorted(chosen)],
                    [np.array(sorted(chosen[k]), dtype=np.int64) for k in sorted(chosen)])
    taken, _ = plan.loads(roster.n)
    reasons = {}
    for k, rows in enumerate(setup.members):
        if len(rows) and k not in chosen:
            why = setup.why_unserved(k, short, taken)
            for i in rows.tolist():
                reasons[i] = why
    if spec.strict and reasons:
        raise InfeasibleError(f"{len({setup.team_of[i] for i in reasons})} teams get no "
                              f"mentors: {next(iter(reasons.values()))}.",
                              conflicts=("Capacity",))
    eligible = sum(len(rows) for rows in setup.members)
    placed = sum(len(rows) for rows in plan.members)
    stages["finish"] = time.perf_counter() - t0 - sum(stages.values())
    record["stage_seconds"] = {k: round(v, 2) for k, v in stages.items()}
    participation = {"placed": placed, "eligible": eligible, "bound": bound,
                     "gap": round((bound - placed) / max(bound, 1), 4)}
    record["participation"] = participation
    values = spec.plan_values(roster, plan)
    if not plan.n_groups and eligible:
        why = short or next(iter(reasons.values()), "no mentor is eligible")
        return role_grouping(roster, spec, plan, Status.NO_SOLUTION, time.perf_counter() - t0,
                             record, reasons=reasons, message=f"No team could be mentored: "
                             f"{why}.", participation=participation)
    return checked_role_grouping(roster, spec, plan, status, t0, settings, record,
                                 reasons=reasons, values=values, message=short,
                                 participation=participation)


def candidates(setup: TeamSetup, needs, expertise):
    """Per team: its goals (members per topic) and the mentors the model may pick, the best
    goal coverage first (ties: capacity, then row), at most ``TEAM_CANDIDATES``."""
    goal = np.zeros((len(setup.members), needs.shape[1]), dtype=np.int64)
    cands: dict[int, list[int]] = {}
    teams = sum(1 for rows in setup.members if len(rows))
    keep = max(MIN_CANDIDATES, min(TEAM_CANDIDATES, MODEL_PAIRS // max(teams, 1)))
    for k, rows in enumerate(setup.members):
        if not len(rows):
            continue
        goal[k] = needs[rows].sum(axis=0)
        free = setup.eligible(k)
        cover = expertise[free].astype(np.int64) @ goal[k]
        covering = free[cover > 0]
        # mentors covering a goal; everybody eligible when too few cover any
        pool, score = (covering, cover[cover > 0]) if len(covering) >= setup.mmax \
            else (free, cover)
        order = np.lexsort((pool, -setup.cap_groups[pool], -score))[:keep]
        cands[k] = pool[order].tolist()
    return goal, cands


def greedy_teams(setup: TeamSetup, cands, chosen) -> dict[int, list[int]]:
    """Serve more teams on the places left: the largest unserved team first, each taking the
    first ``mmin`` of its candidates with room. ``chosen`` (team -> mentors) is kept."""
    out = {k: list(v) for k, v in chosen.items()}
    taken = np.zeros(len(setup.may_lead), dtype=np.int64)
    for mentors in out.values():
        taken[mentors] += 1
    for k in sorted(cands, key=lambda k: (-len(setup.members[k]), k)):
        if k in out:
            continue
        room = [f for f in cands[k] if taken[f] < setup.cap_groups[f]][:setup.mmin]
        if len(room) == setup.mmin:
            out[k] = room
            taken[room] += 1
    return out


def team_model(roster, spec, setup: TeamSetup, settings, goal, cands, expertise, start, *,
               at_bound: bool = False):
    """(mentor, team) assignment: people mentored first, then the weighted terms; hinted with
    and held at least at ``start`` (team -> mentors). ``at_bound``: the start already mentors
    as many as the bound allows, so only the terms are optimised. Returns (team -> mentors,
    status), or (None, NO_SOLUTION) when the model returns nothing in its time."""
    t0 = time.perf_counter()
    m = cp_model.CpModel()
    pick_by_team: dict[int, list] = {}
    served = []
    for k, cand in cands.items():
        w = [(f, m.new_bool_var(f"mentor[{f},{k}]")) for f in cand]
        mine = set(start.get(k, ()))
        for f, v in w:
            m.add_hint(v, int(f in mine))
        s = m.new_bool_var(f"served[{k}]")
        m.add_hint(s, int(k in start))
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
    m.add(people >= sum(len(setup.members[k]) for k in start))  # never worse than the start
    ctx = RoleContext(m, roster, load=load_of, load_cap=load_cap, picks=pick_by_team,
                      goal=goal, members=setup.members, expertise=expertise)
    weights = spec.weight_of()
    parts = [weights[t.label] * t.encode(ctx) for t in spec.terms]
    picks = [v for w in pick_by_team.values() for _, v in w]
    steps = [("max", 0 if at_bound else people), ("max", sum(parts) if parts else 0)]
    if not settings.deterministic:  # building the model took part of the time
        settings = settings.with_time(max(settings.time_limit - (time.perf_counter() - t0), 0.5))
    out = solve_in_phases(m, steps, picks, settings=settings,
                          shares=(0.0, 1.0) if at_bound else (0.45, 0.55), retries=(1, 1),
                          dtime_per_second=TEAM_DTIME_PER_SECOND)
    if out.solver is None:
        return None, Status.NO_SOLUTION
    value = out.value
    chosen = {k: [f for f, v in w if value(v)] for k, w in pick_by_team.items()}
    chosen = {k: v for k, v in chosen.items() if v}
    plan = RolePlan([setup.members[k] for k in sorted(chosen)],
                    [np.array(sorted(chosen[k]), dtype=np.int64) for k in sorted(chosen)])
    for t, expr in zip(spec.terms, parts, strict=True):
        # an internal consistency check: each term's numpy scorer == its CP-SAT expression
        numpy_value = weights[t.label] * int(t.group_values(roster, plan, plan.n_groups).sum())
        if numpy_value != value(expr):
            raise AssertionError(f"{t.label}: numpy {numpy_value} != CP-SAT {value(expr)}; "
                                 "please report.")
    return chosen, Status.OPTIMAL if out.optimal else Status.FEASIBLE
