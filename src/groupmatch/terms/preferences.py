"""Preferences (issue 16): ranked topics and facilitators, people to be grouped with or apart.

Ranked choices (:class:`TopicPreference`, :class:`FacilitatorPreference`) are about *which* of
the groups a facilitated solve opens a mentee joins. They keep the one term contract, seen
through the mode's plan model like role terms (:mod:`groupmatch.terms.roles`):

1. ``encode(ctx)`` adds the term to the plan model through its ``RoleContext`` (``joins``: a
   Boolean per (mentee, topic); ``leads``: a Boolean per (mentee, facilitator, topic) the model
   may pin) and returns its objective expression;
2. ``group_values(roster, plan, n_groups)`` scores a role plan with numpy, in the same
   integers;
3. ``explain(roster, plan, group)`` says which choices the group's members received.

Rank points
-----------
A mentee's cell lists choices, first = most wanted. Placed on their ``r``-th choice they earn
``points[r - 1]``: by default ``K - r + 1`` (Borda points, ``K`` = ``max_rank`` or the longest
ranking in the column), so among plans placing the same people the sum of the ranks received is
as small as possible; ``points=(10, 6, 3)`` gives a steeper (convex) scale. A choice they did not
rank earns 0.

Fairness: ``max_rank=k`` lifts the worst-served first. A placement beyond a mentee's ``k``-th
choice (or on a choice they did not rank) then costs more than every rank point together is
worth, so the solve first makes such placements as few as possible ("nobody worse than their
``k``-th choice where possible"), then maximises the points. People who ranked nothing are never
counted as served late.

Tiers: ``"need"`` (the default) optimises the points right after participation and before the
plan's other objectives (facilitator load balance): what mentees asked for comes before how
evenly facilitators are loaded; ``"want"`` weighs the points against those objectives by
``weight`` (``BalanceLoad`` moves a mentee for a load difference of two, so it usually wins);
``"must"`` also restricts placements (:class:`TopicPreference`: a mentee who ranked topics joins
only those, the first ``max_rank`` of them when given). Participation always comes first.

Pair wishes (:class:`PreferTogether`, :class:`PreferApart`) live in :mod:`.wishes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._validation import check_int, check_weight, rows_text
from ..exceptions import InputError
from .base import Term, Violation
from .roles import RoleTerm
from .tiers import TIERS
from .wishes import PreferApart, PreferTogether

__all__ = ["ChoiceTerm", "TopicPreference", "FacilitatorPreference", "PreferTogether",
           "PreferApart", "ordinal", "on_plan"]


def ordinal(rank: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``... (0: ``unranked``).

    Examples
    --------
    >>> [ordinal(r) for r in (0, 1, 2, 3, 4, 11, 22)]
    ['unranked', '1st', '2nd', '3rd', '4th', '11th', '22nd']
    """
    if rank <= 0:
        return "unranked"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


class ChoiceTerm(Term):
    """A term on which of the groups a role model offers each member joins (its topic, its
    facilitators), scored on a role plan and encoded into the mode's plan model.

    ``context`` names the :class:`~groupmatch.terms.roles.RoleContext` fields it reads, as role
    terms do; ``plan_exact`` says whether its plan-model value equals its numpy score on the
    plan the model returns (a facilitator choice is not: the split may put a mentee the model
    did not pin in a preferred facilitator's group, which the score counts).
    """

    context: ClassVar[frozenset[str]] = frozenset()
    plan_exact: ClassVar[bool] = True
    chooses: ClassVar[str] = ""  # what is ranked: "topic" or "facilitator"

    def served_by(self, offers: frozenset[str]) -> bool:
        """Can a mode whose plan model offers these context fields encode this term?"""
        return self.context <= offers

    def allowed(self, roster, n_items: int) -> np.ndarray | None:
        """``tier="must"``: (n, items) Boolean of what each person may be given, else None."""
        return None


