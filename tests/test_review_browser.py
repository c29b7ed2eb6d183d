"""The review page in headless Chromium (issue 17): everybody is shown, a drag shows the rule it
breaks, undo, pin, re-solve and export, checked against the JSON API.

Playwright for Python drives Debian's ``chromium`` (no browser download; ``.ci/run`` installs
it). Where chromium or Playwright is absent the tests are skipped and say so, except on CI
(``CI`` set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request

import numpy as np
import pytest

import groupmatch as gm

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PROGRAMME = """name = "Browser review"
[roster]
file = "people.csv"
categorical = ["department", "site", "gender"]
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
[[terms]]
type = "NotWithManager"
[solve]
time_limit = 1
deterministic = true
"""


def _missing(what: str):
    message = f"{what} is not installed (.ci/run installs chromium; playwright is a dev extra)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    gm.datasets.make_organization(80, random_state=5).to_csv(folder / "people.csv", index=False)
    (folder / "programme.toml").write_text(PROGRAMME)
    prog = gm.load_programme(folder / "programme.toml")
    prog.solve().raise_for_status().to_csv(folder / "groups.csv")
    server = gm.review(str(folder / "groups.csv"), prog, block=False, open_browser=False)
    yield server, prog
    server.stop()


@pytest.fixture(scope="module")
def page(review):
    if CHROMIUM is None:
        _missing("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright")
    server, _ = review
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        # tall enough that every card is in view: a drag never scrolls
        tab = browser.new_page(viewport={"width": 1400, "height": 4000}, accept_downloads=True)
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto(server.url)
        tab.wait_for_selector("body[data-ready='1']", state="attached", timeout=30000)
        tab.errors = errors
        yield tab
        browser.close()


def api(server, path: str, body=None):
    base, token = server.url.split("/?token=")
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"},
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def groups_of(server, roster) -> np.ndarray:
    view = api(server, "/api/groups")
    where = {str(m["id"]): c["group"] for c in view["groups"] for m in c["members"]}
    return np.array([where.get(str(i), -1) for i in roster.ids])


def changes(page) -> int:
    return int(page.evaluate("document.body.dataset.changes || '0'"))


def wait_change(page, before: int) -> None:
    # a selector, not a script: the page's content security policy forbids eval
    page.wait_for_selector(f"body[data-changes='{before + 1}']", state="attached",
                           timeout=30000)


def a_report_and_manager(roster, a):
    frame = roster.frame.set_index("id")
    for row, pid in enumerate(roster.ids):
        boss = frame.loc[pid, "manager_id"]
        if boss in set(roster.ids):
            b = int(roster.rows_of([boss], "test")[0])
            if a[row] != a[b]:
                return row, b
    raise AssertionError("no report and manager in different groups")


def drag(page, person, group) -> None:
    before = changes(page)
    page.locator(f"li.person[data-id='{person}']").drag_to(
        page.locator(f"#groups .card[data-group='{group}'] > header"))
    wait_change(page, before)


def test_the_page_shows_everyone(page, review):
    server, prog = review
    shown = page.locator("#groups li.person").evaluate_all("els => els.map(e => e.dataset.id)")
    assert sorted(shown) == sorted(map(str, prog.roster.ids))
    text = page.locator("#groups").inner_text()
    assert "department:" in text and "gender:" not in text  # sensitive stays hidden
    assert "every hard rule holds" in page.locator("#rules-state").inner_text()
    assert page.errors == []


def test_a_drag_shows_the_broken_rule_and_undo_restores(page, review):
    server, prog = review
    roster = prog.roster
    start = groups_of(server, roster)
    row, boss = a_report_and_manager(roster, start)
    drag(page, roster.ids[row], start[boss])
    banner = page.locator("#change").inner_text()
    assert "breaks NotWithManager" in banner and str(roster.ids[row]) in banner
    card = page.locator(f"#groups .card[data-group='{start[boss]}']")
    assert "broken" in card.get_attribute("class")
    assert "NotWithManager" in card.locator(".rules").inner_text()
    now = groups_of(server, roster)
    assert now[row] == start[boss]
    total = gm.score(roster, prog.spec, now)["total"] - gm.score(roster, prog.spec, start)["total"]
    assert f"total {'+' if total > 0 else '−' if total < 0 else '±'}" in banner
    before = changes(page)
    page.click("#undo")
    wait_change(page, before)
    assert np.array_equal(groups_of(server, roster), start)
    assert "every hard rule holds" in page.locator("#rules-state").inner_text()
    assert page.locator(f"#groups .card[data-group='{start[row]}'] "
                        f"li.person[data-id='{roster.ids[row]}']").count() == 1


def test_pin_resolve_and_export(page, review, tmp_path):
    server, prog = review
    roster = prog.roster
    start = groups_of(server, roster)
    row, boss = a_report_and_manager(roster, start)
    drag(page, roster.ids[row], start[boss])
    before = changes(page)
    page.locator(f"li.person[data-id='{roster.ids[row]}'] button.pin").click()
    wait_change(page, before)
    assert api(server, "/api/groups")["pins"] == [roster.ids[row]]
    assert "pinned" in page.locator(f"li.person[data-id='{roster.ids[row]}']").get_attribute(
        "class")
    before = changes(page)
    page.click("#resolve")
    wait_change(page, before)
    assert "Re-solved" in page.locator("#change").inner_text()
    now = groups_of(server, roster)
    assert now[row] == start[boss]  # pinned where it was dragged
    assert gm.check(roster, prog.spec, now) == []
    assert "every hard rule holds" in page.locator("#rules-state").inner_text()
    assert str(roster.ids[boss]) in page.locator("#change .moves").inner_text()
    with page.expect_download() as download:
        page.click("a[data-file='export.csv']")
    path = tmp_path / "groups.csv"
    download.value.save_as(path)
    back = gm.read_assignments(path)
    assert back["id"].tolist() == list(roster.ids)
    assert back["group"].astype(int).tolist() == now.tolist()
    assert page.errors == []
