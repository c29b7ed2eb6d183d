"""Forgiving, explicit inputs (issue 14): list cells as text, explicit column lists, one pair
given bare, and a clear InputError for every input that cannot mean what it says."""

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupmatch as gm
from groupmatch.settings import SolveSettings


def roster(needs, **kw):
    ids = [f"p{i}" for i in range(len(needs))]
    return gm.Roster.from_frame(pd.DataFrame({"id": ids, "needs": needs}), **kw)


def sets(r, name="needs"):
    m = r.multi[name]
    return [{m.vocabulary[t] for t in np.flatnonzero(row)} for row in m.matrix]


# ------------------------------------------------------------------ multi-valued cells
def test_plain_text_cells_still_split_on_semicolons():
    r = roster(["python; sql", "python", "", None])
    assert sets(r) == [{"python", "sql"}, {"python"}, set(), set()]


def test_python_list_text_as_pandas_writes_it():
    r = roster(["['python', 'sql']", "['python']", "[]"])
    assert sets(r) == [{"python", "sql"}, {"python"}, set()]


def test_json_arrays():
    r = roster(['["python", "sql"]', '["R", null, ""]', "[ ]"])
    assert sets(r) == [{"python", "sql"}, {"R"}, set()]


def test_tuple_set_and_numpy_print_text():
    r = roster(["('a', 'b')", "{'c'}", "['d' 'e']", "['f'\n 'g']"])
    assert sets(r) == [{"a", "b"}, {"c"}, {"d", "e"}, {"f", "g"}]


def test_missing_items_inside_lists_are_dropped():
    cells = [["a", None, float("nan"), "", "  "], ("b", pd.NA), np.array(["c", ""]),
             "['d', None, nan]", {"e", None}]
    r = roster(cells)
    assert sets(r) == [{"a"}, {"b"}, {"c"}, {"d"}, {"e"}]
    assert not {"nan", "None", "<NA>", ""} & set(r.topics)


def test_numbers_in_cells_and_lists_read_by_value():
    r = gm.Roster.from_frame(pd.DataFrame({"id": [1, 2, 3], "slots": [[1.0, 2], 3, "[4, -5]"]}))
    assert sets(r, "slots") == [{"1", "2"}, {"3"}, {"4", "-5"}]


def test_list_text_survives_a_csv_round_trip():
    df = pd.DataFrame({"id": ["a", "b", "c"],
                       "interests": [["ml", "go"], [], ["it's", 'say "hi"', None]],
                       "needs": [np.array(["x", "y"]), np.array([], dtype=object), ["z"]]})
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()))
    assert isinstance(back.loc[0, "interests"], str)  # really text after the round trip
    r = gm.Roster.from_frame(back)
    assert sets(r, "interests") == [{"ml", "go"}, set(), {"it's", 'say "hi"'}]
    assert sets(r, "needs") == [{"x", "y"}, set(), {"z"}]


@given(st.lists(st.text(max_size=12), max_size=6), st.sampled_from([str, json.dumps]))
def test_any_list_of_strings_written_as_text_parses_back(items, write):
    r = roster([write(items)])
    expected = {x.strip() for x in items if x.strip()}
    assert sets(r) == [expected]


@given(st.lists(st.text(alphabet="abc xyz-_", max_size=8), max_size=5))
def test_plain_text_splits_like_str_split(items):
    cell = ";".join(items)
    expected = {x.strip() for x in items if x.strip()}
    assert sets(roster([cell])) == [expected]


def test_separator_is_configurable():
    assert sets(roster(["a|b", "c"], list_sep="|")) == [{"a", "b"}, {"c"}]
    assert sets(roster(["a;b", "c"], list_sep=None)) == [{"a;b"}, {"c"}]
    assert sets(roster(["['a;b']"], list_sep=";")) == [{"a;b"}]  # list text wins


@pytest.mark.parametrize("sep", ["", 3, [";"]])
def test_bad_separator(sep):
    with pytest.raises(gm.InputError, match=r"'list_sep' must be a non-empty string or None"):
        roster(["a"], list_sep=sep)


def test_bracketed_text_that_is_not_a_list_is_an_error():
    with pytest.raises(gm.InputError,
                       match=r"Column 'needs' must hold lists.*row 1\).*Row 1 holds text in "
                             r"\[\.\.\.\].*'\[a, b\]'"):
        roster(["a", "[a, b]"])


def test_parenthesised_text_that_is_not_a_tuple_stays_text():
    assert sets(roster(["(none)", "{x}"])) == [{"(none)"}, {"{x}"}]


@pytest.mark.parametrize("cell, what", [
    ([["a"], "b"], "a list inside the list"),
    ("[['a'], 'b']", "a list inside the list"),
    ({"a": 1}, "a dict"),
    (True, "the flag True"),
    (np.array([["a"]]), "a 2-d array"),
])
def test_unreadable_cells_are_named(cell, what):
    cells = ["x", None]
    cells[1] = cell
    with pytest.raises(gm.InputError, match=rf"Column 'needs' must hold lists.*{what}"):
        roster(cells)


