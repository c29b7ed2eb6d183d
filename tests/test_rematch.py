"""rematch (minimal disruption), moved_people and backup_facilitators."""

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

from strategies import problems

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _frame(roster) -> pd.DataFrame:
    return roster.frame.reset_index(drop=True)


def _turnover(df: pd.DataFrame, leave: list, join: int, seed: int) -> pd.DataFrame:
    """Drop ``leave`` (their reports lose their manager) and add ``join`` copies of random rows
    with new ids and no manager."""
    out = df[~df["id"].isin(leave)].copy()
    if "manager_id" in out:
        out["manager_id"] = [None if m in set(leave) else m for m in out["manager_id"]]
    if join:
        new = df.sample(join, random_state=seed, replace=True).copy()
        new["id"] = [f"new{k}" for k in range(join)]
        if "manager_id" in new:
            new["manager_id"] = None
        out = pd.concat([out, new], ignore_index=True)
    return out


def _org(n=30, seed=0):
    df = gm.datasets.make_organization(n, random_state=seed)
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.NotWithManager()])
    roster = gm.Roster.from_frame(df)
    return df, roster, spec, gm.solve(roster, spec, time_limit=2, deterministic=True)


def _moved(before, after) -> int:
    """People in both groupings whose group changed (renamed groups followed, members of
    dissolved groups always moved)."""
    a = before.assignments.set_index("id")["group"].astype(int)
    b = after.assignments.set_index("id")["group"].astype(int)
    both = a.index.intersection(b.index)
    renamed = after.settings["renumbered"]
    gone = set(after.settings["dissolved"])
    was = a[both].map(lambda g: renamed.get(g, g))
    return int(((was != b[both]) | a[both].isin(gone)).sum())


# ---------------------------------------------------------------------------- properties
@settings(max_examples=12, deadline=None)
@given(problem=problems(min_n=8, max_n=12), seed=st.integers(0, 1000),
       n_leave=st.integers(0, 2), n_join=st.integers(0, 2))
def test_rematch_is_valid_and_explains_every_move(problem, seed, n_leave, n_join):
    roster, spec = problem
    before = gm.solve(roster, spec, time_limit=1, deterministic=True)
    if not before.status.has_solution:
        return
    df = _frame(roster)
    rng = np.random.default_rng(seed)
    leave = rng.choice(df["id"], n_leave, replace=False).tolist()
    new_roster = gm.Roster.from_frame(_turnover(df, leave, n_join, seed))
    try:
        after = gm.rematch(before, new_roster, spec, time_limit=3, deterministic=True)
    except (gm.InfeasibleError, gm.InputError, gm.NoSolutionError):
        return  # the new roster may admit no valid grouping (sizes, units): nothing to check
    assert gm.check(new_roster, spec, after) == []
    moves = after.moves
    assert moves["reason"].map(lambda r: isinstance(r, str) and len(r) > 0).all()
    assert set(moves.loc[moves["kind"] == "left", "id"]) == set(leave)
    assert (moves["kind"] == "joined").sum() == n_join
    assert (moves["kind"] == "moved").sum() == after.settings["moves"] == _moved(before, after)
    if not leave and not n_join:
        assert after.settings["moves"] == 0 and len(moves) == 0
        assert (after.assignment_array() == before.assignment_array()).all()


@settings(max_examples=8, deadline=None)
@given(problem=problems(min_n=8, max_n=12))
def test_rematch_never_moves_anybody_without_a_change(problem):
    roster, spec = problem
    before = gm.solve(roster, spec, time_limit=1, deterministic=True)
    if not before.status.has_solution:
        return
    after = gm.rematch(before, roster, spec, deterministic=True)
    assert after.settings["moves"] == 0 and after.moves.empty
    assert after.groups["members"].tolist() == before.groups["members"].tolist()


