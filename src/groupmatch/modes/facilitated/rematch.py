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

import numpy as np

from ...exceptions import InfeasibleError, NoSolutionError
from ...result import RematchedGrouping, Status, moves_frame
from ..roles.grouping import role_grouping
from ..roles.plan import RolePlan
from .plan import conflict_pairs
from .rematch_inputs import OldGroup, drop_leavers, old_groups, previous_table, row_lookup
from .rematch_model import RematchModel, Slot, build_model, solve_phases
from .scoring import mentee_values, role_values, topic_subproblems

__all__ = ["rematch_facilitated"]

NOGOOD_ROUNDS = 5  # re-solves that forbid memberships still breaking a hard mentee rule


# ------------------------------------------------------------------------------- results
def _numbering(slots: list[Slot], is_open: list[bool]) -> dict[int, int]:
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


def _closure_reason(roster, s, sl: Slot, changed_fac: bool) -> str:
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
    table = previous_table(previous)
    roster, gone, joined = drop_leavers(roster, table, joiners, leavers)
    s = spec.setting(roster)
    old, home = old_groups(roster, s, table)
    conflicts = [tuple(p) for p in conflict_pairs(spec, roster).tolist()]
    hard_other = [t for t in spec.mentee_terms if t.hard and not any(
        c.kind == "conflicts" for c in (t.search_components(roster) or []))]
    nogoods: list[tuple[int, tuple[int, ...]]] = []
    record = {"method": "rematch (facilitated)", "time_limit": float(time_limit),
              "seed": settings.seed, "max_moves": max_moves}
    if not gone and not len(joined):
        same = _unchanged(roster, spec, s, table, old, record, t0)
        if same is not None:
            return RematchedGrouping.of(same, moves_frame([]))
    deadline = t0 + time_limit
    for _round in range(NOGOOD_ROUNDS + 1):
        built = build_model(roster, s, old, home, joined, conflicts, hard_other, max_moves, nogoods)
        # deterministic mode: a work budget per round, never the clock
        left = (time_limit if deterministic
                else max(deadline - time.perf_counter(), 1.0))
        value, statuses = solve_phases(built, settings.stage(left))
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
    return RematchedGrouping.of(grouping, moves)


def _unchanged(roster, spec, s, table, old: list[OldGroup], settings, t0):
    """The previous grouping as it is, when nothing changed and it keeps every rule."""
    if any(g.topic < 0 or g.released for g in old):
        return None
    plan = RolePlan([np.array(sorted(g.members), dtype=np.int64) for g in old],
                    [np.array(sorted(g.kept), dtype=np.int64) for g in old],
                    topic=[g.topic for g in old])
    if [g.number for g in old] != list(range(len(old))):
        return None
    rows = row_lookup(roster)(table["id"].tolist())
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


def _plan_from(built: RematchModel, value: dict):
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


def _report(roster, s, table, built: RematchModel, value, number, joined, gone, home, conflicts):
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
    return moves_frame(rows), reasons, n_moves, n_fac
