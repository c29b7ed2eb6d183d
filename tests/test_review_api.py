"""The review page's JSON API on a real uvicorn server (issue 17): the token is required, every
move's delta is the difference of two ``gm.score`` results and its broken rules are ``gm.check``
of the new groups, swap / undo / redo, re-solve around pins, exports, facilitated groups, and
the command line's first line."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groupmatch as gm

PROGRAMME = """name = "Review test"
[roster]
file = "people.csv"
categorical = ["department", "site", "level", "gender"]
multi = { needs = "needs" }
manager = "manager_id"
sensitive = ["gender"]
[mode]
kind = "peer"
size = [4, 6]
[[terms]]
type = "Diversity"
column = "department"
[[terms]]
type = "Diversity"
column = "gender"
[[terms]]
type = "SharedNeeds"
weight = 2
[[terms]]
type = "NotWithManager"
[solve]
time_limit = 1
deterministic = true
"""


def write_programme(folder, n: int = 120):
    """people.csv, programme.toml and groups.csv (a solve of it) in ``folder``."""
    gm.datasets.make_organization(n, random_state=3).to_csv(folder / "people.csv", index=False)
    (folder / "programme.toml").write_text(PROGRAMME)
    prog = gm.load_programme(folder / "programme.toml")
    grouping = prog.solve().raise_for_status()
    grouping.to_csv(folder / "groups.csv")
    return prog, folder / "groups.csv"


def call(url: str, path: str, body=None, *, auth: str = "header", raw: bool = False):
    """(status, JSON or bytes) of one request; ``auth`` is "header", "query" or "none"."""
    base, token = url.split("/?token=")
    target = base + path
    headers = {}
    if auth == "query":
        target += ("&" if "?" in path else "?") + "token=" + token
    elif auth == "header":
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(target, data=data, headers=headers,
                                     method="GET" if data is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, content = err.code, err.read()
    if raw:
        return status, content
    try:
        return status, json.loads(content)
    except ValueError:
        return status, content


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    prog, groups = write_programme(folder)
    server = gm.review(str(groups), prog, block=False, open_browser=False)
    yield server, prog, folder
    server.stop()


def reset(url: str) -> None:
    """Back to the groups the server started with, nobody pinned."""
    status, view = call(url, "/api/groups")
    for _ in range(view["history"]["undo"]):
        assert call(url, "/api/undo", {})[0] == 200
    call(url, "/api/unpin", {"ids": view["pins"]})


def api_array(url: str, roster) -> np.ndarray:
    """The API's groups as one group per roster row (-1: none)."""
    view = call(url, "/api/groups")[1]
    where = {str(m["id"]): c["group"] for c in view["groups"] for m in c["members"]}
    return np.array([where.get(str(i), -1) for i in roster.ids])


def rules(violations) -> list[tuple[str, str]]:
    return [(v["rule"], v["message"]) for v in violations]


def test_every_request_needs_the_token(peer):
    server, _, _ = peer
    base, token = server.url.split("/?token=")
    for path in ("/", "/api/groups", "/static/app.js", "/api/export.csv"):
        assert call(server.url, path, auth="none")[0] == 403, path
    assert call(base + "/?token=wrong" + "x" * 10, "/api/groups", auth="query")[0] == 403
    assert call(server.url, "/api/move", {"id": "E00001", "to": 0}, auth="none")[0] == 403
    status, view = call(server.url, "/api/groups", auth="query")
    assert status == 200 and view["mode"] == "peer"
    assert call(server.url, "/api/groups", auth="header")[0] == 200
    status, page = call(server.url, "/", auth="query", raw=True)
    assert status == 200 and token.encode() in page and b"//cdn" not in page
    assert server.url.startswith("http://127.0.0.1:")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_move_reports_the_score_difference_and_gm_check(peer, data):
    server, prog, _ = peer
    roster, spec = prog.roster, prog.spec
    before = api_array(server.url, roster)
    row = data.draw(st.integers(0, roster.n - 1))
    to = data.draw(st.integers(0, int(before.max())))
    status, out = call(server.url, "/api/move", {"id": roster.ids[row], "to": to})
    assert status == 200, out
    after = api_array(server.url, roster)
    assert after[row] == to and np.array_equal(np.delete(after, row), np.delete(before, row))
    old, new = gm.score(roster, spec, before), gm.score(roster, spec, after)
    assert out["delta"] == {k: new[k] - old[k] for k in new}
    assert list(out["delta"])[0] == "total"
    assert rules(out["violations"]) == [(v.rule, v.message) for v in gm.check(roster, spec, after)]


