"""Tests for the synthetic organisation generator and the bundled sample."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from groupmatch.datasets import SLOTS, TOPICS, load_sample, make_organization

COLUMNS = [
    "id",
    "name",
    "department",
    "site",
    "timezone",
    "level",
    "gender",
    "tenure_years",
    "manager_id",
    "team",
    "interests",
    "needs",
    "expertise",
    "role",
    "mentor_capacity_groups",
    "mentor_capacity_mentees",
    "slots",
]
STRING_COLUMNS = ["id", "name", "department", "site", "level", "gender", "team", "role"]
LIST_COLUMNS = ["interests", "needs", "expertise", "slots"]
FUNDAMENTALS = {
    "communication",
    "time management",
    "project management",
    "public speaking",
    "writing",
    "data analysis",
}
LEADERSHIP = {
    "leadership",
    "people management",
    "coaching",
    "strategy",
    "negotiation",
    "change management",
    "stakeholder management",
    "decision making",
}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


@pytest.fixture(scope="module")
def org() -> pd.DataFrame:
    return make_organization(300, random_state=0)


def level_number(s: pd.Series) -> np.ndarray:
    return s.str[1:].astype(int).to_numpy()


def manager_links(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reports, their managers) aligned row by row."""
    reports = df[df["manager_id"].notna()]
    managers = df.set_index("id").loc[reports["manager_id"]]
    return reports, managers


def check_tree(df: pd.DataFrame) -> None:
    assert df["id"].is_unique
    roots = df["manager_id"].isna()
    assert roots.sum() == 1
    assert set(df.loc[~roots, "manager_id"]) <= set(df["id"])
    g = nx.DiGraph()
    g.add_nodes_from(df["id"])
    g.add_edges_from(zip(df.loc[~roots, "manager_id"], df.loc[~roots, "id"], strict=True))
    assert nx.is_arborescence(g)  # a tree, edges pointing away from the single root


# --- columns and types -----------------------------------------------------------------------


def test_columns_and_types(org):
    assert list(org.columns) == COLUMNS
    assert len(org) == 300
    for col in STRING_COLUMNS:
        assert pd.api.types.is_string_dtype(org[col]), col
        assert org[col].map(type).eq(str).all(), col
    assert org["manager_id"].dropna().map(type).eq(str).all()
    for col in ("timezone", "tenure_years"):
        assert org[col].dtype == np.float64, col
    for col in ("mentor_capacity_groups", "mentor_capacity_mentees"):
        assert org[col].dtype == np.int64, col
    for col in LIST_COLUMNS:
        assert org[col].map(lambda v: isinstance(v, list)).all(), col
        assert all(isinstance(t, str) for v in org[col] for t in v), col
        assert org[col].map(lambda v: len(v) == len(set(v))).all(), f"duplicates in {col}"


def test_value_domains(org):
    assert org["id"].str.fullmatch(r"E\d{5}").all()
    assert org["team"].str.fullmatch(r"T\d{4}").all()
    assert org["name"].str.fullmatch(r"\w+ \w+").all()
    assert set(org["level"]) <= {f"L{k}" for k in range(1, 7)}
    assert set(org["gender"]) <= {"F", "M", "X"}
    assert set(org["role"]) <= {"mentee", "mentor", "both"}
    assert 6 <= org["department"].nunique() <= 10
    assert 5 <= org["site"].nunique() <= 7
    assert (org.groupby("site")["timezone"].nunique() == 1).all()
    offsets = org.groupby("site")["timezone"].first()
    assert offsets["London"] == 0 and offsets["Bangalore"] == 5.5
    assert (org["tenure_years"] >= 0).all()
    assert np.allclose(org["tenure_years"], org["tenure_years"].round(1))
    sizes = {c: org[c].map(len) for c in LIST_COLUMNS}
    assert sizes["interests"].between(2, 4).all()
    assert sizes["needs"].between(1, 3).all()
    assert sizes["expertise"].between(0, 4).all()
    assert sizes["slots"].between(3, 6).all()
    for col in ("interests", "needs", "expertise"):
        assert {t for v in org[col] for t in v} <= set(TOPICS), col
    assert {s for v in org["slots"] for s in v} <= set(SLOTS)


def test_vocabularies():
    assert 30 <= len(TOPICS) <= 40 and len(set(TOPICS)) == len(TOPICS)
    assert 8 <= len(SLOTS) <= 14 and len(set(SLOTS)) == len(SLOTS)


