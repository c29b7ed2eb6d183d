"""Rules of the parallel layer that need no cluster: partition_by in each mode, the trade-off
curve's monotone guarantee, progress reports, pickling, and clear errors (issue 15)."""

from __future__ import annotations

import io
import pickle
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupmatch as gm
from groupmatch.parallel.jobs import travel_light
from groupmatch.parallel.progress import TextLine
from groupmatch.parallel.tradeoff import choose

SPEC = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.SharedNeeds(),
                                         gm.NotWithManager()])
LIMIT = {"time_limit": 0.2, "deterministic": True, "random_state": 0, "client": "serial"}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gm.TermBelowRandomWarning)
        yield


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return gm.datasets.make_organization(90, random_state=3)


@pytest.fixture(scope="module")
def org(people) -> gm.Roster:
    return gm.Roster.from_frame(people)


# -------------------------------------------------------------------------- partition_by
def test_a_part_that_cannot_form_groups_is_named(org):
    """Berlin (8 people) and New York (12) cannot keep NotWithManager in their groups."""
    g = gm.solve(org, SPEC, partition_by="site", **LIMIT)
    assert g.status is gm.Status.INFEASIBLE
    assert "part site=Berlin" in g.message and "part site=New York" in g.message
    assert "NotWithManager" in g.conflicts
    assert g.unplaced["id"].tolist() == org.ids.tolist()  # everybody listed, with the reason
    with pytest.raises(gm.InfeasibleError, match="site=Berlin"):
        g.raise_for_status()


def test_a_part_too_small_for_any_group_is_named():
    people = gm.datasets.make_organization(60, random_state=3)  # Singapore: 1 person
    r = gm.Roster.from_frame(people)
    g = gm.solve(r, gm.PeerGroups(size=(4, 6)), partition_by="site", **LIMIT)
    assert g.status is gm.Status.INFEASIBLE and "site=Singapore (1 people)" in g.message


def test_a_must_group_pair_across_parts_is_reported(org, people):
    a = people.loc[people["site"] == "London", "id"].iloc[0]
    b = people.loc[people["site"] == "Berlin", "id"].iloc[0]
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.MustGroup([(a, b)])])
    g = gm.solve(org, spec, partition_by="site", **LIMIT)
    assert g.status is gm.Status.INFEASIBLE and g.conflicts == ("MustGroup",)
    assert a in g.message and b in g.message and "site=London" in g.message


def test_facilitated_groups_partition_by_site(org, people):
    spec = gm.FacilitatedGroups(size=(2, 5), terms=[gm.Diversity("department")])
    g = gm.solve(org, spec, partition_by="site", **LIMIT)
    assert g.status.has_solution and gm.check(org, spec, g) == []
    site = dict(zip(people["id"], people["site"], strict=True))
    for row in g.groups.itertuples():
        assert len({site[i] for i in [*row.members, *row.facilitators]}) == 1
    assert g.objective == gm.score(org, spec, g)["total"]
    assert sorted(g.assignments["id"].unique()) == sorted(org.ids.tolist())  # nobody lost
    lost = [p["part"] for p in g.settings["partition"]["parts"]
            if p["status"] in ("no_solution", "infeasible")]
    for part in lost:  # a part where no group formed: its people keep that part's reason
        assert part in g.message
        reasons = g.unplaced["reason"]
        assert reasons.str.startswith(f"part {part}").sum() == (people["site"] == part[5:]).sum()


def test_team_mentoring_refuses_to_split_a_team(org):
    with pytest.raises(gm.InputError, match="splits team .* keeps teams whole"):
        gm.solve(org, gm.TeamMentoring(), partition_by="site", **LIMIT)


def test_partition_refuses_rules_tied_to_group_numbers(org):
    pinned = gm.PeerGroups(size=(4, 6), terms=[gm.Pin({org.ids[0]: 0})])
    with pytest.raises(gm.InputError, match="Pin.*group numbers"):
        gm.solve(org, pinned, partition_by="site", **LIMIT)
    ranges = gm.PeerGroups(size=[(4, 6)] * 18)
    with pytest.raises(gm.InputError, match="one size range for every group"):
        gm.solve(org, ranges, partition_by="site", **LIMIT)


