"""The facilitated-groups engine: counting checks -> plan model -> mentees per topic -> Grouping.

See :mod:`groupmatch.modes.facilitated` for the stages and why they are split this way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from .._random import check_random_state
from ..exceptions import InfeasibleError
from ..result import Status
from ..spec import PeerGroups
from ..terms.pin import Pin
from .build import role_grouping
from .facilitated import PLAN_SHARE, mentee_values, role_values, solve_time_split
from .phases import role_solver, solve_in_phases
from .roles import RolePlan, reporting_lines, run_settings

__all__ = ["solve_facilitated"]

RESERVE_SHARE, RESERVE_MAX_SECONDS = 0.08, 4.0  # kept after the topic splits
PLAN_MIN_SECONDS = 1.0  # the plan model's floor: participation is decided there
SAFE_OPTIONS = 3  # safe leads offered to a mentee whose reporting line holds a lead of a topic


@dataclass
class Plan:
    """The plan model's answer: open groups with topic, size and facilitators; mentee topics."""

    topic: list[int]
    size: list[int]
    leaders: list[np.ndarray]
    topics_of: dict[int, list[int]]  # mentee row -> topics joined
    pinned: dict[tuple[int, int], int]  # (mentee, topic) -> group index, for reporting lines
    status: str
    role_objective: int | None  # the plan model value of the role terms (CP-SAT), if solved


def _even_sizes(total: int, parts: int, lo: int, hi: int) -> list[int]:
    """``total`` mentees in ``parts`` groups, as even as possible (each within lo..hi)."""
    base, extra = divmod(total, parts)
    sizes = [base + (k < extra) for k in range(parts)]
    assert all(lo <= v <= hi for v in sizes), (total, parts, lo, hi)
    return sizes