def test_error_on_a_sensitive_multi_column_does_not_show_the_cell():
    df = pd.DataFrame({"id": ["a", "b"], "health": ["x", "[secret-value, x]"]})
    with pytest.raises(gm.InputError) as err:
        gm.Roster.from_frame(df, multi=["health"], sensitive=["health"])
    assert "secret-value" not in str(err.value)
    assert "Column 'health'" in str(err.value)


# ------------------------------------------------------------------ lists of columns
@pytest.mark.parametrize("param, value", [
    ("multi", "needs"), ("categorical", "department"), ("numeric", "tenure"),
    ("sensitive", "department"),
])
def test_a_string_where_a_list_of_columns_belongs(param, value):
    df = pd.DataFrame({"id": ["a", "b"], "needs": ["x", "y"], "department": ["d", "e"],
                       "tenure": [1, 2]})
    with pytest.raises(gm.InputError, match=rf"pass a list: {param}=\['{value}'\]"):
        gm.Roster.from_frame(df, **{param: value})


def test_lists_tuples_and_mappings_of_columns_still_work():
    df = pd.DataFrame({"id": ["a", "b"], "goals": ["x", "y"], "department": ["d", "e"],
                       "gender": ["f", "m"]})
    r = gm.Roster.from_frame(df, categorical=("department", "gender"), multi={"needs": "goals"},
                             sensitive=("gender",))
    assert list(r.categorical) == ["department", "gender"]
    assert r.topics == ("x", "y") and r.sensitive == ("gender",)


@pytest.mark.parametrize("kw, match", [
    ({"multi": {"needs": ["a", "b"]}}, r"'multi' maps each name to one column"),
    ({"categorical": 5}, r"'categorical' takes a list of column names; got 5"),
    ({"categorical": [["a"]]}, r"flat list of column names"),
    ({"sensitive": {"gender": 1}}, r"'sensitive' takes a list of column names; got a mapping"),
    ({"id": ["id"]}, r"'id' takes one column name"),
])
def test_other_malformed_column_parameters(kw, match):
    with pytest.raises(gm.InputError, match=match):
        gm.Roster.from_frame(pd.DataFrame({"id": ["a"], "gender": ["f"]}), **kw)


def test_duplicate_column_names():
    df = pd.DataFrame([["a", "x", "y"], ["b", "x", "y"]], columns=["id", "site", "site"])
    with pytest.raises(gm.InputError, match=r"duplicate column names \('site'\)"):
        gm.Roster.from_frame(df)


# ------------------------------------------------------------------ ids
@pytest.mark.parametrize("ids, shown", [
    ([1, 1.0, 2], r"Ids 1 and 1\.0 are the same id"),
    ([1, "1", 2], r"Ids 1 and '1' are the same id"),
    (["a", " a ", "b"], r"Ids 'a' and ' a ' are the same id"),
])
def test_ids_that_collide_after_normalisation(ids, shown):
    df = pd.DataFrame({"id": pd.Series(ids, dtype=object)})
    with pytest.raises(gm.InputError, match=rf"Column 'id' must hold unique ids.*rows 0, 1\)\. "
                                            rf"{shown}"):
        gm.Roster.from_frame(df)


def test_whole_float_ids_become_ints_and_match_everywhere():
    df = pd.DataFrame({"id": [1.0, 2.0, 3.0], "manager_id": [np.nan, 1, "1"]})
    r = gm.Roster.from_frame(df)
    assert r.ids.tolist() == [1, 2, 3] and all(type(i) is int for i in r.ids)
    assert r.manager.tolist() == [-1, 0, 0]
    assert r.rows_of([3, 2.0, "1"], "test").tolist() == [2, 1, 0]


def test_other_ids_are_kept_as_given():
    df = pd.DataFrame({"id": pd.Series([1.5, "x", 7], dtype=object)})
    r = gm.Roster.from_frame(df)
    assert r.ids.tolist() == [1.5, "x", 7]
    assert r.rows_of(["1.5", 7.0], "test").tolist() == [0, 2]


# ------------------------------------------------------------------ time zones
def test_time_zones_in_range_are_read():
    df = pd.DataFrame({"id": [1, 2, 3, 4], "timezone": [-12, 14, 5.5, "-3.5"]})
    assert gm.Roster.from_frame(df).timezone.tolist() == [-12, 14, 5.5, -3.5]


@pytest.mark.parametrize("bad", [15, -12.5, 330])
def test_out_of_range_time_zones(bad):
    df = pd.DataFrame({"id": [1, 2], "timezone": [0, bad]})
    with pytest.raises(gm.InputError, match=r"Column 'timezone' must hold UTC offsets in hours "
                                            r"between -12 and \+14.*row 1\).*not minutes"):
        gm.Roster.from_frame(df)


# ------------------------------------------------------------------ pairs
@pytest.mark.parametrize("rule", [gm.CannotGroup, gm.MustGroup])
def test_one_bare_pair_is_one_pair(rule):
    assert rule(("ab", "cd")).pairs == (("ab", "cd"),)
    assert rule(["a", "b"]).pairs == (("a", "b"),)
    assert rule(np.array([1, 2])).pairs == ((1, 2),)