@dataclass(frozen=True)
class _Ranked(ChoiceTerm):
    """Shared parts of ranked choices: the column, the points, ``max_rank`` and the tier."""

    column: str
    points: Sequence[int] | None = field(default=None, kw_only=True)
    max_rank: int | None = field(default=None, kw_only=True)
    tier: str = field(default="need", kw_only=True)
    name: ClassVar[str] = ""
    safe_detail_keys: ClassVar[tuple[str, ...]] = ("value", "ranked_members")

    def __post_init__(self):
        where = type(self).__name__
        if not isinstance(self.column, str) or not self.column:
            raise InputError(f"{where} needs the name of a list column (first = most wanted); "
                             f"got {self.column!r}.")
        if self.tier not in TIERS:
            raise InputError(f"{where}(tier=...) must be one of {TIERS}; got {self.tier!r}.")
        check_weight("weight", self.weight)
        if self.max_rank is not None:
            check_int(f"{where}(max_rank=...)", self.max_rank, minimum=1)
        if self.points is not None:
            pts = self.points
            if isinstance(pts, (str, bytes)) or not isinstance(pts, Sequence) or not pts:
                raise InputError(f"{where}(points=...) takes points per rank, first = 1st "
                                 f"choice, e.g. (10, 6, 3); got {pts!r}.")
            ok = all(not isinstance(p, bool) and isinstance(p, (int, np.integer)) and p >= 0
                     for p in pts)
            if not ok or any(b > a for a, b in zip(pts, pts[1:], strict=False)) or pts[0] <= 0:
                raise InputError(f"{where}(points=...) must be whole numbers >= 0 that never "
                                 f"grow with the rank, the first above 0; got {tuple(pts)!r}.")
            object.__setattr__(self, "points", tuple(int(p) for p in pts))

    @property
    def label(self) -> str:
        return f"{self.name}[{self.column}]"

    # -- the ranking, read once per roster ---------------------------------------------------
    def _items_of(self, roster, lists) -> list[np.ndarray]:
        """Each person's ranked items as indices (topics, facilitator rows), or InputError."""
        raise NotImplementedError

    def ranks(self, roster) -> _Ranks:
        """The ranking of every person, with its points (cached on the roster)."""
        base = roster.base if roster.base is not None else roster
        full = base.memo(("ranks", type(self).__name__, self.column, self.points,
                          self.max_rank), lambda: self._read(base))
        return full if roster.base is None else full.take(roster.origin)

    def _read(self, roster) -> _Ranks:
        lists = roster.ranked(self.column, self.label)
        items = self._items_of(roster, lists)
        longest = max((len(x) for x in items), default=0)
        depth = self.max_rank or (len(self.points) if self.points else max(longest, 1))
        pts = np.array(self.points or range(depth, 0, -1), dtype=np.int64)
        owner = np.repeat(np.arange(roster.n), [len(x) for x in items])
        item = np.concatenate(items) if len(owner) else np.zeros(0, dtype=np.int64)
        rank = np.concatenate([np.arange(1, len(x) + 1) for x in items]) if len(owner) \
            else np.zeros(0, dtype=np.int64)
        earn = np.where(rank <= len(pts), pts[np.minimum(rank, len(pts)) - 1], 0)
        big = 0
        if self.max_rank is not None:  # one late placement outweighs every point together
            big = int(earn.sum()) + 1
        counted = np.bincount(owner, minlength=roster.n)
        late = rank > self.max_rank if self.max_rank is not None else np.zeros(len(rank), bool)
        value = earn - np.where(late, big, 0)
        # an item somebody did not rank: late for everybody who ranked something
        default = np.where((big > 0) & (counted > 0), -big, 0).astype(np.int64)
        return _Ranks(owner.astype(np.int64), item.astype(np.int64), rank.astype(np.int64),
                      value.astype(np.int64), default, counted.astype(np.int64))

    def validate(self, roster, n_groups):
        self.ranks(roster)


