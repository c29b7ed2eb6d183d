"""What facilitated groups and team mentoring share: who may play which role, reporting lines,
capacities, role terms, pinned sub-problem members and the membership tables of the result."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from .._validation import check_weight
from ..exceptions import InputError
from ..roster import ROLES
from ..terms.base import ModelContext, Term, Violation, weights_to_int

__all__ = ["RoleSpec", "RoleTerm", "BalanceLoad", "RolePlan", "people_in_roles", "reporting_lines",
           "capacities", "check_range", "memberships_from"]

MENTEE, MENTOR, BOTH = (ROLES.index(r) for r in ("mentee", "mentor", "both"))


def check_range(name: str, value, minimum: int = 0) -> tuple[int, int]:
    """A ``(min, max)`` pair of integers (an int means exactly that many)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    if (not isinstance(value, Sequence) or len(value) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                       for v in value)):
        raise InputError(f"{name} must be an int or a (min, max) pair of ints; got {value!r}.")
    lo, hi = int(value[0]), int(value[1])
    if lo < minimum or hi < max(lo, 1):
        raise InputError(f"{name} must satisfy {minimum} <= min <= max and max >= 1; "
                         f"got ({lo}, {hi}).")
    return lo, hi


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
    g = roster.hierarchy
    import networkx as nx

    out = {}
    for i in rows:
        out[int(i)] = {int(i)} | nx.ancestors(g, i) | nx.descendants(g, i)
    return out


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


def run_settings(time_limit, random_state, seed, workers, deterministic, method) -> dict:
    """What a role-mode solve records for reproducing it (``Grouping.settings``)."""
    return {"time_limit": float(time_limit), "random_state": random_state, "seed": seed,
            "workers": 1 if deterministic else workers, "deterministic": deterministic,
            "method": method}


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

    def loads(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(groups led, mentees taken) per roster row."""
        groups = np.zeros(n, dtype=np.int64)
        mentees = np.zeros(n, dtype=np.int64)
        for mem, lead in zip(self.members, self.leaders, strict=True):
            groups[lead] += 1
            mentees[lead] += len(mem)
        return groups, mentees


class RoleSpec:
    """What facilitated groups and team mentoring share as specs: one integer weight scale."""

    terms: tuple

    @property
    def weights(self) -> tuple[int, ...]:
        """Integer weight per term, aligned with ``terms`` (0 for hard rules), as in Problem."""
        w = self.weight_of()
        return tuple(w.get(t.label, 0) for t in self.terms)

    def weight_of(self) -> dict[str, int]:
        """Integer weight per soft term label (one scale for mentee and role terms)."""
        soft = [t for t in self.terms if not t.hard]
        ints = weights_to_int([float(t.weight) for t in soft], [t.label for t in soft])
        return dict(zip([t.label for t in soft], ints, strict=True))


class RoleTerm(Term):
    """A term about the leaders of role groups (facilitators, mentors), scored on a RolePlan.

    ``encode_roles(model, data)`` adds it to the role model (``data`` is a dict the mode fills:
    ``load`` IntVars per mentor row, and mode-specific entries) and returns its objective
    expression; ``plan_values(roster, plan)`` returns its per-group (or one-element) values.
    """

    modes: ClassVar[tuple[str, ...]] = ("facilitated", "team")

    def encode(self, ctx: ModelContext):
        raise InputError(f"{self.label} applies to facilitated groups or team mentoring, "
                         "not to peer groups.")

    def encode_roles(self, model, data: dict):
        raise NotImplementedError

    def plan_values(self, roster, plan: RolePlan, data: dict) -> np.ndarray:
        raise NotImplementedError

    def explain_plan(self, roster, plan: RolePlan, data: dict, group: int) -> dict:
        return {}


@dataclass(frozen=True)
class BalanceLoad(RoleTerm):
    """Spread the load across facilitators or mentors so the most popular are not burnt out.

    Value: ``-Σ_f load_f²`` over leaders, with ``load_f`` the number of mentees (facilitated
    groups) or team members (team mentoring) they take. Among plans placing the same people,
    it prefers many moderately loaded leaders to a few heavily loaded ones.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.BalanceLoad(weight=2).label
    'balance_load'
    """

    def __post_init__(self):
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return "balance_load"

    def encode_roles(self, model, data: dict):
        parts = []
        for f, load in data["load"].items():
            cap = data["load_cap"][f]
            sq = model.new_int_var(0, cap * cap, f"load_sq[{f}]")
            model.add_element(load, [k * k for k in range(cap + 1)], sq)
            parts.append(sq)
        return -sum(parts) if parts else 0

    def plan_values(self, roster, plan, data):
        _, mentees = plan.loads(roster.n)
        return np.array([-int((mentees ** 2).sum())], dtype=np.int64)

    def explain_plan(self, roster, plan, data, group):
        _, mentees = plan.loads(roster.n)
        lead = plan.leaders[group]
        return {"leader_loads": {str(roster.ids[f]): int(mentees[f]) for f in lead}}
