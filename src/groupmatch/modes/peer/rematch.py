"""Re-matching peer groups with minimal disruption.

:func:`rematch_peer` keeps a running programme's groups, places joiners, repairs what the changes
broke (groups below their minimum, dissolved groups, rules that no longer hold) and moves as few
people as possible: first the fewest moves, then the best objective among the groupings with
that many moves (or, with ``max_moves``, the best objective within that many moves). Every move
is listed with its reason.

How it solves: one CP-SAT model (built by the same term encoders as :func:`groupmatch.solve`)
over the people and groups that need attention. Small programmes put everybody in that window,
so both stages are exact. Large programmes repair in windows: a few groups that need people
together with a few helper groups that have room or people to spare, and a share of the
joiners; each window is solved in the two stages and committed, everybody else stays put.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ...engine.cpsat import build, solve_built
from ...exceptions import InfeasibleError, InputError, NoSolutionError
from ...moves import member_groups
from ...result import Grouping, RematchedGrouping, Status, moves_frame
from ...roster import _keys
from .report import make_grouping

__all__ = ["rematch_peer"]

WHOLE_LIMIT = 600  # people × groups up to which one window holds everything (exact)
WINDOW_GROUPS = 6  # groups that need people, per repair window
HELPER_GROUPS = 6  # groups with room or people to spare, per repair window (doubled on failure)


# ------------------------------------------------------------------------------- inputs
def _group_numbers(labels: pd.Series) -> tuple[np.ndarray, list]:
    """Group labels to 0..G-1: integer labels 0..G-1 are kept, others numbered in sorted order."""
    values = labels.tolist()
    if all(isinstance(v, (int, np.integer)) for v in values) and values:
        top = int(max(values)) + 1
        if min(values) >= 0 and top <= 2 * len(set(values)) + 1:
            return np.asarray(values, dtype=np.int64), list(range(top))
    uniq = sorted(set(values), key=lambda v: (str(type(v)), v))
    index = {v: k for k, v in enumerate(uniq)}
    return np.array([index[v] for v in values], dtype=np.int64), uniq


def _split_roster(roster, prev: pd.Series, joiners, leavers):
    """Drop listed leavers from the roster; return (roster, previous group per row, joiners)."""
    prev_keys = dict(zip(_keys(pd.Series(list(prev.index), dtype=object)), prev.index,
                         strict=True))
    leavers = [] if leavers is None else list(leavers)
    if leavers:
        lk = _keys(pd.Series(leavers, dtype=object)).tolist()
        unknown = [v for v, k in zip(leavers, lk, strict=True)
                   if k not in prev_keys and k not in roster._row_of]
        if unknown:
            raise InputError(f"rematch(leavers=...) names {unknown[:5]!r}, who are neither in "
                             "the previous grouping nor in the roster.")
        present = sorted(roster._row_of[k] for k in lk if k in roster._row_of)
        if present:
            keep = np.setdiff1d(np.arange(roster.n), present)
            if not hasattr(roster, "take"):
                raise InputError("Pass the roster without the leavers.")
            roster = roster.take(keep)
    row_keys = _keys(pd.Series(list(roster.ids), dtype=object)).tolist()
    labels_by_key = {k: prev[v] for k, v in prev_keys.items()}
    if joiners is not None:
        rows = roster.rows_of(list(joiners), "rematch(joiners=...)")
        already = [roster.ids[r] for r in rows if row_keys[r] in labels_by_key]
        if already:
            raise InputError(f"rematch(joiners=...) names {already[:5]!r}, who are already in "
                             "the previous grouping; joiners are people new to the programme.")
    has_prev = np.array([k in labels_by_key for k in row_keys], dtype=bool)
    return roster, [labels_by_key.get(k) for k in row_keys], has_prev


# ------------------------------------------------------------------------------- needs
@dataclass
class _Needs:
    """What the changes broke, in the new roster's rows and group numbers."""

    unplaced: np.ndarray  # rows with no group: joiners and members of dissolved groups
    short: dict  # group -> (size, minimum) for groups below their minimum
    over: dict  # group -> (size, maximum)
    rule_people: dict  # row -> violation message (hard rules other than sizes)
    dissolved: set  # rows whose previous group was dissolved
    opened: set  # new group numbers

    def groups(self) -> list[int]:
        return sorted(set(self.short) | set(self.over))

    def __bool__(self) -> bool:
        return bool(len(self.unplaced) or self.short or self.over or self.rule_people)


