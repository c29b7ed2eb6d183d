"""Ranked choices in facilitated groups (issue 16): topics and facilitators, read from the
result tables and :func:`gm.preference_report`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import groupmatch as gm
from groupmatch.modes.roles.plan import RolePlan
from groupmatch.terms.roles import RoleContext


def _people(mentees: dict[str, str], facilitators: dict[str, str], cap=(1, 4), **extra):
    """A roster: mentees with their ranked needs, facilitators with expertise and capacity."""
    ids = [*facilitators, *mentees]
    df = pd.DataFrame({
        "id": ids,
        "role": ["mentor"] * len(facilitators) + ["mentee"] * len(mentees),
        "expertise": [*facilitators.values(), *[""] * len(mentees)],
        "needs": [*[""] * len(facilitators), *mentees.values()],
        "mentor_capacity_groups": [cap[0]] * len(facilitators) + [0] * len(mentees),
        "mentor_capacity_mentees": [cap[1]] * len(facilitators) + [0] * len(mentees),
        **{k: [*[""] * len(facilitators), *v] for k, v in extra.items()},
    })
    return gm.Roster.from_frame(df)


def _solve(roster, spec):
    g = gm.solve(roster, spec, time_limit=3, deterministic=True)
    assert g.status.has_solution
    assert gm.check(roster, spec, g) == []
    assert gm.score(roster, spec, g)["total"] == g.objective
    return g


def _received(g, column="needs", kind=None) -> dict[str, int]:
    table = gm.preference_report(g, column, kind=kind)
    return {k: int(v) for k, v in table["people"].items() if v}


def test_roster_keeps_the_order_of_a_list_cell():
    df = pd.DataFrame({"id": [1, 2, 3], "needs": ["sql;python;sql", ["r", "go"], '["b", "a"]']})
    r = gm.Roster.from_frame(df)
    assert r.ranked("needs", "t") == (("sql", "python"), ("r", "go"), ("b", "a"))
    assert r.take([2, 0]).ranked("needs", "t") == (("b", "a"), ("sql", "python"))
    assert r.topics == ("a", "b", "go", "python", "r", "sql")  # the vocabulary is unchanged


def test_ranked_topics_reach_the_known_optimum():
    # two facilitators who could both lead "b", everybody's second choice; the optimum opens
    # "a" and "c" and gives all eight mentees their first choice
    mentees = {f"m{k}": "a;b;c" if k < 4 else "c;b;a" for k in range(8)}
    roster = _people(mentees, {"f1": "a;b", "f2": "b;c"})
    spec = gm.FacilitatedGroups(size=(4, 4), terms=[gm.TopicPreference("needs")])
    g = _solve(roster, spec)
    assert _received(g) == {"1st": 8}
    assert sorted(g.groups["topic"]) == ["a", "c"]
    assert g.breakdown["topic_preference[needs]"] == 8 * 3  # Borda: 3 points for a 1st of 3


def test_participation_comes_before_preferences():
    # m4..m7 would rather have "b", but only they can fill f1's group on "a": preferring
    # their first choice would leave four people out
    mentees = {**{f"m{k}": "b" for k in range(4)}, **{f"m{k}": "b;a" for k in range(4, 8)}}
    roster = _people(mentees, {"f1": "a", "f2": "b"})
    spec = gm.FacilitatedGroups(size=(4, 4), terms=[gm.TopicPreference("needs", tier="need")])
    g = _solve(roster, spec)
    assert g.participation["placed"] == 8
    assert _received(g) == {"1st": 4, "2nd": 4}
    per_person = gm.preference_report(g, per_person=True).set_index("id")
    assert (per_person.loc[[f"m{k}" for k in range(4, 8)], "rank"] == 2).all()


def test_max_rank_lifts_the_worst_served_first():
    # Borda points put somebody on their third choice in every best plan (14 points); with
    # max_rank=2 nobody is served worse than second (13 points)
    ranks = ["a;b;c;d", "c;a;b;d", "b;d;a;c", "c;a;d;b"]
    roster = _people({f"m{k}": r for k, r in enumerate(ranks)},
                     {f"f{t}": t for t in "abcd"}, cap=(1, 1))
    worst = {}
    for key, term in (("plain", gm.TopicPreference("needs")),
                      ("fair", gm.TopicPreference("needs", max_rank=2))):
        g = _solve(roster, gm.FacilitatedGroups(size=(1, 1), terms=[term]))
        assert g.participation["placed"] == 4
        worst[key] = int(gm.preference_report(g, per_person=True)["rank"].max())
    assert worst["plain"] >= 3 and worst["fair"] <= 2


def test_must_tier_places_mentees_on_ranked_topics_only():
    # m3 ranked only "b", which nobody leads: with tier="must" they are left out (with a
    # reason), never placed on "a"
    mentees = {"m0": "a", "m1": "a", "m2": "a", "m3": "b;a"}
    roster = _people(mentees, {"f1": "a"}, ranking=["a", "a", "a", "b"])
    spec = gm.FacilitatedGroups(size=(2, 4), terms=[
        gm.TopicPreference("ranking", tier="must")])
    g = _solve(roster, spec)
    placed = set(g.assignments.dropna(subset=["group"])["id"])
    assert "m3" not in placed and {"m0", "m1", "m2"} <= placed
    assert g.unplaced.set_index("id").loc["m3", "reason"]
    # an answer placing m3 on "a" breaks the rule, and gm.check says so by name
    table = g.assignments.copy()
    table.loc[table["id"] == "m3", "group"] = 0
    table = table.merge(g.groups[["group", "topic"]], on="group", how="left")
    broken = gm.check(roster, spec, table)
    assert [v.rule for v in broken] == ["topic_preference[ranking]"]


def test_facilitator_preference_places_mentees_with_their_ranked_facilitator():
    mentees = {f"m{k}": "a" for k in range(8)}
    wishes = ["f2"] * 4 + ["f1"] * 4
    roster = _people(mentees, {"f1": "a", "f2": "a"}, wish=wishes)
    spec = gm.FacilitatedGroups(size=(4, 4), terms=[gm.FacilitatorPreference("wish")])
    g = _solve(roster, spec)
    assert _received(g, "wish") == {"1st": 8}
    by_lead = {r.facilitators[0]: set(r.members) for r in g.groups.itertuples()}
    assert by_lead == {"f2": {"m0", "m1", "m2", "m3"}, "f1": {"m4", "m5", "m6", "m7"}}
    row = g.explain(0).loc["facilitator_preference[wish]"]
    assert row["details"]["choices"] == {"1st": 4, "unranked": 0}


@pytest.fixture(scope="module")
def org():
    """A small organisation solved with both ranked terms (shared by the report tests)."""
    df = gm.datasets.make_organization(120, random_state=3)
    experts = df[(df.role != "mentee") & (df.expertise.map(len) > 0)]["id"].tolist()
    df["wish"] = [";".join(experts[k % len(experts)] for k in (i, i + 7)) if r == "mentee"
                  else "" for i, r in enumerate(df.role)]
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=(3, 6), terms=[
        gm.Diversity("department"), gm.BalanceLoad(), gm.TopicPreference("needs"),
        gm.FacilitatorPreference("wish", tier="want")])
    return roster, spec, _solve(roster, spec)


def test_report_shares_add_up_to_the_people(org):
    roster, spec, g = org
    total = gm.preference_report(g, "needs")
    mentees = g.assignments[g.assignments["role"] == "mentee"]["id"].nunique()
    assert total["people"].sum() + total.attrs["no_ranking"] == mentees
    assert total["share"].sum() == pytest.approx(1.0)
    assert total.loc[["1st", "2nd", "3rd", "other ranked", "unranked"],
                     "share_of_placed"].sum() == pytest.approx(1.0)
    placed = total["people"].sum() - total.loc["not placed", "people"]
    assert total.attrs["first_choice_share"] == pytest.approx(total.loc["1st", "people"] / placed)
    per_person = gm.preference_report(g, "needs", per_person=True)
    assert len(per_person) == mentees
    assert per_person["choice"].value_counts()["1st"] == total.loc["1st", "people"]
    by = gm.preference_report(g, "needs", by="level")
    assert by["people"].sum() == total["people"].sum()
    assert by["1st"].sum() == total.loc["1st", "people"]
    small = by[by["people"] - by["not placed"] < 5]
    assert small["share_first"].isna().all()  # a handful of people: counts, not shares
    assert all(t.endswith(f"of {p - n}") for t, p, n in
               zip(by["first_choice"], by["people"], by["not placed"], strict=True))
    wishes = gm.preference_report(g, "wish")  # people with role "both" listed nobody
    assert wishes["people"].sum() + wishes.attrs["no_ranking"] == mentees


def test_a_grouping_without_preferences_can_be_read_against_a_ranking(org):
    roster, _, _ = org
    plain = gm.FacilitatedGroups(size=(3, 6), terms=[gm.Diversity("department")])
    g = gm.solve(roster, plain, time_limit=2, deterministic=True)
    table = gm.preference_report(g, "needs")
    assert table["people"].sum() > 0 and "topic_preference[needs]" not in g.breakdown
    with pytest.raises(gm.InputError, match="no preference term"):
        gm.preference_report(g)


@pytest.mark.parametrize("make, match", [
    (lambda: gm.TopicPreference("department"), "categorical column"),
    (lambda: gm.TopicPreference("nowhere"), "not in the roster's table"),
    (lambda: gm.TopicPreference("bad_topics"), "topic.s. nobody needs"),
    (lambda: gm.FacilitatorPreference("unknown_ids"), "not in the roster"),
    (lambda: gm.FacilitatorPreference("not_facilitators"), "may not facilitate"),
])
def test_bad_rankings_are_clear_input_errors(make, match):
    df = pd.DataFrame({"id": ["f1", "m1", "m2"], "role": ["mentor", "mentee", "mentee"],
                       "department": ["x", "y", "x"], "expertise": ["a", "", ""],
                       "needs": ["", "a", "a"], "bad_topics": ["", "a;zzz", "a"],
                       "unknown_ids": ["", "f1;f9", ""], "not_facilitators": ["", "m2", ""]})
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=(1, 2), terms=[make()])
    with pytest.raises(gm.InputError, match=match):
        gm.solve(roster, spec, time_limit=1)


def test_bad_parameters_are_clear_input_errors():
    for make in (lambda: gm.TopicPreference("needs", tier="maybe"),
                 lambda: gm.TopicPreference("needs", points=(1, 3)),
                 lambda: gm.TopicPreference("needs", points="321"),
                 lambda: gm.TopicPreference("needs", max_rank=0),
                 lambda: gm.FacilitatorPreference("wish", tier="must"),
                 lambda: gm.PeerGroups(size=3, terms=[gm.TopicPreference("needs")]),
                 lambda: gm.TeamMentoring(terms=[gm.FacilitatorPreference("wish")])):
        with pytest.raises(gm.InputError):
            make()


def test_programme_files_know_the_preference_terms(tmp_path):
    path = tmp_path / "programme.toml"
    path.write_text("""
