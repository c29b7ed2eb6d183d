"""The embedded default: a pool of processes on this machine, one job per process at a time.

Processes start from a fork server (spawn where there is none) with groupmatch already
imported, never by forking the caller (whose solver threads must not be copied), so a script
that calls :func:`groupmatch.solve_many` needs the usual ``if __name__ == "__main__":`` guard.
Each process loads the compiled kernels once when it starts (:func:`.jobs.warm_up`), and a
roster that several jobs share (restarts, trade-off points, the parts of a partition) is sent
to each process once, when it starts, instead of with every job.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace

from .jobs import Outcome, Task, deliver, named_columns, run_task, travel_light, warm_up

__all__ = ["cores", "run_pool", "run_serial"]


def cores() -> int:
    """Cores this process may use (its CPU affinity where the system reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class _Shared:
    """A roster a pool process received when it started, by its key."""

    key: int


_RECEIVED: dict = {}  # in a pool process: the rosters it received at start, by key


def _start(rosters: dict, warm: bool) -> None:
    """Pool process initializer: keep the shared rosters, load the compiled kernels."""
    _RECEIVED.update(rosters)
    if warm:
        warm_up()


def _run(task: Task) -> Outcome:
    roster = task.roster
    if isinstance(roster, _Shared):
        roster = _RECEIVED[roster.key]
    return run_task(task, roster)


def _context():
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["groupmatch"])  # each process starts with it imported
    return ctx


def _share(tasks: list[Task]) -> tuple[list[Task], dict]:
    """Tasks whose roster is used by several tasks refer to it by key; those rosters are sent
    to each process once. Every roster travels light (see :func:`.jobs.travel_light`)."""
    uses = Counter(id(t.roster) for t in tasks)
    keep: dict = {}
    for t in tasks:
        keep.setdefault(id(t.roster), set()).update(named_columns(t.spec))
    shared: dict = {}
    light: dict = {}
    out = []
    for t in tasks:
        rid = id(t.roster)
        if uses[rid] > 1:
            if rid not in shared:
                shared[rid] = travel_light(t.roster, keep[rid])
            out.append(replace(t, roster=_Shared(rid)))
        else:
            if rid not in light:
                light[rid] = travel_light(t.roster, keep[rid])
            out.append(replace(t, roster=light[rid]))
    return out, shared


def run_pool(tasks: list[Task], processes: int, on_done) -> None:
    """Run ``tasks`` on a pool of ``processes`` and call ``on_done(outcome)`` as each ends.

    A process that dies (out of memory, killed) fails the jobs it held, not the others'.
    """
    sent, shared = _share(tasks)
    with ProcessPoolExecutor(max_workers=processes, mp_context=_context(), initializer=_start,
                             initargs=(shared, True)) as pool:
        futures = {pool.submit(_run, t): t for t in sent}
        deliver(as_completed(futures), futures, on_done,
                cancel=lambda: [f.cancel() for f in futures])


def run_serial(tasks: list[Task], on_done) -> None:
    """Run ``tasks`` one after the other in this process (``client="serial"``)."""
    for t in tasks:
        on_done(run_task(t))
