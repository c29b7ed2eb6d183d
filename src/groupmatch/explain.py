"""What every explanation, report and picture shares: which columns stay hidden, each soft
term's weight and each group's weighted total, read from the Grouping alone (any mode).

Sensitive columns (``Roster.from_frame(..., sensitive=[...])``) may drive rules, but their values
are left out of explanations unless ``include_sensitive=True``: a term on such a column shows its
score, never the mix of values behind it. Each mode explains its own groups
(``Grouping.explain`` hands the call to the spec).
"""

from __future__ import annotations

import numpy as np

__all__ = ["hidden_columns", "term_is_hidden", "group_totals", "term_weights"]


def hidden_columns(roster, include_sensitive: bool) -> set[str]:
    """Column names (source and logical) whose values must not be shown."""
    if include_sensitive:
        return set()
    hidden = set(roster.sensitive)
    hidden |= {logical for logical, source in roster.columns.items() if source in hidden}
    return hidden


def term_is_hidden(term, hidden: set[str]) -> bool:
    """Does the term read a hidden column?"""
    cols = [getattr(term, "column", None), *(getattr(term, "columns", None) or ())]
    return any(isinstance(c, str) and c in hidden for c in cols)


def term_weights(grouping) -> dict[str, int | None]:
    """The integer weight of each soft term in ``grouping.breakdown``."""
    return {k: grouping.weights.get(k) for k in grouping.breakdown}


def group_totals(grouping) -> np.ndarray:
    """Weighted objective per group (Σ weight × value over the soft terms scored per group).

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"), "department": list("xxyy")}))
    >>> g = gm.solve(r, gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
    >>> group_totals(g).tolist()
    [1, 1]
    """
    groups = grouping.groups
    total = np.zeros(len(groups), dtype=np.int64)
    for label, w in grouping.weights.items():
        if label in groups.columns:
            total += w * groups[label].to_numpy(dtype=np.int64)
    return total
