"""``partition_by``: one programme split by a column into independent parts, joined back.

Each part (the people of one site, one country...) is solved on its own, in parallel, on a
sub-roster (:meth:`Roster.take`) that scores exactly like the whole roster; the answers are
joined into one Grouping of the whole roster whose groups never cross the column, and the join
is re-checked against every hard rule of the spec on the whole roster.

What a part gets, by mode:

- peer groups: the spec's number of groups for the whole roster is shared out over the parts
  (each part's count near the middle of the size range, adjusted by one group at a time
  where the parts hold the most or the fewest people per group), so :func:`groupmatch.check`
  holds on the whole with the spec as given. A part too small for any group makes the whole
  INFEASIBLE, with the part named in the message;
- facilitated groups and team mentoring: the spec as given (facilitators and mentors serve
  their own part only); a part where no group can be formed leaves its people unplaced with
  the part's reason. Team mentoring keeps teams whole, so a team spread over two parts is an
  InputError.

A hard ``MustGroup`` pair across two parts cannot hold once groups stay inside parts: the
result is INFEASIBLE and names the pair. Rules tied to group numbers (``Pin``, one size range
per group) are InputErrors.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._validation import rows_text
from ..exceptions import InputError
from ..modes import PeerGroups, TeamMentoring
from ..modes.roles.plan import RolePlan
from ..result import Grouping, Status
from ..terms.rules import MustGroup

__all__ = ["Part", "split", "plan_parts", "join_parts", "Impossible"]


@dataclass(frozen=True)
class Part:
    """One part: the column's value, its roster rows and the spec it is solved with."""

    value: object
    rows: np.ndarray
    spec: object

    def name(self, column: str) -> str:
        return f"{column}={self.value}"


class Impossible(Exception):
    """No grouping of the whole keeps the partition (the message says why), and the rules
    involved (``conflicts``): reported as an INFEASIBLE Grouping, as :func:`solve` does."""

    def __init__(self, message: str, conflicts=()):
        super().__init__(message)
        self.conflicts = tuple(conflicts)


def split(roster, column: str) -> list[tuple[object, np.ndarray]]:
    """``(value, rows)`` for each value of ``column`` (sorted by value), every row in one part.

    ``column`` is a categorical attribute of the roster or a column of its source table; an
    empty cell is an InputError (nobody is left out of every part).

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "site": list("xyxy")}))
    >>> [(v, rows.tolist()) for v, rows in split(r, "site")]
    [('x', [0, 2]), ('y', [1, 3])]
    """
    if not isinstance(column, str):
        raise InputError(f"partition_by must be a column name; got {column!r}.")
    if column in roster.categorical:
        cat = roster.categorical[column]
        codes = np.asarray(cat.codes, dtype=np.int64)
        labels = np.array(list(cat.categories) + [None], dtype=object)[codes]
    elif column in roster.frame.columns:
        labels = roster.frame[column].to_numpy(dtype=object)
    else:
        shown = ", ".join(map(repr, roster.frame.columns[:12]))
        raise InputError(f"partition_by={column!r} is not a column of the roster (columns: "
                         f"{shown}). Pass the name of the column that splits the programme.")
    missing = pd.isna(pd.Series(labels, dtype=object)).to_numpy() | np.array(
        [isinstance(v, str) and not v.strip() for v in labels], dtype=bool)
    if missing.any():
        raise InputError(f"partition_by={column!r}: {int(missing.sum())} people have no value "
                         f"({rows_text(np.flatnonzero(missing).tolist())}); every person "
                         "needs one, so nobody falls outside every part.")
    codes, uniques = pd.factorize(pd.Series(labels, dtype=object), sort=True)
    # one stable sort, not a scan of everybody per part (a column of thousands of teams)
    order = np.argsort(codes, kind="stable")
    ends = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return [(uniques[k], order[ends[k]:ends[k + 1]]) for k in range(len(uniques))]