@dataclass(frozen=True, eq=False)
class _Ranks:
    """A ranking in flat arrays: entry ``e`` says person ``owner[e]`` ranked ``item[e]`` at
    ``rank[e]`` (1 = first), worth ``value[e]``; ``default[i]`` is what person ``i`` earns on an
    item they did not rank; ``ranked[i]`` how many items they ranked."""

    owner: np.ndarray
    item: np.ndarray
    rank: np.ndarray
    value: np.ndarray
    default: np.ndarray
    ranked: np.ndarray

    def take(self, rows) -> _Ranks:
        where = np.full(len(self.default), -1, dtype=np.int64)
        where[np.asarray(rows)] = np.arange(len(rows))
        keep = where[self.owner] >= 0
        return _Ranks(where[self.owner[keep]], self.item[keep], self.rank[keep],
                      self.value[keep], self.default[rows], self.ranked[rows])

    def matrix(self, n_items: int, what: str = "value") -> np.ndarray:
        """(people, items): ``value`` (what each placement earns) or ``rank`` (0 = unranked)."""
        if what == "value":
            out = np.repeat(self.default[:, None], n_items, axis=1)
        else:
            out = np.zeros((len(self.default), n_items), dtype=np.int64)
        out[self.owner, self.item] = getattr(self, what)
        return out

    def lookup(self) -> dict[tuple[int, int], tuple[int, int]]:
        """{(person, item): (rank, value)}, built once."""
        if "_lookup" not in self.__dict__:
            self.__dict__["_lookup"] = {
                (i, x): (r, v) for i, x, r, v in zip(self.owner.tolist(), self.item.tolist(),
                                                     self.rank.tolist(), self.value.tolist(),
                                                     strict=True)}
        return self.__dict__["_lookup"]


def _choices(ranks_received) -> dict[str, int]:
    """{"1st": k, "2nd": k, ..., "unranked": k} from the ranks received (0 = unranked)."""
    r = np.asarray(ranks_received, dtype=np.int64)
    out = {ordinal(k): int((r == k).sum()) for k in sorted(set(r.tolist()) - {0})}
    out["unranked"] = int((r == 0).sum())
    return out