def plan_model(roster, spec, s, *, time_limit, seed, workers, deterministic) -> Plan | None:
    """Who leads how many groups on which topic, how many mentees each takes, and which topic
    each mentee joins: one CP-SAT model over (facilitator, topic) and (mentee, topic) pairs.

    Each group has one lead facilitator here (co-facilitators, when ``facilitators`` allows
    more than one, are added after the mentees are split). A lead who takes ``u`` mentees in
    ``z`` groups of a topic can always split them into groups within the size bounds when
    ``lo·z <= u <= hi·z``, so the model needs no group slots. Two phases: participation first,
    then the role terms with participation held."""
    m = cp_model.CpModel()
    lines = reporting_lines(roster, np.flatnonzero(s.mentee).tolist())
    groups: dict[tuple[int, int], cp_model.IntVar] = {}
    take: dict[tuple[int, int], cp_model.IntVar] = {}
    load_of, load_cap = {}, {}
    cofac: dict[tuple[int, int], cp_model.IntVar] = {}
    for f in np.flatnonzero(s.leader).tolist():
        mine = np.flatnonzero(s.expertise[f]).tolist()
        cap_g, cap_m = int(s.cap_groups[f]), int(s.cap_mentees[f])
        for t in mine:
            z = m.new_int_var(0, cap_g, f"groups[{f},{t}]")
            u = m.new_int_var(0, min(cap_m, s.hi * cap_g), f"take[{f},{t}]")
            m.add(u >= s.lo * z)
            m.add(u <= s.hi * z)
            groups[f, t], take[f, t] = z, u
        co = {}
        if s.fmin > 1:  # reserve room to co-facilitate (sized at the maximum, to be safe)
            for t in mine:
                co[t] = m.new_int_var(0, cap_g, f"co[{f},{t}]")
                cofac[f, t] = co[t]
        m.add(sum(groups[f, t] + co.get(t, 0) for t in mine) <= cap_g)
        cap = min(cap_m, s.hi * cap_g)
        load = m.new_int_var(0, cap, f"load[{f}]")
        m.add(load == sum(take[f, t] for t in mine))
        m.add(load + sum(s.hi * c for c in co.values()) <= cap_m)
        load_of[f], load_cap[f] = load, cap
    leads_of: dict[int, list[int]] = {}  # topic -> facilitators who may lead it
    for f, t in groups:
        leads_of.setdefault(t, []).append(f)
    groups_of = {t: sum(groups[f, t] for f in fs) for t, fs in leads_of.items()}
    if cofac:
        for t, fs in leads_of.items():
            m.add(sum(cofac[f, t] for f in fs) >= (s.fmin - 1) * groups_of[t])
            for f in fs:
                m.add(groups[f, t] + cofac[f, t] <= groups_of[t])  # never twice in one group
    led = set(leads_of)
    joins: dict[tuple[int, int], cp_model.IntVar] = {}
    placed = []
    for i in np.flatnonzero(s.mentee).tolist():
        mine = [t for t in np.flatnonzero(s.needs[i]).tolist() if t in led]
        if not mine:
            continue
        for t in mine:
            joins[i, t] = m.new_bool_var(f"join[{i},{t}]")
        m.add(sum(joins[i, t] for t in mine) <= int(s.max_groups[i]))
        p = m.new_bool_var(f"placed[{i}]")
        m.add(p <= sum(joins[i, t] for t in mine))
        placed.append(p)
    joining: dict[int, list] = {t: [] for t in led}
    for (_i, t), v in joins.items():
        joining[t].append(v)
    for t in led:
        m.add(sum(joining[t]) == sum(take[f, t] for f in leads_of[t]))
    # Pairs the mentee rules keep apart cannot share a topic that has a single group.
    apart = _conflict_pairs(spec, roster)
    if len(apart):
        several = {}
        for t in led:
            several[t] = m.new_bool_var(f"several[{t}]")
            m.add(groups_of[t] >= 2).only_enforce_if(several[t])
        for i, j in apart.tolist():
            for t in led:
                if (i, t) in joins and (j, t) in joins:
                    m.add(joins[i, t] + joins[j, t] <= 1 + several[t])
    # Reporting lines: a mentee whose line holds a lead of the topic is given a safe lead.
    safe: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for (i, t), v in joins.items():
        risky = lines[i]
        leads = leads_of[t]
        if not any(f in risky for f in leads):
            continue
        options = []
        # a few safe leads (largest capacity first) keep the model small at scale
        ok = sorted((f for f in leads if f not in risky),
                    key=lambda f: (-int(s.cap_mentees[f]), f))[:SAFE_OPTIONS]
        for f in ok:
            if f not in risky:
                x = m.new_bool_var(f"safe[{i},{f},{t}]")
                safe[i, f, t] = x
                options.append(x)
        m.add(sum(options) == v)
    safe_by_lead: dict[tuple[int, int], list[int]] = {}  # (lead, topic) -> pinned mentees
    for i, f, t in safe:
        safe_by_lead.setdefault((f, t), []).append(i)
    for (f, t), rows in safe_by_lead.items():
        m.add(sum(safe[i, f, t] for i in rows) <= take[f, t])
    # Participation first (people, then memberships), then the role terms with it held.
    participation = (len(joins) + 1) * sum(placed) + sum(joins.values())
    weights = spec.weight_of()
    data = {"load": load_of, "load_cap": load_cap}
    parts = [weights[t.label] * t.encode_roles(m, data) for t in spec.role_terms]
    roles = sum(parts) if parts else 0
    decision = (*groups.values(), *take.values(), *joins.values(), *safe.values(), *placed,
                *cofac.values())
    # an empty plan is valid, so no answer means no time: retry the first phase for longer
    out = solve_in_phases(m, [("max", participation), ("max", roles)], decision,
                          time_limit=time_limit, shares=(0.5, 0.5), retries=(3, 1), seed=seed,
                          workers=workers, deterministic=deterministic)
    if out.solver is None:
        return None
    value = out.value
    status_name = "OPTIMAL" if out.optimal else "FEASIBLE"
    solved_roles = len(out.statuses) == 2 and out.statuses[1] in ("OPTIMAL", "FEASIBLE")
    role_objective = value(roles) if solved_roles else None
    # Decode: each lead's mentees of a topic split evenly into their groups.
    topic, size, leaders, pinned = [], [], [], {}
    for (f, t), z in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        count = int(value(z))
        if not count:
            continue
        first = len(topic)
        sizes = _even_sizes(int(value(take[f, t])), count, s.lo, s.hi)
        for v in sizes:
            topic.append(t)
            size.append(v)
            leaders.append(np.array([f], dtype=np.int64))
        room = list(sizes)
        for i in safe_by_lead.get((f, t), []):
            if value(safe[i, f, t]):
                k = int(np.argmax(room))
                room[k] -= 1
                pinned[i, t] = first + k
    topics_of: dict[int, list[int]] = {}
    for (i, t), v in joins.items():
        if value(v):
            topics_of.setdefault(i, []).append(t)
    return Plan(topic, size, leaders, topics_of, pinned, status_name, role_objective)


