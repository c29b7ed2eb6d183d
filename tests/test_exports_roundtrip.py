"""Issue 14: answers keep the caller's group numbers, exports damage nothing and read back into
gm.check, and a Grouping pickles in every mode."""

from __future__ import annotations

import csv
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import groupmatch as gm

# ids a spreadsheet would run (=, @, a phone number with spaces), plain numbers it would not
# (-17, +44), a text number, a hyphenated name, a quote that is data, and "NA"
IDS = ["-17", "+44", "@bob", "=1", "007", "Anne-Marie", "+44 20 7946 0958", "'=x", "NA",
       "-inf", "''@y", "'plain"]


def _six():
    return gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef"),
                                              "department": list("xxxyyy")}))


# -- gm.check / gm.score keep the caller's group numbers -----------------------------------
def test_check_keeps_the_callers_group_numbers():  # the issue's own example
    roster = _six()
    spec = gm.PeerGroups(size=3, terms=[gm.Pin({"a": 1})])
    assert gm.check(roster, spec, [1, 0, 0, 0, 1, 1]) == []
    assert gm.check(roster, spec, np.array([1, 0, 0, 0, 1, 1])) == []
    assert gm.check(roster, spec, pd.Series([1, 1, 0, 0, 0, 1], index=list("aefbcd"))) == []
    table = pd.DataFrame({"id": list("fedcba"), "group": [1, 1, 0, 0, 0, 1]})
    assert gm.check(roster, spec, table) == []
    broken = gm.check(roster, spec, [0, 1, 1, 1, 0, 0])  # a sits in the caller's group 0
    assert [(v.rule, v.groups) for v in broken] == [("Pin", (1,))]


def test_per_group_size_ranges_are_checked_against_the_callers_groups():
    roster, spec = _six(), gm.PeerGroups(size=[(2, 2), (4, 4)])
    assert gm.check(roster, spec, [1, 0, 0, 1, 1, 1]) == []
    wrong = gm.check(roster, spec, [0, 1, 1, 0, 0, 0])  # sizes swapped
    assert {v.rule for v in wrong} == {"SizeBounds"} and len(wrong) == 2
    assert gm.score(roster, spec, [1, 0, 0, 1, 1, 1]) == {"total": 0}


def test_labels_from_a_file_mean_the_same_numbers():
    roster = _six()
    spec = gm.PeerGroups(size=3, terms=[gm.Pin({"a": 1})])
    # pandas reads a group column with a gap as floats, or text with dtype=str
    assert gm.check(roster, spec, [1.0, 0.0, 0.0, 0.0, 1.0, 1.0]) == []
    assert gm.check(roster, spec, ["1", "0", "0", "0", "1", "1"]) == []
    for missing in (None, np.nan, pd.NA, "", -1, "-1"):
        a = [1, 0, missing, 0, 1, 1]
        assert any(v.people == (2,) for v in gm.check(roster, spec, a)), missing


def test_other_labels_are_renumbered_in_sorted_order_only_where_numbers_mean_nothing():
    roster, plain = _six(), gm.PeerGroups(size=3, terms=[gm.Diversity("department")])
    by_number = gm.score(roster, plain, [0, 1, 0, 1, 0, 1])
    assert gm.score(roster, plain, ["g2", "g1", "g2", "g1", "g2", "g1"]) == by_number
    assert gm.score(roster, plain, [1, 2, 1, 2, 1, 2]) == by_number  # 1-based
    assert gm.check(roster, plain, [1, 2, 1, 2, 1, 2]) == []
    three = gm.check(roster, plain, [0, 0, 1, 1, 2, 2])  # a third group the spec lacks
    assert any("3 groups used" in v.message for v in three)
    pinned = gm.PeerGroups(size=3, terms=[gm.Pin({"a": 1})])
    with pytest.raises(gm.InputError, match=r"numbers its groups 1\.\.2.*Subtract 1"):
        gm.check(roster, pinned, [2, 1, 1, 1, 2, 2])
    with pytest.raises(gm.InputError, match="cannot be guessed"):
        gm.check(roster, pinned, ["x", "y", "y", "y", "x", "x"])
    with pytest.raises(gm.InputError, match="each group has its own size range"):
        gm.check(roster, gm.PeerGroups(size=[(2, 2), (4, 4)]), list("xyyxxx"))
    with pytest.raises(gm.InputError, match="Group -2"):
        gm.check(roster, plain, [0, 0, 0, 1, 1, -2])
    with pytest.raises(gm.InputError, match="more than once"):
        gm.check(roster, plain, pd.DataFrame({"id": list("aabcdef"),
                                              "group": [0, 1, 0, 0, 1, 1, 1]}))