@pytest.mark.parametrize("rule", [gm.CannotGroup, gm.MustGroup])
def test_lists_of_pairs_still_work(rule):
    assert rule([("a", "b"), ["c", "d"]]).pairs == (("a", "b"), ("c", "d"))
    assert rule(np.array([["a", "b"], ["c", "d"]])).pairs == (("a", "b"), ("c", "d"))
    frame = pd.DataFrame({"x": ["a", "c"], "y": ["b", "d"]})
    assert rule(frame).pairs == (("a", "b"), ("c", "d"))
    assert rule().pairs == () and rule([]).pairs == ()


@pytest.mark.parametrize("pairs, match", [
    (("a", "b", "c"), r"exactly two ids; got 3 ids \('a', 'b', 'c'\)"),
    (("a",), r"exactly two ids; got 1 ids"),
    ([("a", "b", "c")], r"exactly two ids; got 3 in \('a', 'b', 'c'\)"),
    ([("a", "b"), "c"], r"the single id 'c' among the pairs"),
    ([("a", ("b", "c"))], r"nested value"),
    ("ab", r"needs a list of id pairs; got 'ab'"),
    ({"a": "b"}, r"needs a list of id pairs"),
    (5, r"needs a list of id pairs; got 5"),
    (pd.DataFrame({"x": [1], "y": [2], "z": [3]}), r"exactly two columns; got 3"),
])
def test_malformed_pairs(pairs, match):
    with pytest.raises(gm.InputError, match=match):
        gm.CannotGroup(pairs)


def test_a_bare_pair_is_honoured_by_a_solve():
    r = gm.Roster.from_frame(pd.DataFrame({"id": ["ab", "cd", "a", "b"]}))
    g = gm.solve(r, gm.PeerGroups(size=2, terms=[gm.MustGroup(("ab", "cd"))]),
                 time_limit=5, workers=1, method="exact")
    group = dict(zip(g.assignments["id"], g.assignments["group"], strict=True))
    assert group["ab"] == group["cd"] and group["a"] == group["b"]


# ------------------------------------------------------------------ solve settings
@pytest.mark.parametrize("kw, match", [
    ({"workers": 0}, r"'workers' must be >= 1; got 0"),
    ({"workers": -2}, r"'workers' must be >= 1; got -2"),
    ({"workers": 1.5}, r"'workers' must be an integer"),
    ({"time_limit": math.inf}, r"'time_limit' must be a finite number.*got inf.*generous"),
    ({"time_limit": float("nan")}, r"'time_limit' must be a finite number.*got nan"),
    ({"time_limit": 0}, r"'time_limit' must be a finite number of seconds > 0; got 0"),
    ({"time_limit": -1}, r"got -1"),
    ({"time_limit": "5"}, r"got '5'"),
    ({"time_limit": True}, r"got True"),
    ({"deterministic": "false"}, r"'deterministic' must be True or False; got 'false'"),
    ({"deterministic": 1}, r"'deterministic' must be True or False; got 1"),
    ({"deterministic": None}, r"'deterministic' must be True or False; got None"),
])
def test_bad_solve_settings(kw, match):
    with pytest.raises(gm.InputError, match=match):
        SolveSettings.of(**kw)


def test_bad_settings_are_refused_at_the_front_door():
    r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
    for kw in ({"workers": 0}, {"time_limit": math.inf}, {"deterministic": "false"}):
        with pytest.raises(gm.InputError):
            gm.solve(r, gm.PeerGroups(size=2), **kw)


def test_good_solve_settings_in_numpy_types():
    s = SolveSettings.of(time_limit=np.float64(2.5), workers=np.int64(1),
                         deterministic=np.bool_(True))
    assert (s.time_limit, s.workers, s.deterministic) == (2.5, 1, True)
    assert type(s.deterministic) is bool and type(s.time_limit) is float
    assert SolveSettings.of().workers >= 1  # None: the machine's cores


# ------------------------------------------------------------------ repr
def test_repr_is_short_and_names_only_columns():
    df = gm.datasets.load_sample()
    df.loc[0, "gender"] = "PLANTED-unique-value"
    r = gm.Roster.from_frame(df, sensitive=["gender"])
    text = repr(r)
    assert text.startswith("Roster(300 people; id='id'; categorical: department, site, level, "
                           "gender; numeric: tenure_years; multi: interests, needs, expertise, "
                           "slots; also: manager, team, role, capacity, timezone; "
                           "sensitive: gender)")
    assert "PLANTED" not in text and "E00001" not in text and "\n" not in text
    assert str(r) == text


def test_repr_of_many_columns_and_a_sub_roster():
    df = pd.DataFrame({"id": range(1010), **{f"c{k}": ["x"] * 1010 for k in range(7)},
                       "goals": ["a"] * 1010})
    r = gm.Roster.from_frame(df, categorical=[f"c{k}" for k in range(7)],
                             multi={"needs": "goals"})
    assert repr(r) == ("Roster(1,010 people; id='id'; categorical: c0, c1, c2, c3, … (+3 more); "
                       "multi: needs=goals)")
    assert repr(r.take([0, 1])).startswith("Roster(2 people of 1,010; ")
