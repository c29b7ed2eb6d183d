"""Explanations: one group, one person (what-if moves), and compare (issue 6)."""

import itertools

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm


@pytest.fixture(scope="module")
def sample():
    people = gm.datasets.load_sample()
    roster = gm.Roster.from_frame(people, sensitive=["gender"])
    spec = gm.PeerGroups(size=(4, 6), terms=[
        gm.Diversity("department"), gm.Diversity("site"), gm.Diversity("gender"),
        gm.SharedNeeds(weight=2), gm.NotWithManager()])
    grouping = gm.solve(roster, spec, time_limit=1, deterministic=True).raise_for_status()
    return roster, spec, grouping


@pytest.fixture(scope="module")
def small():
    """12 people, groups of 3-4: small enough to try every move and swap by hand."""
    df = pd.DataFrame({
        "id": [f"p{i}" for i in range(12)],
        "department": list("aabbccaabbcc"),
        "needs": ["x;y", "x", "y", "z", "x;z", "y", "z", "x", "y;z", "x", "z", "y"],
        "manager_id": [None, "p0", "p0", "p1", None, "p4", "p4", None, "p7", "p7", None, None],
    })
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=(3, 4), terms=[gm.Diversity("department"), gm.SharedNeeds(),
                                             gm.NotWithManager()])
    grouping = gm.solve(roster, spec, time_limit=2, deterministic=True).raise_for_status()
    return roster, spec, grouping


def test_explain_group_words_and_rules(sample):
    roster, _, grouping = sample
    table = grouping.explain(3)
    summary = table.attrs["summary"]
    members = grouping.groups.loc[3, "members"]
    assert summary.startswith(f"Group 3: {len(members)} members")
    assert all(str(m) in summary for m in members)
    assert "Shared learning needs:" in summary and "Rule NotWithManager holds" in summary
    assert table.loc["NotWithManager", "holds"]
    soft = table[table["kind"] == "objective"]
    assert int(soft["contribution"].sum()) == int(
        sum(w * v[3] for w, v in grouping._plan.soft_values(roster, grouping._array).values()))


def test_rule_binding_counts_people_kept_out(small):
    roster, _, grouping = small
    a = grouping.assignment_array()
    for g in range(len(grouping.groups)):
        binds = grouping.explain(g).loc["NotWithManager", "binds"]
        members = set(np.flatnonzero(a == g).tolist())
        kept_out = {j for i in members for j in range(roster.n)
                    if j not in members and (roster.manager[i] == j or roster.manager[j] == i)}
        if kept_out:
            assert binds == f"keeps {len(kept_out)} people out of this group"
        else:
            assert binds is None


def test_sensitive_values_are_hidden_unless_asked(sample):
    _, _, grouping = sample
    hidden = grouping.explain(0)
    assert "mix" not in hidden.loc["diversity[gender]", "details"]
    assert "Diversity in gender: values hidden" in hidden.attrs["summary"]
    shown = grouping.explain(0, include_sensitive=True)
    assert "mix" in shown.loc["diversity[gender]", "details"]
    person = grouping.explain_person(grouping.assignments["id"].iloc[0])
    assert "diversity[gender]" not in person.columns
    assert "diversity[gender]" not in person.attrs["summary"]


def test_explain_person_what_if_is_the_numpy_score(small):
    roster, spec, grouping = small
    a = grouping.assignment_array()
    base = gm.score(roster, spec, a)["total"]
    for pid in roster.ids[:4]:
        table = grouping.explain_person(pid)
        row = int(roster.rows_of([pid], "test")[0])
        for r in table.to_dict("records"):
            b = a.copy()
            b[row] = r["group"]
            if r["change"] != "move":
                j = int(roster.rows_of([r["change"].split()[-1]], "test")[0])
                b[j] = a[row]
            assert gm.score(roster, spec, b)["total"] - base == r["delta"]
            assert (gm.check(roster, spec, b) == []) == r["rules_hold"]


def test_explain_person_finds_the_best_move_or_swap(small):
    roster, spec, grouping = small
    a = grouping.assignment_array()
    base = gm.score(roster, spec, a)["total"]
    row = 0
    best = -np.inf
    for h in set(a.tolist()) - {a[row]}:
        options = [[]] + [[j] for j in np.flatnonzero(a == h)]
        for swap in options:
            b = a.copy()
            b[row] = h
            for j in swap:
                b[j] = a[row]
            if gm.check(roster, spec, b) == []:
                best = max(best, gm.score(roster, spec, b)["total"] - base)
    table = grouping.explain_person(roster.ids[row])
    assert table["rules_hold"].iloc[0]
    assert table["delta"].iloc[0] == best
    assert len(table) == min(3, len(grouping.groups) - 1) and table["group"].is_unique
    assert "What they add to the group" in table.attrs["summary"]


def test_explain_errors(small):
    _, _, grouping = small
    with pytest.raises(gm.InputError, match="does not exist"):
        grouping.explain(99)
    with pytest.raises(gm.InputError, match="not in the roster"):
        grouping.explain_person("nobody")


def test_compare_same_partition_relabelled(small):
    roster, spec, grouping = small
    a = grouping.assignment_array()
    relabelled = np.where(a >= 0, a.max() - a, a)
    table = gm.compare(grouping, relabelled)
    assert table.loc["people moved", "b"] == 0
    assert table.loc["pairs still together", "b"] == 1.0
    assert table.loc["objective", "change"] == 0


def test_compare_counts_moves_and_scores(small):
    roster, spec, grouping = small
    a = grouping.assignment_array()
    b = a.copy()
    g0, g1 = b[0], next(g for g in b if g != b[0])
    i, j = 0, int(np.flatnonzero(b == g1)[0])
    b[i], b[j] = g1, g0  # one swap: two people moved
    table = gm.compare(grouping, b, names=("solved", "edited"))
    assert table.loc["people moved", "edited"] == 2
    assert table.loc["objective", "edited"] == gm.score(roster, spec, b)["total"]
    assert table.loc["hard-rule violations", "edited"] == len(gm.check(roster, spec, b))
    for label, value in gm.score(roster, spec, b).items():
        if label != "total":
            assert table.loc[label, "edited"] == value
    sizes = np.bincount(b)
    together = sum(np.count_nonzero((a == x) & (b == y)) * (
        np.count_nonzero((a == x) & (b == y)) - 1) // 2
        for x, y in itertools.product(range(len(sizes)), repeat=2))
    pairs_a = sum(c * (c - 1) // 2 for c in np.bincount(a))
    assert table.loc["pairs still together", "edited"] == pytest.approx(together / pairs_a)


def test_compare_two_groupings_with_different_specs(small):
    roster, spec, grouping = small
    other = gm.solve(roster, gm.PeerGroups(size=(3, 4), terms=[gm.Diversity("department")]),
                     time_limit=1, deterministic=True)
    table = gm.compare(grouping, other)
    assert "objective under a's spec" in table.index
    assert table.loc["objective under a's spec", "b"] == gm.score(roster, spec, other)["total"]
    assert pd.isna(table.loc["shared[needs]", "b"])
