"""Package a role-mode answer (RolePlan) as the user's Grouping, and explain its groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..result import Grouping, Status
from .roles import RolePlan, capacities, people_in_roles

__all__ = ["role_grouping", "explain_role_group"]

LEADER_ROLE = {"facilitated": "facilitator", "team": "mentor"}
MEMBER_ROLE = {"facilitated": "mentee", "team": "member"}


def _default_reason(roster, i: int, mode: str, may_mentee, may_lead) -> str:
    if may_lead[i]:
        return f"not needed as a {LEADER_ROLE[mode]}: others cover the groups"
    if mode == "facilitated" and may_mentee[i]:
        return "no learning need that a facilitated group offers"
    return "takes no part in this programme (role)"


def role_grouping(roster, spec, mode: str, plan: RolePlan | None, status: Status, wall: float,
                  settings, *, reasons: dict[int, str], values=None, message: str = "",
                  extra_columns: dict | None = None, conflicts=()) -> Grouping:
    """The Grouping of a facilitated or team answer: memberships, groups, loads, objective."""
    ids = roster.ids
    member_role, leader_role = MEMBER_ROLE[mode], LEADER_ROLE[mode]
    if plan is None:
        assignments = pd.DataFrame({"id": ids, "group": pd.array([None] * roster.n, "Int64"),
                                    "role": None, "reason": f"not grouped: {status.value}"})
        return Grouping(status, assignments, pd.DataFrame(columns=["group", "size", "members"]),
                        None, None, None, {}, wall, dict(settings), roster, spec, None, message,
                        tuple(conflicts), mode=mode, loads=pd.DataFrame())
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
        reason = reasons.get(i) or _default_reason(roster, i, mode, may_mentee, may_lead)
        role = member_role if i in reasons else (leader_role if may_lead[i] else None)
        rows.append((ids[i], None, role, reason))
    assignments = pd.DataFrame(rows, columns=["id", "group", "role", "reason"])
    assignments["group"] = assignments["group"].astype("Int64")
    weights = spec.weight_of()
    values = values or {}
    breakdown = {label: weights[label] * int(v.sum()) for label, v in values.items()}
    objective = int(sum(breakdown.values()))
    per_group = {label: v for label, v in values.items() if len(v) == plan.n_groups}
    lo, hi = _size_bounds(spec)
    groups = pd.DataFrame({
        "group": np.arange(plan.n_groups, dtype=np.int64),
        **(extra_columns or {}),
        "size": [len(m) for m in plan.members],
        "min_size": lo, "max_size": hi,
        "members": [ids[m].tolist() for m in plan.members],
        ("facilitators" if mode == "facilitated" else "mentors"):
            [ids[f].tolist() for f in plan.leaders],
        **per_group,
    })
    if mode == "facilitated":
        groups.insert(1, "topic", [roster.topics[t] for t in plan.topic])
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
                    dict(settings), roster, spec, first, message, tuple(conflicts), mode=mode,
                    loads=loads, _plan=plan)


def _size_bounds(spec) -> tuple[int, int]:
    size = getattr(spec, "size", None)
    if size is None:
        return 0, 0
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def explain_role_group(grouping: Grouping, group: int) -> pd.DataFrame:
    """What each term sees in one facilitated or team group, with the topic / goal coverage."""
    plan: RolePlan = grouping._plan
    roster, spec = grouping._roster, grouping._problem
    if plan is None:
        from ..exceptions import GroupMatchError

        raise GroupMatchError("This grouping has no solution to explain.")
    if not 0 <= group < plan.n_groups:
        from ..exceptions import GroupMatchError

        raise GroupMatchError(f"Group {group} does not exist; groups are numbered 0.."
                              f"{plan.n_groups - 1}.")
    rows = [_coverage_row(grouping, group)]
    row_of = grouping.groups.set_index("group")
    weights = spec.weight_of()
    for term in spec.terms:
        details = _term_details(grouping, term, group)
        if term.hard:
            broken = [v for v in spec.check(roster, grouping) if group in v.groups
                      and v.rule == term.label]
            rows.append({"term": term.label, "kind": "rule", "weight": None, "value": None,
                         "contribution": None, "holds": not broken, "details": details})
        else:
            w = weights[term.label]
            value = (int(row_of.loc[group, term.label]) if term.label in row_of.columns
                     else None)
            rows.append({"term": term.label, "kind": "objective", "weight": w, "value": value,
                         "contribution": None if value is None else w * value, "holds": None,
                         "details": details})
    table = pd.DataFrame(rows).set_index("term")
    for col in ("weight", "value", "contribution"):
        table[col] = table[col].astype("Int64")
    table.attrs["summary"] = rows[0]["details"]["summary"]
    return table


def _term_details(grouping, term, group) -> dict:
    roster, plan = grouping._roster, grouping._plan
    if hasattr(term, "explain_plan"):
        return term.explain_plan(roster, plan, {}, group)
    members = plan.members[group]
    if not len(members):
        return {}
    sub = roster.take(members)
    return term.explain(sub, np.zeros(len(members), dtype=np.int64), 0)


def _coverage_row(grouping, group) -> dict:
    """The topic or the team's goals: which leader covers which need, and what is missing."""
    roster, plan = grouping._roster, grouping._plan
    ids, vocab = roster.ids, roster.topics
    expertise = roster.multi["expertise"].matrix if "expertise" in roster.multi else None
    needs = roster.multi["needs"].matrix if "needs" in roster.multi else None
    members, leaders = plan.members[group], plan.leaders[group]
    if grouping.mode == "facilitated":
        t = plan.topic[group]
        covered = {str(ids[f]): vocab[t] for f in leaders}
        summary = (f"Group {group} works on {vocab[t]!r} with {len(members)} mentees who need "
                   f"it, facilitated by {', '.join(map(str, ids[leaders]))} (expertise in "
                   f"{vocab[t]!r}).")
        return {"term": "topic", "kind": "coverage", "weight": None, "value": None,
                "contribution": None, "holds": True,
                "details": {"topic": vocab[t], "covered_by": covered, "missing": [],
                            "summary": summary}}
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


