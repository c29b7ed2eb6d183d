"""Programmes over time: several rounds of peer groups, and facilitators for a session calendar.

- :func:`plan_rounds` plans R rounds of peer groups so that pairs repeat as little as possible
  (the social-golfer problem), round by round with the hard :class:`AvoidRepeats` rule, retrying
  with other seeds when a round gets stuck and falling back to the weighted rule (fewest repeats
  first, then quality) when no repeat-free round is found.
- :func:`plan_sessions` gives each session of a calendar a facilitator who has the session's
  topic, within everybody's capacity, with the load spread as evenly as possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from ._random import RandomState, check_random_state
from ._validation import check_int
from .api import solve
from .engine.cpsat import configure
from .engine.search import static_bound
from .exceptions import InfeasibleError, InputError, NoSolutionError
from .modes.peer import PeerGroups
from .result import Grouping
from .terms.history import AvoidRepeats, history_frame, met_pairs

__all__ = ["RoundsPlan", "plan_rounds", "plan_sessions"]


@dataclass(frozen=True, eq=False)
class RoundsPlan:
    """The result of :func:`plan_rounds`.

    Attributes
    ----------
    rounds : tuple of Grouping
        One grouping per planned round.
    assignments : DataFrame
        ``id, round, group`` for every person and round (rounds numbered from 0).
    repeats : DataFrame
        ``id_a, id_b, times``: pairs who meet more than once, counting the history and every
        planned round (``times`` is the total).
    people : DataFrame
        ``id, met, met_again``: per person, how many distinct people they meet in the planned
        rounds, and how many of those they meet more than once (history included).
    strict : tuple of bool
        Per round, whether the hard rule held (True) or the weighted fallback was used.
    """

    rounds: tuple[Grouping, ...]
    assignments: pd.DataFrame
    repeats: pd.DataFrame
    people: pd.DataFrame
    strict: tuple[bool, ...]

    @property
    def repeated_pairs(self) -> int:
        """Number of pairs who meet more than once."""
        return len(self.repeats)


def _round_frame(g: Grouping, r: int) -> pd.DataFrame:
    a = g.assignments[["id", "group"]].copy()
    a.insert(1, "round", r)
    return a


def _fallback_weight(roster, spec) -> int:
    """A weight that makes one repeat cost more than all other objectives can gain."""
    problem = spec.problem(roster)
    bound = static_bound(roster, problem)
    if bound is None:  # some objective has no cheap bound: make repeats dominate by far
        bound = 1000 * max((w for w in problem.weights if w), default=1)
    return int(bound) + 1


def plan_rounds(
    roster,
    spec,
    rounds: int,
    *,
    history=None,
    time_limit: float = 10.0,
    random_state: RandomState = 0,
    deterministic: bool = False,
    retries: int = 3,
    workers: int | None = None,
) -> RoundsPlan:
    """Plan ``rounds`` rounds of peer groups in which pairs repeat as little as possible.

    Each round is solved with ``spec`` plus the hard ``AvoidRepeats`` rule against the history
    and all earlier planned rounds. A round that cannot be found is retried with other seeds
    (``retries`` times); if it is still stuck, that round uses the weighted rule instead, with a
    weight large enough that the fewest repeats come first and the spec's objectives second.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups
        Sizes, objectives and rules for every round (without an ``AvoidRepeats`` term).
    rounds : int
        How many rounds to plan.
    history : Grouping, DataFrame or list, optional
        Earlier rounds that count as meetings too.
    time_limit : float
        Seconds (or deterministic work budget) per solve.
    random_state, deterministic, workers
        As in :func:`groupmatch.solve`; round r uses seed ``seed + r``.
    retries : int
        Extra attempts with other seeds for a round that cannot be found repeat-free.

    Returns
    -------
    RoundsPlan

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> roster = gm.Roster.from_frame(pd.DataFrame({"id": range(16)}))
    >>> plan = gm.plan_rounds(roster, gm.PeerGroups(size=4), rounds=3, time_limit=2,
    ...                       deterministic=True)
    >>> plan.repeated_pairs, int(plan.people["met"].min())
    (0, 9)
    """
    rounds = check_int("rounds", rounds, minimum=1)
    retries = check_int("retries", retries, minimum=0)
    if not isinstance(spec, PeerGroups):
        raise InputError("plan_rounds plans peer groups; pass a gm.PeerGroups spec.")
    if any(isinstance(t, AvoidRepeats) for t in spec.terms):
        raise InputError("plan_rounds adds AvoidRepeats itself; pass earlier rounds as "
                         "history=... and remove AvoidRepeats from the spec.")
    seed, _ = check_random_state(random_state)
    past = [] if history is None else [history_frame(history)]
    planned: list[Grouping] = []
    strict: list[bool] = []
    common = dict(time_limit=time_limit, deterministic=deterministic, workers=workers)
    for r in range(rounds):
        grouping = None
        seen = past + [_round_frame(g, k) for k, g in enumerate(planned)]
        if seen:
            hard = spec.with_terms(AvoidRepeats(seen))
            for attempt in range(retries + 1):
                trial = solve(roster, hard, random_state=seed + r + 1000 * attempt, **common)
                if trial.status.has_solution:
                    grouping = trial
                    break
                if trial.status.name == "INFEASIBLE":
                    break  # proven: no seed will help
        else:
            grouping = solve(roster, spec, random_state=seed + r, **common).raise_for_status()
        strict.append(grouping is not None)
        if grouping is None:
            weight = _fallback_weight(roster, spec)
            soft = spec.with_terms(AvoidRepeats(seen, weight=weight))
            grouping = solve(roster, soft, random_state=seed + r, **common).raise_for_status()
        planned.append(grouping)
    return _report(planned, past, strict)


def _report(planned, past, strict) -> RoundsPlan:
    frames = [_round_frame(g, r) for r, g in enumerate(planned)]
    assignments = pd.concat(frames, ignore_index=True)
    in_plan = met_pairs(frames)
    total = met_pairs(past + frames)
    both = total.merge(in_plan[["id_a", "id_b"]], on=["id_a", "id_b"])
    repeats = both[both["times"] > 1].reset_index(drop=True)
    ids = planned[0].assignments["id"]
    met = pd.concat([in_plan["id_a"], in_plan["id_b"]]).value_counts()
    again = pd.concat([repeats["id_a"], repeats["id_b"]]).value_counts()
    people = pd.DataFrame({
        "id": ids.to_numpy(),
        "met": met.reindex(ids).fillna(0).astype(np.int64).to_numpy(),
        "met_again": again.reindex(ids).fillna(0).astype(np.int64).to_numpy(),
    })
    return RoundsPlan(tuple(planned), assignments, repeats, people, tuple(strict))


# ---------------------------------------------------------------------------------- sessions
def _per_person(value, roster, name: str) -> np.ndarray | None:
    """An int cap per roster row from an int, a {id: int} mapping or a roster column name."""
    if value is None:
        return None
    if isinstance(value, str):
        if value not in roster.frame.columns:
            raise InputError(f"plan_sessions({name}={value!r}) names no roster column; "
                             f"columns: {list(roster.frame.columns)}.")
        out = pd.to_numeric(roster.frame[value], errors="coerce").to_numpy(dtype=float)
        if np.isnan(out).any() or (out < 0).any():
            raise InputError(f"Column {value!r} ({name}) must hold whole numbers >= 0.")
        return out.astype(np.int64)
    if isinstance(value, Mapping):
        out = np.full(roster.n, np.iinfo(np.int32).max, dtype=np.int64)
        rows = roster.rows_of(list(value), f"plan_sessions({name}=...)")
        out[rows] = [check_int(name, v, minimum=0) for v in value.values()]
        return out
    return np.full(roster.n, check_int(name, value, minimum=0), dtype=np.int64)


def _eligible(sessions, roster, expertise: str, candidates, members) -> np.ndarray:
    """Boolean (sessions × people): who may facilitate which session."""
    if expertise not in roster.multi:
        raise InputError(f"plan_sessions needs the roster's {expertise!r} multi-valued column "
                         f"(who can facilitate which topic); it has {list(roster.multi)}.")
    multi = roster.multi[expertise]
    vocab = {t: k for k, t in enumerate(multi.vocabulary)}
    topics = sessions["topic"].astype(str).str.strip().tolist()
    ok = np.zeros((len(sessions), roster.n), dtype=bool)
    for s, t in enumerate(topics):
        if t in vocab:
            ok[s] = multi.matrix[:, vocab[t]]
    if candidates is not None:
        allowed = np.zeros(roster.n, dtype=bool)
        allowed[roster.rows_of(list(candidates), "plan_sessions(candidates=...)")] = True
        ok &= allowed
    elif roster.role is not None:
        ok &= roster.role != 0  # role codes index ("mentee", "mentor", "both")
    if members is not None:  # nobody facilitates a group they belong to
        frame = history_frame(members)
        rows = roster.rows_of(frame["id"].tolist(), "plan_sessions(members=...)")
        group_of = pd.Series(frame["group"].astype(str).to_numpy(), index=rows)
        session_groups = sessions["group"].astype(str).to_numpy()
        for i, g in group_of.items():
            ok[session_groups == g, i] = False
    return ok


def plan_sessions(
    sessions: pd.DataFrame,
    roster,
    *,
    expertise: str = "expertise",
    max_sessions=None,
    max_groups="auto",
    per_date: int = 1,
    candidates=None,
    members=None,
    time_limit: float = 10.0,
    random_state: RandomState = 0,
) -> pd.DataFrame:
    """Give every session of a calendar a facilitator who has its topic.

    A small CP-SAT model: one facilitator per session, chosen among people whose ``expertise``
    includes the session's topic; nobody above their capacity over the whole calendar or at
    two sessions on one date; then the load spread as evenly as possible (first the busiest
    facilitator's number of sessions is minimised, then the sum over facilitators of
    ``C(sessions, 2)``, which favours equal loads).

    Parameters
    ----------
    sessions : DataFrame
        One row per session with columns ``group``, ``date`` and ``topic`` (other columns are
        kept). For example a group of seven specialists meeting monthly, each month a topic.
    roster : Roster
        The people who may facilitate, with a multi-valued ``expertise`` column.
    expertise : str
        The roster's multi-valued column of topics a person can facilitate.
    max_sessions : int, {id: int}, column name or None
        The most sessions each person facilitates over the whole calendar (None: no cap).
    max_groups : int, {id: int}, column name, "auto" or None
        The most distinct groups each person facilitates for. "auto" uses the roster's
        ``capacity_groups`` when it has one; None: no cap.
    per_date : int
        The most sessions one person facilitates on one date.
    candidates : list of ids, optional
        Only these people may facilitate. By default everybody whose role is ``mentor`` or
        ``both`` when the roster has roles, else everybody.
    members : Grouping, DataFrame (``id``, ``group``), optional
        Group memberships: nobody facilitates a group they belong to (an outside facilitator).
    time_limit : float
        Seconds for CP-SAT (one worker, so runs are reproducible).
    random_state : int

    Returns
    -------
    DataFrame
        ``sessions`` (same order and columns) plus ``facilitator`` (an id). ``attrs["loads"]``
        holds ``id, sessions, groups`` for every facilitator used; ``attrs["status"]`` is
        ``"optimal"`` or ``"feasible"``.

    Raises
    ------
    InfeasibleError
        A session has no eligible facilitator, or the capacities cannot cover the calendar.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> people = gm.Roster.from_frame(pd.DataFrame({
    ...     "id": ["ana", "ben", "eva"], "expertise": ["sql", "sql;python", "python"]}))
    >>> cal = pd.DataFrame({"group": ["g1"] * 4, "date": ["2026-01", "2026-02", "2026-03",
    ...                     "2026-04"], "topic": ["sql", "python", "sql", "python"]})
    >>> out = gm.plan_sessions(cal, people, max_sessions=2)
    >>> sorted(out["facilitator"].value_counts().tolist())
    [1, 1, 2]
    """
    if not isinstance(sessions, pd.DataFrame) or not {"group", "date", "topic"} <= set(
        sessions.columns
    ):
        raise InputError("plan_sessions needs a sessions DataFrame with columns 'group', "
                         "'date' and 'topic' (one row per session).")
    per_date = check_int("per_date", per_date, minimum=1)
    seed, _ = check_random_state(random_state)
    ok = _eligible(sessions, roster, expertise, candidates, members)
    empty = np.flatnonzero(~ok.any(axis=1))
    if len(empty):
        s = int(empty[0])
        raise InfeasibleError(
            f"{len(empty)} session(s) have no eligible facilitator, e.g. group "
            f"{sessions['group'].iloc[s]!r} on {sessions['date'].iloc[s]!r}, topic "
            f"{sessions['topic'].iloc[s]!r}: nobody allowed has that expertise. Add a "
            "facilitator with the topic, or change the topic.",
            conflicts=("expertise",),
        )
    cap = _per_person(max_sessions, roster, "max_sessions")
    if isinstance(max_groups, str) and max_groups == "auto":
        gcap = None if roster.capacity_groups is None else roster.capacity_groups.astype(np.int64)
    else:
        gcap = _per_person(max_groups, roster, "max_groups")
    _precheck_topics(sessions, roster, ok, cap)

    model = cp_model.CpModel()
    n_sessions = len(sessions)
    y = {(s, f): model.new_bool_var(f"y[{s},{f}]") for s, f in zip(*np.nonzero(ok), strict=True)}
    by_person: dict[int, list] = {}
    for (s, f), v in y.items():
        by_person.setdefault(int(f), []).append((int(s), v))
    for s in range(n_sessions):
        model.add_exactly_one(v for (ss, _), v in y.items() if ss == s)
    dates = sessions["date"].astype(str).to_numpy()
    groups = sessions["group"].astype(str).to_numpy()
    top = model.new_int_var(0, n_sessions, "busiest")
    spread = []
    for f, items in by_person.items():
        load = sum(v for _, v in items)
        if cap is not None:
            model.add(load <= int(cap[f]))
        model.add(top >= load)
        for d in np.unique(dates[[s for s, _ in items]]).tolist():
            same_day = [v for s, v in items if dates[s] == d]
            if len(same_day) > per_date:
                model.add(sum(same_day) <= per_date)
        if gcap is not None:
            served = []
            for g in np.unique(groups[[s for s, _ in items]]).tolist():
                z = model.new_bool_var(f"serves[{f},{g}]")
                for s, v in items:
                    if groups[s] == g:
                        model.add_implication(v, z)
                served.append(z)
            model.add(sum(served) <= int(gcap[f]))
        n = len(items)
        c = model.new_int_var(0, n, f"load[{f}]")
        model.add(c == load)
        p = model.new_int_var(0, n * (n - 1) // 2, f"pairs[{f}]")
        model.add_element(c, [k * (k - 1) // 2 for k in range(n + 1)], p)
        spread.append(p)
    # Lexicographic: one more session for the busiest person outweighs any spread.
    heavy = n_sessions * (n_sessions - 1) // 2 + 1
    model.minimize(heavy * top + sum(spread))
    solver = configure(cp_model.CpSolver(), time_limit=time_limit, seed=seed, workers=1,
                       deterministic=False)
    code = solver.solve(model)
    if code == cp_model.INFEASIBLE:
        raise InfeasibleError(
            "No facilitator plan covers every session within the capacities (max_sessions, "
            "max_groups, per_date). Raise a capacity, add facilitators, or move sessions.",
            conflicts=("capacity", "expertise"),
        )
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise NoSolutionError(f"No facilitator plan found within {time_limit} s; raise "
                              "time_limit.")
    chosen = np.empty(n_sessions, dtype=np.int64)
    for (s, f), v in y.items():
        if solver.boolean_value(v):
            chosen[s] = f
    out = sessions.copy()
    out["facilitator"] = roster.ids[chosen]
    loads = (pd.DataFrame({"id": roster.ids[chosen], "group": groups})
             .groupby("id", sort=True)
             .agg(sessions=("group", "size"), groups=("group", "nunique"))
             .reset_index())
    out.attrs["loads"] = loads
    out.attrs["status"] = "optimal" if code == cp_model.OPTIMAL else "feasible"
    return out


def _precheck_topics(sessions, roster, ok, cap) -> None:
    """Counting check per topic: its sessions cannot exceed what its facilitators can take."""
    if cap is None:
        return
    topics = sessions["topic"].astype(str).to_numpy()
    for t in np.unique(topics).tolist():
        rows = topics == t
        people = ok[rows].any(axis=0)
        room = int(np.minimum(cap[people], rows.sum()).sum())
        if room < int(rows.sum()):
            raise InfeasibleError(
                f"Topic {t!r} has {int(rows.sum())} sessions but its {int(people.sum())} "
                f"eligible facilitators can take only {room} in total (max_sessions). Raise "
                "their capacity or add facilitators with that expertise.",
                conflicts=("capacity", "expertise"),
            )