def _conflict_pairs(spec, roster) -> np.ndarray:
    """Row pairs that the hard mentee rules keep apart (as the compiled search sees them)."""
    chunks = [np.asarray(c.data, dtype=np.int64).reshape(-1, 2)
              for term in spec.mentee_terms if term.hard
              for c in (term.search_components(roster) or []) if c.kind == "conflicts"]
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)


def _split_topic(roster, spec, plan: Plan, t: int, *, time_limit, seed, workers,
                 deterministic):
    """Split topic t's mentees into its groups with the peer engine.

    Returns (members per group, status, {row: reason} for mentees left out). Sizes are the
    plan's (each lead's capacity holds); if the mentee rules make that impossible, the mentee
    with the most kept-apart pairs is left out and groups may shrink to the minimum size."""
    from ..engine.core import solve

    groups = [g for g, tt in enumerate(plan.topic) if tt == t]
    rows = np.array(sorted(i for i, ts in plan.topics_of.items() if t in ts), dtype=np.int64)
    left_out: dict[int, str] = {}
    lo, name = _lo(spec), roster.topics[t]
    status = Status.FEASIBLE
    for attempt in range(2 * len(rows) + len(groups) + 1):
        pin = {int(i): plan.pinned[int(i), t] for i in rows if (int(i), t) in plan.pinned}
        held = [sum(v == g for v in pin.values()) for g in groups]
        if groups and attempt and sum(max(lo, h) for h in held) > len(rows):
            # too few mentees left for every group: close the one with the fewest pins
            shut = min(reversed(groups), key=lambda g: sum(v == g for v in pin.values()))
            groups = [g for g in groups if g != shut]
            for i in [i for i, g in pin.items() if g == shut]:
                left_out[i] = (f"topic {name!r}: the one group safe from their reporting line "
                               "closed when the mentee rules left it too few members")
            rows = np.array([i for i in rows.tolist() if pin.get(i) != shut], dtype=np.int64)
            continue
        if not groups:
            for i in rows.tolist():
                left_out[i] = (f"topic {name!r}: its groups closed because the mentee rules "
                               "left them too few members")
            return {}, status, left_out
        room = sum(plan.size[g] for g in groups)
        if len(rows) > room:  # a group closed: its lead's capacity is gone, so are its places
            spare = [i for i in rows.tolist() if i not in pin][room - len(rows):]
            for i in spare:
                left_out[i] = (f"topic {name!r}: a group closed when the mentee rules left it "
                               "too few members, and the other groups are full")
            rows = np.array([i for i in rows.tolist() if i not in set(spare)], dtype=np.int64)
            continue
        local = {g: k for k, g in enumerate(groups)}
        sub = roster.take(rows)
        terms = [*spec.mentee_terms]
        if pin:  # mentees whose reporting line holds a lead stay in their safe group
            terms.append(Pin({sub.ids[k]: local[pin[i]]
                              for k, i in enumerate(rows.tolist()) if i in pin}))
        sizes = [(plan.size[g], plan.size[g]) if attempt == 0 else (lo, plan.size[g])
                 for g in groups]
        for extra in range(4):  # out of time is not infeasible: try again for longer
            try:
                out = solve(sub, PeerGroups(size=sizes, terms=terms),
                            time_limit=time_limit * 2**extra, random_state=seed,
                            workers=workers, deterministic=deterministic)
            except InfeasibleError as error:  # a counting pre-check of a mentee rule
                out = _Failed(str(error), error.conflicts)
            if out.status is not Status.NO_SOLUTION:
                break
        if out.status.has_solution:
            a = out.assignment_array()
            return {g: rows[a == local[g]] for g in groups}, out.status, left_out
        worst, why = _first_in_the_way(spec, sub, sizes, terms, time_limit, seed, workers,
                                       deterministic)
        if worst is None:
            raise InfeasibleError(
                f"The mentees of topic {name!r} cannot be split into its {len(groups)} groups "
                f"under the mentee rules: {out.message}", conflicts=out.conflicts)
        left_out[int(rows[worst])] = f"topic {name!r}: {why}, and the topic's groups had no " \
                                     "other room"
        rows = np.delete(rows, worst)
    raise InfeasibleError(f"No mentee of topic {name!r} could be placed.")  # pragma: no cover


