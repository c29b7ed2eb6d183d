"""Re-matching facilitated groups with minimal disruption.

:func:`rematch_facilitated` is what ``gm.rematch`` runs for :class:`gm.FacilitatedGroups`. It
starts from the previous grouping's groups (topic, facilitators, mentees) on the new roster and
solves one CP-SAT model over (mentee, group) and (facilitator, group) pairs:

- a group whose facilitator left (or no longer qualifies) may take a replacement who has the
  topic, spare group and mentee capacity, and nobody of the group in their reporting line;
- a group may close (its mentees move or are left out, its facilitators are released), for
  example when no replacement exists or it cannot be refilled to its minimum;
- mentees may move to any group of a topic they need with room, lead capacity and no
  reporting-line clash; joiners and people left out before may join such groups, or a few new
  groups per topic that open only for them when a facilitator has capacity;
- pairs the hard mentee rules keep apart (``NotWithManager``, ``CannotGroup``) never share a
  group; other hard mentee rules are checked on the answer and the memberships that break them
  are forbidden before solving again.

The objective is lexicographic, solved in two phases (the first phase's value is held while
the second runs): (1) the fewest people moved (a continuing mentee who changes group or loses
their place), as issue 5 asks; (2) the most mentees placed (continuing mentees, joiners and
people left out before), then the fewest new facilitator assignments and new groups. Placing
a joiner never costs a move, so joiners fill every place that opens without disturbing anybody.
``max_moves`` is a hard cap on phase 1. The mentee terms' quality is not optimised: kept groups
keep theirs, and newcomers go where the counts above say (tried the other way round, placing
first, the 2,000-person benchmark moved 81 people and did not finish its phases in 30 s; moves
first moved 0 and placed more, both phases optimal in 11 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from ...exceptions import InfeasibleError, InputError, NoSolutionError
from ...result import Grouping, RematchedGrouping, Status
from ...roster import _keys
from ...terms.base import ModelContext
from ..roles.grouping import role_grouping
from ..roles.phases import solve_in_phases
from ..roles.plan import RolePlan, membership_table, reporting_lines
from .plan import conflict_pairs
from .scoring import mentee_values, role_values, topic_subproblems

__all__ = ["rematch_facilitated"]

NEW_SLOTS_PER_TOPIC = 3  # new groups a topic may open for joiners and people left out
NOGOOD_ROUNDS = 5  # re-solves that forbid memberships still breaking a hard mentee rule
PHASE_SHARE = (0.5, 0.5)  # of the time limit: moves, then the rest


# ------------------------------------------------------------------------------- inputs
def _previous_table(previous) -> pd.DataFrame:
    """id, group, role, topic, reason of the previous facilitated grouping."""
    table = membership_table(previous, ("id", "group", "role", "topic"),
                             where="rematch(previous=...) of facilitated groups")
    if "reason" not in table.columns:
        table["reason"] = None
    return table


def _row_lookup(roster):

    def rows(ids) -> list[int]:
        keys = _keys(pd.Series(list(ids), dtype=object)).tolist()
        return [roster._row_of.get(k, -1) for k in keys]

    return rows


def _drop_leavers(roster, table, joiners, leavers):
    """The roster without listed leavers; the ids of leavers and joiners."""
    rows = _row_lookup(roster)
    prev_ids = table["id"].tolist()
    if leavers is not None:
        leavers = list(leavers)
        listed = set(_row_lookup_keys(prev_ids))
        unknown = [v for v, r, k in zip(leavers, rows(leavers), _row_lookup_keys(leavers),
                                        strict=True) if r < 0 and k not in listed]
        if unknown:
            raise InputError(f"rematch(leavers=...) names {unknown[:5]!r}, who are neither in "
                             "the previous grouping nor in the roster.")
        present = sorted({r for r in rows(leavers) if r >= 0})
        if present:
            roster = roster.take(np.setdiff1d(np.arange(roster.n), present))
            rows = _row_lookup(roster)
    prev_rows = rows(prev_ids)
    gone = sorted({v for v, r in zip(prev_ids, prev_rows, strict=True) if r < 0}, key=str)
    in_prev = np.zeros(roster.n, dtype=bool)
    in_prev[[r for r in prev_rows if r >= 0]] = True
    if joiners is None:
        joined = np.flatnonzero(~in_prev)
    else:
        joined = np.asarray(roster.rows_of(list(joiners), "rematch(joiners=...)"))
        already = [roster.ids[r] for r in joined.tolist() if in_prev[r]]
        if already:
            raise InputError(f"rematch(joiners=...) names {already[:5]!r}, who are already in "
                             "the previous grouping; joiners are people new to the programme.")
    return roster, gone, joined


def _row_lookup_keys(ids) -> list:

    return _keys(pd.Series(list(ids), dtype=object)).tolist()


# ------------------------------------------------------------------------------- the state
@dataclass
class _OldGroup:
    """A previous group on the new roster."""

    label: object
    number: int
    topic: int  # -1: the topic is no longer known
    topic_name: str
    members: list[int]  # continuing mentees present in the new roster
    kept: list[int]  # facilitators who stay
    lost_leaders: list[str] = field(default_factory=list)  # ids of facilitators who left
    released: dict = field(default_factory=dict)  # facilitator row -> why they no longer lead
    lost_members: int = 0


def _old_groups(roster, s, table) -> tuple[list[_OldGroup], dict]:
    """The previous groups, their continuing members and the facilitators who may stay."""
    rows = _row_lookup(roster)
    table = table.assign(row=rows(table["id"].tolist()))
    placed = table[table["group"].notna()]
    labels = sorted(placed["group"].unique().tolist(), key=lambda v: (str(type(v)), v))
    ints = all(isinstance(v, (int, np.integer)) for v in labels)
    vocab = {t: k for k, t in enumerate(roster.topics)}
    out, home = [], {}
    led = np.zeros(roster.n, dtype=np.int64)
    for k, label in enumerate(labels):
        part = placed[placed["group"] == label]
        names = part["topic"].dropna().unique().tolist()
        name = str(names[0]) if names else "?"
        t = vocab.get(name, -1) if len(names) == 1 else -1
        mentees = part[part["role"] == "mentee"]
        leaders = part[part["role"] == "facilitator"]
        g = _OldGroup(label, int(label) if ints else k, t, name, [], [])
        g.lost_members = int((mentees["row"] < 0).sum())
        g.lost_leaders = [str(v) for v in leaders.loc[leaders["row"] < 0, "id"]]
        for i in mentees.loc[mentees["row"] >= 0, "row"].tolist():
            g.members.append(int(i))
            home.setdefault(int(i), []).append(len(out))
        for f in leaders.loc[leaders["row"] >= 0, "row"].tolist():
            f = int(f)
            if t < 0 or not (s.leader[f] and s.expertise[f, t]):
                g.released[f] = (f"no longer a facilitator with expertise in {name!r} "
                                 "(or no longer has capacity)")
            elif len(g.kept) >= s.fmax:
                g.released[f] = f"the group has the most facilitators allowed ({s.fmax})"
            elif led[f] >= s.cap_groups[f]:
                g.released[f] = f"their capacity is now {s.cap_groups[f]} group(s)"
            else:
                g.kept.append(f)
                led[f] += 1
        out.append(g)
    return out, home


# ------------------------------------------------------------------------------- the model
@dataclass
class _Slot:
    """A group of the model: a previous group (``old`` set) or a new one for a topic."""

    topic: int
    kept: list[int]
    old: _OldGroup | None = None


@dataclass
class _Model:
    model: cp_model.CpModel
    slots: list[_Slot]
    x: dict  # (mentee row, slot) -> BoolVar
    y: dict  # (facilitator row, slot) -> BoolVar
    open: list
    size: list
    placed: dict  # row -> BoolVar
    moved: dict  # continuing row -> BoolVar (or constant 1: a move is forced)
    forced: dict  # continuing row -> {old group index: why it cannot stay}
    moves: object  # phase 1: minimised
    rest: object  # phase 2: people placed, then fewest facilitator changes and new groups


def _build(roster, s, old: list[_OldGroup], home: dict, joined: np.ndarray, conflicts,
           hard_rules, max_moves, nogoods) -> _Model:
    m = cp_model.CpModel()
    n = roster.n
    joiner = np.zeros(n, dtype=bool)
    joiner[joined] = True
    lines = reporting_lines(roster, np.flatnonzero(s.mentee).tolist())
    slots = [_Slot(g.topic, list(g.kept), g) for g in old]
    # people without a place: joiners, people left out before, members of unknown-topic groups
    placed_before = {i for i, gs in home.items() if any(old[k].topic >= 0 for k in gs)}
    free = [i for i in np.flatnonzero(s.mentee).tolist() if i not in placed_before]
    demand = np.zeros(len(roster.topics), dtype=np.int64)
    for i in free:
        demand += s.needs[i]
    for t in np.flatnonzero(demand >= s.lo).tolist():
        experts = np.flatnonzero(s.leader & s.expertise[:, t])
        for _ in range(min(NEW_SLOTS_PER_TOPIC, int(demand[t]) // s.lo, len(experts) // s.fmin)):
            slots.append(_Slot(t, []))
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
    return _Model(m, slots, x, y, opened, size, placed, moved, forced, sum(moved.values()),
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


def _solve_phases(built: _Model, settings):
    """Phase 1: fewest moves; 2: most people placed, then fewest facilitator changes.
    Returns ({var index: value}, statuses) or (None, statuses)."""
    decision = [*built.x.values(), *built.y.values(), *built.open]
    out = solve_in_phases(built.model, [("min", built.moves), ("max", built.rest)], decision,
                          settings=settings, shares=PHASE_SHARE, retries=(3, 3))
    if out.solver is None:
        return None, out.statuses
    return {v.index: out.value(v) for v in decision}, out.statuses


# ------------------------------------------------------------------------------- results
def _numbering(slots: list[_Slot], is_open: list[bool]) -> dict[int, int]:
    """Slot -> group number: kept groups keep theirs when it still exists; the others (new
    groups last) take the numbers left free."""
    open_slots = [k for k, o in enumerate(is_open) if o]
    total = len(open_slots)
    out = {k: slots[k].old.number for k in open_slots
           if slots[k].old is not None and slots[k].old.number < total}
    taken = set(out.values())
    if len(taken) != len(out):  # repeated numbers (labels that were not 0..G-1): renumber all
        out, taken = {}, set()
    free = iter(sorted(set(range(total)) - taken))
    for k in open_slots:
        if k not in out:
            out[k] = next(free)
    return out


def _closure_reason(roster, s, sl: _Slot, changed_fac: bool) -> str:
    g = sl.old
    name = g.topic_name
    if g.topic < 0:
        return f"group {g.number} was dissolved: its topic {name!r} is no longer offered"
    if len(g.kept) < s.fmin and not changed_fac:
        who = ", ".join(g.lost_leaders) or ", ".join(map(str, roster.ids[list(g.released)]))
        return (f"group {g.number} ({name}) was dissolved: its facilitator {who} left or no "
                f"longer qualifies, and nobody with {name!r}, spare capacity and no reporting "
                "line into the group could replace them")
    remaining = len(g.members)
    if remaining < s.lo:
        return (f"group {g.number} ({name}) was dissolved: it fell to {remaining} mentees "
                f"(minimum {s.lo}) and could not be refilled")
    return (f"group {g.number} ({name}) was dissolved so that the other groups keep their "
            "sizes, capacities and rules with the fewest moves")


def rematch_facilitated(previous, roster, spec, request, settings):
    """Rematch for :class:`gm.FacilitatedGroups`; see :func:`groupmatch.rematch`.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": ["f1", "f2", "a", "b", "c", "d"],
    ...                    "role": ["mentor"] * 2 + ["mentee"] * 4,
    ...                    "expertise": ["sql", "sql", "", "", "", ""],
    ...                    "needs": ["", "", "sql", "sql", "sql", "sql"]})
    >>> spec = gm.FacilitatedGroups(size=(2, 4))
    >>> before = gm.solve(gm.Roster.from_frame(df), spec, time_limit=2)
    >>> lead = before.groups["facilitators"][0][0]
    >>> after = gm.rematch(before, gm.Roster.from_frame(df[df.id != lead]), spec)
    >>> after.settings["moves"], sorted(after.moves["kind"])
    (0, ['facilitator', 'left'])
    """
    t0 = time.perf_counter()
    joiners, leavers, max_moves = request.joiners, request.leavers, request.max_moves
    time_limit, deterministic = settings.time_limit, settings.deterministic
    table = _previous_table(previous)
    roster, gone, joined = _drop_leavers(roster, table, joiners, leavers)
    s = spec.setting(roster)
    old, home = _old_groups(roster, s, table)
    conflicts = [tuple(p) for p in conflict_pairs(spec, roster).tolist()]
    hard_other = [t for t in spec.mentee_terms if t.hard and not any(
        c.kind == "conflicts" for c in (t.search_components(roster) or []))]
    nogoods: list[tuple[int, tuple[int, ...]]] = []
    record = {"method": "rematch (facilitated)", "time_limit": float(time_limit),
              "seed": settings.seed, "max_moves": max_moves}
    if not gone and not len(joined):
        same = _unchanged(roster, spec, s, table, old, record, t0)
        if same is not None:
            fields_ = {f.name: getattr(same, f.name) for f in fields(Grouping)}
            empty = pd.DataFrame({"id": [], "from": pd.array([], "Int64"),
                                  "to": pd.array([], "Int64"), "kind": [], "reason": []})
            return RematchedGrouping(**fields_, moves=empty)
    deadline = t0 + time_limit
    for _round in range(NOGOOD_ROUNDS + 1):
        built = _build(roster, s, old, home, joined, conflicts, hard_other, max_moves, nogoods)
        # deterministic mode: a work budget per round, never the clock
        left = (time_limit if deterministic
                else max(deadline - time.perf_counter(), 1.0))
        value, statuses = _solve_phases(built, settings.stage(left))
        if value is None:
            if max_moves is not None:
                raise InfeasibleError(
                    f"No valid facilitated grouping moves at most {max_moves} people. Allow "
                    "more moves (max_moves=None finds the fewest needed).",
                    conflicts=("max_moves",))
            raise NoSolutionError(f"rematch found no grouping within {time_limit} s; raise "
                                  "time_limit.")
        plan, slot_of, number = _plan_from(built, value)
        broken = _broken_groups(roster, spec, plan, hard_other)
        if not broken:
            break
        nogoods += [(slot_of[g], tuple(plan.members[g].tolist())) for g in broken]
    else:
        raise NoSolutionError("rematch could not keep every hard mentee rule in "
                              f"{NOGOOD_ROUNDS + 1} tries; re-solve with gm.solve instead.")
    moves, reasons, n_moves, n_fac = _report(roster, s, table, built, value, number, joined,
                                             gone, home, conflicts)
    statuses_ok = all(v == "OPTIMAL" for v in statuses)
    renumbered = {sl.old.label: number[k] for k, sl in enumerate(built.slots)
                  if sl.old is not None and k in number and number[k] != sl.old.number}
    record.update({"moves": n_moves, "facilitator_changes": n_fac, "phase_status": statuses,
                   "renumbered": renumbered, "nogood_rounds": len(nogoods),
                   "dissolved": [sl.old.label for k, sl in enumerate(built.slots)
                                 if sl.old is not None and k not in number]})
    values = {**mentee_values(roster, spec, plan), **role_values(roster, spec, plan)}
    grouping = role_grouping(roster, spec, plan,
                             Status.OPTIMAL if statuses_ok else Status.FEASIBLE,
                             time.perf_counter() - t0, record, reasons=reasons, values=values)
    broken = spec.check(roster, grouping)
    if broken:  # an internal consistency check, never user input
        raise AssertionError(f"rematch answer breaks {broken[:3]}; please report.")
    fields_ = {f.name: getattr(grouping, f.name) for f in fields(Grouping)}
    return RematchedGrouping(**fields_, moves=moves)


def _unchanged(roster, spec, s, table, old: list[_OldGroup], settings, t0):
    """The previous grouping as it is, when nothing changed and it keeps every rule."""
    if any(g.topic < 0 or g.released for g in old):
        return None
    plan = RolePlan([np.array(sorted(g.members), dtype=np.int64) for g in old],
                    [np.array(sorted(g.kept), dtype=np.int64) for g in old],
                    topic=[g.topic for g in old])
    if [g.number for g in old] != list(range(len(old))):
        return None
    rows = _row_lookup(roster)(table["id"].tolist())
    before = dict(zip(rows, table["reason"], strict=True))
    reasons = {i: r for i, r in before.items() if i >= 0 and s.mentee[i] and isinstance(r, str)
               and r and not any(i in g.members for g in old)}
    values = {**mentee_values(roster, spec, plan), **role_values(roster, spec, plan)}
    grouping = role_grouping(roster, spec, plan, Status.FEASIBLE,
                             time.perf_counter() - t0, {**settings, "moves": 0,
                                                        "facilitator_changes": 0,
                                                        "path": "unchanged"},
                             reasons=reasons, values=values)
    return grouping if not spec.check(roster, grouping) else None


def _plan_from(built: _Model, value: dict):
    """The RolePlan of a solution, groups in their final numbering."""
    slots = built.slots
    is_open = [bool(value[o.index]) for o in built.open]
    number = _numbering(slots, is_open)
    order = sorted(number, key=number.get)
    members = {k: [] for k in order}
    for (i, k), v in built.x.items():
        if value[v.index]:
            members[k].append(i)
    leaders = {k: list(slots[k].kept) for k in order}
    for (f, k), v in built.y.items():
        if value[v.index]:
            leaders[k].append(f)
    plan = RolePlan([np.array(sorted(members[k]), dtype=np.int64) for k in order],
                    [np.array(sorted(leaders[k]), dtype=np.int64) for k in order],
                    topic=[slots[k].topic for k in order])
    return plan, order, number


def _broken_groups(roster, spec, plan: RolePlan, hard) -> list[int]:
    """Groups (plan indices) where a hard mentee rule that is not a pair rule breaks."""
    if not hard:
        return []
    out = set()
    for _t, groups, sub, local in topic_subproblems(roster, spec, plan):
        if sub is None:
            continue
        for term in hard:
            for v in term.violations(sub, local, len(groups)):
                out.update(groups[k] for k in v.groups)
    return sorted(out)


def _report(roster, s, table, built: _Model, value, number, joined, gone, home, conflicts):
    """The moves table, unplaced reasons, people moved and facilitator changes."""
    ids, slots = roster.ids, built.slots
    lo = s.lo
    is_open = [bool(value[o.index]) for o in built.open]
    in_slot: dict[int, list[int]] = {}
    for (i, k), v in built.x.items():
        if value[v.index]:
            in_slot.setdefault(i, []).append(k)
    changed_fac = {k for (f, k), v in built.y.items() if value[v.index]}
    rows, reasons = [], {}
    n_moves = 0
    closure = {k: _closure_reason(roster, s, sl, k in changed_fac)
               for k, sl in enumerate(slots) if sl.old is not None and not is_open[k]}
    conflict_of: dict[int, set] = {}
    for i, j in conflicts:
        conflict_of.setdefault(i, set()).add(j)
        conflict_of.setdefault(j, set()).add(i)
    partners = {}
    for i, ks in home.items():
        for k in ks:
            other = [j for j in conflict_of.get(i, ()) if k in home.get(j, [])]
            if other:
                partners[i, k] = ids[other[0]]
    joiner_set = set(joined.tolist())
    prev_reason = dict(zip(table["id"].astype(str), table["reason"], strict=False))
    # continuing mentees
    for i, ks in sorted(home.items()):
        now = in_slot.get(i, [])
        lost = [k for k in ks if k not in now]
        if not lost:
            continue
        n_moves += 1
        gained = [k for k in now if k not in ks]
        for j, k in enumerate(lost):
            g = slots[k].old
            to = gained[j] if j < len(gained) else None
            if k in closure:
                why = closure[k]
            elif k in built.forced.get(i, {}):
                why = built.forced[i][k]
            elif to is not None and slots[to].old is not None and \
                    len(slots[to].old.members) < lo:
                t = slots[to].old
                why = (f"filled group {number[to]} ({t.topic_name}), which fell to "
                       f"{len(t.members)} mentees (minimum {lo}) after leavers")
            elif partners.get((i, k)):
                why = (f"a hard mentee rule keeps them apart from {partners[i, k]}, who is in "
                       f"group {g.number} too")
            else:
                why = ("a chain move that lets the groups keep their sizes, "
                                          "capacities and rules while placing people who "
                                          "need a place")
            if to is None and s.mentee[i]:
                topics = ", ".join(repr(roster.topics[t]) for t in np.flatnonzero(s.needs[i]))
                why += f"; no other group on {topics} had room for them"
                reasons[i] = why
            rows.append((ids[i], g.label, None if to is None else number[to],
                         "moved" if to is not None else "unplaced", why))
    # joiners and people who were left out before
    for i in np.flatnonzero(s.mentee).tolist():
        if i in home:
            continue
        now = in_slot.get(i, [])
        is_joiner = i in joiner_set
        topics = ", ".join(repr(roster.topics[t]) for t in np.flatnonzero(s.needs[i]))
        if now:
            for k in now:
                where = ("a new group" if slots[k].old is None else "a group with room")
                rows.append((ids[i], None, number[k], "joined" if is_joiner else "placed",
                             ("joined the programme" if is_joiner else
                              "was left out before; a place opened") + f": {where} on "
                             f"{roster.topics[slots[k].topic]!r}"))
        else:
            why = ("joined the programme, but the groups on " + topics + " are full, their "
                   "facilitators have no spare capacity or are in their reporting line, and "
                   "no new group could open (rematch keeps the current groups)")
            if is_joiner:
                rows.append((ids[i], None, None, "joined", why))
                reasons[i] = why
            else:
                before = prev_reason.get(str(ids[i]))
                reasons[i] = before if isinstance(before, str) and before else why
    for i in joined.tolist():
        if not s.mentee[i]:
            rows.append((ids[i], None, None, "joined", "joined the programme (not a mentee)"))
    # facilitators
    n_fac = 0
    for (f, k), v in sorted(built.y.items()):
        if not value[v.index]:
            continue
        n_fac += 1
        sl = slots[k]
        name = roster.topics[sl.topic]
        if sl.old is None:
            why = f"leads a new group on {name!r} for joiners and people left out"
        else:
            who = ", ".join(sl.old.lost_leaders) or ", ".join(
                map(str, ids[list(sl.old.released)])) or "nobody"
            why = (f"replaces {who} in group {number[k]} ({name}): has the topic, spare "
                   "capacity and nobody of the group in their reporting line")
        rows.append((ids[f], None, number[k], "facilitator", why))
    for k, sl in enumerate(slots):
        if sl.old is None:
            continue
        for f, why in sl.old.released.items():
            rows.append((ids[f], sl.old.label, None, "released", why))
        if k in closure:
            for f in sl.kept:
                rows.append((ids[f], sl.old.label, None, "released", closure[k]))
    for pid in gone:
        labels = table.loc[(table["id"] == pid) & table["group"].notna(), "group"].tolist()
        for g in labels or [None]:
            rows.append((pid, g, None, "left", "left the programme"))
    moves = pd.DataFrame(rows, columns=["id", "from", "to", "kind", "reason"])
    moves["to"] = pd.array(moves["to"].tolist(), dtype="Int64")
    try:
        moves["from"] = pd.array(moves["from"].tolist(), dtype="Int64")
    except (TypeError, ValueError):
        pass  # labels that are not numbers stay as they are
    return moves, reasons, n_moves, n_fac