@pytest.mark.parametrize("column, match", [
    ("nowhere", "partition_by='nowhere' is not a column"),
    (3, "partition_by must be a column name"),
])
def test_partition_by_a_missing_column_is_an_input_error(org, column, match):
    with pytest.raises(gm.InputError, match=match):
        gm.solve(org, SPEC, partition_by=column, **LIMIT)


def test_partition_by_a_column_with_gaps_is_an_input_error(people):
    gappy = people.assign(region=[None] + ["north"] * (len(people) - 1))
    r = gm.Roster.from_frame(gappy)
    with pytest.raises(gm.InputError, match="1 people have no value"):
        gm.solve(r, SPEC, partition_by="region", **LIMIT)


# ------------------------------------------------------------------------------ trade-off
@given(
    rest=st.lists(st.integers(-50, 50), min_size=1, max_size=8),
    varied=st.lists(st.integers(0, 30), min_size=8, max_size=8),
    weights=st.lists(st.integers(-5, 20), min_size=1, max_size=6),
)
def test_the_kept_grouping_of_each_weight_is_its_best_and_monotone(rest, varied, weights):
    varied = varied[: len(rest)]
    totals = {w: [r + w * v for r, v in zip(rest, varied, strict=True)] for w in weights}
    picked = choose(totals, varied)
    order = sorted(picked)
    assert [varied[picked[w]] for w in order] == sorted(varied[picked[w]] for w in order)
    for w in order:  # linear totals: the monotone choice is still each weight's optimum
        assert totals[w][picked[w]] == max(totals[w])


@given(totals=st.lists(st.lists(st.integers(-9, 9), min_size=4, max_size=4), min_size=1,
                       max_size=5),
       varied=st.lists(st.integers(0, 5), min_size=4, max_size=4))
def test_the_curve_is_monotone_even_when_totals_are_not_linear(totals, varied):
    picked = choose(dict(enumerate(totals)), varied)
    values = [varied[picked[w]] for w in sorted(picked)]
    assert values == sorted(values)


def test_tradeoff_frame(org):
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.SharedNeeds()])
    frame = gm.tradeoff(org, spec, vary=spec.terms[1], weights=[4, 0, 1], **LIMIT)
    assert frame["weight"].tolist() == [4, 0, 1]  # the order given
    by_weight = frame.sort_values("weight")
    assert by_weight["shared[needs]"].is_monotonic_increasing
    assert frame["valid"].all() and frame["efficient"].any()
    assert {"shared[needs] bound", "diversity[department] bound", "worst_group",
            "others"} <= set(frame.columns)
    assert frame.attrs["vary"] == "shared[needs]"
    assert spec.terms[1].weight == 1  # the caller's spec is untouched
    for k, g in enumerate(frame.attrs["groupings"]):
        row = frame.iloc[k]
        at = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"),
                                               gm.SharedNeeds(weight=row["weight"])])
        assert gm.score(org, at, g)["total"] == row["objective"]  # the row's weight
        assert g.term_report().loc["shared[needs]", "value"] == row["shared[needs]"]
    ax = gm.plots.tradeoff(frame)
    points = frame[["shared[needs]", "others"]].drop_duplicates()
    assert ax.get_xlabel() == "shared[needs]" and len(ax.texts) == len(points)
    ax.figure.clf()


@pytest.mark.parametrize("kwargs, match", [
    ({"vary": "unknown[term]", "weights": [1]}, "is not a term of the spec; its objectives"),
    ({"vary": "NotWithManager", "weights": [1]}, "is a hard rule"),
    ({"vary": "shared[needs]", "weights": []}, "weights is empty"),
    ({"vary": "shared[needs]", "weights": [1, "two"]}, "'weights' must be a finite number"),
])
def test_tradeoff_errors(org, kwargs, match):
    with pytest.raises(gm.InputError, match=match):
        gm.tradeoff(org, SPEC, **kwargs, **LIMIT)


# ---------------------------------------------------------------------- errors, reports
@pytest.mark.parametrize("restarts", [0, "2", 1.5])
def test_restarts_must_be_a_positive_integer(org, restarts):
    with pytest.raises(gm.InputError, match="'restarts'"):
        gm.solve(org, SPEC, restarts=restarts, time_limit=0.2)