@dataclass
class _Failed:
    """A sub-solve that a counting pre-check stopped before any model."""

    message: str
    conflicts: tuple = ()
    status: Status = Status.INFEASIBLE


def _first_in_the_way(spec, sub, sizes, terms, time_limit, seed, workers, deterministic):
    """Who to leave out when the mentee rules cannot all hold in a topic's groups.

    Solves again with every tierable hard rule as ``need`` (as many instances as possible) and
    returns the sub-roster row that appears most often in what is still broken, with the reason
    in words; (None, "") when even that finds nothing to blame."""
    from ..engine.core import solve

    relaxed = [replace(t, tier="need") if t.hard and hasattr(t, "tier")
               and not isinstance(t, Pin) else t for t in terms]
    for extra in range(4):  # out of time is not infeasible: try again for longer
        try:
            out = solve(sub, PeerGroups(size=sizes, terms=relaxed),
                        time_limit=time_limit * 2**extra, random_state=seed, workers=workers,
                        deterministic=deterministic)
        except InfeasibleError:
            return None, ""
        if out.status is not Status.NO_SOLUTION:
            break
    if not out.status.has_solution:
        return None, ""
    a = out.assignment_array()
    hard = [t for t in spec.mentee_terms if t.hard]

    def broken(assignment):
        return [v for t in hard for v in t.violations(sub, assignment, len(sizes))]

    now = broken(a)
    suspects = sorted({p for v in now for p in v.people})
    if not suspects:
        return None, ""

    def left_without(i):
        b = a.copy()
        b[i] = -1
        return len(broken(b))

    # the person whose absence mends the most broken rules (ties: the first row)
    worst = min(suspects, key=lambda i: (left_without(i), i))
    rule = next(v for v in now if worst in v.people)
    return worst, f"left out so that {rule.rule} holds ({rule.message})"


def _lo(spec) -> int:
    size = spec.size
    return int(size) if isinstance(size, int) else int(size[0])