def _needs(roster, problem, a0: np.ndarray, dissolved: set, opened: set) -> _Needs:
    sizes = np.bincount(a0[a0 >= 0], minlength=problem.n_groups)
    short = {g: (int(sizes[g]), int(problem.lo[g])) for g in np.flatnonzero(sizes < problem.lo)}
    over = {g: (int(sizes[g]), int(problem.hi[g])) for g in np.flatnonzero(sizes > problem.hi)}
    rule_people: dict = {}
    for term in problem.terms:
        if term.hard and term.label != "SizeBounds":
            for v in term.violations(roster, a0, problem.n_groups):
                for i in v.people:
                    if a0[i] >= 0:
                        rule_people.setdefault(int(i), f"{v.rule}: {v.message}")
    return _Needs(np.flatnonzero(a0 < 0), short, over, rule_people, dissolved, opened)


# ------------------------------------------------------------------------------- windows
@dataclass
class _WindowResult:
    groups_of: np.ndarray
    moves: int
    status: str


def _solve_window(roster, problem, a, home, people, groups, *, cap, seed, time_limit,
                  workers, deterministic, lexicographic) -> _WindowResult | None:
    """Two-stage CP-SAT over a window: fewest moves, then the best objective with that many.

    ``home[i]`` is person i's previous group (-1 for none or dissolved). Moving a person away
    from a home group inside the window counts one move.
    """
    hint = a[people]
    built = build(roster, problem, people, groups, hint=hint)
    model = built.model
    stay = [built.x[i, int(home[i])] for i in people.tolist()
            if home[i] >= 0 and (i, int(home[i])) in built.x]
    moves = len(stay) - sum(stay) if stay else 0
    if cap is not None:
        model.add(moves <= cap)
    limit = float(time_limit)
    stage1 = None
    if lexicographic and stay:
        model.minimize(moves)
        out = solve_built(built, time_limit=limit * 0.6, seed=seed, workers=workers,
                          deterministic=deterministic)
        if out.groups_of is None:
            return None
        first = out
        stage1 = int(round(out.objective))
        model.add(moves <= stage1)
        model.clear_hints()
        for i, g in zip(people.tolist(), out.groups_of.tolist(), strict=True):
            for gg in groups.tolist():
                if (i, gg) in built.x:
                    model.add_hint(built.x[i, gg], gg == g)
        limit *= 0.4
    model.maximize(built.objective)
    out = solve_built(built, time_limit=limit, seed=seed, workers=workers,
                      deterministic=deterministic)
    if out.groups_of is None:  # out of time in stage 2: the fewest moves stand as they are
        if stage1 is None:
            return None
        out = replace(first, status="FEASIBLE")
    done = int(sum(1 for i, g in zip(people.tolist(), out.groups_of.tolist(), strict=True)
                   if home[i] >= 0 and g != home[i]))
    return _WindowResult(out.groups_of, done, out.status)


