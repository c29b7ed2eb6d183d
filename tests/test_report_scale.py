"""Issue 14: the HTML report stays readable at real sizes (colours, facilitator summary,
bounded pictures and file size, scrolling tables, the gap in words)."""

from __future__ import annotations

import base64
import dataclasses
import re
import struct

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

import groupmatch as gm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend

MAX_PX = 9 * 90  # MAX_FIGURE_HEIGHT inches at the report's 90 dpi


def _png_sizes(html: str) -> list[tuple[int, int]]:
    """(width, height) in pixels of every embedded PNG, from its IHDR header."""
    sizes = []
    for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html):
        head = base64.b64decode(data[:32])
        sizes.append(struct.unpack(">II", head[16:24]))
    return sizes


@pytest.fixture(scope="module")
def programme():
    """A facilitated programme of 300 people: about 70 possible facilitators, more than the
    report draws one bar each for."""
    roster = gm.Roster.from_frame(gm.datasets.make_organization(300, random_state=0))
    spec = gm.FacilitatedGroups(terms=[gm.Diversity("department")])
    return gm.solve(roster, spec, time_limit=1).raise_for_status()


def _assert_readable(grouping, html: str) -> None:
    assert len(grouping.loads) > gm.plots.MAX_LOAD_BARS
    assert len(html.encode("utf-8")) < 1_500_000
    sizes = _png_sizes(html)
    assert len(sizes) == 7  # group scores, four compositions, tenure, load summary
    assert max(h for _, h in sizes) <= MAX_PX


def test_facilitator_loads_are_summarised_and_pictures_bounded(programme):
    _assert_readable(programme, programme.to_html())
    ax = gm.plots.facilitator_load(programme)
    bars = [p.get_height() for p in ax.patches]
    assert len(bars) == 6 and sum(bars) == len(programme.loads)  # bands of capacity used
    assert ax.figure.get_size_inches()[1] <= 9
    assert f"Load of {len(programme.loads)} facilitators" in ax.get_title()
    few = dataclasses.replace(programme, loads=programme.loads.head(12))
    assert len(gm.plots.facilitator_load(few).patches) == 24  # capacity and load per person
    plt.close("all")


def test_long_tables_are_cut_to_their_budget_with_a_note():
    from groupmatch.htmlreport import _capped_table

    people = pd.DataFrame({"id": [f"p{i}" for i in range(3000)], "needs": ["x;" * 150] * 3000})
    parts = _capped_table(people, 100_000, "rows")
    assert len(parts) == 2 and "has them all" in parts[0]
    assert len(parts[1].encode("utf-8")) <= 100_000
    shown = int(re.search(r"First (\d+) of 3000 rows", parts[0]).group(1))
    assert 100 < shown < 3000 and parts[1].count("</tr>") == shown + 1  # + the header
    assert "x;" * 150 not in parts[1]  # long cells are cut too
    assert len(_capped_table(people.head(10), 100_000, "rows")) == 1  # small: whole, no note


@pytest.mark.slow
def test_a_facilitated_programme_of_2000_gives_a_small_report():  # the 4 MB report
    roster = gm.Roster.from_frame(gm.datasets.make_organization(2000, random_state=0))
    spec = gm.FacilitatedGroups(terms=[gm.Diversity("department")])
    grouping = gm.solve(roster, spec, time_limit=2).raise_for_status()
    html = grouping.to_html()
    _assert_readable(grouping, html)
    assert len(grouping.loads) > 300
    assert "the CSV export (Grouping.to_csv) has them all" in html  # the people table is cut


def _colours(ax) -> dict[str, tuple]:
    handles, labels = ax.get_legend_handles_labels()
    return {lab: to_rgb(h.patches[0].get_facecolor()) for h, lab in zip(handles, labels,
                                                                         strict=True)}


def test_category_colours_stay_distinct_past_ten():
    sites = [f"site {k:02d}" for k in range(30)]
    sites = sites + sites[:10] * 2  # 30 values, 20 of them once
    df = pd.DataFrame({"id": [f"p{i}" for i in range(len(sites))], "site": sites,
                       "floor": [f"floor {k % 15:02d}" for k in range(len(sites))]})
    g = gm.solve(gm.Roster.from_frame(df, categorical=["site", "floor"]),
                 gm.PeerGroups(size=5), time_limit=1)
    colours = _colours(gm.plots.composition(g, "floor"))
    assert len(colours) == 15 and len(set(colours.values())) == 15
    # more values than colours can tell apart: the rarest are drawn together as "other"
    colours = _colours(gm.plots.composition(g, "site"))
    assert len(colours) == 20 and "other (11 values)" in colours
    assert len(set(colours.values())) == 20
    every = _colours(gm.plots.composition(g, "site", max_categories=None))
    assert len(set(every.values())) == 30
    plt.close("all")


@pytest.mark.parametrize("k", [3, 10, 11, 20, 21, 40, 60])
def test_the_palette_scales(k):
    colours = np.array(gm.plots.palette(k))
    assert colours.shape == (k, 3) and len({tuple(c) for c in colours}) == k
    neighbours = np.sqrt(((colours[1:] - colours[:-1]) ** 2).sum(axis=1))
    assert k == 1 or neighbours.min() > 0.15  # stacked next to each other: clearly apart


def test_wide_tables_scroll_and_the_gap_is_said_in_words():
    from groupmatch.htmlreport import gap_in_words

    df = pd.DataFrame({"id": list("abcdefgh"), "department": list("xxyyxxyy")})
    g = gm.solve(gm.Roster.from_frame(df),
                 gm.PeerGroups(size=4, terms=[gm.Diversity("department")]))
    assert g.status is gm.Status.OPTIMAL and "proven optimal" in gap_in_words(g)
    unproven = dataclasses.replace(g, status=gm.Status.FEASIBLE, objective=996, bound=1000,
                                   gap=4 / 996)
    html = unproven.to_html()
    assert "overflow-x: auto" in html
    assert html.count("<table") == html.count('<div class="wide"><table') == 5
    assert "within 0.4% of the best possible" in html and "1,000 (the bound)" in html
    assert "0.40%" not in html
    no_bound = dataclasses.replace(unproven, bound=None, gap=None)
    assert "no bound on the best possible objective was proven" in gap_in_words(no_bound)
