"""Fairness: lift the worst group, not only the total."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..exceptions import InputError
from .base import ModelContext, SearchComponent, Term

__all__ = ["WorstGroupFloor", "group_scores"]

BOUND = 2**50  # domain of the worst-group variable; generous, CP-SAT only needs it finite


def group_scores(roster, measured, assignment, n_groups) -> np.ndarray:
    """Σ weight × value per group over ``measured`` ``(term, int weight)`` pairs.

    Examples
    --------
    >>> import numpy as np, pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "site": list("xxyy")}))
    >>> group_scores(r, [(gm.Diversity("site"), 2)], np.array([0, 1, 0, 1]), 2).tolist()
    [2, 2]
    """
    out = np.zeros(n_groups, dtype=np.int64)
    for term, w in measured:
        out += w * term.group_values(roster, assignment, n_groups)
    return out


@dataclass(frozen=True, eq=False)
class WorstGroupFloor(Term):
    """Objective: the score of the worst group (the sum of every objective term in it).

    With ``weight=0`` (the default) the worst group comes first: the solver maximises the worst
    group's score, then the total (lexicographic). A positive ``weight`` trades instead: the
    objective becomes ``total + weight × worst``. Scores of rules (tiers ``need``/``want``) are
    not part of a group's score.

    Examples
    --------
    >>> import groupmatch as gm
    >>> gm.WorstGroupFloor().label
    'worst_group'
    """

    weight: float = 0.0
    measured: tuple = field(default=(), compare=False, repr=False)
    is_floor = True

    def __post_init__(self):
        w = self.weight
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 <= w < float("inf"):
            raise InputError(f"WorstGroupFloor(weight=...) must be a number >= 0 (0 puts the "
                             f"worst group first); got {w!r}.")

    @property
    def label(self) -> str:
        return "worst_group"

    @property
    def lexicographic(self) -> bool:
        return self.weight == 0

    def bind(self, measured) -> WorstGroupFloor:
        """A copy that knows the objective terms (and their integer weights) it measures."""
        out = WorstGroupFloor(self.weight)
        object.__setattr__(out, "measured", tuple(measured))
        return out

    def value_span(self, roster, lo, hi, measured=None) -> int:
        from .tiers import objective_span

        total = 0
        for term, w in (self.measured if measured is None else measured):
            total += abs(w) * (objective_span(term, roster, lo, hi) or 0)
        return total

    def encode(self, ctx: ModelContext):
        if not self.measured:
            return 0
        scores = []
        for g in ctx.groups.tolist():
            sub = ctx.restrict([g])
            parts = [w * e for t, w in self.measured
                     if w != 0 and not isinstance(e := t.encode(sub), int)]
            scores.append(sum(parts) if parts else 0)
        z = ctx.model.new_int_var(-BOUND, BOUND, f"{self.label}.z")
        ctx.model.add_min_equality(z, scores)
        return z

    def group_values(self, roster, assignment, n_groups):
        out = np.zeros(n_groups, dtype=np.int64)
        if not self.measured or n_groups == 0:
            return out
        scores = group_scores(roster, self.measured, assignment, n_groups)
        worst = int(np.argmin(scores))
        out[worst] = scores[worst]
        return out

    def explain(self, roster, assignment, group):
        n_groups = int(assignment.max()) + 1 if len(assignment) else 0
        scores = group_scores(roster, self.measured, assignment, max(n_groups, group + 1))
        return {"score": int(scores[group]), "worst_score": int(scores.min()),
                "is_worst": bool(scores[group] == scores.min())}

    def search_components(self, roster):
        # The compiled search optimises the total; the engine then raises a floor on the group
        # scores step by step (see engine/search.py).
        return [SearchComponent("floor", np.zeros(0, dtype=np.int64))]


def objective_terms(problem) -> list[tuple[Term, int]]:
    """The ``(term, weight)`` pairs a group's score is made of: objectives, not rules/floors."""
    return [(t, w) for t, w in zip(problem.terms, problem.weights, strict=True)
            if not t.hard and getattr(t, "tier", None) is None
            and not getattr(t, "is_floor", False)]


def report_columns(roster, problem, assignment) -> dict[str, object]:
    """Extra columns of ``Grouping.groups``: ``group_score`` (the weighted sum of the objective
    terms in each group, in the user's units) and whatever terms add through ``group_columns``
    (common slots)."""
    n_groups = problem.n_groups
    score = group_scores(roster, objective_terms(problem), assignment, n_groups)
    out: dict[str, object] = {"group_score": score if problem.scale == 1 else
                              score / problem.scale}
    for term in problem.terms:
        extra = getattr(term, "group_columns", None)
        if extra is not None:
            out.update(extra(roster, assignment, n_groups))
    return out
