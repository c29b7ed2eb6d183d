"""At-risk signals, each with its reason in words and the counts behind it.

Groups
    ``conflict`` (two members flagged a conflict with each other), ``attendance`` (mean share of
    sessions attended below the threshold), ``ratings`` (mean rating below the threshold),
    ``drop-outs`` (at least ``dropout_threshold`` of the members left), ``silent`` (nobody in
    the group answered in a round others answered), ``facilitator`` (a leader of the group is
    at risk).
Facilitators and mentors
    ``ratings`` (mean facilitator rating below the threshold), ``over capacity`` (more groups
    or mentees than their capacity), ``burnout`` (a full load, meaning every mentee place
    taken or at least two groups with every group place taken, together with facilitator
    ratings that fell by ``rating_drop`` or more since the previous round to under one point
    above the threshold, or with their own attendance below the threshold), ``left``.
Subgroups
    ``attendance`` or ``ratings`` below the threshold or clearly below the round's overall
    figure; only judged with at least ``min_count`` answers.

Rounds without any feedback are not judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .measures import HealthSettings, conflict_pairs
from .text import count_text
from .timeline import key_of

__all__ = ["group_risks", "facilitator_risks", "subgroup_risks", "RISK_COLUMNS"]

RISK_COLUMNS = ["round", "kind", "name", "signal", "reason"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _pct(x: float) -> str:
    return f"{x:.0%}"


def facilitator_risks(fac: pd.DataFrame, rounds_with_feedback: set,
                      s: HealthSettings) -> list[dict]:
    out = []
    for row in fac.itertuples(index=False):
        if row.round_key not in rounds_with_feedback:
            continue

        def add(signal, reason, row=row):
            out.append({"round": row.round, "kind": "facilitator", "name": row.id,
                        "signal": signal, "reason": reason, "round_key": row.round_key})

        if row.left:
            add("left", "left the programme")
        n = int(row.facilitator_ratings)
        if n and row.facilitator_rating < s.rating_threshold:
            add("ratings", f"low facilitator ratings: mean {row.facilitator_rating:.1f} of 5 "
                           f"from {_plural(n, 'mentee')} (threshold {s.rating_threshold:g})")
        cap_g, cap_m = row.capacity_groups, row.capacity_mentees
        over = [(f"{int(row.groups)} groups (capacity {int(cap_g)})")
                if pd.notna(cap_g) and row.groups > cap_g else None,
                (f"{int(row.mentees)} mentees (capacity {int(cap_m)})")
                if pd.notna(cap_m) and row.mentees > cap_m else None]
        over = [o for o in over if o]
        if over:
            add("over capacity", "over capacity: " + ", ".join(over))
        full = (pd.notna(cap_g) and row.groups >= max(cap_g, 2)) or \
            (pd.notna(cap_m) and cap_m > 0 and row.mentees >= cap_m)
        if full and not over:
            load = _plural(int(row.groups), "group") + ", " + _plural(int(row.mentees),
                                                                      "mentee")
            change = row.facilitator_rating_change
            if pd.notna(change) and change <= -s.rating_drop and \
                    row.facilitator_rating < s.rating_threshold + 1:
                before = row.facilitator_rating - change
                add("burnout", f"burnout risk: full load ({load}) and facilitator ratings fell "
                               f"from {before:.1f} to {row.facilitator_rating:.1f}")
            elif pd.notna(row.attendance) and row.attendance < s.attendance_threshold:
                add("burnout", f"burnout risk: full load ({load}) and attended "
                               f"{_pct(row.attendance)} of their own sessions")
    return out


def group_risks(groups: pd.DataFrame, timeline, feedback, fac_risks: list[dict],
                rounds_with_feedback: set, s: HealthSettings) -> list[dict]:
    pairs = conflict_pairs(timeline, feedback)
    pairs = pairs[pairs["inside"]]
    by_group: dict = {}
    for row in pairs.itertuples(index=False):
        by_group.setdefault((row.round_key, row.group_key), []).append(row)
    fac_reasons: dict = {}
    for r in fac_risks:
        fac_reasons.setdefault((r["round_key"], key_of(r["name"])), []).append(r["signal"])
    out = []
    for row in groups.itertuples(index=False):
        if row.round_key not in rounds_with_feedback:
            continue

        def add(signal, reason, row=row):
            out.append({"round": row.round, "kind": "group", "name": row.group,
                        "signal": signal, "reason": reason, "round_key": row.round_key,
                        "group_key": row.group_key})

        seen = set()
        for p in by_group.get((row.round_key, row.group_key), []):
            pair = tuple(sorted((p.id_key, p.other_key)))
            if pair in seen:
                continue
            seen.add(pair)
            both = [q for q in by_group[(row.round_key, row.group_key)]
                    if tuple(sorted((q.id_key, q.other_key))) == pair]
            who = " and ".join(dict.fromkeys(str(q.id) for q in both))
            add("conflict", f"conflict: {p.id} and {p.other} (flagged by {who})")
        if row.responses == 0:
            add("silent", f"no feedback from any of its {row.members} members")
        elif row.attendance < s.attendance_threshold:
            add("attendance", f"low attendance: mean {_pct(row.attendance)} of sessions; "
                              f"{count_text(row.low_attendance, row.responses, s.min_count)} "
                              f"answers under {_pct(s.attendance_threshold)}")
        if row.ratings and row.rating < s.rating_threshold:
            add("ratings", f"low ratings: mean {row.rating:.1f} of 5 from "
                           f"{_plural(int(row.ratings), 'rating')} (threshold "
                           f"{s.rating_threshold:g})")
        size = max(int(row.members), 1)
        if row.left and row.left / size >= s.dropout_threshold:
            add("drop-outs", f"drop-outs: {row.left} of {row.members} members left")
        for leader in getattr(row, "leaders", None) or []:
            signals = fac_reasons.get((row.round_key, key_of(leader)))
            if signals:
                add("facilitator", f"facilitator {leader} at risk ({', '.join(signals)})")
    return out


def subgroup_risks(sub: pd.DataFrame, by: str, rounds: pd.DataFrame,
                   rounds_with_feedback: set, s: HealthSettings) -> list[dict]:
    overall = rounds.set_index("round_key")
    out = []
    for row in sub.to_dict("records"):
        if row["round_key"] not in rounds_with_feedback or row["responses"] < s.min_count:
            continue
        ref = overall.loc[row["round_key"]]

        def add(signal, reason, row=row):
            out.append({"round": row["round"], "kind": "subgroup",
                        "name": f"{by}={row[by]}", "signal": signal, "reason": reason,
                        "round_key": row["round_key"]})

        att = row["attendance"]
        if att < s.attendance_threshold or att <= ref["attendance"] - s.attendance_gap:
            add("attendance", f"attendance: mean {_pct(att)} over {row['responses']} answers "
                              f"vs {_pct(ref['attendance'])} overall")
        n = int(row["ratings"])
        if n >= s.min_count and not np.isnan(row["rating"]) and (
                row["rating"] < s.rating_threshold
                or row["rating"] <= ref["rating"] - s.rating_gap):
            add("ratings", f"ratings: mean {row['rating']:.1f} from {n} vs "
                           f"{ref['rating']:.1f} overall")
    return out
