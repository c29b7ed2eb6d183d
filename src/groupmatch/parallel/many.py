"""``gm.solve_many``: many programmes at once, and the parallel paths of ``gm.solve``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..modes.base import Mode
from ..roster import Roster
from .jobs import JobFailure
from .plan import Programme, run_programmes
from .progress import progress_reporter

__all__ = ["solve_many", "ManyResults", "solve_portfolio"]


class ManyResults(dict):
    """What :func:`groupmatch.solve_many` returns: a dict ``name -> Grouping`` in the order
    given, where a programme whose job raised holds a :class:`JobFailure` instead.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
    >>> results = ManyResults({"a": gm.solve(r, gm.PeerGroups(size=2)),
    ...                        "b": gm.JobFailure("b", gm.InputError("bad"))})
    >>> results.failures
    {'b': 'InputError: bad'}
    >>> results.summary()["status"].tolist()
    ['optimal', 'error']
    """

    @property
    def failures(self) -> dict:
        """``name -> reason`` of every programme without groups: a job that raised, or a
        grouping whose status is INFEASIBLE or NO_SOLUTION (its message)."""
        out = {}
        for name, g in self.items():
            if isinstance(g, JobFailure):
                out[name] = f"{type(g.error).__name__}: {g.error}"
            elif not g.status.has_solution:
                out[name] = f"{g.status.value}: {g.message}" if g.message else g.status.value
        return out

    def summary(self) -> pd.DataFrame:
        """One row per programme: ``name``, ``status`` (``"error"`` for a failed job),
        ``objective``, ``bound``, ``groups``, ``people``, ``wall_time`` and ``message``."""
        rows = []
        for name, g in self.items():
            if isinstance(g, JobFailure):
                rows.append({"name": name, "status": "error", "objective": None, "bound": None,
                             "groups": 0, "people": None, "wall_time": None,
                             "message": f"{type(g.error).__name__}: {g.error}"})
                continue
            rows.append({"name": name, "status": g.status.value, "objective": g.objective,
                         "bound": g.bound, "groups": len(g.groups), "people": len(g.assignments),
                         "wall_time": g.wall_time, "message": g.message})
        return pd.DataFrame(rows, columns=["name", "status", "objective", "bound", "groups",
                                           "people", "wall_time", "message"])

    def raise_for_status(self) -> ManyResults:
        """Return self when every programme has groups; otherwise raise a
        :class:`~groupmatch.exceptions.GroupMatchError` listing the failed programmes."""
        from ..exceptions import GroupMatchError

        failed = self.failures
        if failed:
            shown = "; ".join(f"{k}: {v}" for k, v in list(failed.items())[:5])
            more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
            raise GroupMatchError(f"{len(failed)} of {len(self)} programmes have no groups: "
                                  f"{shown}{more}.")
        return self


def _programmes(jobs, spec, programme, roster_options) -> list[Programme]:
    """The programmes of ``jobs``: a mapping, or a DataFrame split by ``programme``."""
    if isinstance(jobs, pd.DataFrame):
        if programme is None:
            raise InputError("solve_many(frame, spec, programme='column') needs the column "
                             "that names each person's programme.")
        if not isinstance(spec, Mode):
            raise InputError("solve_many(frame, spec, programme=...) needs one spec for every "
                             f"programme, such as gm.PeerGroups(...); got {spec!r}.")
        return _split_frame(jobs, spec, programme, dict(roster_options or {}))
    if programme is not None or roster_options is not None:
        raise InputError("programme= and roster_options= go with a DataFrame of everybody; "
                         "with a mapping, give each programme its own roster.")
    if not isinstance(jobs, Mapping):
        raise InputError("solve_many takes a mapping name -> (roster, spec) (or name -> "
                         "roster with spec=...), or a DataFrame with programme='column'; got "
                         f"{type(jobs).__name__}.")
    out = []
    for name, value in jobs.items():
        if isinstance(value, Roster) and spec is not None:
            value = (value, spec)
        if not (isinstance(value, tuple) and len(value) == 2):
            raise InputError(f"solve_many: jobs[{name!r}] must be a (roster, spec) pair; got "
                             f"{type(value).__name__}.")
        out.append(Programme(name, *value))
    return out


def _split_frame(frame: pd.DataFrame, spec, column: str, options: dict) -> list[Programme]:
    """One roster of everybody (validated once, reporting lines kept across programmes), and
    one programme per value of ``column`` on its sub-roster."""
    if column not in frame.columns:
        raise InputError(f"programme={column!r} is not a column of the table (columns: "
                         f"{', '.join(map(repr, frame.columns[:12]))}).")
    names = frame[column]
    empty = names.isna() | names.astype(str).str.strip().eq("")
    if empty.any():
        rows = ", ".join(map(str, frame.index[empty][:5].tolist()))
        raise InputError(f"programme={column!r}: {int(empty.sum())} rows name no programme "
                         f"(rows {rows}); give everybody one, so nobody is left out.")
    roster = Roster.from_frame(frame, **options)
    codes, uniques = pd.factorize(names.reset_index(drop=True), sort=False)
    return [Programme(name, roster.take(np.flatnonzero(codes == k)), spec)
            for k, name in enumerate(uniques)]


def solve_many(jobs, spec=None, *, time_limit: float, programme: str | None = None,
               roster_options: Mapping | None = None, random_state=0, client=None,
               progress=True, workers_per_job: int | None = None, deterministic: bool = False,
               method: str = "auto", restarts: int = 1,
               partition_by: str | None = None) -> ManyResults:
    """Solve many programmes at once, on this machine's cores or on a Dask cluster.

    Parameters
    ----------
    jobs : mapping or DataFrame
        ``name -> (roster, spec)`` (or ``name -> roster`` with ``spec``); or one DataFrame of
        everybody with a ``programme`` column naming each person's programme: one roster of
        everybody is built (``Roster.from_frame(frame, **roster_options)``, so reporting
        lines across programmes are kept) and each programme is solved on its sub-roster
        (:meth:`Roster.take`), which scores exactly like the whole roster.
    spec : PeerGroups, FacilitatedGroups or TeamMentoring, optional
        The spec of every programme (the DataFrame form, or a mapping of rosters).
    time_limit : float
        Seconds of search for each job (each programme; each part and each seed of one).
    programme : str, optional
        The DataFrame form's column of programme names (order: first appearance).
    roster_options : mapping, optional
        Keyword arguments of :meth:`Roster.from_frame` for the table.
    random_state, deterministic, method
        As in :func:`groupmatch.solve`, the same for every programme, so a programme's result
        is the one ``gm.solve`` gives it alone (with ``deterministic=True``, exactly).
    client : None, "serial", dask.distributed.Client or str
        Where jobs run. ``None``: a local process pool with one process per core (this
        process for a single job). ``"serial"``: this process, one job after the other. A
        ``Client`` or a scheduler address (``"tcp://10.0.0.5:8786"``): that Dask cluster
        (needs ``pip install "groupmatch[dask]"``).
    progress : bool or callable, default True
        A one-line report on stderr (jobs done, failures by name, elapsed, time left) for
        runs longer than two seconds; False for none; a callable receives each event dict
        (``done``, ``total``, ``failed``, ``failures``, ``elapsed``, ``remaining``, ``name``,
        ``ok``).
    workers_per_job : int, optional
        Solver workers (CP-SAT threads) of each job. Default: the cores shared out over the
        pool's processes, so N processes never run more than N cores' worth of threads (one
        each when there are at least as many jobs as cores); 1 on Dask, where each worker
        thread runs one job (start Dask workers with ``--nthreads 1`` per core).
    restarts : int, default 1
        Seeds per programme, kept as in :func:`groupmatch.solve`.
    partition_by : str, optional
        Split each programme by this column into parts solved independently and joined,
        as in :func:`groupmatch.solve`.

    Returns
    -------
    ManyResults
        ``name -> Grouping`` in the order given (a dict). A programme whose job raised holds
        a :class:`JobFailure` (its name, the error, the traceback) and the others are
        unaffected; an impossible programme is a Grouping with status INFEASIBLE and its
        message, as from ``gm.solve``. ``results.failures`` names both kinds,
        ``results.summary()`` tabulates every programme. Each Grouping's
        ``settings["parallel"]`` records the backend, its slots and the workers per job.

    Notes
    -----
    The local pool starts its processes from a fork server (spawn where there is none): a
    script calling this needs the ``if __name__ == "__main__":`` guard. Each worker process
    loads the compiled search kernels once, before its first job.

    Examples
    --------
    >>> import groupmatch as gm
    >>> people = gm.datasets.make_organization(60, random_state=1)
    >>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")])
    >>> results = gm.solve_many(people, spec, programme="site", time_limit=0.5,
    ...                         client="serial", progress=False)
    >>> len(results) == people["site"].nunique(), results.failures
    (True, {})
    """
    programmes = _programmes(jobs, spec, programme, roster_options)
    report = progress_reporter(progress, "solve_many")
    results = run_programmes(programmes, time_limit=time_limit, random_state=random_state,
                             deterministic=deterministic, method=method, restarts=restarts,
                             partition_by=partition_by, client=client,
                             workers_per_job=workers_per_job, report=report)
    return ManyResults((p.name, r) for p, r in zip(programmes, results, strict=True))


def solve_portfolio(roster, spec, *, time_limit: float, random_state, workers: int | None,
                    deterministic: bool, progress, method: str, restarts: int, client,
                    partition_by: str | None):
    """``gm.solve`` with ``restarts``, ``client`` or ``partition_by``: one programme through
    the parallel path; a job that raised raises here, as the plain solve would."""
    t0 = time.perf_counter()
    if progress is not None and not callable(progress):
        raise InputError(f"progress must be a callable or None; got {progress!r}.")
    workers_per_job = None
    if workers is not None and client not in (None, "local", "serial"):
        workers_per_job = workers  # on Dask: each job's solver workers
    [result] = run_programmes([Programme(None, roster, spec)], time_limit=time_limit,
                              random_state=random_state, deterministic=deterministic,
                              method=method, restarts=restarts, partition_by=partition_by,
                              client=client, workers_per_job=workers_per_job,
                              max_processes=workers, report=progress)
    if isinstance(result, JobFailure):
        raise result.error
    return replace(result, wall_time=time.perf_counter() - t0)
