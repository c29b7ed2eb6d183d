"""Facilitated groups and team mentoring you can trust: anytime, bounded, truthful reasons.

Every claim is re-derived from the roster's own table and the answer's public tables
(``assignments``, ``groups``, ``loads``), never from the solver's internals.
"""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupmatch as gm

SPEC_TERMS = [gm.Diversity("country"), gm.Diversity("dev_type"), gm.SharedNeeds(),
              gm.BalanceLoad()]


def _survey(n, seed, per_group=6):
    df = gm.datasets.make_skills_survey(n, mentees_per_group=per_group, random_state=seed)
    return df, gm.Roster.from_frame(df, categorical=["country", "dev_type", "age"])


class _Tables:
    """What the answer says, by id, plus the roster facts a reason may claim."""

    def __init__(self, df, roster, spec, g):
        self.lo, self.hi = spec.size_range
        self.fmin = spec.facilitator_range[0]
        self.df = df.set_index("id")
        ids = [str(i) for i in roster.ids]
        self.row = {k: i for i, k in enumerate(ids)}
        self.ids = ids
        role = self.df["role"]
        self.cap_g = self.df["mentor_capacity_groups"]
        self.cap_m = self.df["mentor_capacity_mentees"]
        self.can_lead = {k for k in ids if role[k] in ("mentor", "both")
                         and self.cap_g[k] > 0 and self.cap_m[k] >= self.lo
                         and len(self.df.loc[k, "expertise"])}
        self.mentees = {k for k in ids if role[k] in ("mentee", "both")
                        and len(self.df.loc[k, "needs"])}
        self.groups = g.groups
        self.led = {k: 0 for k in ids}
        self.taken = {k: 0 for k in ids}
        for r in g.groups.itertuples():
            for f in r.facilitators:
                self.led[str(f)] += 1
                self.taken[str(f)] += len(r.members)
        self.hierarchy = roster.hierarchy
        placed = g.assignments.dropna(subset=["group"])
        self.left_out = sorted(set(self.mentees) - set(map(str, placed["id"])))

    def line(self, k):
        i = self.row[k]
        if self.hierarchy is None:
            return {k}
        rows = {i} | nx.ancestors(self.hierarchy, i) | nx.descendants(self.hierarchy, i)
        return {self.ids[j] for j in rows}

    def experts(self, topic):
        return [f for f in self.can_lead if topic in self.df.loc[f, "expertise"]]

    def without_room(self, topic):
        """People who may facilitate and have the topic, but not the capacity for a group."""
        role = self.df["role"]
        return sum(1 for f in self.ids if role[f] in ("mentor", "both") and f not in
                   self.can_lead and topic in self.df.loc[f, "expertise"])

    def demand(self, topic):
        return sum(topic in self.df.loc[k, "needs"] for k in self.mentees)

    def room_in_group(self, k, topic):
        line = self.line(k)
        return [r for r in self.groups.itertuples() if r.topic == topic and len(r.members)
                < self.hi and not line & set(map(str, r.facilitators))
                and all(self.taken[str(f)] < self.cap_m[str(f)] for f in r.facilitators)]

    def can_open(self, k, topic):
        line = self.line(k)
        return [f for f in self.experts(topic) if f not in line
                and self.led[f] < self.cap_g[f] and self.cap_m[f] - self.taken[f] >= self.lo]


def _check_reason(t: _Tables, k: str, reason: str) -> None:
    """Fail when any clause of a left-out mentee's reason is false on the tables."""
    needs = list(t.df.loc[k, "needs"])
    if reason.startswith("the time limit ended"):
        n = int(re.search(r"; (\d+) facilitators? with a topic", reason).group(1))
        assert n == len({f for topic in needs for f in t.can_open(k, topic)}) > 0, reason
        return
    clauses = re.findall(r"topic '([^']+)': (.*?)(?=; topic '|$)", reason)
    assert clauses and {c for c, _ in clauses} == set(needs), (k, reason)
    for topic, claim in clauses:
        experts = t.experts(topic)
        if claim == "no facilitator has it":
            assert not experts and not t.without_room(topic)
        elif m := re.match(r"the (\d+) who could facilitate it have no room for a group",
                           claim):
            assert not experts and int(m.group(1)) == t.without_room(topic) > 0
        elif m := re.match(r"only (\d+) mentees? needs? it, fewer than the minimum", claim):
            assert int(m.group(1)) == t.demand(topic) < t.lo
        elif m := re.match(r"every facilitator who has it \((\d+)\) is in their", claim):
            assert int(m.group(1)) == len(experts) and set(experts) <= t.line(k)
        elif m := re.match(r"joining one of its (\d+) groups? with room would break", claim):
            assert int(m.group(1)) == len(t.room_in_group(k, topic)) > 0
        elif m := re.match(r"(\d+) mentees need it; the (\d+) facilitators? who ha(?:s|ve) it "
                           r"can take (\d+).*none has room left", claim):
            assert int(m.group(1)) == t.demand(topic)
            assert int(m.group(2)) == len(experts)
            assert not t.room_in_group(k, topic) and not t.can_open(k, topic)
        elif m := re.match(r"its groups are full, and only (\d+) left-out mentees? needs? it",
                           claim):
            still = sum(topic in t.df.loc[j, "needs"] for j in t.left_out)
            assert int(m.group(1)) == still < t.lo
            assert not t.room_in_group(k, topic)
        else:
            pytest.fail(f"unknown reason clause for {k}: {claim!r}")


