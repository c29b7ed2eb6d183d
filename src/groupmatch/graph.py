"""A grouping as a graph: people and groups as nodes, membership and shared-need edges."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

from .exceptions import InputError
from .explain import hidden_columns

__all__ = ["to_networkx"]


def _graphml_value(value):
    """A GraphML-legal scalar (str, int, float, bool), or None to leave the attribute out."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return ";".join(str(v) for v in value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _attrs(record: dict) -> dict:
    return {str(k): v for k, v in ((k, _graphml_value(v)) for k, v in record.items())
            if v is not None}


def to_networkx(grouping, *, include_sensitive: bool = False, needs: str = "needs") -> nx.Graph:
    """People and groups as an undirected graph, ready for ``nx.write_graphml``.

    Nodes: each person under their id (``kind="person"`` plus the roster's visible columns,
    lists ``;``-joined) and each group under ``"group:<n>"`` (``kind="group"``, ``size``, term
    scores, which name no value; a sensitive column the mode groups by is left out). Edges:
    ``kind="member"`` from a person to each group they belong to (with their ``role``), and
    ``kind="shared_need"`` between group-mates who share learning needs (``weight`` = number of
    shared topics, ``topics`` = the topics). Every attribute value is a str, int, float or bool,
    as GraphML requires.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcd"), "needs": ["x;y", "x;y", "z", "z"]})
    >>> g = gm.solve(gm.Roster.from_frame(df),
    ...              gm.PeerGroups(size=2, terms=[gm.SharedNeeds()]))
    >>> graph = to_networkx(g)
    >>> graph.edges["a", "b"]["weight"], graph.nodes["group:0"]["size"]
    (2, 2)
    """
    if grouping._array is None:
        raise InputError(f"This grouping has no solution to draw (status "
                         f"{grouping.status.value}).")
    roster = grouping._roster
    hidden = hidden_columns(roster, include_sensitive)
    graph = nx.Graph(status=grouping.status.value, objective=grouping.objective)
    frame = roster.frame.reset_index(drop=True)
    id_col = roster.columns.get("id", "id")
    visible = [c for c in frame.columns if c != id_col and c not in hidden]
    group_keys = {f"group:{g}" for g in grouping.groups["group"].tolist()}
    clash = group_keys & {str(i) for i in roster.ids}
    if clash:
        raise InputError(f"Person id {sorted(clash)[0]!r} looks like a group node name; "
                         "rename it before converting to a graph.")
    for row, record in enumerate(frame[visible].to_dict("records")):
        graph.add_node(_graphml_value(roster.ids[row]), kind="person", **_attrs(record))
    for record in grouping.groups.to_dict("records"):
        record = {k: v for k, v in record.items() if k not in hidden}
        g = int(record.pop("group"))
        record.pop("members", None)
        graph.add_node(f"group:{g}", kind="group", group=g, **_attrs(record))
    for record in grouping.assignments.to_dict("records"):
        if pd.isna(record["group"]):
            continue
        graph.add_edge(_graphml_value(record["id"]), f"group:{int(record['group'])}",
                       kind="member", role=str(record.get("role") or "member"))
    if needs in roster.multi and needs not in hidden:
        _shared_need_edges(graph, roster, grouping.assignment_array(), needs)
    return graph


def _shared_need_edges(graph, roster, a, needs) -> None:
    m = roster.multi[needs]
    order = np.argsort(a, kind="stable")
    order = order[a[order] >= 0]
    bounds = np.flatnonzero(np.diff(a[order])) + 1
    for rows in np.split(order, bounds):
        sub = m.matrix[rows].astype(np.int64)
        common = sub @ sub.T  # group-sized, never n x n
        for x, y in zip(*np.nonzero(np.triu(common, 1)), strict=True):
            topics = np.flatnonzero(m.matrix[rows[x]] & m.matrix[rows[y]])
            graph.add_edge(_graphml_value(roster.ids[rows[x]]),
                           _graphml_value(roster.ids[rows[y]]), kind="shared_need",
                           weight=int(common[x, y]),
                           topics=";".join(m.vocabulary[t] for t in topics))