# ---------------------------------------------------------------------------- examples
def test_joiners_fill_groups_that_lost_people_before_anybody_moves():
    df, roster, spec, before = _org()
    small = before.groups.sort_values("size").iloc[0]
    leave = small["members"][: int(small["size"]) - 3]  # the group falls to 3 < 4
    new = gm.Roster.from_frame(_turnover(df, leave, len(leave), 1))
    after = gm.rematch(before, new, spec, deterministic=True)
    assert after.settings["moves"] == 0
    assert gm.check(new, spec, after) == []
    # without joiners somebody must move in, and says why
    new = gm.Roster.from_frame(_turnover(df, leave, 0, 1))
    after = gm.rematch(before, new, spec, deterministic=True)
    moved = after.moves[after.moves["kind"] == "moved"]
    assert len(moved) >= 1 and gm.check(new, spec, after) == []
    assert moved["reason"].str.contains("fell to").any()
    assert set(moved["to"]) == {int(small["group"])}


def test_max_moves_caps_and_explains_when_too_few():
    df, roster, spec, before = _org()
    small = before.groups.sort_values("size").iloc[0]
    leave = small["members"][:2]
    new = gm.Roster.from_frame(_turnover(df, leave, 0, 1))
    need = gm.rematch(before, new, spec, deterministic=True).settings["moves"]
    assert need >= 1
    capped = gm.rematch(before, new, spec, max_moves=need + 2, deterministic=True, time_limit=5)
    assert capped.settings["moves"] <= need + 2
    assert gm.check(new, spec, capped) == []
    with pytest.raises(gm.InfeasibleError, match="max_moves"):
        gm.rematch(before, new, spec, max_moves=need - 1, deterministic=True).raise_for_status()


def test_new_reporting_line_forces_a_move_with_its_rule_as_reason():
    df, roster, spec, before = _org()
    g = before.groups.iloc[0]["members"]
    changed = df.copy()
    changed.loc[changed["id"] == g[1], "manager_id"] = g[0]  # g[1] now reports to g[0]
    new = gm.Roster.from_frame(changed)
    after = gm.rematch(before, new, spec, deterministic=True)
    moved = after.moves[after.moves["kind"] == "moved"]
    assert gm.check(new, spec, after) == []
    assert 1 <= len(moved) <= 2
    assert moved["reason"].str.contains("NotWithManager").any()


def test_fewer_people_dissolve_the_smallest_group():
    df = pd.DataFrame({"id": [f"p{i}" for i in range(12)]})
    spec = gm.PeerGroups(size=4)
    before = gm.solve(gm.Roster.from_frame(df), spec)
    leave = before.groups.iloc[2]["members"][:1] + before.groups.iloc[1]["members"][:3]
    new = gm.Roster.from_frame(df[~df["id"].isin(leave)])
    after = gm.rematch(before, new, spec)
    assert len(after.groups) == 2 and gm.check(new, spec, after) == []
    moved = after.moves[after.moves["kind"] == "moved"]
    assert len(moved) == 1 and moved["reason"].str.contains("dissolved").all()
    assert (after.groups["members"].iloc[0][:4] == before.groups["members"].iloc[0])


def test_large_path_repairs_in_windows():
    df, roster, spec, before = _org(150, seed=3)
    rng = np.random.default_rng(0)
    leave = rng.choice(df["id"][1:], 8, replace=False).tolist()
    new = gm.Roster.from_frame(_turnover(df, leave, 8, 2))
    after = gm.rematch(before, new, spec, method="windows", time_limit=20, deterministic=True)
    assert after.settings["path"] == "windows"
    assert gm.check(new, spec, after) == []
    assert after.settings["moves"] < 8
    fresh = gm.solve(new, spec, time_limit=2, deterministic=True)
    assert gm.moved_people(before, fresh) > after.settings["moves"]


