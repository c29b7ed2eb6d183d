"""What facilitated groups and team mentoring share: who may play which role, reporting lines,
capacities, the role plan (members and leaders per group) and the membership tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...exceptions import InputError
from ...roster import ROLES
from ...terms.base import Violation

__all__ = ["RolePlan", "people_in_roles", "reporting_lines", "capacities",
           "memberships_from", "membership_table", "nobody_lost"]

MENTEE, MENTOR, BOTH = (ROLES.index(r) for r in ("mentee", "mentor", "both"))


def people_in_roles(roster) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (may be mentored, may mentor). Without a role column everybody may be both."""
    if roster.role is None:
        yes = np.ones(roster.n, dtype=bool)
        return yes, yes.copy()
    role = np.asarray(roster.role)
    return np.isin(role, (MENTEE, BOTH)), np.isin(role, (MENTOR, BOTH))


def capacities(roster, default: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(groups, mentees) each person may take as a mentor: the roster's columns or the default."""
    cg = (np.full(roster.n, default[0], dtype=np.int64) if roster.capacity_groups is None
          else np.asarray(roster.capacity_groups, dtype=np.int64))
    cm = (np.full(roster.n, default[1], dtype=np.int64) if roster.capacity_mentees is None
          else np.asarray(roster.capacity_mentees, dtype=np.int64))
    return cg, cm


def reporting_lines(roster, rows: Sequence[int]) -> dict[int, set[int]]:
    """For each given row: everybody above them (managers at any level), below them (reports at
    any level) and themself. Nobody in that set may facilitate or mentor them."""
    return {int(i): set(roster.reporting_line(int(i)).tolist()) for i in rows}


def membership_table(assignment, required=("id", "group", "role"),
                     where: str = "A role-mode answer") -> pd.DataFrame:
    """A copy of the memberships of a role-mode answer: a Grouping (its ``topic`` joined from
    ``groups``) or a DataFrame with the ``required`` columns."""
    if hasattr(assignment, "assignments") and hasattr(assignment, "groups"):
        table = assignment.assignments
        groups = assignment.groups
        if "topic" in groups.columns and "topic" not in table.columns:
            table = table.merge(groups[["group", "topic"]], on="group", how="left")
    elif isinstance(assignment, pd.DataFrame):
        table = assignment
    else:
        raise InputError(f"{where} is read from a Grouping or a DataFrame with columns "
                         f"{', '.join(required)}; got {type(assignment).__name__}.")
    missing = set(required) - set(table.columns)
    if missing:
        raise InputError(f"{where} needs columns {', '.join(required)}; {sorted(missing)} "
                         "missing.")
    return table.copy()


def memberships_from(roster, assignment) -> pd.DataFrame:
    """The memberships of an answer on ``roster``, with each person's roster ``row``."""
    table = membership_table(assignment, where="The membership table")
    table["row"] = roster.rows_of(table["id"].tolist(), "The membership table")
    return table


def nobody_lost(roster, table: pd.DataFrame) -> list[Violation]:
    """One violation when some roster people are in no row of the membership table."""
    lost = np.setdiff1d(np.arange(roster.n), table["row"].to_numpy(np.int64))
    if not len(lost):
        return []
    return [Violation("Everyone", (), tuple(lost.tolist()),
                      f"{len(lost)} people are missing from the answer "
                      f"(first: {roster.ids[lost[0]]})")]


@dataclass
class RolePlan:
    """A role-mode answer in roster rows: per group its members (mentees / team members), its
    leaders (facilitators / mentors) and, for facilitated groups, its topic."""

    members: list[np.ndarray]
    leaders: list[np.ndarray]
    topic: list[int] = field(default_factory=list)  # facilitated: topic index per group

    @property
    def n_groups(self) -> int:
        return len(self.members)

    def left_out(self, eligible: np.ndarray) -> np.ndarray:
        """Rows of ``eligible`` (a boolean mask over the roster) in no group's members."""
        joined = np.zeros(len(eligible), dtype=np.int64)
        for mem in self.members:
            np.add.at(joined, mem, 1)
        return np.flatnonzero(eligible & (joined == 0))

    def loads(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(groups led, mentees taken) per roster row."""
        groups = np.zeros(n, dtype=np.int64)
        mentees = np.zeros(n, dtype=np.int64)
        for mem, lead in zip(self.members, self.leaders, strict=True):
            groups[lead] += 1
            mentees[lead] += len(mem)
        return groups, mentees
