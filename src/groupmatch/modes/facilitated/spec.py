"""Facilitated groups: a topic, facilitators whose expertise covers it, mentees who need it.

How a solve runs (one direction, each stage a CP-SAT model or the peer engine):

1. **Counting checks** per topic (mentees who need it, facilitators who have it, their capacity),
   in plain words with the numbers; ``strict=True`` raises them before any model is built.
2. **Plan** (one CP-SAT model over topics, group slots and facilitators): which groups open for
   which topic, their sizes, which facilitators lead them (expertise, groups and mentee
   capacity, facilitators per group) and which mentees join which topic. It maximises
   participation first, then ranked choices (``gm.TopicPreference``,
   ``gm.FacilitatorPreference``), then the role terms (``gm.BalanceLoad``). Mentees whose
   reporting line contains a facilitator of the topic get an explicit safe group here.
3. **Mentees per topic**: each topic's mentees are split into its groups (sizes fixed by the
   plan, so capacities hold) by the peer engine with the user's mentee terms (diversity, shared
   needs, rules), on a sub-roster that scores exactly like the full roster.

The objective reported is ``Σ mentee terms over groups + Σ role terms``; ``gm.score`` recomputes it
with numpy from any answer and ``gm.check`` re-verifies every hard rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ..._validation import check_int, check_range
from ...exceptions import InputError
from ...terms.base import Term, Violation
from ..roles.spec import RoleSpec
from .scoring import check_plan, plan_of, plan_values, score_plan
from .setting import Setting

__all__ = ["FacilitatedGroups"]


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
        When not every mentee can be placed, return status INFEASIBLE with the counting
        message (``raise_for_status()`` raises :class:`gm.InfeasibleError`) instead of the best
        partial answer with each unplaced mentee's reason.

    Who plays which role: with a ``role`` column, ``mentee`` and ``both`` may be mentored, and
    ``mentor`` and ``both`` may facilitate; without one, anybody with needs may be mentored and
    anybody with expertise may facilitate. A facilitator never leads a group with somebody in
    their reporting line (managers above or reports below at any level), nor their own group.

    Examples
    --------
    >>> import groupmatch as gm
    >>> spec = gm.FacilitatedGroups(size=(3, 6), terms=[gm.Diversity("department"),
    ...                                                   gm.BalanceLoad()])
    >>> spec.kind, spec.size_range
    ('facilitated', (3, 6))
    """

    size: int | tuple[int, int] = (3, 8)
    facilitators: int | tuple[int, int] = (1, 1)
    terms: Sequence[Term] = ()
    topics: Sequence[str] | None = None
    max_groups: int | str = 1
    capacity: tuple[int, int] = (2, 12)
    strict: bool = False
    kind: ClassVar[str] = "facilitated"
    member_role: ClassVar[str] = "mentee"
    leader_role: ClassVar[str] = "facilitator"
    leaders_column: ClassVar[str] = "facilitators"
    # RoleContext fields of the plan model: facilitator loads, each mentee's topics (joins)
    # and the facilitator a mentee may be pinned to (leads)
    offers: ClassVar[frozenset[str]] = frozenset({"load", "joins", "leads"})

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
        self.check_terms()
        if not isinstance(self.max_groups, str):
            check_int("max_groups", self.max_groups, minimum=1)
        if self.topics is not None:
            object.__setattr__(self, "topics", tuple(str(t) for t in self.topics))

    # ---------------------------------------------------------------- resolved views
    @property
    def size_range(self) -> tuple[int, int]:
        """(min, max) mentees per group."""
        return check_range("FacilitatedGroups(size=...)", self.size, minimum=1)

    @property
    def facilitator_range(self) -> tuple[int, int]:
        """(min, max) facilitators per group."""
        return check_range("FacilitatedGroups(facilitators=...)", self.facilitators, minimum=1)

    def setting(self, roster) -> Setting:
        """Validate against a roster and compute who may do what."""
        return Setting.of(roster, self)

    def group_columns(self, roster, plan) -> dict[str, list]:
        return {"topic": [roster.topics[t] for t in plan.topic]}

    def describe_group(self, row) -> str:
        return f"topic {row.topic!r}"

    def idle_reason(self, may_mentee: bool) -> str | None:
        """Why somebody who may be mentored has no group when nothing else explains it."""
        return "no learning need that a facilitated group offers" if may_mentee else None

    # ---------------------------------------------------------------- the Mode protocol
    def solve(self, roster, settings):
        from .solve import solve_facilitated

        return solve_facilitated(roster, self, settings)

    def rematch(self, previous, roster, request, settings):
        from .rematch import rematch_facilitated

        return rematch_facilitated(previous, roster, self, request, settings)

    def score(self, roster, assignment) -> dict[str, int]:
        plan, _ = plan_of(roster, assignment)
        return score_plan(roster, self, plan)

    def plan_values(self, roster, plan) -> dict:
        return plan_values(roster, self, plan)

    def check(self, roster, assignment) -> list[Violation]:
        plan, table = plan_of(roster, assignment)
        return check_plan(roster, self, plan, table)

    def coverage(self, grouping, group: int) -> dict:
        from .explain import topic_coverage

        return topic_coverage(grouping, group)

    def explain_person(self, grouping, person, *, alternatives: int = 3,
                       include_sensitive: bool = False):
        from .explain import explain_person

        return explain_person(grouping, person, alternatives=alternatives,
                              include_sensitive=include_sensitive)