def test_realistic_shares():
    df = make_organization(5000, random_state=3)
    gender = df["gender"].value_counts(normalize=True)
    assert 0.40 < gender["F"] < 0.50 and 0.47 < gender["M"] < 0.57 and gender["X"] < 0.05
    binary = df[df["gender"] != "X"]
    women = (binary["gender"] == "F").groupby(binary["department"]).mean()
    assert women["HR"] > women["Engineering"] + 0.2
    depts = df["department"].value_counts(normalize=True)
    assert depts.iloc[0] > 3 * depts.iloc[-1]  # uneven sizes
    levels = df["level"].value_counts(normalize=True).reindex([f"L{k}" for k in range(1, 7)])
    levels = levels.fillna(0).to_numpy()
    assert levels[:2].sum() > 0.6 and levels[4:].sum() < 0.05  # pyramid
    assert np.all(np.diff(levels[1:]) < 0)
    tenure = df.groupby("level")["tenure_years"].mean()
    assert tenure["L1"] < tenure["L3"] < tenure["L5"]
    mentors = df["role"] != "mentee"
    assert 0.18 < mentors.mean() < 0.32
    senior = level_number(df["level"]) >= 4
    assert mentors[senior].mean() > 0.7 and mentors[~senior].mean() < 0.3


# --- randomness ------------------------------------------------------------------------------


def test_deterministic(org):
    pd.testing.assert_frame_equal(org, make_organization(300, random_state=0))
    a = make_organization(120, random_state=np.random.default_rng(5))
    b = make_organization(120, random_state=np.random.default_rng(5))
    pd.testing.assert_frame_equal(a, b)


def test_seeds_differ(org):
    other = make_organization(300, random_state=1)
    assert not org.equals(other)
    assert not org["manager_id"].equals(other["manager_id"])
    assert not org["needs"].equals(other["needs"])


def test_generator_is_advanced():
    rng = np.random.default_rng(7)
    assert not make_organization(50, random_state=rng).equals(
        make_organization(50, random_state=rng)
    )


def test_none_random_state():
    assert len(make_organization(20, random_state=None)) == 20


# --- hierarchy and teams ---------------------------------------------------------------------


def test_manager_graph_is_a_tree(org):
    check_tree(org)
    root = org.loc[org["manager_id"].isna()].iloc[0]
    assert root["level"] == "L6"
    spans = org["manager_id"].value_counts()
    assert spans.between(3, 10).all()
    reports, managers = manager_links(org)
    heads = reports["manager_id"] == root["id"]
    assert heads.sum() == org["department"].nunique()
    assert reports.loc[heads, "department"].is_unique
    assert (reports.loc[~heads, "department"].to_numpy()
            == managers.loc[~heads.to_numpy(), "department"].to_numpy()).all()
    assert (reports["site"].to_numpy() == managers["site"].to_numpy()).mean() > 0.6


def test_managers_outrank_reports(org):
    reports, managers = manager_links(org)
    lr, lm = level_number(reports["level"]), level_number(managers["level"])
    assert (lm > lr).all()  # strictly, at this size
    big = make_organization(20_000, random_state=2)
    reports, managers = manager_links(big)
    lr, lm = level_number(reports["level"]), level_number(managers["level"])
    assert (lm >= lr).all()
    assert (lm > lr).mean() > 0.95


def test_teams(org):
    root_id = org.loc[org["manager_id"].isna(), "id"].iloc[0]
    reports = org[org["manager_id"].notna()]
    team_of_manager = reports.groupby("manager_id")["team"].agg(set)
    assert (team_of_manager.map(len) == 1).all()  # a manager's reports share one team
    team_of_manager = team_of_manager.map(lambda s: next(iter(s)))
    assert team_of_manager.is_unique  # and no other manager's reports are in it
    root_team = org.loc[org["id"] == root_id, "team"].iloc[0]
    assert root_team == team_of_manager[root_id]
    assert org["team"].value_counts().between(3, 10).all()
    assert org["team"].nunique() == org["manager_id"].nunique()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 10, 13, 33, 50])
def test_small_organisations(n):
    df = make_organization(n, random_state=n)
    assert len(df) == n and list(df.columns) == COLUMNS
    check_tree(df)
    reports, managers = manager_links(df)
    assert (level_number(managers["level"]) > level_number(reports["level"])).all()
    assert ((df["role"] == "mentee") == (df["mentor_capacity_groups"] == 0)).all()


def test_single_person():
    df = make_organization(1, random_state=0)
    assert df["manager_id"].isna().all()
    assert df.loc[0, "level"] == "L6" and df.loc[0, "role"] == "mentor"
    assert df.loc[0, "team"] == "T0001"


@pytest.mark.parametrize("bad", [0, -3])
def test_too_small_raises(bad):
    with pytest.raises(ValueError, match="n must be >= 1"):
        make_organization(bad)


@pytest.mark.parametrize("bad", [2.5, "10", True, None])
def test_non_integer_raises(bad):
    with pytest.raises(ValueError, match="n must be an integer"):
        make_organization(bad)


