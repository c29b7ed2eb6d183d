"""History across rounds: AvoidRepeats (hard and weighted), plan_rounds, plan_sessions."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import groupmatch as gm
from groupmatch.engine.cpsat import build

from strategies import problems


def _ids(n):
    return [f"e{i}" for i in range(n)]


def _random_history(n, rounds, size, rng):
    frames = []
    for r in range(rounds):
        groups = np.arange(n) // size
        rng.shuffle(groups)
        frames.append(pd.DataFrame({"id": _ids(n), "group": groups, "round": r}))
    return pd.concat(frames, ignore_index=True)


def _pairs_together(ids, groups):
    out = set()
    by_group: dict = {}
    for i, g in zip(ids, groups, strict=True):
        by_group.setdefault(g, []).append(i)
    for members in by_group.values():
        out |= {frozenset(p) for p in itertools.combinations(members, 2)}
    return out


# ------------------------------------------------------------------------- history and pairs
def test_met_pairs_counts_every_shared_round_and_group():
    r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    r2 = pd.DataFrame({"id": list("abcd"), "group": ["x", "x", "x", None]})
    out = gm.met_pairs([r1, r2]).set_index(["id_a", "id_b"])["times"].to_dict()
    assert out == {("a", "b"): 2, ("a", "c"): 1, ("b", "c"): 1, ("c", "d"): 1}


def test_history_round_column_and_grouping_input():
    long = pd.DataFrame({"id": list("abab"), "group": [0, 0, 5, 5], "round": [1, 1, 2, 2]})
    assert gm.met_pairs(long)["times"].tolist() == [2]
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
    g = gm.solve(roster, gm.PeerGroups(size=2))
    assert gm.met_pairs(g)["times"].sum() == 2
    with pytest.raises(gm.InputError, match="'id' and 'group'"):
        gm.met_pairs(pd.DataFrame({"who": ["a"]}))


def test_people_no_longer_in_the_roster_are_ignored():
    roster = gm.Roster.from_frame(pd.DataFrame({"id": ["a", "b", "c"]}))
    hist = pd.DataFrame({"id": ["a", "b", "gone", "c"], "group": [0, 0, 0, 1]})
    pairs, times = gm.AvoidRepeats(hist).pairs_and_times(roster)
    assert pairs.tolist() == [[0, 1]] and times.tolist() == [1]


def test_bad_weight_and_impossible_history_are_reported():
    with pytest.raises(gm.InputError, match="weight"):
        gm.AvoidRepeats(None, weight=0)
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
    everyone = pd.DataFrame({"id": list("abcd"), "group": 0})
    spec = gm.PeerGroups(size=2, terms=[gm.AvoidRepeats(everyone)])
    with pytest.raises(gm.InfeasibleError, match="already met 3"):
        gm.solve(roster, spec).raise_for_status()


# --------------------------------------------------------------------------- hard property
@settings(max_examples=15, deadline=None)
@given(problem=problems(min_n=6, max_n=10), seed=st.integers(0, 1000),
       rounds=st.integers(1, 2))
def test_hard_avoid_repeats_no_pair_meets_again(problem, seed, rounds):
    roster, spec = problem
    rng = np.random.default_rng(seed)
    hist = _random_history(roster.n, rounds, 4, rng)
    hard = spec.with_terms(gm.AvoidRepeats(hist))
    try:
        g = gm.solve(roster, hard, time_limit=2, deterministic=True)
    except gm.InfeasibleError:  # the counting pre-check proved it: nothing to check
        return
    if not g.status.has_solution:
        return  # the history may leave no valid grouping; nothing to check then
    assert gm.check(roster, hard, g) == []
    met = set()
    for _, frame in hist.groupby("round"):
        met |= _pairs_together(frame["id"], frame["group"])
    now = _pairs_together(g.assignments["id"], g.assignments["group"].tolist())
    assert not (now & met)


def test_check_names_the_repeated_pair():
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
    hist = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    spec = gm.PeerGroups(size=2, terms=[gm.AvoidRepeats(hist)])
    broken = gm.check(roster, spec, [0, 0, 1, 1])
    assert [v.rule for v in broken] == ["avoid_repeats", "avoid_repeats"]
    assert "a and b already met" in broken[0].message
    assert gm.check(roster, spec, [0, 1, 0, 1]) == []


# --------------------------------------------------------------------------- weighted (soft)
def _cpsat_value(roster, spec, a):
    problem = spec.resolve(roster.n)
    built = build(roster, problem, np.arange(roster.n), np.arange(problem.n_groups),
                  enforce=False)
    for i, g in enumerate(a.tolist()):
        built.model.add(built.x[i, g] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    return int(round(solver.objective_value))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 10), rounds=st.integers(1, 3))
def test_weighted_repeats_numpy_equals_cpsat(seed, n, rounds):
    rng = np.random.default_rng(seed)
    roster = gm.Roster.from_frame(pd.DataFrame({"id": _ids(n),
                                                "department": rng.choice(list("xy"), n)}))
    hist = _random_history(n, rounds, 3, rng)
    spec = gm.PeerGroups(size=(1, n), groups=max(1, n // 3), terms=[
        gm.AvoidRepeats(hist, weight=3), gm.Diversity("department")])
    a = np.arange(n) % spec.groups
    rng.shuffle(a)
    assert _cpsat_value(roster, spec, a) == gm.score(roster, spec, a)["total"]


def test_weighted_repeats_cost_more_the_more_often_people_met():
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef")}))
    r1 = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    r2 = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 1, 1, 2, 2]})
    spec = gm.PeerGroups(size=3, terms=[gm.AvoidRepeats([r1, r2], weight=2)])
    # a-b met twice (cost 2 each), a-c, b-c met once: group {a, b, c} costs 2 + 1 + 1 = 4
    assert gm.score(roster, spec, [0, 0, 0, 1, 1, 1])["total"] == -2 * (4 + 4)
    g = gm.solve(roster, spec, time_limit=5)
    assert g.status.name == "OPTIMAL" and g.objective == -2 * 2  # one once-met pair per group
    assert g.explain(0).loc["avoid_repeats", "details"]["earlier_meetings"] == 1


# ---------------------------------------------------------------------------- plan_rounds
def test_worked_example_32_people_groups_of_4_five_rounds_no_repeats():
    roster = gm.Roster.from_frame(pd.DataFrame({"id": [f"p{i:02d}" for i in range(32)]}))
    plan = gm.plan_rounds(roster, gm.PeerGroups(size=4), rounds=5, time_limit=2,
                          deterministic=True, random_state=0)
    assert plan.repeated_pairs == 0 and plan.strict == (True,) * 5
    assert (plan.people["met"] == 15).all()  # 3 new people in each of 5 rounds
    seen: set = set()
    for g in plan.rounds:
        assert gm.check(roster, gm.PeerGroups(size=4), g) == []
        now = _pairs_together(g.assignments["id"], g.assignments["group"].tolist())
        assert not (now & seen)
        seen |= now
    again = gm.plan_rounds(roster, gm.PeerGroups(size=4), rounds=5, time_limit=2,
                           deterministic=True, random_state=0)
    assert again.assignments.equals(plan.assignments)  # deterministic


def test_stuck_round_falls_back_to_fewest_repeats():
    # 8 people in groups of 4: a second round must reunite at least two pairs per group.
    roster = gm.Roster.from_frame(pd.DataFrame({"id": _ids(8)}))
    plan = gm.plan_rounds(roster, gm.PeerGroups(size=4), rounds=2, time_limit=2,
                          deterministic=True)
    assert plan.strict == (True, False)
    assert plan.repeated_pairs == 4  # 2 + 2 from each old group, the fewest possible
    assert set(plan.repeats["times"]) == {2}
    assert (plan.people["met_again"] == 1).all()


def test_plan_rounds_counts_history_and_keeps_spec_rules():
    df = gm.datasets.make_organization(40, random_state=1)
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=(4, 5), terms=[gm.Diversity("department"), gm.NotWithManager()])
    first = gm.solve(roster, spec, time_limit=1, deterministic=True)
    plan = gm.plan_rounds(roster, spec, rounds=2, history=first, time_limit=1,
                          deterministic=True)
    assert plan.repeated_pairs == 0
    for g in plan.rounds:
        assert gm.check(roster, spec, g) == []
    with pytest.raises(gm.InputError, match="history"):
        gm.plan_rounds(roster, spec.with_terms(gm.AvoidRepeats(first)), rounds=1)


# --------------------------------------------------------------------------- plan_sessions
def _facilitators():
    return gm.Roster.from_frame(pd.DataFrame({
        "id": ["ana", "ben", "cy", "dee", "eli"],
        "expertise": ["sql;python", "sql", "python;ml", "ml", "sql;ml"],
        "mentor_capacity_groups": [2, 1, 2, 2, 1],
    }))


def _calendar():
    months = [f"2026-{m:02d}" for m in range(1, 7)]
    topics = ["sql", "python", "ml", "sql", "ml", "python"]
    return pd.DataFrame({
        "group": ["g1"] * 6 + ["g2"] * 6, "date": months * 2, "topic": topics + topics[::-1],
        "note": range(12),
    })


def test_plan_sessions_matches_topics_and_spreads_load():
    roster, cal = _facilitators(), _calendar()
    out = gm.plan_sessions(cal, roster, max_sessions=3)
    assert out[["group", "date", "topic", "note"]].equals(cal[["group", "date", "topic", "note"]])
    skills = dict(zip(roster.ids, roster.frame["expertise"], strict=True))
    assert all(t in skills[f].split(";") for t, f in zip(out["topic"], out["facilitator"],
                                                         strict=True))
    loads = out["facilitator"].value_counts()
    assert loads.max() == 3 and loads.sum() == 12  # 12 sessions, 5 people, cap 3: max 3
    assert not out.duplicated(["date", "facilitator"]).any()  # per_date=1
    served = out.groupby("facilitator")["group"].nunique()
    caps = dict(zip(roster.ids, roster.capacity_groups.tolist(), strict=True))
    assert all(served[f] <= caps[f] for f in served.index)  # max_groups from the roster
    assert out.attrs["loads"]["sessions"].sum() == 12


def test_plan_sessions_outside_facilitators_and_errors():
    roster, cal = _facilitators(), _calendar()
    members = pd.DataFrame({"id": ["ana", "cy"], "group": ["g1", "g2"]})
    out = gm.plan_sessions(cal, roster, members=members, max_groups=None)
    assert "ana" not in set(out.loc[out["group"] == "g1", "facilitator"])
    assert "cy" not in set(out.loc[out["group"] == "g2", "facilitator"])
    bad = cal.assign(topic=["law"] + cal["topic"].tolist()[1:])
    with pytest.raises(gm.InfeasibleError, match="no eligible facilitator"):
        gm.plan_sessions(bad, roster)
    with pytest.raises(gm.InfeasibleError, match="Topic '(ml|python)' has 4 sessions"):
        gm.plan_sessions(cal, roster, max_sessions=1)
    with pytest.raises(gm.InputError, match="'group', 'date' and 'topic'"):
        gm.plan_sessions(cal.drop(columns="date"), roster)
