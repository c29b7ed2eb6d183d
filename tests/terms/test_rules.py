"""Rules of issue 4: one test per infeasibility message, tiers, fairness read-outs, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm


def _roster(n=12, **columns):
    data = {"id": [f"p{i}" for i in range(n)]}
    data.update(columns)
    return gm.Roster.from_frame(pd.DataFrame(data))


def _infeasible(roster, spec, time_limit=5.0, **kw) -> gm.InfeasibleError:
    with pytest.raises(gm.InfeasibleError) as info:
        gm.solve(roster, spec, time_limit=time_limit, **kw).raise_for_status()
    return info.value


# -- counting prechecks: one test per message ------------------------------------------------
def test_no_isolation_min_count_above_group_size():
    r = _roster(6, gender=list("FFFMMM"))
    err = _infeasible(r, gm.PeerGroups(size=3, terms=[gm.NoIsolation("gender", min_count=4)]))
    assert "at least 4 people" in str(err) and "largest group has 3 places" in str(err)
    assert err.conflicts == ("no_isolation[gender]", "SizeBounds")


def test_no_isolation_value_with_too_few_people():
    r = _roster(6, gender=list("FFFMMX"))
    err = _infeasible(r, gm.PeerGroups(size=3, terms=[gm.NoIsolation("gender")]))
    assert "only 1 person has gender=X (p5)" in str(err)
    assert err.conflicts == ("no_isolation[gender]",)


def test_max_share_not_enough_room():
    r = _roster(8, site=list("AAAAAABB"))
    err = _infeasible(r, gm.PeerGroups(size=4, terms=[gm.MaxShare("site", 0.5)]))
    assert "at most 4 people of one value" in str(err) and "6 people have site=A" in str(err)


def test_min_distinct_more_values_than_present():
    r = _roster(6, site=list("AAABBB"))
    err = _infeasible(r, gm.PeerGroups(size=3, terms=[gm.MinDistinct("site", 3)]))
    assert "the data hold only 2 distinct values" in str(err)
    assert err.conflicts == ("min_distinct[site]",)


def test_min_distinct_more_values_than_places():
    r = _roster(6, site=list("ABCDEF"))
    err = _infeasible(r, gm.PeerGroups(size=2, terms=[gm.MinDistinct("site", 3)]))
    assert "the largest group has 2 places" in str(err)


def test_min_distinct_values_cannot_reach_every_group():
    r = _roster(9, site=list("AAAAAAABC"))
    err = _infeasible(r, gm.PeerGroups(size=3, terms=[gm.MinDistinct("site", 3)]))
    assert "9 value-group places" in str(err) and "reach only 5" in str(err)


def test_common_slot_person_without_slots():
    r = _roster(4, slots=["mon", "mon", "", "mon"])
    err = _infeasible(r, gm.PeerGroups(size=2, terms=[gm.CommonSlot()]))
    assert "1 person has fewer than 1 slot(s)" in str(err) and "p2" in str(err)


def test_common_slot_nobody_to_share_with():
    r = _roster(6, slots=["mon", "mon", "mon", "tue", "tue", "wed"])
    err = _infeasible(r, gm.PeerGroups(size=3, terms=[gm.CommonSlot()]))
    assert "share no slot with 2 others" in str(err) and "p3" in str(err)
    assert err.conflicts == ("common_slot", "SizeBounds")


def test_timezone_window_lonely_person():
    r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef"),
                                           "timezone": [0, 0, 1, 1, 8, 0]}))
    err = _infeasible(r, gm.PeerGroups(size=3, terms=[gm.TimezoneWindow(2)]))
    assert "e at UTC+8 has 0" in str(err) and "within 2 h" in str(err)


def test_pin_overfills_a_group():
    r = _roster(6)
    err = _infeasible(r, gm.PeerGroups(size=2, terms=[gm.Pin({"p0": 0, "p1": 0, "p2": 0})]))
    assert "Pin puts 3 people in group 0, which holds at most 2" in str(err)


# -- assumptions on the switch literals ------------------------------------------------------
def test_assumptions_name_the_conflicting_rules_exact():
    r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef"), "site": list("xyxyxy"),
                                           "manager_id": [None, "a", "a", "b", "b", "c"]}))
    spec = gm.PeerGroups(size=3, terms=[gm.NotWithManager(), gm.Pin({"a": 0, "b": 0}),
                                        gm.Diversity("site")])
    err = _infeasible(r, spec)
    assert set(err.conflicts) >= {"NotWithManager", "Pin"}
    assert "diversity" not in " ".join(err.conflicts)
    assert "NotWithManager (5 pairs" in str(err) and "Pin (2 people fixed" in str(err)
    assert "INFEASIBLE" not in str(err)


def test_assumptions_name_the_conflicting_rules_search_path():
    n = 40
    managers = [None] + ["p0"] * (n - 1)  # everybody reports to p0
    r = _roster(n, manager_id=managers, gender=["F", "M"] * (n // 2))
    spec = gm.PeerGroups(size=4, terms=[gm.NotWithManager(), gm.Diversity("gender"),
                                        gm.Pin({"p0": 0, "p1": 0})])
    err = _infeasible(r, spec, time_limit=10, method="search")
    assert {"NotWithManager", "Pin"} <= set(err.conflicts)


# -- tiers -----------------------------------------------------------------------------------
def test_need_tier_keeps_as_many_as_possible_and_reports_the_rest():
    r = _roster(6, gender=list("FFFMMX"))
    spec = gm.PeerGroups(size=3, terms=[gm.Diversity("gender"), gm.NoIsolation("gender",
                                                                                tier="need")])
    g = gm.solve(r, spec, time_limit=5).raise_for_status()
    needs = g.violated_needs
    assert len(needs) == 1 and needs.loc[0, "rule"] == "no_isolation[gender]"
    assert "X" in needs.loc[0, "message"]  # the lone X cannot be helped; F and M are kept
    assert gm.check(r, spec, g) == []  # need rules are not hard


def test_need_outranks_the_objective_and_want_trades():
    r = _roster(4, department=list("aabb"))
    need = gm.PeerGroups(size=2, terms=[gm.Diversity("department"), gm.MaxShare("department", 0.5,
                                                                          tier="need")])
    g = gm.solve(r, need, time_limit=5).raise_for_status()
    assert g.breakdown["diversity[department]"] == 2 and len(g.violated_needs) == 0
    want = gm.PeerGroups(size=2, terms=[gm.Diversity("department", weight=5),
                                        gm.NoIsolation("department", tier="want", weight=1)])
    g = gm.solve(r, want, time_limit=5).raise_for_status()
    assert g.breakdown["diversity[department]"] == 10  # 2 × 5 beats two broken wants (-2)
    assert g.breakdown["no_isolation[department]"] == -2


def test_common_slot_names_the_slots():
    r = _roster(4, slots=["mon;tue", "tue", "wed;thu", "thu"])
    g = gm.solve(r, gm.PeerGroups(size=2, terms=[gm.CommonSlot()]), time_limit=5)
    slots = dict(zip(g.groups["size"].index, g.groups["common_slots"], strict=True))
    assert sorted(map(tuple, slots.values())) == [("thu",), ("tue",)]
    assert g.explain(0).loc["common_slot", "details"]["common_slots"] in (["tue"], ["thu"])


def test_pin_keeps_group_numbers():
    r = _roster(6, department=list("aabbcc"))
    spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department"), gm.Pin({"p5": 0, "p0": 2})])
    g = gm.solve(r, spec, time_limit=5).raise_for_status()
    a = g.assignment_array()
    assert a[5] == 0 and a[0] == 2


# -- fairness read-outs ----------------------------------------------------------------------
def test_worst_group_floor_lifts_the_worst_group_exact():
    rng = np.random.default_rng(3)
    r = _roster(12, department=rng.choice(list("abc"), 12), site=rng.choice(list("xy"), 12))
    terms = [gm.Diversity("department"), gm.Diversity("site", weight=2)]
    plain = gm.solve(r, gm.PeerGroups(size=3, terms=terms), time_limit=10).raise_for_status()
    fair = gm.solve(r, gm.PeerGroups(size=3, terms=[*terms, gm.WorstGroupFloor()]),
                    time_limit=10).raise_for_status()
    assert fair.score_distribution["min"] >= plain.score_distribution["min"]
    assert set(fair.score_distribution) == {"min", "p10", "median", "mean", "max"}
    assert fair.breakdown["worst_group"] > 0


def test_audit_flags_a_gap():
    r = gm.Roster.from_frame(gm.datasets.make_organization(60, random_state=2))
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.SharedNeeds()])
    g = gm.solve(r, spec, time_limit=2)
    table = g.audit(by="site")
    assert list(table.columns) == ["site", "people", "share_placed", "mean_shared_needs",
                                   "mean_group_diversity", "flag"]
    assert table["people"].sum() == 60 and (table["share_placed"] == 1).all()
    overall = np.average(table["mean_group_diversity"], weights=table["people"])
    low = table["mean_group_diversity"] < 0.9 * overall
    assert (table.loc[low, "flag"].str.contains("group diversity")).all()
    with pytest.raises(gm.InputError, match="no such column"):
        g.audit(by="shoe_size")


# -- bad parameters ----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: gm.NoIsolation("gender", tier="should"),
    lambda: gm.NoIsolation("gender", min_count=1),
    lambda: gm.MaxShare("department", 1.5),
    lambda: gm.MinDistinct("department", 0),
    lambda: gm.CommonSlot(min_slots=0),
    lambda: gm.TimezoneWindow(-1),
    lambda: gm.Pin({"a": -1}),
    lambda: gm.WorstGroupFloor(-2),
])
def test_bad_parameters_raise_input_error(make):
    with pytest.raises(gm.InputError):
        make()


def test_unknown_values_and_groups_raise_input_error():
    r = _roster(4, gender=list("FFMM"))
    with pytest.raises(gm.InputError, match="does not hold"):
        gm.solve(r, gm.PeerGroups(size=2, terms=[gm.NoIsolation("gender", values=["Q"])]))
    with pytest.raises(gm.InputError, match="only 2 groups"):
        gm.solve(r, gm.PeerGroups(size=2, terms=[gm.Pin({"p0": 5})]))
    with pytest.raises(gm.InputError, match="timezone"):
        gm.solve(r, gm.PeerGroups(size=2, terms=[gm.TimezoneWindow(2)]))
