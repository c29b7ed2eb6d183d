"""Facilitated groups: a topic, facilitators whose expertise covers it, mentees who need it.

How a solve runs (one direction, each stage a CP-SAT model or the peer engine):

1. **Counting checks** per topic (mentees who need it, facilitators who have it, their capacity),
   in plain words with the numbers; ``strict=True`` raises them before any model is built.
2. **Plan** (one CP-SAT model over topics, group slots and facilitators): which groups open for
   which topic, their sizes, which facilitators lead them (expertise, groups and mentee
   capacity, facilitators per group) and which mentees join which topic. It maximises
   participation first, then the role terms (``gm.BalanceLoad``). Mentees whose reporting line
   contains a facilitator of the topic get an explicit safe group here.
3. **Mentees per topic**: each topic's mentees are split into its groups (sizes fixed by the
   plan, so capacities hold) by the peer engine with the user's mentee terms (diversity, shared
   needs, rules), on a sub-roster that scores exactly like the full roster.

The objective reported is ``Σ mentee terms over groups + Σ role terms``; ``gm.score`` recomputes it
with numpy from any answer and ``gm.check`` re-verifies every hard rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from .._validation import check_int
from ..exceptions import InputError
from ..terms.base import Term, Violation
from .roles import (
    RolePlan,
    RoleSpec,
    RoleTerm,
    capacities,
    check_range,
    memberships_from,
    nobody_lost,
    people_in_roles,
    reporting_lines,
)

__all__ = ["FacilitatedGroups"]

PLAN_SHARE = 0.35  # of the time limit for the plan model; the rest splits over topics


@dataclass(frozen=True)
class FacilitatedGroups(RoleSpec):
    """Facilitated groups: each group has a topic, facilitators and mentees who need the topic.

    Parameters
    ----------
    size : int or (min, max)
        Mentees per group (facilitators not counted).
    facilitators : int or (min, max)
        Facilitators per group; each must have the group's topic in their ``expertise``.
    terms : list of Term
        Mentee terms as in peer groups (``gm.Diversity``, ``gm.SharedNeeds``,
        ``gm.NotWithManager``...) and role terms (``gm.BalanceLoad``).
    topics : list of str, optional
        The topics groups may have; default: every topic some mentee needs and some
        facilitator has.
    max_groups : int or str
        How many groups a mentee may join (default 1), or the name of a roster column holding
        a per-person maximum.
    capacity : (int, int)
        (groups, mentees) a facilitator may take when the roster has no capacity columns.
    strict : bool
        Raise :class:`gm.InfeasibleError` when not every mentee can be placed, instead of
        returning the best partial answer with each unplaced mentee's reason.

    Who plays which role: with a ``role`` column, ``mentee`` and ``both`` may be mentored, and
    ``mentor`` and ``both`` may facilitate; without one, anybody with needs may be mentored and
    anybody with expertise may facilitate. A facilitator never leads a group with somebody in
    their reporting line (managers above or reports below at any level), nor their own group.

    Examples
    --------
    >>> import groupmatch as gm
    >>> spec = gm.FacilitatedGroups(size=(3, 6), terms=[gm.Diversity("department"),
    ...                                                   gm.BalanceLoad()])
    >>> spec.kind
    'facilitated'
    """

    size: int | tuple[int, int] = (3, 8)
    facilitators: int | tuple[int, int] = (1, 1)
    terms: Sequence[Term] = ()
    topics: Sequence[str] | None = None
    max_groups: int | str = 1
    capacity: tuple[int, int] = (2, 12)
    strict: bool = False
    kind: str = field(default="facilitated", init=False)

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(self.terms))
        check_range("FacilitatedGroups(size=...)", self.size, minimum=1)
        check_range("FacilitatedGroups(facilitators=...)", self.facilitators, minimum=1)
        cap = check_range("FacilitatedGroups(capacity=...)", self.capacity, minimum=0)
        object.__setattr__(self, "capacity", cap)
        for t in self.terms:
            if not isinstance(t, Term):
                raise InputError(f"FacilitatedGroups(terms=...) takes groupmatch terms; got {t!r}.")
            if getattr(t, "group_specific", False):
                raise InputError(f"{t.label} refers to group numbers, which facilitated groups "
                                 "choose themselves; it is not supported in this mode.")
        labels = [t.label for t in self.terms]
        dup = {lab for lab in labels if labels.count(lab) > 1}
        if dup:
            raise InputError(f"Terms {sorted(dup)} appear twice; give each term once.")
        if not isinstance(self.max_groups, str):
            check_int("max_groups", self.max_groups, minimum=1)
        if self.topics is not None:
            object.__setattr__(self, "topics", tuple(str(t) for t in self.topics))

    # ---------------------------------------------------------------- resolved views
    @property
    def mentee_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not isinstance(t, RoleTerm))

    @property
    def role_terms(self) -> tuple[RoleTerm, ...]:
        return tuple(t for t in self.terms if isinstance(t, RoleTerm))

    def setting(self, roster) -> _Setting:
        """Validate against a roster and compute who may do what."""
        return _Setting.of(roster, self)

    # ---------------------------------------------------------------- the engine
    def solve(self, roster, *, time_limit, random_state, workers, deterministic, progress):
        from .facilitated_solve import solve_facilitated

        return solve_facilitated(roster, self, time_limit=time_limit, random_state=random_state,
                                 workers=workers, deterministic=deterministic, progress=progress)

    # ---------------------------------------------------------------- score and check
    def plan_of(self, roster, assignment) -> tuple[RolePlan, pd.DataFrame]:
        """Read any answer (Grouping or id/group/role/topic table) into a RolePlan."""
        table = memberships_from(roster, assignment)
        placed = table[table["group"].notna()]
        groups = sorted(int(g) for g in placed["group"].unique())
        index = {g: k for k, g in enumerate(groups)}
        vocab = {t: k for k, t in enumerate(roster.topics)}
        members, leaders, topic = [], [], []
        for g in groups:
            rows = placed[placed["group"] == g]
            members.append(rows.loc[rows["role"] == "mentee", "row"].to_numpy(np.int64))
            leaders.append(rows.loc[rows["role"] == "facilitator", "row"].to_numpy(np.int64))
            names = rows["topic"].dropna().unique() if "topic" in rows else []
            if len(names) != 1 or names[0] not in vocab:
                raise InputError(f"Group {g} needs exactly one known topic; got {list(names)}.")
            topic.append(vocab[names[0]])
        return RolePlan(members, leaders, topic=topic), table.assign(
            local=table["group"].map(index))

    def score(self, roster, assignment) -> dict[str, int]:
        plan, _ = self.plan_of(roster, assignment)
        return score_plan(roster, self, plan)

    def check(self, roster, assignment) -> list[Violation]:
        plan, table = self.plan_of(roster, assignment)
        return check_plan(roster, self, plan, table)


# ------------------------------------------------------------------------------ the setting
@dataclass
class _Setting:
    """A spec resolved against a roster: eligible people, topics, capacities, limits."""

    spec: FacilitatedGroups
    lo: int
    hi: int
    fmin: int
    fmax: int
    mentee: np.ndarray  # may be mentored (role) and needs at least one allowed topic
    leader: np.ndarray  # may facilitate (role, capacity) and has an allowed topic
    needs: np.ndarray  # (n, T) bool, restricted to allowed topics
    expertise: np.ndarray  # (n, T) bool, restricted to allowed topics
    cap_groups: np.ndarray
    cap_mentees: np.ndarray
    max_groups: np.ndarray

    @classmethod
    def of(cls, roster, spec: FacilitatedGroups) -> _Setting:
        for col in ("needs", "expertise"):
            if col not in roster.multi:
                raise InputError(
                    f"Facilitated groups need a {col!r} column (topics, as lists or "
                    f"';'-separated strings); the roster has none. Pass Roster.from_frame(..., "
                    f"multi={{'{col}': 'your_column', ...}})."
                )
        vocab = roster.topics
        allowed = np.ones(len(vocab), dtype=bool)
        if spec.topics is not None:
            unknown = [t for t in spec.topics if t not in vocab]
            if unknown:
                raise InputError(f"FacilitatedGroups(topics=...) names {unknown[:5]}, which no "
                                 f"mentee needs and no facilitator has. Known topics: "
                                 f"{', '.join(vocab[:10])}{'...' if len(vocab) > 10 else ''}.")
            allowed = np.isin(np.array(vocab, dtype=object), np.array(spec.topics, dtype=object))
        needs = np.asarray(roster.multi["needs"].matrix, dtype=bool) & allowed
        expertise = np.asarray(roster.multi["expertise"].matrix, dtype=bool) & allowed
        may_mentee, may_lead = people_in_roles(roster)
        cap_groups, cap_mentees = capacities(roster, spec.capacity)
        if isinstance(spec.max_groups, str):
            if spec.max_groups not in roster.frame.columns:
                raise InputError(f"FacilitatedGroups(max_groups={spec.max_groups!r}) names a "
                                 "column that is not in the roster's table.")
            mg = pd.to_numeric(roster.frame[spec.max_groups], errors="coerce").to_numpy()
            if not np.isfinite(mg).all() or (mg < 0).any() or (mg != np.round(mg)).any():
                raise InputError(f"Column {spec.max_groups!r} (max_groups) must hold whole "
                                 "numbers >= 0.")
            max_groups = mg.astype(np.int64)
        else:
            max_groups = np.full(roster.n, int(spec.max_groups), dtype=np.int64)
        lo, hi = check_range("size", spec.size, minimum=1)
        fmin, fmax = check_range("facilitators", spec.facilitators, minimum=1)
        mentee = may_mentee & needs.any(axis=1) & (max_groups > 0)
        leader = may_lead & expertise.any(axis=1) & (cap_groups > 0) & (cap_mentees >= lo)
        for t in spec.mentee_terms:
            t.validate(roster, 1)
        return cls(spec, lo, hi, fmin, fmax, mentee, leader, needs, expertise, cap_groups,
                   cap_mentees, max_groups)

    # -- counting ---------------------------------------------------------------------------
    def topic_supply(self, roster) -> pd.DataFrame:
        """Per topic: mentees who need it, facilitators who have it, and what they can take."""
        vocab = roster.topics
        demand = self.needs[self.mentee].sum(axis=0)
        rows = []
        for t, name in enumerate(vocab):
            experts = np.flatnonzero(self.leader & self.expertise[:, t])
            k = len(experts)
            groups = int(self.cap_groups[experts].sum()) // self.fmin if k >= self.fmin else 0
            take = (min(groups * self.hi, int(self.cap_mentees[experts].sum()) // self.fmin)
                    if groups else 0)
            rows.append({"topic": name, "mentees": int(demand[t]), "facilitators": k,
                         "max_groups": groups, "max_mentees": take})
        return pd.DataFrame(rows)

    def shortages(self, roster) -> dict[str, str]:
        """Topic -> plain-words counting message, for topics that cannot take all who need them."""
        out = {}
        for r in self.topic_supply(roster).itertuples():
            if r.mentees == 0:
                continue
            who = "facilitator who has it" if r.facilitators == 1 else "facilitators who have it"
            if r.facilitators == 0:
                msg = f"{r.mentees} mentees need it; no facilitator has it"
            elif r.facilitators < self.fmin:
                msg = (f"{r.mentees} mentees need it; only {r.facilitators} {who}, and each "
                       f"group needs {self.fmin}")
            elif r.mentees < self.lo:
                people = "1 mentee needs" if r.mentees == 1 else f"{r.mentees} mentees need"
                msg = f"only {people} it, fewer than the minimum group size {self.lo}"
            elif r.max_mentees < r.mentees:
                msg = (f"{r.mentees} mentees need it; the {r.facilitators} {who} can take "
                       f"{r.max_mentees} in total")
            else:
                continue
            out[r.topic] = f"topic {r.topic!r}: {msg}"
        return out

    def placeable_bound(self, roster, *, people: bool = False) -> int:
        """An upper bound on mentee placements (a max flow mentees -> topics -> capacity);
        ``people=True`` counts people placed at least once instead of memberships."""
        supply = self.topic_supply(roster)
        g = nx.DiGraph()
        for i in np.flatnonzero(self.mentee).tolist():
            g.add_edge("s", ("m", i), capacity=1 if people else int(self.max_groups[i]))
            for t in np.flatnonzero(self.needs[i]).tolist():
                g.add_edge(("m", i), ("t", t), capacity=1)
        for t, r in enumerate(supply.itertuples()):
            if r.mentees and r.mentees >= self.lo:
                g.add_edge(("t", t), "z", capacity=int(r.max_mentees))
        if "s" not in g or "z" not in g:
            return 0
        return int(nx.maximum_flow_value(g, "s", "z"))


# ------------------------------------------------------------------------------ scoring
def _topic_subproblems(roster, setting_or_spec, plan: RolePlan):
    """Per topic: (sub-roster, local assignment, group ids) of its mentees."""
    by_topic: dict[int, list[int]] = {}
    for g, t in enumerate(plan.topic):
        by_topic.setdefault(t, []).append(g)
    for t, groups in sorted(by_topic.items()):
        rows, local = [], []
        for k, g in enumerate(groups):
            rows.extend(plan.members[g].tolist())
            local.extend([k] * len(plan.members[g]))
        if not rows:
            continue
        if len(set(rows)) != len(rows):
            yield t, groups, None, None  # one mentee twice in a topic: reported by check
            continue
        sub = roster.take(rows)
        yield t, groups, sub, np.asarray(local, dtype=np.int64)


def mentee_values(roster, spec, plan: RolePlan) -> dict[str, np.ndarray]:
    """Per soft mentee term: its value in every group (numpy, on per-topic sub-rosters)."""
    out = {t.label: np.zeros(plan.n_groups, dtype=np.int64)
           for t in spec.mentee_terms if not t.hard}
    for _, groups, sub, local in _topic_subproblems(roster, spec, plan):
        if sub is None:
            continue
        for term in spec.mentee_terms:
            if not term.hard:
                out[term.label][groups] = term.group_values(sub, local, len(groups))
    return out


def role_values(roster, spec, plan: RolePlan) -> dict[str, np.ndarray]:
    return {t.label: t.plan_values(roster, plan, {}) for t in spec.role_terms}


def score_plan(roster, spec, plan: RolePlan) -> dict[str, int]:
    w = spec.weight_of()
    out = {}
    values = {**mentee_values(roster, spec, plan), **role_values(roster, spec, plan)}
    for label, v in values.items():
        out[label] = w[label] * int(v.sum())
    out["total"] = int(sum(out.values()))
    return out


def check_plan(roster, spec, plan: RolePlan, table: pd.DataFrame) -> list[Violation]:
    """Every hard rule of facilitated groups, re-verified from the answer alone."""
    s = spec.setting(roster)
    out = nobody_lost(roster, table)
    ids = roster.ids
    vocab = roster.topics
    may_mentee, may_lead = people_in_roles(roster)
    lines = reporting_lines(roster, sorted({int(i) for m in plan.members for i in m}))
    for g in range(plan.n_groups):
        t, mem, lead = plan.topic[g], plan.members[g], plan.leaders[g]
        name = vocab[t]
        if not s.lo <= len(mem) <= s.hi:
            out.append(Violation("SizeBounds", (g,), tuple(mem.tolist()),
                                 f"group {g} ({name}) has {len(mem)} mentees; allowed "
                                 f"{s.lo}-{s.hi}"))
        if not s.fmin <= len(lead) <= s.fmax:
            out.append(Violation("Facilitators", (g,), tuple(lead.tolist()),
                                 f"group {g} ({name}) has {len(lead)} facilitators; allowed "
                                 f"{s.fmin}-{s.fmax}"))
        for f in lead.tolist():
            if not (may_lead[f] and roster.multi["expertise"].matrix[f, t]):
                out.append(Violation("FacilitatorExpertise", (g,), (f,),
                                     f"{ids[f]} facilitates group {g} but is not a mentor with "
                                     f"expertise in {name!r}"))
        for i in mem.tolist():
            if not (may_mentee[i] and s.needs[i, t]):
                out.append(Violation("MenteeNeed", (g,), (i,),
                                     f"{ids[i]} is a mentee of group {g} but does not need "
                                     f"{name!r} (or may not be mentored)"))
            clash = lines[i] & set(lead.tolist())
            for f in sorted(clash):
                out.append(Violation("ReportingLine", (g,), (i, f),
                                     f"{ids[f]} facilitates group {g}, which has {ids[i]} in "
                                     "their reporting line (or themself) as a mentee"))
    n_groups, n_mentees = plan.loads(roster.n)
    for f in np.flatnonzero(n_groups > s.cap_groups).tolist():
        out.append(Violation("Capacity", (), (f,), f"{ids[f]} leads {n_groups[f]} groups; "
                             f"capacity {s.cap_groups[f]}"))
    for f in np.flatnonzero(n_mentees > s.cap_mentees).tolist():
        out.append(Violation("Capacity", (), (f,), f"{ids[f]} takes {n_mentees[f]} mentees; "
                             f"capacity {s.cap_mentees[f]}"))
    joined = np.zeros(roster.n, dtype=np.int64)
    for m in plan.members:
        np.add.at(joined, m, 1)
    for i in np.flatnonzero(joined > s.max_groups).tolist():
        out.append(Violation("MaxGroups", (), (i,), f"{ids[i]} joins {joined[i]} groups; "
                             f"at most {s.max_groups[i]}"))
    for t, groups, sub, local in _topic_subproblems(roster, spec, plan):
        if sub is None:
            out.append(Violation("MaxGroups", tuple(groups), (),
                                 f"somebody joins two groups on {vocab[t]!r}"))
            continue
        for term in spec.mentee_terms:
            if term.hard:
                for v in term.violations(sub, local, len(groups)):
                    out.append(Violation(v.rule, tuple(groups[k] for k in v.groups),
                                         tuple(int(sub.origin[p]) for p in v.people),
                                         v.message))
    return out


def solve_time_split(time_limit: float, sizes: dict[int, int]) -> dict[int, float]:
    """Seconds per topic, proportional to its mentees (at least a small floor)."""
    total = max(sum(sizes.values()), 1)
    return {t: max(time_limit * n / total, 0.2) for t, n in sizes.items()}

