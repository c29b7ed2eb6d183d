"""History across rounds: who has already met whom, and a term that keeps them apart.

A *history* is one or more earlier groupings: a ``Grouping``, a DataFrame with ``id`` and
``group`` columns (and optionally ``round``), or a list of them (one round each). Two people
*met* once for every (round, group) they shared. People in the history who are no longer in
the roster are ignored; newcomers have met nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .._validation import check_weight
from ..exceptions import InfeasibleError, InputError
from .base import ModelContext, SearchComponent, Term, Violation
from .rules import _check_pairs

__all__ = ["AvoidRepeats", "history_frame", "met_pairs"]

# Up to this many people the weighted (soft) version is handed to the compiled search as an
# exact n×n "dense" component; beyond it the term is uncompiled and CP-SAT windows (LNS) carry
# the search. 3000² int64 is 72 MB.
DENSE_LIMIT = 3000


def _one_round(item, position: int) -> pd.DataFrame:
    if hasattr(item, "assignments"):  # a Grouping (any mode: one row per membership)
        frame = item.assignments[["id", "group"]]
    elif isinstance(item, pd.Series):
        frame = pd.DataFrame({"id": item.index.to_numpy(dtype=object),
                              "group": item.to_numpy(dtype=object)})
    elif isinstance(item, pd.DataFrame):
        if not {"id", "group"} <= set(item.columns):
            raise InputError(
                "A history DataFrame needs columns 'id' and 'group' (and optionally 'round'); "
                f"got columns {list(item.columns)}."
            )
        cols = ["id", "group"] + (["round"] if "round" in item.columns else [])
        frame = item[cols]
    else:
        raise InputError(
            "history takes a Grouping, a DataFrame with 'id', 'group' (and optionally 'round') "
            f"columns, an {{id: group}} Series, or a list of them; got {type(item).__name__}."
        )
    out = pd.DataFrame({
        "id": frame["id"].to_numpy(dtype=object),
        "group": frame["group"].astype(object).to_numpy(),
        "round": (frame["round"].astype(str).to_numpy(dtype=object) if "round" in frame
                  else np.full(len(frame), "", dtype=object)),
    })
    out["round"] = f"{position}:" + out["round"].astype(str)
    return out


def history_frame(history) -> pd.DataFrame:
    """Normalise a history to one long DataFrame ``id, group, round`` (unplaced rows dropped).

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"id": ["a", "b", "c"], "group": [0, 0, 1]})
    >>> history_frame([h, h])["round"].nunique()
    2
    """
    if history is None:
        items = []
    elif isinstance(history, (list, tuple)):
        items = list(history)
    else:
        items = [history]
    frames = [_one_round(item, k) for k, item in enumerate(items)]
    if not frames:
        return pd.DataFrame({"id": pd.Series(dtype=object), "group": pd.Series(dtype=object),
                             "round": pd.Series(dtype=object)})
    out = pd.concat(frames, ignore_index=True)
    placed = ~out["group"].isna() & (out["group"].astype(str) != "-1")
    return out[placed].reset_index(drop=True)


def _id_keys(ids) -> np.ndarray:
    from ..roster import _keys

    return _keys(pd.Series(list(ids), dtype=object)).to_numpy(dtype=object)


def _pair_codes(frame: pd.DataFrame, keys: np.ndarray):
    """(a, b, times) over person codes ``keys`` for every pair that shared a (round, group)."""
    codes = pd.Series(keys).astype(object)
    slot = pd.factorize(frame["round"].astype(str) + "\x00" + frame["group"].astype(str))[0]
    long = pd.DataFrame({"slot": slot, "who": codes.to_numpy()}).drop_duplicates()
    m = long.merge(long, on="slot")
    m = m[m["who_x"] < m["who_y"]]
    counted = m.groupby(["who_x", "who_y"], sort=True).size()
    if len(counted) == 0:
        return (np.zeros(0, dtype=object), np.zeros(0, dtype=object),
                np.zeros(0, dtype=np.int64))
    a = counted.index.get_level_values(0).to_numpy(dtype=object)
    b = counted.index.get_level_values(1).to_numpy(dtype=object)
    return a, b, counted.to_numpy(dtype=np.int64)


def met_pairs(history) -> pd.DataFrame:
    """Every pair that met in the history, and how often: ``id_a, id_b, times``.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    >>> r2 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 0, 1]})
    >>> gm.met_pairs([r1, r2]).to_dict("records")[0]
    {'id_a': 'a', 'id_b': 'b', 'times': 2}
    """
    frame = history_frame(history)
    keys = _id_keys(frame["id"])
    first = dict(zip(keys.tolist(), frame["id"].tolist(), strict=True))
    a, b, times = _pair_codes(frame, keys)
    return pd.DataFrame({"id_a": [first[k] for k in a], "id_b": [first[k] for k in b],
                         "times": times})


@dataclass(frozen=True, eq=False)
class AvoidRepeats(Term):
    """Keep people who already met in an earlier round out of the same group.

    With ``weight=None`` (the default) it is a hard rule: no pair that shared a group in the
    history shares one again. It reaches the compiled search as conflict pairs, like
    ``CannotGroup``, so it holds at any scale.

    With a ``weight`` it is an objective: each group scores minus the number of earlier
    meetings among its members (a pair that met twice costs 2), times ``weight``. The CP-SAT
    encoding uses one "same group" Boolean per pair that met; the compiled search sees it as an
    exact n×n pair matrix up to 3,000 people, beyond that large-neighbourhood search over CP-SAT
    windows carries the search (slower).

    ``allow`` lists pairs who may meet again (they asked to, with an ``again:`` feedback flag,
    see :meth:`groupmatch.Feedback.rules`): the rule neither keeps them apart nor charges
    their repeat.

    Parameters
    ----------
    history : Grouping, DataFrame, Series or list of them
        Earlier rounds (see :func:`groupmatch.met_pairs`).
    weight : float, optional
        ``None`` for the hard rule, else the objective weight (> 0).
    allow : list of (id, id), optional
        Pairs allowed to repeat. Ids not in the roster are ignored, as in the history.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcdef")})
    >>> r1 = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    >>> roster = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=3, terms=[gm.AvoidRepeats(r1)])
    >>> gm.solve(roster, spec).status.name
    'INFEASIBLE'
    >>> spec = gm.PeerGroups(size=2, terms=[gm.AvoidRepeats(r1)])
    >>> gm.check(roster, spec, gm.solve(roster, spec))
    []
    >>> strict = gm.PeerGroups(size=3, terms=[gm.AvoidRepeats(r1)])
    >>> len(gm.check(roster, strict, [0, 0, 1, 1, 1, 0]))  # a, b and d, e meet again
    2
    >>> allowed = gm.PeerGroups(size=3, terms=[gm.AvoidRepeats(r1, allow=[("a", "b"),
    ...                                                                    ("d", "e")])])
    >>> gm.check(roster, allowed, [0, 0, 1, 1, 1, 0])
    []
    """

    history: object = None
    weight: float | None = field(default=None, kw_only=True)
    allow: object = field(default=(), kw_only=True)
    _frame: pd.DataFrame = field(init=False, repr=False)
    _cache: dict = field(init=False, repr=False, default_factory=dict)
    pairwise_sum = True  # weighted: each pair costs its earlier meetings

    def __post_init__(self):
        if self.weight is not None:
            check_weight("weight", self.weight)
            if self.weight <= 0:
                raise InputError(f"AvoidRepeats(weight=...) must be > 0 or None (hard); "
                                 f"got {self.weight!r}.")
        object.__setattr__(self, "_frame", history_frame(self.history))
        allow = () if self.allow is None else self.allow
        object.__setattr__(self, "allow", tuple(_check_pairs(allow, "AvoidRepeats")))

    def allowing(self, pairs) -> AvoidRepeats:
        """A copy that also allows ``pairs`` to meet again.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> r1 = pd.DataFrame({"id": list("ab"), "group": [0, 0]})
        >>> gm.AvoidRepeats(r1).allowing([("a", "b")]).allow
        (('a', 'b'),)
        """
        return replace(self, allow=(*self.allow, *_check_pairs(pairs, "AvoidRepeats")))

    @property
    def hard(self) -> bool:  # type: ignore[override]
        return self.weight is None

    @property
    def label(self) -> str:
        return "avoid_repeats"

    # -- data ----------------------------------------------------------------------------------
    def pairs_and_times(self, roster) -> tuple[np.ndarray, np.ndarray]:
        """Roster-row pairs (k, 2) that met in the history, and how often (k,)."""
        hit = self._cache.get(id(roster))
        if hit is not None and hit[0] is roster:
            return hit[1], hit[2]
        frame = self._frame
        keys = _id_keys(frame["id"])
        row_of = roster._row_of
        rows = np.array([row_of.get(k, -1) for k in keys.tolist()], dtype=np.int64)
        here = rows >= 0
        a, b, times = _pair_codes(frame[here].reset_index(drop=True), rows[here])
        p = np.stack([a.astype(np.int64), b.astype(np.int64)], axis=1).reshape(-1, 2)
        times = times.astype(np.int64)
        if self.allow and len(p):
            keep = ~np.isin(p[:, 0] * roster.n + p[:, 1], self._allowed_codes(roster))
            p, times = p[keep], times[keep]
        p = np.ascontiguousarray(p)
        times = np.ascontiguousarray(times)
        p.setflags(write=False)
        times.setflags(write=False)
        self._cache.clear()  # one roster at a time is all the engine uses
        self._cache[id(roster)] = (roster, p, times)
        return p, times

    def _allowed_codes(self, roster) -> np.ndarray:
        """``low * n + high`` over roster rows of the allowed pairs (unknown ids ignored)."""
        keys = _id_keys([x for pair in self.allow for x in pair])
        row_of = roster._row_of
        rows = np.array([row_of.get(k, -1) for k in keys.tolist()], dtype=np.int64)
        rows = rows.reshape(-1, 2)
        rows = rows[(rows >= 0).all(axis=1)]
        return rows.min(axis=1) * roster.n + rows.max(axis=1)

    def _same(self, roster, assignment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p, times = self.pairs_and_times(roster)
        ga, gb = assignment[p[:, 0]], assignment[p[:, 1]]
        same = (ga >= 0) & (ga == gb)
        return p[same], times[same], ga[same]

    # -- hard ----------------------------------------------------------------------------------
    def prechecks(self, roster, lo, hi):
        if not self.hard:
            return
        p, _ = self.pairs_and_times(roster)
        if len(p) == 0:
            return
        met = np.bincount(p.ravel(), minlength=roster.n)
        smallest = int(np.min(lo))
        free = roster.n - 1 - met  # people each person may still sit with
        stuck = np.flatnonzero(free < smallest - 1)
        if len(stuck):
            i = int(stuck[0])
            raise InfeasibleError(
                f"{roster.ids[i]} has already met {int(met[i])} of the other {roster.n - 1} "
                f"people, so fewer than {smallest - 1} new group-mates are left for the "
                f"smallest allowed group. Use AvoidRepeats(..., weight=w) to allow repeats, "
                "or smaller groups.",
                conflicts=(self.label, "SizeBounds"),
            )

    def violations(self, roster, assignment, n_groups):
        if not self.hard:
            return []
        pairs, times, groups = self._same(roster, assignment)
        return [
            Violation(self.label, (int(g),), (int(i), int(j)),
                      f"{roster.ids[i]} and {roster.ids[j]} already met ({int(t)}×) and are "
                      f"together again in group {int(g)}")
            for (i, j), t, g in zip(pairs.tolist(), times.tolist(), groups.tolist(), strict=True)
        ]

    # -- both ----------------------------------------------------------------------------------
    def encode(self, ctx: ModelContext):
        p, times = self.pairs_and_times(ctx.roster)
        inside = [(i, j, t) for (i, j), t in zip(p.tolist(), times.tolist(), strict=True)
                  if ctx.has(i) and ctx.has(j)]
        if self.hard:
            on = ctx.switch(self)
            for i, j, _ in inside:
                for g in ctx.groups.tolist():
                    xi, xj = ctx.x.get((i, g)), ctx.x.get((j, g))
                    if xi is not None and xj is not None:
                        ctx.model.add_bool_or([~xi, ~xj, ~on])
            return None
        return -sum(t * ctx.same_group(i, j) for i, j, t in inside) if inside else 0

    def group_values(self, roster, assignment, n_groups):
        if self.hard:
            return np.zeros(n_groups, dtype=np.int64)
        _, times, groups = self._same(roster, assignment)
        return -np.bincount(groups, weights=times, minlength=n_groups).astype(np.int64)

    def explain(self, roster, assignment, group):
        pairs, times, groups = self._same(roster, assignment)
        here = groups == group
        return {
            "repeated_pairs": [(str(roster.ids[i]), str(roster.ids[j]))
                               for i, j in pairs[here].tolist()],
            "earlier_meetings": int(times[here].sum()),
        }

    def upper_bound(self, roster, lo, hi):
        return 0  # repeats only ever cost

    def search_components(self, roster):
        p, times = self.pairs_and_times(roster)
        if self.hard:
            return [SearchComponent("conflicts", p)]
        if roster.n > DENSE_LIMIT:
            return None
        d = np.zeros((roster.n, roster.n), dtype=np.int64)
        d[p[:, 0], p[:, 1]] = -times
        d[p[:, 1], p[:, 0]] = -times
        return [SearchComponent("dense", d)]

