"""``gm.tradeoff``: one programme under a range of weights for one term, to choose weights.

Every weight is solved (in parallel); then every grouping found at any weight joins one pool,
and each weight keeps the pooled grouping that is best under *its own* objective (scored with
the spec at that weight, exactly as :func:`groupmatch.score` does), ties going to the larger
value of the varied term. For a fixed pool, the best of ``rest + w × varied`` has a varied
value that never decreases as ``w`` grows (swap two optima: ``(w2 - w1)(v2 - v1) >= 0``), so the
curve is monotone by construction, whatever a heuristic solve found at each point. The choice
is also made in increasing weight order among groupings whose varied value is at least the
previous point's: with a worst-group floor (whose value is not linear in the weight) this keeps
the guarantee; without one it changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from .._validation import check_weight
from ..exceptions import InputError
from ..explain import group_totals, term_report
from ..modes.base import Mode
from ..roster import check_roster
from ..solving import check_spec
from ..terms.base import Term
from .jobs import JobFailure
from .plan import Programme, run_programmes
from .progress import progress_reporter

__all__ = ["tradeoff", "Groupings", "choose"]


class Groupings(tuple):
    """The groupings of a trade-off frame, one per row (``frame.attrs["groupings"]``); not
    copied when pandas copies the frame's attrs (groupings are read-only)."""

    def __deepcopy__(self, memo):
        return self


def _find(spec, vary) -> Term:
    soft = [t for t in spec.terms if not t.hard]
    labels = ", ".join(repr(t.label) for t in soft) or "none"
    if isinstance(vary, Term):
        matches = [t for t in spec.terms if t is vary or t == vary or t.label == vary.label]
    elif isinstance(vary, str):
        matches = [t for t in spec.terms if t.label == vary]
    else:
        raise InputError(f"vary must be a term of the spec or its label; got {vary!r}.")
    if not matches:
        raise InputError(f"vary={getattr(vary, 'label', vary)!r} is not a term of the spec; its "
                         f"objectives are {labels}.")
    if matches[0].hard:
        raise InputError(f"vary={matches[0].label!r} is a hard rule, which has no weight; vary "
                         f"one of the objectives: {labels}.")
    return matches[0]


def _weights(weights) -> list[float]:
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
        raise InputError(f"weights must be a list of numbers; got {weights!r}.")
    out = [check_weight("weights", w) for w in weights]
    if not out:
        raise InputError("weights is empty; give at least one weight, e.g. [0.5, 1, 2, 4].")
    return out


def _with_weight(spec, term: Term, weight: float):
    """A copy of ``spec`` whose ``term`` has ``weight`` (the user's spec is left as it is)."""
    return replace(spec, terms=tuple(replace(t, weight=weight) if t is term else t
                                     for t in spec.terms))


def _evaluates(spec) -> bool:
    """Can this spec turn an existing answer into a Grouping scored under it?"""
    return type(spec).evaluated is not Mode.evaluated


def _key(grouping) -> bytes:
    return pd.util.hash_pandas_object(grouping.assignments, index=False).to_numpy().tobytes()


def _number(value):
    """A plain int when the value is whole, else a float."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _varied_value(roster, spec, term, grouping):
    """The varied term's own value (its units, not weighted) in ``grouping``."""
    report = term_report(grouping, samples=0)
    if term.label in report.index:
        value = report.loc[term.label, "value"]
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return _number(value)
    return _number(_with_weight(spec, term, 1).score(roster, grouping)[term.label])


