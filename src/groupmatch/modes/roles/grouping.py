"""Package a role-mode answer (RolePlan) as the user's Grouping."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ...result import Grouping, Status
from .plan import RolePlan, capacities, people_in_roles

__all__ = ["role_grouping"]


def _default_reason(spec, i: int, may_mentee, may_lead) -> str:
    if may_lead[i]:
        return f"not needed as a {spec.leader_role}: others cover the groups"
    return spec.idle_reason(bool(may_mentee[i])) or "takes no part in this programme (role)"


def role_grouping(roster, spec, plan: RolePlan | None, status: Status, wall: float,
                  settings, *, reasons: dict[int, str], values=None, message: str = "",
                  conflicts=(), participation=None) -> Grouping:
    """The Grouping of a facilitated or team answer: memberships, groups, loads, objective.

    The mode's own group columns (a facilitated group's ``topic``, a team's ``team``) follow
    ``group``."""
    ids = roster.ids
    member_role, leader_role = spec.member_role, spec.leader_role
    weights = spec.weight_of()
    if plan is None:
        return spec.no_grouping(roster, status, wall, settings, message=message,
                                conflicts=conflicts, weights=spec.user_weights())
    rows = []
    seen = np.zeros(roster.n, dtype=bool)
    for g in range(plan.n_groups):
        for i in plan.members[g].tolist():
            rows.append((ids[i], g, member_role, None))
            seen[i] = True
        for f in plan.leaders[g].tolist():
            rows.append((ids[f], g, leader_role, None))
            seen[f] = True
    may_mentee, may_lead = people_in_roles(roster)
    for i in np.flatnonzero(~seen).tolist():
        reason = reasons.get(i) or _default_reason(spec, i, may_mentee, may_lead)
        role = member_role if i in reasons else (leader_role if may_lead[i] else None)
        rows.append((ids[i], None, role, reason))
    assignments = pd.DataFrame(rows, columns=["id", "group", "role", "reason"])
    assignments["group"] = assignments["group"].astype("Int64")
    values = values or {}
    ints = {label: weights[label] * int(v.sum()) for label, v in values.items()}
    breakdown = {label: spec.in_user_units(v) for label, v in ints.items()}
    objective = spec.in_user_units(sum(ints.values()))
    per_group = {label: v for label, v in values.items() if len(v) == plan.n_groups}
    lo, hi = getattr(spec, "size_range", (0, 0))
    groups = pd.DataFrame({
        "group": np.arange(plan.n_groups, dtype=np.int64),
        **spec.group_columns(roster, plan),
        "size": [len(m) for m in plan.members],
        "min_size": lo, "max_size": hi,
        "members": [ids[m].tolist() for m in plan.members],
        spec.leaders_column: [ids[f].tolist() for f in plan.leaders],
        **per_group,
    })
    n_groups, n_mentees = plan.loads(roster.n)
    cap_g, cap_m = capacities(roster, getattr(spec, "capacity", (0, 0)))
    leaders = np.flatnonzero(may_lead & (cap_g > 0) | (n_groups > 0))
    loads = pd.DataFrame({"id": ids[leaders], "groups": n_groups[leaders],
                          "mentees": n_mentees[leaders], "capacity_groups": cap_g[leaders],
                          "capacity_mentees": cap_m[leaders]})
    first = np.full(roster.n, -1, dtype=np.int64)
    for g in reversed(range(plan.n_groups)):
        first[plan.members[g]] = g
    first.setflags(write=False)
    return Grouping(status, assignments, groups, objective, None, None, breakdown, wall,
                    dict(settings), roster, spec, plan, first, message, tuple(conflicts),
                    loads=loads, weights=spec.user_weights(), participation=participation)


def checked_role_grouping(roster, spec, plan: RolePlan, status: Status, t0: float, settings,
                          record: dict, **fields) -> Grouping:
    """The finished answer of a role-mode solve: packaged, every hard rule re-verified from the
    tables alone (an internal consistency check, never user input), the ``done`` event sent."""
    grouping = role_grouping(roster, spec, plan, status, time.perf_counter() - t0, record,
                             **fields)
    broken = spec.check(roster, grouping)
    if broken:
        raise AssertionError(f"{spec.kind} answer breaks {broken[:3]}; please report.")
    settings.emit("done", grouping.objective, elapsed=time.perf_counter() - t0)
    return grouping


def summary_lines(grouping, *, limit: int = 0) -> list[str]:
    """Status, breakdown, each group's subject, leaders and members, and who is left out."""
    spec = grouping.spec
    leaders, member = spec.leaders_column, spec.member_role
    out = [f"status: {grouping.status.value}   objective: {grouping.objective}   "
           f"time: {grouping.wall_time:.1f} s   groups: {len(grouping.groups)}",
           "breakdown: " + ", ".join(f"{k}={v}" for k, v in grouping.breakdown.items())]
    shown = grouping.groups if not limit else grouping.groups.head(limit)
    for r in shown.itertuples():
        out.append(f"\ngroup {r.group}: {spec.describe_group(r)}, {r.size} {member}s")
        out.append(f"  {leaders}: {', '.join(map(str, getattr(r, leaders)))}")
        out.append(f"  members:  {', '.join(map(str, r.members))}")
    if limit and len(grouping.groups) > limit:
        out.append(f"\n... {len(grouping.groups) - limit} more groups (see --out)")
    unplaced = grouping.unplaced
    left = unplaced[unplaced["role"] == member]
    placed = grouping.groups["size"].sum() if len(grouping.groups) else 0
    out.append(f"\nplaced: {placed} {member}s; not placed: {len(left)}")
    share = grouping.participation
    if share:
        out.append(f"participation: {share['placed']} of {share['eligible']} {member}s placed; "
                   f"no answer can place more than {share['bound']} "
                   f"({_gap_words(share)})")
    for reason, count in left["reason"].value_counts().head(3).items():
        out.append(f"  {count} x {reason}")
    if grouping.loads is not None and len(grouping.loads):
        used = grouping.loads[grouping.loads["groups"] > 0]
        if len(used):
            out.append(f"{leaders}: {len(used)} used, max load {int(used['mentees'].max())} "
                       f"people, max {int(used['groups'].max())} groups")
    return out


def _gap_words(share) -> str:
    missing = share["bound"] - share["placed"]
    if missing <= 0:
        return "the best possible"
    return f"{missing} short of that bound, a gap of {100 * share['gap']:.1f}%"
