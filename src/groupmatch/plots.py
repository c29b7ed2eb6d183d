"""Pictures of a grouping (matplotlib, imported only when a plot is drawn).

Each function draws on ``ax`` when given (the HTML report passes its own), else on a new
pyplot figure, and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InputError
from .explain import group_totals, hidden_columns

__all__ = ["composition", "score_distribution", "facilitator_load", "objective_over_time"]

MAX_GROUPS_SHOWN = 60


def _axes(ax, size=(8, 3.5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # lazy: groupmatch works without a display or matplotlib

    return plt.subplots(figsize=size, layout="constrained")[1]


def _solved(grouping):
    if grouping._array is None:
        raise InputError(f"This grouping has no solution to plot (status "
                         f"{grouping.status.value}).")
    return grouping._roster, grouping._array


def composition(grouping, column: str, *, ax=None, max_groups: int = MAX_GROUPS_SHOWN,
                include_sensitive: bool = False):
    """Group composition on one attribute: stacked counts per group (categorical) or each
    group's mean with its range (numeric), for the first ``max_groups`` groups.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
    >>> g = gm.solve(gm.Roster.from_frame(df), gm.PeerGroups(size=2))
    >>> composition(g, "department").get_title()
    'department per group'
    """
    roster, a = _solved(grouping)
    if column in hidden_columns(roster, include_sensitive):
        raise InputError(f"Column {column!r} is sensitive; pass include_sensitive=True to plot "
                         "its values.")
    n_groups = int(a.max()) + 1 if (a >= 0).any() else 0
    shown = min(n_groups, max_groups)
    ax = _axes(ax)
    groups = np.arange(shown)
    if column in roster.categorical:
        col = roster.categorical[column]
        placed = (a >= 0) & (a < shown)
        counts = np.zeros((shown, len(col.categories)), dtype=np.int64)
        np.add.at(counts, (a[placed], col.codes[placed]), 1)
        bottom = np.zeros(shown)
        for v, name in enumerate(col.categories):
            ax.bar(groups, counts[:, v], bottom=bottom, label=name, width=0.85)
            bottom += counts[:, v]
        ax.set_ylabel("people")
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  frameon=False)
    elif column in roster.numeric:
        values = roster.numeric[column]
        frame = pd.DataFrame({"g": a, "v": values})
        stats = frame[(frame["g"] >= 0) & (frame["g"] < shown)].groupby("g")["v"].agg(
            ["mean", "min", "max"]).reindex(groups)
        ax.errorbar(groups, stats["mean"], yerr=[stats["mean"] - stats["min"],
                                                 stats["max"] - stats["mean"]],
                    fmt="o", capsize=2)
        ax.axhline(values.mean(), color="grey", lw=1, ls="--", label="overall mean")
        ax.set_ylabel(column)
        ax.legend(fontsize="small")
    else:
        known = ", ".join(map(repr, [*roster.categorical, *roster.numeric]))
        raise InputError(f"Column {column!r} is not a categorical or numeric roster column "
                         f"(available: {known}).")
    more = f" (first {shown} of {n_groups})" if shown < n_groups else ""
    ax.set_title(f"{column} per group{more}")
    ax.set_xlabel("group")
    return ax


def score_distribution(grouping, *, ax=None, bins: int = 20):
    """Histogram of each group's weighted objective (Σ weight × value over soft terms).

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
    >>> g = gm.solve(gm.Roster.from_frame(df),
    ...              gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
    >>> score_distribution(g).get_xlabel()
    'group score (weighted objective)'
    """
    _solved(grouping)
    totals = group_totals(grouping)
    ax = _axes(ax)
    ax.hist(totals, bins=bins, color="tab:blue", edgecolor="white")
    ax.axvline(np.median(totals), color="black", lw=1, ls="--",
               label=f"median {np.median(totals):g}")
    ax.set_xlabel("group score (weighted objective)")
    ax.set_ylabel("groups")
    ax.set_title(f"Group scores: worst {totals.min()}, best {totals.max()}")
    ax.legend(fontsize="small")
    return ax


def facilitator_load(grouping, *, ax=None):
    """Each facilitator's or mentor's load against their capacity (from ``grouping.loads``).

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> g = gm.solve(gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")})),
    ...              gm.PeerGroups(size=2))
    >>> try:
    ...     facilitator_load(g)
    ... except gm.InputError as err:
    ...     print(err)
    This grouping has no facilitator or mentor loads (peer groups have none).
    """
    loads = getattr(grouping, "loads", None)
    if loads is None or len(loads) == 0:
        raise InputError("This grouping has no facilitator or mentor loads (peer groups have "
                         "none).")
    loads = loads.sort_values(["mentees", "groups"], ascending=False)
    ax = _axes(ax, size=(8, max(2.5, 0.22 * len(loads) + 1)))
    y = np.arange(len(loads))
    ax.barh(y, loads["capacity_mentees"], color="lightgrey", label="capacity (mentees)")
    ax.barh(y, loads["mentees"], height=0.5, color="tab:orange", label="mentees")
    labels = [f"{i} ({g} groups)" for i, g in zip(loads["id"], loads["groups"], strict=True)]
    ax.set_yticks(y, labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("mentees")
    ax.set_title("Load per facilitator / mentor")
    ax.legend(fontsize="small")
    return ax


def objective_over_time(progress, *, ax=None):
    """The best objective (and CP-SAT's bound, when it has one) against seconds elapsed.

    ``progress`` is a :class:`groupmatch.ProgressLog`, a list of its event dicts, or their
    DataFrame.

    Examples
    --------
    >>> events = [{"event": "first", "objective": 3, "bound": None, "elapsed": 0.1},
    ...           {"event": "improved", "objective": 5, "bound": None, "elapsed": 0.4}]
    >>> objective_over_time(events).get_ylabel()
    'objective'
    """
    if hasattr(progress, "frame"):
        frame = progress.frame()
    else:
        frame = pd.DataFrame(progress, columns=["event", "objective", "bound", "elapsed"])
    frame = frame.dropna(subset=["objective"])
    if frame.empty:
        raise InputError("No progress events with an objective to plot; pass "
                         "progress=gm.ProgressLog() to gm.solve and plot that log.")
    ax = _axes(ax)
    best = frame["objective"].astype(float).cummax()
    ax.step(frame["elapsed"], best, where="post", label="best objective", marker=".")
    bounds = frame["bound"].dropna()
    if len(bounds):
        ax.step(frame.loc[bounds.index, "elapsed"], bounds.astype(float), where="post",
                ls="--", label="bound")
    ax.set_xlabel("seconds")
    ax.set_ylabel("objective")
    ax.set_title("Objective over time")
    ax.legend(fontsize="small")
    return ax
