"""When the search holds no valid grouping: CP-SAT finds one, or proves that none exists.

The heuristic search (constructive start, compiled repair) can miss a valid grouping that exists,
and it can never show that none does. Both fallbacks here use the exact model of every hard rule
(``cpsat.build``, the objective cleared: any valid grouping will do), so the statuses tell the
truth: a grouping when CP-SAT finds one, ``INFEASIBLE`` with the conflicting rules named when it
proves that none exists, and ``NO_SOLUTION`` only when neither happened in the time left.
"""

from __future__ import annotations

import numpy as np

from ..result import canonical
from .cpsat import build, solve_built

__all__ = ["FEASIBILITY_LIMIT", "find_feasible", "no_grouping", "interchangeable_groups"]

FEASIBILITY_LIMIT = 20_000  # people × groups up to which the whole feasibility model is built
MIN_SECONDS = 0.2  # a feasibility model gets at least this long, even when the budget is spent


def interchangeable_groups(problem) -> bool:
    """Groups with equal bounds are interchangeable unless a term ties itself to group ids."""
    return not any(getattr(t, "group_specific", False) for t in problem.terms)


def find_feasible(roster, problem, budget, *, hint=None, seed, workers, share: float = 1.0,
                  limit: int | None = FEASIBILITY_LIMIT) -> tuple[np.ndarray | None, str]:
    """Any grouping keeping every hard rule, from the whole CP-SAT model; ``(a, status)``.

    ``status`` is CP-SAT's (``OPTIMAL``/``FEASIBLE`` with ``a``, else ``INFEASIBLE``,
    ``UNKNOWN``, ``MODEL_INVALID``), or ``TOO_LARGE`` when people × groups exceeds ``limit``
    (``None``: no limit, for a start nothing else can give) and no model is built. ``hint``
    (a grouping that may break rules, such as the repair's least broken one) steers CP-SAT
    towards a nearby valid grouping. The solve gets ``share`` of the ``budget`` left (it
    stops at the first valid grouping) and is charged to it. Groups with equal bounds are
    ordered by their first member (symmetry breaking), which matters for proofs.
    """
    n, n_groups = roster.n, problem.n_groups
    if limit is not None and n * n_groups > limit:
        return None, "TOO_LARGE"
    symmetry = interchangeable_groups(problem)
    if symmetry and hint is not None:
        hint = canonical(hint, problem.lo, problem.hi)  # agrees with the symmetry breaking
    built = build(roster, problem, np.arange(n), np.arange(n_groups), hint=hint,
                  symmetry=symmetry)
    built.model.clear_objective()
    seconds = max(budget.left() * share, MIN_SECONDS)
    out = solve_built(built, time_limit=seconds, seed=seed, workers=workers,
                      deterministic=budget.deterministic)
    budget.charge_cpsat(out.dtime, len(built.x))
    return out.groups_of, out.status


def no_grouping(roster, problem, status: str, budget, *, seed, time_limit: float,
                broken=()) -> dict:
    """What a run that ends without a grouping reports: ``infeasible``, ``message``,
    ``conflicts``.

    ``status`` is how the last attempt ended (see :func:`find_feasible`); ``broken`` lists the
    violations of the least broken grouping the search reached. Only a proof (``INFEASIBLE``)
    names conflicting rules; otherwise the message says that nothing was proven either way.
    """
    if status == "INFEASIBLE":
        from .explain import explain_infeasible

        message, conflicts = explain_infeasible(roster, problem, seed, max(budget.left(), 1.0),
                                                deterministic=budget.deterministic)
        return {"infeasible": True, "message": message, "conflicts": tuple(conflicts)}
    if status == "MODEL_INVALID":
        return {"infeasible": False, "model_invalid": True,
                "message": "CP-SAT rejected the feasibility model (a bug in groupmatch)."}
    found = (f"the search left {len(broken)} group(s) breaking "
             f"{', '.join(sorted({v.rule for v in broken}))} (e.g. {broken[0]})"
             if broken else "the search found none")
    if status == "TOO_LARGE":
        proof = (f"the problem ({roster.n} people × {problem.n_groups} groups) is beyond the "
                 "exact feasibility check, so whether one exists is not known")
    else:
        proof = "CP-SAT neither found one nor proved that none exists in the time left"
    return {"infeasible": False, "conflicts": (),
            "message": (f"No valid grouping was found within {time_limit:g} s, and none was "
                        f"proven impossible: {found}; {proof}. Raise time_limit, or relax a "
                        "rule (tier='need' keeps as many of its groups as possible).")}