@pytest.mark.parametrize("seed,per_group,size", [(3, 3, (3, 6)), (4, 6, (4, 8)),
                                                 (5, 4, (4, 5))])
def test_left_out_reasons_agree_with_an_independent_rederivation(seed, per_group, size):
    df, roster = _survey(240, seed, per_group)
    # scarce facilitators: drop most of them so capacity, not time, limits the answer
    rng = np.random.default_rng(seed)
    mentors = np.flatnonzero(df["role"] == "mentor")
    df.loc[rng.choice(mentors, size=len(mentors) * 3 // 4, replace=False), "role"] = "none"
    df = df[df["role"] != "none"].reset_index(drop=True)
    roster = gm.Roster.from_frame(df, categorical=["country", "dev_type", "age"])
    spec = gm.FacilitatedGroups(size=size, terms=SPEC_TERMS)
    g = gm.solve(roster, spec, time_limit=3, random_state=seed)
    assert gm.check(roster, spec, g) == []
    t = _Tables(df, roster, spec, g)
    assert t.left_out, "the case should leave somebody out"
    reasons = g.assignments.set_index("id")["reason"]
    for k in t.left_out:
        _check_reason(t, k, reasons[k])
    share = g.participation
    assert share["placed"] == len(t.mentees) - len(t.left_out) <= share["bound"]


def test_reporting_line_and_too_few_reasons_on_an_organisation():
    df = gm.datasets.make_organization(200, random_state=7)
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=(4, 6), facilitators=1, terms=[gm.SharedNeeds()])
    g = gm.solve(roster, spec, time_limit=3)
    assert gm.check(roster, spec, g) == []
    t = _Tables(df, roster, spec, g)
    reasons = g.assignments.set_index("id")["reason"]
    for k in t.left_out:
        _check_reason(t, k, reasons[k])


def test_ample_capacity_places_everybody_quickly_and_reaches_the_bound():
    df, roster = _survey(900, 11)
    spec = gm.FacilitatedGroups(size=(3, 8), facilitators=1, terms=SPEC_TERMS)
    g = gm.solve(roster, spec, time_limit=2, random_state=1)
    share = g.participation
    assert share["placed"] == share["bound"] == share["eligible"]
    assert share["gap"] == 0
    assert gm.check(roster, spec, g) == []


def test_more_time_never_places_fewer():
    df, roster = _survey(500, 2, per_group=4)
    spec = gm.FacilitatedGroups(size=(4, 8), facilitators=1, terms=SPEC_TERMS)
    short, longer = (gm.solve(roster, spec, time_limit=tl, random_state=0).participation
                     for tl in (0.5, 2))
    assert short["placed"] <= longer["placed"]
    assert short["placed"] >= 0.95 * longer["bound"]


def test_facilitators_without_room_for_a_group_are_named_as_such():
    df = pd.DataFrame({"id": [f"p{i}" for i in range(7)],
                       "needs": ["go"] * 5 + ["", ""], "expertise": [""] * 5 + ["go"] * 2,
                       "role": ["mentee"] * 5 + ["mentor"] * 2,
                       "mentor_capacity_groups": [0] * 5 + [1, 1],
                       "mentor_capacity_mentees": [0] * 5 + [2, 2]})
    g = gm.solve(gm.Roster.from_frame(df), gm.FacilitatedGroups(size=(3, 6)), time_limit=1)
    want = "topic 'go': the 2 who could facilitate it have no room for a group of 3 (capacity)"
    assert (g.unplaced.set_index("id").loc["p0", "reason"] == want)
    assert "no room for a group of 3" in g.message


def test_nothing_to_form_is_proven_infeasible_with_the_reason():
    df = pd.DataFrame({"id": [f"p{i}" for i in range(8)],
                       "needs": ["go"] * 6 + ["", ""], "expertise": [""] * 6 + ["rust"] * 2,
                       "role": ["mentee"] * 6 + ["mentor"] * 2})
    roster = gm.Roster.from_frame(df)
    g = gm.solve(roster, gm.FacilitatedGroups(size=(3, 6)), time_limit=1)
    assert g.status is gm.Status.INFEASIBLE  # every reason is a fact of the roster: a proof
    assert "topic 'go'" in g.message and "no facilitator has it" in g.message
    assert g.participation["bound"] == 0
    assert (g.unplaced.set_index("id").loc["p0", "reason"]
            == "topic 'go': no facilitator has it")


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), per_group=st.integers(3, 6), keep=st.floats(0.1, 1.0))
def test_placed_never_exceeds_the_bound_and_rules_hold(seed, per_group, keep):
    df = gm.datasets.make_skills_survey(80, mentees_per_group=per_group, random_state=seed)
    rng = np.random.default_rng(seed)
    mentors = np.flatnonzero(df["role"] == "mentor")
    drop = rng.choice(mentors, size=int(len(mentors) * (1 - keep)), replace=False)
    df = df.drop(index=drop).reset_index(drop=True)
    roster = gm.Roster.from_frame(df, categorical=["country"])
    spec = gm.FacilitatedGroups(size=(3, 6), terms=[gm.Diversity("country")])
    g = gm.solve(roster, spec, time_limit=1, random_state=seed)
    assert gm.check(roster, spec, g) == []
    share = g.participation
    placed = g.assignments.dropna(subset=["group"])
    placed = placed[placed["role"] == "mentee"]["id"].nunique()
    assert placed == share["placed"] <= share["bound"] <= share["eligible"]