def choose(totals: dict, varied: list) -> dict:
    """For each weight, the index of the pooled grouping to keep: in increasing weight order,
    the highest total at that weight (ties: the larger varied value, then the first found)
    among groupings whose varied value is at least the previous weight's pick.

    ``totals[w][c]`` is grouping c's objective under weight w, ``varied[c]`` its varied value.
    When every total is linear in the weight (``rest_c + w × varied_c``) the floor never
    excludes the unconstrained best, so each pick is that weight's argmax.

    Examples
    --------
    >>> varied = [1, 5, 3]
    >>> totals = {w: [10 + w * 1, 2 + w * 5, 8 + w * 3] for w in (0, 1, 5)}
    >>> choose(totals, varied)  # at w=1 groupings 0 and 2 tie at 11: the larger varied wins
    {0: 0, 1: 2, 5: 1}
    """
    chosen, floor = {}, -math.inf
    for w in sorted(totals):
        best = None
        for c, v in enumerate(varied):
            if v < floor:
                continue
            rank = (totals[w][c], v, -c)
            if best is None or rank > best[0]:
                best = (rank, c)
        if best is not None:
            chosen[w] = best[1]
            floor = varied[best[1]]
    return chosen


def _row_view(roster, spec_w, weight, term, candidate, found_at, varied: float):
    """The candidate as the spec at ``weight`` sees it: a Grouping (re-scored under that
    spec where the mode can), each soft term's value and bound, the worst group's score."""
    seen = candidate
    if found_at != weight and _evaluates(spec_w):
        seen = spec_w.evaluated(roster, candidate.assignment_array(), dict(candidate.settings))
        seen = replace(seen, status=candidate.status, wall_time=candidate.wall_time,
                       message=candidate.message)
    weights = dict(seen.weights)
    if seen is candidate and found_at != weight:
        weights[term.label] = weight  # not re-scored (role modes): the weights as given
    values, bounds = {}, {}
    for label, row in term_report(seen, samples=0).iterrows():
        value = row["value"]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            w = row["weight"]  # role modes report contributions: weight x value
            value = row["contribution"] / w if w else float("nan")
        values[label] = value
        bounds[label] = row.get("bound")
    values[term.label] = varied
    totals = _group_totals(seen, weights)
    return seen, values, bounds, (totals.min() if len(totals) else float("nan"))


def _group_totals(grouping, weights) -> np.ndarray:
    if dict(grouping.weights) == weights:
        return group_totals(grouping)
    groups = grouping.groups
    total = np.zeros(len(groups))
    for label, w in weights.items():
        if label in groups.columns:
            total += w * groups[label].to_numpy(dtype=float)
    return total


