"""Score and check a facilitated plan with numpy: mentee terms on per-topic sub-rosters
(scored exactly as on the full roster), role terms on the plan, every hard rule re-verified."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...exceptions import InputError
from ...terms.base import Violation
from ..roles.plan import RolePlan, memberships_from, nobody_lost, people_in_roles, reporting_lines

__all__ = ["plan_of", "plan_values", "score_plan", "check_plan", "mentee_values", "role_values",
           "topic_subproblems"]


def plan_of(roster, assignment) -> tuple[RolePlan, pd.DataFrame]:
    """Read any answer (Grouping or id/group/role/topic table) into a RolePlan."""
    table = memberships_from(roster, assignment)
    placed = table[table["group"].notna()]
    groups = sorted(int(g) for g in placed["group"].unique())
    index = {g: k for k, g in enumerate(groups)}
    vocab = {t: k for k, t in enumerate(roster.topics)}
    members, leaders, topic = [], [], []
    by_group = dict(iter(placed.groupby(placed["group"].astype(np.int64), sort=True)))
    for g in groups:
        rows = by_group[g]
        members.append(rows.loc[rows["role"] == "mentee", "row"].to_numpy(np.int64))
        leaders.append(rows.loc[rows["role"] == "facilitator", "row"].to_numpy(np.int64))
        names = rows["topic"].dropna().unique() if "topic" in rows else []
        if len(names) != 1 or names[0] not in vocab:
            raise InputError(f"Group {g} needs exactly one known topic; got {list(names)}.")
        topic.append(vocab[names[0]])
    return RolePlan(members, leaders, topic=topic), table.assign(
        local=table["group"].map(index))


def topic_subproblems(roster, setting_or_spec, plan: RolePlan):
    """Per topic: (sub-roster, local assignment, group ids) of its mentees."""
    by_topic: dict[int, list[int]] = {}
    for g, t in enumerate(plan.topic):
        by_topic.setdefault(t, []).append(g)
    for t, groups in sorted(by_topic.items()):
        rows, local = [], []
        for k, g in enumerate(groups):
            rows.extend(plan.members[g].tolist())
            local.extend([k] * len(plan.members[g]))
        if not rows:
            continue
        if len(set(rows)) != len(rows):
            yield t, groups, None, None  # one mentee twice in a topic: reported by check
            continue
        sub = roster.take(rows)
        yield t, groups, sub, np.asarray(local, dtype=np.int64)


def mentee_values(roster, spec, plan: RolePlan) -> dict[str, np.ndarray]:
    """Per soft mentee term: its value in every group (numpy, on per-topic sub-rosters)."""
    out = {t.label: np.zeros(plan.n_groups, dtype=np.int64)
           for t in spec.mentee_terms if not t.hard}
    for _, groups, sub, local in topic_subproblems(roster, spec, plan):
        if sub is None:
            continue
        for term in spec.mentee_terms:
            if not term.hard:
                out[term.label][groups] = term.group_values(sub, local, len(groups))
    return out


def role_values(roster, spec, plan: RolePlan) -> dict[str, np.ndarray]:
    return {t.label: t.group_values(roster, plan, plan.n_groups) for t in spec.role_terms}


def plan_values(roster, spec, plan: RolePlan) -> dict[str, np.ndarray]:
    """Every soft term's value per group: mentee terms on the topics' sub-rosters, role terms
    on the whole plan."""
    return {**mentee_values(roster, spec, plan), **role_values(roster, spec, plan)}


def score_plan(roster, spec, plan: RolePlan) -> dict[str, int]:
    return spec.score_values(plan_values(roster, spec, plan))


def check_plan(roster, spec, plan: RolePlan, table: pd.DataFrame) -> list[Violation]:
    """Every hard rule of facilitated groups, re-verified from the answer alone."""
    s = spec.setting(roster)
    out = nobody_lost(roster, table)
    ids = roster.ids
    vocab = roster.topics
    may_mentee, may_lead = people_in_roles(roster)
    lines = reporting_lines(roster, sorted({int(i) for m in plan.members for i in m}))
    for g in range(plan.n_groups):
        t, mem, lead = plan.topic[g], plan.members[g], plan.leaders[g]
        name = vocab[t]
        if not s.lo <= len(mem) <= s.hi:
            out.append(Violation("SizeBounds", (g,), tuple(mem.tolist()),
                                 f"group {g} ({name}) has {len(mem)} mentees; allowed "
                                 f"{s.lo}-{s.hi}"))
        if not s.fmin <= len(lead) <= s.fmax:
            out.append(Violation("Facilitators", (g,), tuple(lead.tolist()),
                                 f"group {g} ({name}) has {len(lead)} facilitators; allowed "
                                 f"{s.fmin}-{s.fmax}"))
        for f in lead.tolist():
            if not (may_lead[f] and roster.multi["expertise"].matrix[f, t]):
                out.append(Violation("FacilitatorExpertise", (g,), (f,),
                                     f"{ids[f]} facilitates group {g} but is not a mentor with "
                                     f"expertise in {name!r}"))
        for i in mem.tolist():
            if not (may_mentee[i] and s.needed[i, t]):  # a must-preference says its own
                out.append(Violation("MenteeNeed", (g,), (i,),
                                     f"{ids[i]} is a mentee of group {g} but does not need "
                                     f"{name!r} (or may not be mentored)"))
            clash = lines[i] & set(lead.tolist())
            for f in sorted(clash):
                out.append(Violation("ReportingLine", (g,), (i, f),
                                     f"{ids[f]} facilitates group {g}, which has {ids[i]} in "
                                     "their reporting line (or themself) as a mentee"))
    n_groups, n_mentees = plan.loads(roster.n)
    for f in np.flatnonzero(n_groups > s.cap_groups).tolist():
        out.append(Violation("Capacity", (), (f,), f"{ids[f]} leads {n_groups[f]} groups; "
                             f"capacity {s.cap_groups[f]}"))
    for f in np.flatnonzero(n_mentees > s.cap_mentees).tolist():
        out.append(Violation("Capacity", (), (f,), f"{ids[f]} takes {n_mentees[f]} mentees; "
                             f"capacity {s.cap_mentees[f]}"))
    joined = np.zeros(roster.n, dtype=np.int64)
    for m in plan.members:
        np.add.at(joined, m, 1)
    for i in np.flatnonzero(joined > s.max_groups).tolist():
        out.append(Violation("MaxGroups", (), (i,), f"{ids[i]} joins {joined[i]} groups; "
                             f"at most {s.max_groups[i]}"))
    for term in spec.role_terms:  # ranked choices with tier="must"
        out.extend(term.violations(roster, plan, plan.n_groups))
    for t, groups, sub, local in topic_subproblems(roster, spec, plan):
        if sub is None:
            out.append(Violation("MaxGroups", tuple(groups), (),
                                 f"somebody joins two groups on {vocab[t]!r}"))
            continue
        for term in spec.mentee_terms:
            if term.hard:
                for v in term.violations(sub, local, len(groups)):
                    out.append(Violation(v.rule, tuple(groups[k] for k in v.groups),
                                         tuple(int(sub.origin[p]) for p in v.people),
                                         v.message))
    return out
