"""Build and solve one CP-SAT model over a window of people and groups.

Phase order (as in the OR-Tools samples): variables -> terms -> symmetry breaking -> objective
-> hints -> solve -> decode. The same builder serves the exact full solve (window = everything)
and each large-neighbourhood step (window = a few groups and their members).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from ..terms.base import ModelContext
from .budget import CPSAT_DTIME_PER_SECOND

__all__ = ["Built", "Outcome", "build", "solve_built"]


@dataclass
class Built:
    model: cp_model.CpModel
    x: dict
    people: np.ndarray
    groups: np.ndarray
    objective: object
    switches: dict


@dataclass
class Outcome:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN, MODEL_INVALID
    groups_of: np.ndarray | None  # group per window person, aligned with Built.people
    objective: int | None
    bound: int | None
    wall: float
    conflicts: tuple[str, ...] = ()
    dtime: float = 0.0  # CP-SAT deterministic time spent (what deterministic mode is charged)


def build(roster, problem, people, groups, *, hint=None, symmetry=False, enforce=True) -> Built:
    """Model "assign ``people`` to ``groups``" with every term of ``problem``.

    ``hint``: current group per window person. ``symmetry``: break the symmetry between
    interchangeable groups (same size bounds, no term tied to a group identity): within each
    class they are ordered by their first member. Hints must then be canonical too.
    ``enforce=False`` leaves hard-rule switches free so infeasibility can be explained.
    """
    model = cp_model.CpModel()
    people = np.asarray(people, dtype=np.int64)
    groups = np.asarray(groups, dtype=np.int64)
    lo, hi = problem.lo[groups], problem.hi[groups]
    # Variables: x[i, g] for every window pair; each person in exactly one window group.
    x = {}
    uniform = symmetry and len(set(lo.tolist())) == 1 and len(set(hi.tolist())) == 1
    for k, i in enumerate(people.tolist()):
        # symmetry breaking (all groups alike): the k-th person may only open one of the
        # first k+1 groups
        allowed = groups[: k + 1] if uniform else groups
        for g in allowed.tolist():
            x[i, g] = model.new_bool_var(f"x[{i},{g}]")
        model.add_exactly_one(x[i, g] for g in allowed.tolist())
    if symmetry and not uniform:
        _order_alike_groups(model, x, people, groups, lo, hi)
    switches: dict = {}
    ctx = ModelContext(model, roster, people, groups, x, lo, hi, switches)
    # Terms.
    parts = []
    for term, w in zip(problem.terms, problem.weights, strict=True):
        expr = term.encode(ctx)
        if not term.hard and w != 0 and expr is not None:
            parts.append(w * expr)  # a constant (every size fixed, no choice left) counts too
    # redundant: the sizes add up to the window's people; helps propagation of size bounds.
    model.add(sum(ctx.size(g) for g in groups.tolist()) == len(people))
    if enforce:
        for lit in switches.values():
            model.add(lit == 1)
    objective = sum(parts) if parts else 0
    model.maximize(objective)
    if hint is not None:
        for i, g in zip(people.tolist(), np.asarray(hint).tolist(), strict=True):
            for gg in groups.tolist():
                if (i, gg) in x:
                    model.add_hint(x[i, gg], gg == g)
    return Built(model, x, people, groups, objective, switches)


def _order_alike_groups(model, x, people, groups, lo, hi) -> None:
    """Symmetry breaking for groups with identical bounds: a later group of a class may take
    person i only if the previous group of the class already holds someone before i."""
    classes: dict[tuple[int, int], list[int]] = {}
    for g, a, b in zip(groups.tolist(), lo.tolist(), hi.tolist(), strict=True):
        classes.setdefault((a, b), []).append(g)
    rows = people.tolist()
    for members in classes.values():
        for g_prev, g_next in zip(members, members[1:], strict=False):
            opened = None  # "g_prev holds someone among the people seen so far"
            for i in rows:
                if opened is None:
                    model.add(x[i, g_next] == 0)
                else:
                    model.add_implication(x[i, g_next], opened)
                now = model.new_bool_var(f"opened[{g_prev},{i}]")
                parts = [x[i, g_prev]] + ([opened] if opened is not None else [])
                model.add_max_equality(now, parts)
                opened = now


class _Progress(cp_model.CpSolverSolutionCallback):
    """Adapter: forwards each improving solution to the user's callback (never prints)."""

    def __init__(self, callback: Callable[[dict], None], offset: int, start: float):
        super().__init__()
        self._callback, self._offset, self._start = callback, offset, start

    def on_solution_callback(self) -> None:
        self._callback({
            "event": "solution",
            "objective": int(round(self.objective_value)) + self._offset,
            "bound": int(round(self.best_objective_bound)) + self._offset,
            "elapsed": time.perf_counter() - self._start,
        })


