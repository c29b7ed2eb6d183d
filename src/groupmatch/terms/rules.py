"""Hard rules about who may (or must) sit together, and group sizes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import InfeasibleError, InputError
from ..redact import is_sensitive, safe_message
from .base import ModelContext, SearchComponent, Term, Violation
from .tiers import Rule

__all__ = ["SizeBounds", "NotWithManager", "CannotGroup", "MustGroup"]


def keep_together(ctx: ModelContext, pairs, on) -> None:
    """CP-SAT: each pair ``(i, j)`` shares a group whenever the literal ``on`` holds."""
    for i, j in pairs:
        for g in ctx.groups.tolist():
            xi, xj = ctx.x.get((i, g)), ctx.x.get((j, g))
            if xi is None and xj is None:
                continue
            if xi is None or xj is None:
                ctx.model.add_bool_or([~(xi if xj is None else xj), ~on])
            else:
                ctx.model.add(xi == xj).only_enforce_if(on)


def _same_group(assignment: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    a, b = assignment[pairs[:, 0]], assignment[pairs[:, 1]]
    return (a >= 0) & (a == b)


_NOT_AN_ID = (list, tuple, set, frozenset, dict, np.ndarray, pd.Series, pd.DataFrame)


def _is_id(value) -> bool:
    """One id (text, number...), as opposed to a container of ids."""
    return not isinstance(value, _NOT_AN_ID)


def _check_pairs(pairs, where: str) -> list[tuple[object, object]]:
    """The listed pairs as 2-tuples of ids.

    A list (or array, or two-column DataFrame) of pairs is the general form; one pair may also
    be given bare, ``("a", "b")``, and is one pair, never two pairs of characters. Anything that
    is not a pair of exactly two ids is an InputError naming it.

    Examples
    --------
    >>> _check_pairs([("a", "b"), ["c", "d"]], "CannotGroup")
    [('a', 'b'), ('c', 'd')]
    >>> _check_pairs(("ab", "cd"), "CannotGroup")
    [('ab', 'cd')]
    """
    usage = f"Write {where}([('e1', 'e2'), ('e3', 'e4')]), or {where}(('e1', 'e2')) for one pair."
    if isinstance(pairs, pd.DataFrame):
        if pairs.shape[1] != 2:
            raise InputError(f"{where} takes a DataFrame of pairs only with exactly two columns; "
                             f"got {pairs.shape[1]} ({', '.join(map(str, pairs.columns))}).")
        pairs = pairs.to_numpy(dtype=object)
    if isinstance(pairs, (str, bytes, Mapping)) or not isinstance(pairs, Iterable):
        raise InputError(f"{where} needs a list of id pairs; got {pairs!r}. {usage}")
    items = list(pairs)
    if items and all(_is_id(v) for v in items):  # one pair given bare: ("a", "b")
        if len(items) != 2:
            raise InputError(f"{where} needs pairs of exactly two ids; got {len(items)} ids "
                             f"{tuple(items)!r}. {usage}")
        return [tuple(items)]
    out = []
    for p in items:
        if _is_id(p):
            raise InputError(f"{where} needs pairs of two ids; got the single id {p!r} among "
                             f"the pairs. {usage}")
        if isinstance(p, (dict, pd.DataFrame)):
            raise InputError(f"{where} needs pairs of two ids; got {p!r}. {usage}")
        p = tuple(p.tolist() if isinstance(p, np.ndarray) else p)
        if len(p) != 2:
            raise InputError(f"{where} needs pairs of exactly two ids; got {len(p)} in {p!r}. "
                             f"{usage}")
        if not all(_is_id(v) for v in p):
            raise InputError(f"{where} needs pairs of two ids; got a nested value in {p!r}. "
                             f"{usage}")
        out.append(p)
    return out


@dataclass(frozen=True)
class SizeBounds(Term):
    """Hard rule: every group's size lies within its (min, max); everybody is placed.

    Added automatically by every mode from its ``size`` setting.

    Examples
    --------
    >>> import numpy as np
    >>> SizeBounds(lo=(2, 2), hi=(3, 3)).label
    'SizeBounds'
    """

    lo: tuple[int, ...] = ()
    hi: tuple[int, ...] = ()
    hard: ClassVar[bool] = True

    def encode(self, ctx: ModelContext):
        on = ctx.switch(self)
        for g in ctx.groups.tolist():
            members = ctx.members(g)
            ctx.model.add(sum(members) >= ctx.lo[g]).only_enforce_if(on)
            ctx.model.add(sum(members) <= ctx.hi[g]).only_enforce_if(on)
        return None

    def violations(self, roster, assignment, n_groups):
        out = []
        unplaced = np.flatnonzero(assignment < 0)
        if len(unplaced):
            out.append(Violation(self.label, (), tuple(unplaced.tolist()),
                                 f"{len(unplaced)} people are in no group"))
        sizes = np.bincount(assignment[assignment >= 0], minlength=n_groups)
        lo, hi = np.asarray(self.lo), np.asarray(self.hi)
        for g in np.flatnonzero((sizes < lo) | (sizes > hi)).tolist():
            out.append(Violation(self.label, (g,), (),
                                 f"group {g} has {sizes[g]} members; allowed {lo[g]}-{hi[g]}"))
        return out

    def explain(self, roster, assignment, group):
        return {"size": int(np.count_nonzero(assignment == group)),
                "allowed": (self.lo[group], self.hi[group])}


class _ListedPairs:
    """Mixin for rules over a user-given list of id pairs (validated once, resolved to rows)."""

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "pairs", tuple(_check_pairs(self.pairs, type(self).__name__)))

    def validate(self, roster, n_groups):
        self._pairs(roster)

    def _pairs(self, roster) -> np.ndarray:
        if not self.pairs:
            return np.zeros((0, 2), dtype=np.int64)
        if roster.base is not None:  # a sub-roster keeps the pairs that lie inside it
            return roster.localise_pairs(self._pairs(roster.base))
        flat = roster.rows_of([x for p in self.pairs for x in p], type(self).__name__)
        return flat.reshape(-1, 2)


class _PairRule(Rule):
    """Rules over pairs of people: one instance per pair, counted in the group of its first."""

    def _pairs(self, roster) -> np.ndarray:
        raise NotImplementedError

    def _broken(self, assignment, p) -> np.ndarray:
        raise NotImplementedError

    def max_instances(self, roster, n_groups):
        return len(self._pairs(roster))

    def describe(self, roster, lo, hi):
        return f"{self.label} ({len(self._pairs(roster))} pairs: {self._words()})"

    def _words(self) -> str:
        return "must share a group"

    def broken_per_group(self, roster, assignment, n_groups):
        p = self._pairs(roster)
        bad = p[self._broken(assignment, p)]
        where = np.where(assignment[bad[:, 0]] >= 0, assignment[bad[:, 0]], assignment[bad[:, 1]])
        return np.bincount(where[where >= 0], minlength=n_groups).astype(np.int64)

    def _window_pairs(self, ctx):
        return [(i, j) for i, j in self._pairs(ctx.roster).tolist() if ctx.has(i) and ctx.has(j)]


class _ApartRule(_PairRule):
    """Shared machinery of rules that keep listed pairs out of the same group."""

    def _words(self) -> str:
        return "may not share a group"

    def _broken(self, assignment, p):
        return _same_group(assignment, p)

    def instance_holds(self, ctx):
        for i, j in self._window_pairs(ctx):
            yield -1, ~ctx.same_group(i, j)

    def encode(self, ctx: ModelContext):
        if not self.hard:
            return super().encode(ctx)
        on = ctx.switch(self)
        for i, j in self._pairs(ctx.roster).tolist():
            if not (ctx.has(i) and ctx.has(j)):
                continue
            for g in ctx.groups.tolist():
                xi, xj = ctx.x.get((i, g)), ctx.x.get((j, g))
                if xi is not None and xj is not None:
                    ctx.model.add_bool_or([~xi, ~xj, ~on])
        return None

    def violations(self, roster, assignment, n_groups):
        p = self._pairs(roster)
        bad = p[_same_group(assignment, p)]
        hide = is_sensitive(self, roster)  # on a sensitive column the pair is the secret
        out = []
        for i, j in bad.tolist():
            g = int(assignment[i])
            people = tuple(np.flatnonzero(assignment == g).tolist()) if hide else (i, j)
            out.append(Violation(self.label, (g,), people, safe_message(
                self, roster,
                f"{roster.ids[i]} and {roster.ids[j]} {self._words()} (both in group {g})",
                f"two members of group {g} {self._words()}")))
        return out

    def explain(self, roster, assignment, group):
        p = self._pairs(roster)
        inside = (assignment[p[:, 0]] == group) | (assignment[p[:, 1]] == group)
        broken = inside & _same_group(assignment, p)
        return {"pairs_kept_apart": int(inside.sum() - broken.sum()), "broken": int(broken.sum())}

    def search_components(self, roster):
        if not self.hard:
            return None  # scored pairs are beyond the compiled kernels
        return [SearchComponent("conflicts", self._pairs(roster))]


@dataclass(frozen=True)
class NotWithManager(_ApartRule):
    """Hard rule: nobody shares a group with their manager or their direct reports.

    Uses the roster's manager column. With ``levels=2`` it also keeps skip-level managers apart.
    Programme owners ask for it so that groups are safe spaces with no perception of favouritism.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.NotWithManager().label
    'NotWithManager'
    """

    levels: int = 1
    columns: ClassVar[tuple[str, ...]] = ("manager",)  # read by redact.term_columns

    def __post_init__(self):
        super().__post_init__()
        if isinstance(self.levels, bool) or not isinstance(self.levels, int) or self.levels < 1:
            raise InputError(f"NotWithManager(levels=...) must be an integer >= 1; "
                             f"got {self.levels!r}.")

    def validate(self, roster, n_groups):
        if "manager" not in roster.columns:
            raise InputError(
                "Term NotWithManager needs a manager column, but the roster has none. "
                "Pass Roster.from_frame(..., manager='your_manager_column')."
            )

    def _pairs(self, roster) -> np.ndarray:
        if roster.base is not None:  # skip-levels run through people outside a sub-roster
            return roster.localise_pairs(self._pairs(roster.base))
        reports = np.flatnonzero(roster.manager >= 0)
        chunks = []
        up = roster.manager[reports]
        for _ in range(self.levels):
            keep = up >= 0
            reports, up = reports[keep], up[keep]
            chunks.append(np.stack([reports, up], axis=1))
            up = roster.manager[up]
        return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)

    def _words(self) -> str:
        return "are in one reporting line and may not share a group"


@dataclass(frozen=True, eq=False)
class CannotGroup(_ListedPairs, _ApartRule):
    """Hard rule: the listed pairs of ids never share a group.

    ``pairs`` is a list of ``(id, id)`` pairs; a single pair may be given bare.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.CannotGroup([("e1", "e2")]).pairs
    (('e1', 'e2'),)
    >>> gm.CannotGroup(("e1", "e2")).pairs
    (('e1', 'e2'),)
    """

    pairs: Sequence[tuple[object, object]] = ()

    def prechecks(self, roster, lo, hi):
        p = self._pairs(roster)
        same = p[p[:, 0] == p[:, 1]]
        if len(same):
            raise InputError(f"CannotGroup pairs a person with themself "
                             f"({roster.ids[same[0, 0]]!r}); remove that pair.")


@dataclass(frozen=True, eq=False)
class MustGroup(_ListedPairs, _PairRule):
    """Hard rule: the listed pairs of ids share a group (chains join into one unit).

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.MustGroup([("e1", "e2")]).label
    'MustGroup'
    """

    pairs: Sequence[tuple[object, object]] = ()

    def _broken(self, assignment, p):
        return ~_same_group(assignment, p)

    def instance_holds(self, ctx):
        for i, j in self._window_pairs(ctx):
            yield -1, ctx.same_group(i, j)

    def units(self, roster) -> list[list[int]]:
        """Connected groups of people that must stay together."""
        g = nx.Graph()
        g.add_edges_from(self._pairs(roster).tolist())
        return [sorted(c) for c in nx.connected_components(g)]

    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        biggest = max((len(u) for u in self.units(roster)), default=0)
        if biggest > int(np.max(hi)):
            raise InfeasibleError(
                f"MustGroup joins {biggest} people into one unit, but the largest group allowed "
                f"has {int(np.max(hi))} places. Split the unit or allow larger groups.",
                conflicts=(self.label, "SizeBounds"),
            )

    def encode(self, ctx: ModelContext):
        if not self.hard:
            return super().encode(ctx)
        # the engine keeps units whole, so a pair with a side outside the window is fixed
        pairs = [(i, j) for i, j in self._pairs(ctx.roster).tolist()
                 if ctx.has(i) and ctx.has(j)]
        keep_together(ctx, pairs, ctx.switch(self))
        return None

    def violations(self, roster, assignment, n_groups):
        p = self._pairs(roster)
        apart = ~_same_group(assignment, p)
        return [
            Violation(self.label, (int(assignment[i]), int(assignment[j])), (i, j),
                      f"{roster.ids[i]} and {roster.ids[j]} must share a group but are in "
                      f"groups {assignment[i]} and {assignment[j]}")
            for i, j in p[apart].tolist()
        ]

    def search_components(self, roster):
        if not self.hard:
            return None
        return [SearchComponent("units", self._pairs(roster))]
