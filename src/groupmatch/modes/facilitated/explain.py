"""Explain facilitated groups: the topic and who covers it; a person's place and what-ifs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..roles.explain import leader_lines, person_frame, reason_of
from ..roles.plan import RolePlan, reporting_lines
from .scoring import score_plan, topic_subproblems

__all__ = ["topic_coverage", "explain_person"]


def topic_coverage(grouping, group) -> dict:
    """The group's topic and the facilitators who cover it (the first row of ``explain``)."""
    roster, plan = grouping._roster, grouping._plan
    ids, vocab = roster.ids, roster.topics
    members, leaders = plan.members[group], plan.leaders[group]
    t = plan.topic[group]
    covered = {str(ids[f]): vocab[t] for f in leaders}
    summary = (f"Group {group} works on {vocab[t]!r} with {len(members)} mentees who need "
               f"it, facilitated by {', '.join(map(str, ids[leaders]))} (expertise in "
               f"{vocab[t]!r}).")
    return {"term": "topic", "kind": "coverage", "weight": None, "value": None,
            "contribution": None, "holds": True,
            "details": {"topic": vocab[t], "covered_by": covered, "missing": [],
                        "summary": summary}}


def explain_person(grouping, person, alternatives: int = 3, *,
                   include_sensitive: bool = False) -> pd.DataFrame:
    """Why a person is where they are in a facilitated grouping, and (mentees) the objective
    change of joining each of the best other groups on a topic they need.

    Columns: ``group``, ``topic``, ``change`` (``move`` or ``join`` for someone left out),
    ``delta``, ``new_objective``, ``rules_hold`` and one column per soft term's change.
    ``table.attrs["summary"]`` says it in words. Terms on sensitive columns get no column
    (the person's share would tell their value) unless ``include_sensitive=True``; ``delta``
    still counts them.
    """
    roster, spec, plan = grouping._roster, grouping.spec, grouping._plan
    row, member_of, leads, columns = person_frame(grouping, person, include_sensitive)
    ids, vocab = roster.ids, roster.topics
    labels = columns[6:]
    lines = []
    if leads:
        lines += leader_lines(grouping, row, "facilitates",
                              [f"{g} ({vocab[plan.topic[g]]})" for g in leads])
    needs = roster.multi["needs"].matrix
    setting = spec.setting(roster)
    line = _line_of(roster, row)
    home = member_of[0] if member_of else None
    if home is not None:
        t = plan.topic[home]
        lines.append(f"{ids[row]} is a mentee of group {home} on {vocab[t]!r}, which they need, "
                     f"facilitated by {', '.join(map(str, ids[plan.leaders[home]]))}.")
    elif setting.mentee[row]:
        lines.append(f"{ids[row]} is in no group: {reason_of(grouping, person)}.")
    base = score_plan(roster, spec, plan)
    _, taken = plan.loads(roster.n)
    records = []
    for g in range(plan.n_groups):
        t = plan.topic[g]
        if g in member_of or not needs[row, t] or not setting.mentee[row] \
                or row in plan.leaders[g]:
            continue
        moved = RolePlan([m.copy() for m in plan.members], plan.leaders, topic=plan.topic)
        if home is not None:
            moved.members[home] = moved.members[home][moved.members[home] != row]
        moved.members[g] = np.append(moved.members[g], row)
        ok = len(moved.members[g]) <= setting.hi and not (set(plan.leaders[g].tolist()) & line)
        ok &= all(taken[f] + 1 <= setting.cap_mentees[f] for f in plan.leaders[g])
        if home is not None:
            ok &= len(moved.members[home]) >= setting.lo
        ok &= not _mentee_rules_broken(roster, spec, moved, {g, home} - {None})
        after = score_plan(roster, spec, moved)
        records.append({"group": g, "topic": vocab[t],
                        "change": "move" if home is not None else "join",
                        "delta": after["total"] - base["total"],
                        "new_objective": after["total"], "rules_hold": bool(ok),
                        **{k: after[k] - base[k] for k in labels}})
    records.sort(key=lambda r: (not r["rules_hold"], -r["delta"], r["group"]))
    table = pd.DataFrame(records[:alternatives], columns=columns)
    for r in table.to_dict("records"):
        rules = "" if r["rules_hold"] else " (breaks a rule: full group, capacity, reporting " \
                                           "line or a mentee rule)"
        lines.append(f"{'Moving to' if home is not None else 'Joining'} group {r['group']} "
                     f"({r['topic']}) would change the objective by {r['delta']:+d}{rules}.")
    if not records and setting.mentee[row]:
        lines.append("No other group works on a topic they need.")
    table.attrs["summary"] = " ".join(lines)
    return table


def _line_of(roster, row: int) -> set[int]:
    return reporting_lines(roster, [row])[row]


def _mentee_rules_broken(roster, spec, plan: RolePlan, groups: set) -> bool:
    """Do the hard mentee rules break in the topics of ``groups``?"""
    topics = {plan.topic[g] for g in groups}
    for t, members, sub, local in topic_subproblems(roster, spec, plan):
        if t not in topics or sub is None:
            continue
        for term in spec.mentee_terms:
            if term.hard and term.violations(sub, local, len(members)):
                return True
    return False