def configure(solver: cp_model.CpSolver, *, time_limit: float, seed: int, workers: int,
              deterministic: bool,
              dtime_per_second: float = CPSAT_DTIME_PER_SECOND) -> cp_model.CpSolver:
    """The one CP-SAT configuration: ``workers`` workers on a wall-clock limit, or one worker
    on a deterministic work budget (same input, same answer).

    In deterministic mode ``time_limit`` seconds become ``time_limit × dtime_per_second``
    units of CP-SAT's deterministic time. The default is the rate measured on the engine's
    models on the reference machine, so the wall time stays near ``time_limit`` there (and the
    answer is the same everywhere). CP-SAT advances its deterministic time at different
    speeds on different models (0.14 units per CPU second on the team-mentoring model, 0.2-0.35
    on the facilitated plan model, 0.3 on partition models): a caller whose model is far from
    the default passes its own measured rate.

    Examples
    --------
    >>> s = configure(cp_model.CpSolver(), time_limit=10, seed=1, workers=4, deterministic=True)
    >>> s.parameters.num_workers, round(s.parameters.max_deterministic_time, 2)
    (1, 3.0)
    """
    p = solver.parameters
    p.random_seed = int(seed) % (2**31)
    p.num_workers = 1 if deterministic else int(workers)
    if deterministic:
        p.max_deterministic_time = float(time_limit) * float(dtime_per_second)
    else:
        p.max_time_in_seconds = float(time_limit)
    return solver


def new_solver(settings, *, min_seconds: float = 0.0,
               dtime_per_second: float = CPSAT_DTIME_PER_SECOND) -> cp_model.CpSolver:
    """A configured CP-SAT solver for a stage's settings (at least ``min_seconds``); see
    :func:`configure` for ``dtime_per_second``."""
    return configure(cp_model.CpSolver(), time_limit=max(settings.time_limit, min_seconds),
                     seed=settings.seed, workers=settings.workers,
                     deterministic=settings.deterministic, dtime_per_second=dtime_per_second)


def solve_built(
    built: Built,
    *,
    time_limit: float,
    seed: int,
    workers: int,
    deterministic: bool,
    progress: Callable[[dict], None] | None = None,
    progress_offset: int = 0,
    start: float | None = None,
    assumptions: bool = False,
) -> Outcome:
    """Solve a built model and decode the window's groups."""
    solver = configure(cp_model.CpSolver(), time_limit=time_limit, seed=seed,
                       workers=1 if assumptions else workers, deterministic=deterministic)
    if assumptions:
        built.model.add_assumptions(list(built.switches.values()))
    t0 = time.perf_counter()
    callback = None
    if progress is not None:
        callback = _Progress(progress, progress_offset, start or t0)
    code = solver.solve(built.model, callback)
    wall = time.perf_counter() - t0
    name = solver.status_name(code)
    dtime = float(solver.response_proto.deterministic_time)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        groups_of = np.empty(len(built.people), dtype=np.int64)
        for k, i in enumerate(built.people.tolist()):
            for g in built.groups.tolist():
                v = built.x.get((i, g))
                if v is not None and solver.boolean_value(v):
                    groups_of[k] = g
                    break
        return Outcome(name, groups_of, int(round(solver.objective_value)),
                       int(round(solver.best_objective_bound)), wall, dtime=dtime)
    conflicts = ()
    if assumptions and code == cp_model.INFEASIBLE:
        by_index = {lit.index: label for label, lit in built.switches.items()}
        core = solver.sufficient_assumptions_for_infeasibility()
        conflicts = tuple(by_index[i] for i in core if i in by_index)
    return Outcome(name, None, None, None, wall, conflicts, dtime=dtime)
