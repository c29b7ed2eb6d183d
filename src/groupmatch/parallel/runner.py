"""Where tasks run (this process, a local pool or a Dask cluster) and collecting their outcomes.

The backend is picked from ``client``: ``None`` is the local process pool (this process when
there is a single task), ``"serial"`` this process one task after the other, a
``dask.distributed.Client`` or a scheduler address a Dask cluster.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from ..exceptions import InputError
from .cluster import connect, run_dask
from .jobs import Outcome, Task, attach
from .local import cores, run_pool, run_serial
from .progress import Progress

__all__ = ["Backend", "backend_for", "run_tasks", "show_warnings"]


@dataclass
class Backend:
    """The place tasks run: ``kind`` is ``"serial"``, ``"pool"`` or ``"dask"``; ``slots`` how
    many jobs run at once (pool processes; Dask's worker threads)."""

    kind: str
    slots: int = 1
    client: object = None
    owned: bool = False  # a Client this call opened (from an address) and must close

    def default_workers_per_job(self, total: int | None = None) -> int | None:
        """Solver workers per job when the caller gives none: ``total`` (default: this
        machine's cores) for one job at a time, shared out over a pool's processes; 1 on Dask
        (each Dask worker thread runs one job)."""
        if self.kind == "serial":
            return total
        if self.kind == "pool":
            return max(1, (total or cores()) // self.slots)
        return 1

    def close(self) -> None:
        if self.owned:
            self.client.close()


def backend_for(client, n_tasks: int, max_processes: int | None = None) -> Backend:
    """The backend for ``client`` and ``n_tasks`` tasks (see the module's docstring); a local
    pool has at most ``max_processes`` processes (default: this machine's cores)."""
    if client is None or client == "local":
        processes = min(n_tasks, max_processes or cores())
        return Backend("serial") if processes <= 1 else Backend("pool", processes)
    if client == "serial":
        return Backend("serial")
    client, owned = connect(client)
    slots = max(1, sum(client.nthreads().values()))
    return Backend("dask", slots, client, owned)


def run_tasks(tasks: list[Task], backend: Backend, rosters: dict,
              progress: Progress) -> list[Outcome]:
    """Run every task; return their outcomes in the order of ``tasks``.

    ``rosters`` maps each task's key to the roster its grouping is reattached to (the caller's
    own, or the part a worker solved). Counts reach ``progress`` as jobs end (a grouping
    without groups counts as failed); warnings a job raised stay in its outcome (the caller
    shows those of the groupings it keeps, see :func:`show_warnings`).
    """
    got: dict = {}

    def done(outcome: Outcome) -> None:
        if outcome.grouping is not None:
            outcome.grouping = attach(outcome.grouping, rosters[outcome.key])
        got[outcome.key] = outcome
        progress.finished(outcome.name, ok=outcome.ok)

    try:
        if backend.kind == "serial":
            run_serial(tasks, done)
        elif backend.kind == "pool":
            run_pool(tasks, backend.slots, done)
        elif backend.kind == "dask":
            run_dask(backend.client, tasks, done)
        else:  # pragma: no cover - backend_for makes only the three
            raise InputError(f"Unknown backend {backend.kind!r}.")
    finally:
        progress.close()
    return [got[t.key] for t in tasks]


def show_warnings(outcome: Outcome, *, stacklevel: int = 2) -> None:
    """Warn again, in this process, what the job warned in its worker, prefixed with its name."""
    for category, message in outcome.warnings:
        warnings.warn(f"{outcome.name}: {message}", category, stacklevel=stacklevel + 1)
