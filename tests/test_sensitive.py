"""Sensitive data never leaves the library (issue 14).

A value planted in the sensitive column of one person is searched for in every output of a peer,
a facilitated and a team grouping: exports, report, reasons, messages, conflicts, rule checks,
explanations, graphs and summaries. It is absent unless ``include_sensitive=True`` is passed
where a function has that flag. The policy is in ``groupmatch/redact.py``.
"""

from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import groupmatch as gm

PLANT = "Zq7-unique"
FAST = {"time_limit": 1}  # peer answers vary between runs; every assertion holds for any
STEADY = {"time_limit": 1, "deterministic": True}  # role modes: the same plan every run


def _planted(n: int, seed: int):
    """A generated organisation with PLANT as the gender of one mentee who needs the most
    wanted topic (so facilitated groups open on it)."""
    df = gm.datasets.make_organization(n, random_state=seed)
    mentee = df["role"].isin(["mentee", "both"]) & (df["needs"].str.len() > 0)
    top = Counter(t for needs in df.loc[mentee, "needs"] for t in needs).most_common(1)[0][0]
    row = next(i for i in df.index[mentee] if top in df.loc[i, "needs"])
    df.loc[row, "gender"] = PLANT
    return df, df.loc[row, "id"]


@pytest.fixture(scope="module")
def org():
    df, pid = _planted(40, 3)
    return gm.Roster.from_frame(df, sensitive=["gender"]), df, pid


def _outputs(g, tmp_path, people, include_sensitive: bool = False) -> dict[str, str]:
    """Every output of a grouping as text, by name."""
    flag = {"include_sensitive": include_sensitive}
    out = {
        "csv": g.to_csv(tmp_path / "g.csv", **flag).read_text(),
        "excel": "\n".join(sheet.to_csv() for sheet in pd.read_excel(
            g.to_excel(tmp_path / "g.xlsx", **flag), sheet_name=None).values()),
        "json": g.to_json(**flag),
        "graphml": "\n".join(nx.generate_graphml(g.to_networkx(**flag))),
    }
    if include_sensitive:
        return out  # the report with the flag: test_report_shows_the_value_when_asked
    out |= {
        "html": g.to_html(),
        "assignments": g.assignments.to_csv(),
        "groups": g.groups.to_csv(),
        "unplaced": g.unplaced.to_csv(),
        "message": g.message,
        "conflicts": repr(g.conflicts),
        "violated_needs": g.violated_needs.to_csv(),
        "str": str(g),
        "summary": "\n".join(g.spec.summary_lines(g)),
    }
    for k in range(len(g.groups)):
        table = g.explain(k)
        out[f"explain({k})"] = repr(table.to_dict("index")) + repr(table.attrs)
    for p in people:
        try:
            table = g.explain_person(p)
            out[f"explain_person({p})"] = repr(table.to_dict("index")) + repr(table.attrs)
        except gm.GroupMatchError as err:  # e.g. an unplaced peer: the error says why
            out[f"explain_person({p})"] = str(err)
    return out


def _assert_hidden(outputs: dict[str, str]):
    leaks = [name for name, text in outputs.items() if PLANT in str(text)]
    assert leaks == [], f"{PLANT!r} appears in {leaks}"


def _assert_shown(outputs: dict[str, str]):
    missing = [name for name, text in outputs.items() if PLANT not in str(text)]
    assert missing == [], f"include_sensitive=True, but {PLANT!r} is missing from {missing}"


def _people(g, pid):
    return [pid, *g.assignments["id"].iloc[:3].tolist()]


# ------------------------------------------------------------------------------ peer groups
PEER = gm.PeerGroups(size=(3, 5), terms=[
    gm.Diversity("gender"), gm.NoIsolation("gender", tier="need"),
    gm.MaxShare("gender", 0.5, tier="want"), gm.MinDistinct("gender", 2, tier="want"),
    gm.SharedNeeds()])


@pytest.fixture(scope="module")
def peer(org):
    roster, _, _ = org
    return gm.solve(roster, PEER, **FAST).raise_for_status()


def test_peer_outputs_hide_the_value(peer, org, tmp_path):
    _, _, pid = org
    outputs = _outputs(peer, tmp_path, _people(peer, pid))
    assert len(peer.violated_needs)  # the planted value is alone in its group: words are made
    _assert_hidden(outputs)


