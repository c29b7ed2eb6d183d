"""Backup facilitators: who could step in for a facilitator of each facilitated group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._validation import check_int
from ...exceptions import InputError

__all__ = ["backup_facilitators"]


def _reporting_line(roster) -> list[set]:
    """For each row, everybody above or below them in the hierarchy."""
    return [set(roster.reporting_line(i).tolist()) - {i} for i in range(roster.n)]


def backup_facilitators(grouping, roster, k: int = 3, *, capacity=(1, 10)) -> pd.DataFrame:
    """For each facilitated group, up to ``k`` people who could step in for a facilitator.

    A backup has the group's topic in their ``expertise``, may facilitate (role ``mentor`` or
    ``both`` when the roster has roles), is not already in the group, has no reporting line to
    anybody in it, and has spare capacity: at least one group and the group's mentees left
    under ``capacity_groups`` / ``capacity_mentees`` after their load in ``grouping.loads``.
    Ranked by fewest groups already led, then most spare mentee places, then id.

    Parameters
    ----------
    grouping : Grouping
        A facilitated grouping (``groups`` with ``topic``, ``members`` and ``facilitators``).
    roster : Roster
        The roster it was formed from.
    k : int
        Backups per group.
    capacity : (int, int)
        (groups, mentees) capacity for people when the roster has no capacity columns.

    Returns
    -------
    DataFrame
        ``group, topic, rank, id, spare_groups, spare_mentees``; groups with no possible
        backup have no rows (``attrs["uncovered"]`` lists them).

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({
    ...     "id": ["f1", "f2", "m1", "m2"], "role": ["mentor", "mentor", "mentee", "mentee"],
    ...     "expertise": ["sql", "sql", "", ""], "needs": ["", "", "sql", "sql"]}))
    >>> class G:  # the shape of a facilitated Grouping
    ...     groups = pd.DataFrame({"group": [0], "topic": ["sql"], "members": [["m1", "m2"]],
    ...                            "facilitators": [["f1"]]})
    ...     loads = pd.DataFrame({"id": ["f1"], "groups": [1], "mentees": [2]})
    >>> gm.backup_facilitators(G(), r)[["group", "rank", "id"]].to_dict("records")
    [{'group': 0, 'rank': 1, 'id': 'f2'}]
    """
    k = check_int("k", k, minimum=1)
    groups = grouping.groups
    if not {"topic", "facilitators", "members"} <= set(groups.columns):
        raise InputError("backup_facilitators needs a facilitated grouping (groups with "
                         "'topic', 'members' and 'facilitators' columns).")
    if "expertise" not in roster.multi:
        raise InputError("backup_facilitators needs the roster's 'expertise' column.")
    multi = roster.multi["expertise"]
    topic_col = {t: c for c, t in enumerate(multi.vocabulary)}
    cap_g = (np.full(roster.n, capacity[0]) if roster.capacity_groups is None
             else np.asarray(roster.capacity_groups))
    cap_m = (np.full(roster.n, capacity[1]) if roster.capacity_mentees is None
             else np.asarray(roster.capacity_mentees))
    load_g = np.zeros(roster.n, dtype=np.int64)
    load_m = np.zeros(roster.n, dtype=np.int64)
    loads = getattr(grouping, "loads", None)
    if loads is not None and len(loads):
        rows = roster.rows_of(loads["id"].tolist(), "grouping.loads")
        load_g[rows] = loads["groups"].to_numpy(dtype=np.int64)
        load_m[rows] = loads["mentees"].to_numpy(dtype=np.int64)
    may_lead = np.ones(roster.n, dtype=bool) if roster.role is None else roster.role != 0
    line = _reporting_line(roster)
    out, uncovered = [], []
    for _, g in groups.iterrows():
        members = roster.rows_of(list(g["members"]), "grouping.groups.members")
        leaders = roster.rows_of(list(g["facilitators"]), "grouping.groups.facilitators")
        inside = set(members.tolist()) | set(leaders.tolist())
        topic = str(g["topic"])
        has = multi.matrix[:, topic_col[topic]] if topic in topic_col else np.zeros(roster.n,
                                                                                   dtype=bool)
        spare_g = cap_g - load_g
        spare_m = cap_m - load_m
        ok = has & may_lead & (spare_g >= 1) & (spare_m >= len(members))
        blocked = set().union(*(line[i] for i in inside)) | inside if inside else set()
        cands = [i for i in np.flatnonzero(ok).tolist() if i not in blocked]
        cands.sort(key=lambda i: (load_g[i], -spare_m[i], str(roster.ids[i])))
        if not cands:
            uncovered.append(g["group"])
        for rank, i in enumerate(cands[:k], start=1):
            out.append({"group": g["group"], "topic": topic, "rank": rank, "id": roster.ids[i],
                        "spare_groups": int(spare_g[i]), "spare_mentees": int(spare_m[i])})
    table = pd.DataFrame(out, columns=["group", "topic", "rank", "id", "spare_groups",
                                       "spare_mentees"])
    table.attrs["uncovered"] = uncovered
    return table
