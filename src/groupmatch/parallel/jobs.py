"""What one parallel job is, what a worker runs for it, and what comes back.

A :class:`Task` is one solve: a roster (or one part of it), a spec and the solve's keyword
arguments. :func:`run_task` runs it in whatever process the backend chose and returns an
:class:`Outcome`; it never raises, so one failing job cannot stop the others. What travels is
kept small: rosters go out without their text columns (:func:`travel_light`), and groupings come
back without the roster they were solved on (the caller already holds it, :func:`attach`).
"""

from __future__ import annotations

import os
import pickle
import socket
import time
import traceback
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ..exceptions import GroupMatchError
from ..settings import SolveSettings
from ..solving import solve_one

__all__ = ["Task", "Outcome", "JobFailure", "run_task", "travel_light", "named_columns", "attach",
           "warm_up"]


@dataclass(frozen=True)
class Task:
    """One solve for a worker.

    ``roster`` is a Roster or a reference the backend resolves in the worker (a Dask future, a
    key into the rosters a pool worker received once); ``rows`` picks one part of it
    (``partition_by``); ``options`` are :meth:`SolveSettings.of` keyword arguments; ``name``
    is what progress lines and failures show.
    """

    key: tuple
    name: str
    roster: object
    spec: object
    options: dict
    rows: np.ndarray | None = None


@dataclass
class Outcome:
    """What a worker sends back for one task: a grouping (without its roster) or the error."""

    key: tuple
    name: str
    grouping: object = None
    error: BaseException | None = None
    traceback: str = ""
    seconds: float = 0.0  # the job's wall time in the worker
    worker: str = ""  # "host:pid" of the process that ran it
    warnings: list = field(default_factory=list)  # (category, message) raised in the worker
    peak_mb: float | None = None  # the worker process's peak resident memory so far
    started: float = 0.0  # when the job started, seconds since the epoch (worker's clock)

    def record(self) -> dict:
        """Where and how the job ran, for the grouping's ``settings["parallel"]``."""
        return {"worker": self.worker, "started": round(self.started, 3),
                "seconds": round(self.seconds, 3), "peak_mb": self.peak_mb}

    @property
    def ok(self) -> bool:
        """True when a grouping with groups came back."""
        return self.error is None and self.grouping.status.has_solution


@dataclass(frozen=True)
class JobFailure:
    """A programme whose job raised instead of returning a Grouping (bad input, a crash).

    It stands in the results of :func:`groupmatch.solve_many` where the Grouping would be.
    An impossible programme is not a failure of this kind: it comes back as a Grouping with
    status INFEASIBLE and a message, as from :func:`groupmatch.solve`.

    Attributes
    ----------
    name : object
        The programme's name, as given.
    error : BaseException
        The exception the job raised (re-raised by :meth:`raise_for_status`).
    traceback : str
        Where it was raised, formatted in the worker.
    message : str
        ``"<name>: <ExceptionType>: <text>"`` in one line.

    Examples
    --------
    >>> import groupmatch as gm
    >>> f = gm.JobFailure("emea", gm.InputError("no column 'site'"))
    >>> f.message
    "emea: InputError: no column 'site'"
    >>> f.raise_for_status()
    Traceback (most recent call last):
    ...
    groupmatch.exceptions.InputError: no column 'site'
    """

    name: object
    error: BaseException
    traceback: str = ""

    @property
    def message(self) -> str:
        return f"{self.name}: {type(self.error).__name__}: {self.error}"

    def raise_for_status(self):
        """Raise the job's error (a failed job has no grouping to return)."""
        raise self.error


