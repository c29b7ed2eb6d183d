"""One solve, below the front door: what :func:`groupmatch.solve` runs in this process and what
every parallel job (:mod:`groupmatch.parallel`) runs in a worker.

Kept apart from :mod:`groupmatch.api` so the parallel layer can run the very same solve without
importing the front door that imports it.
"""

from __future__ import annotations

import time

from .exceptions import InfeasibleError, InputError, NoSolutionError
from .modes.base import Mode
from .problem import Problem
from .result import Grouping, Status
from .roster import check_roster
from .settings import SolveSettings

__all__ = ["check_spec", "solve_one", "failed"]


def check_spec(spec, *, resolved: bool = False) -> Mode:
    """The spec, or InputError; ``resolved`` also accepts a resolved Problem (score, check).

    Examples
    --------
    >>> import groupmatch as gm
    >>> check_spec(gm.PeerGroups(size=2)).kind
    'peer'
    """
    if not (isinstance(spec, Mode) or resolved and isinstance(spec, Problem)):
        raise InputError(f"Expected a mode such as gm.PeerGroups(...), gm.FacilitatedGroups(...) "
                         f"or gm.TeamMentoring(...); got {type(spec).__name__}.")
    return spec


def solve_one(roster, spec, settings: SolveSettings) -> Grouping:
    """Validate the roster and spec, then run the spec's own solve; a proven infeasibility or
    a limit reached without groups comes back as a Grouping with that status.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
    >>> solve_one(r, gm.PeerGroups(size=2), SolveSettings.of(time_limit=1)).status.name
    'OPTIMAL'
    """
    t0 = time.perf_counter()
    check_roster(roster)
    spec = check_spec(spec)
    try:
        return spec.solve(roster, settings)
    except (InfeasibleError, NoSolutionError) as error:
        return failed(Grouping, roster, spec, error, settings, t0)


def failed(kind, roster, spec, error, settings, t0, **extra):
    """The Grouping of a solve or re-match that ended without groups (the error's status)."""
    status = Status.INFEASIBLE if isinstance(error, InfeasibleError) else Status.NO_SOLUTION
    return spec.no_grouping(roster, status, time.perf_counter() - t0, settings.record(),
                            message=str(error), conflicts=getattr(error, "conflicts", ()),
                            kind=kind, **extra)