def solve_facilitated(roster, spec, *, time_limit, random_state, workers, deterministic,
                      progress):
    t0 = time.perf_counter()
    seed, _ = check_random_state(random_state)
    s = spec.setting(roster)
    short = s.shortages(roster)
    mentees = np.flatnonzero(s.mentee)
    if spec.strict:
        _raise_if_short(roster, s, short)
    plan_limit = max(time_limit * PLAN_SHARE, min(time_limit, PLAN_MIN_SECONDS))
    plan = plan_model(roster, spec, s, time_limit=plan_limit, seed=seed,
                      workers=workers, deterministic=deterministic)
    settings = run_settings(time_limit, random_state, seed, workers, deterministic,
                            "facilitated: plan + peer engine per topic")
    if plan is None:
        return role_grouping(roster, spec, "facilitated", None, Status.NO_SOLUTION,
                             time.perf_counter() - t0, settings, reasons={},
                             message="The plan model found no answer within the time limit; "
                                     "raise time_limit.")
    if progress is not None:
        progress({"event": "plan", "objective": None, "bound": None,
                  "elapsed": time.perf_counter() - t0})
    members = [np.zeros(0, dtype=np.int64) for _ in plan.topic]
    stages = {"plan": time.perf_counter() - t0}
    sizes = {t: sum(plan.size[g] for g, tt in enumerate(plan.topic) if tt == t)
             for t in set(plan.topic)}
    # the time left is shared again before each topic (earlier ones may finish early or
    # overrun), keeping a reserve for co-facilitators, late placements and the final check
    reserve = min(RESERVE_SHARE * time_limit, RESERVE_MAX_SECONDS)
    all_optimal = plan.status == "OPTIMAL"
    split_out: dict[int, str] = {}
    given = plan_limit  # deterministic mode counts budgets handed out, never the clock
    for k, t in enumerate(sorted(sizes)):
        later = {tt: sizes[tt] for tt in sorted(sizes)[k:]}
        spent = given if deterministic else time.perf_counter() - t0
        budget = solve_time_split(max(time_limit - reserve - spent, 0.0), later)[t]
        given += budget
        got, status, out = _split_topic(roster, spec, plan, t, time_limit=budget, seed=seed,
                                        workers=workers, deterministic=deterministic)
        split_out.update(out)
        all_optimal &= status is Status.OPTIMAL
        for g, rows in got.items():
            members[g] = rows
    leaders, dropped = plan.leaders, {}
    if s.fmax > 1:
        rest = reserve if deterministic else time_limit - (time.perf_counter() - t0)
        leaders, dropped = add_cofacilitators(roster, s, plan, members, time_limit=max(
            rest, 0.5), seed=seed, workers=workers,
            deterministic=deterministic)
    keep = [g for g in range(len(members)) if g not in dropped and len(members[g])]
    role_plan = RolePlan([members[g] for g in keep], [leaders[g] for g in keep],
                         topic=[plan.topic[g] for g in keep])
    stages["split"] = time.perf_counter() - t0 - stages["plan"]
    _place_left_out(roster, spec, s, role_plan)
    stages["finish"] = time.perf_counter() - t0 - stages["plan"] - stages["split"]
    settings["stage_seconds"] = {k: round(v, 2) for k, v in stages.items()}
    reasons = _unplaced_reasons(roster, s, role_plan, short)
    for i, why in split_out.items():
        if i in reasons:
            reasons[i] = why
    for g, why in dropped.items():
        for i in members[g].tolist():
            if i in reasons:
                reasons[i] = why
    if spec.strict and any(reasons.get(int(i)) for i in mentees):
        _raise_if_short(roster, s, short, unplaced=[int(i) for i in mentees
                                                    if reasons.get(int(i))])
    roles = role_values(roster, spec, role_plan)
    weights = spec.weight_of()
    _, realised = role_plan.loads(roster.n)
    planned = np.zeros(roster.n, dtype=np.int64)
    for g, lead in enumerate(plan.leaders):
        planned[lead] += plan.size[g]
    if plan.role_objective is not None and (realised == planned).all():
        # an internal consistency check: the role terms' numpy scorers == their CP-SAT value
        numpy_roles = sum(weights[label] * int(v.sum()) for label, v in roles.items())
        if numpy_roles != plan.role_objective:
            raise AssertionError(f"role terms: numpy {numpy_roles} != CP-SAT "
                                 f"{plan.role_objective}; please report.")
    objective_parts = {**mentee_values(roster, spec, role_plan), **roles}
    status = Status.OPTIMAL if all_optimal and not spec.role_terms else Status.FEASIBLE
    message = "; ".join(short.values())
    grouping = role_grouping(roster, spec, "facilitated", role_plan, status,
                             time.perf_counter() - t0, settings, reasons=reasons,
                             values=objective_parts, message=message)
    broken = spec.check(roster, grouping)
    if broken:  # an internal consistency check, never user input
        raise AssertionError(f"facilitated answer breaks {broken[:3]}; please report.")
    if progress is not None:
        progress({"event": "done", "objective": grouping.objective, "bound": None,
                  "elapsed": time.perf_counter() - t0})
    return grouping


def add_cofacilitators(roster, s, plan: Plan, members, *, time_limit, seed, workers,
                       deterministic):
    """Give every group ``fmin..fmax`` facilitators: the lead plus co-facilitators with the
    topic, spare capacity and nobody of the group in their reporting line (CP-SAT). Groups that
    cannot reach ``fmin`` are dropped, with the reason for their mentees."""
    m = cp_model.CpModel()
    n_led, n_taken = RolePlan(members, plan.leaders, topic=plan.topic).loads(roster.n)
    lines = reporting_lines(roster, sorted({int(i) for mem in members for i in mem}))
    pick: dict[tuple[int, int], cp_model.IntVar] = {}
    for g, t in enumerate(plan.topic):
        if not len(members[g]):
            continue  # closed by the mentee split
        blocked = set().union(*(lines[int(i)] for i in members[g]))
        for f in np.flatnonzero(s.leader & s.expertise[:, t]).tolist():
            if f not in blocked and f not in plan.leaders[g]:
                pick[f, g] = m.new_bool_var(f"co[{f},{g}]")
    by_group: dict[int, list] = {g: [] for g in range(len(plan.topic))}
    by_lead: dict[int, list] = {}
    for (f, g), v in pick.items():
        by_group[g].append((f, v))
        by_lead.setdefault(f, []).append((g, v))
    full = []
    for g, options in by_group.items():
        extra = [v for _, v in options]
        ok = m.new_bool_var(f"ok[{g}]")
        m.add(sum(extra) >= (s.fmin - 1) * ok)
        m.add(sum(extra) <= s.fmax - 1)
        full.append(ok)
    for f, mine in by_lead.items():
        m.add(sum(v for _, v in mine) <= int(s.cap_groups[f] - n_led[f]))
        m.add(sum(len(members[g]) * v for g, v in mine) <= int(s.cap_mentees[f] - n_taken[f]))
    # as many complete groups as possible, then as few extra facilitators as needed
    m.maximize((len(pick) + 1) * sum(full) - sum(pick.values()))
    solver = role_solver(time_limit, seed, workers, deterministic)
    status = solver.solve(m)
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    leaders, dropped = [], {}
    for g, t in enumerate(plan.topic):
        chosen = [f for f, v in by_group[g] if ok and solver.value(v)]
        leaders.append(np.array(sorted([*plan.leaders[g].tolist(), *chosen]), dtype=np.int64))
        if len(leaders[-1]) < s.fmin:
            dropped[g] = (f"no co-facilitator for topic {roster.topics[t]!r} has spare capacity "
                          f"outside the group's reporting lines (each group needs {s.fmin})")
    return leaders, dropped