[roster]
dataset = "sample"
[mode]
kind = "facilitated"
size = [3, 6]
[[terms]]
type = "TopicPreference"
column = "needs"
points = [5, 2, 1]
max_rank = 2
[[terms]]
type = "FacilitatorPreference"
column = "needs"
tier = "want"
[solve]
time_limit = 5
""")
    terms = gm.load_programme(path).spec.terms
    assert [t.label for t in terms] == ["topic_preference[needs]",
                                        "facilitator_preference[needs]"]
    assert terms[0].points == (5, 2, 1) and terms[0].max_rank == 2 and terms[1].tier == "want"


# -- the term contract: the plan model's value equals the numpy score on any plan ------------
def _random_plan(rng, n_mentees, facilitators, topics):
    """Groups with one facilitator each; every mentee in at most one group of a topic."""
    members, leaders, topic = [], [], []
    people = rng.permutation(n_mentees)
    for chunk in np.array_split(people, int(rng.integers(1, 4))):
        if len(chunk):
            members.append(np.sort(chunk).astype(np.int64) + len(facilitators))
            leaders.append(np.array([int(rng.integers(0, len(facilitators)))], dtype=np.int64))
            topic.append(int(rng.integers(0, len(topics))))
    return RolePlan(members, leaders, topic=topic)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), max_rank=st.sampled_from([None, 1, 2]),
       points=st.sampled_from([None, (5, 2, 1)]))
def test_plan_model_value_equals_the_numpy_score(seed, max_rank, points):
    rng = np.random.default_rng(seed)
    topics, facs = list("abcd"), ["f0", "f1", "f2"]
    n = 7

    def ranking(pool):
        k = int(rng.integers(0, len(pool) + 1))
        return ";".join(rng.choice(pool, k, replace=False))

    roster = _people({f"m{k}": ranking(topics) for k in range(n)}, dict.fromkeys(facs, "a;b;c;d"),
                     wish=[ranking(facs) for _ in range(n)])
    plan = _random_plan(rng, n, facs, topics)
    model = cp_model.CpModel()
    joins, leads = {}, {}
    for g, t in enumerate(plan.topic):
        for i in plan.members[g].tolist():
            joins[i, t] = model.new_constant(1)
            for f in plan.leaders[g].tolist():
                leads[i, f, t] = model.new_constant(1)
    for i in range(len(facs), roster.n):  # topics a mentee did not join are open choices
        for t in range(len(topics)):
            joins.setdefault((i, t), model.new_constant(0))
    ctx = RoleContext(model, roster, load={}, load_cap={}, joins=joins, leads=leads)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    for term in (gm.TopicPreference("needs", max_rank=max_rank, points=points),
                 gm.FacilitatorPreference("wish", max_rank=max_rank, points=points)):
        expr = term.encode(ctx)
        assert solver.solve(model) == cp_model.OPTIMAL
        cpsat = int(expr) if isinstance(expr, int) else int(solver.value(expr))
        assert cpsat == int(term.group_values(roster, plan, plan.n_groups).sum())


@settings(max_examples=5, deadline=None)
@given(n=st.integers(30, 60), seed=st.integers(0, 1_000), max_rank=st.sampled_from([None, 1]),
       tier=st.sampled_from(["want", "need"]))
def test_solved_groupings_score_as_their_objective(n, seed, max_rank, tier):
    df = gm.datasets.make_organization(n, random_state=seed)
    experts = df[(df.role != "mentee") & (df.expertise.map(len) > 0)]["id"].tolist()
    df["wish"] = [experts[i % len(experts)] if r == "mentee" else ""
                  for i, r in enumerate(df.role)]
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=(2, 5), terms=[
        gm.Diversity("department"), gm.BalanceLoad(),
        gm.TopicPreference("needs", max_rank=max_rank, tier=tier),
        gm.FacilitatorPreference("wish", tier=tier)])
    g = gm.solve(roster, spec, time_limit=1, deterministic=True, random_state=seed)
    assert gm.check(roster, spec, g) == []
    assert gm.score(roster, spec, g)["total"] == g.objective
    assert sum(g.breakdown.values()) == g.objective
