"""What every explanation, report and picture shares: which columns stay hidden, each soft
term's weight and each group's weighted total, read from the Grouping alone (any mode), and
each term against its own bound and a random grouping (:func:`term_report`).

Sensitive columns (``Roster.from_frame(..., sensitive=[...])``) may drive rules, but their values
are left out of explanations unless ``include_sensitive=True``: a term on such a column shows its
score, never the mix of values behind it. Each mode explains its own groups
(``Grouping.explain`` hands the call to the spec).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .exceptions import TermBelowRandomWarning

__all__ = ["hidden_columns", "term_is_hidden", "group_totals", "term_weights", "term_report",
           "TermBelowRandomWarning", "warn_below_random", "below_random_lines"]


def hidden_columns(roster, include_sensitive: bool) -> set[str]:
    """Column names (source and logical) whose values must not be shown."""
    if include_sensitive:
        return set()
    hidden = set(roster.sensitive)
    hidden |= {logical for logical, source in roster.columns.items() if source in hidden}
    return hidden


def term_is_hidden(term, hidden: set[str]) -> bool:
    """Does the term read a hidden column?"""
    cols = [getattr(term, "column", None), *(getattr(term, "columns", None) or ())]
    return any(isinstance(c, str) and c in hidden for c in cols)


def term_weights(grouping) -> dict[str, int | float | None]:
    """The weight of each soft term in ``grouping.breakdown``, in the user's units."""
    return {k: grouping.weights.get(k) for k in grouping.breakdown}


def group_totals(grouping) -> np.ndarray:
    """Weighted objective per group (Σ weight × value over the soft terms scored per group),
    in the user's units: integers when every weight and value is one.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "department": list("xxyy")}))
    >>> g = gm.solve(r, gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
    >>> group_totals(g).tolist()
    [1, 1]
    """
    groups = grouping.groups
    parts = [(w, groups[label].to_numpy()) for label, w in grouping.weights.items()
             if label in groups.columns]
    integral = all(isinstance(w, (int, np.integer)) and np.issubdtype(v.dtype, np.integer)
                   for w, v in parts)
    total = np.zeros(len(groups), dtype=np.int64 if integral else np.float64)
    for w, v in parts:
        total += w * v.astype(total.dtype)
    return total


# ------------------------------------------------------------------ terms against chance
REPORT_COLUMNS = ["weight", "value", "contribution", "share_of_objective", "random_expected",
                  "bound", "vs_random", "of_range", "below_random"]
TOLERANCE = 1e-9  # relative: a value this close to the random expectation is not below it


def _is_below(value, expected) -> bool:
    return (expected is not None and not math.isnan(expected)
            and value < expected - TOLERANCE * max(1.0, abs(expected)))