def test_a_move_next_to_the_manager_breaks_not_with_manager(peer):
    server, prog, _ = peer
    reset(server.url)
    roster, spec = prog.roster, prog.spec
    a = api_array(server.url, roster)
    frame = prog.roster.frame.set_index("id")
    row = next(i for i, pid in enumerate(roster.ids)
               if frame.loc[pid, "manager_id"] in set(roster.ids))
    boss = roster.rows_of([frame.loc[roster.ids[row], "manager_id"]], "test")[0]
    status, out = call(server.url, "/api/move", {"id": roster.ids[row], "to": int(a[boss])})
    assert status == 200
    b = api_array(server.url, roster)
    assert "NotWithManager" in [v["rule"] for v in out["broken"]]
    assert any(str(roster.ids[row]) in v["message"] for v in out["broken"])
    old, new = gm.score(roster, spec, a), gm.score(roster, spec, b)
    assert out["delta"]["total"] == new["total"] - old["total"]
    card = next(c for c in out["groups"] if c["group"] == int(a[boss]))
    assert not card["ok"] and "NotWithManager" in [r["rule"] for r in card["rules"]]
    status, why = call(server.url, f"/api/explain?id={roster.ids[row]}")
    assert status == 200 and str(roster.ids[row]) in why["summary"]


def test_swap_undo_and_redo(peer):
    server, prog, _ = peer
    reset(server.url)
    roster = prog.roster
    start = api_array(server.url, roster)
    i = 0
    j = int(np.flatnonzero(start != start[i])[0])
    status, out = call(server.url, "/api/swap", {"a": roster.ids[i], "b": roster.ids[j]})
    assert status == 200 and sorted(out["touched"]) == sorted({int(start[i]), int(start[j])})
    swapped = api_array(server.url, roster)
    assert (swapped[i], swapped[j]) == (start[j], start[i])
    status, back = call(server.url, "/api/undo", {})
    assert status == 200 and back["delta"]["total"] == -out["delta"]["total"]
    assert np.array_equal(api_array(server.url, roster), start)
    assert call(server.url, "/api/redo", {})[0] == 200
    assert np.array_equal(api_array(server.url, roster), swapped)
    status, err = call(server.url, "/api/move", {"id": roster.ids[i], "to": 999})
    assert status == 400 and "does not exist" in err["error"]
    status, err = call(server.url, "/api/move", {"id": "nobody", "to": 0})
    assert status == 400 and "not in the roster" in err["error"]


def test_pinned_people_stay_put_when_the_rest_is_resolved(peer):
    server, prog, _ = peer
    reset(server.url)
    roster, spec = prog.roster, prog.spec
    a = api_array(server.url, roster)
    frame = prog.roster.frame.set_index("id")
    row = next(i for i, pid in enumerate(roster.ids)
               if frame.loc[pid, "manager_id"] in set(roster.ids))
    boss = roster.rows_of([frame.loc[roster.ids[row], "manager_id"]], "test")[0]
    other = next(k for k in range(roster.n) if k not in (row, boss))
    call(server.url, "/api/move", {"id": roster.ids[row], "to": int(a[boss])})
    moved = api_array(server.url, roster)
    status, out = call(server.url, "/api/pin", {"ids": [roster.ids[row], roster.ids[other]]})
    assert status == 200 and set(out["pins"]) == {roster.ids[row], roster.ids[other]}
    status, out = call(server.url, "/api/resolve", {"time_limit": 5})
    assert status == 200 and out["ok"], out
    now = api_array(server.url, roster)
    assert now[row] == moved[row] and now[other] == moved[other]
    assert gm.check(roster, spec, now) == [] and out["violations"] == []
    listed = {m["id"] for m in out["moves"] if m["kind"] == "moved"}
    assert listed == {roster.ids[k] for k in np.flatnonzero(now != moved)}
    assert listed and roster.ids[row] not in listed
    assert out["state"]["pins"] == out["pins"]


def test_exports_hold_the_api_state(peer, tmp_path):
    server, prog, _ = peer
    reset(server.url)
    roster = prog.roster
    call(server.url, "/api/swap", {"a": roster.ids[0], "b": roster.ids[-1]})
    state = api_array(server.url, roster)
    status, content = call(server.url, "/api/export.csv", raw=True)
    assert status == 200
    (tmp_path / "groups.csv").write_bytes(content)
    back = gm.read_assignments(tmp_path / "groups.csv")
    assert back["id"].tolist() == list(roster.ids)
    assert back["group"].astype(int).tolist() == state.tolist()
    assert "gender" not in back.columns  # sensitive
    status, content = call(server.url, "/api/export.xlsx", raw=True)
    (tmp_path / "groups.xlsx").write_bytes(content)
    assert gm.read_assignments(tmp_path / "groups.xlsx")["group"].astype(int).tolist() \
        == state.tolist()
    status, content = call(server.url, "/api/export.html", raw=True)
    assert status == 200 and content.startswith(b"<!DOCTYPE html>")
    status, content = call(server.url, "/api/programme.toml", raw=True)
    data = tomllib.loads(content.decode())
    pins = data["terms"][-1]
    assert pins["type"] == "Pin"
    assert [pins["assignments"][str(i)] for i in roster.ids] == state.tolist()
    again = tmp_path / "again.toml"
    again.write_bytes(content)
    pinned = gm.load_programme(again).spec  # the pins hold; the spec's own rules are as they are
    assert gm.check(roster, pinned, state) == gm.check(roster, prog.spec, state)


