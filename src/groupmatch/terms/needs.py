"""Shared-needs objectives: members who want to learn the same things."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_weight
from ..exceptions import InputError
from .base import ModelContext, SearchComponent, Term, pairs

__all__ = ["SharedNeeds"]


def topic_counts(matrix: np.ndarray, assignment: np.ndarray, n_groups: int) -> np.ndarray:
    """``TC[g, t]``: members of group g with topic t (unplaced people skipped).

    Examples
    --------
    >>> m = np.array([[1, 0], [1, 1], [0, 1]], dtype=bool)
    >>> topic_counts(m, np.array([0, 0, 1]), 2).tolist()
    [[2, 1], [0, 1]]
    """
    out = np.zeros((n_groups, matrix.shape[1]), dtype=np.int64)
    placed = assignment >= 0
    np.add.at(out, assignment[placed], matrix[placed].astype(np.int64))
    return out


@dataclass(frozen=True)
class SharedNeeds(Term):
    """Reward groups whose members share learning needs.

    The value of a group is the number of (member pair, topic) combinations where both members
    need the topic: ``Σ_t C(c_t, 2)``. A group of five who all need "negotiation" scores 10 on
    that topic alone. Programme owners read it as "each group has something to learn together".
    ``column`` names another multi-valued column (for example ``interests``).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.SharedNeeds(weight=2).label
    'shared[needs]'
    """

    column: str = "needs"
    pairwise_sum = True  # each pair counts the topics both members need

    def __post_init__(self):
        if not isinstance(self.column, str) or not self.column:
            raise InputError(f"SharedNeeds needs a column name; got {self.column!r}.")
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return f"shared[{self.column}]"

    def validate(self, roster, n_groups):
        roster.require(self.column, ("multi",), self.label)

    def _matrix(self, roster) -> np.ndarray:
        return roster.multi[self.column].matrix

    def encode(self, ctx: ModelContext):
        m = self._matrix(ctx.roster)[ctx.people]
        total = []
        for t in np.flatnonzero(m.sum(axis=0) >= 2).tolist():
            rows = ctx.people[m[:, t]]
            for g in ctx.groups.tolist():
                upper = min(len(rows), ctx.hi[g])
                total.append(ctx.pairs_of(ctx.count(rows, g), upper, f"{self.label}[{g},{t}]"))
        return sum(total)

    def group_values(self, roster, assignment, n_groups):
        return pairs(topic_counts(self._matrix(roster), assignment, n_groups)).sum(axis=1)

    def explain(self, roster, assignment, group):
        multi = roster.multi[self.column]
        members = np.flatnonzero(assignment == group)
        counts = multi.matrix[members].sum(axis=0)
        shared = {multi.vocabulary[t]: int(counts[t]) for t in np.flatnonzero(counts >= 2)}
        shared = dict(sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])))
        has_shared = multi.matrix[members][:, counts >= 2].any(axis=1)
        alone = [str(roster.ids[i]) for i in members[~has_shared]]
        return {"shared": shared, "value": int(pairs(counts).sum()), "sharing_nothing": alone}

    def upper_bound(self, roster, lo, hi):
        """Each topic's holders packed into as few groups as the maximum sizes allow.

        Filling the largest groups first maximises Σ_g C(c_g, 2) for one topic (the filled
        vector majorises every other), so the sum over topics is a valid bound.
        """
        caps = np.sort(np.asarray(hi, dtype=np.int64))[::-1]
        cum = np.cumsum(caps)
        total = 0
        for c in self._matrix(roster).sum(axis=0).tolist():
            full = int(np.searchsorted(cum, c, side="right"))  # groups filled completely
            rest = c - (int(cum[full - 1]) if full else 0)
            total += int(pairs(caps[:full]).sum()) + rest * (rest - 1) // 2
        return total

    def search_components(self, roster):
        return [SearchComponent("multi", self._matrix(roster).astype(np.uint8))]
