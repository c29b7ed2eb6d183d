"""The facilitated-groups solve: counting checks -> plan model -> mentees per topic -> Grouping.

See :mod:`groupmatch.modes.facilitated.spec` for the stages and why they are split this way.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from ...engine.cpsat import new_solver
from ...exceptions import InfeasibleError
from ...result import Status
from ..roles.grouping import checked_role_grouping, role_grouping
from ..roles.plan import RolePlan, reporting_lines
from .construct import construct_groups, participation_bound, to_plan
from .finish import finish
from .plan import Plan, plan_model
from .reasons import TIME_LIMIT, left_out_reasons
from .scoring import mentee_values, role_values
from .split import split_topic

__all__ = ["solve_facilitated"]

PLAN_SHARE = 0.35  # of the time limit for the plan model; the rest splits over topics
PLAN_SHARE_AT_BOUND = 0.2  # when the construction already places everybody it can
RESERVE_SHARE, RESERVE_MAX_SECONDS = 0.12, 8.0  # kept after the topic splits (final checks)
PLAN_MIN_SECONDS = 1.0  # the plan model's floor: participation is decided there
BUILD_SECONDS_PER_VAR, PLAN_BUILD_SHARE = 6e-5, 0.25  # plan model skipped when its build
# alone would take more than this share of the time left (measured: about 2.5 s at 10,000)



def solve_time_split(time_limit: float, sizes: dict[int, int]) -> dict[int, float]:
    """Seconds per topic, proportional to its mentees (at least a small floor)."""
    total = max(sum(sizes.values()), 1)
    return {t: max(time_limit * n / total, 0.05) for t, n in sizes.items()}


def solve_facilitated(roster, spec, settings):
    t0 = time.perf_counter()
    time_limit, deterministic = settings.time_limit, settings.deterministic
    s = spec.setting(roster)
    short = s.shortages(roster)
    mentees = np.flatnonzero(s.mentee)
    bound = participation_bound(s)
    if spec.strict:
        _raise_if_short(roster, s, short, bound)
    lines = reporting_lines(roster, mentees.tolist())
    # 1. a valid plan with no search (anytime start), 2. the plan model improves on it
    opened, starts = construct_groups(s, lines)
    start = to_plan(s, opened, starts, lines)
    stages = {"construct": time.perf_counter() - t0}
    settings.emit("construct", None, elapsed=stages["construct"])
    spent = 0.0 if deterministic else stages["construct"]
    share = PLAN_SHARE_AT_BOUND if len(start.topics_of) >= bound else PLAN_SHARE
    plan_limit = max((time_limit - spent) * share, min(time_limit, PLAN_MIN_SECONDS))
    # building the plan model costs about BUILD_SECONDS_PER_VAR per variable: when that eats
    # too much of a short limit, the construction stands (the finish still places more)
    variables = int(s.needs[s.mentee].sum()) + 2 * int(s.expertise[s.leader].sum())
    ran_plan = BUILD_SECONDS_PER_VAR * variables <= PLAN_BUILD_SHARE * (time_limit - spent)
    searched = None
    if ran_plan:
        searched = plan_model(roster, spec, s, settings.stage(plan_limit),
                              start=(opened, starts), lines=lines)
    plan = _better(searched, start)
    record = settings.record(method="facilitated: construction + plan model + peer engine "
                                    "per topic", plan=plan.status)
    settings.emit("plan", None, elapsed=time.perf_counter() - t0)
    members = [np.zeros(0, dtype=np.int64) for _ in plan.topic]
    stages["plan"] = time.perf_counter() - t0 - stages["construct"]
    sizes = {t: sum(plan.size[g] for g, tt in enumerate(plan.topic) if tt == t)
             for t in set(plan.topic)}
    # the time left is shared again before each topic (earlier ones may finish early or
    # overrun), keeping a reserve for co-facilitators, late placements and the final check
    reserve = min(RESERVE_SHARE * time_limit, RESERVE_MAX_SECONDS)
    all_optimal = plan.status == "OPTIMAL"
    split_out: dict[int, str] = {}
    # deterministic mode counts budgets handed out, not the clock
    given = spent + (plan_limit if ran_plan else 0.0)
    for k, t in enumerate(sorted(sizes)):
        later = {tt: sizes[tt] for tt in sorted(sizes)[k:]}
        used = given if deterministic else time.perf_counter() - t0
        budget = solve_time_split(max(time_limit - reserve - used, 0.0), later)[t]
        given += budget
        got, status, out = split_topic(roster, spec, plan, t, time_limit=budget,
                                       settings=settings)
        split_out.update(out)
        all_optimal &= status is Status.OPTIMAL
        for g, rows in got.items():
            members[g] = rows
    leaders, dropped = plan.leaders, set()
    if s.fmin > 1:  # with one facilitator enough, a co-facilitator is never needed
        rest = reserve if deterministic else time_limit - (time.perf_counter() - t0)
        leaders, dropped = add_cofacilitators(roster, s, plan, members,
                                              settings.stage(max(min(rest, reserve) / 2, 0.5)))
    keep = [g for g in range(len(members)) if g not in dropped and len(members[g])]
    role_plan = RolePlan([members[g] for g in keep], [leaders[g] for g in keep],
                         topic=[plan.topic[g] for g in keep])
    stages["split"] = time.perf_counter() - t0 - stages["plan"] - stages["construct"]
    # participation last: join groups with room, open groups on capacity left, join again
    finish(roster, spec, s, role_plan, lines)
    stages["finish"] = time.perf_counter() - t0 - sum(stages.values())
    record["stage_seconds"] = {k: round(v, 2) for k, v in stages.items()}
    # a dropped group's mentees get the reason the final tables show (the finish may place them)
    reasons = left_out_reasons(roster, spec, s, role_plan, lines, known=split_out)
    if spec.strict and reasons:
        _raise_if_short(roster, s, short, bound, unplaced=list(reasons))
    placed = len(mentees) - len(reasons)
    participation = {"placed": placed, "eligible": len(mentees), "bound": bound,
                     "gap": round((bound - placed) / max(bound, 1), 4)}
    record["participation"] = participation
    if not role_plan.n_groups and len(mentees):
        why = "; ".join(short.values()) or _most_common(reasons)
        # with no group formed, every reason but the time limit and a split's rule is a fact
        # about the roster alone: then no group can form at all
        proven = not split_out and not any(r.startswith(TIME_LIMIT) for r in reasons.values())
        return role_grouping(roster, spec, role_plan,
                             Status.INFEASIBLE if proven else Status.NO_SOLUTION,
                             time.perf_counter() - t0, record, reasons=reasons,
                             message=f"No facilitated group could be formed: {why}.",
                             participation=participation)
    roles = role_values(roster, spec, role_plan)
    weights = spec.weight_of()
    _, realised = role_plan.loads(roster.n)
    planned = np.zeros(roster.n, dtype=np.int64)
    for g, lead in enumerate(plan.leaders):
        planned[lead] += plan.size[g]
    joined: dict[int, list[int]] = {}
    for g, t in enumerate(role_plan.topic):
        for i in role_plan.members[g].tolist():
            joined.setdefault(i, []).append(t)
    as_planned = ({i: sorted(ts) for i, ts in joined.items()}
                  == {i: sorted(ts) for i, ts in plan.topics_of.items()})
    if plan.role_objective is not None and (realised == planned).all() and as_planned:
        # an internal consistency check: the role terms' numpy scorers == their CP-SAT value
        exact = {t.label for t in spec.role_terms if getattr(t, "plan_exact", True)}
        numpy_roles = sum(weights[label] * int(v.sum()) for label, v in roles.items()
                          if label in exact)
        if numpy_roles != plan.role_objective:
            raise AssertionError(f"role terms: numpy {numpy_roles} != CP-SAT "
                                 f"{plan.role_objective}; please report.")
    objective_parts = {**mentee_values(roster, spec, role_plan), **roles}
    status = Status.OPTIMAL if all_optimal and not spec.role_terms else Status.FEASIBLE
    message = "; ".join(short.values())
    return checked_role_grouping(roster, spec, role_plan, status, t0, settings, record,
                                 reasons=reasons, values=objective_parts, message=message,
                                 participation=participation)


def _better(searched: Plan | None, start: Plan) -> Plan:
    """The plan model's answer unless the construction places more (people, then places)."""
    def value(plan):
        return len(plan.topics_of), sum(len(v) for v in plan.topics_of.values())

    return searched if searched is not None and value(searched) >= value(start) else start