def test_numpy_integer_n():
    assert len(make_organization(np.int64(12))) == 12


# --- mentoring -------------------------------------------------------------------------------


def test_roles_and_capacities(org):
    mentee = org["role"] == "mentee"
    groups, mentees = org["mentor_capacity_groups"], org["mentor_capacity_mentees"]
    assert (groups[mentee] == 0).all() and (mentees[mentee] == 0).all()
    assert groups[~mentee].between(1, 3).all()
    assert mentees[~mentee].between(4, 12).all()
    assert (mentees[~mentee] >= groups[~mentee]).all()
    assert (org.loc[~mentee, "expertise"].map(len) >= 1).all()  # mentors can teach something


def test_needs_are_not_own_expertise(org):
    assert all(not set(n) & set(e) for n, e in zip(org["needs"], org["expertise"], strict=True))


@pytest.mark.parametrize("seed", range(5))
def test_every_needed_topic_has_an_expert(seed):
    df = make_organization(300, random_state=seed)
    needed = {t for v in df["needs"] for t in v}
    experts = {t for v in df["expertise"] for t in v}
    mentor_experts = {t for v in df.loc[df["role"] != "mentee", "expertise"] for t in v}
    assert needed <= experts
    assert needed <= mentor_experts


def test_needs_follow_level_and_department():
    df = make_organization(5000, random_state=4)
    lv = level_number(df["level"])

    def share(mask, topics, col="needs"):
        items = [t for v in df.loc[mask, col] for t in v]
        return np.mean([t in topics for t in items])

    assert share(lv <= 2, FUNDAMENTALS) > 2 * share(lv >= 5, FUNDAMENTALS)
    assert share(lv >= 5, LEADERSHIP) > 3 * share(lv <= 2, LEADERSHIP)
    eng = (df["department"] == "Engineering").to_numpy()
    craft = {"python", "cloud", "software architecture", "machine learning", "devops"}
    assert share(eng, craft, "expertise") > 3 * share(~eng, craft, "expertise")
    n_exp = df["expertise"].map(len).to_numpy()
    assert n_exp[lv >= 4].mean() > n_exp[lv <= 2].mean() + 1


# --- availability ----------------------------------------------------------------------------


def test_slots_fall_in_local_working_hours(org):
    for offset, slots in zip(org["timezone"], org["slots"], strict=True):
        assert list(slots) == sorted(slots, key=SLOTS.index)  # week order
        for slot in slots:
            utc = DAYS.index(slot[:3]) * 24 + int(slot[4:])
            day, hour = divmod(utc + offset, 24)
            assert 0 <= day <= 4 and 8 <= hour <= 17, (slot, offset)


def test_time_zones_overlap(org):
    by_site = org.groupby("site")["slots"].agg(lambda s: {x for v in s for x in v})
    assert by_site["London"] & by_site["New York"]
    assert by_site["New York"] & by_site["San Francisco"]
    assert by_site["Bangalore"] & by_site["Singapore"]
    assert by_site["Berlin"] & by_site["Bangalore"]


# --- bundled sample --------------------------------------------------------------------------


def test_bundled_sample_matches_generator(org):
    expected = org.copy()
    for col in LIST_COLUMNS:
        expected[col] = [";".join(v) for v in expected[col]]
    try:
        pd.testing.assert_frame_equal(load_sample(), expected)
    except AssertionError as err:
        raise AssertionError(
            "data/sample_organization.csv is stale; regenerate it with "
            "`python -c 'from groupmatch.datasets import _write_sample; _write_sample()'`"
        ) from err


def test_load_sample_types():
    df = load_sample()
    assert df.shape == (300, len(COLUMNS))
    assert df["manager_id"].isna().sum() == 1
    assert (df["expertise"] == "").any()  # empty lists stay empty strings, not NaN
    assert df[LIST_COLUMNS].notna().all().all()


# --- scale -----------------------------------------------------------------------------------


def test_scales_to_100k():
    start = time.perf_counter()
    df = make_organization(100_000, random_state=0)
    elapsed = time.perf_counter() - start
    assert len(df) == 100_000 and df["id"].is_unique
    assert elapsed < 10, f"make_organization(100_000) took {elapsed:.1f} s"
    ids = pd.Index(df["id"])
    parent = ids.get_indexer(df["manager_id"])
    assert (parent == -1).sum() == 1 and df["manager_id"].isna().sum() == 1
    # follow manager pointers: every chain reaches the root within a few steps (no cycles)
    node = np.arange(len(df))
    for _ in range(20):
        node = np.where(node >= 0, parent[np.maximum(node, 0)], -1)
    assert (node == -1).all()
    assert df["manager_id"].value_counts().between(3, 10).all()
