"""Peer groups' solve: resolve the spec into a problem, partition everybody, report."""

from __future__ import annotations

import time
from dataclasses import replace

from ...engine.partition import partition
from ...explain import warn_below_random
from ...result import Status
from .report import make_grouping

__all__ = ["solve_peer", "in_user_units"]

MIN_RETRY_SECONDS = 0.5  # time a wider-size attempt gets at least after a proven infeasibility


def in_user_units(settings, problem):
    """``settings`` whose progress events read in the user's units (the engine reports the
    integers CP-SAT maximises, ``problem.scale`` times larger)."""
    user = settings.progress
    if user is None or problem.scale == 1:
        return settings

    def progress(event: dict) -> None:
        user({**event, "objective": problem.in_user_units(event.get("objective")),
              "bound": problem.in_user_units(event.get("bound"))})

    return replace(settings, progress=progress)


def _sizes(lo, hi) -> str:
    a, c = int(lo.min()), int(hi.max())
    return f"{a}" if a == c else f"{a}-{c}"


def _even_hint(problem, attempt) -> str:
    """When even sizes narrowed the range and no grouping was found, say how to widen."""
    if (attempt.lo == problem.lo).all() and (attempt.hi == problem.hi).all():
        return ""
    return (f" Group sizes were kept as even as possible ({_sizes(attempt.lo, attempt.hi)} "
            f"within {_sizes(problem.lo, problem.hi)}); PeerGroups(..., even=False) lets the "
            "search use the whole range.")


def solve_peer(roster, spec, settings):
    """The engine over the whole roster, packaged as a Grouping.

    With ``even=True`` the engine first gets the most even sizes (``spec.solve_bounds``); a
    proven infeasibility that involves the sizes widens them a step and tries again in the
    time left (a conflict among other rules alone is reported as it is). The Grouping's
    plan keeps the spec's range (what ``gm.check`` holds it to), and ``settings["sizes"]``
    records the sizes used. Warns (:class:`~groupmatch.explain.TermBelowRandomWarning`)
    when an objective ends below what a random grouping with the same sizes would give.
    """
    t0 = time.perf_counter()
    problem = spec.problem(roster)
    steps = spec.solve_bounds(roster.n)
    for k, (lo, hi) in enumerate(steps):
        attempt = problem.with_bounds(lo, hi) if k < len(steps) - 1 else problem
        left = settings.time_limit - (time.perf_counter() - t0)
        run = settings if k == 0 else settings.with_time(max(left, MIN_RETRY_SECONDS))
        out = partition(roster, attempt, in_user_units(run, problem))
        sizes_involved = not out.conflicts or "SizeBounds" in out.conflicts
        if out.status is not Status.INFEASIBLE or not sizes_involved or k == len(steps) - 1:
            break
    record = settings.record(**out.info, sizes=_sizes(attempt.lo, attempt.hi))
    message = out.message
    if out.status is Status.NO_SOLUTION:
        message += _even_hint(problem, attempt)
    grouping = make_grouping(roster, spec, problem, out.assignment, out.status, out.bound,
                             time.perf_counter() - t0, record, message=message,
                             conflicts=out.conflicts, solver_objective=out.solver_objective)
    warn_below_random(grouping, stacklevel=4)  # the user's gm.solve call
    return grouping