def _picklable(error: BaseException) -> BaseException:
    """The error itself when it pickles, else a GroupMatchError carrying its text."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any pickling failure: send the text instead
        return GroupMatchError(f"{type(error).__name__}: {error}")


def travel_light(roster, keep=()):
    """The roster to ship to a worker: the same encoded arrays, and of its source table only
    the numeric and boolean columns plus the columns in ``keep`` (text and list columns are
    what make a pickle big; solving reads the encoded arrays, and per-person columns a spec
    names, such as ``FacilitatedGroups(max_groups="max_joins")``, stay).

    Examples
    --------
    >>> import groupmatch as gm
    >>> r = gm.Roster.from_frame(gm.datasets.make_organization(20, random_state=1))
    >>> light = travel_light(r, keep={"site"})
    >>> "name" in light.frame.columns, "site" in light.frame.columns
    (False, True)
    """
    frame = roster.frame
    light = frame.select_dtypes(include=["number", "bool"]).columns
    frame = frame[[c for c in frame.columns if c in keep or c in light]]
    base = roster.base
    return replace(roster, frame=frame,
                   base=None if base is None else travel_light(base, keep))


def named_columns(spec) -> set[str]:
    """Every text a spec or its terms holds in a field: a superset of the table columns
    they may read (``travel_light`` keeps those that exist)."""
    from dataclasses import fields, is_dataclass

    out: set[str] = set()
    for obj in (spec, *getattr(spec, "terms", ())):
        if not is_dataclass(obj):
            continue
        for f in fields(obj):
            value = getattr(obj, f.name, None)
            values = value if isinstance(value, (tuple, list)) else (value,)
            out.update(v for v in values if isinstance(v, str))
    return out


def attach(grouping, roster):
    """The grouping with the caller's own roster put back (workers send it without)."""
    return replace(grouping, _roster=roster)


def run_task(task: Task, roster=None) -> Outcome:
    """Run one task here and return its Outcome; every exception becomes an error outcome.

    ``roster`` overrides ``task.roster`` (a backend passes the resolved one). Warnings raised
    by the solve are recorded, so the caller can show them with the programme's name.
    """
    t0, started = time.perf_counter(), time.time()
    where = f"{socket.gethostname()}:{os.getpid()}"
    caught: list = []
    try:
        roster = task.roster if roster is None else roster
        if task.rows is not None:
            roster = roster.take(task.rows)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            grouping = solve_one(roster, task.spec, SolveSettings.of(**task.options))
        caught = [(w.category, str(w.message)) for w in seen]
        return Outcome(task.key, task.name, replace(grouping, _roster=None),
                       seconds=time.perf_counter() - t0, worker=where, warnings=caught,
                       peak_mb=_peak_mb(), started=started)
    except Exception as error:  # noqa: BLE001 - a failing job must not stop the others
        return Outcome(task.key, task.name, None, _picklable(error), traceback.format_exc(),
                       seconds=time.perf_counter() - t0, worker=where, warnings=caught,
                       peak_mb=_peak_mb(), started=started)


def _peak_mb() -> float | None:
    """This process's peak resident memory in MB (None where the system does not say)."""
    try:
        import resource
    except ImportError:  # not on a Unix system
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


_WARM = False  # this process has loaded the compiled kernels


def warm_up() -> float:
    """Load the compiled (numba) search kernels in this process once, by a tiny solve.

    The kernels are compiled with ``cache=True``, so a fresh process reads them from the
    on-disk cache instead of compiling; this takes that cost (about a third of a second)
    before the first real job instead of inside its time limit. Returns the seconds spent
    (0 when this process was already warm).
    """
    global _WARM
    if _WARM:
        return 0.0
    t0 = time.perf_counter()
    import pandas as pd

    from ..modes import PeerGroups
    from ..roster import Roster
    from ..terms import CommonSlot, Diversity, NotWithManager, SharedNeeds

    n = 24
    people = pd.DataFrame({
        "id": [f"w{i}" for i in range(n)],
        "department": [f"d{i % 3}" for i in range(n)],
        "tenure_years": [float(i % 7) for i in range(n)],
        "needs": [f"t{i % 4};t{(i + 1) % 4}" for i in range(n)],
        "slots": ["mon;tue" if i % 2 else "tue;wed" for i in range(n)],
        "manager_id": [None] + [f"w{(i - 1) // 4}" for i in range(1, n)],
    })
    spec = PeerGroups(size=(3, 5), terms=[Diversity("department"), Diversity("tenure_years"),
                                          SharedNeeds(), NotWithManager(), CommonSlot()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solve_one(Roster.from_frame(people), spec,
                  SolveSettings.of(time_limit=0.3, workers=1, deterministic=True,
                                   method="search"))
    _WARM = True
    return time.perf_counter() - t0


def deliver(completed, futures: dict, on_done, cancel) -> None:
    """Call ``on_done(outcome)`` for each future of ``futures`` (future -> Task) as
    ``completed`` yields it. A future that raises (a process or worker lost) fails its own job
    only; an interrupt cancels what is left (``cancel()``) and propagates."""
    try:
        for future in completed:
            task = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - a lost process or worker: this job fails
                outcome = Outcome(task.key, task.name, None, error, repr(error))
            on_done(outcome)
    except BaseException:
        cancel()
        raise