# -- exports that do not damage data --------------------------------------------------------
@pytest.fixture(scope="module")
def tricky():
    """Ids and names that a spreadsheet would run, and ones it would not; two pins."""
    n = len(IDS)
    df = pd.DataFrame({"id": IDS, "name": IDS[::-1],
                       "phone": ["+44 20 7946 0958", "+4420794609", "007", "-", "", "=2"] * 2,
                       "balance": [-17, 3, -1.5, 2, 0, 7, 1, 2, 3, 4, 5, -6],
                       "department": list("xy") * (n // 2)})
    roster = gm.Roster.from_frame(df, numeric=[])
    spec = gm.PeerGroups(size=4, terms=[gm.Diversity("department"),
                                        gm.Pin({"=1": 2, "@bob": 1, "-17": 0})])
    return roster, spec, gm.solve(roster, spec, time_limit=1).raise_for_status()


def test_csv_quotes_only_what_a_spreadsheet_would_run(tricky, tmp_path):
    _, _, g = tricky
    path = g.to_csv(tmp_path / "g.csv")
    with open(path, newline="", encoding="utf-8") as f:
        cells = {r["id"]: r for r in csv.DictReader(f)}
    written = set(cells)
    assert {"-17", "+44", "007", "Anne-Marie", "NA", "'plain"} <= written  # as they are
    assert {"'@bob", "'=1", "'+44 20 7946 0958", "'-inf"} <= written  # would run: quoted
    assert {"''=x", "'''@y"} <= written  # data that starts with a quote: one more, undoable
    assert cells["-17"]["balance"] == "-17.0"  # a negative number stays a number
    assert cells["'=1"]["phone"] == "'-" and cells["Anne-Marie"]["phone"] == "'=2"
    assert cells["+44"]["phone"] == "+4420794609" and cells["'@bob"]["phone"] == "007"


def test_ids_round_trip_through_csv_into_check(tricky, tmp_path):
    roster, spec, g = tricky
    path = g.to_csv(tmp_path / "g.csv")
    back = gm.read_assignments(path)
    assert back["id"].tolist() == list(g.assignments["id"]) and set(back["id"]) == set(IDS)
    assert back["group"].tolist() == g.assignments["group"].tolist()
    assert gm.check(roster, spec, back) == []
    assert gm.check(roster, spec, path) == [] and gm.check(roster, spec, str(path)) == []
    assert gm.score(roster, spec, path) == gm.score(roster, spec, g)
    people = back.set_index("id")
    for i, pid in enumerate(IDS):
        assert people.loc[pid, "name"] == IDS[::-1][i]  # names as they were
    assert people.loc["-17", "phone"] == "+44 20 7946 0958"
    assert people.loc["+44", "phone"] == "+4420794609" and people.loc["=1", "phone"] == "-"
    assert people.loc["Anne-Marie", "phone"] == "=2"
    assert people.loc["@bob", "phone"] == "007"  # a text number stays text
    assert pd.isna(people.loc["007", "phone"])  # an empty cell is missing
    assert people["balance"].tolist() == [-17, 3, -1.5, 2, 0, 7, 1, 2, 3, 4, 5, -6]


def test_excel_cells_are_text_never_formulas_and_show_no_prefix(tricky, tmp_path):
    roster, spec, g = tricky
    path = g.to_excel(tmp_path / "g.xlsx")
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", f"formula in {sheet.title}!{c.coordinate}"
    sheet = book["assignments"]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == set(IDS)  # no visible quote added to any id
    for pid in ("=1", "@bob", "-inf", "+44 20 7946 0958"):
        cell = rows[pid]["id"]
        assert cell.data_type == "s" and cell.value == pid and cell.quotePrefix
    assert rows["Anne-Marie"]["id"].quotePrefix is False
    assert rows["-17"]["balance"].value == -17 and rows["-17"]["balance"].data_type == "n"
    assert rows["=1"]["phone"].value == "-" and rows["Anne-Marie"]["phone"].value == "=2"
    assert rows["@bob"]["phone"].value == "007"
    back = gm.read_assignments(path)
    assert set(back["id"]) == set(IDS) and gm.check(roster, spec, back) == []
    assert gm.check(roster, spec, path) == []


def test_json_round_trips_into_check(tricky, tmp_path):
    roster, spec, g = tricky
    path = g.to_json(tmp_path / "g.json")
    assert json.loads(path.read_text())["assignments"][0]["id"] in IDS
    assert gm.check(roster, spec, gm.read_assignments(path)) == []


def test_read_assignments_says_what_is_wrong(tmp_path):
    with pytest.raises(gm.InputError, match="suffix"):
        gm.read_assignments(tmp_path / "g.txt")
    (tmp_path / "x.csv").write_text("person,team\na,1\n")
    with pytest.raises(gm.InputError, match="'id' and 'group'"):
        gm.read_assignments(tmp_path / "x.csv")


def test_a_facilitated_export_reads_back_into_check(tmp_path):
    people = pd.DataFrame({"id": [f"=m{i}" for i in range(6)] + ["@f", "-7"],
                           "role": ["mentee"] * 6 + ["mentor", "mentor"],
                           "needs": ["sql"] * 3 + ["git"] * 3 + ["", ""],
                           "expertise": [""] * 6 + ["sql", "git"],
                           "mentor_capacity_groups": [0] * 6 + [1, 1],
                           "mentor_capacity_mentees": [0] * 6 + [3, 3]})
    roster = gm.Roster.from_frame(people)
    spec = gm.FacilitatedGroups(size=(3, 3))
    g = gm.solve(roster, spec, time_limit=2).raise_for_status()
    path = g.to_csv(tmp_path / "f.csv")
    back = gm.read_assignments(path)
    assert {"id", "group", "role", "topic"} <= set(back.columns)
    assert gm.check(roster, spec, back) == [] and gm.check(roster, spec, path) == []
    assert gm.score(roster, spec, path) == gm.score(roster, spec, g)


# -- a Grouping pickles -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def org():
    return gm.Roster.from_frame(gm.datasets.make_organization(80, random_state=2))


@pytest.mark.parametrize("spec", [
    gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.SharedNeeds(),
                                      gm.NotWithManager()]),
    gm.FacilitatedGroups(terms=[gm.Diversity("department"), gm.BalanceLoad()]),
    gm.TeamMentoring(terms=[gm.GoalCoverage()]),
], ids=["peer", "facilitated", "team"])
def test_a_grouping_pickles_in_every_mode(org, spec, tmp_path):
    g = gm.solve(org, spec, time_limit=1).raise_for_status()
    back = pickle.loads(pickle.dumps(g))
    assert type(back) is type(g) and back.status is g.status
    pd.testing.assert_frame_equal(back.assignments, g.assignments)
    assert gm.check(org, back.spec, back) == []
    assert gm.score(org, back.spec, back) == gm.score(org, spec, g)
    assert back.explain(0).equals(g.explain(0))
    assert back.to_csv(tmp_path / "b.csv").read_text() == g.to_csv(tmp_path / "a.csv").read_text()


def test_a_roster_pickles_and_stays_read_only(org):
    back = pickle.loads(pickle.dumps(org))
    assert back.ids.tolist() == org.ids.tolist() and list(back.categorical) == list(org.categorical)
    assert not back.ids.flags.writeable
    assert not back.categorical["department"].codes.flags.writeable
    with pytest.raises(TypeError):
        back.categorical["x"] = None  # still a read-only mapping
    small = _six()
    spec = gm.PeerGroups(size=3, terms=[gm.Diversity("department")])
    # deterministic: several optimal partitions tie, and wall-clock multi-worker CP-SAT may
    # return either one; the same input and seed must give the same one
    one = gm.solve(small, spec, deterministic=True)
    two = gm.solve(pickle.loads(pickle.dumps(small)), spec, deterministic=True)
    assert one.status is two.status is gm.Status.OPTIMAL
    assert one.assignment_array().tolist() == two.assignment_array().tolist()


def test_a_column_named_id_beside_the_id_column_survives_the_export(tmp_path):
    df = pd.DataFrame({"employee_id": list("abcd"), "id": [1, 2, 3, 4], "dept": list("xyxy")})
    roster = gm.Roster.from_frame(df, id="employee_id")
    g = gm.solve(roster, gm.PeerGroups(size=2), time_limit=1)
    path = tmp_path / "groups.csv"
    g.to_csv(path)
    back = gm.read_assignments(path)
    assert back["id_roster"].tolist() == [1, 2, 3, 4]
    assert gm.check(roster, gm.PeerGroups(size=2), back) == []
