"""Exports (CSV, Excel, JSON), formula injection, sensitive columns, graphs and plots (issue 6)."""

import csv
import json

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import groupmatch as gm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend

INJECTIONS = ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture(scope="module")
def hostile():
    """Names that a spreadsheet would run as formulas, a sensitive column, negative numbers."""
    n = 12
    df = pd.DataFrame({
        "id": [f"e{i}" for i in range(n)],
        "name": INJECTIONS + [f"Person {i}" for i in range(n - len(INJECTIONS))],
        "department": list("aabbccaabbcc"),
        "gender": list("FMFMFMFMFMXF"),
        "balance": [-5, 3, -1.5, 2, 0, -7, 1, 2, 3, 4, 5, -6],
        "needs": ["x;y", "x", "y", "z", "x;z", "y", "z", "x", "y;z", "x", "z", "y"],
    })
    roster = gm.Roster.from_frame(df, numeric=[], sensitive=["gender"])
    spec = gm.PeerGroups(size=4, terms=[gm.Diversity("department"), gm.Diversity("gender"),
                                        gm.SharedNeeds()])
    return gm.solve(roster, spec, time_limit=1, deterministic=True).raise_for_status()


def test_csv_has_no_live_formula(hostile, tmp_path):
    path = hostile.to_csv(tmp_path / "groups.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    names = {r["id"]: r["name"] for r in rows}
    assert names["e0"] == "'=HYPERLINK(\"x\")"
    for text in INJECTIONS:
        assert f"'{text}" in names.values()
    def is_number(v):
        try:
            float(v)
        except ValueError:
            return False
        return True

    assert not any(v.startswith(tuple("=+-@\t\r")) for r in rows for v in r.values()
                   if v and not is_number(v))
    balances = {r["id"]: r["balance"] for r in rows}
    assert float(balances["e0"]) == -5.0  # a negative number stays a number
    assert len(rows) == 12 and {r["group"] for r in rows} == {"0", "1", "2"}


def test_excel_has_no_live_formula(hostile, tmp_path):
    path = hostile.to_excel(tmp_path / "groups.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["assignments", "groups", "summary"]
    sheet = book["assignments"]
    header = [c.value for c in sheet[1]]
    cells = {row[0].value: dict(zip(header, row, strict=True))
             for row in sheet.iter_rows(min_row=2)}
    name = cells["e0"]["name"]
    assert name.data_type == "s" and isinstance(name.value, str)
    assert name.value == '=HYPERLINK("x")' and name.quotePrefix  # a text cell, shown as is
    for row in sheet.iter_rows():
        for c in row:
            assert c.data_type != "f", f"live formula in {c.coordinate}: {c.value!r}"
    assert cells["e0"]["balance"].value == -5 and cells["e0"]["balance"].data_type == "n"
    groups = pd.read_excel(path, sheet_name="groups")
    assert groups["members"].str.split(";").map(len).tolist() == [4, 4, 4]


def test_sensitive_columns_stay_out_unless_asked(hostile, tmp_path):
    assert "gender" not in pd.read_csv(hostile.to_csv(tmp_path / "a.csv")).columns
    assert "gender" not in pd.read_excel(hostile.to_excel(tmp_path / "a.xlsx")).columns
    assert "gender" not in json.loads(hostile.to_json())["assignments"][0]
    html = hostile.to_html()
    assert "<th>gender</th>" not in html
    shown = pd.read_csv(hostile.to_csv(tmp_path / "b.csv", include_sensitive=True))
    assert shown.set_index("id").loc["e10", "gender"] == "X"
    graph = hostile.to_networkx()
    assert "gender" not in graph.nodes["e0"]
    assert hostile.to_networkx(include_sensitive=True).nodes["e0"]["gender"] == "F"


def test_json_round_trip(hostile, tmp_path):
    doc = json.loads(gm.export(hostile, tmp_path / "g.json").read_text())
    assert doc["summary"]["objective"] == hostile.objective
    assert doc["summary"]["breakdown"] == dict(hostile.breakdown)
    assert sorted(m for g in doc["groups"] for m in g["members"]) == sorted(
        f"e{i}" for i in range(12))
    assert doc["assignments"][0]["name"] == '=HYPERLINK("x")'  # JSON is data, not a sheet


def test_export_errors(hostile, tmp_path):
    with pytest.raises(gm.InputError, match="suffix"):
        gm.export(hostile, tmp_path / "g.txt")
    with pytest.raises(gm.InputError, match="format"):
        gm.export(hostile, tmp_path / "g.csv", format="pdf")


def test_graphml_round_trip(hostile, tmp_path):
    graph = hostile.to_networkx()
    people = [n for n, d in graph.nodes(data=True) if d["kind"] == "person"]
    groups = [n for n, d in graph.nodes(data=True) if d["kind"] == "group"]
    assert len(people) == 12 and len(groups) == 3
    member = [(u, v) for u, v, d in graph.edges(data=True) if d["kind"] == "member"]
    assert len(member) == 12
    roster, a = hostile._roster, hostile.assignment_array()
    m = roster.multi["needs"].matrix
    for u, v, d in graph.edges(data=True):
        if d["kind"] == "shared_need":
            i, j = roster.rows_of([u, v], "test")
            assert a[i] == a[j]
            assert d["weight"] == int((m[i] & m[j]).sum()) > 0
    path = tmp_path / "g.graphml"
    nx.write_graphml(graph, path)
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.nodes["e0"]["name"] == '=HYPERLINK("x")'


def test_plots_draw_what_they_say(hostile):
    ax = gm.plots.composition(hostile, "department")
    heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 3)  # values x groups
    assert heights.sum(axis=0).tolist() == [4, 4, 4]
    with pytest.raises(gm.InputError, match="sensitive"):
        gm.plots.composition(hostile, "gender")
    ax = gm.plots.score_distribution(hostile)
    assert sum(p.get_height() for p in ax.patches) == 3
    with pytest.raises(gm.InputError, match="no facilitator"):
        gm.plots.facilitator_load(hostile)
    plt.close("all")


def test_progress_log_and_objective_plot():
    roster = gm.Roster.from_frame(gm.datasets.load_sample())
    log = gm.ProgressLog()
    g = gm.solve(roster, gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")]),
                 time_limit=1, progress=log)
    frame = log.frame()
    assert len(frame) >= 1 and frame["elapsed"].is_monotonic_increasing
    assert frame["objective"].max() <= g.objective
    ax = gm.plots.objective_over_time(log)
    assert ax.get_lines()[0].get_ydata()[-1] == frame["objective"].max()
    plt.close("all")
