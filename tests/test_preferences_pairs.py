"""Pair wishes (issue 16): gm.PreferTogether / gm.PreferApart on the exact model, the compiled
search and in facilitated splits, with tiers, bad input and the term contract."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import groupmatch as gm
from groupmatch.engine.construct import components_of
from groupmatch.engine.count import improve_counts
from groupmatch.engine.cpsat import build
from groupmatch.engine.local import prepare


def _roster(departments, **lists):
    n = len(departments)
    return gm.Roster.from_frame(pd.DataFrame({"id": [f"p{i}" for i in range(n)],
                                              "department": list(departments), **lists}))


def _kept(g, column):
    report = gm.preference_report(g, column)
    return int(report.loc["kept", "count"]), int(report.loc["wishes", "count"])


def test_exact_model_grants_every_wish_when_it_can():
    # four mutual pairs from one department each: granting a pair (2 wishes) beats the one
    # differing pair a mixed group of two would add
    roster = _roster("xxyyzzww", buddy=["p1", "p0", "p3", "p2", "p5", "p4", "p7", "p6"])
    spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department"), gm.PreferTogether("buddy")])
    g = gm.solve(roster, spec, time_limit=5, method="exact", deterministic=True)
    assert g.status is gm.Status.OPTIMAL
    assert g.objective == 8 and _kept(g, "buddy") == (8, 8)
    assert gm.score(roster, spec, g)["total"] == g.objective
    details = g.explain(0).loc["prefer_together[buddy]", "details"]
    assert details == {"wishes": 2, "kept": 2, "broken": []}


def test_wishes_on_a_sensitive_column_name_nobody():
    df = pd.DataFrame({"id": [f"p{i}" for i in range(4)], "avoid": ["p1", "", "", ""]})
    roster = gm.Roster.from_frame(df, sensitive=["avoid"])
    spec = gm.PeerGroups(size=2, terms=[gm.PreferApart("avoid", tier="need")])
    g = gm.solve(roster, spec, time_limit=2)
    assert g.violated_needs.empty and g.assignment_array()[0] != g.assignment_array()[1]
    hard = gm.PeerGroups(size=2, terms=[gm.PreferApart("avoid", tier="must")])
    [v] = gm.check(roster, hard, [0, 0, 1, 1])
    assert "p0" not in v.message and "p1" not in v.message and "not kept" in v.message
    with pytest.raises(gm.InputError, match="sensitive"):
        gm.preference_report(g, per_person=True)
    assert len(gm.preference_report(g, per_person=True, include_sensitive=True)) == 4


def test_need_tier_comes_before_the_objectives_and_want_does_not():
    # granting p0's wish (both in department x) forces two unmixed pairs: diversity 1 vs 3
    roster = _roster("xxxyyy", buddy=["p1", "", "", "", "", ""])
    got = {}
    for tier in ("want", "need"):
        spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department"),
                                            gm.PreferTogether("buddy", tier=tier)])
        g = gm.solve(roster, spec, time_limit=5, method="exact", deterministic=True)
        assert gm.score(roster, spec, g)["total"] == g.objective
        got[tier] = (_kept(g, "buddy")[0], g.breakdown["diversity[department]"])
    assert got == {"want": (0, 3), "need": (1, 1)}


def test_must_tier_is_a_hard_rule_for_both_terms():
    roster = _roster("xxxyyy", buddy=["p1", "", "", "", "", ""], avoid=["", "", "", "p4", "", ""])
    spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department"),
                                        gm.PreferTogether("buddy", tier="must"),
                                        gm.PreferApart("avoid", tier="must")])
    g = gm.solve(roster, spec, time_limit=5, deterministic=True)
    a = g.assignment_array()
    assert a[0] == a[1] and a[3] != a[4]
    broken = gm.check(roster, spec, [0, 1, 0, 2, 2, 1])  # p0 without p1, p3 with p4
    assert sorted(v.rule for v in broken) == ["prefer_apart[avoid]", "prefer_together[buddy]"]


def _wish_org(n, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"p{i}" for i in range(n)]
    buddy = [ids[i ^ 1] for i in range(n)]  # mutual pairs (p0, p1), (p2, p3), ...
    avoid = [";".join(ids[j] for j in rng.choice(n, 2, replace=False) if j not in (i, i ^ 1))
             for i in range(n)]  # never one's own buddy: both wishes can hold
    return gm.Roster.from_frame(pd.DataFrame({
        "id": ids, "department": rng.choice(list("abcdef"), n), "level": rng.choice(list("xyz"), n),
        "buddy": buddy, "avoid": avoid}))


@pytest.fixture(scope="module")
def searched():
    roster = _wish_org(400)
    spec = gm.PeerGroups(size=(5, 6), terms=[
        gm.Diversity("department"), gm.Diversity("level"),
        gm.PreferTogether("buddy", weight=5), gm.PreferApart("avoid", tier="need")])
    g = gm.solve(roster, spec, time_limit=3, method="search", deterministic=True)
    return roster, spec, g


def test_the_compiled_search_grants_and_keeps_apart_at_scale(searched):
    roster, spec, g = searched
    assert g.settings["local"] == "counts"  # the compiled kernel carried the search
    kept, wishes = _kept(g, "buddy")
    assert kept >= 0.8 * wishes  # random groups of 5-6 would grant about 1 in 80
    kept, wishes = _kept(g, "avoid")
    assert kept == wishes  # random groups would put about 9 of these pairs together
    assert gm.score(roster, spec, g)["total"] == g.objective
    assert gm.check(roster, spec, g) == []


def test_report_per_person_and_by_column(searched):
    roster, spec, g = searched
    per_person = gm.preference_report(g, "buddy", per_person=True)
    assert len(per_person) == roster.n and per_person["wishes"].sum() == roster.n
    by = gm.preference_report(g, "buddy", by="department")
    assert by["people"].sum() == roster.n and by["kept"].sum() == per_person["kept"].sum()
    assert all(t == f"{k} of {w}" for t, k, w in zip(by["kept_of_wishes"], by["kept"],
                                                      by["wishes"], strict=True))


def test_facilitated_splits_keep_wishes_of_mentees():
    ids = ["f1", "f2", *(f"m{k}" for k in range(8))]
    buddy = ["", "", *(f"m{(k + 4) % 8}" for k in range(8))]  # m0-m4, m1-m5, ... mutual
    df = pd.DataFrame({"id": ids, "role": ["mentor"] * 2 + ["mentee"] * 8,
                       "expertise": ["a", "a"] + [""] * 8, "needs": ["", ""] + ["a"] * 8,
                       "department": list("xxxxxyyyyy"), "buddy": buddy})
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=(4, 4), capacity=(1, 4), terms=[
        gm.Diversity("department"), gm.PreferTogether("buddy", weight=3)])
    g = gm.solve(roster, spec, time_limit=3, deterministic=True)
    assert gm.check(roster, spec, g) == []
    assert gm.score(roster, spec, g)["total"] == g.objective
    assert g.breakdown["prefer_together[buddy]"] == 3 * 8  # weight x wishes granted


def test_unknown_and_self_ids_are_clear():
    roster = _roster("xy", buddy=["p1;ghost", ""], me=["p0", ""])
    spec = gm.PeerGroups(size=2, terms=[gm.PreferTogether("buddy")])
    with pytest.raises(gm.InputError, match=r"1 id\(s\) that are not in the roster \('ghost'\)"):
        gm.solve(roster, spec, time_limit=1)
    lenient = gm.PeerGroups(size=2, terms=[gm.PreferTogether("buddy", unknown="ignore")])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        g = gm.solve(gm.Roster.from_frame(roster.frame), lenient, time_limit=1)
    assert any("ghost" in str(w.message) for w in seen)
    assert _kept(g, "buddy") == (1, 1)  # the wish for p1 stays, the unknown one is dropped
    with pytest.raises(gm.InputError, match="lists themself"):
        gm.solve(roster, gm.PeerGroups(size=2, terms=[gm.PreferApart("me")]), time_limit=1)
    with pytest.raises(gm.InputError, match="categorical column"):
        gm.solve(roster, gm.PeerGroups(size=2, terms=[gm.PreferApart("department")]),
                 time_limit=1)
    with pytest.raises(gm.InputError, match="unknown"):
        gm.PreferTogether("buddy", unknown="skip")


# -- the term contract -----------------------------------------------------------------------
TERMS = [
    lambda: gm.PreferTogether("buddy", weight=2),
    lambda: gm.PreferApart("avoid", tier="need"),
    lambda: [gm.Diversity("department"), gm.PreferTogether("buddy"), gm.PreferApart("avoid")],
]


def _case(seed, n, make):
    rng = np.random.default_rng(seed)
    ids = [f"p{i}" for i in range(n)]

    def lists():
        return [";".join(ids[j] for j in rng.choice(n, int(rng.integers(0, 3)), replace=False)
                         if j != i) for i in range(n)]

    roster = gm.Roster.from_frame(pd.DataFrame({
        "id": ids, "department": rng.choice(list("ab"), n), "buddy": lists(), "avoid": lists()}))
    made = make()
    terms = made if isinstance(made, list) else [made]
    n_groups = max(1, n // 3)
    spec = gm.PeerGroups(size=(1, n), groups=n_groups, terms=terms)
    a = np.arange(n) % n_groups
    rng.shuffle(a)
    return roster, spec, a


@pytest.mark.parametrize("make", TERMS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 10))
def test_numpy_score_equals_cpsat_and_the_compiled_search(make, seed, n):
    roster, spec, a = _case(seed, n, make)
    problem = spec.problem(roster)
    built = build(roster, problem, np.arange(n), np.arange(problem.n_groups), enforce=False)
    for i, g in enumerate(a.tolist()):
        built.model.add(built.x[i, g] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    total = gm.score(roster, spec, a)["total"]
    assert int(round(solver.objective_value)) == total
    local = prepare(components_of(problem, roster), roster.n)
    assert local is not None and local.kind == "counts"
    run = improve_counts(a, problem.lo, problem.hi, **local.args, **(local.rule_args or {}),
                         max_work=0, time_limit=float("inf"))
    assert run.value == total