@dataclass(frozen=True)
class TopicPreference(_Ranked):
    """Place facilitated-group mentees on the topics they rank highest.

    ``column`` lists each mentee's topics, first = most wanted (often ``"needs"`` itself, in the
    order the mentee wrote them). A mentee placed on their ``r``-th choice earns
    ``points[r - 1]`` (default ``K - r + 1``, ``K`` = ``max_rank`` or the longest ranking); a
    topic they did not rank earns 0. Participation comes first: preferences decide where people
    go, not whether they are placed. See the module notes for ``max_rank`` (nobody worse than
    their ``k``-th choice where possible) and the tiers (``"must"``: a mentee who ranked topics
    joins only those). It acts wherever topics are decided: the construction's min-cost flow,
    the plan model and the finish.

    Examples
    --------
    >>> import groupmatch as gm
    >>> term = gm.TopicPreference("needs", max_rank=2)
    >>> term.label, term.tier
    ('topic_preference[needs]', 'need')
    """

    name: ClassVar[str] = "topic_preference"
    context: ClassVar[frozenset[str]] = frozenset({"joins"})
    chooses: ClassVar[str] = "topic"

    def _items_of(self, roster, lists):
        vocab = {t: k for k, t in enumerate(roster.topics)}
        if not vocab:
            raise InputError(f"{self.label} ranks topics, but the roster has no topics (a "
                             "needs or expertise column).")
        unknown = sorted({t for cell in lists for t in cell if t not in vocab})
        if unknown:
            rows = [lab for lab, cell in zip(roster.frame.index, lists, strict=True)
                    if any(t not in vocab for t in cell)]
            raise InputError(
                f"{self.label}: column {self.column!r} ranks {len(unknown)} topic(s) nobody "
                f"needs or has ({', '.join(map(repr, unknown[:5]))}) in {rows_text(rows)}. "
                f"Known topics: {', '.join(roster.topics[:8])}"
                f"{'...' if len(roster.topics) > 8 else ''}.")
        return [np.array([vocab[t] for t in cell], dtype=np.int64) for cell in lists]

    def values(self, roster) -> np.ndarray:
        """(people, topics): what each placement earns."""
        return self.ranks(roster).matrix(len(roster.topics))

    def allowed(self, roster, n_items):
        if self.tier != "must":
            return None
        r = self.ranks(roster)
        ok = r.matrix(n_items, "rank")
        ok = (ok > 0) & (ok <= (self.max_rank or n_items))
        return ok | (r.ranked == 0)[:, None]  # nobody who ranked nothing is restricted

    def encode(self, ctx):
        v = self.values(ctx.roster)
        return sum(int(v[i, t]) * var for (i, t), var in ctx.joins.items() if v[i, t])

    def group_values(self, roster, plan, n_groups):
        v = self.values(roster)
        return np.array([int(v[plan.members[g], plan.topic[g]].sum()) for g in range(n_groups)],
                        dtype=np.int64)

    def received(self, roster, plan, group: int) -> np.ndarray:
        """The rank each member of ``group`` received (0 = a topic they did not rank)."""
        r = self.ranks(roster).matrix(len(roster.topics), "rank")
        return r[plan.members[group], plan.topic[group]]

    def violations(self, roster, plan, n_groups):
        ok = self.allowed(roster, len(roster.topics))
        if ok is None:
            return []
        out = []
        for g in range(n_groups):
            t = plan.topic[g]
            for i in plan.members[g][~ok[plan.members[g], t]].tolist():
                out.append(Violation(self.label, (g,), (i,), (
                    f"{roster.ids[i]} joins group {g} on {roster.topics[t]!r}, which is not "
                    f"among the topics they ranked{self._within()} in {self.column!r} "
                    "(tier='must')")))
        return out

    def _within(self) -> str:
        return f" first {self.max_rank}" if self.max_rank else ""

    def explain(self, roster, plan, group):
        got = self.received(roster, plan, group)
        ranked = self.ranks(roster).ranked[plan.members[group]] > 0
        return {"choices": _choices(got[ranked]), "ranked_members": int(ranked.sum()),
                "value": int(self.group_values(roster, plan, plan.n_groups)[group])}