def _place_left_out(roster, spec, s, plan: RolePlan) -> None:
    """Participation first: put mentees still out into any group of a topic they need that has
    room, lead capacity, no reporting-line clash and keeps the mentee rules (best local score)."""
    joined = np.zeros(roster.n, dtype=np.int64)
    for mem in plan.members:
        np.add.at(joined, mem, 1)
    _, taken = plan.loads(roster.n)
    out = [i for i in np.flatnonzero(s.mentee & (joined == 0)).tolist()]
    if not out:
        return
    lines = reporting_lines(roster, out)
    soft = [t for t in spec.mentee_terms if not t.hard]
    hard = [t for t in spec.mentee_terms if t.hard]
    weights = spec.weight_of()

    def value(rows) -> int | None:
        sub = roster.take(rows)
        local = np.zeros(len(rows), dtype=np.int64)
        if any(t.violations(sub, local, 1) for t in hard):
            return None
        return sum(weights[t.label] * int(t.group_values(sub, local, 1)[0]) for t in soft)

    for i in out:
        best = None
        for g in range(plan.n_groups):
            mem, lead = plan.members[g], plan.leaders[g]
            if (not s.needs[i, plan.topic[g]] or len(mem) >= s.hi or i in lead
                    or lines[i] & set(lead.tolist())
                    or any(taken[f] + 1 > s.cap_mentees[f] for f in lead)):
                continue
            after = value(np.append(mem, i))
            if after is None:
                continue
            gain = after - (value(mem) or 0)
            if best is None or gain > best[0]:
                best = (gain, g)
        if best is not None:
            g = best[1]
            plan.members[g] = np.append(plan.members[g], i)
            taken[plan.leaders[g]] += 1


def _raise_if_short(roster, s, short, unplaced=None):
    mentees = np.flatnonzero(s.mentee)
    if unplaced is None:
        cannot = len(mentees) - s.placeable_bound(roster, people=True)
        if cannot <= 0:
            return
    else:
        cannot = len(unplaced)
    lines = "; ".join(short.values()) or "the facilitators' capacity is exhausted"
    raise InfeasibleError(
        f"{cannot} of {len(mentees)} mentees cannot be placed: {lines}. Add facilitators, "
        "raise their capacity, or run without strict=True to get the best partial answer.",
        conflicts=tuple(short) or ("Capacity",),
    )


def _unplaced_reasons(roster, s, plan: RolePlan, short) -> dict[int, str]:
    """Why each mentee who could have joined a group did not (or None when placed)."""
    vocab = roster.topics
    joined = np.zeros(roster.n, dtype=np.int64)
    for mem in plan.members:
        np.add.at(joined, mem, 1)
    out = {}
    for i in np.flatnonzero(s.mentee).tolist():
        if joined[i]:
            continue
        needed = [vocab[t] for t in np.flatnonzero(s.needs[i])]
        blocked = [short[t] for t in needed if t in short]
        if blocked and len(blocked) == len(needed):
            out[i] = "; ".join(blocked)
        else:
            out[i] = (f"the groups on {', '.join(repr(t) for t in needed)} are full "
                      "(participation was maximised first)")
    return out
