"""Split one topic's mentees into its planned groups with the engine (the same search as peer
groups, on a sub-roster that scores exactly as the full roster), leaving out the mentee whose
absence mends the most when the mentee rules cannot all hold."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...engine.partition import partition
from ...problem import make_problem
from ...result import Status
from ...terms.pin import Pin

__all__ = ["split_topic"]

RETRIES = 1  # one more try, twice as long, when a split ends with nothing found in its time
QUICK_SECONDS = 0.3  # below this a topic split uses the search path, not the exact model


def _partition(sub, sizes, terms, settings, time_limit):
    """The engine on a topic's mentees; out of time is not infeasible: try again for longer."""
    problem = make_problem([a for a, _ in sizes], [b for _, b in sizes], terms, sub)
    for extra in range(1 if settings.deterministic else RETRIES + 1):
        stage = settings.stage(time_limit * 2**extra)
        if stage.time_limit < QUICK_SECONDS:  # no time for an exact model's fixed costs
            stage = replace(stage, method="search")
        out = partition(sub, problem, stage)
        if out.status is not Status.NO_SOLUTION:
            break
    a = None if out.assignment is None else problem.canonical(out.assignment)
    return out, a


def split_topic(roster, spec, plan, t: int, *, time_limit, settings):
    """Split topic t's mentees into its groups with the peer engine.

    Returns (members per group, status, {row: reason} for mentees left out). Sizes are the
    plan's (each lead's capacity holds); if the mentee rules make that impossible, the mentee
    with the most kept-apart pairs is left out and groups may shrink to the minimum size."""
    groups = [g for g, tt in enumerate(plan.topic) if tt == t]
    rows = np.array(sorted(i for i, ts in plan.topics_of.items() if t in ts), dtype=np.int64)
    left_out: dict[int, str] = {}
    lo, name = spec.size_range[0], roster.topics[t]
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
        out, a = _partition(sub, sizes, terms, settings, time_limit)
        if out.status.has_solution:
            return {g: rows[a == local[g]] for g in groups}, out.status, left_out
        worst, why = _first_in_the_way(spec, sub, sizes, terms, time_limit, settings)
        if worst is None:
            # nothing to blame on one person: the topic's groups close, and the finish may
            # still place these mentees elsewhere
            rules = ", ".join(out.conflicts)
            cause = (f"the mentee rules cannot all hold in its groups ({rules})"
                     if out.status is Status.INFEASIBLE and rules else
                     "the time limit ended before its mentees were split under the mentee rules")
            for i in rows.tolist():
                left_out[i] = f"topic {name!r}: {cause}"
            return {}, status, left_out
        left_out[int(rows[worst])] = f"topic {name!r}: {why}, and the topic's groups had no " \
                                     "other room"
        rows = np.delete(rows, worst)
    for i in rows.tolist():  # pragma: no cover - every attempt leaves one mentee out
        left_out[i] = f"topic {name!r}: no split of its mentees keeps the mentee rules"
    return {}, status, left_out


def _first_in_the_way(spec, sub, sizes, terms, time_limit, settings):
    """Who to leave out when the mentee rules cannot all hold in a topic's groups.

    Solves again with every tierable hard rule as ``need`` (as many instances as possible) and
    returns the sub-roster row that appears most often in what is still broken, with the reason
    in words; (None, "") when even that finds nothing to blame."""
    relaxed = [replace(t, tier="need") if t.hard and hasattr(t, "tier")
               and not isinstance(t, Pin) else t for t in terms]
    out, a = _partition(sub, sizes, relaxed, settings, time_limit)
    if not out.status.has_solution:
        return None, ""
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
