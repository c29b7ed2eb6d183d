"""rematch for facilitated groups: replace lost facilitators, place joiners, fewest moves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupmatch as gm

SPEC = gm.FacilitatedGroups(size=(3, 6), terms=[gm.Diversity("department"), gm.SharedNeeds(),
                                                 gm.NotWithManager(), gm.BalanceLoad()])


def _people(extra=()):
    """Two sql facilitators (f1 leads), one ml facilitator, six sql mentees, two ml mentees."""
    rows = [("f1", "mentor", "sql", "", None, 2, 12), ("f2", "mentor", "sql", "", None, 2, 12),
            ("f3", "mentor", "ml", "", None, 1, 12)]
    rows += [(f"s{k}", "mentee", "", "sql", None, 0, 0) for k in range(6)]
    rows += [(f"m{k}", "mentee", "", "ml", None, 0, 0) for k in range(3)]
    rows += list(extra)
    df = pd.DataFrame(rows, columns=["id", "role", "expertise", "needs", "manager_id",
                                     "mentor_capacity_groups", "mentor_capacity_mentees"])
    df["department"] = ["a", "b"] * (len(df) // 2) + ["a"] * (len(df) % 2)
    return df


def _previous():
    """Group 0: sql, f1, s0-s2; group 1: sql, f1, s3-s5; group 2: ml, f3, m0-m2."""
    rows = [("f1", 0, "facilitator", "sql"), ("f1", 1, "facilitator", "sql"),
            ("f3", 2, "facilitator", "ml"), ("f2", None, "facilitator", None)]
    rows += [(f"s{k}", k // 3, "mentee", "sql") for k in range(6)]
    rows += [(f"m{k}", 2, "mentee", "ml") for k in range(3)]
    table = pd.DataFrame(rows, columns=["id", "group", "role", "topic"])
    table["group"] = table["group"].astype("Int64")
    return table


def _members(grouping) -> dict:
    return {int(r.group): (r.topic, sorted(r.members), sorted(r.facilitators))
            for r in grouping.groups.itertuples()}


def _assert_reasons(moves):
    assert moves["reason"].map(lambda r: isinstance(r, str) and len(r) > 10).all()


def test_nothing_changed_moves_nobody_and_keeps_the_groups():
    df = gm.datasets.make_organization(80, random_state=4)
    roster = gm.Roster.from_frame(df)
    before = gm.solve(roster, SPEC, time_limit=3, deterministic=True)
    after = gm.rematch(before, roster, SPEC)
    assert after.settings["moves"] == 0 and len(after.moves) == 0
    assert _members(after) == _members(before)
    assert gm.check(roster, SPEC, after) == []
    assert after.mode == "facilitated" and len(after.loads)


def test_a_lost_facilitator_is_replaced_by_an_eligible_one():
    roster = gm.Roster.from_frame(_people().query("id != 'f1'"))
    after = gm.rematch(_previous(), roster, SPEC)
    assert after.settings["moves"] == 0
    groups = _members(after)
    # f2 has sql and room for two groups: it takes over both of f1's groups, mentees stay
    assert groups[0] == ("sql", ["s0", "s1", "s2"], ["f2"])
    assert groups[1] == ("sql", ["s3", "s4", "s5"], ["f2"])
    fac = after.moves[after.moves["kind"] == "facilitator"]
    assert fac["id"].tolist() == ["f2", "f2"] and fac["reason"].str.contains("f1").all()
    assert after.moves.loc[after.moves["kind"] == "left", "id"].tolist() == ["f1", "f1"]
    assert gm.check(roster, SPEC, after) == []
    _assert_reasons(after.moves)


def test_without_an_eligible_replacement_the_group_dissolves_with_reasons():
    # f2 manages s0 (a reporting line into group 0) and may lead one group only: group 1
    # gets f2; group 0 has nobody, so it closes and its mentees move into group 1 up to its
    # maximum of 6 (s0 cannot: f2 is their manager) or are left out with the reason
    df = _people()
    df.loc[df["id"] == "s0", "manager_id"] = "f2"
    df.loc[df["id"] == "f2", "mentor_capacity_groups"] = 1
    roster = gm.Roster.from_frame(df[df["id"] != "f1"])
    after = gm.rematch(_previous(), roster, SPEC)
    groups = _members(after)
    assert [v for v in groups.values() if v[0] == "sql"] == [
        ("sql", ["s1", "s2", "s3", "s4", "s5"], ["f2"])]
    moves = after.moves.set_index("id")
    assert moves.loc["s0", "kind"] == "unplaced" and "dissolved" in moves.loc["s0", "reason"]
    assert moves.loc["s1", "kind"] == "moved" and "nobody with 'sql'" in moves.loc["s1",
                                                                                   "reason"]
    assert after.settings["moves"] == 3 and after.settings["dissolved"] == [0]
    unplaced = after.unplaced.set_index("id")
    assert "dissolved" in unplaced.loc["s0", "reason"]
    assert gm.check(roster, SPEC, after) == []
    _assert_reasons(after.moves)


def test_max_moves_caps_the_repair():
    df = _people()
    df.loc[df["id"] == "s0", "manager_id"] = "f2"
    df.loc[df["id"] == "f2", "mentor_capacity_groups"] = 1
    roster = gm.Roster.from_frame(df[df["id"] != "f1"])
    with pytest.raises(gm.InfeasibleError, match="max_moves"):
        gm.rematch(_previous(), roster, SPEC, max_moves=2).raise_for_status()


def test_joiners_go_to_groups_of_topics_they_need_with_room():
    joiners = [("j0", "mentee", "", "ml", None, 0, 0), ("j1", "mentee", "", "sql", "f1", 0, 0),
               ("j2", "mentee", "", "python", None, 0, 0)]
    roster = gm.Roster.from_frame(_people(joiners))
    after = gm.rematch(_previous(), roster, SPEC)
    assert after.settings["moves"] == 0
    groups = _members(after)
    assert "j0" in groups[2][1]  # the ml group had room
    # j1 reports to f1, who leads both sql groups: no place, and no new group (f2 could lead
    # one, but one joiner is below the minimum size)
    assert all("j1" not in v[1] for v in groups.values())
    joined = after.moves[after.moves["kind"] == "joined"].set_index("id")
    assert pd.isna(joined.loc["j1", "to"]) and "reporting line" in joined.loc["j1", "reason"]
    assert "j2" not in set(after.assignments.dropna(subset=["group"])["id"])
    assert gm.check(roster, SPEC, after) == []
    _assert_reasons(after.moves)


def test_enough_joiners_open_a_new_group_with_a_free_facilitator():
    joiners = [(f"j{k}", "mentee", "", "sql", None, 0, 0) for k in range(8)]
    roster = gm.Roster.from_frame(_people(joiners))
    after = gm.rematch(_previous(), roster, SPEC)
    assert after.settings["moves"] == 0
    groups = _members(after)
    new = [v for g, v in groups.items() if g >= 3]
    assert len(new) == 1 and new[0][2] == ["f2"]
    placed = sum(len(v[1]) for v in groups.values())
    assert placed == 9 + 8  # the old sql groups have 6 places left; f2 leads the others
    assert gm.check(roster, SPEC, after) == []


# ---------------------------------------------------------------------------- properties
def _first_and_next(n: int, seed: int):
    """A generated organisation; ~5% leave the first roster and ~5% (who manage nobody) join."""
    df = gm.datasets.make_organization(n, random_state=seed)
    rng = np.random.default_rng(seed)
    leaves = df[~df["id"].isin(set(df["manager_id"].dropna()))]["id"].to_numpy()
    k = max(2, n // 20)
    picked = rng.choice(leaves, size=2 * k, replace=False)
    joiners, leavers = picked[:k].tolist(), picked[k:].tolist()
    return df[~df["id"].isin(joiners)], df[~df["id"].isin(leavers)], joiners, leavers


@settings(max_examples=6, deadline=None)
@given(n=st.integers(60, 150), seed=st.integers(0, 10_000))
def test_rematch_is_valid_and_moves_only_what_the_changes_require(n, seed):
    first_df, next_df, joiners, leavers = _first_and_next(n, seed)
    first_roster, roster = gm.Roster.from_frame(first_df), gm.Roster.from_frame(next_df)
    before = gm.solve(first_roster, SPEC, time_limit=2, deterministic=True)
    after = gm.rematch(before, roster, SPEC, time_limit=20, deterministic=True)
    assert gm.check(roster, SPEC, after) == []
    moves = after.moves
    _assert_reasons(moves)
    moved = moves[moves["kind"].isin(["moved", "unplaced"])]
    assert after.settings["moves"] == moved["id"].nunique()
    assert set(moves.loc[moves["kind"] == "joined", "id"]) == set(joiners)
    # everybody else keeps their group (numbers change only as settings["renumbered"] says)
    renumber = after.settings["renumbered"]
    old = before.assignments[before.assignments["role"] == "mentee"].dropna(subset=["group"])
    new = after.assignments[after.assignments["role"] == "mentee"].dropna(subset=["group"])
    now = dict(zip(new["id"], new["group"], strict=True))
    for pid, g in zip(old["id"], old["group"], strict=True):
        if pid not in set(leavers) and pid not in set(moved["id"]):
            assert now[pid] == renumber.get(g, g)
    # an upper bound on the fewest moves: close every group that lost anybody
    damaged = set(old.loc[old["id"].isin(leavers), "group"])
    lead = before.assignments[before.assignments["role"] == "facilitator"]
    damaged |= set(lead.loc[lead["id"].isin(leavers), "group"].dropna())
    if after.settings["phase_status"][0] == "OPTIMAL":
        stay = old[~old["id"].isin(leavers)]
        assert after.settings["moves"] <= int(stay["group"].isin(damaged).sum())


def test_group_rules_hold_after_rematch():
    """NoIsolation is encoded by the term itself on each topic's candidates."""
    spec = gm.FacilitatedGroups(size=(3, 6), terms=[gm.Diversity("department"),
                                                     gm.NoIsolation("gender"),
                                                     gm.NotWithManager()])
    first_df, next_df, joiners, _ = _first_and_next(100, 2)
    before = gm.solve(gm.Roster.from_frame(first_df), spec, time_limit=2, deterministic=True)
    roster = gm.Roster.from_frame(next_df)
    after = gm.rematch(before, roster, spec, deterministic=True)
    assert gm.check(roster, spec, after) == []
    assert after.settings["nogood_rounds"] == 0  # no repair loop was needed
    _assert_reasons(after.moves)


def test_benchmark_smoke():
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    out = subprocess.run([sys.executable, str(bench / "rematch_roles.py"), "--smoke"],
                         capture_output=True, text=True, cwd=bench, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "rematch" in out.stdout and "re-solve" in out.stdout
