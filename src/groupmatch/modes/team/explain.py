"""Explain team mentoring: a team's goals and the mentors who cover them; a person's place."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..roles.explain import leader_lines, person_frame, reason_of

__all__ = ["goal_coverage", "explain_person"]


def goal_coverage(grouping, group) -> dict:
    """The team's learning goals: which mentor covers which, and what is missing."""
    roster, plan = grouping._roster, grouping._plan
    ids, vocab = roster.ids, roster.topics
    expertise = roster.multi["expertise"].matrix if "expertise" in roster.multi else None
    needs = roster.multi["needs"].matrix if "needs" in roster.multi else None
    members, leaders = plan.members[group], plan.leaders[group]
    goal = needs[members].sum(axis=0) if needs is not None else np.zeros(len(vocab), int)
    have = expertise[leaders].any(axis=0) if expertise is not None else np.zeros(len(vocab), bool)
    by = {vocab[t]: [str(ids[f]) for f in leaders if expertise[f, t]]
          for t in np.flatnonzero((goal > 0) & have)}
    missing = {vocab[t]: int(goal[t]) for t in np.flatnonzero((goal > 0) & ~have)}
    team = grouping.groups.loc[grouping.groups["group"] == group, "team"].iloc[0]
    summary = (f"Team {team} ({len(members)} members) is mentored by "
               f"{', '.join(map(str, ids[leaders]))}; they cover "
               f"{', '.join(by) or 'none of its learning goals'}"
               + (f"; not covered: {', '.join(f'{k} ({v} need it)' for k, v in missing.items())}"
                  if missing else "") + ".")
    return {"term": "goals", "kind": "coverage", "weight": None, "value": None,
            "contribution": None, "holds": None,
            "details": {"covered_by": by, "missing": missing, "summary": summary}}


def explain_person(grouping, person, *, include_sensitive: bool = False) -> pd.DataFrame:
    """Why a person is where they are in team mentoring (teams are kept whole, so there are no
    alternatives to score); ``table.attrs["summary"]`` says it in words."""
    roster, plan = grouping._roster, grouping._plan
    row, member_of, leads, columns = person_frame(grouping, person, include_sensitive)
    ids = roster.ids
    lines = []
    if leads:
        lines += leader_lines(grouping, row, "mentors", [str(g) for g in leads])
    for g in member_of:
        lines.append(f"{ids[row]} is in team {grouping.groups.loc[g, 'team']} (group {g}), "
                     f"mentored by {', '.join(map(str, ids[plan.leaders[g]]))}; teams are "
                     "kept whole, so there is no other group to move to.")
    if not member_of and not leads:
        lines.append(f"{ids[row]} is in no group: {reason_of(grouping, person)}.")
    table = pd.DataFrame(columns=columns)
    table.attrs["summary"] = " ".join(lines)
    return table
