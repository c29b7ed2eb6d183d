"""Rules about meeting: a weekly slot every member has, and time zones close enough."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_int
from ..exceptions import InfeasibleError, InputError
from .base import SearchComponent, Violation
from .composition import GROUP_RULE_KINDS, _sizes
from .needs import topic_counts
from .tiers import Rule, all_of, any_of, reify_ge

__all__ = ["CommonSlot", "TimezoneWindow"]


def _names(ids, rows, limit: int = 3) -> str:
    shown = ", ".join(str(ids[i]) for i in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


@dataclass(frozen=True)
class CommonSlot(Rule):
    """Rule: the members of every group share at least ``min_slots`` weekly availability slots.

    Reads the multi-valued ``slots`` column (or ``column``). The result names the common slots
    of each group (``grouping.groups["common_slots"]``).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.CommonSlot().label
    'common_slot'
    """

    min_slots: int = 1
    column: str = "slots"

    def __post_init__(self):
        super().__post_init__()
        check_int("min_slots", self.min_slots, minimum=1)
        if not isinstance(self.column, str) or not self.column:
            raise InputError(f"CommonSlot needs a column name; got {self.column!r}.")

    @property
    def label(self) -> str:
        return "common_slot" if self.column == "slots" else f"common_slot[{self.column}]"

    def validate(self, roster, n_groups):
        roster.require(self.column, ("multi",), self.label)

    def _matrix(self, roster) -> np.ndarray:
        return roster.multi[self.column].matrix

    def describe(self, roster, lo, hi):
        m = self._matrix(roster)
        return (f"{self.label} (every group shares {self.min_count_words()}; people have "
                f"{int(m.sum(axis=1).min())}-{int(m.sum(axis=1).max())} of {m.shape[1]} slots)")

    def min_count_words(self) -> str:
        return "a slot" if self.min_slots == 1 else f"{self.min_slots} slots"

    def _common(self, roster, assignment, n_groups) -> np.ndarray:
        """``[g, t]``: slot t is free for every member of group g (and g is not empty)."""
        tc = topic_counts(self._matrix(roster), assignment, n_groups)
        sizes = _sizes(assignment, n_groups)
        return (tc == sizes[:, None]) & (sizes[:, None] > 0)

    def broken_per_group(self, roster, assignment, n_groups):
        sizes = _sizes(assignment, n_groups)
        common = self._common(roster, assignment, n_groups).sum(axis=1)
        return ((sizes > 0) & (common < self.min_slots)).astype(np.int64)

    def violations(self, roster, assignment, n_groups):
        out = []
        vocab = roster.multi[self.column].vocabulary
        tc = topic_counts(self._matrix(roster), assignment, n_groups)
        for g in np.flatnonzero(self.broken_per_group(roster, assignment, n_groups)).tolist():
            members = np.flatnonzero(assignment == g)
            best = int(np.argmax(tc[g]))
            out.append(Violation(
                self.label, (g,), tuple(members.tolist()),
                f"group {g} has fewer than {self.min_slots} slot(s) free for all {len(members)} "
                f"members (best: {vocab[best]}, free for {tc[g, best]})"))
        return out

    def group_columns(self, roster, assignment, n_groups) -> dict[str, list]:
        """Extra columns of ``grouping.groups``: the slots every member has."""
        vocab = roster.multi[self.column].vocabulary
        common = self._common(roster, assignment, n_groups)
        return {"common_slots": [[vocab[t] for t in np.flatnonzero(row)] for row in common]}

    def instance_holds(self, ctx):
        m = self._matrix(ctx.roster)[ctx.people]
        slots = np.flatnonzero(m.any(axis=0)).tolist()
        for g in ctx.groups.tolist():
            size = ctx.size(g)
            free = [reify_ge(ctx, ctx.count(ctx.people[m[:, t]], g) - size, 0,
                             f"{self.label}.free[{g},{t}]") for t in slots]
            enough = reify_ge(ctx, sum(free), self.min_slots, f"{self.label}.enough[{g}]")
            empty = ~reify_ge(ctx, size, 1, f"{self.label}.used[{g}]")
            yield g, any_of(ctx, [empty, enough], f"{self.label}.holds[{g}]")

    def explain(self, roster, assignment, group):
        cols = self.group_columns(roster, np.where(assignment == group, 0, -1), 1)
        return {"common_slots": cols["common_slots"][0], "needed": self.min_slots}

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        m = self._matrix(roster)
        few = np.flatnonzero(m.sum(axis=1) < self.min_slots)
        if len(few):
            raise InfeasibleError(
                f"CommonSlot needs {self.min_slots} common slot(s) per group, but {len(few)} "
                f"{'person has' if len(few) == 1 else 'people have'} fewer than "
                f"{self.min_slots} slot(s) in {self.column!r} ({_names(roster.ids, few)}). Add "
                f"their availability or lower min_slots.",
                conflicts=(self.label,),
            )
        smallest = int(np.min(lo))
        holders = m.sum(axis=0)
        reach = (m * holders[None, :]).max(axis=1)  # most people sharing one of i's slots
        lonely = np.flatnonzero(reach < smallest)
        if smallest > 1 and len(lonely):
            who = "person shares" if len(lonely) == 1 else "people share"
            raise InfeasibleError(
                f"CommonSlot: {len(lonely)} {who} no slot with {smallest - 1} others, but every "
                f"group needs at least {smallest} members ({_names(roster.ids, lonely)}: at "
                f"most {int(reach[lonely[0]])} people share one of their slots). Add "
                f"availability or allow smaller groups.",
                conflicts=(self.label, "SizeBounds"),
            )

    def search_components(self, roster):
        return [SearchComponent("group_rule", self._matrix(roster).astype(np.uint8),
                                params=(GROUP_RULE_KINDS["common_slot"], self.min_slots, 0))]


@dataclass(frozen=True)
class TimezoneWindow(Rule):
    """Rule: in every group, the members' UTC offsets lie within ``max_hours`` of each other.

    Reads the roster's ``timezone`` column (hours, e.g. ``5.5``).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.TimezoneWindow(3).label
    'timezone_window'
    """

    max_hours: float = 3.0

    def __post_init__(self):
        super().__post_init__()
        h = self.max_hours
        if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 <= h < 48:
            raise InputError(f"TimezoneWindow(max_hours=...) must be a number of hours in "
                             f"[0, 48); got {h!r}.")

    @property
    def label(self) -> str:
        return "timezone_window"

    def validate(self, roster, n_groups):
        if roster.timezone is None:
            raise InputError("Term timezone_window needs a timezone column (UTC offset in "
                             "hours), but the roster has none. Pass "
                             "Roster.from_frame(..., timezone='your_column').")

    def describe(self, roster, lo, hi):
        tz = np.asarray(roster.timezone, dtype=float)
        return (f"{self.label} (members within {self.max_hours:g} h; offsets run from "
                f"UTC{tz.min():+g} to UTC{tz.max():+g})")

    def _minutes(self, roster) -> np.ndarray:
        return np.rint(np.asarray(roster.timezone, dtype=float) * 60).astype(np.int64)

    def _limit(self) -> int:
        return int(round(self.max_hours * 60))

    def _spans(self, roster, assignment, n_groups):
        tz = self._minutes(roster)
        placed = assignment >= 0
        lo = np.full(n_groups, np.iinfo(np.int64).max)
        hi = np.full(n_groups, np.iinfo(np.int64).min)
        np.minimum.at(lo, assignment[placed], tz[placed])
        np.maximum.at(hi, assignment[placed], tz[placed])
        return lo, hi

    def broken_per_group(self, roster, assignment, n_groups):
        lo, hi = self._spans(roster, assignment, n_groups)
        used = _sizes(assignment, n_groups) > 0
        return (used & (hi - lo > self._limit())).astype(np.int64)

    def violations(self, roster, assignment, n_groups):
        lo, hi = self._spans(roster, assignment, n_groups)
        return [Violation(self.label, (g,), tuple(np.flatnonzero(assignment == g).tolist()),
                          f"group {g} spans UTC{lo[g] / 60:+g} to UTC{hi[g] / 60:+g} "
                          f"({(hi[g] - lo[g]) / 60:g} h); at most {self.max_hours:g} h allowed")
                for g in np.flatnonzero(self.broken_per_group(roster, assignment, n_groups))]

    def instance_holds(self, ctx):
        tz = self._minutes(ctx.roster)[ctx.people]
        values = np.unique(tz).tolist()
        rows = {v: ctx.people[tz == v] for v in values}
        far = [(a, b) for a in values for b in values if b - a > self._limit()]
        for g in ctx.groups.tolist():
            present = {v: reify_ge(ctx, ctx.count(rows[v], g), 1, f"{self.label}.at[{g},{v}]")
                       for v in values if any(a == v or b == v for a, b in far)}
            oks = [any_of(ctx, [~present[a], ~present[b]], f"{self.label}.ok[{g},{a},{b}]")
                   for a, b in far]
            yield g, all_of(ctx, oks, f"{self.label}.holds[{g}]")

    def explain(self, roster, assignment, group):
        lo, hi = self._spans(roster, np.where(assignment == group, 0, -1), 1)
        if lo[0] > hi[0]:
            return {"span_hours": 0.0}
        return {"from_utc": lo[0] / 60, "to_utc": hi[0] / 60, "span_hours": (hi[0] - lo[0]) / 60,
                "allowed_hours": self.max_hours}

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        smallest = int(np.min(lo))
        if smallest <= 1:
            return
        tz = np.sort(self._minutes(roster))
        mine = self._minutes(roster)
        # the most people in one window of max_hours that contains person i
        best = np.zeros(roster.n, dtype=np.int64)
        for start in np.unique(tz).tolist():
            inside = np.searchsorted(tz, start + self._limit(), side="right") - np.searchsorted(
                tz, start, side="left")
            hit = (mine >= start) & (mine <= start + self._limit())
            best[hit] = np.maximum(best[hit], inside)
        lonely = np.flatnonzero(best < smallest)
        if len(lonely):
            i = lonely[0]
            raise InfeasibleError(
                f"TimezoneWindow({self.max_hours:g} h): {len(lonely)} "
                f"{'person has' if len(lonely) == 1 else 'people have'} fewer than "
                f"{smallest - 1} others within {self.max_hours:g} h ({_names(roster.ids, lonely)};"
                f" {roster.ids[i]} at UTC{mine[i] / 60:+g} has {int(best[i]) - 1}), but every "
                f"group needs at least {smallest} members. Widen max_hours or allow smaller "
                f"groups.",
                conflicts=(self.label, "SizeBounds"),
            )

    def search_components(self, roster):
        tz = self._minutes(roster)
        values = np.unique(tz)
        onehot = (tz[:, None] == values[None, :]).astype(np.uint8)
        return [SearchComponent("group_rule", onehot,
                                params=(GROUP_RULE_KINDS["timezone_window"], self._limit(), 0,
                                        tuple(values.tolist())))]
