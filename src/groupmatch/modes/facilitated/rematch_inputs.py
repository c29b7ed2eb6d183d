"""The previous facilitated grouping read onto the new roster: memberships, leavers and
joiners, and each old group's state (topic, kept facilitators, members, who was lost)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...exceptions import InputError
from ...roster import _keys
from ..roles.plan import membership_table

__all__ = ["OldGroup", "previous_table", "drop_leavers", "old_groups", "row_lookup"]


# ------------------------------------------------------------------------------- inputs
def previous_table(previous) -> pd.DataFrame:
    """id, group, role, topic, reason of the previous facilitated grouping."""
    table = membership_table(previous, ("id", "group", "role", "topic"),
                             where="rematch(previous=...) of facilitated groups")
    if "reason" not in table.columns:
        table["reason"] = None
    return table


def row_lookup(roster):

    def rows(ids) -> list[int]:
        keys = _keys(pd.Series(list(ids), dtype=object)).tolist()
        return [roster._row_of.get(k, -1) for k in keys]

    return rows


def drop_leavers(roster, table, joiners, leavers):
    """The roster without listed leavers; the ids of leavers and joiners."""
    rows = row_lookup(roster)
    prev_ids = table["id"].tolist()
    if leavers is not None:
        leavers = list(leavers)
        listed = set(row_lookup_keys(prev_ids))
        unknown = [v for v, r, k in zip(leavers, rows(leavers), row_lookup_keys(leavers),
                                        strict=True) if r < 0 and k not in listed]
        if unknown:
            raise InputError(f"rematch(leavers=...) names {unknown[:5]!r}, who are neither in "
                             "the previous grouping nor in the roster.")
        present = sorted({r for r in rows(leavers) if r >= 0})
        if present:
            roster = roster.take(np.setdiff1d(np.arange(roster.n), present))
            rows = row_lookup(roster)
    prev_rows = rows(prev_ids)
    gone = sorted({v for v, r in zip(prev_ids, prev_rows, strict=True) if r < 0}, key=str)
    in_prev = np.zeros(roster.n, dtype=bool)
    in_prev[[r for r in prev_rows if r >= 0]] = True
    if joiners is None:
        joined = np.flatnonzero(~in_prev)
    else:
        joined = np.asarray(roster.rows_of(list(joiners), "rematch(joiners=...)"))
        already = [roster.ids[r] for r in joined.tolist() if in_prev[r]]
        if already:
            raise InputError(f"rematch(joiners=...) names {already[:5]!r}, who are already in "
                             "the previous grouping; joiners are people new to the programme.")
    return roster, gone, joined


def row_lookup_keys(ids) -> list:

    return _keys(pd.Series(list(ids), dtype=object)).tolist()


# ------------------------------------------------------------------------------- the state
@dataclass
class OldGroup:
    """A previous group on the new roster."""

    label: object
    number: int
    topic: int  # -1: the topic is no longer known
    topic_name: str
    members: list[int]  # continuing mentees present in the new roster
    kept: list[int]  # facilitators who stay
    lost_leaders: list[str] = field(default_factory=list)  # ids of facilitators who left
    released: dict = field(default_factory=dict)  # facilitator row -> why they no longer lead
    lost_members: int = 0


def old_groups(roster, s, table) -> tuple[list[OldGroup], dict]:
    """The previous groups, their continuing members and the facilitators who may stay."""
    rows = row_lookup(roster)
    table = table.assign(row=rows(table["id"].tolist()))
    placed = table[table["group"].notna()]
    labels = sorted(placed["group"].unique().tolist(), key=lambda v: (str(type(v)), v))
    ints = all(isinstance(v, (int, np.integer)) for v in labels)
    vocab = {t: k for k, t in enumerate(roster.topics)}
    out, home = [], {}
    led = np.zeros(roster.n, dtype=np.int64)
    for k, label in enumerate(labels):
        part = placed[placed["group"] == label]
        names = part["topic"].dropna().unique().tolist()
        name = str(names[0]) if names else "?"
        t = vocab.get(name, -1) if len(names) == 1 else -1
        mentees = part[part["role"] == "mentee"]
        leaders = part[part["role"] == "facilitator"]
        g = OldGroup(label, int(label) if ints else k, t, name, [], [])
        g.lost_members = int((mentees["row"] < 0).sum())
        g.lost_leaders = [str(v) for v in leaders.loc[leaders["row"] < 0, "id"]]
        for i in mentees.loc[mentees["row"] >= 0, "row"].tolist():
            g.members.append(int(i))
            home.setdefault(int(i), []).append(len(out))
        for f in leaders.loc[leaders["row"] >= 0, "row"].tolist():
            f = int(f)
            if t < 0 or not (s.leader[f] and s.expertise[f, t]):
                g.released[f] = (f"no longer a facilitator with expertise in {name!r} "
                                 "(or no longer has capacity)")
            elif len(g.kept) >= s.fmax:
                g.released[f] = f"the group has the most facilitators allowed ({s.fmax})"
            elif led[f] >= s.cap_groups[f]:
                g.released[f] = f"their capacity is now {s.cap_groups[f]} group(s)"
            else:
                g.kept.append(f)
                led[f] += 1
        out.append(g)
    return out, home