@pytest.fixture(scope="module")
def facilitated():
    roster = gm.Roster.from_frame(gm.datasets.make_organization(150, random_state=1))
    spec = gm.FacilitatedGroups(size=(3, 8), terms=[gm.Diversity("department"), gm.SharedNeeds(),
                                                    gm.NotWithManager(), gm.BalanceLoad()])
    grouping = gm.solve(roster, spec, time_limit=2, deterministic=True).raise_for_status()
    server = gm.review(grouping, block=False, open_browser=False)
    yield server, roster, spec
    server.stop()


def role_table(url: str) -> pd.DataFrame:
    view = call(url, "/api/groups")[1]
    rows = [(m["id"], c["group"], m["role"], c["topic"]) for c in view["groups"]
            for m in c["members"]]
    rows += [(p["id"], None, p["role"], None) for p in view["unplaced"]]
    table = pd.DataFrame(rows, columns=["id", "group", "role", "topic"])
    table["group"] = table["group"].astype("Int64")
    return table


def test_a_facilitator_moved_beyond_capacity_shows_the_rule(facilitated):
    server, roster, spec = facilitated
    view = call(server.url, "/api/groups")[1]
    assert view["loads"] and all("topic" in c for c in view["groups"])
    before = role_table(server.url)
    sizes = {c["group"]: c["size"] for c in view["groups"]}
    leads = before[before["role"] == "facilitator"].groupby("id")["group"].apply(list)
    f, target = next((r["id"], g) for r in view["loads"] for g in sorted(sizes, key=sizes.get)
                     if len(leads[r["id"]]) == 1 and g != leads[r["id"]][0]
                     and sizes[g] > r["capacity_mentees"])
    status, out = call(server.url, "/api/move", {"id": f, "to": int(target)})
    assert status == 200, out
    after = role_table(server.url)
    assert rules(out["violations"]) == [(v.rule, v.message)
                                        for v in gm.check(roster, spec, after)]
    assert any(v["rule"] == "Capacity" and f in v["people"] for v in out["broken"])
    assert next(r for r in out["loads"] if r["id"] == f)["over"]
    old, new = gm.score(roster, spec, before), gm.score(roster, spec, after)
    assert out["delta"] == {k: new[k] - old[k] for k in new}
    assert call(server.url, "/api/undo", {})[0] == 200
    assert call(server.url, "/api/groups")[1]["violations"] == []


def test_the_command_prints_its_address_first_and_stops_on_sigterm(peer):
    _, _, folder = peer
    process = subprocess.Popen(
        [sys.executable, "-m", "groupmatch.cli", "review", str(folder / "groups.csv"),
         "--programme", str(folder / "programme.toml"), "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{20,}", first), first
        assert call(first, "/api/groups", auth="none")[0] == 403
        status, view = call(first, "/api/groups")
        assert status == 200 and sum(len(c["members"]) for c in view["groups"]) == 120
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


def test_the_command_says_what_is_wrong_in_one_line(peer, capsys):
    from groupmatch.cli import main

    _, _, folder = peer
    code = main(["review", str(folder / "missing.csv"), "--programme",
                 str(folder / "programme.toml"), "--no-browser"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "missing.csv" in err
    assert err.startswith("groupmatch: error: ")
    assert main(["review", "x.csv", "--programme", str(folder / "programme.toml"),
                 "--port", "70000"]) == 2


def test_team_mentoring_groupings_are_scored_by_the_mode_itself():
    from groupmatch.review.session import ReviewSession

    roster = gm.Roster.from_frame(gm.datasets.make_organization(60, random_state=3))
    spec = gm.TeamMentoring(terms=[gm.GoalCoverage(), gm.MentorOutsideDepartment()])
    solved = gm.solve(roster, spec, time_limit=1, random_state=0).raise_for_status()
    session = ReviewSession(roster, spec, solved)
    table = solved.assignments.dropna(subset=["group"])
    mentor = table[table["role"] == "mentor"].iloc[0]
    other = int(next(g for g in table["group"].unique() if g != mentor["group"]))
    session.move(mentor["id"], other, from_group=int(mentor["group"]))
    grouping, score = session.grouping(), session.score()
    assert grouping.objective == score["total"] == gm.score(roster, spec, grouping)["total"]
    assert grouping.breakdown == {k: v for k, v in score.items() if k != "total"}
    for label, total in grouping.breakdown.items():  # per-group values add up to the term
        assert grouping.groups[label].sum() * spec.user_weights()[label] == total
