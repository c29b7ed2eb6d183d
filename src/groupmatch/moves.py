"""How many people moved between two groupings: the one count used by ``gm.moved_people``,
``gm.compare`` and the re-match benchmarks.

Group numbers of independent solves mean nothing, so groups are first paired to keep the most
people together (a maximum-weight matching; greedy beyond ``EXACT_MATCHING_LIMIT`` groups). A
person counts as moved when their new group is not paired with their old one, or when they are
placed in one grouping and not in the other.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from .exceptions import InputError

__all__ = ["moved_people", "people_moved", "member_groups", "group_overlap"]

EXACT_MATCHING_LIMIT = 400  # groups up to which groups are matched optimally (else greedily)


def group_overlap(a: np.ndarray, b: np.ndarray) -> pd.Series:
    """People per (group in a, group in b), for people placed in both."""
    both = (a >= 0) & (b >= 0)
    return pd.Series(1, index=pd.MultiIndex.from_arrays([a[both], b[both]])).groupby(
        level=[0, 1]).sum()


def people_moved(a: np.ndarray, b: np.ndarray) -> int:
    """Moved people between two aligned assignments (group per person, -1 unplaced).

    Examples
    --------
    >>> people_moved(np.array([0, 0, 1, 1]), np.array([1, 1, 0, -1]))
    1
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    overlap = group_overlap(a, b)
    n_groups = max(len(np.unique(a[a >= 0])), len(np.unique(b[b >= 0])))
    if n_groups <= EXACT_MATCHING_LIMIT:
        graph = nx.Graph()
        graph.add_weighted_edges_from((("a", ga), ("b", gb), int(c))
                                      for (ga, gb), c in overlap.items())
        kept = sum(graph.edges[u, v]["weight"] for u, v in nx.max_weight_matching(graph))
    else:
        kept, used_a, used_b = 0, set(), set()
        for (ga, gb), c in overlap.sort_values(ascending=False).items():
            if ga not in used_a and gb not in used_b:
                kept += int(c)
                used_a.add(ga)
                used_b.add(gb)
    placed = int(np.count_nonzero((a >= 0) | (b >= 0)))
    return placed - int(kept)


def member_groups(grouping, where: str = "moved_people") -> tuple[pd.Series, list]:
    """({id: group label} of a grouping's placed members, [ids of its unplaced members]);
    facilitators and mentors are left out. ``where`` names the caller in error messages."""
    if hasattr(grouping, "assignments"):
        frame = grouping.assignments
        if "role" in frame.columns:
            frame = frame[frame["role"].isin(["member", "mentee"]) | frame["role"].isna()]
    elif isinstance(grouping, pd.DataFrame) and {"id", "group"} <= set(grouping.columns):
        frame = grouping
    else:
        raise InputError(f"{where} takes a Grouping or a DataFrame with columns 'id' and "
                         f"'group'; got {type(grouping).__name__}.")
    placed = frame[frame["group"].notna()]
    if placed["id"].duplicated().any():
        dup = placed.loc[placed["id"].duplicated(), "id"].iloc[0]
        raise InputError(f"{where}: {dup!r} is in more than one group; it expects one group "
                         "per person.")
    unplaced = frame.loc[frame["group"].isna() & ~frame["id"].isin(placed["id"]), "id"]
    return (pd.Series(placed["group"].to_numpy(dtype=object), index=placed["id"].to_numpy()),
            unplaced.drop_duplicates().tolist())


def _members(grouping) -> pd.Series:
    """{id: group label or None} of a grouping's members (placed or not)."""
    placed, unplaced = member_groups(grouping)
    return pd.concat([placed, pd.Series(None, index=unplaced, dtype=object)])


def _codes(labels: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(labels.astype(object).where(labels.notna(), None), sort=False)
    return codes.astype(np.int64)  # None -> -1


def moved_people(previous, current) -> int:
    """How many people of both groupings are in a different group, groups matched optimally.

    Each current group is paired with the previous group it shares most people with (a
    maximum-weight matching); a person in both counts as moved when their current group is not
    paired with their previous one, or when they were placed in one and not in the other.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> before = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    >>> after = pd.DataFrame({"id": list("abcd"), "group": [1, 1, 0, 0]})
    >>> gm.moved_people(before, after)
    0
    """
    a, b = _members(previous), _members(current)
    both = a.index.intersection(b.index)
    return people_moved(_codes(a[both].astype(str).where(a[both].notna())),
                        _codes(b[both].astype(str).where(b[both].notna())))
