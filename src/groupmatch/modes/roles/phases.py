"""Lexicographic CP-SAT solves shared by the role modes: one objective after another, each
held at the value it reached before the next is optimised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ...engine.budget import CPSAT_DTIME_PER_SECOND
from ...engine.cpsat import new_solver

__all__ = ["solve_in_phases", "Phases"]

MIN_SECONDS = 0.05  # a phase's floor: a role model always gets a moment to answer


@dataclass
class Phases:
    """The outcome: ``solver`` holds the last answer found (None when there is none);
    ``statuses`` one CP-SAT status name per phase tried."""

    solver: cp_model.CpSolver | None
    statuses: list[str]

    @property
    def optimal(self) -> bool:
        return bool(self.statuses) and all(s == "OPTIMAL" for s in self.statuses)

    def value(self, var) -> int:
        return int(self.solver.value(var))


def solve_in_phases(model: cp_model.CpModel, steps: Sequence[tuple[str, object]], decision,
                    *, settings, shares: Sequence[float], retries: Sequence[int],
                    dtime_per_second: float = CPSAT_DTIME_PER_SECOND, rehint=None) -> Phases:
    """Optimise ``steps`` (``("max" | "min", expression)``) in order on ``model``.

    A step may name a third item, the expression its answer holds for the next phases (by
    default the one it optimised), or None to hold nothing: its answer then only hints the
    next phase.

    Each phase gets ``share × settings.time_limit`` and, when it ends without an answer, up to
    ``retries`` more tries with doubled time (out of time is not infeasible). An answer holds
    its phase's value, and hints the next phase with every ``decision`` variable. A later
    phase that finds nothing keeps the earlier answer. Constant steps are skipped; with none
    left, any valid answer is returned. In deterministic mode no retry is made (its time would
    not be budgeted) and ``dtime_per_second`` is the model's measured rate of CP-SAT's
    deterministic time (see :func:`groupmatch.engine.cpsat.configure`). ``rehint(k, value)``,
    when given, is called after step ``k`` found an answer (``value(var)`` reads it) and may
    return better hints ``{var: value}`` for the next phase.
    """
    best, statuses = None, []
    for k, (step, share, tries) in enumerate(zip(steps, shares, retries, strict=True)):
        sense, expr = step[0], step[1]
        hold = step[2] if len(step) > 2 else expr
        if isinstance(expr, int):
            continue
        (model.maximize if sense == "max" else model.minimize)(expr)
        for extra in range(1 if settings.deterministic else tries):
            solver = new_solver(settings.with_time(settings.time_limit * share * 2**extra),
                                min_seconds=MIN_SECONDS, dtime_per_second=dtime_per_second)
            status = solver.solve(model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) or status == cp_model.INFEASIBLE:
                break
        statuses.append(solver.status_name(status))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Phases(best, statuses)  # keep the earlier phase's answer, if any
        # the expression's value at the answer: CP-SAT's objective_value can differ from it
        # after a hinted re-solve, and holding a wrong value would cut the answer away
        if hold is not None:
            held = int(solver.value(hold))
            model.add(hold >= held if sense == "max" else hold <= held)
        model.clear_hints()
        better = (rehint(k, solver.value) if rehint is not None else None) or {}
        for v in decision:
            model.add_hint(v, better.get(v.index, solver.value(v)))
        best = solver
    if best is None and not statuses:  # nothing to optimise: any valid answer
        model.clear_objective()
        solver = new_solver(settings, min_seconds=MIN_SECONDS, dtime_per_second=dtime_per_second)
        status = solver.solve(model)
        statuses.append(solver.status_name(status))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = solver
    return Phases(best, statuses)
