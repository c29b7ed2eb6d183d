"""Rule priorities: ``tier="must"`` (hard), ``"need"`` (as many as possible) or ``"want"``.

Every rule is made of *instances* (one per group for group-composition rules, one per listed pair
for pair rules). A ``must`` rule holds in every instance; its single switch literal
(``ctx.switch(term)``) enforces them all, which is what lets the engine explain infeasibility with
assumptions. A ``need`` or ``want`` rule is scored instead: its value is minus the number of
broken instances, per group, in exactly the same integers in CP-SAT (one literal per instance,
*equivalent* to the instance holding) and in numpy. ``want`` rules take the term's ``weight``;
``need`` rules get a weight larger than everything below them can change (see
:func:`bind_problem`), so the solver keeps as many needs as it can before it optimises the rest:
the lexicographic order of the issue, as one integer objective that every engine path maximises.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from ..exceptions import InputError
from .base import ModelContext, Term

__all__ = ["Rule", "TIERS", "bind_problem", "reify_ge", "all_of", "any_of", "objective_span"]

TIERS = ("must", "need", "want")


def reify_ge(ctx: ModelContext, expr, k: int, name: str):
    """A Boolean ``b`` with ``b <=> expr >= k`` (both directions, so scores stay exact)."""
    b = ctx.model.new_bool_var(name)
    ctx.model.add(expr >= k).only_enforce_if(b)
    ctx.model.add(expr <= k - 1).only_enforce_if(~b)
    return b


def all_of(ctx: ModelContext, lits: list, name: str):
    """A Boolean equal to the AND of ``lits`` (true when the list is empty)."""
    if not lits:
        return ctx.model.new_constant(1)
    if len(lits) == 1:
        return lits[0]
    b = ctx.model.new_bool_var(name)
    ctx.model.add_min_equality(b, lits)
    return b


def any_of(ctx: ModelContext, lits: list, name: str):
    """A Boolean equal to the OR of ``lits`` (false when the list is empty)."""
    if not lits:
        return ctx.model.new_constant(0)
    if len(lits) == 1:
        return lits[0]
    b = ctx.model.new_bool_var(name)
    ctx.model.add_max_equality(b, lits)
    return b


@dataclass(frozen=True)
class Rule(Term):
    """Base of every rule that can be given a tier.

    Subclasses implement ``instance_holds(ctx)`` (yield ``(group, literal)`` with the literal
    equivalent to that instance holding, the group it is counted in) and
    ``broken_per_group(roster, assignment, n_groups)`` (numpy: broken instances per group).
    ``violations`` lists broken instances in words.
    """

    tier: str = field(default="must", kw_only=True)
    rule: ClassVar[bool] = True

    def __post_init__(self):
        if self.tier not in TIERS:
            raise InputError(f"{type(self).__name__}(tier=...) must be one of {TIERS}; "
                             f"got {self.tier!r}.")

    @property
    def hard(self) -> bool:  # type: ignore[override]
        """A ``must`` rule constrains; ``need`` and ``want`` rules are scored."""
        return self.tier == "must"

    # -- to implement ----------------------------------------------------------------------
    def instance_holds(self, ctx: ModelContext):
        """Yield ``(group, literal)``: one literal per instance, true exactly when it holds."""
        raise NotImplementedError

    def broken_per_group(self, roster, assignment, n_groups) -> np.ndarray:
        """Broken instances per group (int64, length ``n_groups``)."""
        raise NotImplementedError

    def describe(self, roster, lo, hi) -> str:
        """The rule in plain words with the numbers involved (for infeasibility messages)."""
        return self.label

    def max_instances(self, roster, n_groups: int) -> int:
        """How many instances can break at most (the span of a scored rule)."""
        return n_groups

    # -- shared ----------------------------------------------------------------------------
    def encode(self, ctx: ModelContext):
        if self.hard:
            on = ctx.switch(self)
            for _, lit in self.instance_holds(ctx):
                ctx.model.add_implication(on, lit)
            return None
        return sum(lit - 1 for _, lit in self.instance_holds(ctx))

    def group_values(self, roster, assignment, n_groups):
        if self.hard:
            return np.zeros(n_groups, dtype=np.int64)
        return -self.broken_per_group(roster, assignment, n_groups).astype(np.int64)

    def value_span(self, roster, lo, hi) -> int:
        return self.max_instances(roster, len(lo))


def objective_span(term: Term, roster, lo, hi) -> int | None:
    """An upper bound on (largest - smallest) total value of a soft term, or None."""
    span = getattr(term, "value_span", None)
    if span is not None:
        return span(roster, lo, hi)
    matrix = getattr(term, "int_matrix", None)
    if matrix is not None:  # a user distance matrix: every pair could count or not
        return int(np.abs(matrix).sum()) // 2
    return term.upper_bound(roster, lo, hi)  # the objectives shipped are >= 0


FALLBACK_SPAN = 10**9  # used when a custom soft term has no bound: still lexicographic in practice


def bind_problem(problem, roster):
    """Give ``need`` rules their lexicographic weight and bind fairness terms to the objective.

    Called once per solve/score/check (``problem.make_problem`` with a roster). Order of
    priority, from the bottom: objectives and ``want`` rules, then the worst-group floor (when
    lexicographic), then ``need`` rules. Each level's weight exceeds the span of everything
    below it.
    """
    terms, weights = list(problem.terms), list(problem.weights)
    lo, hi = problem.lo, problem.hi
    floors = [k for k, t in enumerate(terms) if getattr(t, "is_floor", False)]
    needs = [k for k, t in enumerate(terms) if getattr(t, "tier", None) == "need"]
    if not floors and not needs:
        return problem
    base = [k for k, t in enumerate(terms)
            if not t.hard and k not in floors and k not in needs]

    def span_of(indices) -> int:
        total = 0
        for k in indices:
            s = objective_span(terms[k], roster, lo, hi)
            if s is None:
                warnings.warn(f"{terms[k].label} has no bound; rule priorities assume its "
                              f"span is below {FALLBACK_SPAN}.", stacklevel=4)
                s = FALLBACK_SPAN
            total += abs(weights[k]) * s
        return total

    below = span_of(base)
    # a floor measures group scores in the objectives' own integers (without the factor its
    # own fractional weight adds to the whole objective: see make_problem)
    div = round(problem.scale / problem.measure_scale)
    measured = tuple((terms[k], weights[k] // div) for k in base
                     if getattr(terms[k], "tier", None) is None)
    for k in floors:
        terms[k] = terms[k].bind(measured)
        if terms[k].lexicographic:
            weights[k] = below + 1
        below += abs(weights[k]) * terms[k].value_span(roster, lo, hi, measured=measured)
    for k in needs:
        weights[k] = below + 1
    if needs:
        below += sum(weights[k] * terms[k].max_instances(roster, len(lo)) for k in needs)
    if below >= 2**62:
        raise InputError("Rule priorities need weights beyond int64; use fewer tiers or "
                         "smaller weights.")
    return replace(problem, terms=tuple(terms), weights=tuple(weights))