def _part_of(roster, parts) -> np.ndarray:
    where = np.empty(roster.n, dtype=np.int64)
    for k, (_, rows) in enumerate(parts):
        where[rows] = k
    return where


def _pairs_across(roster, spec, parts, column) -> dict[str, int]:
    """Pairs named by the spec's terms (``pairs`` of ids) whose people sit in different parts;
    a hard MustGroup pair among them raises :class:`Impossible`."""
    where = _part_of(roster, parts)
    out = {}
    for term in spec.terms:
        pairs = getattr(term, "pairs", None)
        if (not isinstance(pairs, (tuple, list)) or not pairs
                or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs)):
            continue
        rows = roster.rows_of([x for p in pairs for x in p], term.label).reshape(-1, 2)
        across = rows[where[rows[:, 0]] != where[rows[:, 1]]]
        if not len(across):
            continue
        if isinstance(term, MustGroup) and term.hard:
            i, j = across[0].tolist()
            raise Impossible(
                f"{term.label} pairs {roster.ids[i]!r} ({column}={parts[where[i]][0]}) with "
                f"{roster.ids[j]!r} ({column}={parts[where[j]][0]}), but partition_by={column!r} "
                f"keeps every group inside one {column} ({len(across)} such pair(s)). Drop "
                "those pairs or partition by another column.", conflicts=(term.label,))
        out[term.label] = len(across)
    return out


def _teams_whole(roster, parts, column) -> None:
    """Team mentoring keeps teams whole: no team may have people in two parts."""
    if roster.team is None:
        return
    codes = np.asarray(roster.team.codes, dtype=np.int64)
    where = _part_of(roster, parts)
    for k in np.unique(codes[codes >= 0]).tolist():
        seen = np.unique(where[codes == k])
        if len(seen) > 1:
            raise InputError(
                f"partition_by={column!r} splits team {roster.team.categories[k]!r} over "
                f"{', '.join(str(parts[p][0]) for p in seen[:3].tolist())}; team mentoring keeps "
                "teams whole, so partition by a column every team shares (or by team).")


