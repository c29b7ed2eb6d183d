"""gm.health on hand-built programmes: exact counts, at-risk signals with their reasons, trends,
subgroups (sensitive ones guarded) and the HTML page."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm

MENTEE, LEAD = "mentee", "facilitator"

# F1 leads groups 0 and 1 (capacity 2 groups, 7 mentees: full); F2 leads group 2 with three
# mentees against a capacity of two (over capacity).
HISTORY = pd.DataFrame({
    "id": ["F1", "a", "b", "c", "d", "F1", "e", "f", "g", "F2", "h", "i", "j"],
    "group": [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
    "role": [LEAD, MENTEE, MENTEE, MENTEE, MENTEE, LEAD, MENTEE, MENTEE, MENTEE,
             LEAD, MENTEE, MENTEE, MENTEE],
})
PEOPLE = pd.DataFrame({
    "id": ["F1", "F2", *"abcdefghij"],
    "level": ["L4", "L4", "L1", "L1", "L1", "L2", "L2", "L2", "L1", "L1", "L2", "L2"],
    "gender": ["F", "M", "F", "M", "F", "M", "F", "M", "F", "M", "F", "M"],
    "role": ["mentor", "mentor"] + ["mentee"] * 10,
    "mentor_capacity_groups": [2, 1] + [0] * 10,
    "mentor_capacity_mentees": [7, 2] + [0] * 10,
})
FEEDBACK = pd.DataFrame([
    # round, id, group, attended, rating, facilitator_rating, flags
    (1, "a", 0, 1.0, 4, 4, ""),
    (1, "b", 0, 0.5, 4, 4, ""),
    (1, "c", 0, 1.0, 5, 5, "again:d"),
    (1, "d", 0, 0.0, None, None, "left"),
    (1, "e", 1, 0.25, 2, 2, "conflict:f"),
    (1, "f", 1, 0.5, 2, 2, ""),
    (1, "g", 1, 0.25, 3, 3, ""),
    (1, "F1", 0, 1.0, 4, None, ""),
    (1, "F1", 1, 1.0, 3, None, ""),
], columns=["round", "id", "group", "attended", "rating", "facilitator_rating", "flags"])


@pytest.fixture(scope="module")
def roster():
    return gm.Roster.from_frame(PEOPLE, sensitive=["gender"])


@pytest.fixture(scope="module")
def health(roster):
    return gm.health([HISTORY], FEEDBACK, roster=roster, by="level")


def test_group_numbers_are_exact(health):
    g = health.groups.set_index("group")
    assert g["members"].tolist() == [4, 3, 3]
    assert g["responses"].tolist() == [4, 3, 0]  # the facilitator's own rows not counted
    assert g.loc[0, "attendance"] == pytest.approx(2.5 / 4)
    assert g.loc[1, "attendance"] == pytest.approx(1.0 / 3)
    assert g["low_attendance"].tolist() == [1, 2, 0]
    assert g.loc[0, "rating"] == pytest.approx(13 / 3)
    assert g["ratings"].tolist() == [3, 3, 0]
    assert g["low_ratings"].tolist() == [0, 2, 0]
    assert g["left"].tolist() == [1, 0, 0]
    assert g["conflicts"].tolist() == [0, 1, 0]
    assert g["leaders"].tolist() == [["F1"], ["F1"], ["F2"]]


def test_every_group_is_at_risk_for_its_own_reasons(health):
    risks = health.at_risk
    groups = risks[risks["kind"] == "group"]
    signals = groups.groupby("name")["signal"].apply(list).to_dict()
    assert signals == {0: ["drop-outs"], 1: ["conflict", "attendance", "ratings"],
                       2: ["silent", "facilitator"]}
    reasons = dict(zip(groups["signal"], groups["reason"], strict=True))
    assert reasons["drop-outs"] == "drop-outs: 1 of 4 members left"
    assert reasons["conflict"] == "conflict: e and f (flagged by e)"
    assert reasons["attendance"] == ("low attendance: mean 33% of sessions; 2 of 3 answers "
                                     "under 50%")
    assert reasons["ratings"] == "low ratings: mean 2.3 of 5 from 3 ratings (threshold 3)"
    assert reasons["silent"] == "no feedback from any of its 3 members"
    assert reasons["facilitator"] == "facilitator F2 at risk (over capacity)"
    assert health.at_risk_groups() == [0, 1, 2]
    assert health.groups["at_risk"].all()


def test_facilitators_loads_ratings_and_capacity_signals(health):
    f = health.facilitators.set_index("id")
    assert f.loc["F1", ["groups", "mentees", "facilitator_ratings"]].tolist() == [2, 7, 6]
    assert f.loc["F1", "facilitator_rating"] == pytest.approx(20 / 6)
    assert f.loc["F1", "attendance"] == 1.0
    assert not f.loc["F1", "at_risk"]  # full, but nothing fell: no burnout signal
    assert f.loc["F2", "reasons"] == "over capacity: 3 mentees (capacity 2)"


def test_burnout_is_a_full_load_with_ratings_falling(roster):
    second = FEEDBACK.copy()
    second["round"] = 2
    second["facilitator_rating"] = (second["facilitator_rating"] - 1.5).clip(lower=1)
    h = gm.health([HISTORY, HISTORY], pd.concat([FEEDBACK, second]), roster=roster)
    f = h.facilitators.set_index(["round", "id"])
    assert f.loc[(2, "F1"), "facilitator_rating"] == pytest.approx(12 / 6)
    assert f.loc[(2, "F1"), "facilitator_rating_change"] == pytest.approx(12 / 6 - 20 / 6)
    signals = h.at_risk[(h.at_risk["round"] == 2) & (h.at_risk["name"] == "F1")]
    assert sorted(signals["signal"]) == ["burnout", "ratings"]
    assert ("burnout risk: full load (2 groups, 7 mentees) and facilitator ratings fell from "
            "3.3 to 2.0") in f.loc[(2, "F1"), "reasons"]
    r = h.rounds.set_index("round")
    assert r.loc[2, "facilitators_at_risk"] == 2 and r.loc[1, "facilitators_at_risk"] == 1
    # the same groups ran again with the same members: changes against round 1
    g = h.groups.set_index(["round", "group"])
    assert g.loc[(2, 1), "rating_change"] == pytest.approx(0.0)
    assert np.isnan(g.loc[(1, 1), "rating_change"])


def test_rounds_table_counts_people_answers_and_drop_outs(health):
    r = health.rounds.iloc[0]
    assert (r["groups"], r["people"], r["responses"], r["left"], r["conflicts"]) == \
        (3, 12, 8, 1, 1)
    assert r["groups_at_risk"] == 3 and r["facilitators_at_risk"] == 1


def test_subgroups_by_level_and_small_counts_in_words(health):
    s = health.subgroups.set_index("level")
    assert s.loc["L1", ["people", "responses", "left"]].tolist() == [5, 4, 0]
    assert s.loc["L2", ["people", "responses", "left"]].tolist() == [5, 3, 1]
    assert s.loc["L4", ["people", "responses"]].tolist() == [2, 1]
    summary = health.summary()
    assert "8 of 12 (67%) answered" in summary
    assert "3 of 3 groups at risk" in summary  # below 5: counts only, no percentage
    assert "%" not in re.search(r"3 of 3 groups at risk.*", summary).group(0)


def test_a_sensitive_column_needs_include_sensitive(roster):
    with pytest.raises(gm.InputError, match="column 'gender' is sensitive"):
        gm.health([HISTORY], FEEDBACK, roster=roster, by="gender")
    h = gm.health([HISTORY], FEEDBACK, roster=roster, by="gender", include_sensitive=True)
    assert set(h.subgroups["gender"]) == {"F", "M"}
    page = h.to_html()
    assert "Subgroups by gender" in page and "gender=F" not in page
    assert ">F<" not in page and ">M<" not in page
    shown = h.to_html(include_sensitive=True)
    assert ">F<" in shown


def test_the_page_renders_offline(health, tmp_path):
    path = health.to_html(tmp_path / "health.html")
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 2
    assert "conflict: e and f (flagged by e)" in text
    assert "fewer than 5 answers" in text  # L4's one answer is not shown as a mean


def test_thresholds_are_validated_and_change_the_verdict():
    with pytest.raises(gm.InputError, match="'attendance_threshold' must be a number from 0"):
        gm.health([HISTORY], FEEDBACK, attendance_threshold=50)
    loose = gm.health([HISTORY], FEEDBACK, attendance_threshold=0.2, rating_threshold=2)
    signals = set(loose.at_risk["signal"])
    assert "attendance" not in signals and "ratings" not in signals


def test_feedback_without_history_is_refused_clearly():
    with pytest.raises(gm.InputError, match="health needs the history of the rounds"):
        gm.health(None, FEEDBACK)


def test_peer_programme_with_synthetic_feedback_is_consistent():
    people = gm.datasets.make_organization(60, random_state=2)
    roster = gm.Roster.from_frame(people)
    spec = gm.PeerGroups(size=(4, 6))
    g = gm.solve(roster, spec, time_limit=0.5, deterministic=True)
    fb = gm.datasets.make_feedback([g], random_state=4)
    h = gm.health([g], fb)
    total = h.groups[["members", "responses", "left"]].sum()
    assert total["members"] == 60 and total["responses"] == 60
    assert total["left"] == (fb["flags"].str.contains("left")).sum()
    assert np.isclose(h.rounds["attendance"].iloc[0], fb["attended"].mean())
