"""Role terms: terms about the leaders of groups (facilitators, mentors).

They keep the one term contract of :mod:`groupmatch.terms.base`, seen through a role model:

1. ``encode(ctx)`` adds the term to the mode's CP-SAT role model through a :class:`RoleContext`
   and returns its objective expression;
2. ``group_values(roster, plan, n_groups)`` scores a role plan (members and leaders per group,
   in roster rows) with numpy, in the very same integers: one value per group, or a single
   value for the whole programme (``BalanceLoad``);
3. ``explain(roster, plan, group)`` says what the term sees in one group.

A mode states which context fields its role model fills (the spec's ``offers``); a term names
the fields it reads (``context``), so a spec rejects a term its model cannot serve before any
solve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._validation import check_weight
from ..exceptions import InputError
from .base import Term

__all__ = ["RoleTerm", "RoleContext", "BalanceLoad"]


class RoleContext:
    """The role model a role term encodes into.

    Always: ``model`` (the CP-SAT model), ``roster``, ``load`` (``{leader row: IntVar}``, the
    mentees or team members a leader takes) and ``load_cap`` (its upper bound). Team mentoring
    adds ``picks`` (``{team: [(mentor row, BoolVar)]}``), ``goal`` (``(teams, topics)`` members
    needing each topic), ``members`` (rows per team) and ``expertise`` (``(n, topics)`` bool).
    """

    def __init__(self, model, roster, *, load: dict, load_cap: dict, **fields: Any):
        self.model, self.roster = model, roster
        self.load, self.load_cap = load, load_cap
        for name, value in fields.items():
            setattr(self, name, value)


class RoleTerm(Term):
    """A term about the leaders of role groups, scored on a role plan."""

    context: ClassVar[frozenset[str]] = frozenset({"load"})  # RoleContext fields it reads

    def served_by(self, offers: frozenset[str]) -> bool:
        """Can a mode whose role model offers these context fields encode this term?"""
        return self.context <= offers

    def encode(self, ctx: RoleContext):
        raise NotImplementedError

    def group_values(self, roster, assignment, n_groups: int) -> np.ndarray:
        raise NotImplementedError


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

    def encode(self, ctx: RoleContext):
        if not isinstance(ctx, RoleContext):
            raise InputError(f"{self.label} applies to facilitated groups or team mentoring, "
                             "not to peer groups.")
        parts = []
        for f, load in ctx.load.items():
            cap = ctx.load_cap[f]
            sq = ctx.model.new_int_var(0, cap * cap, f"load_sq[{f}]")
            ctx.model.add_element(load, [k * k for k in range(cap + 1)], sq)
            parts.append(sq)
        return -sum(parts) if parts else 0

    def group_values(self, roster, assignment, n_groups):
        _, mentees = assignment.loads(roster.n)
        return np.array([-int((mentees ** 2).sum())], dtype=np.int64)

    def explain(self, roster, assignment, group):
        _, mentees = assignment.loads(roster.n)
        lead = assignment.leaders[group]
        return {"leader_loads": {str(roster.ids[f]): int(mentees[f]) for f in lead}}
