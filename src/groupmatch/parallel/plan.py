"""From programmes to jobs and back: parts (``partition_by``) times seeds (``restarts``) become
tasks; their outcomes become one Grouping (or :class:`JobFailure`) per programme.

Every public entry point (:func:`groupmatch.solve_many`, :func:`groupmatch.solve` with
``restarts``, ``client`` or ``partition_by``, :func:`groupmatch.tradeoff`) goes through
:func:`run_programmes`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .._validation import check_int
from ..exceptions import GroupMatchError, InputError
from ..result import Status
from ..roster import check_roster
from ..settings import SolveSettings
from ..solving import check_spec
from .jobs import JobFailure, Outcome, Task
from .partition import Impossible, Part, join_parts, plan_parts
from .progress import Progress
from .restarts import best_of, restart_seeds
from .runner import backend_for, run_tasks, show_warnings

__all__ = ["Programme", "run_programmes"]


@dataclass
class Programme:
    """One programme to solve: a name, a roster and a spec; ``early`` holds its result when it
    is decided before any job runs (an impossible partition, an input error)."""

    name: object
    roster: object
    spec: object
    parts: list[Part] | None = None
    info: dict = field(default_factory=dict)
    early: object = None


def _plan(prog: Programme, partition_by, record: dict) -> None:
    """Split the programme into parts, or decide it now (INFEASIBLE, or a JobFailure)."""
    t0 = time.perf_counter()
    try:
        check_roster(prog.roster)
        check_spec(prog.spec)
        if partition_by is not None:
            prog.parts, prog.info = plan_parts(prog.roster, prog.spec, partition_by)
    except Impossible as why:
        prog.early = prog.spec.no_grouping(prog.roster, Status.INFEASIBLE,
                                           time.perf_counter() - t0, record, message=str(why),
                                           conflicts=why.conflicts)
    except Exception as error:  # noqa: BLE001 - this programme fails, the others run
        prog.early = JobFailure(prog.name, error)


def _label(name) -> str:
    return "programme" if name is None else str(name)


def _tasks(programmes: list[Programme], seeds: list[int], options: dict):
    """Tasks and, by task key, the roster each grouping is reattached to."""
    tasks, rosters = [], {}
    for j, prog in enumerate(programmes):
        if prog.early is not None:
            continue
        base, origin = _shipped(prog.roster)
        units = prog.parts if prog.parts is not None else [None]
        for p, part in enumerate(units):
            sub = prog.roster if part is None else prog.roster.take(part.rows)
            rows = origin if part is None else (
                part.rows if origin is None else origin[part.rows])
            where = "" if part is None else f" [{part.name(prog.info['column'])}]"
            for s, seed in enumerate(seeds):
                name = _label(prog.name) + where + (f" (seed {seed})" if len(seeds) > 1 else "")
                tasks.append(Task((j, p, s), name, base,
                                  prog.spec if part is None else part.spec,
                                  {**options, "random_state": seed}, rows))
                rosters[(j, p, s)] = sub
    return tasks, rosters


def _shipped(roster):
    """What travels for a roster: a sub-roster as its whole roster plus its rows (shared by
    every programme cut from the same table), a roster as itself."""
    if getattr(roster, "base", None) is not None:
        return roster.base, roster.origin
    return roster, None


def _failure(prog: Programme, outcome: Outcome, where: str = "") -> JobFailure:
    error = outcome.error
    if where and type(error) in (InputError, GroupMatchError):
        error = type(error)(f"{where}: {error}")
    return JobFailure(prog.name, error, outcome.traceback)


def _finish(prog: Programme, chosen: list[Outcome], record: dict, extra: dict, t0: float):
    """The programme's Grouping (or JobFailure) from the kept outcome of each part."""
    for outcome in chosen:
        if outcome.error is None:
            show_warnings(outcome, stacklevel=5)
    if prog.parts is None:
        outcome = chosen[0]
        if outcome.error is not None:
            return _failure(prog, outcome)
        g = outcome.grouping
        where = {"parallel": {**extra["parallel"], **outcome.record()}}
        return replace(g, settings={**g.settings, **extra, **where})
    column = prog.info["column"]
    for part, outcome in zip(prog.parts, chosen, strict=True):
        if outcome.error is not None:
            return _failure(prog, outcome, f"part {part.name(column)}")
    parts = [replace(o.grouping, settings={**o.grouping.settings, "parallel": o.record()})
             for o in chosen]
    try:
        return join_parts(prog.roster, prog.spec, prog.parts, parts, prog.info,
                          {**record, **extra}, t0)
    except Exception as error:  # noqa: BLE001 - this programme fails, the others stand
        import traceback

        return JobFailure(prog.name, error, traceback.format_exc())


def run_programmes(programmes: list[Programme], *, time_limit: float, random_state=0,
                   deterministic: bool = False, method: str = "auto", restarts: int = 1,
                   partition_by: str | None = None, client=None,
                   workers_per_job: int | None = None, max_processes: int | None = None,
                   report=None) -> list:
    """Solve every programme (its parts, its seeds) where ``client`` says; return one Grouping
    or :class:`JobFailure` per programme, in order.

    ``report`` receives the progress events (see :class:`.progress.Progress`).
    """
    t0 = time.perf_counter()
    restarts = check_int("restarts", restarts, minimum=1)
    if workers_per_job is not None:
        workers_per_job = check_int("workers_per_job", workers_per_job, minimum=1)
    settings = SolveSettings.of(time_limit=time_limit, random_state=random_state,
                                deterministic=deterministic, method=method)
    record = settings.record()
    for prog in programmes:
        if prog.early is None:
            _plan(prog, partition_by, record)
    seeds = restart_seeds(settings.seed, restarts)
    options = {"time_limit": settings.time_limit, "deterministic": settings.deterministic,
               "method": settings.method}
    n_tasks = sum(len(p.parts or [None]) * len(seeds) for p in programmes if p.early is None)
    backend = backend_for(client, n_tasks, max_processes)
    try:
        workers = workers_per_job or backend.default_workers_per_job(max_processes)
        tasks, rosters = _tasks(programmes, seeds, {**options, "workers": workers})
        early = [p for p in programmes if p.early is not None]
        progress = Progress(len(tasks) + len(early), report)
        for prog in early:
            progress.finished(_label(prog.name), ok=False)
        outcomes = run_tasks(tasks, backend, rosters, progress)
    finally:
        backend.close()
    by_key = {o.key: o for o in outcomes}
    extra = {"parallel": {"backend": backend.kind, "slots": backend.slots,
                          "workers_per_job": workers}}
    results = []
    for j, prog in enumerate(programmes):
        if prog.early is not None:
            results.append(prog.early)
            continue
        chosen = [best_of([by_key[(j, p, s)] for s in range(len(seeds))], seeds)
                  for p in range(len(prog.parts or [None]))]
        results.append(_finish(prog, chosen, record, extra, t0))
    return results