def _efficient(v: np.ndarray, rest: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Rows no other row beats on both the varied value and the rest (valid rows only)."""
    out = np.zeros(len(v), dtype=bool)
    for i in np.flatnonzero(ok):
        better = ok & (v >= v[i]) & (rest >= rest[i]) & ((v > v[i]) | (rest > rest[i]))
        out[i] = not better.any()
    return out


def tradeoff(roster, spec, *, vary, weights, time_limit: float = 10.0, random_state=0,
             deterministic: bool = False, client=None, progress=False,
             workers_per_job: int | None = None, method: str = "auto") -> pd.DataFrame:
    """Solve one programme under each weight of one term and show what each weight buys.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups, FacilitatedGroups or TeamMentoring
        The programme; it is not changed (each point solves a copy with the term's weight
        replaced).
    vary : Term or str
        The objective whose weight varies: one of ``spec.terms`` or its label
        (``"shared[needs]"``).
    weights : list of float
        The weights to try (at least one).
    time_limit, random_state, deterministic, method
        As in :func:`groupmatch.solve`, for each point.
    client, progress, workers_per_job
        Where the points run and how they report, as in :func:`groupmatch.solve_many`
        (``progress`` is off by default here).

    Returns
    -------
    DataFrame
        One row per weight, in the order given: ``weight``; ``objective`` (the spec at that
        weight, in the user's units, as :func:`groupmatch.score`); each soft term's own value
        (a column per label, as ``grouping.term_report()`` reports it) and, where the term
        has one, its bound (``"<label> bound"``); ``worst_group`` (the lowest weighted group
        score); ``others`` (the other terms' total at the spec's own weights); ``valid``
        (:func:`groupmatch.check` finds nothing); ``status``; ``found_at`` (the weight whose
        solve found the grouping); ``efficient`` (no other row has both a higher varied value
        and higher ``others``: the Pareto-efficient points). ``frame.attrs`` holds ``vary``
        (the label), ``groupings`` (one Grouping per row, scored at the row's weight) and
        ``failures`` (weight -> why that weight's own solve found no grouping).

        The grouping of each row is the best, under that row's weight, of every grouping
        found at any weight, so the varied term's value never decreases as its weight grows
        (see the module's docstring); rows whose weight found nothing carry the pooled best.

    Examples
    --------
    >>> import groupmatch as gm
    >>> roster = gm.Roster.from_frame(gm.datasets.make_organization(40, random_state=2))
    >>> spec = gm.PeerGroups(size=(4, 5), terms=[gm.Diversity("department", weight=3),
    ...                                          gm.SharedNeeds()])
    >>> frame = gm.tradeoff(roster, spec, vary="shared[needs]", weights=[0, 1, 2],
    ...                     time_limit=0.5, client="serial", deterministic=True)
    >>> frame["shared[needs]"].is_monotonic_increasing, bool(frame["valid"].all())
    (True, True)
    """
    check_roster(roster)
    check_spec(spec)
    term = _find(spec, vary)
    weights = _weights(weights)
    distinct = list(dict.fromkeys(weights))
    specs = {w: _with_weight(spec, term, w) for w in distinct}
    results = run_programmes([Programme(f"weight {w:g}", roster, specs[w]) for w in distinct],
                             time_limit=time_limit, random_state=random_state,
                             deterministic=deterministic, method=method, client=client,
                             workers_per_job=workers_per_job,
                             report=progress_reporter(progress, "tradeoff"))
    found = dict(zip(distinct, results, strict=True))
    pool, origin, seen = [], [], set()
    for w, g in found.items():
        if isinstance(g, JobFailure) or not g.status.has_solution:
            continue
        key = _key(g)
        if key not in seen:
            seen.add(key)
            pool.append(g)
            origin.append(w)
    varied = [_varied_value(roster, spec, term, g) for g in pool]
    totals = {w: [specs[w].score(roster, g)["total"] for g in pool] for w in distinct}
    chosen = choose(totals, varied)
    valid = [spec.check(roster, g) == [] for g in pool]
    rest = []
    for g in pool:
        own = spec.score(roster, g)
        rest.append(own["total"] - own.get(term.label, 0))
    rows, groupings, failures = [], [], {}
    for w in weights:
        g = found[w]
        if isinstance(g, JobFailure) or not g.status.has_solution:
            failures[w] = g.message if isinstance(g, JobFailure) else (
                f"{g.status.value}: {g.message}")
        c = chosen.get(w)
        if c is None:
            rows.append({"weight": w, "status": g.status.value if not isinstance(
                g, JobFailure) else "error", "valid": False, "found_at": None})
            groupings.append(None if isinstance(g, JobFailure) else g)
            continue
        view, values, bounds, worst = _row_view(roster, specs[w], w, term, pool[c], origin[c],
                                                 varied[c])
        row = {"weight": w, "objective": totals[w][c], **values}
        row.update({f"{k} bound": b for k, b in bounds.items()
                    if b is not None and not (isinstance(b, float) and math.isnan(b))})
        row.update({"worst_group": worst, "others": rest[c], "valid": valid[c],
                    "status": pool[c].status.value, "found_at": origin[c]})
        rows.append(row)
        groupings.append(view)
    frame = pd.DataFrame(rows)
    ok = frame["objective"].notna().to_numpy() if "objective" in frame else np.zeros(len(frame),
                                                                                       bool)
    v = frame[term.label].to_numpy(dtype=float) if term.label in frame else np.zeros(len(frame))
    r = frame["others"].to_numpy(dtype=float) if "others" in frame else np.zeros(len(frame))
    frame["efficient"] = _efficient(v, r, ok & frame["valid"].to_numpy(dtype=bool))
    frame.attrs["vary"] = term.label
    frame.attrs["groupings"] = Groupings(groupings)
    frame.attrs["failures"] = failures
    return frame
