"""The next round learns from feedback (issue 16): conflicts kept apart (the issue's check of
30 pairs, verified independently), repeats allowed, leavers out with their reason, lower
capacities, suggest_rematch, and synthetic feedback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm


@pytest.fixture(scope="module")
def first_round():
    roster = gm.Roster.from_frame(gm.datasets.make_organization(150, random_state=5))
    spec = gm.PeerGroups(size=5, terms=[gm.SharedNeeds(), gm.NotWithManager()])
    grouping = gm.solve(roster, spec, time_limit=1, deterministic=True).raise_for_status()
    return roster, spec, grouping


def _members(grouping) -> dict:
    a = grouping.assignments.dropna(subset=["group"])
    return {g: sorted(ids) for g, ids in a.groupby("group")["id"]}


def test_issue_check_thirty_conflict_pairs_are_kept_apart_and_flag_their_groups(first_round):
    roster, spec, g1 = first_round
    groups = _members(g1)
    assert len(groups) == 30
    pairs = {g: (ids[0], ids[1]) for g, ids in groups.items()}  # one pair per group
    fb = g1.assignments[["id", "group"]].assign(round=1, attended=1.0, rating=4.0, flags="")
    for a, b in pairs.values():
        fb.loc[fb["id"] == a, "flags"] = f"conflict:{b}"
    feedback = gm.Feedback.from_frame(fb, history=[g1], roster=roster)

    health = gm.health([g1], feedback)
    conflict = health.at_risk[health.at_risk["signal"] == "conflict"]
    assert sorted(conflict["name"]) == sorted(groups)
    for g, (a, b) in pairs.items():
        assert conflict.set_index("name").loc[g, "reason"] == \
            f"conflict: {a} and {b} (flagged by {a})"

    nxt = feedback.rules()
    assert (nxt.changes["kind"] == "cannot_group").sum() == 30
    control = gm.solve(roster, spec, time_limit=1, deterministic=True)  # without the rules
    again = dict(zip(control.assignments["id"], control.assignments["group"], strict=True))
    assert sum(again[a] == again[b] for a, b in pairs.values()) > 0
    g2 = gm.solve(roster, nxt.apply(spec), time_limit=1, deterministic=True)
    assert g2.status.has_solution
    where = dict(zip(g2.assignments["id"], g2.assignments["group"], strict=True))
    together = [(a, b) for a, b in pairs.values() if where[a] == where[b]]
    assert together == []  # checked from the answer's table, not with gm.check
    assert sorted(where) == sorted(roster.ids.tolist())  # nobody lost


def test_changes_table_lists_every_kind_with_reasons():
    hist = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    fb = pd.DataFrame({"round": 1, "id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1],
                       "attended": 1.0,
                       "flags": ["conflict:b", "conflict:a; again:c", "again:a", "again:e",
                                 "left", "again:a"]})
    nxt = gm.Feedback.from_frame(fb, history=[hist]).rules()
    rows = nxt.changes.astype({"ids": str}).values.tolist()
    assert rows == [
        ["cannot_group", "('a', 'b')", "may share a group", "never share a group",
         "conflict flagged by a and b in round 1"],
        ["allow_repeat", "('b', 'c')", "kept apart (met in round 1)", "may meet again",
         "again flagged by b in round 1"],
        ["allow_repeat", "('c', 'a')", "kept apart (met in round 1)", "may meet again",
         "again flagged by c in round 1"],
        ["allow_repeat", "('d', 'e')", "kept apart (met in round 1)", "may meet again",
         "again flagged by d in round 1"],
        ["allow_repeat", "('f', 'a')", "kept apart if they met", "may meet again",
         "again flagged by f in round 1"],
        ["left", "('e',)", "in the roster", "left out",
         "left the programme (flag 'left' in round 1)"],
    ]
    assert nxt.pairs == (("a", "b"),)
    assert repr(nxt) == "NextRound(1 cannot_group, 4 allow_repeat, 1 left, 0 capacity, 0 review)"


def test_again_beaten_by_a_conflict_is_not_allowed():
    fb = pd.DataFrame({"round": 1, "id": ["a", "b"], "group": 0, "attended": 1.0,
                       "flags": ["again:b", "conflict:a"]})
    nxt = gm.Feedback.from_frame(fb).rules()
    assert nxt.allowed_repeats == ()
    assert nxt.changes["kind"].tolist() == ["cannot_group", "allow_repeat"]
    assert nxt.changes["to"].tolist() == ["never share a group", "kept apart"]


def test_again_pairs_may_repeat_under_avoid_repeats():
    people = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef")}))
    hist = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    fb = hist.assign(round=1, attended=1.0, flags=["again:b", "", "", "", "again:d", ""])
    nxt = gm.Feedback.from_frame(fb, history=[hist]).rules(avoid_repeats=True)
    again = [0, 0, 1, 1, 1, 0]  # a, b meet again and d, e meet again
    plain = gm.PeerGroups(size=3, terms=[gm.AvoidRepeats(hist)])
    assert len(gm.check(people, plain, again)) == 2
    assert gm.check(people, nxt.apply(plain), again) == []  # existing term gets the pairs
    added = nxt.apply(gm.PeerGroups(size=3))  # or the term is added over the history
    assert [t.label for t in added.terms] == ["avoid_repeats"]
    assert gm.check(people, added, again) == []
    assert len(gm.check(people, added, [0, 1, 0, 1, 0, 1])) == 2  # a-c, d-f repeat: not allowed
    g = gm.solve(people, added, time_limit=2, deterministic=True)
    assert g.status.has_solution and gm.check(people, added, g) == []
    # the weighted version no longer charges the allowed pairs
    soft = nxt.apply(gm.PeerGroups(size=3, terms=[gm.AvoidRepeats(hist, weight=1)]))
    assert gm.score(people, soft, again)["total"] == 0
    assert gm.score(people, gm.PeerGroups(size=3, terms=[gm.AvoidRepeats(hist, weight=1)]),
                    again)["total"] == -2


def test_apply_merges_conflicts_into_an_existing_cannot_group():
    fb = pd.DataFrame({"round": 1, "id": ["a", "b"], "group": 0, "attended": 1.0,
                       "flags": ["conflict:b", ""]})
    nxt = gm.Feedback.from_frame(fb).rules()
    spec = nxt.apply(gm.PeerGroups(size=2, terms=[gm.CannotGroup(("c", "d"))]))
    assert [t.pairs for t in spec.terms] == [(("c", "d"), ("a", "b"))]
    with pytest.raises(gm.InputError, match="conflict pairs need a hard rule"):
        nxt.apply(gm.PeerGroups(size=2, terms=[gm.CannotGroup(("c", "d"), tier="want")]))
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("acde")}))  # b is gone
    assert nxt.apply(gm.PeerGroups(size=2), roster).terms == ()


ORG = pd.DataFrame({
    "id": ["boss", "F1", "F2", "a", "b", "c", "d", "e", "f", "g"],
    "manager_id": [None, "boss", "boss", "F1", "F1", "F1", "F2", "F2", "F2", "boss"],
    "role": ["mentor", "both", "mentor"] + ["mentee"] * 7,
    "expertise": ["x", "x", "x"] + [""] * 7,
    "needs": ["", "", ""] + ["x"] * 7,
    "mentor_capacity_groups": [1, 2, 1, 0, 0, 0, 0, 0, 0, 0],
    "mentor_capacity_mentees": [4, 8, 4, 0, 0, 0, 0, 0, 0, 0],
})
LED = pd.DataFrame({  # F1 leads two groups (full load), F2 one
    "id": ["F1", "d", "e", "F1", "f", "g", "F2", "a", "b", "c"],
    "group": [0, 0, 0, 1, 1, 1, 2, 2, 2, 2],
    "role": ["facilitator", "mentee", "mentee"] * 2 + ["facilitator", "mentee", "mentee",
                                                         "mentee"],
})


def _facilitated_feedback(f1_rating: float, f2_rating: float, flags: dict) -> pd.DataFrame:
    rows = []
    for who, group, role in LED.itertuples(index=False):
        lead = role == "facilitator"
        rating = None if lead else (f1_rating if group < 2 else f2_rating)
        rows.append((1, who, group, 1.0, 4.0, rating, flags.get(who, "")))
    return pd.DataFrame(rows, columns=["round", "id", "group", "attended", "rating",
                                       "facilitator_rating", "flags"])


def test_left_people_leave_the_next_roster_with_the_reason_and_lines_stay_whole():
    roster = gm.Roster.from_frame(ORG)
    fb = gm.Feedback.from_frame(_facilitated_feedback(4, 4, {"F1": "left"}), history=[LED],
                                roster=roster)
    nxt = fb.rules()
    assert nxt.leavers[["id", "reason"]].values.tolist() == [
        ["F1", "left the programme (flag 'left' in round 1)"]]
    after = nxt.roster(roster)
    assert "F1" not in after.ids.tolist() and after.n == roster.n - 1
    row = {k: i for i, k in enumerate(after.ids.tolist())}
    for report in ("a", "b", "c"):  # F1's reports now report to F1's manager
        assert after.ids[after.manager[row[report]]] == "boss"
    assert after.multi["needs"].vocabulary == roster.multi["needs"].vocabulary
    assert nxt.capacities.empty  # F1's signal does not matter: F1 is gone


def test_facilitator_signals_lower_capacity_in_the_next_roster():
    roster = gm.Roster.from_frame(ORG)
    fb = gm.Feedback.from_frame(_facilitated_feedback(2, 2.5, {}), history=[LED], roster=roster)
    nxt = fb.rules()
    caps = nxt.capacities.set_index("id")
    assert caps.loc["F1", ["capacity_groups", "capacity_mentees"]].tolist() == [1, 2]
    assert caps.loc["F2", ["capacity_groups", "capacity_mentees"]].tolist() == [1, 3]
    change = nxt.changes[nxt.changes["kind"] == "capacity"].set_index(
        nxt.changes.loc[nxt.changes["kind"] == "capacity", "ids"].map(lambda t: t[0]))
    assert change.loc["F1", "from"] == "2 groups, 8 mentees"
    assert change.loc["F1", "to"] == "1 group, 2 mentees"
    assert change.loc["F1", "reason"].startswith("low facilitator ratings: mean 2.0")
    after = nxt.roster(roster)
    at = {k: i for i, k in enumerate(after.ids.tolist())}
    assert after.capacity_groups[at["F1"]] == 1 and after.capacity_mentees[at["F1"]] == 2
    assert after.capacity_mentees[at["F2"]] == 3
    assert after.capacity_groups[at["boss"]] == 1  # nobody else changes
    happy = gm.Feedback.from_frame(_facilitated_feedback(4.5, 4.5, {}), history=[LED]).rules()
    assert happy.capacities.empty and "capacity" not in set(happy.changes["kind"])


def test_lowering_capacity_without_capacity_columns_needs_the_default():
    plain = gm.Roster.from_frame(ORG.drop(columns=["mentor_capacity_groups",
                                                   "mentor_capacity_mentees"]))
    fb = gm.Feedback.from_frame(_facilitated_feedback(2, 4, {}), history=[LED])
    nxt = fb.rules()
    with pytest.raises(gm.InputError, match="pass default_capacity=spec.capacity"):
        nxt.roster(plain)
    after = nxt.roster(plain, default_capacity=(2, 12))
    at = {k: i for i, k in enumerate(after.ids.tolist())}
    assert after.capacity_groups[at["F1"]] == 1 and after.capacity_groups[at["F2"]] == 2


def test_suggest_rematch_repairs_conflicts_with_few_moves():
    roster = gm.Roster.from_frame(gm.datasets.make_organization(24, random_state=1))
    spec = gm.PeerGroups(size=4, terms=[gm.Diversity("department")])
    g = gm.solve(roster, spec, time_limit=1, deterministic=True)
    groups = _members(g)
    conflicts = [(groups[0][0], groups[0][1]), (groups[3][2], groups[3][3])]
    fb = g.assignments[["id", "group"]].assign(round=1, attended=1.0, rating=4.0, flags="")
    for a, b in conflicts:
        fb.loc[fb["id"] == a, "flags"] = f"conflict:{b}"
    fb.loc[fb["id"] == groups[5][0], "attended"] = 0.0  # not mended by moves: listed
    fb.loc[fb["id"] == groups[5][1], "attended"] = 0.0
    fb.loc[fb["id"] == groups[5][2], "attended"] = 0.0
    health = gm.health([g], fb)
    fixed = gm.suggest_rematch(g, health, time_limit=2, deterministic=True)
    assert fixed.status.has_solution
    ruled = spec.with_terms(gm.CannotGroup(conflicts))
    assert gm.check(roster, ruled, fixed) == []
    assert fixed.settings["moves"] <= 2 * len(conflicts)  # a swap per conflict at most
    moved = fixed.moves[fixed.moves["kind"] == "moved"]
    assert moved["reason"].str.startswith("conflict with").any()
    assert fixed.settings["not_repaired"] == [
        {"group": 5, "reason": "low attendance: mean 25% of sessions; 3 of 4 answers under "
                               "50%"}]


def test_make_feedback_is_deterministic_and_within_ranges():
    roster = gm.Roster.from_frame(gm.datasets.make_organization(80, random_state=3))
    spec = gm.FacilitatedGroups(size=(3, 6))
    g = gm.solve(roster, spec, time_limit=1, deterministic=True)
    one = gm.datasets.make_feedback([g, g], random_state=7, conflict_rate=0.3)
    two = gm.datasets.make_feedback([g, g], random_state=7, conflict_rate=0.3)
    pd.testing.assert_frame_equal(one, two)
    other = gm.datasets.make_feedback([g, g], random_state=8, conflict_rate=0.3)
    assert not one.equals(other)
    memberships = g.assignments.dropna(subset=["group"])
    assert len(one) == 2 * len(memberships)
    assert one["attended"].between(0, 1).all()
    assert set(np.round(one["attended"] * 6, 9)) <= set(range(7))
    for col in ("rating", "facilitator_rating"):
        given = one[col].dropna()
        assert given.between(1, 5).all() and (given == given.round()).all()
    leaders = one.merge(memberships, on=["id", "group"])
    leaders = leaders[leaders["role"] == "facilitator"]
    assert leaders["facilitator_rating"].isna().all()
    assert one.loc[one["flags"].str.contains("conflict"), "flags"].size > 0
    fb = gm.Feedback.from_frame(one, history=[g, g], roster=roster)  # valid by construction
    assert len(fb.conflicts) > 0
    with pytest.raises(gm.InputError, match="'dropout_rate' must be a number from 0 to 1"):
        gm.datasets.make_feedback([g], dropout_rate=2)


def test_shared_needs_raise_synthetic_ratings():
    """The model's documented direction: groups sharing more needs rate higher."""
    people = gm.datasets.make_organization(200, random_state=4)
    roster = gm.Roster.from_frame(people)
    shared = gm.solve(roster, gm.PeerGroups(size=5, terms=[gm.SharedNeeds()]), time_limit=1,
                      deterministic=True)
    random_groups = pd.DataFrame({"id": roster.ids, "group": np.arange(roster.n) % 40})
    high = gm.datasets.make_feedback([shared], random_state=0, conflict_rate=0)
    low = gm.datasets.make_feedback([random_groups], roster, random_state=0, conflict_rate=0)
    assert high["rating"].mean() > low["rating"].mean() + 0.1