def _repair_windows(roster, problem, a, home, needs: _Needs, *, cap, rng, seed, deadline,
                    workers, deterministic, lexicographic):
    """Repair a large grouping window by window; return (assignment, moves, statuses)."""
    a = a.copy()
    n_groups = problem.n_groups
    # emptiest groups first: they need the most people
    pending_groups = sorted(needs.groups(), key=lambda g: needs.short.get(g, (0, 0))[0])
    rule_groups = sorted({int(a[i]) for i in needs.rule_people} - set(pending_groups))
    pending_groups += rule_groups
    pending_people = [int(i) for i in needs.unplaced]
    rng.shuffle(pending_people)
    total_moves, statuses = 0, []
    batches = max(1, math.ceil(len(pending_groups) / WINDOW_GROUPS))
    while pending_groups or pending_people:
        take_groups = pending_groups[:WINDOW_GROUPS]
        sizes = np.bincount(a[a >= 0], minlength=n_groups)
        deficit = int(sum(max(problem.lo[g] - sizes[g], 0) for g in take_groups))
        share = math.ceil(len(pending_people) / batches) if pending_groups else WINDOW_GROUPS * 2
        take_people = pending_people[: max(deficit, share)]
        room = int(sum(max(problem.hi[g] - sizes[g], 0) for g in take_groups))
        want = ("spare" if deficit > len(take_people) else
                "room" if len(take_people) > room else "any")
        helpers_wanted = HELPER_GROUPS
        result = None
        for _attempt in range(5):
            helpers = _helpers(a, problem, sizes, set(take_groups), helpers_wanted, rng, want)
            groups = np.array(sorted(set(take_groups) | set(helpers)), dtype=np.int64)
            people = np.array(sorted(set(np.flatnonzero(np.isin(a, groups)).tolist())
                                     | set(take_people)), dtype=np.int64)
            left = max(deadline - time.perf_counter(), 0.5)
            remaining_cap = None if cap is None else cap - total_moves
            result = _solve_window(
                roster, problem, a, home, people, groups, cap=remaining_cap, seed=seed,
                time_limit=min(left, 4.0), workers=workers, deterministic=deterministic,
                lexicographic=lexicographic)
            if result is not None or len(helpers) >= n_groups - len(take_groups):
                break
            helpers_wanted *= 2
        if result is None:
            return None, total_moves, statuses
        a[people] = result.groups_of
        total_moves += result.moves
        statuses.append(result.status)
        pending_groups = pending_groups[len(take_groups):]
        placed = set(take_people)
        pending_people = [i for i in pending_people if i not in placed]
        batches = max(1, batches - 1)
    return a, total_moves, statuses


def _helpers(a, problem, sizes, exclude: set, k: int, rng, want: str) -> list[int]:
    """k random groups outside ``exclude`` with room for people (``want="room"``), people to
    spare (``"spare"``) or either (``"any"``)."""
    room, spare = sizes < problem.hi, sizes > problem.lo
    flexible = np.flatnonzero({"room": room, "spare": spare}.get(want, room | spare))
    flexible = np.array([g for g in flexible.tolist() if g not in exclude], dtype=np.int64)
    if len(flexible) < k:
        others = np.array([g for g in range(problem.n_groups)
                           if g not in exclude and g not in set(flexible.tolist())])
        flexible = np.concatenate([flexible, others]).astype(np.int64)
    if len(flexible) == 0:
        return []
    return rng.choice(flexible, size=min(k, len(flexible)), replace=False).tolist()


# ------------------------------------------------------------------------------- results
def _keep_numbers(grouping: Grouping, a: np.ndarray) -> Grouping:
    """Undo the canonical renumbering so groups keep their previous numbers."""
    ours = np.asarray(a, dtype=np.int64)
    theirs = grouping.assignment_array()
    n_groups = len(grouping.groups)
    to_ours = np.full(n_groups, -1, dtype=np.int64)
    placed = ours >= 0
    to_ours[theirs[placed]] = ours[placed]
    free_ours = sorted(set(range(n_groups)) - set(to_ours[to_ours >= 0].tolist()))
    for g, o in zip(np.flatnonzero(to_ours < 0).tolist(), free_ours, strict=False):
        to_ours[g] = o
    if (to_ours == np.arange(n_groups)).all():
        return grouping
    groups = grouping.groups.copy()
    groups["group"] = to_ours[groups["group"].to_numpy(dtype=np.int64)]
    groups = groups.sort_values("group").reset_index(drop=True)
    assignments = grouping.assignments.copy()
    col = assignments["group"]
    mapped = pd.array([pd.NA if pd.isna(v) else int(to_ours[int(v)]) for v in col],
                      dtype="Int64")
    assignments["group"] = mapped
    array = np.where(theirs >= 0, to_ours[np.maximum(theirs, 0)], -1)
    array.setflags(write=False)
    return replace(grouping, groups=groups, assignments=assignments, _array=array)