def test_peer_outputs_show_the_value_when_asked(peer, org, tmp_path):
    _, _, pid = org
    _assert_shown(_outputs(peer, tmp_path, [], include_sensitive=True))
    home = int(peer.assignments.set_index("id").loc[pid, "group"])
    assert PLANT in repr(peer.explain(home, include_sensitive=True).to_dict("index"))


def test_peer_scores_are_shown_but_not_the_mix(peer, org):
    _, _, pid = org
    home = int(peer.assignments.set_index("id").loc[pid, "group"])
    table = peer.explain(home)
    row = table.loc["diversity[gender]"]
    assert int(row["value"]) == int(peer.groups.loc[home, "diversity[gender]"])
    assert "mix" not in row["details"]
    person = peer.explain_person(pid)
    assert "diversity[gender]" not in person.columns
    assert "diversity[gender]" in peer.explain_person(pid, include_sensitive=True).columns


def test_check_words_name_no_value(org):
    roster, _, pid = org
    spec = gm.PeerGroups(size=(3, 5), terms=[gm.NoIsolation("gender"), gm.MaxShare("gender", 0.3),
                                             gm.MinDistinct("gender", 4)])
    broken = np.arange(roster.n) % 10
    found = gm.check(roster, spec, broken)
    assert {v.rule for v in found} >= {"no_isolation[gender]", "max_share[gender]",
                                       "min_distinct[gender]"}
    for v in found:
        assert PLANT not in v.message and "gender=" not in v.message, v.message
        if v.rule != "SizeBounds":
            assert v.message.endswith("a rule on a sensitive column (gender), values not shown")
    # the same rules on an ordinary column still say which value
    plain = gm.Roster.from_frame(org[1])
    assert any(PLANT in v.message for v in gm.check(plain, spec, broken))


def test_infeasible_and_input_errors_name_no_value(org):
    roster, _, pid = org
    try:
        g = gm.solve(roster, gm.PeerGroups(size=(3, 5), terms=[gm.NoIsolation("gender")]),
                     **FAST)
        words = g.message + repr(g.conflicts)
        assert g.status is gm.Status.INFEASIBLE
    except gm.InfeasibleError as err:
        words = str(err)
    assert "no_isolation[gender]" in words or "NoIsolation" in words
    assert PLANT not in words and pid not in words
    with pytest.raises(gm.InputError, match="does not hold") as err:
        gm.check(roster, gm.PeerGroups(size=(3, 5), terms=[gm.NoIsolation("gender", ["W"])]),
                 np.arange(roster.n) % 10)
    assert PLANT not in str(err.value)
    lo, hi = np.full(10, 3), np.full(10, 5)
    for term in (gm.NoIsolation("gender"), gm.MaxShare("gender", 0.5)):
        assert PLANT not in term.describe(roster, lo, hi)


def test_a_sensitive_manager_column_keeps_the_pair_secret():
    df = pd.DataFrame({"id": list("abcdef"), "manager_id": [None, "a", "a", None, "d", "d"]})
    spec = gm.PeerGroups(size=3, terms=[gm.NotWithManager()])
    broken = [0, 0, 1, 1, 1, 0]  # a manages b
    shown = gm.check(gm.Roster.from_frame(df), spec, broken)
    assert [(v.people, v.message[:7]) for v in shown] == [((1, 0), "b and a"), ((4, 3), "e and d")]
    hidden = gm.check(gm.Roster.from_frame(df, sensitive=["manager_id"]), spec, broken)
    assert [v.people for v in hidden] == [(0, 1, 5), (2, 3, 4)]  # the group, not the pair
    assert hidden[0].message == ("two members of group 0 are in one reporting line and may not "
                                 "share a group; a rule on a sensitive column (manager), values "
                                 "not shown")


def test_audit_by_a_sensitive_column_needs_the_flag(peer):
    with pytest.raises(gm.InputError, match="include_sensitive=True"):
        peer.audit(by="gender")
    assert len(peer.audit(by="department"))


def test_audit_by_a_sensitive_column_with_the_flag(peer):
    assert PLANT in peer.audit(by="gender", include_sensitive=True)["gender"].tolist()


def test_report_shows_the_value_when_asked(peer):
    assert PLANT in peer.to_html(include_sensitive=True)


# ------------------------------------------------------------------------ facilitated groups
HARD = gm.FacilitatedGroups(size=(2, 5), terms=[gm.Diversity("gender"), gm.NoIsolation("gender"),
                                                gm.SharedNeeds()])