def test_leavers_still_in_the_roster_are_dropped_and_inputs_checked():
    df, roster, spec, before = _org()
    leaver = before.groups.iloc[0]["members"][0]
    after = gm.rematch(before, roster, spec, leavers=[leaver], deterministic=True)
    assert leaver not in set(after.assignments["id"])
    assert after.moves.loc[after.moves["kind"] == "left", "id"].tolist() == [leaver]
    with pytest.raises(gm.InputError, match="neither"):
        gm.rematch(before, roster, spec, leavers=["nobody"])
    with pytest.raises(gm.InputError, match="already in"):
        gm.rematch(before, roster, spec, joiners=[leaver])


def test_moved_people_matches_groups_by_overlap():
    before = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    after = pd.DataFrame({"id": list("abcdef"), "group": [7, 7, 3, 3, 3, 7]})
    assert gm.moved_people(before, after) == 2


# ---------------------------------------------------------------------------- backups
class _Facilitated:
    """The result shape of a facilitated Grouping (groups with topic/facilitators, loads)."""

    mode = "facilitated"

    def __init__(self, groups, loads):
        self.groups, self.loads = groups, loads


def test_backup_facilitators_rank_people_with_topic_and_room():
    roster = gm.Roster.from_frame(pd.DataFrame({
        "id": ["f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3"],
        "role": ["mentor"] * 5 + ["mentee"] * 3,
        "expertise": ["sql", "sql", "sql;ml", "ml", "sql", "", "", ""],
        "manager_id": [None, None, None, None, None, None, "f5", None],
        "mentor_capacity_groups": [2, 1, 2, 1, 3, 0, 0, 0],
        "mentor_capacity_mentees": [9, 9, 9, 9, 1, 0, 0, 0],
    }))
    grouping = _Facilitated(
        pd.DataFrame({"group": [0, 1], "topic": ["sql", "ml"],
                      "members": [["m1", "m2"], ["m3"]], "facilitators": [["f1"], ["f4"]]}),
        pd.DataFrame({"id": ["f1", "f4", "f2"], "groups": [1, 1, 1], "mentees": [2, 1, 0]}))
    table = gm.backup_facilitators(grouping, roster, k=3)
    sql = table[table["group"] == 0]
    # f2 is full (1 of 1 groups), f5 manages m2, f1 already leads it: only f3 is left
    assert sql["id"].tolist() == ["f3"]
    assert table[table["group"] == 1]["id"].tolist() == ["f3"]
    assert table.attrs["uncovered"] == []
    with pytest.raises(gm.InputError, match="facilitated"):
        gm.backup_facilitators(gm.solve(roster, gm.PeerGroups(size=4)), roster)


@pytest.mark.skipif(not hasattr(gm, "FacilitatedGroups"), reason="facilitated mode not here")
def test_backup_facilitators_on_a_real_facilitated_grouping():
    df = gm.datasets.make_organization(40, random_state=2)
    roster = gm.Roster.from_frame(df)
    grouping = gm.solve(roster, gm.FacilitatedGroups(size=(2, 6)), time_limit=3,
                        deterministic=True)
    table = gm.backup_facilitators(grouping, roster, k=2)
    skills = dict(zip(df["id"], df["expertise"], strict=True))
    loads = grouping.loads.set_index("id")
    caps = df.set_index("id")[["mentor_capacity_groups", "mentor_capacity_mentees"]]
    groups = grouping.groups.set_index("group")
    for _, row in table.iterrows():
        g = groups.loc[row["group"]]
        assert row["topic"] in skills[row["id"]]
        assert row["id"] not in g["facilitators"] and row["id"] not in g["members"]
        used = loads.loc[row["id"], "groups"] if row["id"] in loads.index else 0
        assert caps.loc[row["id"], "mentor_capacity_groups"] - used == row["spare_groups"] >= 1
        assert row["spare_mentees"] >= len(g["members"])
    assert set(table["group"]) | set(table.attrs["uncovered"]) == set(groups.index)


# ---------------------------------------------------------------------------- benchmark
def test_rounds_benchmark_smoke():
    out = subprocess.run([sys.executable, str(BENCH / "rounds.py"), "--smoke"],
                         capture_output=True, text=True, timeout=300, cwd=BENCH)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "re-solve from scratch" in out.stdout