def term_report(grouping, *, samples: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Each objective against its own range: a random grouping's expected value and its bound.

    One row per soft term (index ``term``):

    - ``weight``, ``value`` (the term's total in its own units, e.g. differing pairs) and
      ``contribution`` (weight × value, as in ``grouping.breakdown``);
    - ``share_of_objective``: ``|contribution|`` over the sum of every term's
      ``|contribution|`` (0.71 reads "71% of the objective");
    - ``random_expected``: the mean value of a random grouping with the same group sizes
      (hard rules ignored): exact for pair-sum terms (diversity, shared needs, pairwise
      distances, weighted repeats), else the mean of ``samples`` (default 200) random
      groupings drawn with ``seed`` (``samples=0``: exact ones only, NaN for the others);
    - ``bound``: the term's own upper bound (NaN when it has none);
    - ``vs_random``: ``value - random_expected``; ``of_range``: ``vs_random`` over
      ``bound - random_expected`` (0 = no better than chance, 1 = at the bound);
    - ``below_random``: the term ended below chance, which means other terms or the rules
      drown it (:func:`groupmatch.solve` warns with :class:`TermBelowRandomWarning`).

    Groupings of modes without a single peer problem (facilitated, team) get ``weight``,
    ``contribution`` and ``share_of_objective`` only.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
    >>> g = gm.solve(gm.Roster.from_frame(df),
    ...              gm.PeerGroups(size=3, terms=[gm.Diversity("department")]))
    >>> term_report(g).loc["diversity[department]"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'weight': 1, 'value': 4, 'contribution': 4, 'share_of_objective': 1.0,
     'random_expected': 3.6, 'bound': 4, 'vs_random': 0.3999999999999999, 'of_range': 1.0,
     'below_random': False}
    """
    from .terms.baseline import SAMPLES, random_expectation, term_bound

    problem, a = grouping._plan, grouping._array
    weights = term_weights(grouping)
    contributions = dict(grouping.breakdown)
    spread = sum(abs(v) for v in contributions.values() if v is not None) or 1
    rows = []
    if not _is_problem(problem) or a is None:
        for label, c in contributions.items():
            rows.append({"term": label, "weight": weights.get(label), "value": None,
                         "contribution": c, "share_of_objective": abs(c or 0) / spread})
        return _report_frame(rows)
    roster = grouping._roster
    placed = np.flatnonzero(a >= 0)
    sizes = np.bincount(a[placed], minlength=problem.n_groups)
    for term in problem.terms:
        if term.hard:
            continue
        label = term.label
        div = problem.value_divisor(term)
        value = int(term.group_values(roster, a, problem.n_groups).sum())
        expected = random_expectation(term, roster, sizes, rows=placed, seed=seed,
                                      samples=SAMPLES if samples is None else samples,
                                      exact_only=samples == 0)
        expected = math.nan if expected is None else expected / div
        bound = term_bound(term, roster, problem.lo, problem.hi)
        value = value / div if div != 1 else value
        bound = None if bound is None else (bound / div if div != 1 else bound)
        span = None if bound is None else bound - expected
        rows.append({
            "term": label, "weight": weights.get(label), "value": value,
            "contribution": contributions.get(label),
            "share_of_objective": abs(contributions.get(label) or 0) / spread,
            "random_expected": expected, "bound": bound, "vs_random": value - expected,
            "of_range": (value - expected) / span if span is not None and span > 1e-9 else None,
            # NaN spans (no exact expectation) fail "> 1e-9", so of_range stays empty
            "below_random": _is_below(value, expected),
        })
    return _report_frame(rows)


def _report_frame(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["term", *REPORT_COLUMNS]).set_index("term")
    for col in ("share_of_objective", "random_expected", "vs_random", "of_range"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    table["below_random"] = [v is True or v == 1 for v in table["below_random"].tolist()]
    return table


def _is_problem(plan) -> bool:
    """A peer grouping's plan (a Problem: terms, weights, size bounds), not a role plan (read by
    its shape, so this view never imports the problem layer)."""
    return all(hasattr(plan, k) for k in ("terms", "weights", "lo", "hi"))


def _below_random(grouping) -> list[tuple[str, float, float]]:
    """``(label, value, random expectation)`` of every positively weighted pair-sum objective
    that ended below chance (exact expectations only: cheap at any size)."""
    from .terms.baseline import random_expectation

    problem, a = grouping._plan, grouping._array
    if not _is_problem(problem) or a is None:
        return []
    roster = grouping._roster
    placed = np.flatnonzero(a >= 0)
    sizes = np.bincount(a[placed], minlength=problem.n_groups)
    out = []
    for term, w in zip(problem.terms, problem.weights, strict=True):
        if term.hard or w <= 0 or not term.pairwise_sum:
            continue
        value = int(term.group_values(roster, a, problem.n_groups).sum())
        expected = random_expectation(term, roster, sizes, rows=placed, exact_only=True)
        if _is_below(value, expected):
            out.append((term.label, value, expected))
    return out


def below_random_lines(grouping) -> list[str]:
    """One plain sentence per objective that ended below a random grouping (``[]`` if none).

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
    >>> g = gm.solve(gm.Roster.from_frame(df),
    ...              gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
    >>> below_random_lines(g)
    []
    """
    found = _below_random(grouping)
    if not found:
        return []
    contributions = {k: v for k, v in grouping.breakdown.items() if v is not None}
    spread = sum(abs(v) for v in contributions.values()) or 1
    top = max(contributions, key=lambda k: abs(contributions[k]))
    lines = []
    for label, value, expected in found:
        head = (f"{label} ended below a random grouping: {value:g} against {expected:.4g} "
                "expected by chance")
        if top != label and contributions[top]:
            lines.append(f"{head}; {top} makes {abs(contributions[top]) / spread:.0%} of the "
                         "objective. Raise its weight, or use PeerGroups(balance=True) to weigh "
                         "terms by their ranges.")
        else:
            lines.append(f"{head}. The hard rules (which a random grouping ignores) or a short "
                         "time_limit hold it there.")
    return lines


def warn_below_random(grouping, *, stacklevel: int = 2) -> None:
    """Warn (:class:`TermBelowRandomWarning`) for each objective below a random grouping."""
    for line in below_random_lines(grouping):
        warnings.warn(line, TermBelowRandomWarning, stacklevel=stacklevel + 1)
