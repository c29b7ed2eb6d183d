"""What the page shows, as JSON-ready dicts: the people with the attributes that matter, one
card per group (members, each term's score, the group's total and broken rules), the loads of
facilitators and mentors, and the programme's totals.

Attributes shown are the columns the spec's terms read (``Diversity("department")`` shows
the department), the name, and in role modes the role, needs, expertise and team. Sensitive
columns (``Roster.from_frame(..., sensitive=[...])``) are left out unless the session was
started with ``include_sensitive=True``; a group's score on a sensitive term is shown, as in
every other view of groupmatch (see :mod:`groupmatch.redact`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..explain import group_totals, hidden_columns
from ..exports import json_ready as jsonable
from ..redact import term_columns

__all__ = ["page_columns", "people_records", "group_cards", "full_view", "change_view",
           "jsonable"]

ROLE_COLUMNS = ("role", "needs", "expertise", "team")  # what a role mode is made of


def page_columns(session) -> list[str]:
    """The roster columns shown beside each person, in the order the terms name them."""
    roster = session.roster
    frame, mapping = roster.frame, roster.columns
    hidden = hidden_columns(roster, session.include_sensitive)
    wanted = ["name"] + [c for t in session.spec.terms for c in term_columns(t)]
    if session.role_mode:
        wanted += list(ROLE_COLUMNS)
    out = []
    for name in wanted:
        column = mapping.get(name, name)
        if (column in frame.columns and column not in out and column != mapping.get("id", "id")
                and name not in hidden and column not in hidden):
            out.append(column)
    return out


def _text(value) -> str:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return ", ".join(str(v) for v in value)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _multi_text(multi) -> list[str]:
    """A multi-valued column as the roster read it (whatever the file's list notation)."""
    rows, cols = np.nonzero(multi.matrix)
    out = [[] for _ in range(multi.matrix.shape[0])]
    for i, t in zip(rows.tolist(), cols.tolist(), strict=True):
        out[i].append(multi.vocabulary[t])
    return [", ".join(v) for v in out]


def people_records(session) -> list[dict]:
    """One record per roster person: ``id`` and the shown attributes as text."""
    roster = session.roster
    columns = page_columns(session)
    frame = roster.frame[columns].reset_index(drop=True)
    multi = {roster.columns.get(k, k): m for k, m in roster.multi.items()}
    values = {c: _multi_text(multi[c]) if c in multi else [_text(v) for v in frame[c].tolist()]
              for c in columns}
    return [{"id": jsonable(pid), "attrs": {c: values[c][i] for c in columns}}
            for i, pid in enumerate(session.roster.ids.tolist())]


def _rules_by_group(session, violations: list[dict]) -> tuple[dict[int, list], list]:
    """Broken rules per group: a rule naming groups goes to them; one naming only people
    (capacity, somebody in no group) to the groups those people are in; the rest is general."""
    state, roster = session.state, session.roster
    by_group: dict[int, list] = {}
    general = []
    for v in violations:
        groups = set(v["groups"])
        if not groups and v["people"]:
            rows = roster.rows_of(v["people"], "violation")
            groups = {int(g) for g in state.group[np.isin(state.person, rows)] if g >= 0}
        for g in sorted(groups):
            by_group.setdefault(g, []).append({"rule": v["rule"], "message": v["message"]})
        if not groups:
            general.append(v)
    return by_group, general


def group_cards(session, groups=None) -> list[dict]:
    """Cards of the given groups (default: all), in the order given."""
    grouping = session.grouping()
    state, ids, spec = session.state, session.roster.ids, session.spec
    table = grouping.groups.set_index("group")
    totals = group_totals(grouping)
    labels = [label for label in grouping.weights if label in table.columns]
    rules, _ = _rules_by_group(session, session.violations())
    pins = session.pins
    leader = getattr(spec, "leader_role", None)
    out = []
    for g in range(state.n_groups) if groups is None else groups:
        row = table.loc[g]
        ks = state.members(g)
        order = sorted(ks.tolist(),
                       key=lambda k: (state.role[k] != leader, str(ids[state.person[k]])))
        members = [{"id": jsonable(ids[state.person[k]]), "role": state.role[k],
                    "pinned": int(state.person[k]) in pins} for k in order]
        card = {"group": int(g), "size": int(row["size"]), "min_size": jsonable(row["min_size"]),
                "max_size": jsonable(row["max_size"]), "members": members,
                "scores": {label: jsonable(row[label]) for label in labels},
                "total": jsonable(totals[g]), "rules": rules.get(g, []),
                "ok": g not in rules}
        for extra in ("topic", "team"):
            if extra in table.columns:
                card[extra] = jsonable(row[extra])
        out.append(card)
    return out


def worst_first(cards: list[dict]) -> list[dict]:
    """Groups that break a rule first, then by total score, lowest first."""
    return sorted(cards, key=lambda c: (c["ok"], c["total"] if c["total"] is not None else 0,
                                        c["group"]))


def _loads(session, violations: list[dict]) -> list[dict]:
    """Facilitators / mentors with a group, or over capacity: ``over`` when ``gm.check``
    reports a capacity rule broken for them (whatever the mode counts)."""
    loads = session.grouping().loads
    if loads is None or not len(loads):
        return []
    over = {str(p) for v in violations if v["rule"] == "Capacity" for p in v["people"]}
    out = []
    for r in loads.to_dict("records"):
        r = jsonable(r)
        r["over"] = str(r["id"]) in over
        if r["groups"] or r["over"]:
            out.append(r)
    return out


def _unplaced(session) -> list[dict]:
    return [jsonable(r) for r in session.grouping().unplaced.to_dict("records")]


def full_view(session) -> dict:
    """Everything the page draws (``GET /api/groups``)."""
    with session.lock:
        grouping = session.grouping()
        spec = session.spec
        violations = session.violations()
        _, general = _rules_by_group(session, violations)
        return {
            "name": session.name, "mode": spec.kind,
            "member_role": getattr(spec, "member_role", None),
            "leader_role": getattr(spec, "leader_role", None),
            "terms": [{"label": t.label, "hard": bool(t.hard),
                       "weight": jsonable(grouping.weights.get(t.label))} for t in spec.terms],
            "columns": page_columns(session),
            "score": jsonable(session.score()), "violations": violations, "general": general,
            "groups": worst_first(group_cards(session)), "n_groups": session.state.n_groups,
            "people": people_records(session), "unplaced": _unplaced(session),
            "loads": _loads(session, violations), "pins": session.pinned_ids(),
            "history": session.history(), "include_sensitive": session.include_sensitive,
        }


def change_view(session, outcome: dict) -> dict:
    """A change's outcome (``delta``, ``violations``, ``broken``...) plus what the page redraws:
    the cards of the groups it touched, broken rules per group, loads and people in no group."""
    with session.lock:
        by_group, general = _rules_by_group(session, outcome["violations"])
        return {**jsonable(outcome),
                "groups": group_cards(session, outcome["touched"]),
                "rules": {str(g): r for g, r in by_group.items()}, "general": general,
                "loads": _loads(session, outcome["violations"]),
                "unplaced": _unplaced(session),
                "pins": session.pinned_ids()}
