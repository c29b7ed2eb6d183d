"""Explain one facilitated or team group: its coverage (the mode's own first row), then what
each term sees, from the role plan the grouping holds.

Terms on sensitive columns show their score but not the values behind it, and a person's own
contribution to them is left out, unless ``include_sensitive=True`` (see :mod:`groupmatch.redact`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...exceptions import GroupMatchError
from ...redact import is_sensitive, safe_details
from ...terms.preferences import on_plan

__all__ = ["explain_role_group", "person_frame", "leader_lines", "reason_of"]


def explain_role_group(grouping, group: int, *, include_sensitive: bool = False) -> pd.DataFrame:
    """What each term sees in one facilitated or team group, with the topic / goal coverage.

    A term on a sensitive column shows its value and contribution; its details keep only the
    counts (the mix of values is hidden) unless ``include_sensitive=True``."""
    plan = grouping._plan
    roster, spec = grouping._roster, grouping.spec
    if plan is None:
        raise GroupMatchError("This grouping has no solution to explain.")
    if not 0 <= group < plan.n_groups:
        raise GroupMatchError(f"Group {group} does not exist; groups are numbered 0.."
                              f"{plan.n_groups - 1}.")
    rows = [spec.coverage(grouping, group)]
    row_of = grouping.groups.set_index("group")
    weights = spec.user_weights()
    for term in spec.terms:
        details = safe_details(term, roster, _term_details(grouping, term, group),
                               include_sensitive)
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
    for col in ("value",) + (("weight", "contribution") if spec.weight_scale() == 1 else ()):
        table[col] = table[col].astype("Int64")
    table.attrs["summary"] = rows[0]["details"]["summary"]
    return table


def _term_details(grouping, term, group) -> dict:
    roster, plan = grouping._roster, grouping._plan
    if on_plan(term):
        return term.explain(roster, plan, group)
    members = plan.members[group]
    if not len(members):
        return {}
    sub = roster.take(members)
    return term.explain(sub, np.zeros(len(members), dtype=np.int64), 0)




def person_frame(grouping, person, include_sensitive: bool = False):
    """What a role mode's explain_person starts from: (roster row, groups the person is a
    member of, groups they lead, the table's columns).

    The columns hold one per soft term, without terms on sensitive columns unless
    ``include_sensitive=True``: a person's share of such a term would tell their value."""
    roster, spec, plan = grouping._roster, grouping.spec, grouping._plan
    row = int(roster.rows_of([person], "explain_person")[0])
    member_of = [g for g in range(plan.n_groups) if row in plan.members[g]]
    leads = [g for g in range(plan.n_groups) if row in plan.leaders[g]]
    labels = [t.label for t in spec.terms
              if not t.hard and (include_sensitive or not is_sensitive(t, roster))]
    columns = ["group", "topic", "change", "delta", "new_objective", "rules_hold", *labels]
    return row, member_of, leads, columns


def leader_lines(grouping, row: int, what: str, names: list[str]) -> list[str]:
    """'<id> <what> group(s) ...: k of K groups, m people.' for a facilitator or mentor."""
    ids = grouping._roster.ids
    load = grouping.loads.set_index("id").loc[ids[row]] if len(grouping.loads) else None
    return [f"{ids[row]} {what} group(s) {', '.join(names)}"
            + (f": {int(load['groups'])} of {int(load['capacity_groups'])} groups, "
               f"{int(load['mentees'])} people" if load is not None else "") + "."]


def reason_of(grouping, person) -> str:
    a = grouping.assignments
    reason = a.loc[(a["id"].astype(str) == str(person)) & a["group"].isna(), "reason"]
    return str(reason.iloc[0]) if len(reason) else "no reason recorded"