SOFT = gm.FacilitatedGroups(size=(2, 5), terms=[gm.Diversity("gender"),
                                                gm.NoIsolation("gender", tier="want")])


@pytest.fixture(scope="module")
def facilitated(org):
    roster, _, _ = org
    return gm.solve(roster, HARD, **STEADY).raise_for_status()


@pytest.fixture(scope="module")
def facilitated_placed(org):
    """The planted person placed (the rule is only wanted), so explanations see the value."""
    roster, _, pid = org
    g = gm.solve(roster, SOFT, **STEADY).raise_for_status()
    assert pd.notna(g.assignments.set_index("id").loc[pid, "group"])
    return g


def test_left_out_reason_names_the_rule_not_the_value(facilitated, org):
    _, _, pid = org
    reason = facilitated.unplaced.set_index("id").loc[pid, "reason"]
    assert "a rule on a sensitive column (gender)" in reason, reason
    assert PLANT not in reason and "gender=" not in reason


@pytest.mark.parametrize("which", ["facilitated", "facilitated_placed"])
def test_facilitated_outputs_hide_the_value(which, org, tmp_path, request):
    g = request.getfixturevalue(which)
    _, _, pid = org
    _assert_hidden(_outputs(g, tmp_path, _people(g, pid)))


def test_facilitated_outputs_show_the_value_when_asked(facilitated, tmp_path):
    _assert_shown(_outputs(facilitated, tmp_path, [], include_sensitive=True))


def test_facilitated_check_words_name_no_value(facilitated_placed, org):
    roster, _, _ = org
    found = [v for v in gm.check(roster, HARD, facilitated_placed)
             if v.rule == "no_isolation[gender]"]
    assert found
    assert not any(PLANT in v.message or "gender=" in v.message for v in found)


def test_facilitated_explain_keeps_the_score(facilitated_placed, org):
    _, _, pid = org
    g = facilitated_placed
    home = int(g.assignments.set_index("id").loc[pid, "group"])
    row = g.explain(home).loc["diversity[gender]"]
    assert int(row["value"]) == int(g.groups.loc[home, "diversity[gender]"])
    assert set(row["details"]) <= {"differing_pairs", "possible_pairs", "hidden"}
    assert "diversity[gender]" not in g.explain_person(pid).columns


def test_facilitated_explain_shows_the_mix_when_asked(facilitated_placed, org):
    _, _, pid = org
    g = facilitated_placed
    home = int(g.assignments.set_index("id").loc[pid, "group"])
    assert PLANT in repr(g.explain(home, include_sensitive=True).to_dict("index"))


def test_facilitated_explain_person_shows_sensitive_terms_when_asked(facilitated_placed, org):
    _, _, pid = org
    table = facilitated_placed.explain_person(pid, include_sensitive=True)
    assert "diversity[gender]" in table.columns


# ---------------------------------------------------------------------------- team mentoring
TEAM = gm.TeamMentoring(terms=[gm.GoalCoverage(), gm.MentorOutsideDepartment("gender")])


@pytest.fixture(scope="module")
def team():
    """Every member of the three largest teams holds PLANT, so their 'home' value (the one a
    mentor should not share) is the planted one; at least one of them gets mentors."""
    df = gm.datasets.make_organization(40, random_state=3)
    planted = df["team"].value_counts().index[:3].tolist()
    df.loc[df["team"].isin(planted), "gender"] = PLANT
    roster = gm.Roster.from_frame(df, sensitive=["gender"])
    g = gm.solve(roster, TEAM, **STEADY).raise_for_status()
    k = next(int(k) for k, t in zip(g.groups["group"], g.groups["team"], strict=True)
             if t in planted)
    pid = g.groups.loc[g.groups["group"] == k, "members"].iloc[0][0]
    return g, pid, k


def test_team_outputs_hide_the_value(team, tmp_path):
    g, pid, _ = team
    _assert_hidden(_outputs(g, tmp_path, _people(g, pid)))


def test_team_outputs_show_the_value_when_asked(team, tmp_path):
    g, _, _ = team
    _assert_shown(_outputs(g, tmp_path, [], include_sensitive=True))


def test_team_explain_shows_the_mix_when_asked(team):
    g, _, k = team
    assert PLANT in repr(g.explain(k, include_sensitive=True).to_dict("index"))
