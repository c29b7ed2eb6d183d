"""The front door: ``solve``, ``rematch``, ``score`` and ``check``.

Each validates its settings once (a frozen :class:`~groupmatch.settings.SolveSettings`) and calls
the spec's own method; it never asks which mode it holds.

**One way to fail.** ``solve`` and ``rematch`` return a :class:`~groupmatch.result.Grouping` for
every outcome of the problem itself: OPTIMAL or FEASIBLE with groups, INFEASIBLE when the rules
are proven impossible (counting checks with their numbers, a CP-SAT proof, ``strict=True`` in the
role modes, ``max_moves`` too small), NO_SOLUTION when the limit ended first. They raise only for
malformed input (:class:`~groupmatch.exceptions.InputError`). Call
:meth:`~groupmatch.result.Grouping.raise_for_status` to turn a failure into
:class:`~groupmatch.exceptions.InfeasibleError` or :class:`~groupmatch.exceptions.NoSolutionError`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ._random import RandomState
from ._validation import check_int
from .exceptions import InfeasibleError, InputError, NoSolutionError
from .modes.base import RematchRequest
from .parallel.many import solve_portfolio
from .result import Grouping, RematchedGrouping, moves_frame
from .roster import check_roster
from .settings import SolveSettings
from .solving import check_spec, failed, solve_one
from .terms.base import Violation

__all__ = ["solve", "rematch", "score", "check"]

REMATCH_METHODS = ("auto", "whole", "windows")


def solve(
    roster,
    spec,
    *,
    time_limit: float = 10.0,
    random_state: RandomState = 0,
    workers: int | None = None,
    deterministic: bool = False,
    progress: Callable[[dict], None] | None = None,
    method: str = "auto",
    restarts: int = 1,
    client=None,
    partition_by: str | None = None,
) -> Grouping:
    """Form groups: validate, pre-check, solve, and return a :class:`Grouping`.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups, FacilitatedGroups or TeamMentoring
        The mode, sizes and terms.
    time_limit : float
        Seconds of search (wall clock), a finite number > 0. With ``deterministic=True`` it
        is converted into work budgets at rates measured on the reference machine (see
        ``deterministic``).
    random_state : int, Generator or None
        Seed. The default 0 makes runs auditable; pass an int for reproducible output.
    workers : int, optional
        Parallel workers, default the machine's cores: CP-SAT workers, and independent
        searches on threads for a user distance matrix (the dense kernel). With
        ``restarts`` or ``partition_by`` on this machine: the cores used in all, shared out
        over the pool's processes; on a Dask cluster: each job's solver workers (default 1).
    deterministic : bool
        One worker and work budgets instead of wall-clock limits: same input, seed and limits
        give the same Grouping on any machine. The wall time is near ``time_limit`` on a quiet
        machine like the reference one (a 2-core Xeon); faster machines finish early, slower or
        busy ones late, and a run ends early once it proves its answer.
    progress : callable, optional
        Called with dicts ``{"event", "objective", "bound", "elapsed"}`` on each improvement.
        With ``restarts``, ``client`` or ``partition_by`` the jobs run elsewhere: it is called
        once per finished job instead (the events of :func:`groupmatch.solve_many`).
    method : {"auto", "exact", "search"}
        Force the exact model or the scalable search (peer groups).
    restarts : int, default 1
        Solve with this many seeds in parallel and keep the best: the highest objective
        among the groupings with groups (a failed seed never wins; the first seed wins a
        tie). The first seed is ``random_state``'s own, the others are derived from it
        (reproducible). ``settings["restarts"]`` records each seed's objective and status
        and their min, median and max. ``time_limit`` applies to each seed.
    client : None, "serial", dask.distributed.Client or str, optional
        Where the jobs of ``restarts`` and ``partition_by`` run: a local process pool
        (None), this process (``"serial"``), or a Dask cluster (a Client or a scheduler
        address; ``pip install "groupmatch[dask]"``). Given alone, the one solve runs there.
    partition_by : str, optional
        A column (a categorical attribute or a column of the roster's table, e.g.
        ``"site"``) that splits the programme into independent parts, solved in parallel
        and joined into one Grouping whose groups never cross it; renumbered groups,
        ``gm.check(roster, spec, grouping) == []`` on the whole roster. Peer groups share the
        spec's number of groups out over the parts; a part too small for any group, or a
        hard ``MustGroup`` pair across two parts, makes the result INFEASIBLE with the
        part or pair named. Status and bound then refer to groupings that keep the parts
        apart; ``settings["partition"]`` lists each part. ``time_limit`` applies to each part.

    Returns
    -------
    Grouping
        Check ``status`` or call ``raise_for_status()``: a proven infeasibility is a status
        (INFEASIBLE, with ``message`` and ``conflicts``), not an exception.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
    >>> roster = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=3, terms=[gm.Diversity("department")])
    >>> g = gm.solve(roster, spec, time_limit=5)
    >>> g.status.name, g.objective
    ('OPTIMAL', 4)
    >>> best = gm.solve(roster, spec, time_limit=1, restarts=2, client="serial")
    >>> best.objective, len(best.settings["restarts"]["objectives"])
    (4, 2)
    """
    settings = SolveSettings.of(time_limit=time_limit, random_state=random_state,
                                workers=workers, deterministic=deterministic, progress=progress,
                                method=method)
    restarts = check_int("restarts", restarts, minimum=1)
    if partition_by is not None and not isinstance(partition_by, str):
        raise InputError(f"partition_by must be a column name; got {partition_by!r}.")
    if restarts == 1 and client is None and partition_by is None:
        return solve_one(roster, spec, settings)
    check_roster(roster)
    check_spec(spec)
    return solve_portfolio(roster, spec, time_limit=time_limit, random_state=random_state,
                           workers=workers, deterministic=deterministic, progress=progress,
                           method=method, restarts=restarts, client=client,
                           partition_by=partition_by)


def rematch(
    previous,
    roster,
    spec,
    *,
    joiners=None,
    leavers=None,
    max_moves: int | None = None,
    time_limit: float = 30.0,
    random_state: RandomState = 0,
    workers: int | None = None,
    deterministic: bool = False,
    method: str = "auto",
) -> RematchedGrouping:
    """Update a running grouping for joiners and leavers, moving as few people as possible.

    Groups are kept; joiners are placed; groups that fell below their minimum are refilled;
    people whose group now breaks a hard rule (a new manager, a new ``CannotGroup`` pair) are
    moved. The number of groups is the spec's for the new roster (so ``gm.check(roster, spec,
    result)`` holds): when it drops, the groups with the fewest remaining members are dissolved;
    when it grows, new groups are opened. To keep the previous number whatever the roster, pass
    a spec with ``groups=len(previous.groups)``.
    Without ``max_moves`` the fewest people move, and among the groupings with that many moves
    the objective is maximised. With ``max_moves`` at most that many people move and, on the
    single-model path (small programmes), the objective is maximised within that budget, so
    spare moves may improve quality; on the window path (large programmes) it is a cap on the
    fewest-moves repair.

    Parameters
    ----------
    previous : Grouping or DataFrame
        The current groups (``id``, ``group``).
    roster : Roster
        The new roster: joiners included, leavers absent (or listed in ``leavers``).
    spec : PeerGroups or FacilitatedGroups
        Sizes, objectives and rules (the same as before, or updated). Facilitated groups
        have their own repair: lost facilitators are replaced, groups may close, joiners fill
        places; fewest moves first, then most mentees placed; ``moves`` also lists
        ``facilitator``, ``released`` and ``placed`` rows, and ``unplaced`` for continuing
        mentees who lost their place (a move).
    joiners : list of ids, optional
        New people; by default every roster id not in ``previous``.
    leavers : list of ids, optional
        People leaving; by default every id of ``previous`` not in the roster. Leavers still
        in the roster are dropped from it.
    max_moves : int, optional
        A hard cap on moved people (joiners placed and leavers removed do not count).
    time_limit : float
        Seconds in total.
    random_state, workers, deterministic
        As in :func:`groupmatch.solve`.
    method : {"auto", "whole", "windows"}
        One exact model over everybody (small programmes), or repair windows (large ones).

    Returns
    -------
    RematchedGrouping
        A Grouping whose groups keep their previous numbers, with ``moves`` (``id, from, to,
        kind, reason``) and ``settings["moves"]``, the number of people moved. When no
        grouping keeps the rules within ``max_moves`` its status is INFEASIBLE (the message
        says so; ``raise_for_status()`` raises); NO_SOLUTION when the limit ended first.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcdefgh"), "department": list("xxyyxxyy")})
    >>> spec = gm.PeerGroups(size=(3, 5), terms=[gm.Diversity("department")])
    >>> before = gm.solve(gm.Roster.from_frame(df), spec)
    >>> now = gm.Roster.from_frame(pd.concat([df[df.id != "a"],
    ...                            pd.DataFrame({"id": ["z"], "department": ["x"]})]))
    >>> after = gm.rematch(before, now, spec)
    >>> after.settings["moves"], sorted(after.moves["kind"])
    (0, ['joined', 'left'])
    """
    t0 = time.perf_counter()
    if method not in REMATCH_METHODS:
        raise InputError(f"method must be 'auto', 'whole' or 'windows'; got {method!r}.")
    if max_moves is not None:
        max_moves = check_int("max_moves", max_moves, minimum=0)
    settings = SolveSettings.of(time_limit=time_limit, random_state=random_state,
                                workers=workers, deterministic=deterministic)
    check_roster(roster)
    spec = check_spec(spec)
    request = RematchRequest(joiners, leavers, max_moves, method)
    try:
        return spec.rematch(previous, roster, request, settings)
    except (InfeasibleError, NoSolutionError) as error:
        return failed(RematchedGrouping, roster, spec, error, settings, t0,
                      moves=moves_frame([]))


def score(roster, spec, assignment) -> dict[str, int]:
    """The objective of an assignment, per term (weighted) and in total.

    The numbers are the same integers the solver maximises, so
    ``score(...)["total"] == grouping.objective`` for any grouping groupmatch returns.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups, FacilitatedGroups, TeamMentoring or a resolved Problem
    assignment : Grouping, sequence, Series, DataFrame or path
        The answer to score; read as in :func:`check` (group numbers are the caller's).

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
    >>> r = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department")])
    >>> gm.score(r, spec, [0, 1, 0, 1])
    {'diversity[department]': 2, 'total': 2}
    """
    check_roster(roster)
    return check_spec(spec, resolved=True).score(roster, _answer(assignment))


def check(roster, spec, assignment) -> list[Violation]:
    """Every hard rule the assignment breaks; ``[]`` when it keeps them all.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups, FacilitatedGroups, TeamMentoring or a resolved Problem
    assignment : Grouping, sequence, Series, DataFrame or path
        The answer to check:

        - a :class:`Grouping`;
        - peer groups: a sequence or array with one group label per roster row, a Series of
          labels indexed by id, or a DataFrame with ``id`` and ``group`` columns (one row per
          person); role modes: a DataFrame of memberships (``id``, ``group``, ``role`` and,
          for facilitated groups, ``topic``);
        - the path of a CSV, Excel or JSON file written by :func:`groupmatch.export` (or any
          such table), read with :func:`groupmatch.read_assignments`.

        Group labels are the caller's own group numbers: integers ``0..groups-1`` are kept as
        given (so ``Pin`` and per-group size ranges are checked against those groups, and
        violations name them); ``None``, NaN, an empty cell or ``-1`` mark an unplaced person.
        Other labels (text, 1-based numbers) are renumbered in sorted order when group
        numbers carry no meaning for the spec, and raise :class:`InputError` when they do.
        See :func:`groupmatch.problem.as_assignment` for the full rules.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "manager_id": [None, "a", "a", "b"]})
    >>> r = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=2, terms=[gm.NotWithManager()])
    >>> [v.rule for v in gm.check(r, spec, [0, 0, 1, 1])]
    ['NotWithManager']
    >>> gm.check(r, spec, [0, 1, 1, 0])
    []
    >>> pinned = gm.PeerGroups(size=2, terms=[gm.Pin({"a": 1})])
    >>> gm.check(r, pinned, [1, 0, 0, 1])  # group 1 is the caller's group 1
    []
    """
    check_roster(roster)
    return check_spec(spec, resolved=True).check(roster, _answer(assignment))


def _answer(assignment):
    """A path is an exported answer file, read back with ``read_assignments``; anything else
    goes to the mode as given."""
    if isinstance(assignment, (str, os.PathLike)):
        from .exports import read_assignments

        return read_assignments(assignment)
    return assignment
