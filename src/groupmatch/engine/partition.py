"""The engine's one entry: ``partition(roster, problem, settings)`` splits people into groups.

It is mode-agnostic: it sees a :class:`~groupmatch.problem.Problem` (size bounds and terms),
never a spec, and returns a :class:`Partition` (an assignment array and how the search ended).
Peer groups call it for everybody, facilitated groups for each topic's mentees.

- Small problems (people × groups up to ``EXACT_LIMIT``): one CP-SAT model with every term, a proof
  of optimality or a bound.
- Larger ones: a constructive start, then the compiled local search (when every term can be
  compiled) and large-neighbourhood search over CP-SAT windows built by the same terms.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import InfeasibleError
from ..problem import Problem
from ..result import Status, canonical
from ..settings import SolveSettings
from . import search
from .budget import Budget
from .construct import components_of
from .cpsat import build, solve_built
from .feasible import interchangeable_groups
from .local import prepare

__all__ = ["partition", "Partition", "EXACT_LIMIT"]

EXACT_LIMIT = 200  # people × groups up to which the single exact model is the default
HINT_SHARE = 0.2  # share of the time the exact path spends on a local-search warm start
MIN_EXACT_SECONDS = 0.1  # the exact model always gets at least this long


@dataclass(frozen=True)
class Partition:
    """How a partition ended: ``assignment`` (group per roster row) when one was found.

    ``info`` holds what the run records in ``Grouping.settings`` (engine path, start, time to
    first...); ``solver_objective`` is CP-SAT's value, checked against numpy by the caller.
    """

    status: Status
    assignment: np.ndarray | None = None
    bound: int | None = None
    message: str = ""
    conflicts: tuple[str, ...] = ()
    info: dict = field(default_factory=dict)
    solver_objective: int | None = None


def partition(roster, problem: Problem, settings: SolveSettings) -> Partition:
    """Split ``roster`` into ``problem``'s groups within ``settings``' limits.

    Statuses tell the truth: ``OPTIMAL`` when proven (by CP-SAT, or the objective reached its
    bound), ``FEASIBLE`` for a valid grouping without proof, ``INFEASIBLE`` only when proven
    (counting pre-checks, or CP-SAT, with the conflicting rules in ``conflicts``), and
    ``NO_SOLUTION`` only when the time ran out with nothing found and nothing proven. When the
    search holds no valid grouping, a CP-SAT feasibility model of every hard rule decides within
    the time left (:mod:`.feasible`). Nothing is raised for an infeasible problem.

    With ``settings.deterministic`` every phase runs on a work budget charged at calibrated
    rates (:mod:`.budget`): the same answer on every machine, a wall time near
    ``time_limit`` on the reference machine.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> from groupmatch.problem import make_problem
    >>> from groupmatch.settings import SolveSettings
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "department": list("xxyy")}))
    >>> p = make_problem([2, 2], [2, 2], [gm.Diversity("department")], r)
    >>> out = partition(r, p, SolveSettings.of(time_limit=5))
    >>> out.status.name, p.objective(r, out.assignment)
    ('OPTIMAL', 2)
    """
    t0 = time.perf_counter()
    try:
        for term in problem.terms:
            term.prechecks(roster, problem.lo, problem.hi)
    except InfeasibleError as error:
        return Partition(Status.INFEASIBLE, message=str(error), conflicts=error.conflicts,
                         info={"method": "prechecks"})
    exact = settings.method == "exact" or (
        settings.method == "auto" and roster.n * problem.n_groups <= EXACT_LIMIT)
    if exact:
        return _solve_exact(roster, problem, settings, t0)

    def emit(event: str, objective, bound=None):
        settings.emit(event, objective, bound, elapsed=time.perf_counter() - t0)

    a, _, info = search.run(
        roster, problem, score_fn=lambda a: problem.objective(roster, a), rng=settings.rng(),
        seed=settings.seed, time_limit=settings.time_limit, workers=settings.workers,
        deterministic=settings.deterministic, emit=emit, t0=t0,
    )
    if a is None:
        status = (Status.INFEASIBLE if info.get("infeasible") else
                  Status.MODEL_INVALID if info.get("model_invalid") else Status.NO_SOLUTION)
        return Partition(status, message=info.get("message", ""),
                         conflicts=tuple(info.get("conflicts", ())), info=info)
    status = Status.OPTIMAL if info.get("optimal") else Status.FEASIBLE
    return Partition(status, a, info.get("bound"), info=info)


def _warm_start(roster, problem, seconds, seed, budget):
    """A good valid grouping from the compiled local search, to hint the exact model."""
    comps = components_of(problem, roster)
    local = prepare(comps, roster.n)
    if local is None or not local.movable.any():
        return None
    start = search.greedy_start(roster, problem, comps, np.random.default_rng(seed))
    if start is None:
        return None
    rate = local.work_per_second
    a, _, work = local.run(start, problem.lo, problem.hi, **budget.kernel_limits(seconds, rate),
                           seed=seed)
    budget.charge_kernel(work, rate)
    return a


def _solve_exact(roster, problem, settings: SolveSettings, t0: float) -> Partition:
    time_limit, seed = settings.time_limit, settings.seed
    budget = Budget(time_limit, settings.deterministic, t0)
    people = np.arange(roster.n)
    groups = np.arange(problem.n_groups)
    symmetry = interchangeable_groups(problem)
    warm = min(time_limit * HINT_SHARE, 0.25 + 0.01 * roster.n)  # tiny models need little
    hint = _warm_start(roster, problem, warm, seed, budget)
    if hint is not None:
        hint = canonical(hint, problem.lo, problem.hi)  # agrees with the symmetry breaking
    built = build(roster, problem, people, groups, symmetry=symmetry, hint=hint)
    budget.charge_cpsat(0.0, len(built.x), solved=False)  # the model's building
    time_limit = max(budget.left(), MIN_EXACT_SECONDS)
    out = solve_built(built, time_limit=time_limit, seed=seed, workers=settings.workers,
                      deterministic=settings.deterministic, progress=settings.progress, start=t0)
    info = {"method": "exact"}
    if out.groups_of is not None:
        status = Status.OPTIMAL if out.status == "OPTIMAL" else Status.FEASIBLE
        a = np.empty(roster.n, dtype=np.int64)
        a[people] = out.groups_of
        return Partition(status, a, out.bound, info=info, solver_objective=out.objective)
    if out.status == "INFEASIBLE":
        from .explain import explain_infeasible

        message, conflicts = explain_infeasible(roster, problem, seed, time_limit,
                                                deterministic=settings.deterministic)
        return Partition(Status.INFEASIBLE, message=message, conflicts=tuple(conflicts),
                         info=info)
    if out.status == "MODEL_INVALID":
        return Partition(Status.MODEL_INVALID, message="CP-SAT rejected the model", info=info)
    if hint is not None and not problem.check(roster, hint):
        # CP-SAT ran out of time before reaching its hint, which keeps every rule: a valid
        # grouping in hand is never reported as none found
        return Partition(Status.FEASIBLE, hint, out.bound, info={**info, "from": "warm start"})
    return Partition(Status.NO_SOLUTION, info=info,
                     message=f"No valid grouping found within {settings.time_limit:g} s, and "
                             "none was proven impossible; raise time_limit or relax the rules.")
