"""Defaults that match what people expect (issue 14): even group sizes, numbers in the user's
units, each term against chance and its bound, and the explain summary reading the term's column.
"""

import itertools
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model

import groupmatch as gm
from groupmatch.engine.cpsat import build
from groupmatch.explain import TermBelowRandomWarning, term_report
from groupmatch.terms.baseline import random_expectation


def _people(n, seed=0, **extra):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "id": [f"p{i}" for i in range(n)],
        "department": rng.choice(["eng", "ops", "hr", "sales"], n),
        "tenure_years": np.round(rng.random(n) * 12, 1),
        **extra,
    })


# ------------------------------------------------------------------------ even group sizes
def test_1010_people_in_4_to_6_make_202_groups_of_5():  # issue 14
    roster = gm.Roster.from_frame(_people(1010))
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")])
    g = gm.solve(roster, spec, time_limit=2, random_state=0).raise_for_status()
    assert g.groups["size"].value_counts().to_dict() == {5: 202}
    assert g.settings["sizes"] == "5"
    assert gm.check(roster, spec, g) == []


def test_uneven_sizes_are_an_explicit_choice():
    even = gm.PeerGroups(size=(4, 6)).solve_bounds(1010)
    free = gm.PeerGroups(size=(4, 6), even=False).solve_bounds(1010)
    assert [(set(lo.tolist()), set(hi.tolist())) for lo, hi in even] == [({5}, {5}),
                                                                        ({4}, {6})]
    assert [(set(lo.tolist()), set(hi.tolist())) for lo, hi in free] == [({4}, {6})]


def test_the_range_stays_the_rule_for_check_and_score():
    roster = gm.Roster.from_frame(_people(10))
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")])
    uneven = [0] * 4 + [1] * 6
    assert gm.check(roster, spec, uneven) == []
    g = gm.solve(roster, spec, time_limit=2)
    assert g.groups["size"].tolist() == [5, 5]
    summary = g.explain(0).attrs["summary"]  # 5 of 4-6: the size rule does not bind
    assert "Rule SizeBounds holds." in summary and "nan" not in summary


@pytest.mark.parametrize("n, size, groups, expected", [
    (23, (4, 6), None, "5 groups of 4-5"),  # mean 4.6 beats 5.75 for the middle, 5
    (10, (2, 5), 3, "3 groups of 3-4"),
    (12, (3, 5), None, "3 groups of 4-4"),
    (4, (2, 4), None, "1 groups of 4-4"),  # mean 4 and mean 2 tie: fewer groups
    (7, (2, 4), None, "2 groups of 3-4"),
])
def test_group_count_and_even_bounds(n, size, groups, expected):
    lo, hi = gm.PeerGroups(size=size, groups=groups).solve_bounds(n)[0]
    assert len(set(lo.tolist())) == len(set(hi.tolist())) == 1
    assert f"{len(lo)} groups of {lo[0]}-{hi[0]}" == expected
    assert size[0] <= lo[0] and hi[0] <= size[1] and hi[0] - lo[0] <= 1