def _most_common(reasons: dict[int, str]) -> str:
    if not reasons:
        return "nobody needs a topic a facilitator can offer"
    counts: dict[str, int] = {}
    for why in reasons.values():
        counts[why] = counts.get(why, 0) + 1
    return max(counts, key=counts.get)


def add_cofacilitators(roster, s, plan: Plan, members, settings):
    """Give every group ``fmin..fmax`` facilitators (CP-SAT), its mentees fixed: each with the
    topic and nobody of the group in their reporting line, within group and mentee capacity
    over all groups. The plan's lead is kept when it can be, else replaced (its load
    released): a group is dropped only when no such set exists beside the groups kept (as
    many mentees kept as possible), and its mentees are left to the finish."""
    m = cp_model.CpModel()
    lines = reporting_lines(roster, sorted({int(i) for mem in members for i in mem}))
    pick: dict[tuple[int, int], cp_model.IntVar] = {}
    for g, t in enumerate(plan.topic):
        if not len(members[g]):
            continue  # closed by the mentee split
        blocked = set().union(*(lines[int(i)] for i in members[g]))
        for f in np.flatnonzero(s.leader & s.expertise[:, t]).tolist():
            if f not in blocked and len(members[g]) <= s.cap_mentees[f]:
                pick[f, g] = m.new_bool_var(f"fac[{f},{g}]")
    by_group: dict[int, list] = {g: [] for g in range(len(plan.topic))}
    by_fac: dict[int, list] = {}
    for (f, g), v in pick.items():
        by_group[g].append((f, v))
        by_fac.setdefault(f, []).append((g, v))
    full, kept = [], []
    for g, options in by_group.items():
        chosen = sum(v for _, v in options)
        ok = m.new_bool_var(f"ok[{g}]")
        m.add(chosen >= s.fmin * ok)
        m.add(chosen <= s.fmax * ok)  # a dropped group holds nobody's capacity
        full.append(len(members[g]) * ok)
        kept += [v for f, v in options if f in plan.leaders[g]]
    for f, mine in by_fac.items():
        m.add(sum(v for _, v in mine) <= int(s.cap_groups[f]))
        m.add(sum(len(members[g]) * v for g, v in mine) <= int(s.cap_mentees[f]))
    for f, v in pick.items():  # the plan's answer as a hint: its lead, then anyone
        m.add_hint(v, int(f[0] in plan.leaders[f[1]]))
    # most mentees in complete groups, then the plan's leads kept, then fewest facilitators
    few = len(pick) + 1
    m.maximize(few * (few * sum(full) + sum(kept)) - sum(pick.values()))
    solver = new_solver(settings, min_seconds=0.05)
    status = solver.solve(m)
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    leaders, dropped = [], set()
    for g in range(len(plan.topic)):
        chosen = [f for f, v in by_group[g] if ok and solver.value(v)]
        leaders.append(np.array(sorted(chosen), dtype=np.int64))
        if len(members[g]) and len(chosen) < s.fmin:
            dropped.add(g)
    return leaders, dropped


def _raise_if_short(roster, s, short, bound, unplaced=None):
    mentees = np.flatnonzero(s.mentee)
    cannot = len(mentees) - bound if unplaced is None else len(unplaced)
    if cannot <= 0:
        return
    lines = "; ".join(short.values()) or "the facilitators' capacity is exhausted"
    raise InfeasibleError(
        f"{cannot} of {len(mentees)} mentees cannot be placed: {lines}. Add facilitators, "
        "raise their capacity, or run without strict=True to get the best partial answer.",
        conflicts=tuple(short) or ("Capacity",),
    )
