"""Explain infeasibility: which hard rules conflict, in words, from CP-SAT assumptions."""

from __future__ import annotations

import numpy as np

from .cpsat import build, solve_built

__all__ = ["explain_infeasible", "describe_rules", "EXPLAIN_LIMIT"]

EXPLAIN_LIMIT = 20_000  # people × groups up to which the full assumption model is built


def _sizes(roster, problem) -> str:
    lo, hi = int(problem.lo.min()), int(problem.hi.max())
    span = str(lo) if lo == hi else f"{lo}-{hi}"
    return f"SizeBounds ({problem.n_groups} groups of {span} people for {roster.n} people)"


def describe_rules(roster, problem, labels) -> list[str]:
    """Each named rule in plain words with its numbers (``describe``), in problem order."""
    out = []
    for term in problem.terms:
        if term.label not in labels:
            continue
        if term.label == "SizeBounds":
            out.append(_sizes(roster, problem))
        else:
            describe = getattr(term, "describe", None)
            out.append(describe(roster, problem.lo, problem.hi) if describe else term.label)
    return out


def explain_infeasible(roster, problem, seed: int, time_limit: float, *,
                       deterministic: bool = False) -> tuple[str, tuple]:
    """Re-solve with one switch per hard rule as assumptions (one worker, as CP-SAT requires).

    The conflicting set is CP-SAT's sufficient assumptions for infeasibility (a small set of
    switch literals that cannot all be true). Size bounds are always involved, so they are
    named too. Falls back to every hard rule when the model is too large or the re-solve does
    not finish. ``deterministic`` puts the re-solve on a work budget, so the named rules are
    the same on every run.
    """
    labels: tuple = ()
    if roster.n * problem.n_groups <= EXPLAIN_LIMIT:
        built = build(roster, problem, np.arange(roster.n), np.arange(problem.n_groups),
                      enforce=False)
        out = solve_built(built, time_limit=time_limit, seed=seed, workers=1,
                          deterministic=deterministic, assumptions=True)
        labels = out.conflicts
    if not labels:
        labels = tuple(t.label for t in problem.terms if t.hard)
    elif "SizeBounds" not in labels:
        labels = (*labels, "SizeBounds")
    words = describe_rules(roster, problem, set(labels))
    joined = words[0] if len(words) == 1 else "; ".join(words[:-1]) + "; and " + words[-1]
    message = (f"No grouping satisfies these rules together: {joined}. Relax one of them "
               "(or give it tier='need'), or change the group sizes.")
    return message, tuple(labels)
