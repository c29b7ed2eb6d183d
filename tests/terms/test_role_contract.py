"""The role terms keep the one term contract: on any role plan, the numpy score equals the value
of the term's CP-SAT expression in a role model fixed to that plan (the same RoleContext the
modes build)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import groupmatch as gm
from groupmatch.modes.roles.plan import RolePlan
from groupmatch.terms.roles import RoleContext, RoleTerm

TOPICS = ["a", "b", "c", "d"]
ROLE_TERMS = [gm.BalanceLoad(), gm.GoalCoverage(weight=2), gm.MentorOutsideDepartment(),
              gm.DistinctSpecialities()]


def _roster(rng, n):
    def topics():
        return ";".join(rng.choice(TOPICS, int(rng.integers(0, 3)), replace=False))

    return gm.Roster.from_frame(pd.DataFrame({
        "id": [f"p{i}" for i in range(n)],
        "department": rng.choice(["x", "y", "z"], n),
        "team": [f"t{i % 4}" for i in range(n)],
        "needs": [topics() for _ in range(n)],
        "expertise": [topics() for _ in range(n)],
    }))


def _plan(rng, roster):
    """Teams as groups, each with 1-2 mentors from outside it."""
    codes = np.asarray(roster.team.codes)
    members, leaders = [], []
    for k in range(len(roster.team.categories)):
        rows = np.flatnonzero(codes == k)
        outside = np.flatnonzero(codes != k)
        members.append(rows)
        leaders.append(np.sort(rng.choice(outside, int(rng.integers(1, 3)), replace=False)))
    return RolePlan(members, leaders)


def _fixed_context(model, roster, plan):
    """A role model whose decisions are fixed to ``plan``: picks and loads are constants."""
    expertise = np.asarray(roster.multi["expertise"].matrix, dtype=bool)
    needs = np.asarray(roster.multi["needs"].matrix, dtype=bool)
    n_groups, taken = plan.loads(roster.n)
    picks, goal = {}, np.zeros((plan.n_groups, len(roster.topics)), dtype=np.int64)
    for g in range(plan.n_groups):
        goal[g] = needs[plan.members[g]].sum(axis=0)
        picks[g] = []
        for f in range(roster.n):
            v = model.new_bool_var(f"pick[{f},{g}]")
            model.add(v == int(f in plan.leaders[g]))
            picks[g].append((f, v))
    load, load_cap = {}, {}
    for f in np.flatnonzero(n_groups > 0).tolist():
        cap = int(taken[f]) + 3
        load[f] = model.new_int_var(0, cap, f"load[{f}]")
        model.add(load[f] == int(taken[f]))
        load_cap[f] = cap
    return RoleContext(model, roster, load=load, load_cap=load_cap, picks=picks, goal=goal,
                       members=plan.members, expertise=expertise)


@pytest.mark.parametrize("term", ROLE_TERMS, ids=lambda t: t.label)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(8, 16))
def test_role_term_score_equals_its_cpsat_expression(term, seed, n):
    rng = np.random.default_rng(seed)
    roster = _roster(rng, n)
    plan = _plan(rng, roster)
    model = cp_model.CpModel()
    expr = term.encode(_fixed_context(model, roster, plan))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    cpsat = int(expr) if isinstance(expr, int) else int(solver.value(expr))
    assert cpsat == int(term.group_values(roster, plan, plan.n_groups).sum())


def test_every_public_role_term_is_in_the_contract():
    public = {type(t) for t in ROLE_TERMS}
    exported = {c for c in vars(gm).values()
                if isinstance(c, type) and issubclass(c, RoleTerm) and c is not RoleTerm}
    assert exported <= public


def test_role_terms_are_rejected_where_their_model_cannot_serve_them():
    with pytest.raises(gm.InputError, match="facilitators or mentors"):
        gm.PeerGroups(size=3, terms=[gm.BalanceLoad()])
    with pytest.raises(gm.InputError, match="does not apply to FacilitatedGroups"):
        gm.FacilitatedGroups(size=(3, 6), terms=[gm.GoalCoverage()])
