"""Soft pair terms from a list column: people each person would like to be grouped with, or not.

Every person's cell lists ids (``["e7", "e12"]`` or ``"e7;e12"``); each listed id is one *wish*.
A wish is one instance in the sense of :mod:`groupmatch.terms.tiers`: ``tier="want"`` (the
default) scores it with the term's weight, ``"need"`` keeps as many as possible before every
other objective, ``"must"`` makes every wish a hard rule (``gm.MustGroup`` / ``gm.CannotGroup``
on the listed pairs). A mutual wish (both list each other) is two wishes.

Ids that are not in the roster raise an InputError naming the column, the rows and the ids
(``unknown="ignore"`` drops those wishes instead, with a warning that lists them: a survey often
names people who have left). Somebody listing themself is an InputError either way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._validation import check_weight, rows_text
from ..exceptions import GroupMatchWarning, InfeasibleError, InputError
from ..redact import is_sensitive, safe_message
from .base import ModelContext, SearchComponent, Violation
from .rules import _PairRule, _same_group, keep_together

__all__ = ["PreferTogether", "PreferApart", "wish_pairs"]

UNKNOWN = ("raise", "ignore")


def wish_pairs(roster, column: str, where: str, unknown: str = "raise") -> np.ndarray:
    """``(k, 2)`` roster rows ``(person, listed person)``, one per wish, cached on the roster.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abc"),
    ...                                        "buddies": ["b;c", "", "a"]}))
    >>> wish_pairs(r, "buddies", "example").tolist()
    [[0, 1], [0, 2], [2, 0]]
    """
    if roster.base is not None:  # a sub-roster keeps the wishes that lie inside it
        return roster.localise_pairs(wish_pairs(roster.base, column, where, unknown))
    return roster.memo(("wishes", column, unknown),
                       lambda: _read_wishes(roster, column, where, unknown))


def _read_wishes(roster, column, where, unknown) -> np.ndarray:
    lists = roster.ranked(column, where)
    owner = np.repeat(np.arange(roster.n), [len(x) for x in lists])
    named = [x for cell in lists for x in cell]
    if not named:
        return np.zeros((0, 2), dtype=np.int64)
    rows = roster.find_rows(named)
    labels = list(roster.frame.index)
    missing = np.flatnonzero(rows < 0)
    if len(missing):
        ids = list(dict.fromkeys(named[k] for k in missing.tolist()))
        who = sorted({labels[owner[k]] for k in missing.tolist()}, key=labels.index)
        shown = ", ".join(map(repr, ids[:5])) + (" ..." if len(ids) > 5 else "")
        if unknown == "raise":
            raise InputError(
                f"{where}: column {column!r} names {len(ids)} id(s) that are not in the roster "
                f"({shown}) in {rows_text(who)}. Fix them, or pass unknown='ignore' to drop "
                "those wishes (with a warning).")
        warnings.warn(f"{where}: dropped {len(missing)} wish(es) naming {len(ids)} id(s) that "
                      f"are not in the roster ({shown}) in {rows_text(who)}.",
                      GroupMatchWarning, stacklevel=6)
    pairs = np.stack([owner, rows], axis=1)[rows >= 0]
    own = np.flatnonzero(pairs[:, 0] == pairs[:, 1])
    if len(own):
        raise InputError(f"{where}: in column {column!r} somebody lists themself "
                         f"({rows_text([labels[i] for i in pairs[own, 0].tolist()])}); "
                         "remove their own id.")
    return pairs


@dataclass(frozen=True, eq=False)
class _Wishes(_PairRule):
    """Shared parts: the column, the tier (``want`` by default) and how unknown ids are met."""

    column: str
    unknown: str = "raise"
    tier: str = field(default="want", kw_only=True)
    pairwise_sum: ClassVar[bool] = True  # a wish's value depends on its pair alone
    safe_detail_keys: ClassVar[tuple[str, ...]] = ("wishes", "kept")  # counts name nobody
    name: ClassVar[str] = ""

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.column, str) or not self.column:
            raise InputError(f"{type(self).__name__} needs the name of a list column of ids; "
                             f"got {self.column!r}.")
        if self.unknown not in UNKNOWN:
            raise InputError(f"{type(self).__name__}(unknown=...) must be one of {UNKNOWN}; "
                             f"got {self.unknown!r}.")
        check_weight("weight", self.weight)

    @property
    def label(self) -> str:
        return f"{self.name}[{self.column}]"

    def validate(self, roster, n_groups):
        self._pairs(roster)

    def _pairs(self, roster) -> np.ndarray:
        return wish_pairs(roster, self.column, type(self).__name__, self.unknown)

    def max_instances(self, roster, n_groups):
        return len(self._pairs(roster))

    def upper_bound(self, roster, lo, hi):
        return self._best(roster)

    def _best(self, roster) -> int:
        raise NotImplementedError

    def _violation(self, roster, assignment, i, j) -> Violation:
        gi, gj = int(assignment[i]), int(assignment[j])
        groups = tuple(sorted({gi, gj} - {-1}))
        # on a sensitive column the wish is the secret: name the groups, not the two people
        people = (tuple(np.flatnonzero(np.isin(assignment, groups)).tolist())
                  if is_sensitive(self, roster) else (i, j))
        return Violation(self.label, groups, people, safe_message(
            self, roster,
            f"{roster.ids[i]} listed {roster.ids[j]} in {self.column!r}, who {self._words()} "
            f"(groups {gi} and {gj})",
            f"a wish in group(s) {', '.join(map(str, groups))} is not kept"))

    def describe(self, roster, lo, hi):
        return f"{self.label} ({len(self._pairs(roster))} wishes from column {self.column!r})"

    def violations(self, roster, assignment, n_groups):
        p = self._pairs(roster)
        bad = p[self._broken(assignment, p)]
        return [self._violation(roster, assignment, i, j) for i, j in bad.tolist()]

    def explain(self, roster, assignment, group):
        p = self._pairs(roster)
        mine = p[assignment[p[:, 0]] == group]
        kept = ~self._broken(assignment, mine)
        return {"wishes": len(mine), "kept": int(kept.sum()),
                "broken": [f"{roster.ids[i]} -> {roster.ids[j]}"
                           for i, j in mine[~kept].tolist()]}


@dataclass(frozen=True, eq=False)
class PreferTogether(_Wishes):
    """Group people with those they name: each person's cell in ``column`` lists ids.

    Value: the number of wishes granted (a listed person in the lister's group), counted in
    that group; ``weight`` per wish. ``tier="need"`` grants as many as possible before every
    other objective; ``tier="must"`` makes each wish a hard ``gm.MustGroup`` pair. Unknown ids
    raise an InputError (``unknown="ignore"``: dropped with a warning naming them). Compiled
    for the large-problem search: a roster of 10,000 is fine.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "buddies": ["b", "", "", "c"]})
    >>> g = gm.solve(gm.Roster.from_frame(df), gm.PeerGroups(
    ...     size=2, terms=[gm.PreferTogether("buddies")]), time_limit=2)
    >>> g.objective
    2
    """

    name: ClassVar[str] = "prefer_together"

    def _words(self) -> str:
        return "is in another group"

    def _broken(self, assignment, p):
        return ~_same_group(assignment, p)

    def instance_holds(self, ctx: ModelContext):
        for i, j in self._window_pairs(ctx):
            yield -1, ctx.same_group(i, j)

    def _best(self, roster) -> int:
        return len(self._pairs(roster))

    # scored: + granted wishes (not minus the others, as plain rules count), so the value is
    # a sum over pairs with no constant and the compiled search takes it as pair weights
    def encode(self, ctx: ModelContext):
        if not self.hard:
            return sum(lit for _, lit in self.instance_holds(ctx))
        keep_together(ctx, self._window_pairs(ctx), ctx.switch(self))
        return None

    def group_values(self, roster, assignment, n_groups):
        if self.hard:
            return np.zeros(n_groups, dtype=np.int64)
        p = self._pairs(roster)
        same = _same_group(assignment, p)
        return np.bincount(assignment[p[same, 0]], minlength=n_groups).astype(np.int64)

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        import networkx as nx

        g = nx.Graph()
        g.add_edges_from(self._pairs(roster).tolist())
        biggest = max((len(c) for c in nx.connected_components(g)), default=0)
        if biggest > int(np.max(hi)):
            raise InfeasibleError(
                f"{self.label} (tier='must') joins {biggest} people into one group, but the "
                f"largest group allowed has {int(np.max(hi))} places. Use tier='need' or "
                "allow larger groups.", conflicts=(self.label, "SizeBounds"))

    def search_components(self, roster):
        p = self._pairs(roster)
        if self.hard:
            return [SearchComponent("units", p)]
        return [SearchComponent("pairs", np.column_stack([p, np.ones(len(p), np.int64)]))]


@dataclass(frozen=True, eq=False)
class PreferApart(_Wishes):
    """Keep people apart from those they name: each person's cell in ``column`` lists ids.

    Value: minus the number of wishes broken (a listed person in the lister's group), counted
    in that group; ``weight`` per wish. ``tier="need"`` keeps as many as possible before every
    other objective; ``tier="must"`` makes each wish a hard ``gm.CannotGroup`` pair. Unknown ids
    raise an InputError (``unknown="ignore"``: dropped with a warning naming them). Compiled
    for the large-problem search.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "avoid": ["b", "", "", "c"]})
    >>> g = gm.solve(gm.Roster.from_frame(df), gm.PeerGroups(
    ...     size=2, terms=[gm.PreferApart("avoid")]), time_limit=2)
    >>> g.objective
    0
    """

    name: ClassVar[str] = "prefer_apart"

    def _words(self) -> str:
        return "is in the same group"

    def _broken(self, assignment, p):
        return _same_group(assignment, p)

    def instance_holds(self, ctx: ModelContext):
        for i, j in self._window_pairs(ctx):
            yield -1, ~ctx.same_group(i, j)

    def _best(self, roster) -> int:
        return 0

    def encode(self, ctx: ModelContext):
        if not self.hard:
            return super().encode(ctx)  # minus the broken wishes
        on = ctx.switch(self)
        for i, j in self._window_pairs(ctx):
            for g in ctx.groups.tolist():
                xi, xj = ctx.x.get((i, g)), ctx.x.get((j, g))
                if xi is not None and xj is not None:
                    ctx.model.add_bool_or([~xi, ~xj, ~on])
        return None

    def prechecks(self, roster, lo, hi):
        return None

    def search_components(self, roster):
        p = self._pairs(roster)
        if self.hard:
            return [SearchComponent("conflicts", p)]
        return [SearchComponent("pairs", np.column_stack([p, -np.ones(len(p), np.int64)]))]