def _peer_counts(spec, sizes: list[int], values: list, column: str, total: int) -> list[int]:
    """Groups per part summing to ``total``, each within what its part can hold."""
    lows, highs, counts, small = [], [], [], []
    for n, value in zip(sizes, values, strict=True):
        try:
            p = replace(spec, groups=None).resolve(n)
        except InputError as error:
            small.append(f"{column}={value} ({n} people): {error}")
            continue
        a, c = int(p.lo[0]), int(p.hi[0])
        lows.append(math.ceil(n / c))
        highs.append(n // a)
        counts.append(p.n_groups)
    if small:
        raise Impossible("partition_by: some parts cannot form groups on their own: "
                         + "; ".join(small) + " Merge small parts or change the sizes.",
                         conflicts=("SizeBounds",))
    if not sum(lows) <= total <= sum(highs):
        raise Impossible(f"partition_by={column!r}: the parts hold between {sum(lows)} and "
                         f"{sum(highs)} groups in all, but the spec makes {total} groups for "
                         f"{sum(sizes)} people. Change the sizes or the number of groups.",
                         conflicts=("SizeBounds",))
    while sum(counts) < total:  # one more group where people per group is highest
        k = max((k for k in range(len(counts)) if counts[k] < highs[k]),
                key=lambda k: sizes[k] / counts[k])
        counts[k] += 1
    while sum(counts) > total:  # one fewer where it is lowest
        k = min((k for k in range(len(counts)) if counts[k] > lows[k]),
                key=lambda k: sizes[k] / counts[k])
        counts[k] -= 1
    return counts


def plan_parts(roster, spec, column: str) -> tuple[list[Part], dict]:
    """The parts to solve and what the join records about them; raises :class:`Impossible`
    (reported as INFEASIBLE) or InputError (a spec that cannot be partitioned)."""
    parts = split(roster, column)
    if isinstance(spec, TeamMentoring):
        _teams_whole(roster, parts, column)
    pinned = [t.label for t in spec.terms if getattr(t, "group_specific", False)]
    if pinned:
        raise InputError(f"partition_by cannot keep {pinned[0]}, which refers to group numbers: "
                         "the parts number their groups on their own. Remove it or solve "
                         "without partition_by.")
    if isinstance(spec, PeerGroups):
        spec.problem(roster)  # every term validated on the whole roster, before any job
    across = _pairs_across(roster, spec, parts, column)
    values = [v for v, _ in parts]
    if isinstance(spec, PeerGroups):
        whole = spec.resolve(roster.n)
        size = spec.size
        if not isinstance(size, (int, np.integer)) and all(
                isinstance(p, (tuple, list)) for p in size):  # one range per group
            raise InputError("partition_by needs one size range for every group; "
                             "PeerGroups(size=[...]) gives each group its own, which the parts "
                             "cannot share out.")
        counts = _peer_counts(spec, [len(r) for _, r in parts], values, column, whole.n_groups)
        specs = [replace(spec, groups=k) for k in counts]
    else:
        specs = [spec] * len(parts)
    out = [Part(v, rows, s) for (v, rows), s in zip(parts, specs, strict=True)]
    return out, {"column": column, "pairs_across_parts": across}


# ------------------------------------------------------------------------------- joining
def _status(groupings) -> Status:
    return (Status.OPTIMAL if all(g.status is Status.OPTIMAL for g in groupings)
            else Status.FEASIBLE)


def _record(settings: dict, info: dict, parts: list[Part], groupings) -> dict:
    column = info["column"]
    rows = [{"part": p.name(column), "people": len(p.rows), "groups": len(g.groups),
             "status": g.status.value, "objective": g.objective, "bound": g.bound,
             "seconds": round(g.wall_time, 3), "time_to_first": g.settings.get("time_to_first"),
             "worker": g.settings.get("parallel", {}).get("worker"),
             "peak_mb": g.settings.get("parallel", {}).get("peak_mb")}
            for p, g in zip(parts, groupings, strict=True)]
    return {**settings, "partition": {**info, "parts": rows}}


def _note(info: dict, n_parts: int) -> str:
    return (f"Solved as {n_parts} independent parts by {info['column']!r}: groups never cross "
            "it, and the status and bound refer to groupings that keep the parts apart.")


def join_parts(roster, spec, parts: list[Part], groupings, info: dict, settings: dict,
               t0: float) -> Grouping:
    """One Grouping of the whole roster from the parts' groupings (each attached to its
    sub-roster).

    A part without groups is named in the message. Peer groups place everybody, so it makes
    the whole INFEASIBLE (or NO_SOLUTION); in the role modes a part where no group could be
    formed (NO_SOLUTION, or INFEASIBLE when nothing there can form) leaves its people
    unplaced with that part's reason while the other parts keep their groups
    (``participation`` is then None: that part's bound is unknown), and a proven
    infeasibility under ``strict=True`` makes the whole INFEASIBLE.
    """
    column = info["column"]
    lost = [(p, g) for p, g in zip(parts, groupings, strict=True) if not g.status.has_solution]
    record = _record(settings, info, parts, groupings)
    peer = isinstance(spec, PeerGroups)
    # without strict=True a role-mode part may form nothing (time ran out, or proven: nobody
    # there can be placed); only strict=True makes such a part sink the whole
    fatal = (Status.INFEASIBLE,) if getattr(spec, "strict", False) else ()
    if lost and (peer or len(lost) == len(parts)
                 or any(g.status in fatal or g.status not in (Status.NO_SOLUTION,
                                                              Status.INFEASIBLE)
                        for _, g in lost)):
        status = (Status.INFEASIBLE if any(g.status is Status.INFEASIBLE for _, g in lost)
                  else Status.NO_SOLUTION)
        message = _lost_words(lost, column)
        conflicts = tuple(dict.fromkeys(c for _, g in lost for c in g.conflicts))
        return spec.no_grouping(roster, status, time.perf_counter() - t0, record,
                                message=message, conflicts=conflicts)
    joined = (_join_peer if peer else _join_roles)(roster, spec, parts, groupings, record)
    words = [_note(info, len(parts))]
    if lost:
        words.append(f"No group could be formed in {len(lost)} part(s), whose people are "
                     f"unplaced: {_lost_words(lost, column)}")
    words += [g.message for g in groupings if g.status.has_solution]
    joined = replace(joined, wall_time=time.perf_counter() - t0,
                     message=" ".join(filter(None, words)))
    broken = spec.check(roster, joined)
    if broken:  # an internal consistency check, never user input
        raise AssertionError(f"joined parts break {broken[:3]}; please report.")
    return joined


def _lost_words(lost, column) -> str:
    return "; ".join(f"part {p.name(column)}: {(g.message or g.status.value).rstrip('.')}"
                     for p, g in lost) + "."


def _join_peer(roster, spec, parts, groupings, record) -> Grouping:
    a = np.full(roster.n, -1, dtype=np.int64)
    offset = 0
    for p, g in zip(parts, groupings, strict=True):
        local = g.assignment_array()
        a[p.rows] = np.where(local >= 0, local + offset, -1)
        offset += p.spec.groups
    joined = spec.evaluated(roster, a, record)
    objective = joined.objective
    bounds = [g.bound for g in groupings]
    additive = math.isclose(sum(g.objective for g in groupings), objective,
                            rel_tol=1e-9, abs_tol=1e-9)
    bound = gap = None
    if additive and all(b is not None for b in bounds):
        bound = sum(bounds)
        gap = (bound - objective) / max(1, abs(objective))
    return replace(joined, status=_status(groupings), bound=bound, gap=gap)


def _join_roles(roster, spec, parts, groupings, record) -> Grouping:
    members, leaders, topic = [], [], []
    assignments, groups, loads = [], [], []
    first = np.full(roster.n, -1, dtype=np.int64)
    offset = 0
    column = record["partition"]["column"]
    for p, g in zip(parts, groupings, strict=True):
        if not g.status.has_solution:  # nobody placed here: everybody keeps the part's reason
            table = g.assignments.copy()
            table["reason"] = f"part {p.name(column)}: {g.message or g.status.value}"
            assignments.append(table)
            continue
        plan = g._plan
        members += [p.rows[m] for m in plan.members]
        leaders += [p.rows[f] for f in plan.leaders]
        topic += list(plan.topic)
        table = g.assignments.copy()
        table["group"] = table["group"] + offset
        assignments.append(table)
        frame = g.groups.copy()
        frame["group"] = frame["group"] + offset
        groups.append(frame)
        if g.loads is not None and len(g.loads):
            loads.append(g.loads)
        local = g.assignment_array()
        first[p.rows] = np.where(local >= 0, local + offset, -1)
        offset += plan.n_groups
    first.setflags(write=False)
    shares = [g.participation for g in groupings]
    participation = None  # unknown when a part without groups has no bound to add
    if all(shares) and all(g.status.has_solution for g in groupings):
        placed, bound = sum(s["placed"] for s in shares), sum(s["bound"] for s in shares)
        participation = {"placed": placed, "eligible": sum(s["eligible"] for s in shares),
                         "bound": bound, "gap": (bound - placed) / bound if bound else 0.0}
    shared = [c for c in groups[0].columns if all(c in f.columns for f in groups)]
    draft = Grouping(
        status=_status(groupings),
        assignments=pd.concat(assignments, ignore_index=True),
        groups=pd.concat([f[shared] for f in groups], ignore_index=True), objective=None,
        bound=None, gap=None, breakdown={}, wall_time=0.0, settings=record, _roster=roster,
        spec=spec, _plan=RolePlan(members, leaders, topic=topic), _array=first,
        loads=pd.concat(loads, ignore_index=True) if loads else pd.DataFrame(),
        weights=dict(groupings[0].weights), participation=participation)
    scores = spec.score(roster, draft)
    total = scores.pop("total")
    return replace(draft, objective=total, breakdown=scores)