def test_a_missing_dask_says_how_to_install_it(org, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(gm.InputError, match=r'pip install "groupmatch\[dask\]"'):
        gm.solve_many({"a": (org, SPEC)}, time_limit=0.2, client="tcp://127.0.0.1:8786")
    with pytest.raises(gm.InputError, match="dask.distributed"):
        gm.solve(org, SPEC, restarts=2, time_limit=0.2, client="tcp://127.0.0.1:8786")


def test_solve_many_call_errors(org, people):
    with pytest.raises(gm.InputError, match=r"jobs\['a'\] must be a \(roster, spec\) pair"):
        gm.solve_many({"a": org}, time_limit=0.2)
    with pytest.raises(gm.InputError, match="needs the column"):
        gm.solve_many(people, SPEC, time_limit=0.2)
    with pytest.raises(gm.InputError, match="rows name no programme"):
        gm.solve_many(people.assign(country=None), SPEC, programme="country", time_limit=0.2)
    with pytest.raises(gm.InputError, match="progress must be"):
        gm.solve_many({"a": (org, SPEC)}, time_limit=0.2, progress="yes")
    with pytest.raises(gm.InputError, match="client must be None"):
        gm.solve_many({"a": (org, SPEC)}, time_limit=0.2, client=5)


def test_a_tradeoff_where_no_weight_finds_groups(org):
    impossible = gm.PeerGroups(size=(4, 6), terms=[gm.SharedNeeds(), gm.MustGroup(
        [(org.ids[k], org.ids[k + 1]) for k in range(6)])])
    frame = gm.tradeoff(org, impossible, vary="shared[needs]", weights=[1, 2], **LIMIT)
    assert frame["status"].tolist() == ["infeasible", "infeasible"]
    assert not frame["valid"].any() and not frame["efficient"].any()
    assert set(frame.attrs["failures"]) == {1, 2}
    with pytest.raises(gm.InputError, match="no trade-off to plot|'vary' attribute"):
        gm.plots.tradeoff(frame)


def test_a_text_progress_line_names_failures():
    out = io.StringIO()
    line = TextLine("solve_many", stream=out)
    line({"done": 1, "total": 4, "failed": 1, "failures": ["emea"], "elapsed": 0.5,
          "remaining": 1.5, "name": "emea", "ok": False})
    assert out.getvalue() == ""  # quiet for short runs
    line({"done": 3, "total": 4, "failed": 1, "failures": ["emea"], "elapsed": 30.0,
          "remaining": 10.0, "name": "x", "ok": True})
    line({"done": 4, "total": 4, "failed": 1, "failures": ["emea"], "elapsed": 30.2,
          "remaining": 0.0, "name": "y", "ok": True})
    line.close()
    assert out.getvalue().splitlines() == [
        "solve_many: 3/4 done, 1 failed (emea), 30 s elapsed, about 10 s left",
        "solve_many: 4/4 done, 1 failed (emea), 30 s elapsed"]


def test_results_summary_and_failures(org):
    impossible = gm.PeerGroups(size=(4, 6), terms=[gm.MustGroup(
        [(org.ids[k], org.ids[k + 1]) for k in range(6)])])
    results = gm.solve_many({"ok": (org, SPEC), "no": (org, impossible)}, progress=False,
                            **LIMIT)
    table = results.summary()
    assert table["name"].tolist() == ["ok", "no"]
    assert table["status"].tolist()[1] == "infeasible"
    assert list(results.failures) == ["no"]
    with pytest.raises(gm.GroupMatchError, match="1 of 2 programmes have no groups: no"):
        results.raise_for_status()


def test_groupings_rosters_and_specs_pickle_and_travel_light(org):
    g = gm.solve(org, SPEC, time_limit=0.2, deterministic=True)
    back = pickle.loads(pickle.dumps(g))
    assert np.array_equal(back.assignment_array(), g.assignment_array())
    assert gm.check(org, SPEC, back) == [] and back.objective == g.objective
    assert pickle.loads(pickle.dumps(SPEC)) == SPEC
    light = travel_light(org)
    assert len(pickle.dumps(light)) < 0.75 * len(pickle.dumps(org))
    assert gm.solve(light, SPEC, time_limit=0.2, deterministic=True).objective == g.objective


def test_restarts_report_each_seed_to_a_progress_callable(org):
    events = []
    best = gm.solve(org, SPEC, restarts=2, progress=events.append, **LIMIT)
    assert [e["done"] for e in events] == [1, 2] and events[-1]["total"] == 2
    assert best.objective == best.settings["restarts"]["max"]
    assert gm.solve_many({}, time_limit=0.2, progress=False) == {}
