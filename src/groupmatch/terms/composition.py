"""Rules about who makes up a group: nobody isolated, no value dominating, enough variety."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._validation import check_int
from ..exceptions import InfeasibleError, InputError
from ..redact import is_sensitive, safe_message
from .base import SearchComponent, Violation
from .diversity import group_counts
from .tiers import Rule, all_of, any_of, reify_ge

__all__ = ["NoIsolation", "MaxShare", "MinDistinct", "GROUP_RULE_KINDS"]

# Codes of the group-composition rules understood by the compiled local search.
GROUP_RULE_KINDS = {"no_isolation": 0, "max_share": 1, "min_distinct": 2, "common_slot": 3,
                    "timezone_window": 4}


def _sizes(assignment, n_groups) -> np.ndarray:
    placed = assignment >= 0
    return np.bincount(assignment[placed], minlength=n_groups).astype(np.int64)


class _CategoricalRule(Rule):
    """Shared parts of rules over one categorical column (counts per group and value)."""

    column: str

    def _check_column(self):
        if not isinstance(self.column, str) or not self.column:
            raise InputError(f"{type(self).__name__} needs a column name; got {self.column!r}.")

    def validate(self, roster, n_groups):
        roster.require(self.column, ("categorical",), self.label)

    def _col(self, roster):
        return roster.categorical[self.column]

    def _counts(self, roster, assignment, n_groups) -> np.ndarray:
        col = self._col(roster)
        return group_counts(col.codes, assignment, n_groups, len(col.categories))

    def _window_values(self, ctx):
        """(value code, window rows holding it) for every value present in the window."""
        codes = self._col(ctx.roster).codes[ctx.people]
        return [(v, ctx.people[codes == v]) for v in np.unique(codes).tolist()]

    def _onehot(self, roster, values=None) -> np.ndarray:
        col = self._col(roster)
        values = np.arange(len(col.categories)) if values is None else np.asarray(values)
        return (col.codes[:, None] == values[None, :]).astype(np.uint8)

    def violations(self, roster, assignment, n_groups):
        broken = np.flatnonzero(self.broken_per_group(roster, assignment, n_groups))
        return [Violation(self.label, (g,), tuple(np.flatnonzero(assignment == g).tolist()),
                          self._message(roster, assignment, g)) for g in broken.tolist()]

    def _message(self, roster, assignment, g) -> str:
        """Why group g breaks the rule: with the values, or without them on a sensitive column
        (every member is listed in the violation, so nobody is pointed at either)."""
        return safe_message(self, roster, lambda: self._why(roster, assignment, g),
                            lambda: self._safe_why(roster, assignment, g))

    def _why(self, roster, assignment, g) -> str:
        raise NotImplementedError

    def _safe_why(self, roster, assignment, g) -> str:
        raise NotImplementedError

    def _mix(self, roster, assignment, group) -> dict[str, int]:
        col = self._col(roster)
        vals, cnt = np.unique(col.codes[assignment == group], return_counts=True)
        return {col.categories[v]: int(c) for v, c in zip(vals, cnt, strict=True)}


@dataclass(frozen=True)
class NoIsolation(_CategoricalRule):
    """Rule: nobody is the only member of their value in a group.

    A group holds either none of a value or at least ``min_count`` people with it (for example no
    group has a single woman, a single new hire, a single person from one site). ``values``
    limits the rule to some values (default: every value of the column).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.NoIsolation("gender").label
    'no_isolation[gender]'
    """

    column: str = ""
    values: Sequence[object] | None = None
    min_count: int = 2

    def __post_init__(self):
        super().__post_init__()
        self._check_column()
        check_int("min_count", self.min_count, minimum=2)
        if self.values is not None:
            if isinstance(self.values, str):
                object.__setattr__(self, "values", (self.values,))
            object.__setattr__(self, "values", tuple(self.values))

    @property
    def label(self) -> str:
        return f"no_isolation[{self.column}]"

    def validate(self, roster, n_groups):
        super().validate(roster, n_groups)
        self._value_codes(roster)

    def _value_codes(self, roster) -> np.ndarray:
        cats = self._col(roster).categories
        if self.values is None:
            return np.arange(len(cats))
        unknown = [v for v in self.values if str(v) not in cats]
        if unknown:
            held = "" if is_sensitive(self, roster) else f" (it has {list(cats)})"
            raise InputError(f"NoIsolation({self.column!r}, values=...) names {unknown!r}, which "
                             f"column {self.column!r} does not hold{held}.")
        return np.array([cats.index(str(v)) for v in self.values], dtype=np.int64)

    def describe(self, roster, lo, hi):
        col = self._col(roster)
        counts = np.bincount(col.codes, minlength=len(col.categories))
        rule = (f"{self.label} (a group holds 0 or at least {self.min_count} people of each "
                f"{self.column} value")
        mix = ", ".join(f"{col.categories[v]}: {counts[v]}"
                        for v in self._value_codes(roster).tolist())
        return safe_message(self, roster, f"{rule}; people per value {mix})", f"{rule})")

    def broken_per_group(self, roster, assignment, n_groups):
        c = self._counts(roster, assignment, n_groups)[:, self._value_codes(roster)]
        return ((c > 0) & (c < self.min_count)).any(axis=1).astype(np.int64)

    def _why(self, roster, assignment, g):
        cats = self._col(roster).categories
        c = self._counts(roster, np.where(assignment == g, 0, -1), 1)[0]
        few = [f"{c[v]} with {self.column}={cats[v]}" for v in self._value_codes(roster).tolist()
               if 0 < c[v] < self.min_count]
        return (f"group {g} has only {', '.join(few)}; each value needs 0 or at least "
                f"{self.min_count} members")

    def _safe_why(self, roster, assignment, g):
        c = self._counts(roster, np.where(assignment == g, 0, -1), 1)[0]
        c = c[self._value_codes(roster)]
        alone = int(c[(c > 0) & (c < self.min_count)].sum())
        return (f"group {g} has {alone} {'member' if alone == 1 else 'members'} whose value "
                f"fewer than {self.min_count} members of the group share; each value needs 0 "
                f"or at least {self.min_count} members")

    def instance_holds(self, ctx):
        wanted = set(self._value_codes(ctx.roster).tolist())
        m = self.min_count
        for g in ctx.groups.tolist():
            oks = []
            for v, rows in self._window_values(ctx):
                if v not in wanted:
                    continue
                c = ctx.count(rows, g)
                some = reify_ge(ctx, c, 1, f"{self.label}.some[{g},{v}]")
                if len(rows) < m:  # too few to ever be enough: none of them may join
                    oks.append(~some)
                    continue
                enough = reify_ge(ctx, c, m, f"{self.label}.enough[{g},{v}]")
                oks.append(any_of(ctx, [~some, enough], f"{self.label}.ok[{g},{v}]"))
            yield g, all_of(ctx, oks, f"{self.label}.holds[{g}]")

    def explain(self, roster, assignment, group):
        cats = self._col(roster).categories
        codes = self._col(roster).codes
        members = np.flatnonzero(assignment == group)
        c = np.bincount(codes[members], minlength=len(cats))
        alone = [str(roster.ids[i]) for i in members
                 if codes[i] in set(self._value_codes(roster).tolist())
                 and 0 < c[codes[i]] < self.min_count]
        return {"mix": self._mix(roster, assignment, group), "isolated": alone}

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        biggest = int(np.max(hi))
        if self.min_count > biggest:
            raise InfeasibleError(
                f"NoIsolation on {self.column!r} needs at least {self.min_count} people of a "
                f"value together, but the largest group has {biggest} places. Lower min_count "
                f"to {biggest} or less, or allow larger groups.",
                conflicts=(self.label, "SizeBounds"),
            )
        col = self._col(roster)
        counts = np.bincount(col.codes, minlength=len(col.categories))
        for v in self._value_codes(roster).tolist():
            if 0 < counts[v] < self.min_count:
                who = [str(i) for i in roster.ids[col.codes == v][:3]]
                has = "person has" if counts[v] == 1 else "people have"
                fix = (f"fewer than min_count={self.min_count}, so they would be alone in any "
                       f"group. Leave that value out with values=[...]")
                raise InfeasibleError(safe_message(
                    self, roster,
                    f"NoIsolation on {self.column!r}: only {counts[v]} {has} {self.column}="
                    f"{col.categories[v]} ({', '.join(who)}), {fix}, or lower min_count.",
                    f"NoIsolation on {self.column!r}: only {counts[v]} {has} one of its values, "
                    f"{fix} (count the column's values in your table), or lower min_count."),
                    conflicts=(self.label,),
                )

    def search_components(self, roster):
        codes = self._value_codes(roster)
        return [SearchComponent("group_rule", self._onehot(roster, codes),
                                params=(GROUP_RULE_KINDS["no_isolation"], self.min_count, 0))]


@dataclass(frozen=True)
class MaxShare(_CategoricalRule):
    """Rule: no value fills more than ``fraction`` of any group.

    With ``fraction=0.5`` a group of five holds at most two people of one department (the share
    is rounded down: ``count <= fraction × size``).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.MaxShare("department", 0.5).label
    'max_share[department]'
    """

    column: str = ""
    fraction: float = 0.5

    def __post_init__(self):
        super().__post_init__()
        self._check_column()
        f = self.fraction
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1:
            raise InputError(f"MaxShare(fraction=...) must be a number in (0, 1]; got {f!r}.")

    @property
    def label(self) -> str:
        return f"max_share[{self.column}]"

    def _ratio(self) -> tuple[int, int]:
        fr = Fraction(self.fraction).limit_denominator(1000)
        return fr.numerator, fr.denominator

    def _cap(self, sizes) -> np.ndarray:
        num, den = self._ratio()
        return (num * np.asarray(sizes, dtype=np.int64)) // den

    def describe(self, roster, lo, hi):
        col = self._col(roster)
        counts = np.bincount(col.codes, minlength=len(col.categories))
        v = int(np.argmax(counts))
        rule = f"{self.label} (no {self.column} value above {self.fraction:g} of a group; "
        return safe_message(self, roster,
                            f"{rule}largest value {col.categories[v]}: {counts[v]} people)",
                            f"{rule}the largest value has {counts[v]} people)")

    def broken_per_group(self, roster, assignment, n_groups):
        c = self._counts(roster, assignment, n_groups)
        cap = self._cap(_sizes(assignment, n_groups))
        return (c > cap[:, None]).any(axis=1).astype(np.int64)

    def _why(self, roster, assignment, g):
        size = int(np.count_nonzero(assignment == g))
        mix = self._mix(roster, assignment, g)
        top = max(mix, key=mix.get)
        return (f"group {g} has {mix[top]} of {size} with {self.column}={top}; at most "
                f"{int(self._cap([size])[0])} allowed (fraction {self.fraction})")

    def _safe_why(self, roster, assignment, g):
        size = int(np.count_nonzero(assignment == g))
        top = max(self._mix(roster, assignment, g).values())
        return (f"group {g} has {top} of {size} with one value; at most "
                f"{int(self._cap([size])[0])} allowed (fraction {self.fraction})")

    def instance_holds(self, ctx):
        num, den = self._ratio()
        for g in ctx.groups.tolist():
            size = ctx.size(g)
            oks = [reify_ge(ctx, num * size - den * ctx.count(rows, g), 0,
                            f"{self.label}.ok[{g},{v}]")
                   for v, rows in self._window_values(ctx)]
            yield g, all_of(ctx, oks, f"{self.label}.holds[{g}]")

    def explain(self, roster, assignment, group):
        size = int(np.count_nonzero(assignment == group))
        return {"mix": self._mix(roster, assignment, group),
                "max_allowed": int(self._cap([size])[0])}

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        col = self._col(roster)
        counts = np.bincount(col.codes, minlength=len(col.categories))
        room = int(self._cap(hi).sum())
        v = int(np.argmax(counts))
        if counts[v] > room:
            rule = (f"MaxShare on {self.column!r} allows at most {room} people of one value "
                    f"over {len(hi)} groups (fraction {self.fraction} of at most "
                    f"{int(np.max(hi))} places each, rounded down), but {counts[v]} people ")
            raise InfeasibleError(safe_message(
                self, roster,
                f"{rule}have {self.column}={col.categories[v]}. Raise the fraction or allow "
                "larger groups.",
                f"{rule}share one value. Raise the fraction or allow larger groups."),
                conflicts=(self.label, "SizeBounds"),
            )

    def search_components(self, roster):
        num, den = self._ratio()
        return [SearchComponent("group_rule", self._onehot(roster),
                                params=(GROUP_RULE_KINDS["max_share"], num, den))]


@dataclass(frozen=True)
class MinDistinct(_CategoricalRule):
    """Rule: every (non-empty) group holds at least ``k`` distinct values of ``column``.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.MinDistinct("department", 3).label
    'min_distinct[department]'
    """

    column: str = ""
    k: int = 2

    def __post_init__(self):
        super().__post_init__()
        self._check_column()
        check_int("k", self.k, minimum=1)

    @property
    def label(self) -> str:
        return f"min_distinct[{self.column}]"

    def describe(self, roster, lo, hi):
        present = int((np.bincount(self._col(roster).codes) > 0).sum())
        return (f"{self.label} (at least {self.k} of the {present} {self.column} values in "
                f"every group)")

    def broken_per_group(self, roster, assignment, n_groups):
        c = self._counts(roster, assignment, n_groups)
        sizes = _sizes(assignment, n_groups)
        return ((sizes > 0) & ((c > 0).sum(axis=1) < self.k)).astype(np.int64)

    def _why(self, roster, assignment, g):
        mix = self._mix(roster, assignment, g)
        return f"group {g} has {len(mix)} distinct {self.column} values ({mix}); needs {self.k}"

    def _safe_why(self, roster, assignment, g):
        mix = self._mix(roster, assignment, g)
        return f"group {g} has {len(mix)} distinct {self.column} values; needs {self.k}"

    def instance_holds(self, ctx):
        for g in ctx.groups.tolist():
            present = [reify_ge(ctx, ctx.count(rows, g), 1, f"{self.label}.some[{g},{v}]")
                       for v, rows in self._window_values(ctx)]
            enough = reify_ge(ctx, sum(present), self.k, f"{self.label}.enough[{g}]")
            empty = ~reify_ge(ctx, ctx.size(g), 1, f"{self.label}.used[{g}]")
            yield g, any_of(ctx, [empty, enough], f"{self.label}.holds[{g}]")

    def explain(self, roster, assignment, group):
        mix = self._mix(roster, assignment, group)
        return {"distinct": len(mix), "needed": self.k, "mix": mix}

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        col = self._col(roster)
        counts = np.bincount(col.codes, minlength=len(col.categories))
        present = int((counts > 0).sum())
        biggest = int(np.max(hi))
        if self.k > min(present, biggest):
            limit = ("the data hold only " + str(present) + " distinct values"
                     if present < self.k else f"the largest group has {biggest} places")
            raise InfeasibleError(
                f"MinDistinct on {self.column!r} needs {self.k} distinct values per group, but "
                f"{limit}. Lower k to {min(present, biggest)}.",
                conflicts=(self.label,) if present < self.k else (self.label, "SizeBounds"),
            )
        n_groups = len(lo)
        used = max(int((np.asarray(lo) > 0).sum()), -(-roster.n // biggest))
        reach = int(np.minimum(counts, n_groups).sum())
        if reach < self.k * used:
            raise InfeasibleError(
                f"MinDistinct on {self.column!r} needs {self.k} distinct values in each of at "
                f"least {used} groups ({self.k * used} value-group places), but the values can "
                f"reach only {reach} (a value with c people appears in at most c groups). "
                f"Lower k or form fewer groups.",
                conflicts=(self.label, "SizeBounds"),
            )

    def search_components(self, roster):
        return [SearchComponent("group_rule", self._onehot(roster),
                                params=(GROUP_RULE_KINDS["min_distinct"], self.k, 0))]
