"""The facilitated re-match model: one CP-SAT model over (mentee, group) and (facilitator,
group) pairs of the kept, closable and new groups; fewest moves, then most placed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from ...terms.base import ModelContext
from ..roles.phases import solve_in_phases
from ..roles.plan import reporting_lines
from .rematch_inputs import OldGroup

__all__ = ["Slot", "RematchModel", "build_model", "solve_phases", "NEW_SLOTS_PER_TOPIC"]

NEW_SLOTS_PER_TOPIC = 3  # new groups a topic may open for joiners and people left out
PHASE_SHARE = (0.5, 0.5)  # of the time limit: moves, then the rest


# ------------------------------------------------------------------------------- the model
@dataclass
class Slot:
    """A group of the model: a previous group (``old`` set) or a new one for a topic."""

    topic: int
    kept: list[int]
    old: OldGroup | None = None


@dataclass
class RematchModel:
    model: cp_model.CpModel
    slots: list[Slot]
    x: dict  # (mentee row, slot) -> BoolVar
    y: dict  # (facilitator row, slot) -> BoolVar
    open: list
    size: list
    placed: dict  # row -> BoolVar
    moved: dict  # continuing row -> BoolVar (or constant 1: a move is forced)
    forced: dict  # continuing row -> {old group index: why it cannot stay}
    moves: object  # phase 1: minimised
    rest: object  # phase 2: people placed, then fewest facilitator changes and new groups


def build_model(roster, s, old: list[OldGroup], home: dict, joined: np.ndarray, conflicts,
           hard_rules, max_moves, nogoods) -> RematchModel:
    m = cp_model.CpModel()
    n = roster.n
    joiner = np.zeros(n, dtype=bool)
    joiner[joined] = True
    lines = reporting_lines(roster, np.flatnonzero(s.mentee).tolist())
    slots = [Slot(g.topic, list(g.kept), g) for g in old]
    # people without a place: joiners, people left out before, members of unknown-topic groups
    placed_before = {i for i, gs in home.items() if any(old[k].topic >= 0 for k in gs)}
    free = [i for i in np.flatnonzero(s.mentee).tolist() if i not in placed_before]
    demand = np.zeros(len(roster.topics), dtype=np.int64)
    for i in free:
        demand += s.needs[i]
    for t in np.flatnonzero(demand >= s.lo).tolist():
        experts = np.flatnonzero(s.leader & s.expertise[:, t])
        for _ in range(min(NEW_SLOTS_PER_TOPIC, int(demand[t]) // s.lo, len(experts) // s.fmin)):
            slots.append(Slot(t, []))
    by_topic: dict[int, list[int]] = {}
    for k, sl in enumerate(slots):
        if sl.topic >= 0:
            by_topic.setdefault(sl.topic, []).append(k)
    # facilitator candidates for slots short of facilitators
    y = {}
    for k, sl in enumerate(slots):
        if sl.topic < 0 or len(sl.kept) >= s.fmin:
            continue
        for f in np.flatnonzero(s.leader & s.expertise[:, sl.topic]).tolist():
            if f not in sl.kept:
                y[f, k] = m.new_bool_var(f"y[{f},{k}]")
    y_of_slot: dict[int, set] = {}
    for f, k in y:
        y_of_slot.setdefault(k, set()).add(f)
    # mentee candidates
    x, forced = {}, {}
    free_set = set(free)
    for i in np.flatnonzero(s.mentee).tolist():
        mine = home.get(i, [])
        for t in np.flatnonzero(s.needs[i]).tolist():
            for k in by_topic.get(t, []):
                sl = slots[k]
                if sl.old is None and i not in free_set:
                    continue  # new groups are for people without a place (a move otherwise)
                if i in sl.kept or lines[i] & set(sl.kept):
                    if k in mine:
                        clash = sorted(lines[i] & set(sl.kept))
                        forced.setdefault(i, {})[k] = (
                            f"{roster.ids[clash[0]]} facilitates group {sl.old.number} and is "
                            "in their reporting line")
                    continue
                x[i, k] = m.new_bool_var(f"x[{i},{k}]")
    for i, ks in home.items():
        for k in ks:
            if (i, k) not in x and k not in forced.get(i, {}):
                t = old[k].topic
                forced.setdefault(i, {})[k] = (
                    f"the topic {old[k].topic_name!r} is no longer offered" if t < 0 else
                    f"no longer needs {old[k].topic_name!r} (or may no longer be mentored)")
    x_of_slot: dict[int, list[int]] = {}
    for i, k in x:
        x_of_slot.setdefault(k, []).append(i)
    # groups: size bounds, facilitators, reporting lines of new facilitators
    opened, size = [], []
    for k, sl in enumerate(slots):
        o = m.new_bool_var(f"open[{k}]")
        mem = [x[i, k] for i in x_of_slot.get(k, [])]
        z = m.new_int_var(0, s.hi, f"size[{k}]")
        m.add(z == sum(mem))
        m.add(z >= s.lo * o)
        m.add(z <= s.hi * o)
        ys = [y[f, k] for f in y_of_slot.get(k, ())]
        m.add(len(sl.kept) * o + sum(ys) >= s.fmin * o)
        m.add(sum(ys) <= max(s.fmax - len(sl.kept), 0) * o)
        if sl.topic < 0:
            m.add(o == 0)
        opened.append(o)
        size.append(z)
        if ys:
            cands = y_of_slot[k]
            for i in x_of_slot.get(k, []):
                for f in lines[i] & cands:
                    m.add(x[i, k] + y[f, k] <= 1)
    # facilitator capacity (groups and mentees)
    kept_slots: dict[int, list[int]] = {}
    for k, sl in enumerate(slots):
        for f in sl.kept:
            kept_slots.setdefault(f, []).append(k)
    y_slots: dict[int, list[int]] = {}
    for f, k in y:
        y_slots.setdefault(f, []).append(k)
    for f in set(kept_slots) | set(y_slots):
        ks, ys = kept_slots.get(f, []), y_slots.get(f, [])
        m.add(sum(opened[k] for k in ks) + sum(y[f, k] for k in ys) <= int(s.cap_groups[f]))
        loads = []
        for k in ys:
            load = m.new_int_var(0, s.hi, f"load[{f},{k}]")
            m.add(load >= size[k] - s.hi * (1 - y[f, k]))
            loads.append(load)
        m.add(sum(size[k] for k in ks) + sum(loads) <= int(s.cap_mentees[f]))
    # mentees: one group per topic, at most max_groups
    per_person: dict[int, list] = {}
    for (i, k), v in x.items():
        per_person.setdefault(i, []).append((k, v))
    placed = {}
    for i, pairs in per_person.items():
        for t in {slots[k].topic for k, _ in pairs}:
            same = [v for k, v in pairs if slots[k].topic == t]
            if len(same) > 1:
                m.add_at_most_one(same)
        m.add(sum(v for _, v in pairs) <= int(s.max_groups[i]))
        p = m.new_bool_var(f"placed[{i}]")
        m.add(p <= sum(v for _, v in pairs))
        placed[i] = p
    # pairs the hard mentee rules keep apart
    for i, j in conflicts:
        for k in {k for k, _ in per_person.get(i, [])} & {k for k, _ in per_person.get(j, [])}:
            m.add(x[i, k] + x[j, k] <= 1)
    _encode_group_rules(m, roster, s, slots, x, by_topic, hard_rules)
    for k, rows in nogoods:  # exact memberships that still broke a hard mentee rule
        inside = [x[i, k] for i in rows if (i, k) in x]
        outside = [x[i, k] for i in x_of_slot.get(k, []) if i not in set(rows)]
        if len(inside) == len(rows):
            m.add(sum(inside) - sum(outside) <= len(rows) - 1)
    # moves: a continuing mentee who loses a previous membership
    moved = {}
    for i, ks in home.items():
        if not s.mentee[i] or forced.get(i):
            moved[i] = 1
            continue
        v = m.new_bool_var(f"moved[{i}]")
        for k in ks:
            m.add(v >= 1 - x[i, k])
        moved[i] = v
    if max_moves is not None:
        m.add(sum(moved.values()) <= max_moves)
    changes = sum(y.values()) + sum(opened[k] for k, sl in enumerate(slots) if sl.old is None)
    weight = len(y) + len(slots) + 1
    # hint: everybody stays, previous groups stay open
    for (i, k), v in x.items():
        m.add_hint(v, k in home.get(i, []))
    for k, o in enumerate(opened):
        m.add_hint(o, slots[k].old is not None and slots[k].topic >= 0)
    return RematchModel(m, slots, x, y, opened, size, placed, moved, forced, sum(moved.values()),
                  weight * sum(placed.values()) - changes)


def _encode_group_rules(m, roster, s, slots, x, by_topic, hard) -> None:
    """Hard mentee rules other than kept-apart pairs (``NoIsolation``, ``CommonSlot``...),
    encoded by the terms themselves on each topic's sub-roster of candidates, as the topic
    split scores them. Closed groups are empty, which every such rule allows."""
    if not hard:
        return
    for t, ks in by_topic.items():
        rows = sorted({i for (i, k) in x if slots[k].topic == t})
        if not rows:
            continue
        local = {i: a for a, i in enumerate(rows)}
        sub = roster.take(rows)
        xs = {(local[i], k): v for (i, k), v in x.items() if slots[k].topic == t}
        switches: dict = {}
        ctx = ModelContext(m, sub, np.arange(len(rows)), np.asarray(ks), xs, [0] * len(ks),
                           [s.hi] * len(ks), switches)
        for term in hard:
            term.encode(ctx)
        for lit in switches.values():
            m.add(lit == 1)


def solve_phases(built: RematchModel, settings):
    """Phase 1: fewest moves; 2: most people placed, then fewest facilitator changes.
    Returns ({var index: value}, statuses) or (None, statuses)."""
    decision = [*built.x.values(), *built.y.values(), *built.open]
    out = solve_in_phases(built.model, [("min", built.moves), ("max", built.rest)], decision,
                          settings=settings, shares=PHASE_SHARE, retries=(3, 3))
    if out.solver is None:
        return None, out.statuses
    return {v.index: out.value(v) for v in decision}, out.statuses