@dataclass(frozen=True)
class FacilitatorPreference(_Ranked):
    """Place facilitated-group mentees in groups led by the facilitators they rank highest.

    ``column`` lists facilitator ids, first = most wanted. A member of a group earns the points
    of the best-ranked of its facilitators (as :class:`TopicPreference` counts them). The plan
    model may pin a mentee to a ranked facilitator's group, which the split then keeps; the
    construction and the finish prefer ranked facilitators too. Ids that are not in the roster,
    or people who may not facilitate (role or no expertise), are an InputError.
    ``tier="must"`` is not offered (use ``"need"``): a facilitator choice cannot be forced
    without leaving mentees out, which participation-first solves avoid.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.FacilitatorPreference("mentor_wishes").label
    'facilitator_preference[mentor_wishes]'
    """

    name: ClassVar[str] = "facilitator_preference"
    context: ClassVar[frozenset[str]] = frozenset({"joins", "leads"})
    plan_exact: ClassVar[bool] = False
    chooses: ClassVar[str] = "facilitator"

    def __post_init__(self):
        super().__post_init__()
        if self.tier == "must":
            raise InputError("FacilitatorPreference takes tier 'want' or 'need'; a hard "
                             "facilitator choice would leave mentees out (use tier='need').")

    def _items_of(self, roster, lists):
        flat = [x for cell in lists for x in cell]
        rows = roster.find_rows(flat) if flat else np.zeros(0, dtype=np.int64)
        labels = list(roster.frame.index)
        owner = np.repeat(np.arange(roster.n), [len(x) for x in lists])
        bad = np.flatnonzero(rows < 0)
        if len(bad):
            ids = list(dict.fromkeys(flat[k] for k in bad.tolist()))
            raise InputError(
                f"{self.label}: column {self.column!r} names {len(ids)} id(s) that are not in "
                f"the roster ({', '.join(map(repr, ids[:5]))}) in "
                f"{rows_text(sorted({labels[owner[k]] for k in bad.tolist()}, key=labels.index))}.")
        able = _may_facilitate(roster)
        wrong = np.flatnonzero(~able[rows]) if len(rows) else np.zeros(0, dtype=np.int64)
        if len(wrong):
            ids = list(dict.fromkeys(flat[k] for k in wrong.tolist()))
            raise InputError(
                f"{self.label}: column {self.column!r} ranks {len(ids)} people who may not "
                f"facilitate ({', '.join(map(repr, ids[:5]))}): a facilitator has the role "
                "'mentor' or 'both' and some expertise. Rank facilitators only.")
        own = np.flatnonzero(rows == owner)
        if len(own):
            raise InputError(f"{self.label}: somebody ranks themself in {self.column!r} "
                             f"({rows_text([labels[owner[k]] for k in own.tolist()])}).")
        out, start = [], 0
        for cell in lists:
            out.append(rows[start:start + len(cell)].astype(np.int64))
            start += len(cell)
        return out

    def wishes(self, roster) -> list[tuple[int, int, int]]:
        """(mentee row, facilitator row, value over the default) of every ranked facilitator
        worth more than an unranked one: the pins the plan model may choose."""
        r = self.ranks(roster)
        gain = r.value - r.default[r.owner]
        keep = gain > 0
        return list(zip(r.owner[keep].tolist(), r.item[keep].tolist(), gain[keep].tolist(),
                        strict=True))

    def encode(self, ctx):
        r = self.ranks(ctx.roster)
        value = r.lookup()
        parts = [int(r.default[i]) * var for (i, _t), var in ctx.joins.items() if r.default[i]]
        for (i, f, _t), var in ctx.leads.items():
            gain = value.get((i, f), (0, int(r.default[i])))[1] - int(r.default[i])
            if gain:
                parts.append(gain * var)
        return sum(parts)

    def member_values(self, roster, members, leaders) -> tuple[np.ndarray, np.ndarray]:
        """(value, rank) of each member: the best-valued facilitator of the group they rank."""
        r = self.ranks(roster)
        look = r.lookup()
        values, ranks = [], []
        for i in np.asarray(members).tolist():
            best = (int(r.default[i]), 0)
            for f in np.asarray(leaders).tolist():
                rank, v = look.get((i, f), (0, int(r.default[i])))
                if v > best[0] or (v == best[0] and rank and (not best[1] or rank < best[1])):
                    best = (v, rank)
            values.append(best[0])
            ranks.append(best[1])
        return np.array(values, dtype=np.int64), np.array(ranks, dtype=np.int64)

    def group_values(self, roster, plan, n_groups):
        return np.array([int(self.member_values(roster, plan.members[g], plan.leaders[g])[0]
                             .sum()) for g in range(n_groups)], dtype=np.int64)

    def received(self, roster, plan, group: int) -> np.ndarray:
        """The rank of the best-ranked facilitator each member of ``group`` has (0 = none)."""
        return self.member_values(roster, plan.members[group], plan.leaders[group])[1]

    def explain(self, roster, plan, group):
        got = self.received(roster, plan, group)
        ranked = self.ranks(roster).ranked[plan.members[group]] > 0
        return {"choices": _choices(got[ranked]), "ranked_members": int(ranked.sum()),
                "value": int(self.group_values(roster, plan, plan.n_groups)[group])}


def on_plan(term) -> bool:
    """Is the term scored on a role plan (role terms, ranked choices) rather than on each
    group's members?"""
    return isinstance(term, (RoleTerm, ChoiceTerm))


def _may_facilitate(roster) -> np.ndarray:
    """Who may lead a facilitated group at all: role mentor or both, and some expertise."""
    names = roster.role_names
    role = np.ones(roster.n, dtype=bool) if names is None else np.isin(names, ("mentor", "both"))
    if "expertise" not in roster.multi:
        return np.zeros(roster.n, dtype=bool)
    return role & np.asarray(roster.multi["expertise"].matrix).any(axis=1)
