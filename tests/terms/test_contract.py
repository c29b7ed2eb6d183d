"""Contract over every term: the numpy score equals its CP-SAT contribution, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import groupmatch as gm
from groupmatch.engine.cpsat import build

SOFT_TERMS = [
    lambda n, rng: gm.Diversity("department", weight=2),
    lambda n, rng: gm.Diversity("tenure_years", resolution=3),
    lambda n, rng: gm.SharedNeeds(),
    lambda n, rng: gm.PairwiseDiversity(np.round(_sym(n, rng), 3)),
    lambda n, rng: gm.PairwiseDiversity(_sym(n, rng) - 50, scale=10),
]
HARD_TERMS = [
    lambda n, rng: gm.NotWithManager(),
    lambda n, rng: gm.NotWithManager(levels=2),
    lambda n, rng: gm.CannotGroup([("e0", "e1"), ("e2", "e3")]),
    lambda n, rng: gm.MustGroup([("e0", "e1")]),
]


def _sym(n, rng):
    m = rng.random((n, n)) * 100
    return (m + m.T) / 2


def _roster(n, rng):
    return gm.Roster.from_frame(pd.DataFrame({
        "id": [f"e{i}" for i in range(n)],
        "department": rng.choice(["a", "b", "c"], n),
        "tenure_years": np.round(rng.random(n) * 20, 1),
        "manager_id": [None] + [f"e{int(rng.integers(0, i))}" for i in range(1, n)],
        "needs": [";".join(rng.choice(["x", "y", "z"], int(rng.integers(0, 3)), replace=False))
                  for _ in range(n)],
    }))


def _random_partition(n, n_groups, rng):
    a = np.arange(n) % n_groups
    rng.shuffle(a)
    return a


def _fixed_objective(roster, spec, a):
    problem = spec.resolve(roster.n)
    built = build(roster, problem, np.arange(roster.n), np.arange(problem.n_groups),
                  enforce=False)
    for i, g in enumerate(a.tolist()):
        built.model.add(built.x[i, g] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(built.model)
    assert status == cp_model.OPTIMAL
    return int(round(solver.objective_value))


@pytest.mark.parametrize("make_term", SOFT_TERMS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9))
def test_soft_term_score_equals_cpsat(make_term, seed, n):
    rng = np.random.default_rng(seed)
    roster = _roster(n, rng)
    n_groups = max(1, n // 3)
    spec = gm.PeerGroups(size=(1, n), groups=n_groups, terms=[make_term(n, rng)])
    a = _random_partition(n, n_groups, rng)
    assert _fixed_objective(roster, spec, a) == gm.score(roster, spec, a)["total"]


@pytest.mark.parametrize("make_term", HARD_TERMS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9))
def test_hard_term_check_agrees_with_cpsat(make_term, seed, n):
    rng = np.random.default_rng(seed)
    roster = _roster(n, rng)
    n_groups = max(1, n // 3)
    spec = gm.PeerGroups(size=(1, n), groups=n_groups, terms=[make_term(n, rng)])
    a = _random_partition(n, n_groups, rng)
    problem = spec.resolve(n)
    built = build(roster, problem, np.arange(n), np.arange(n_groups))  # rules enforced
    for i, g in enumerate(a.tolist()):
        built.model.add(built.x[i, g] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    feasible = solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert feasible == (gm.check(roster, spec, a) == [])


@pytest.mark.parametrize("make_term", SOFT_TERMS + HARD_TERMS)
def test_explain_returns_a_mapping(make_term):
    rng = np.random.default_rng(0)
    roster = _roster(6, rng)
    spec = gm.PeerGroups(size=(1, 6), groups=3, terms=[make_term(6, rng)])
    g = gm.solve(roster, spec, time_limit=5)
    table = g.explain(0)
    assert make_term(6, rng).label in table.index
    assert all(isinstance(d, dict) for d in table["details"])
