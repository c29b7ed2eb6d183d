"""The numbers behind a health check: per round, group, facilitator and subgroup.

Every mean comes with the count it is taken over (``responses``, ``ratings``), and every
share with its numerator (``low_attendance``, ``low_ratings``, ``left``), so a group of three
is never summed up by a percentage alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .timeline import _round_order, key_of

__all__ = ["HealthSettings", "annotated_feedback", "group_table", "facilitator_table",
           "subgroup_table", "round_table", "conflict_pairs"]


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds of the health check (see :func:`groupmatch.health`)."""

    attendance_threshold: float = 0.5
    rating_threshold: float = 3.0
    dropout_threshold: float = 0.25
    min_count: int = 5
    rating_drop: float = 0.5  # a facilitator's mean rating falling this much is a signal
    attendance_gap: float = 0.10  # a subgroup this far below the round's mean is flagged
    rating_gap: float = 0.5


def annotated_feedback(timeline, feedback) -> pd.DataFrame:
    """Feedback rows with ``leader`` (did the person lead that group, from the history) and
    ``left`` (did the row flag ``left``)."""
    m = timeline.memberships[["round_key", "id_key", "group_key", "leader"]]
    fb = feedback.frame.merge(m, on=["round_key", "id_key", "group_key"], how="left")
    fb["leader"] = fb["leader"].fillna(False).astype(bool)
    t = feedback.flag_table
    rows = set(t.loc[t["kind"] == "left", "row"].tolist())
    fb["left"] = np.isin(np.arange(len(fb)), list(rows))
    return fb


def conflict_pairs(timeline, feedback) -> pd.DataFrame:
    """Every conflict flag with the flagger's group and whether the other was in it:
    ``round_key, group_key, id, other, id_key, other_key, inside``."""
    t = feedback.flag_table
    t = t[t["kind"] == "conflict"].copy()
    t["group_key"] = t["group"].map(key_of)
    t["id_key"] = t["id"].map(key_of)
    m = timeline.memberships
    place = set(zip(m["round_key"], m["id_key"], m["group_key"], strict=True))
    t["inside"] = np.array([(r, o, g) in place for r, o, g in
                            zip(t["round_key"], t["other_key"], t["group_key"], strict=True)],
                           dtype=bool)
    return t[["round_key", "group_key", "id", "other", "id_key", "other_key", "inside"]]


def _stats(fb: pd.DataFrame, keys: list[str], s: HealthSettings) -> pd.DataFrame:
    """responses, attendance (mean), low_attendance, rating (mean), ratings, low_ratings,
    left."""
    work = fb.assign(_low_att=fb["attended"] < s.attendance_threshold,
                     _rated=fb["rating"].notna(),
                     _low_rate=fb["rating"] < s.rating_threshold)
    out = work.groupby(keys, sort=False).agg(
        responses=("attended", "size"), attendance=("attended", "mean"),
        low_attendance=("_low_att", "sum"), rating=("rating", "mean"),
        ratings=("_rated", "sum"), low_ratings=("_low_rate", "sum"), left=("left", "sum"))
    return out


def _sorted_rounds(frame: pd.DataFrame, timeline, sort_col: str | None) -> pd.DataFrame:
    order = {k: i for i, k in enumerate(timeline.round_keys)}
    frame = frame.assign(_r=frame["round_key"].map(order))
    by = ["_r"]
    if sort_col is not None:
        frame["_g"] = frame[sort_col].map(_round_order)
        by.append("_g")
    return frame.sort_values(by, kind="stable").drop(columns=[c for c in ("_r", "_g")
                                                              if c in frame.columns])


def _change(frame: pd.DataFrame, entity: str, timeline, cols=("attendance", "rating"),
            same=None) -> pd.DataFrame:
    """``<col>_change``: this round's value minus the entity's value in its previous round
    (``same(prev_row, row)`` may refuse a comparison)."""
    order = {k: i for i, k in enumerate(timeline.round_keys)}
    for col in cols:
        frame[f"{col}_change"] = np.nan
    last: dict = {}
    for idx in sorted(frame.index, key=lambda i: order[frame.at[i, "round_key"]]):
        key = frame.at[idx, entity]
        prev = last.get(key)
        if prev is not None and order[frame.at[prev, "round_key"]] == \
                order[frame.at[idx, "round_key"]] - 1 and (same is None or same(prev, idx)):
            for col in cols:
                frame.at[idx, f"{col}_change"] = frame.at[idx, col] - frame.at[prev, col]
        last[key] = idx
    return frame


def group_table(timeline, feedback, fb: pd.DataFrame, s: HealthSettings) -> pd.DataFrame:
    """One row per (round, group) of the history (see :class:`groupmatch.lifecycle.Health`)."""
    m = timeline.memberships
    keys = ["round_key", "group_key"]
    base = m.groupby(keys, sort=False).agg(round=("round", "first"), group=("group", "first"))
    base["members"] = m[~m["leader"]].groupby(keys).size()
    lead = m[m["leader"]].groupby(keys)["id"].agg(list)
    if len(lead):
        base["leaders"] = lead
        base["leaders"] = base["leaders"].apply(lambda v: v if isinstance(v, list) else [])
    base = base.join(_stats(fb[~fb["leader"]], keys, s))  # leaders answer for themselves
    pairs = conflict_pairs(timeline, feedback)
    inside = pairs[pairs["inside"]].copy()
    inside["pair"] = [tuple(sorted((a, b))) for a, b in
                      zip(inside["id_key"], inside["other_key"], strict=True)]
    base["conflicts"] = inside.drop_duplicates(keys + ["pair"]).groupby(keys).size()
    ints = ["members", "responses", "low_attendance", "ratings", "low_ratings", "left",
            "conflicts"]
    base[ints] = base[ints].fillna(0).astype(np.int64)
    base = base.reset_index()
    members = {k: set(v) for k, v in m[~m["leader"]].groupby(keys)["id_key"]}

    def continuing(prev, idx) -> bool:  # same group number and most members kept
        a = members.get((base.at[prev, "round_key"], base.at[prev, "group_key"]), set())
        b = members.get((base.at[idx, "round_key"], base.at[idx, "group_key"]), set())
        return bool(b) and len(a & b) * 2 >= len(b)

    base = _change(base, "group_key", timeline, same=continuing)
    base["group"] = _tidy(base["group"])
    return _sorted_rounds(base, timeline, "group").reset_index(drop=True)


