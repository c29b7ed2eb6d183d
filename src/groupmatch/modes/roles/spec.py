"""What facilitated groups and team mentoring share as modes: one integer weight scale over
mentee and role terms, term checks, and the explanation of a group."""

from __future__ import annotations

from typing import ClassVar

from ...exceptions import InputError
from ...terms.base import Term, integer_weights
from ...terms.preferences import ChoiceTerm, on_plan
from ...terms.roles import RoleTerm
from ..base import Mode

__all__ = ["RoleSpec"]


class RoleSpec(Mode):
    """Base of the role modes. Subclasses name their roles and what their role model offers.

    ``member_role`` / ``leader_role`` are the ``role`` values of the result's memberships,
    ``leaders_column`` the column of ``groups`` listing the leaders, and ``offers`` the
    :class:`~groupmatch.terms.roles.RoleContext` fields their role model fills.
    """

    terms: tuple
    member_role: ClassVar[str]
    leader_role: ClassVar[str]
    leaders_column: ClassVar[str]
    offers: ClassVar[frozenset[str]]

    @property
    def mentee_terms(self) -> tuple[Term, ...]:
        """Terms on the members of each group (diversity, shared needs, rules)."""
        return tuple(t for t in self.terms if not on_plan(t))

    @property
    def role_terms(self) -> tuple[RoleTerm | ChoiceTerm, ...]:
        """Terms on the role plan: the leaders (load balance, goal coverage...) and the
        members' ranked choices (topic and facilitator preferences)."""
        return tuple(t for t in self.terms if on_plan(t))

    def check_terms(self) -> None:
        """Each term once; every role term one this mode's role model can encode."""
        labels = [t.label for t in self.terms]
        dup = {lab for lab in labels if labels.count(lab) > 1}
        if dup:
            raise InputError(f"Terms {sorted(dup)} appear twice; give each term once.")
        for t in self.role_terms:
            if not t.served_by(self.offers):
                raise InputError(f"{t.label} does not apply to {type(self).__name__}; it needs "
                                 f"{', '.join(sorted(t.context - self.offers))} from the role "
                                 "model, which this mode does not build.")

    @property
    def weights(self) -> tuple[int, ...]:
        """Integer weight per term, aligned with ``terms`` (0 for hard rules), as in Problem."""
        w = self.weight_of()
        return tuple(w.get(t.label, 0) for t in self.terms)

    def weight_of(self) -> dict[str, int]:
        """Integer weight per soft term label (one scale for mentee and role terms), as the
        CP-SAT models use them; results report values divided by :meth:`weight_scale`."""
        soft = [t for t in self.terms if not t.hard]
        ints, _ = integer_weights([float(t.weight) for t in soft], [t.label for t in soft])
        return dict(zip([t.label for t in soft], ints, strict=True))

    def weight_scale(self) -> int:
        """The factor the integer weights carry (1 when every weight is whole)."""
        soft = [t for t in self.terms if not t.hard]
        return integer_weights([float(t.weight) for t in soft], [t.label for t in soft])[1]

    def in_user_units(self, value: int) -> int | float:
        """An integer-weighted value in the units of the weights the user gave."""
        scale = self.weight_scale()
        return int(value) // scale if int(value) % scale == 0 else int(value) / scale

    def user_weights(self) -> dict[str, int | float]:
        """Weight per soft term label in the user's units (what results report)."""
        return {label: self.in_user_units(w) for label, w in self.weight_of().items()}

    def plan_values(self, roster, plan) -> dict:
        """Each soft term's value in every group of ``plan`` (numpy arrays by term label):
        what the objective sums, and what the groups table shows per group."""
        raise NotImplementedError

    def score_values(self, values: dict) -> dict:
        """``gm.score``'s answer from :meth:`plan_values`: each term weighted, and the total,
        in the user's units."""
        w = self.weight_of()
        ints = {label: w[label] * int(v.sum()) for label, v in values.items()}
        out = {label: self.in_user_units(v) for label, v in ints.items()}
        out["total"] = self.in_user_units(sum(ints.values()))
        return out

    def idle_reason(self, may_mentee: bool) -> str | None:
        """Why somebody is in no group when no other reason was recorded (None: the default)."""
        return None

    def no_grouping(self, roster, status, wall, settings, *, message="", conflicts=(),
                    kind=None, **extra):
        """As every mode's, with the ``role`` column and an empty ``loads`` table."""
        import pandas as pd

        from ...result import Grouping, no_grouping

        return no_grouping(kind or Grouping, roster, self, status, wall, settings,
                           message=message, conflicts=conflicts, columns={"role": None},
                           loads=pd.DataFrame(), **extra)

    def group_columns(self, roster, plan) -> dict[str, list]:
        """Columns of ``groups`` that describe each group in this mode's terms."""
        return {}

    def describe_group(self, row) -> str:
        """A group's subject in words, from its ``groups`` row (a topic, a team)."""
        raise NotImplementedError

    def summary_lines(self, grouping, *, show=(), needs=None, limit: int = 0) -> list[str]:
        from .grouping import summary_lines

        return summary_lines(grouping, limit=limit)

    def coverage(self, grouping, group: int) -> dict:
        """The first row of ``explain``: the topic or goals, who covers what, what is missing."""
        raise NotImplementedError

    def explain(self, grouping, group: int, *, include_sensitive: bool = False):
        from .explain import explain_role_group

        return explain_role_group(grouping, group, include_sensitive=include_sensitive)
