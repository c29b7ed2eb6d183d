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
    # rules with a tier are scored: minus their broken instances (times their weight)
    lambda n, rng: gm.NoIsolation("department", tier="want", weight=2),
    lambda n, rng: gm.MaxShare("department", 0.5, tier="need"),
    lambda n, rng: gm.MinDistinct("department", 2, tier="want"),
    lambda n, rng: gm.CommonSlot(tier="want"),
    lambda n, rng: gm.TimezoneWindow(4, tier="need"),
    lambda n, rng: gm.Pin({"e0": 0, "e1": 0, "e2": n // 3 - 1}, tier="want"),
    lambda n, rng: gm.NotWithManager(tier="want"),
    lambda n, rng: gm.CannotGroup([("e0", "e1"), ("e2", "e3")], tier="need"),
    lambda n, rng: gm.MustGroup([("e0", "e1")], tier="want"),
    # the worst group's score, measured over the objective terms beside it
    lambda n, rng: [gm.Diversity("department"), gm.SharedNeeds(), gm.WorstGroupFloor()],
    lambda n, rng: [gm.Diversity("tenure_years"), gm.WorstGroupFloor(2)],
]
HARD_TERMS = [
    lambda n, rng: gm.NotWithManager(),
    lambda n, rng: gm.NotWithManager(levels=2),
    lambda n, rng: gm.CannotGroup([("e0", "e1"), ("e2", "e3")]),
    lambda n, rng: gm.MustGroup([("e0", "e1")]),
    lambda n, rng: gm.NoIsolation("department"),
    lambda n, rng: gm.NoIsolation("department", values=["a"], min_count=3),
    lambda n, rng: gm.MaxShare("department", 0.7),
    lambda n, rng: gm.MinDistinct("department", 2),
    lambda n, rng: gm.CommonSlot(),
    lambda n, rng: gm.CommonSlot(min_slots=2),
    lambda n, rng: gm.TimezoneWindow(3),
    lambda n, rng: gm.Pin({"e0": 0, "e1": 0, "e2": n // 3 - 1}),
]


def _terms(made):
    return list(made) if isinstance(made, list) else [made]


def _label(made):
    return _terms(made)[-1].label


def _sym(n, rng):
    m = rng.random((n, n)) * 100
    return (m + m.T) / 2


def _roster(n, rng, balanced=False):
    depts = rng.choice(["a", "b", "c"], n)
    depts[:3] = ["a", "b", "c"]  # every value present, so rules may name any of them
    slots = [";".join(rng.choice(["mon", "tue", "wed"], int(rng.integers(1, 4)), replace=False))
             for _ in range(n)]
    if balanced:  # every hard rule of the lists can hold (prechecks pass)
        depts = np.array(["a", "b"])[np.arange(n) // 3 % 2]
        slots = ["mon;tue;wed"] * n
    tz = np.zeros(n) if balanced else rng.choice([-5.0, 0.0, 1.0, 5.5], n)
    return gm.Roster.from_frame(pd.DataFrame({
        "id": [f"e{i}" for i in range(n)],
        "department": depts,
        "tenure_years": np.round(rng.random(n) * 20, 1),
        "manager_id": [None] + [f"e{int(rng.integers(0, i))}" for i in range(1, n)],
        "needs": [";".join(rng.choice(["x", "y", "z"], int(rng.integers(0, 3)), replace=False))
                  for _ in range(n)],
        "slots": slots,
        "timezone": tz,
    }))


def _random_partition(n, n_groups, rng):
    a = np.arange(n) % n_groups
    rng.shuffle(a)
    return a


def _fixed_objective(roster, spec, a):
    problem = spec.problem(roster)  # binds tiers and the worst-group floor
    built = build(roster, problem, np.arange(roster.n), np.arange(problem.n_groups),
                  enforce=False)
    for i, g in enumerate(a.tolist()):
        built.model.add(built.x[i, g] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(built.model)
    assert status == cp_model.OPTIMAL
    return int(round(solver.objective_value))


def _soft_case(make_term, seed, n):
    """A roster, a spec with the term(s) and a random partition into n // 3 groups."""
    rng = np.random.default_rng(seed)
    roster = _roster(n, rng)
    n_groups = max(1, n // 3)
    spec = gm.PeerGroups(size=(1, n), groups=n_groups, terms=_terms(make_term(n, rng)))
    return roster, spec, _random_partition(n, n_groups, rng)


@pytest.mark.parametrize("make_term", SOFT_TERMS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9))
def test_soft_term_score_equals_cpsat(make_term, seed, n):
    roster, spec, a = _soft_case(make_term, seed, n)
    assert _fixed_objective(roster, spec, a) == gm.score(roster, spec, a)["total"]


@pytest.mark.parametrize("make_term", HARD_TERMS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9))
def test_hard_term_check_agrees_with_cpsat(make_term, seed, n):
    rng = np.random.default_rng(seed)
    roster = _roster(n, rng)
    n_groups = max(1, n // 3)
    spec = gm.PeerGroups(size=(1, n), groups=n_groups, terms=_terms(make_term(n, rng)))
    a = _random_partition(n, n_groups, rng)
    problem = spec.problem(roster)
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
    roster = _roster(9, rng, balanced=True)  # every rule can hold: the prechecks pass
    spec = gm.PeerGroups(size=(2, 5), groups=3, terms=_terms(make_term(9, rng)))
    g = gm.solve(roster, spec, time_limit=5)
    table = g.explain(0)
    assert _label(make_term(9, rng)) in table.index
    assert all(isinstance(d, dict) for d in table["details"])


def _compiled_value(roster, problem, a):
    """The compiled kernels' own value of ``a`` (None when some term cannot be compiled)."""
    from groupmatch.engine.construct import components_of
    from groupmatch.engine.count import improve_counts
    from groupmatch.engine.local import prepare

    local = prepare(components_of(problem, roster), roster.n)
    if local is None:
        return None
    if local.kind == "dense":  # Σ over same-group pairs of the packed distance matrix
        same = a[:, None] == a[None, :]
        return int(np.triu(np.where(same, local.args["D"], 0), 1).sum())
    run = improve_counts(a, problem.lo, problem.hi, **local.args, **(local.rule_args or {}),
                         max_work=0, time_limit=float("inf"))  # scores the start only
    return run.value


@pytest.mark.parametrize("make_term", SOFT_TERMS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9))
def test_compiled_encoding_equals_numpy_score(make_term, seed, n):
    roster, spec, a = _soft_case(make_term, seed, n)
    terms = spec.terms
    if any(getattr(t, "is_floor", False) for t in terms):
        return  # the worst-group floor reaches the kernels as a bound, not as a score
    compiled = _compiled_value(roster, spec.problem(roster), a)
    if compiled is None:  # terms the kernels cannot compile go to CP-SAT windows
        return
    total = gm.score(roster, spec, a)["total"]
    if any(getattr(t, "tier", None) == "need" for t in terms):
        # a need rule is graded in the kernels (a slope to descend): never above the exact
        # score, and zero exactly where every instance holds
        assert compiled <= total and (compiled == 0) == (total == 0)
    else:
        assert compiled == total
