"""Properties of every answer: rules hold, nobody lost, numpy == CP-SAT, determinism, optimality."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

import groupmatch as gm

from strategies import problems


def restricted_growth(n: int, k: int):
    """Every partition of range(n) into exactly k labelled-by-first-appearance blocks."""
    def rec(prefix, used):
        if len(prefix) == n:
            if used == k:
                yield prefix
            return
        if k - used > n - len(prefix):
            return
        for g in range(min(used + 1, k)):
            yield from rec(prefix + [g], max(used, g + 1))

    yield from rec([0], 1)


def brute_force_best(roster, spec) -> int | None:
    """The best total by enumeration, under the sizes the spec solves for: with even sizes
    (the default) the most even bounds first, widened only when nothing valid fits them."""
    problem = spec.resolve(roster.n)
    valid = []
    for labels in restricted_growth(roster.n, problem.n_groups):
        a = np.array(labels)
        if not gm.check(roster, spec, a):
            valid.append((np.bincount(a, minlength=problem.n_groups),
                          gm.score(roster, spec, a)["total"]))
    steps = spec.solve_bounds(roster.n) if hasattr(spec, "solve_bounds") else [(None, None)]
    for lo, hi in steps:
        fits = [total for sizes, total in valid
                if lo is None or ((sizes >= lo) & (sizes <= hi)).all()]
        if fits:
            return max(fits)
    return None


@settings(max_examples=25, deadline=None)
@given(case=problems())
def test_every_answer_keeps_every_rule(case):
    roster, spec = case
    g = gm.solve(roster, spec, time_limit=5, deterministic=True)
    if not g.status.has_solution:
        assert g.status is gm.Status.INFEASIBLE
        assert brute_force_best(roster, spec) is None
        with pytest.raises(gm.InfeasibleError):
            g.raise_for_status()
        return
    a = g.assignment_array()
    assert sorted(g.assignments["id"]) == sorted(roster.ids)  # nobody lost or duplicated
    assert (a >= 0).all()
    assert gm.check(roster, spec, a) == []
    assert gm.score(roster, spec, a)["total"] == g.objective
    assert g.groups["size"].sum() == roster.n


@settings(max_examples=20, deadline=None)
@given(case=problems(max_n=8))
def test_small_problems_match_brute_force(case):
    roster, spec = case
    g = gm.solve(roster, spec, time_limit=10, deterministic=True)
    best = brute_force_best(roster, spec)
    if best is None:
        assert g.status is gm.Status.INFEASIBLE
    else:
        assert g.status is gm.Status.OPTIMAL
        assert g.objective == best


@settings(max_examples=10, deadline=None)
@given(case=problems())
def test_search_path_keeps_every_rule(case):
    roster, spec = case
    g = gm.solve(roster, spec, time_limit=0.5, method="search", deterministic=True)
    if g.status.has_solution:
        assert gm.check(roster, spec, g) == []
        assert gm.score(roster, spec, g)["total"] == g.objective


@settings(max_examples=8, deadline=None)
@given(case=problems())
def test_deterministic_mode_is_reproducible(case):
    roster, spec = case
    for method in ("exact", "search"):
        a = gm.solve(roster, spec, time_limit=0.5, deterministic=True, method=method)
        b = gm.solve(roster, spec, time_limit=0.5, deterministic=True, method=method)
        assert a.status is b.status
        assert np.array_equal(a.assignment_array(), b.assignment_array())
        assert a.objective == b.objective


def test_adding_a_rule_never_beats_the_optimum():
    # metamorphic (as anticlust's cannot-link test): a new hard rule cannot raise the optimum
    rng = np.random.default_rng(3)
    import pandas as pd

    df = pd.DataFrame({"id": [f"e{i}" for i in range(8)],
                       "department": rng.choice(["a", "b", "c"], 8)})
    roster = gm.Roster.from_frame(df)
    free = gm.PeerGroups(size=4, terms=[gm.Diversity("department")])
    base = gm.solve(roster, free, deterministic=True)
    for i, j in itertools.combinations(range(4), 2):
        tied = gm.solve(roster, free.with_terms(gm.CannotGroup([(f"e{i}", f"e{j}")])),
                        deterministic=True)
        assert base.status is tied.status is gm.Status.OPTIMAL
        assert tied.objective <= base.objective
