"""Pinning: people fixed to a group before solving."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..exceptions import InfeasibleError, InputError
from .base import SearchComponent, Violation
from .tiers import Rule

__all__ = ["Pin"]


@dataclass(frozen=True, eq=False)
class Pin(Rule):
    """Rule: the given people sit in the given groups (``{id: group index}``).

    Groups are numbered ``0..groups-1``; pinning ties results to group numbers, so the result
    keeps them (no renumbering). Useful to keep last round's hosts, or to fix a few people by
    hand and let the solver place the rest.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.Pin({"e1": 0, "e7": 2}).label
    'Pin'
    """

    assignments: Mapping[object, int] = field(default_factory=dict)
    group_specific: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        a = self.assignments
        if hasattr(a, "to_dict"):
            a = a.to_dict()
        if not isinstance(a, Mapping):
            raise InputError(f"Pin needs a mapping {{id: group index}}; got {a!r}.")
        for k, g in a.items():
            if isinstance(g, bool) or not isinstance(g, numbers.Integral) or g < 0:
                raise InputError(f"Pin puts {k!r} in group {g!r}; groups are numbered by "
                                 "integers 0, 1, 2, ...")
        object.__setattr__(self, "assignments", {k: int(g) for k, g in a.items()})

    def _pins(self, roster) -> tuple[np.ndarray, np.ndarray]:
        rows = roster.rows_of(list(self.assignments), "Pin")
        return rows, np.array(list(self.assignments.values()), dtype=np.int64)

    def validate(self, roster, n_groups):
        rows, groups = self._pins(roster)
        if len(groups) and groups.max() >= n_groups:
            k = int(np.argmax(groups))
            raise InputError(f"Pin puts {roster.ids[rows[k]]!r} in group {groups[k]}, but there "
                             f"are only {n_groups} groups (0..{n_groups - 1}).")

    def describe(self, roster, lo, hi):
        return f"Pin ({len(self.assignments)} people fixed to groups)"

    def max_instances(self, roster, n_groups):
        return len(self.assignments)

    def broken_per_group(self, roster, assignment, n_groups):
        rows, groups = self._pins(roster)
        broken = assignment[rows] != groups
        return np.bincount(groups[broken], minlength=n_groups).astype(np.int64)

    def violations(self, roster, assignment, n_groups):
        rows, groups = self._pins(roster)
        return [Violation(self.label, (int(g),), (int(i),),
                          f"{roster.ids[i]} is pinned to group {g} but sits in group "
                          f"{assignment[i]}")
                for i, g in zip(rows.tolist(), groups.tolist(), strict=True)
                if assignment[i] != g]

    def instance_holds(self, ctx):
        rows, groups = self._pins(ctx.roster)
        for i, g in zip(rows.tolist(), groups.tolist(), strict=True):
            if not ctx.has(i):
                continue
            lit = ctx.x.get((i, g))
            yield g, (lit if lit is not None else ctx.model.new_constant(0))

    def explain(self, roster, assignment, group):
        rows, groups = self._pins(roster)
        return {"pinned_here": [str(roster.ids[i]) for i in rows[groups == group]]}

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        rows, groups = self._pins(roster)
        if len(groups) == 0:
            return
        per_group = np.bincount(groups, minlength=len(hi))[: len(hi)]
        over = np.flatnonzero(per_group > np.asarray(hi))
        if len(over):
            g = int(over[0])
            raise InfeasibleError(
                f"Pin puts {per_group[g]} people in group {g}, which holds at most {hi[g]}. "
                "Pin fewer people there or allow larger groups.",
                conflicts=(self.label, "SizeBounds"),
            )

    def search_components(self, roster):
        if not self.hard:
            return None  # a scored pin is a soft preference the kernels do not model
        rows, groups = self._pins(roster)
        fixed = np.full(roster.n, -1, dtype=np.int64)
        fixed[rows] = groups
        return [SearchComponent("fixed", fixed)]
