"""Why a mentee is left out, derived from the finished answer's tables, with the numbers.

Each needed topic gets one cause, checked in this order (the first that holds is said):

* no facilitator has the topic (or those who have it have no capacity for a minimum-size
  group), or fewer than a group needs;
* fewer mentees need it than the minimum group size;
* every facilitator who has it is in the mentee's reporting line;
* a group on it has room, but joining it would break a hard mentee rule (named; a rule on a
  sensitive column is not described further);
* its facilitators have no room left (their places and group slots are taken), with how many
  of their places went to this topic and how many to others;
* a facilitator could open another group, but too few left-out mentees need the topic;
* (several facilitators per group) no set of them with room is outside the reporting lines of
  enough left-out mentees who need the topic;
* otherwise the search ran out of time: that many facilitators with the topic had room.

Every sentence is a fact about the returned tables, so a test can re-derive it.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations

import numpy as np

from ...redact import describe_term, is_sensitive

__all__ = ["left_out_reasons", "TIME_LIMIT"]

TIME_LIMIT = "the time limit ended before this person was placed"
MOST_SETS = 500  # facilitator sets tried per topic before assuming a group could form


def _people(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def left_out_reasons(roster, spec, s, plan, lines, *, known=None) -> dict[int, str]:
    """{row: reason} for every mentee in no group. ``known`` holds causes found on the way
    (a mentee left out of a topic's split to keep a rule); they are kept as given."""
    known = known or {}
    vocab = roster.topics
    n = roster.n
    n_led, n_taken = plan.loads(n)
    free_slots = np.where(s.leader, s.cap_groups - n_led, 0)
    free_places = np.where(s.leader, s.cap_mentees - n_taken, 0)
    demand = s.needs[s.mentee].sum(axis=0)
    table = s.topic_supply(roster)
    supply = table["max_mentees"].to_numpy()
    without_room = table["without_room"].to_numpy()
    out_rows = plan.left_out(s.mentee)
    still_out = s.needs[out_rows].sum(axis=0)
    groups_on: dict[int, list[int]] = {}
    for g, t in enumerate(plan.topic):
        groups_on.setdefault(t, []).append(g)
    hard = [t for t in spec.mentee_terms if t.hard]

    @cache
    def experts(t: int) -> tuple[int, ...]:
        """Facilitators with topic t (the same for every mentee who needs it)."""
        return tuple(np.flatnonzero(s.leader & s.expertise[:, t]).tolist())

    @cache
    def full(t: int) -> str:
        """Topic t's capacity sentence, from the loads: its facilitators have no room left."""
        facs = list(experts(t))
        here = sum(len(plan.members[g]) * int(np.isin(plan.leaders[g], facs).sum())
                   for g in groups_on.get(t, ()))
        elsewhere = int(n_taken[facs].sum()) - here
        msg = (f"topic {vocab[t]!r}: {int(demand[t])} mentees need it; the "
               f"{_people(len(facs), 'facilitator who has', 'facilitators who have')} it "
               f"can take {int(supply[t])}")
        if elsewhere:
            msg += f" and took {here} on it, {elsewhere} on other topics"
        return msg + "; none has room left"

    @cache
    def could_form(t: int, facs: tuple[int, ...]) -> bool:
        """Could ``fmin`` of ``facs`` (each with room for a group) take ``lo`` left-out mentees
        of t, none with one of them in their reporting line? True when too many sets to try."""
        waiting = [lines.get(j, {j}) if lines else {j}
                   for j in out_rows.tolist() if s.needs[j, t]]
        for k, chosen in enumerate(combinations(facs, s.fmin)):
            if k == MOST_SETS:
                return True
            room = min(int(free_places[f]) for f in chosen)
            fit = sum(not line & set(chosen) for line in waiting)
            if min(fit, room) >= s.lo:
                return True
        return False

    reasons = {}
    for i in out_rows.tolist():
        if known.get(i):
            reasons[i] = known[i]
            continue
        line = lines.get(i, {i}) if lines else {i}
        parts, timed_out = [], set()
        for t in np.flatnonzero(s.needs[i]).tolist():
            name = vocab[t]
            facs = experts(t)
            safe = [f for f in facs if f not in line]
            if not len(facs) and without_room[t]:
                parts.append(f"topic {name!r}: the {without_room[t]} who could facilitate it "
                             f"have no room for a group of {s.lo} (capacity)")
                continue
            if len(facs) < s.fmin:
                parts.append(f"topic {name!r}: " + (
                    "no facilitator has it" if not len(facs) else
                    f"only {_people(len(facs), 'facilitator has', 'facilitators have')} it, "
                    f"and each group needs {s.fmin}"))
                continue
            if demand[t] < s.lo:
                parts.append(f"topic {name!r}: only "
                             f"{_people(int(demand[t]), 'mentee needs', 'mentees need')} it, "
                             f"fewer than the minimum group size {s.lo}")
                continue
            if len(safe) < s.fmin:
                parts.append(f"topic {name!r}: every facilitator who has it "
                             f"({len(facs)}) is in their reporting line")
                continue
            open_groups = [g for g in groups_on.get(t, ())
                           if len(plan.members[g]) < s.hi
                           and not line & set(plan.leaders[g].tolist())
                           and (free_places[plan.leaders[g]] > 0).all()]
            if open_groups:
                rule = _blocking_rule(roster, hard, plan, open_groups, i)
                parts.append(f"topic {name!r}: joining one of its "
                             f"{_people(len(open_groups), 'group', 'groups')} with room would "
                             f"break {rule}")
                continue
            can_open = [f for f in safe if free_slots[f] > 0 and free_places[f] >= s.lo]
            if len(can_open) >= s.fmin:
                if still_out[t] < s.lo:
                    left = _people(int(still_out[t]), "left-out mentee needs",
                                   "left-out mentees need")
                    parts.append(f"topic {name!r}: its groups are full, and only {left} it, "
                                 f"fewer than the minimum group size {s.lo} to open another")
                elif s.fmin > 1 and not could_form(t, tuple(can_open)):
                    parts.append(f"topic {name!r}: no {s.fmin} of the {len(can_open)} "
                                 "facilitators with it and room for a group are outside the "
                                 f"reporting lines of {s.lo} left-out mentees who need it")
                else:
                    timed_out.update(can_open)
                continue
            parts.append(full(t))
        if timed_out:
            reasons[i] = (f"{TIME_LIMIT}; {_people(len(timed_out), 'facilitator', 'facilitators')} "
                          "with a topic they need had room")
        else:
            reasons[i] = "; ".join(p for p in parts if p) or "no topic they need is offered"
    return reasons


def _blocking_rule(roster, hard, plan, groups, i) -> str:
    """The first hard mentee rule that joining each of ``groups`` would break, in words."""
    for g in groups:
        rows = np.append(plan.members[g], i)
        sub = roster.take(rows)
        local = np.zeros(len(rows), dtype=np.int64)
        for term in hard:
            if term.violations(sub, local, 1):
                return rule_words(term, roster)
    return "a hard mentee rule"


def rule_words(term, roster) -> str:
    """A rule's name for a reason; a rule on a sensitive column names no value."""
    if is_sensitive(term, roster):
        return describe_term(term, roster)
    return f"the rule {term.label}"
