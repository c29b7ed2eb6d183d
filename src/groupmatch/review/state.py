"""The assignment under review: one row per membership, as plain arrays, never modified.

Peer groups have one membership per person (group ``-1`` when unplaced). Role modes have one
per (person, group) they are in, with the person's role there (mentee / facilitator, member /
mentor); a person in no group has one row with group ``-1``. Every change makes a new
:class:`State`, so undo and redo are a list of states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..problem import as_assignment

__all__ = ["State"]


def _frozen(values, dtype) -> np.ndarray:
    out = np.asarray(values, dtype=dtype)
    if dtype is object:
        out = np.array(list(values), dtype=object)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class State:
    """Memberships: roster ``person`` row, ``group`` (-1: none), ``role`` (None in peer groups)
    and the ``reason`` someone is in no group; ``topics`` per group (facilitated groups)."""

    person: np.ndarray
    group: np.ndarray
    role: np.ndarray
    reason: np.ndarray
    n_groups: int
    topics: tuple[str, ...] | None = None

    @classmethod
    def make(cls, person, group, role, reason, n_groups: int, topics=None) -> State:
        return cls(_frozen(person, np.int64), _frozen(group, np.int64), _frozen(role, object),
                   _frozen(reason, object), int(n_groups),
                   None if topics is None else tuple(topics))

    # ------------------------------------------------------------------ reading an answer
    @classmethod
    def peer(cls, roster, spec, answer) -> State:
        """Peer groups: the caller's group numbers kept (``gm.check``'s reading rules)."""
        problem = spec.problem(roster)
        a = as_assignment(roster, problem, answer)
        k = problem.n_groups
        if len(a) and a.max() >= k:
            raise InputError(f"The groups use {int(a.max()) + 1} group numbers; the programme's "
                             f"spec has {k} groups for {roster.n} people (0..{k - 1}).")
        return cls.make(np.arange(roster.n), a, [None] * roster.n, [None] * roster.n, k)

    @classmethod
    def roles(cls, roster, answer) -> State:
        """Role modes: memberships (``id``, ``group``, ``role`` and ``topic`` when groups have
        topics) from a Grouping or a table; people the table does not list are in no group."""
        table = _membership_table(answer)
        rows = roster.rows_of(table["id"].tolist(), "The groups under review")
        groups, n_groups = _group_numbers(table["group"])
        topics = None
        if "topic" in table.columns and table["topic"].notna().any():
            topics = []
            for g in range(n_groups):
                names = table.loc[groups == g, "topic"].dropna().unique().tolist()
                if len(names) != 1:
                    raise InputError(f"Group {g} needs exactly one topic; the table gives "
                                     f"{names}.")
                topics.append(str(names[0]))
        role = table["role"].astype(object).where(table["role"].notna(), None).tolist()
        reason = (table["reason"].astype(object).where(table["reason"].notna(), None).tolist()
                  if "reason" in table.columns else [None] * len(table))
        pairs = pd.Series(list(zip(rows.tolist(), groups.tolist(), strict=True)))
        twice = pairs[pairs.duplicated() & (groups >= 0)]
        if len(twice):
            row, g = twice.iloc[0]
            raise InputError(f"{roster.ids[row]!r} is listed twice in group {g}.")
        missing = np.setdiff1d(np.arange(roster.n), rows)
        person = np.concatenate([rows, missing])
        group = np.concatenate([groups, np.full(len(missing), -1)])
        return cls.make(person, group, role + [None] * len(missing),
                        reason + [None] * len(missing), n_groups, topics)

    # ------------------------------------------------------------------ views
    def rows_of(self, row: int) -> np.ndarray:
        """Membership indices of one roster row."""
        return np.flatnonzero(self.person == row)

    def members(self, group: int) -> np.ndarray:
        """Membership indices of one group."""
        return np.flatnonzero(self.group == group)

    def table(self, ids) -> pd.DataFrame:
        """``id``, ``group`` (Int64, <NA> for none), ``role``, ``topic`` (when groups have
        topics) and ``reason``: what gm.check, gm.score and gm.rematch read."""
        group = pd.array(np.where(self.group >= 0, self.group, 0), dtype="Int64")
        group[self.group < 0] = pd.NA
        out = pd.DataFrame({"id": np.asarray(ids, dtype=object)[self.person], "group": group,
                            "role": self.role})
        if self.topics is not None:
            topics = np.array([*self.topics, None], dtype=object)
            out["topic"] = topics[np.where(self.group >= 0, self.group, -1)]
        out["reason"] = self.reason
        return out

    def with_changes(self, changes: dict[int, int], roles: dict[int, str] | None = None,
                     drop: tuple[int, ...] = ()) -> State:
        """A new state: memberships ``k`` moved to ``changes[k]`` (their reason cleared),
        ``roles`` set, memberships in ``drop`` removed."""
        group = self.group.copy()
        role = self.role.copy()
        reason = self.reason.copy()
        for k, g in changes.items():
            group[k] = g
            reason[k] = None
        for k, r in (roles or {}).items():
            role[k] = r
        keep = np.setdiff1d(np.arange(len(group)), np.asarray(drop, dtype=np.int64))
        return State.make(self.person[keep], group[keep], role[keep], reason[keep],
                          self.n_groups, self.topics)

    def same_as(self, other: State) -> bool:
        return (len(self.person) == len(other.person) and self.topics == other.topics
                and self.n_groups == other.n_groups
                and np.array_equal(self.person, other.person)
                and np.array_equal(self.group, other.group)
                and list(self.role) == list(other.role))


def _membership_table(answer) -> pd.DataFrame:
    if hasattr(answer, "assignments") and hasattr(answer, "groups"):
        table = answer.assignments
        if "topic" in answer.groups.columns and "topic" not in table.columns:
            table = table.merge(answer.groups[["group", "topic"]], on="group", how="left")
    elif isinstance(answer, pd.DataFrame):
        table = answer
    else:
        raise InputError(f"The groups under review come from a Grouping, a DataFrame or a "
                         f"file; got {type(answer).__name__}.")
    missing = {"id", "group", "role"} - set(table.columns)
    if missing:
        raise InputError(f"The groups under review need the columns id, group and role (one "
                         f"row per membership); {', '.join(sorted(missing))} missing.")
    return table.reset_index(drop=True)


def _group_numbers(column: pd.Series) -> tuple[np.ndarray, int]:
    """Group numbers 0..k-1 as given; other labels (1-based, gaps, text) numbered 0, 1, ...
    in sorted order; -1 for none."""
    values = column.astype(object).where(column.notna(), None)
    placed = values.notna().to_numpy()
    out = np.full(len(values), -1, dtype=np.int64)
    try:
        labels = pd.to_numeric(values[placed]).to_numpy()
    except (TypeError, ValueError):
        labels = np.array([str(v) for v in values[placed].tolist()], dtype=object)
    unique, codes = np.unique(labels, return_inverse=True)
    out[placed] = codes
    return out, len(unique)