def test_every_count_in_range_has_an_even_split():
    for n, (a, c) in itertools.product(range(1, 60), [(2, 3), (3, 5), (4, 6), (5, 5)]):
        try:
            steps = gm.PeerGroups(size=(a, c)).solve_bounds(n)
        except gm.InputError:
            assert not any(k * a <= n <= k * c for k in range(1, n + 1))
            continue
        lo, hi = steps[0]
        sizes = np.full(len(lo), n // len(lo))
        sizes[: n % len(lo)] += 1
        assert (lo <= sizes).all() and (sizes <= hi).all() and hi[0] - lo[0] <= 1
        assert a <= lo.min() and hi.max() <= c
        assert (steps[-1][0] == a).all() and (steps[-1][1] == c).all()  # ends at the range


def test_per_group_ranges_are_kept_as_given():
    sizes = [(2, 2), (3, 5), (1, 6)]
    for even in (True, False):
        p = gm.PeerGroups(size=sizes, even=even).resolve(9)
        assert p.lo.tolist() == [2, 3, 1] and p.hi.tolist() == [2, 5, 6]


def test_sizes_widen_when_the_rules_prove_even_ones_impossible():
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdefgh")}))
    rule = gm.MustGroup([("a", "b"), ("b", "c"), ("c", "d")])  # a-d together: a group of 4+
    spec = gm.PeerGroups(size=(1, 5), terms=[rule])  # 8 people: 3 groups of 2-3 first
    g = gm.solve(roster, spec, time_limit=5).raise_for_status()
    assert g.settings["sizes"] == "1-4"  # 2-3 proved impossible, then 1-4 holds
    assert max(g.groups["size"]) == 4 and gm.check(roster, spec, g) == []


def test_no_solution_with_even_sizes_says_how_to_widen():
    from groupmatch.modes.peer.solve import _even_hint

    spec = gm.PeerGroups(size=(4, 6))
    problem = spec.resolve(1010)
    attempt = problem.with_bounds(*spec.solve_bounds(1010)[0])
    assert "(5 within 4-6); PeerGroups(..., even=False)" in _even_hint(problem, attempt)
    assert _even_hint(problem, problem) == ""


def test_even_and_balance_are_flags():
    with pytest.raises(gm.InputError, match="even"):
        gm.PeerGroups(even="no")
    with pytest.raises(gm.InputError, match="balance"):
        gm.PeerGroups(balance=1)


# ------------------------------------------------------------------ the user's units
@pytest.fixture(scope="module")
def fractional():
    """Diversity on department (weight 3) and tenure (the README's 0.125): scale 8 inside."""
    df = _people(12, seed=3)
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=(3, 4), terms=[gm.Diversity("department", weight=3),
                                             gm.Diversity("tenure_years", weight=0.125)])
    return roster, spec


def _by_hand(roster, spec, a):
    """3 × differing department pairs + 0.125 × Σ (q_i - q_j)² over pairs, with the documented
    quantisation (standardised, rounded to half standard deviations)."""
    frame = roster.frame
    t = frame["tenure_years"].to_numpy(float)
    q = np.rint((t - t.mean()) / t.std() * 2)
    dept = frame["department"].to_numpy()
    d = s = 0
    for i, j in itertools.combinations(range(roster.n), 2):
        if a[i] == a[j]:
            d += dept[i] != dept[j]
            s += (q[i] - q[j]) ** 2
    return {"diversity[department]": 3 * d, "diversity[tenure_years]": 0.125 * s,
            "total": 3 * d + 0.125 * s}


def test_score_is_in_the_users_units(fractional):
    roster, spec = fractional
    a = np.arange(12) % 3
    assert gm.score(roster, spec, a) == pytest.approx(_by_hand(roster, spec, a))
    integral = gm.PeerGroups(size=(3, 4), terms=[gm.Diversity("department", weight=3)])
    assert all(isinstance(v, int) for v in gm.score(roster, integral, a).values())


def test_grouping_reports_the_users_units(fractional):
    roster, spec = fractional
    events = []
    g = gm.solve(roster, spec, time_limit=5, progress=events.append).raise_for_status()
    a = g.assignment_array()
    hand = _by_hand(roster, spec, a)
    assert g.objective == gm.score(roster, spec, a)["total"] == pytest.approx(hand["total"])
    assert dict(g.breakdown) == pytest.approx({k: v for k, v in hand.items() if k != "total"})
    assert g.weights == {"diversity[department]": 3, "diversity[tenure_years]": 0.125}
    assert g.groups["group_score"].sum() == pytest.approx(g.objective)
    assert g.bound >= g.objective and g.bound < 8 * g.objective  # not CP-SAT's integers
    assert max(e["objective"] for e in events if e["objective"] is not None) \
        == pytest.approx(g.objective)
    table = g.explain(0)
    assert table.loc["diversity[tenure_years]", "weight"] == 0.125
    contributions = sum(g.explain(k)["contribution"].sum() for k in range(len(g.groups)))
    assert contributions == pytest.approx(g.objective)
    assert gm.compare(g, a).loc["objective", "a"] == pytest.approx(g.objective)


