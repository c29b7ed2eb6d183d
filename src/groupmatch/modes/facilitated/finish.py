"""The last steps of a facilitated solve: participation first, on the groups the search left.

1. mentees still out join a group of a topic they need that has room (best local score,
   ranked topics and facilitators counted as the objective weighs them);
2. groups open on the capacity left free, for topics enough left-out mentees need;
3. where too few left-out mentees need a topic to open a group, a new group takes them plus a
   few members of the topic's largest groups (each group keeps its minimum size);
4. step 1 again for whoever is still out.

Every move keeps the hard rules: sizes, capacities, reporting lines and the mentee rules.
"""

from __future__ import annotations

import numpy as np

from ..roles.plan import RolePlan
from .construct import groups_for_left_out

__all__ = ["finish"]


def finish(roster, spec, s, plan: RolePlan, lines) -> None:
    """Place as many left-out mentees as the capacity left allows (``plan`` is changed)."""
    _place_left_out(roster, spec, s, plan, lines)
    opened = _open_left_out_groups(roster, spec, s, plan, lines)
    opened += _cut_to_make_room(roster, spec, s, plan, lines)
    if opened:
        _place_left_out(roster, spec, s, plan, lines)


def _hard_rules_hold(roster, spec, rows) -> bool:
    sub = roster.take(np.asarray(rows, dtype=np.int64))
    local = np.zeros(len(rows), dtype=np.int64)
    return not any(t.violations(sub, local, 1) for t in spec.mentee_terms if t.hard)


def _place_left_out(roster, spec, s, plan: RolePlan, lines) -> None:
    """Participation first: put mentees still out into any group of a topic they need that has
    room, lead capacity, no reporting-line clash and keeps the mentee rules (best local score)."""
    out = plan.left_out(s.mentee).tolist()
    if not out:
        return
    _, taken = plan.loads(roster.n)
    soft = [t for t in spec.mentee_terms if not t.hard]
    weights = spec.weight_of()
    groups_on: dict[int, list[int]] = {}
    for g, t in enumerate(plan.topic):
        groups_on.setdefault(t, []).append(g)

    def value(rows) -> int:
        sub = roster.take(rows)
        local = np.zeros(len(rows), dtype=np.int64)
        return sum(weights[t.label] * int(t.group_values(sub, local, 1)[0]) for t in soft)

    for i in out:
        line, best = lines.get(i, {i}), None
        for t in np.flatnonzero(s.needs[i]).tolist():
            for g in groups_on.get(t, ()):
                mem, lead = plan.members[g], plan.leaders[g]
                if (len(mem) >= s.hi or line & set(lead.tolist())
                        or (taken[lead] + 1 > s.cap_mentees[lead]).any()):
                    continue
                joined = np.append(mem, i)
                if not _hard_rules_hold(roster, spec, joined):
                    continue
                gain = value(joined) - value(mem) + _choice_gain(s, i, t, lead)
                if best is None or gain > best[0]:
                    best = (gain, g)
        if best is not None:
            g = best[1]
            plan.members[g] = np.append(plan.members[g], i)
            taken[plan.leaders[g]] += 1


def _choice_gain(s, i: int, t: int, lead) -> int:
    """What placing mentee i on topic t with these facilitators earns by their ranking."""
    gain = int(s.topic_value[i, t]) if s.topic_value is not None else 0
    if s.lead_value:
        gain += max((s.lead_value.get((i, int(f)), 0) for f in lead), default=0)
    return gain


def _open_left_out_groups(roster, spec, s, plan: RolePlan, lines) -> int:
    """Open groups for mentees still out on the capacity left free (keeping the mentee rules);
    returns how many were opened."""
    opened = 0
    for lead, t, co, rows in groups_for_left_out(s, plan, lines):
        rows = np.array(sorted(rows), dtype=np.int64)
        if not _hard_rules_hold(roster, spec, rows):
            continue
        plan.members.append(rows)
        plan.leaders.append(np.array(sorted([lead, *co]), dtype=np.int64))
        plan.topic.append(t)
        opened += 1
    return opened


def _cut_to_make_room(roster, spec, s, plan: RolePlan, lines) -> int:
    """Open a group for a few left-out mentees of a topic (fewer than the minimum size) with
    members moved from the topic's largest groups, when a facilitator has room for it."""
    out = set(plan.left_out(s.mentee).tolist())
    if not out:
        return 0
    n_led, n_taken = plan.loads(roster.n)
    free_slots = np.where(s.leader, s.cap_groups - n_led, 0)
    free_places = np.where(s.leader, s.cap_mentees - n_taken, 0)
    opened = 0
    if s.fmin > 1:
        return 0  # a new group would need co-facilitators too: left to the plan model
    waiting = {t: [i for i in sorted(out) if s.needs[i, t]] for t in range(s.needs.shape[1])}
    for t, rows in sorted(waiting.items(), key=lambda kv: -len(kv[1])):
        rows = [i for i in rows if i in out]  # an earlier topic may have placed some
        if not rows or len(rows) >= s.lo:
            continue
        blocked = set().union(*(lines.get(i, {i}) for i in rows))
        leads = [int(f) for f in np.flatnonzero(s.expertise[:, t] & (free_slots > 0)
                                                & (free_places >= s.lo))
                 if int(f) not in blocked]
        if not leads:
            continue
        lead = max(leads, key=lambda f: (int(free_places[f]), -f))
        need = s.lo - len(rows)
        donors = sorted((g for g in range(plan.n_groups) if plan.topic[g] == t),
                        key=lambda g: -len(plan.members[g]))
        moved, changes = [], {}
        for g in donors:
            spare = len(plan.members[g]) - s.lo
            for i in plan.members[g].tolist():
                if len(moved) == need or spare <= 0:
                    break
                if lead in lines.get(i, {i}):
                    continue
                moved.append(i)
                changes.setdefault(g, []).append(i)
                spare -= 1
            if len(moved) == need:
                break
        if len(moved) < need:
            continue
        new = np.array(sorted(rows + moved), dtype=np.int64)
        kept = {g: np.setdiff1d(plan.members[g], took) for g, took in changes.items()}
        if not _hard_rules_hold(roster, spec, new) or not all(
                _hard_rules_hold(roster, spec, rest) for rest in kept.values()):
            continue
        for g, rest in kept.items():
            plan.members[g] = rest
            for f in plan.leaders[g].tolist():
                free_places[f] += len(changes[g])
        plan.members.append(new)
        plan.leaders.append(np.array([lead], dtype=np.int64))
        plan.topic.append(t)
        free_slots[lead] -= 1
        free_places[lead] -= len(new)
        out -= set(rows)
        opened += 1
    return opened