def _tidy(labels: pd.Series) -> pd.Series:
    """Group labels as integers when they all are whole numbers, else as given."""
    numbers = pd.to_numeric(labels, errors="coerce")
    if numbers.notna().all() and (numbers == numbers.round()).all():
        return numbers.astype(np.int64)
    return labels


def facilitator_table(timeline, feedback, fb: pd.DataFrame, s: HealthSettings) -> pd.DataFrame:
    """One row per (round, leader): load, capacity, facilitator ratings, own attendance."""
    loads = timeline.loads
    cols = ["round", "id", "groups", "mentees", "capacity_groups", "capacity_mentees",
            "facilitator_rating", "facilitator_ratings", "attendance", "left"]
    if loads.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in
                             ["round_key", "id_key", *cols]})
    m = timeline.memberships
    led = m[m["leader"]][["round_key", "group_key", "id_key"]]
    mentee = fb[~fb["leader"] & fb["facilitator_rating"].notna()]
    per_group = mentee.groupby(["round_key", "group_key"])["facilitator_rating"].agg(
        ["sum", "count"]).reset_index()
    per_leader = led.merge(per_group, on=["round_key", "group_key"], how="left").groupby(
        ["round_key", "id_key"])[["sum", "count"]].sum()
    own = fb[fb["leader"]].groupby(["round_key", "id_key"])["attended"].mean()
    out = loads.set_index(["round_key", "id_key"])
    out["facilitator_ratings"] = per_leader["count"]
    out["facilitator_rating"] = per_leader["sum"] / per_leader["count"].replace(0, np.nan)
    out["attendance"] = own
    left = feedback.flag_table
    left = left[left["kind"] == "left"].assign(id_key=lambda d: d["id"].map(key_of))
    gone = set(zip(left["round_key"], left["id_key"], strict=True))
    out = out.reset_index()
    out["facilitator_ratings"] = out["facilitator_ratings"].fillna(0).astype(np.int64)
    out["left"] = [(r, i) in gone for r, i in zip(out["round_key"], out["id_key"], strict=True)]
    out = _change(out, "id_key", timeline, cols=("facilitator_rating",))
    return _sorted_rounds(out, timeline, None)[
        ["round_key", "id_key", *cols, "facilitator_rating_change"]].reset_index(drop=True)


def subgroup_table(timeline, feedback, fb: pd.DataFrame, by: str, values: dict,
                   s: HealthSettings) -> pd.DataFrame:
    """One row per (round, value of ``by``): people, responses, attendance, ratings, left."""
    missing = "(not in roster)"
    m = timeline.memberships
    m = m.assign(value=m["id_key"].map(lambda k: values.get(k, missing)).astype(str))
    fbv = fb.assign(value=fb["id_key"].map(lambda k: values.get(k, missing)).astype(str))
    keys = ["round_key", "value"]
    base = m.drop_duplicates(["round_key", "id_key"]).groupby(keys, sort=False).agg(
        round=("round", "first"), people=("id_key", "size"))
    base = base.join(_stats(fbv.drop_duplicates(["round_key", "id_key"]), keys, s))
    ints = ["people", "responses", "low_attendance", "ratings", "low_ratings", "left"]
    base[ints] = base[ints].fillna(0).astype(np.int64)
    base = _change(base.reset_index(), "value", timeline)
    base = _sorted_rounds(base, timeline, "value").rename(columns={"value": by})
    return base[["round_key", "round", by, *ints[:1], "responses", "attendance",
                 "low_attendance", "rating", "ratings", "low_ratings", "left",
                 "attendance_change", "rating_change"]].reset_index(drop=True)


def round_table(timeline, feedback, fb: pd.DataFrame, groups: pd.DataFrame,
                s: HealthSettings) -> pd.DataFrame:
    """One row per round: groups, people, responses, means with their counts, drop-outs,
    conflicts."""
    m = timeline.memberships
    stats = _stats(fb.drop_duplicates(["round_key", "id_key"]), ["round_key"], s)
    rows = []
    for label, key in zip(timeline.rounds, timeline.round_keys, strict=True):
        g = groups[groups["round_key"] == key]
        here = m[m["round_key"] == key]
        st = stats.loc[key] if key in stats.index else None
        rows.append({
            "round_key": key, "round": label, "groups": len(g),
            "people": here["id_key"].nunique(),
            "responses": 0 if st is None else int(st["responses"]),
            "attendance": np.nan if st is None else st["attendance"],
            "low_attendance": 0 if st is None else int(st["low_attendance"]),
            "rating": np.nan if st is None else st["rating"],
            "ratings": 0 if st is None else int(st["ratings"]),
            "low_ratings": 0 if st is None else int(st["low_ratings"]),
            "left": 0 if st is None else int(st["left"]),
            "conflicts": int(g["conflicts"].sum()),
        })
    return pd.DataFrame(rows)