def test_cpsat_maximises_the_same_objective_times_the_scale(fractional):
    roster, spec = fractional
    a = np.arange(12) % 3
    problem = spec.problem(roster)
    built = build(roster, problem, np.arange(12), np.arange(problem.n_groups))
    for i, k in enumerate(a.tolist()):
        built.model.add(built.x[i, k] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert problem.scale == 8
    assert round(solver.objective_value) == problem.objective(roster, a) \
        == 8 * gm.score(roster, spec, a)["total"]


def test_a_fractional_floor_weight_is_applied_as_given():
    df = pd.DataFrame({"id": list("abcdef"), "department": list("xxyyzz")})
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department", weight=0.5),
                                        gm.WorstGroupFloor(weight=0.5)])
    a = np.array([0, 0, 1, 2, 1, 2])  # group 0 alike (0), groups 1 and 2 mixed (1 each)
    score = gm.score(roster, spec, a)
    assert score["diversity[department]"] == 0.5 * 2
    assert score["worst_group"] == 0.5 * (0.5 * 0)
    b = np.array([0, 1, 0, 2, 1, 2])  # every group mixed: worst group scores 0.5
    assert gm.score(roster, spec, b) == {"diversity[department]": 1.5, "worst_group": 0.25,
                                         "total": 1.75}


# ------------------------------------------------------------ terms against chance and bound
def test_random_expectation_is_exact_for_pair_terms():
    df = pd.DataFrame({"id": list("abcdef"), "department": list("xxyyyz"),
                       "needs": ["a;b", "a", "b", "a;b", "", "b"]})
    roster = gm.Roster.from_frame(df)
    sizes = [2, 4]
    distances = np.random.default_rng(0).integers(-3, 9, (6, 6))
    met = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 1, 1, 0, 1]})
    for term in (gm.Diversity("department"), gm.SharedNeeds(), gm.AvoidRepeats(met, weight=2),
                 gm.PairwiseDiversity(distances + distances.T)):
        values = []
        for first in itertools.combinations(range(6), 2):  # every grouping into sizes 2 and 4
            a = np.ones(6, dtype=np.int64)
            a[list(first)] = 0
            values.append(int(term.group_values(roster, a, 2).sum()))
        assert random_expectation(term, roster, sizes) == pytest.approx(np.mean(values))


def test_term_report_row():
    df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
    g = gm.solve(gm.Roster.from_frame(df),
                 gm.PeerGroups(size=3, terms=[gm.Diversity("department", weight=2)]))
    row = term_report(g).loc["diversity[department]"]
    # 9 of 15 pairs differ; groups of 3 hold 6 of the 15 pairs: 9 * 6 / 15 = 3.6 by chance
    assert row["weight"] == 2 and row["value"] == 4 and row["contribution"] == 8
    assert row["random_expected"] == pytest.approx(3.6)
    assert row["bound"] == 4 and row["of_range"] == pytest.approx(1.0)
    assert row["vs_random"] == pytest.approx(0.4) and row["share_of_objective"] == 1.0
    assert not row["below_random"]


def test_term_report_samples_other_terms_with_a_fixed_seed():
    df = _people(30, seed=1)
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"),
                                             gm.MinDistinct("department", 3, tier="want")])
    g = gm.solve(roster, spec, time_limit=1, random_state=0)
    first, again = term_report(g), term_report(g)
    row = first.loc["min_distinct[department]"]
    assert row["bound"] == 0 and row["random_expected"] < 0
    pd.testing.assert_frame_equal(first, again)


def test_term_report_is_fast_at_10k_people():
    n = 10_000
    rng = np.random.default_rng(0)
    df = _people(n, needs=[";".join(rng.choice(list("abcdefgh"), 2, replace=False))
                           for _ in range(n)])
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=(4, 6), terms=[
        gm.Diversity("department"), gm.Diversity("tenure_years"), gm.SharedNeeds(),
        gm.NoIsolation("department", tier="want")])
    groups = np.arange(n) % 2000
    g = spec.evaluated(roster, pd.DataFrame({"id": df["id"], "group": groups}), {})
    t = time.perf_counter()
    table = term_report(g)
    assert time.perf_counter() - t < 10
    assert table["random_expected"].notna().all()