def test_team_mentoring_reports_its_bound_and_true_reasons():
    df = gm.datasets.make_organization(400, random_state=3)
    mentor = df["role"].isin(["mentor", "both"])
    df.loc[mentor, "mentor_capacity_groups"] = np.minimum(df.loc[mentor,
                                                                 "mentor_capacity_groups"], 1)
    df.loc[df.index[mentor][::3], "role"] = "mentee"  # fewer mentors than teams
    roster = gm.Roster.from_frame(df)
    spec = gm.TeamMentoring(mentors=(1, 2), terms=[gm.GoalCoverage()])
    g = gm.solve(roster, spec, time_limit=3)
    assert gm.check(roster, spec, g) == []
    share = g.participation
    members = g.assignments[g.assignments["role"] == "member"]
    placed = members.dropna(subset=["group"])["id"].nunique()
    assert placed == share["placed"] <= share["bound"] <= share["eligible"]
    left = members[members["group"].isna()]
    assert len(left)
    for why in left["reason"]:
        assert "eligible mentors" in why or "reporting lines" in why, why
        if m := re.search(r"(\d+) eligible mentors, (\d+) with room left", why):
            assert int(m.group(2)) < spec.mentor_range[0] <= int(m.group(1))


def test_the_finish_cuts_a_full_group_to_make_room_for_a_few_left_out():
    """Two mentees out, fewer than a group's minimum, a free facilitator: one member of the
    full group moves so that a new group of the minimum size opens (sizes stay in range)."""
    from groupmatch.modes.facilitated.finish import finish
    from groupmatch.modes.roles.plan import RolePlan, reporting_lines

    df = pd.DataFrame({"id": [f"m{i}" for i in range(8)] + ["A", "B"],
                       "needs": ["go"] * 8 + ["", ""], "expertise": [""] * 8 + ["go", "go"],
                       "role": ["mentee"] * 8 + ["mentor"] * 2,
                       "mentor_capacity_groups": [0] * 8 + [1, 1],
                       "mentor_capacity_mentees": [0] * 8 + [6, 6]})
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=(3, 6))
    s = spec.setting(roster)
    plan = RolePlan([np.arange(6)], [np.array([8])], topic=[roster.topics.index("go")])
    finish(roster, spec, s, plan, reporting_lines(roster, range(8)))
    assert sorted(np.concatenate(plan.members).tolist()) == list(range(8))
    assert sorted(len(m) for m in plan.members) == [3, 5]
    assert [lead.tolist() for lead in plan.leaders] == [[8], [9]]