def explain_role_person(grouping: Grouping, person, alternatives: int = 3) -> pd.DataFrame:
    """Why a person is where they are in a facilitated or team grouping, and (facilitated
    mentees) the objective change of joining each of the best other groups on a topic they need.

    Columns: ``group``, ``topic``, ``change`` (``move`` or ``join`` for someone left out),
    ``delta``, ``new_objective``, ``rules_hold`` and one column per soft term's change.
    ``table.attrs["summary"]`` says it in words.
    """
    from .facilitated import score_plan

    roster, spec, plan = grouping._roster, grouping._problem, grouping._plan
    if plan is None:
        from ..exceptions import GroupMatchError

        raise GroupMatchError("This grouping has no solution to explain.")
    row = int(roster.rows_of([person], "explain_person")[0])
    ids, vocab = roster.ids, roster.topics
    member_of = [g for g in range(plan.n_groups) if row in plan.members[g]]
    leads = [g for g in range(plan.n_groups) if row in plan.leaders[g]]
    labels = [t.label for t in spec.terms if not t.hard]
    columns = ["group", "topic", "change", "delta", "new_objective", "rules_hold", *labels]
    lines = []
    if leads:
        what = ("facilitates" if grouping.mode == "facilitated" else "mentors")
        names = [f"{g} ({vocab[plan.topic[g]]})" if grouping.mode == "facilitated"
                 else str(g) for g in leads]
        load = grouping.loads.set_index("id").loc[ids[row]] if len(grouping.loads) else None
        lines.append(f"{ids[row]} {what} group(s) {', '.join(names)}"
                     + (f": {int(load['groups'])} of {int(load['capacity_groups'])} groups, "
                        f"{int(load['mentees'])} people" if load is not None else "") + ".")
    if grouping.mode == "team":
        for g in member_of:
            lines.append(f"{ids[row]} is in team {grouping.groups.loc[g, 'team']} (group {g}), "
                         f"mentored by {', '.join(map(str, ids[plan.leaders[g]]))}; teams are "
                         "kept whole, so there is no other group to move to.")
        if not member_of and not leads:
            lines.append(f"{ids[row]} is in no group: "
                         f"{_reason_of(grouping, person)}.")
        table = pd.DataFrame(columns=columns)
        table.attrs["summary"] = " ".join(lines)
        return table
    needs = roster.multi["needs"].matrix
    setting = spec.setting(roster)
    line = _line_of(roster, row)
    home = member_of[0] if member_of else None
    if home is not None:
        t = plan.topic[home]
        lines.append(f"{ids[row]} is a mentee of group {home} on {vocab[t]!r}, which they need, "
                     f"facilitated by {', '.join(map(str, ids[plan.leaders[home]]))}.")
    elif setting.mentee[row]:
        lines.append(f"{ids[row]} is in no group: {_reason_of(grouping, person)}.")
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


def _reason_of(grouping, person) -> str:
    a = grouping.assignments
    reason = a.loc[(a["id"].astype(str) == str(person)) & a["group"].isna(), "reason"]
    return str(reason.iloc[0]) if len(reason) else "no reason recorded"


def _line_of(roster, row: int) -> set[int]:
    from .roles import reporting_lines

    return reporting_lines(roster, [row])[row]


def _mentee_rules_broken(roster, spec, plan: RolePlan, groups: set) -> bool:
    """Do the hard mentee rules break in the topics of ``groups``?"""
    from .facilitated import _topic_subproblems

    topics = {plan.topic[g] for g in groups}
    for t, members, sub, local in _topic_subproblems(roster, spec, plan):
        if t not in topics or sub is None:
            continue
        for term in spec.mentee_terms:
            if term.hard and term.violations(sub, local, len(members)):
                return True
    return False
