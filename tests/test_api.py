"""The front door: settings validated once, a clear error for bad ones, every outcome a
Grouping, and each mode's own failure table."""

from __future__ import annotations

import pandas as pd
import pytest

import groupmatch as gm


def _roster():
    return gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef"),
                                              "department": list("xxxyyy")}))


@pytest.mark.parametrize("options, message", [
    ({"time_limit": 0}, "time_limit"),
    ({"time_limit": True}, "time_limit"),
    ({"method": "fast"}, "method"),
    ({"workers": -1}, "workers"),
    ({"progress": 5}, "progress"),
    ({"random_state": -1}, "random_state"),
])
def test_bad_settings_are_named(options, message):
    with pytest.raises(gm.InputError, match=message):
        gm.solve(_roster(), gm.PeerGroups(size=3), **options)


def test_a_spec_must_be_a_mode():
    for call in (gm.solve, gm.score, gm.check):
        args = (_roster(), {"size": 3}) if call is gm.solve else (_roster(), {"size": 3}, [0] * 6)
        with pytest.raises(gm.InputError, match="Expected a mode"):
            call(*args)
    with pytest.raises(gm.InputError, match="Roster"):
        gm.solve(pd.DataFrame({"id": ["a"]}), gm.PeerGroups(size=1))


def test_score_and_check_also_take_a_resolved_problem():
    roster, spec = _roster(), gm.PeerGroups(size=3, terms=[gm.Diversity("department")])
    problem = spec.problem(roster)
    a = [0, 0, 1, 1, 0, 1]
    assert gm.score(roster, problem, a) == gm.score(roster, spec, a)
    assert gm.check(roster, problem, a) == gm.check(roster, spec, a) == []


def test_rematch_methods_and_unsupported_modes_are_clear():
    roster = _roster()
    before = gm.solve(roster, gm.PeerGroups(size=3))
    with pytest.raises(gm.InputError, match="'auto', 'whole' or 'windows'"):
        gm.rematch(before, roster, gm.PeerGroups(size=3), method="exact")
    with pytest.raises(NotImplementedError, match="TeamMentoring"):
        gm.rematch(before, roster, gm.TeamMentoring(terms=[gm.GoalCoverage()]))


def test_a_proven_infeasibility_is_a_status_in_the_modes_own_table():
    peer = gm.solve(_roster(), gm.PeerGroups(size=3, terms=[gm.MustGroup(
        [("a", "b"), ("b", "c"), ("c", "d")])]))
    assert peer.status is gm.Status.INFEASIBLE and peer.unplaced["reason"].notna().all()
    people = pd.DataFrame({"id": [f"m{i}" for i in range(6)] + ["f"],
                           "role": ["mentee"] * 6 + ["mentor"],
                           "needs": ["sql"] * 6 + [""], "expertise": [""] * 6 + ["sql"],
                           "mentor_capacity_groups": [0] * 6 + [1],
                           "mentor_capacity_mentees": [0] * 6 + [3]})
    strict = gm.FacilitatedGroups(size=(3, 3), strict=True)
    g = gm.solve(gm.Roster.from_frame(people), strict, time_limit=2)
    assert g.status is gm.Status.INFEASIBLE
    assert {"id", "group", "role", "reason"} <= set(g.assignments.columns)
    assert len(g.unplaced) == 7 and g.loads is not None
    with pytest.raises(gm.InfeasibleError, match="mentees cannot be placed"):
        g.raise_for_status()


def test_a_grouping_without_groups_says_so_when_explained():
    g = gm.solve(_roster(), gm.PeerGroups(size=3, terms=[gm.MustGroup(
        [("a", "b"), ("b", "c"), ("c", "d")])]))
    for explain in (lambda: g.explain(0), lambda: g.explain_person("a")):
        with pytest.raises(gm.GroupMatchError, match="no solution to explain"):
            explain()
