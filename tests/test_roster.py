"""Roster validation: one test per error message; every message names the column."""

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm


def people(**overrides):
    df = pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "department": ["eng", "eng", "ops", "hr"],
        "tenure_years": [1.0, 2.5, 7.0, 3.0],
        "manager_id": [None, "a", "a", "b"],
        "needs": ["python;sql", ["python"], "", None],
        "role": ["mentor", "mentee", "both", "mentee"],
        "mentor_capacity_groups": [2, 0, 1, 0],
    })
    for k, v in overrides.items():
        df[k] = v
    return df


def test_reads_default_columns_without_mapping():
    r = gm.Roster.from_frame(people())
    assert r.n == 4
    assert list(r.categorical) == ["department"]
    assert list(r.numeric) == ["tenure_years"]
    assert r.topics == ("python", "sql")
    assert r.multi["needs"].matrix.tolist() == [[1, 1], [1, 0], [0, 0], [0, 0]]
    assert r.manager.tolist() == [-1, 0, 0, 1]
    assert sorted(r.hierarchy.edges) == [(0, 1), (0, 2), (1, 3)]
    assert r.capacity_groups.tolist() == [2, 0, 1, 0]


def test_arrays_are_read_only():
    r = gm.Roster.from_frame(people())
    with pytest.raises(ValueError):
        r.manager[0] = 3


def test_integer_ids_match_float_manager_ids():
    df = pd.DataFrame({"id": [10, 11, 12], "manager_id": [np.nan, 10.0, 11.0]})
    assert gm.Roster.from_frame(df).manager.tolist() == [-1, 0, 1]


def test_missing_column():
    with pytest.raises(gm.InputError, match=r"Column 'site' .*not in the DataFrame"):
        gm.Roster.from_frame(people(), categorical=["department", "site"])


def test_missing_id_column():
    with pytest.raises(gm.InputError, match=r"Column 'employee_id'"):
        gm.Roster.from_frame(people(), id="employee_id")


def test_duplicate_ids():
    with pytest.raises(gm.InputError, match=r"Column 'id' must hold unique ids.*rows 0, 3"):
        gm.Roster.from_frame(people(id=["a", "b", "c", "a"], manager_id=None))


def test_missing_values_in_required_column():
    with pytest.raises(gm.InputError, match=r"Column 'department' is required.*row 2"):
        gm.Roster.from_frame(people(department=["eng", "eng", None, "hr"]))


def test_manager_not_in_roster():
    with pytest.raises(gm.InputError, match=r"Column 'manager_id' must contain ids.*row 3"):
        gm.Roster.from_frame(people(manager_id=[None, "a", "a", "zz"]))


def test_cycle_in_reporting_lines():
    with pytest.raises(gm.InputError, match=r"Column 'manager_id' must not form a cycle"):
        gm.Roster.from_frame(people(manager_id=["c", "a", "b", "b"]))


def test_self_managed_is_a_cycle():
    with pytest.raises(gm.InputError, match=r"cycle.*row 1"):
        gm.Roster.from_frame(people(manager_id=[None, "b", "a", "a"]))


def test_negative_capacity():
    with pytest.raises(gm.InputError, match=r"'mentor_capacity_groups' must hold whole numbers"):
        gm.Roster.from_frame(people(mentor_capacity_groups=[2, -1, 0, 0]))


def test_non_integer_capacity():
    with pytest.raises(gm.InputError, match=r"'mentor_capacity_groups'.*row 0"):
        gm.Roster.from_frame(people(mentor_capacity_groups=[1.5, 0, 0, 0]))


def test_unknown_role():
    with pytest.raises(gm.InputError, match=r"Column 'role' must be one of.*'boss'"):
        gm.Roster.from_frame(people(role=["mentor", "boss", "mentee", "mentee"]))


def test_empty_roster():
    with pytest.raises(gm.InputError, match=r"roster is empty"):
        gm.Roster.from_frame(people().iloc[:0])


def test_non_numeric_in_numeric_column():
    with pytest.raises(gm.InputError, match=r"Column 'tenure_years' must hold finite numbers"):
        gm.Roster.from_frame(people(tenure_years=["1", "x", "2", "3"]))


def test_sizes_that_cannot_partition():
    r = gm.Roster.from_frame(people())
    with pytest.raises(gm.InputError, match=r"cannot partition 4 people"):
        gm.solve(r, gm.PeerGroups(size=3))


def test_unknown_column_in_term():
    r = gm.Roster.from_frame(people())
    spec = gm.PeerGroups(size=2, terms=[gm.Diversity("site")])
    with pytest.raises(gm.InputError, match=r"diversity\[site\] names column 'site'"):
        gm.solve(r, spec)


def test_unknown_id_in_pair_rule():
    r = gm.Roster.from_frame(people())
    spec = gm.PeerGroups(size=2, terms=[gm.CannotGroup([("a", "nobody")])])
    with pytest.raises(gm.InputError, match=r"CannotGroup names 1 id.*'nobody'"):
        gm.solve(r, spec)


def test_not_with_manager_needs_a_manager_column():
    r = gm.Roster.from_frame(people(), manager=None)
    with pytest.raises(gm.InputError, match=r"NotWithManager needs a manager column"):
        gm.solve(r, gm.PeerGroups(size=2, terms=[gm.NotWithManager()]))


def test_input_error_is_a_value_error():
    with pytest.raises(ValueError):
        gm.Roster.from_frame(people().iloc[:0])
