"""Peer groups' solve: resolve the spec into a problem, partition everybody, report."""

from __future__ import annotations

import time

from ...engine.partition import partition
from .report import make_grouping

__all__ = ["solve_peer"]


def solve_peer(roster, spec, settings):
    """One call of the engine over the whole roster, packaged as a Grouping."""
    t0 = time.perf_counter()
    problem = spec.problem(roster)
    out = partition(roster, problem, settings)
    record = settings.record(**out.info)
    return make_grouping(roster, spec, problem, out.assignment, out.status, out.bound,
                         time.perf_counter() - t0, record, message=out.message,
                         conflicts=out.conflicts, solver_objective=out.solver_objective)