def _reason(i, f, t, needs: _Needs, n_people: int, n_groups: int, quality: bool) -> str:
    if i in needs.dissolved:
        return (f"group {f} was dissolved: {n_people} people now need only {n_groups} groups")
    if i in needs.rule_people:
        return f"a rule broke in group {f}: {needs.rule_people[i]}"
    if f in needs.over:
        size, most = needs.over[f]
        return f"group {f} had {size} members, above its maximum of {most}"
    if t in needs.short:
        size, least = needs.short[t]
        if t in needs.opened:
            return f"filled group {t}, a new group needed for the larger roster"
        return f"filled group {t}, which fell to {size} members (minimum {least}) after leavers"
    if quality:
        return "improves the objective (moves allowed by max_moves)"
    return "a chain move that lets every group keep its size bounds and rules"


def _moves_frame(ids, old, moved, a, needs, joined_rows, left, n_groups, quality):
    rows = []
    for i in np.flatnonzero(moved).tolist():
        rows.append((ids[i], int(old[i]), int(a[i]), "moved",
                     _reason(i, int(old[i]), int(a[i]), needs, len(ids), n_groups, quality)))
    for i in joined_rows.tolist():
        rows.append((ids[i], None, int(a[i]), "joined", "joined the programme"))
    for person, g in left:
        rows.append((person, g, None, "left", "left the programme"))
    return moves_frame(rows)