@pytest.fixture(scope="module")
def drowned():
    """Needs follow gender exactly. With equal weights, groups by needs score 72 shared pairs
    and no gender mix; groups of 2 F + 2 M score 24 + 24: shared needs drown diversity."""
    n = 24
    gender = np.array(["F", "M"] * (n // 2))
    df = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "gender": gender,
                       "needs": np.where(gender == "F", "python;sql", "negotiation;budget")})
    roster = gm.Roster.from_frame(df)
    terms = [gm.SharedNeeds(), gm.Diversity("gender")]
    return roster, terms


def test_a_drowned_diversity_term_warns(drowned):
    roster, terms = drowned
    with pytest.warns(TermBelowRandomWarning, match=r"diversity\[gender\] ended below a random"):
        g = gm.solve(roster, gm.PeerGroups(size=4, terms=terms), time_limit=3)
    row = term_report(g).loc["diversity[gender]"]
    assert row["below_random"] and row["value"] < row["random_expected"]
    assert term_report(g).loc["shared[needs]", "share_of_objective"] > 0.9
    assert any(line.startswith("warning: diversity[gender] ended below")
               for line in g.spec.summary_lines(g))


def test_balance_weighs_terms_by_their_ranges(drowned):
    roster, terms = drowned
    spec = gm.PeerGroups(size=4, terms=terms, balance=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = gm.solve(roster, spec, time_limit=3)
    assert not any(str(w.message).startswith("diversity[gender]") for w in caught)
    sizes = np.full(6, 4)
    problem = spec.problem(roster)
    for term in terms:  # documented: weight / (bound - random expectation)
        span = term.upper_bound(roster, problem.lo, problem.hi) \
            - random_expectation(term, roster, sizes)
        assert g.weights[term.label] == pytest.approx(term.weight / span, rel=1e-3)
    # shared needs: random 34.4, bound 72; gender mix: random 18.8, bound 24. Balanced, the
    # 2 F + 2 M groups win (24/37.6 + 24/5.2 against 72/37.6): diversity reaches its bound
    report = term_report(g)
    assert report.loc["diversity[gender]", "of_range"] == pytest.approx(1.0)
    assert gm.score(roster, spec, g)["total"] == g.objective


def test_pairwise_diversity_bound_holds_for_every_grouping():
    d = np.random.default_rng(1).integers(-5, 20, (7, 7))
    term = gm.PairwiseDiversity(d + d.T)
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdefg")}))
    lo, hi = np.array([2, 2]), np.array([3, 5])
    bound = term.upper_bound(roster, lo, hi)
    best = max(int(term.group_values(roster, np.array(a), 2).sum())
               for a in itertools.product(range(2), repeat=7)
               if 2 <= a.count(0) <= 3 and 2 <= a.count(1) <= 5)
    assert best <= bound
    assert term.pair_total(roster, np.arange(7)) == \
        int(term.group_values(roster, np.zeros(7, dtype=np.int64), 1)[0])


# ------------------------------------------------------------ explain reads the term's column
def test_explain_summary_reads_the_column_the_term_uses():
    df = pd.DataFrame({
        "id": [f"p{i}" for i in range(6)],
        "needs": ["x", "x", "x", "y", "y", "y"],
        "interests": ["chess;go", "chess", "go", "chess;go", "go", "chess"],
    })
    roster = gm.Roster.from_frame(df, multi=["needs", "interests"])
    spec = gm.PeerGroups(size=3, terms=[gm.SharedNeeds(column="interests")])
    g = gm.solve(roster, spec, time_limit=5).raise_for_status()
    summary = g.explain(0).attrs["summary"]
    assert "Shared interests:" in summary and "learning needs" not in summary
    person = g.explain_person("p0").attrs["summary"]
    assert "Shares interests with group-mates" in person
    assert "needs with group-mates" not in person
