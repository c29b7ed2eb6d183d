"""The facilitated plan model: who leads how many groups on which topic, how many mentees each
takes, and which topics each mentee joins (one CP-SAT model, participation first)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
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
    ``lo·z <= u <= hi·z``, so the model needs no group slots. Phases, each holding what came
    before: participation first; then ranked choices of tier ``need`` (hinted with the
    participation answer's groups refilled by preference, a min-cost flow); then the role
    terms, after a phase on ranked choices of tier ``want`` that holds nothing (the role phase
    starts from it, and when that phase runs out of time the answer still honours them).

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
    # Ranked facilitators (FacilitatorPreference): the leads a mentee may be pinned to.
    ranked_leads: dict[int, list[int]] = {}
    for term in spec.role_terms:
        for i, f, _gain in getattr(term, "wishes", lambda _r: [])(roster):
            ranked_leads.setdefault(i, []).append(f)
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
        ok += [f for f in ranked_leads.get(i, ()) if f in leads and f not in ok]  # ranked too
        for f in ok:
            if f not in risky:
                x = m.new_bool_var(f"safe[{i},{f},{t}]")
                safe[i, f, t] = x
                options.append(x)
        m.add(sum(options) == v)
    # A mentee with no reporting-line clash may be pinned to a lead they ranked.
    choice: dict[tuple[int, int, int], cp_model.IntVar] = {}
    topics_joinable: dict[int, list[int]] = {}
    for i, t in joins:
        topics_joinable.setdefault(i, []).append(t)
    for i, fs in ranked_leads.items():
        for t in topics_joinable.get(i, ()):
            if any((i, f, t) in safe for f in leads_of[t]):
                continue  # pinned through the safe leads already
            mine = []
            for f in fs:
                if f in leads_of[t] and f not in lines[i]:
                    choice[i, f, t] = m.new_bool_var(f"choice[{i},{f},{t}]")
                    mine.append(choice[i, f, t])
            if mine:
                m.add(sum(mine) <= joins[i, t])
    pins = {**safe, **choice}  # (mentee, lead, topic) -> pinned to one of that lead's groups
    pins_by_lead: dict[tuple[int, int], list[int]] = {}  # (lead, topic) -> pinned mentees
    for i, f, t in pins:
        pins_by_lead.setdefault((f, t), []).append(i)
    for (f, t), rows in pins_by_lead.items():
        m.add(sum(pins[i, f, t] for i in rows) <= take[f, t])
    # Two mentees the rules keep apart are never pinned to a lead with one group on the topic.
    partners: dict[int, set[int]] = {}
    for i, j in apart.tolist():
        partners.setdefault(i, set()).add(j)
        partners.setdefault(j, set()).add(i)
    for (f, t), rows in pins_by_lead.items():
        clash = [(i, j) for i in rows for j in partners.get(i, ()) if i < j and j in rows]
        if clash:
            two = m.new_bool_var(f"two_groups[{f},{t}]")
            m.add(groups[f, t] >= 2).only_enforce_if(two)
            for i, j in clash:
                m.add(pins[i, f, t] + pins[j, f, t] <= 1 + two)
    # Participation first (people, then memberships), then the plan terms with it held:
    # preferences of tier "need" before the rest.
    participation = (len(joins) + 1) * sum(placed.values()) + sum(joins.values())
    weights = spec.weight_of()
    ctx = RoleContext(m, roster, load=load_of, load_cap=load_cap, joins=joins, leads=pins)
    exprs = {t.label: weights[t.label] * t.encode(ctx) for t in spec.role_terms}
    first = [exprs[t.label] for t in spec.role_terms if getattr(t, "tier", None) == "need"]
    rest = [exprs[t.label] for t in spec.role_terms if getattr(t, "tier", None) != "need"]
    needed = sum(first) if first else 0
    roles = sum(rest) if rest else 0
    # wanted choices get a phase of their own that holds nothing: the roles phase starts from
    # its answer and trades them against the other terms by weight, and when that phase runs
    # out of time (BalanceLoad at thousands of mentees), the answer still honours them
    wanted = [exprs[t.label] for t in spec.role_terms if getattr(t, "tier", None) == "want"
              and hasattr(t, "chooses")]
    warm = sum(wanted) if wanted and len(rest) > len(wanted) else 0
    exact = [exprs[t.label] for t in spec.role_terms if getattr(t, "plan_exact", True)]
    decision = (*groups.values(), *take.values(), *joins.values(), *safe.values(),
                *choice.values(), *placed.values(), *cofac.values())
    steps = [("max", participation), ("max", needed), ("max", warm, None), ("max", roles)]
    retries = [3, 1, 1, 1]  # an empty plan is valid: no answer means no time: retry longer
    if opened is not None:
        floor = _hint_start(m, s, opened, members, groups, take, cofac, joins, placed, pins,
                            len(joins) + 1)
        retries = [1, 1, 1, 1]  # the construction is the fallback: never spend more
        if not len(apart):  # the construction ignores the mentee rules' apart pairs
            m.add(participation >= floor)
            if floor >= (len(joins) + 1) * len(placed) + most_joins:
                steps[0] = ("max", 0)  # everybody placed as often as allowed: held above
    live = [not isinstance(step[1], int) for step in steps]
    # participation gets half the time when it is searched; the other phases share the rest
    later = max(sum(live[1:]), 1)
    head = 0.5 if live[0] else 0.0
    shares = [head] + [(1.0 - head) / later] * 3
    rehint = None
    if s.topic_value is not None or s.lead_value:
        def rehint(k, value):  # after participation: its groups, refilled by preference
            return _preference_hint(s, value, take, joins, pins, safe, lines) if k == 0 \
                else None
    out = solve_in_phases(m, steps, decision, settings=settings, shares=shares,
                          retries=retries, rehint=rehint)
    if out.solver is None:
        return None
    value = out.value
    status_name = "OPTIMAL" if out.optimal else "FEASIBLE"
    ran = sum(live)
    solved_roles = (any(live[1:]) and len(out.statuses) == ran
                    and out.statuses[-1] in ("OPTIMAL", "FEASIBLE"))
    role_objective = int(value(sum(exact))) if solved_roles and exact else None
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
        room, held = list(sizes), [set() for _ in sizes]
        for i in pins_by_lead.get((f, t), []):
            if value(pins[i, f, t]):
                # the roomiest group holding none of the people the rules keep apart from i
                k = max(range(len(room)), key=lambda k: (
                    not (held[k] & partners.get(i, set())) and room[k] > 0, room[k], -k))
                room[k] -= 1
                held[k].add(i)
                pinned[i, t] = first + k
    topics_of: dict[int, list[int]] = {}
    for (i, t), v in joins.items():
        if value(v):
            topics_of.setdefault(i, []).append(t)
    return Plan(topic, size, leaders, topics_of, pinned, status_name, role_objective)


def _hint_start(m, s, opened, members, groups, take, cofac, joins, placed, pins,
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
    for (i, f, t), x in pins.items():
        m.add_hint(x, int(lead_of.get((i, t)) == f))
    for i, p in placed.items():
        m.add_hint(p, int(i in people))
    return per_person * len(people) + len(lead_of)


def _preference_hint(s, value, take, joins, pins, safe, lines) -> dict[int, int] | None:
    """Hints for the preference phase: the answer's groups (each lead's places on a topic)
    refilled with the same mentees, as often each, by a min-cost flow on what their ranked
    choices earn (mentee -> (mentee, topic) -> (lead, topic) outside their reporting line; a
    mentee with a lead of the topic in their line only to the safe leads the model offers).
    The mentee rules' apart pairs are left to CP-SAT. None when the flow cannot refill them."""
    times: dict[int, int] = {}
    for (i, _t), v in joins.items():
        if value(v):
            times[i] = times.get(i, 0) + 1
    slots = {ft: int(value(u)) for ft, u in take.items() if value(u)}
    leads_on: dict[int, list[int]] = {}
    for f, t in slots:
        leads_on.setdefault(t, []).append(f)
    people = sorted(times)
    pairs = [(i, t) for (i, t) in joins if i in times and t in leads_on]
    offered: dict[tuple[int, int], set[int]] = {}  # (mentee, topic) -> its safe leads
    for i, f, t in safe:
        offered.setdefault((i, t), set()).add(f)
    p0, j0 = 1, 1 + len(people)
    f0 = j0 + len(pairs)
    sink = f0 + len(slots)
    p_of = {i: k for k, i in enumerate(people)}
    ft_of = {ft: f0 + k for k, ft in enumerate(slots)}
    tails, heads, caps, costs, arcs = [], [], [], [], []

    def arc(a, b, cap, cost=0):
        tails.append(a)
        heads.append(b)
        caps.append(cap)
        costs.append(cost)

    for i in people:
        arc(0, p0 + p_of[i], times[i])
    for k, (i, t) in enumerate(pairs):
        arc(p0 + p_of[i], j0 + k, 1)
        for f in leads_on[t]:
            if f not in lines.get(i, ()) and f in offered.get((i, t), (f,)):
                earn = (int(s.topic_value[i, t]) if s.topic_value is not None else 0) \
                    + (s.lead_value or {}).get((i, f), 0)
                arcs.append((i, f, t, len(tails)))
                arc(j0 + k, ft_of[f, t], 1, -earn)
    for ft, node in ft_of.items():
        arc(node, sink, slots[ft])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
    total = sum(times.values())
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[0], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None  # the lines leave some place unfillable: keep the answer's own hints
    hints = {v.index: 0 for v in (*joins.values(), *pins.values())}
    for i, f, t, k in arcs:
        if flow.flow(k):
            hints[joins[i, t].index] = 1
            if (i, f, t) in pins:
                hints[pins[i, f, t].index] = 1
    return hints


def conflict_pairs(spec, roster) -> np.ndarray:
    """Row pairs that the hard mentee rules keep apart (as the compiled search sees them)."""
    chunks = [np.asarray(c.data, dtype=np.int64).reshape(-1, 2)
              for term in spec.mentee_terms if term.hard
              for c in (term.search_components(roster) or []) if c.kind == "conflicts"]
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)