# ------------------------------------------------------------------------------- rematch
def rematch_peer(previous, roster, spec, request, settings) -> RematchedGrouping:
    """Keep groups, place joiners, repair what broke, fewest moves first (see gm.rematch)."""
    t0 = time.perf_counter()
    joiners, leavers, max_moves = request.joiners, request.leavers, request.max_moves
    seed, rng, time_limit = settings.seed, settings.rng(), settings.time_limit
    workers, deterministic, method = settings.solver_workers, settings.deterministic, \
        request.method
    prev, _ = member_groups(previous, "rematch(previous=...)")
    numbers, labels = _group_numbers(prev)
    prev_numbers = pd.Series(numbers, index=prev.index)
    roster, home_labels, has_prev = _split_roster(roster, prev_numbers, joiners, leavers)
    left = [(p, int(g)) for p, g in prev_numbers.items()
            if _keys(pd.Series([p], dtype=object)).iloc[0] not in roster._row_of]
    old = np.array([-1 if h is None else int(h) for h in home_labels], dtype=np.int64)
    problem = spec.problem(roster)
    for term in problem.terms:
        term.prechecks(roster, problem.lo, problem.hi)
    n_groups = problem.n_groups
    renumber = _renumber(old, len(labels), n_groups)
    home = np.array([renumber.get(int(o), -1) for o in old], dtype=np.int64)
    dissolved_rows = (old >= 0) & (home < 0)
    opened = set(range(len(labels), n_groups))
    needs = _needs(roster, problem, home, set(np.flatnonzero(dissolved_rows).tolist()), opened)
    forced = int(dissolved_rows.sum())
    cap = None if max_moves is None else max_moves - forced
    if cap is not None and cap < 0:
        raise InfeasibleError(f"{forced} people must move because their groups are dissolved, "
                              f"more than max_moves={max_moves}.", conflicts=("max_moves",))
    a0 = home.copy()
    joined_rows = np.flatnonzero(~has_prev)
    record = {"method": "rematch", "time_limit": float(time_limit), "seed": seed,
              "max_moves": max_moves, "previous_labels": labels,
              "renumbered": {o: n for o, n in renumber.items() if o != n},
              "dissolved": sorted(set(range(len(labels))) - set(renumber))}
    if not needs:
        a, statuses, path = a0, ["OPTIMAL"], "unchanged"
    else:
        whole = method == "whole" or (method == "auto" and roster.n * n_groups <= WHOLE_LIMIT)
        deadline = t0 + time_limit
        lexicographic = max_moves is None
        if whole:
            people, groups = np.arange(roster.n), np.arange(n_groups)
            start = _fill_hint(a0, problem, rng)
            out = _solve_window(roster, problem, start, home, people, groups, cap=cap,
                                seed=seed, time_limit=max(deadline - time.perf_counter(), 0.5),
                                workers=workers, deterministic=deterministic,
                                lexicographic=lexicographic)
            a = None if out is None else out.groups_of
            statuses, path = ([] if out is None else [out.status]), "whole"
        if not whole or (a is None and deadline - time.perf_counter() > 0.5):
            a, _, statuses = _repair_windows(
                roster, problem, a0, home, needs, cap=cap, rng=rng, seed=seed,
                deadline=deadline, workers=workers, deterministic=deterministic,
                lexicographic=True)  # windows spend no moves on quality: max_moves is a cap
            path = "windows"
        if a is None:
            raise _failure(roster, problem, home, a0, max_moves, seed, time_limit)
    a = np.asarray(a)
    moved_rows = dissolved_rows | ((home >= 0) & (a != home))
    record.update({"path": path, "moves": int(moved_rows.sum()), "window_status": statuses})
    status = Status.OPTIMAL if statuses and all(s == "OPTIMAL" for s in statuses) and (
        path != "windows") else Status.FEASIBLE
    if path == "unchanged":
        status = Status.FEASIBLE
    grouping = make_grouping(roster, spec, problem, a, status, None, time.perf_counter() - t0,
                             record)
    grouping = _keep_numbers(grouping, a)
    moves = _moves_frame(roster.ids, old, moved_rows, a, needs, joined_rows, left, n_groups,
                         quality=max_moves is not None and path == "whole")
    return RematchedGrouping.of(grouping, moves)


def _renumber(old: np.ndarray, previous_groups: int, n_groups: int) -> dict[int, int]:
    """Previous group -> new group number. With fewer groups than before the groups with the
    fewest remaining members are dissolved (absent from the map); survivors keep their number
    when it still exists, the others take the numbers freed by dissolved groups."""
    sizes = np.bincount(old[old >= 0], minlength=previous_groups)
    order = sorted(range(previous_groups), key=lambda g: (sizes[g], -g))
    gone = set(order[: max(previous_groups - n_groups, 0)])
    survivors = [g for g in range(previous_groups) if g not in gone]
    out = {g: g for g in survivors if g < n_groups}
    free = sorted(set(range(n_groups)) - set(out.values()))
    for g, new in zip([g for g in survivors if g >= n_groups], free, strict=False):
        out[g] = new
    return out


def _fill_hint(a0, problem, rng) -> np.ndarray:
    """A hint for the whole model: unplaced people into the groups with most room."""
    a = a0.copy()
    sizes = np.bincount(a[a >= 0], minlength=problem.n_groups)
    for i in np.flatnonzero(a < 0).tolist():
        room = problem.hi - sizes
        g = int(np.argmax(room - 0.5 * (sizes >= problem.lo)))
        a[i] = g
        sizes[g] += 1
    return a


def _failure(roster, problem, home, a0, max_moves, seed, time_limit):
    if max_moves is not None:
        return InfeasibleError(
            f"No valid grouping moves at most {max_moves} people. Allow more moves "
            "(max_moves=None finds the fewest needed) or relax the rules.",
            conflicts=("max_moves",),
        )
    return NoSolutionError(f"rematch found no valid grouping within {time_limit} s; raise "
                           "time_limit, or check the rules with gm.solve on the new roster.")
