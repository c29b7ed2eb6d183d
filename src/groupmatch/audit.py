"""Fairness read-outs of a Grouping: group-score distribution, violated needs, audit by column.

``Grouping.score_distribution``, ``Grouping.violated_needs`` and ``Grouping.audit`` call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InputError
from .redact import check_subgroup_column

__all__ = ["score_distribution", "violated_needs", "audit"]

GAP_SHARE = 0.05  # placed share this far below the overall one is flagged
GAP_RATIO = 0.9  # means below this fraction of the overall mean are flagged


def score_distribution(groups: pd.DataFrame) -> dict[str, float]:
    """min, p10, median, mean and max of the groups' scores (``group_score``).

    Examples
    --------
    >>> score_distribution(pd.DataFrame({"group_score": [1, 2, 3, 4]}))["median"]
    2.5
    """
    s = pd.to_numeric(groups.get("group_score", pd.Series(dtype=float)), errors="coerce")
    if s.empty:
        return {k: float("nan") for k in ("min", "p10", "median", "mean", "max")}
    return {"min": float(s.min()), "p10": float(s.quantile(0.1)),
            "median": float(s.median()), "mean": float(s.mean()), "max": float(s.max())}


def violated_needs(roster, problem, assignment) -> pd.DataFrame:
    """Every broken instance of a ``tier="need"`` rule: ``rule``, ``groups``, ``message``."""
    rows = []
    if assignment is not None and problem is not None:
        for term in problem.terms:
            if getattr(term, "tier", None) == "need":
                for v in term.violations(roster, assignment, problem.n_groups):
                    rows.append({"rule": v.rule, "groups": list(v.groups), "message": v.message})
    return pd.DataFrame(rows, columns=["rule", "groups", "message"])


def _shared_needs_per_person(roster, a) -> np.ndarray:
    """How many of each person's needs a group-mate shares (NaN without a needs column)."""
    if "needs" not in roster.multi:
        return np.full(roster.n, np.nan)
    m = roster.multi["needs"].matrix.astype(np.int64)
    placed = a >= 0
    tc = np.zeros((max(int(a.max(initial=-1)) + 1, 1), m.shape[1]), dtype=np.int64)
    np.add.at(tc, a[placed], m[placed])
    out = np.full(roster.n, np.nan)
    out[placed] = (m[placed] * (tc[a[placed]] >= 2)).sum(axis=1)
    return out


def _diversity_per_person(grouping, a) -> np.ndarray:
    """The diversity of each person's group: differing pairs summed over Diversity terms (read
    from the groups table, so every mode is audited the same way)."""
    labels = [t.label for t in grouping.spec.terms if type(t).__name__ == "Diversity"
              and t.label in grouping.groups.columns]
    out = np.full(len(a), np.nan)
    if not labels:
        return out
    values = grouping.groups[labels].to_numpy(dtype=np.int64).sum(axis=1)
    placed = a >= 0
    out[placed] = values[a[placed]]
    return out


def audit(grouping, by: str, *, include_sensitive: bool = False) -> pd.DataFrame:
    """Per value of ``by``: people, share placed, mean shared needs, mean group diversity,
    facilitator load (role modes), and a ``flag`` naming gaps against the overall figures.

    The table names every value of ``by`` and a value held by one person tells about that
    person, so a sensitive column needs ``include_sensitive=True``.
    """
    roster = grouping._roster
    if roster is None:
        raise InputError("This grouping has no roster to audit.")
    check_subgroup_column([roster], by, include_sensitive, f"audit(by={by!r})")
    a = grouping.assignment_array()
    key = roster.frame[by].astype(str).to_numpy()
    placed_ids = set(grouping.assignments.loc[grouping.assignments["group"].notna(), "id"])
    table = pd.DataFrame({
        "value": key,
        "placed": pd.Series(roster.ids).isin(placed_ids).to_numpy(),
        "shared_needs": _shared_needs_per_person(roster, a),
        "group_diversity": _diversity_per_person(grouping, a),
    })
    out = table.groupby("value").agg(
        people=("placed", "size"), share_placed=("placed", "mean"),
        mean_shared_needs=("shared_needs", "mean"),
        mean_group_diversity=("group_diversity", "mean"),
    )
    loads = getattr(grouping, "loads", None)
    if loads is not None and len(loads):
        lk = loads.merge(pd.DataFrame({"id": roster.ids, "value": key}), on="id", how="left")
        load = lk.groupby("value").agg(facilitators=("id", "size"),
                                       mean_groups_led=("groups", "mean"),
                                       mean_mentees=("mentees", "mean"))
        out = out.join(load, how="left")
    overall = {"share_placed": table["placed"].mean(),
               "mean_shared_needs": table["shared_needs"].mean(),
               "mean_group_diversity": table["group_diversity"].mean()}
    flags = []
    for _, row in out.iterrows():
        gaps = []
        if row["share_placed"] < overall["share_placed"] - GAP_SHARE:
            gaps.append(f"placed {row['share_placed']:.0%} vs {overall['share_placed']:.0%}")
        for col, words in (("mean_shared_needs", "shared needs"),
                           ("mean_group_diversity", "group diversity")):
            ref = overall[col]
            if pd.notna(ref) and ref > 0 and row[col] < GAP_RATIO * ref:
                gaps.append(f"{words} {row[col]:.2f} vs {ref:.2f}")
        flags.append("; ".join(gaps))
    out["flag"] = flags
    return out.reset_index().rename(columns={"value": by})
