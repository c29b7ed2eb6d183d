"""The facilitated plan model: who leads how many groups on which topic, how many mentees each
takes, and which topics each mentee joins (one CP-SAT model, participation first)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from ...terms.roles import RoleContext
from ..roles.phases import solve_in_phases
from ..roles.plan import reporting_lines

__all__ = ["Plan", "plan_model", "conflict_pairs"]

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


def even_sizes(total: int, parts: int, lo: int, hi: int) -> list[int]:
    """``total`` mentees in ``parts`` groups, as even as possible (each within lo..hi)."""
    base, extra = divmod(total, parts)
    sizes = [base + (k < extra) for k in range(parts)]
    assert all(lo <= v <= hi for v in sizes), (total, parts, lo, hi)
    return sizes


def plan_model(roster, spec, s, settings, start=None, lines=None) -> Plan | None:
    """Who leads how many groups on which topic, how many mentees each takes, and which topic
    each mentee joins: one CP-SAT model over (facilitator, topic) and (mentee, topic) pairs.

    Each group has one lead facilitator here (co-facilitators, when ``facilitators`` allows
    more than one, are added after the mentees are split). A lead who takes ``u`` mentees in
    ``z`` groups of a topic can always split them into groups within the size bounds when
    ``lo·z <= u <= hi·z``, so the model needs no group slots. Two phases: participation first,
    then the role terms with participation held.

    ``start`` is the construction (:func:`.construct.construct_groups`: opened groups and each
    lead's mentees). The model is hinted with it and held at least at its participation, so
    the answer is never worse; None when the model returns nothing in its time.
    """
    m = cp_model.CpModel()
    if lines is None:
        lines = reporting_lines(roster, np.flatnonzero(s.mentee).tolist())
    opened, members = start if start is not None else (None, {})
    chosen = {(i, t): f for (f, t), rows in members.items() for i in rows}
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
    placed: dict[int, cp_model.IntVar] = {}
    most_joins = 0
    for i in np.flatnonzero(s.mentee).tolist():
        mine = [t for t in np.flatnonzero(s.needs[i]).tolist() if t in led]
        if not mine:
            continue
        for t in mine:
            joins[i, t] = m.new_bool_var(f"join[{i},{t}]")
        m.add(sum(joins[i, t] for t in mine) <= int(s.max_groups[i]))
        most_joins += min(int(s.max_groups[i]), len(mine))
        placed[i] = m.new_bool_var(f"placed[{i}]")
        m.add(placed[i] <= sum(joins[i, t] for t in mine))
    joining: dict[int, list] = {t: [] for t in led}
    for (_i, t), v in joins.items():
        joining[t].append(v)
    for t in led:
        m.add(sum(joining[t]) == sum(take[f, t] for f in leads_of[t]))
    # Pairs the mentee rules keep apart cannot share a topic that has a single group.
    apart = conflict_pairs(spec, roster)
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
        if chosen.get((i, t)) is not None and chosen[i, t] not in ok:
            ok.append(chosen[i, t])  # the construction's lead stays an option
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
    participation = (len(joins) + 1) * sum(placed.values()) + sum(joins.values())
    weights = spec.weight_of()
    ctx = RoleContext(m, roster, load=load_of, load_cap=load_cap)
    parts = [weights[t.label] * t.encode(ctx) for t in spec.role_terms]
    roles = sum(parts) if parts else 0
    decision = (*groups.values(), *take.values(), *joins.values(), *safe.values(),
                *placed.values(), *cofac.values())
    steps = [("max", participation), ("max", roles)]
    retries = (3, 1)  # an empty plan is valid: no answer means no time, so retry for longer
    if opened is not None:
        floor = _hint_start(m, s, opened, members, groups, take, cofac, joins, placed, safe,
                            len(joins) + 1)
        retries = (1, 1)  # the construction is the fallback: never spend more than given
        if not len(apart):  # the construction ignores the mentee rules' apart pairs
            m.add(participation >= floor)
            if floor >= (len(joins) + 1) * len(placed) + most_joins:
                steps[0] = ("max", 0)  # everybody placed as often as allowed: held above
    shares = (0.5, 0.5) if not isinstance(steps[0][1], int) else (0.0, 1.0)
    out = solve_in_phases(m, steps, decision, settings=settings, shares=shares,
                          retries=retries)
    if out.solver is None:
        return None
    value = out.value
    status_name = "OPTIMAL" if out.optimal else "FEASIBLE"
    ran = sum(not isinstance(e, int) for _, e in steps)
    solved_roles = (not isinstance(roles, int) and len(out.statuses) == ran
                    and out.statuses[-1] in ("OPTIMAL", "FEASIBLE"))
    role_objective = value(roles) if solved_roles else None
    # Decode: each lead's mentees of a topic split evenly into their groups.
    topic, size, leaders, pinned = [], [], [], {}
    for (f, t), z in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        count = int(value(z))
        if not count:
            continue
        first = len(topic)
        sizes = even_sizes(int(value(take[f, t])), count, s.lo, s.hi)
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


def _hint_start(m, s, opened, members, groups, take, cofac, joins, placed, safe,
                per_person) -> int:
    """Hint every decision variable with the construction; return its participation value."""
    for (f, t), z in groups.items():
        m.add_hint(z, opened.groups.get((f, t), 0))
        m.add_hint(take[f, t], len(members.get((f, t), ())))
    for (f, t), c in cofac.items():
        m.add_hint(c, opened.cofac.get((f, t), 0))
    lead_of = {(i, t): f for (f, t), rows in members.items() for i in rows}
    people = set()
    for (i, t), v in joins.items():
        m.add_hint(v, int((i, t) in lead_of))
        if (i, t) in lead_of:
            people.add(i)
    for (i, f, t), x in safe.items():
        m.add_hint(x, int(lead_of.get((i, t)) == f))
    for i, p in placed.items():
        m.add_hint(p, int(i in people))
    return per_person * len(people) + len(lead_of)


def conflict_pairs(spec, roster) -> np.ndarray:
    """Row pairs that the hard mentee rules keep apart (as the compiled search sees them)."""
    chunks = [np.asarray(c.data, dtype=np.int64).reshape(-1, 2)
              for term in spec.mentee_terms if term.hard
              for c in (term.search_components(roster) or []) if c.kind == "conflicts"]
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)
