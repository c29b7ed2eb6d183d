"""Pictures of a grouping (matplotlib, imported only when a plot is drawn).

Each function draws on ``ax`` when given (the HTML report passes its own), else on a new
pyplot figure, and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InputError
from .explain import group_totals, hidden_columns

__all__ = ["composition", "score_distribution", "facilitator_load", "objective_over_time",
           "tradeoff", "palette"]

MAX_GROUPS_SHOWN = 60
MAX_CATEGORIES_SHOWN = 20  # more values of one column: the rarest are drawn together as "other"
MAX_LOAD_BARS = 40  # more facilitators / mentors: a summary of their loads instead of one bar each
LOAD_BANDS = ("unused", "1-25%", "26-50%", "51-75%", "76-99%", "full")


def palette(k: int) -> list[tuple[float, float, float]]:
    """``k`` distinct RGB colours: matplotlib's ``tab10`` up to 10, ``tab20`` (its ten strong
    colours first, then their light partners) up to 20, and beyond that colours spread around
    the hue circle by the golden angle at three alternating lightness levels, so neighbours in
    a stacked bar never share a colour.

    Examples
    --------
    >>> len(set(palette(12))), len(set(palette(35)))
    (12, 35)
    """
    import colorsys

    from matplotlib import colormaps

    if k <= 10:
        return [tuple(c) for c in colormaps["tab10"].colors[:k]]
    if k <= 20:
        tab20 = colormaps["tab20"].colors
        return [tuple(c) for c in (tab20[0::2] + tab20[1::2])[:k]]
    golden = 0.381966  # 1 - 1/phi: successive hues as far apart as possible
    levels = ((0.45, 0.75), (0.65, 0.65), (0.30, 0.70))  # (lightness, saturation)
    return [colorsys.hls_to_rgb((j * golden) % 1.0, *levels[j % 3]) for j in range(k)]


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
                max_categories: int | None = MAX_CATEGORIES_SHOWN,
                include_sensitive: bool = False):
    """Group composition on one attribute: stacked counts per group (categorical) or each
    group's mean with its range (numeric), for the first ``max_groups`` groups.

    Each category has its own colour (:func:`palette`). With more than ``max_categories``
    values, the most common ``max_categories - 1`` keep theirs and the rest are drawn together,
    hatched, as "other" (``max_categories=None`` draws every value).

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
        names, counts, colours = _top_categories(list(col.categories), counts, max_categories)
        bottom = np.zeros(shown)
        for v, name in enumerate(names):
            other = v == len(names) - 1 and len(names) < len(col.categories)
            ax.bar(groups, counts[:, v], bottom=bottom, label=name, width=0.85,
                   color=colours[v], **({"hatch": "///", "edgecolor": "0.55"} if other else {}))
            bottom += counts[:, v]
        ax.set_ylabel("people")
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  frameon=False, ncols=1 if len(names) <= 12 else 2)
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


def _top_categories(names: list, counts: np.ndarray, limit: int | None):
    """(names, counts per group, colours), the rarest values merged into "other" when there
    are more than ``limit``."""
    k = len(names)
    if limit is None or k <= limit:
        return names, counts, palette(k)
    keep = np.sort(np.argsort(-counts.sum(axis=0), kind="stable")[:max(1, limit - 1)])
    rest = np.setdiff1d(np.arange(k), keep)
    merged = np.column_stack([counts[:, keep], counts[:, rest].sum(axis=1)])
    label = f"other ({len(rest)} values)"  # white, hatched: unlike any colour of the palette
    return [names[j] for j in keep] + [label], merged, palette(len(keep)) + [(1.0, 1.0, 1.0)]


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


def facilitator_load(grouping, *, ax=None, max_bars: int = MAX_LOAD_BARS):
    """Facilitators' or mentors' loads against their capacity (from ``grouping.loads``).

    Up to ``max_bars`` people: one bar each (mentees taken over mentee capacity, groups led in
    the label). More: a summary that stays one small picture at any size, how many people
    use which share of their mentee capacity (unused, 1-25% ... full).

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
    if len(loads) > max_bars:
        return _load_summary(loads, _axes(ax))
    loads = loads.sort_values(["mentees", "groups"], ascending=False)
    ax = _axes(ax, size=(8, load_plot_height(len(loads), max_bars)))
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


def load_plot_height(people: int, max_bars: int = MAX_LOAD_BARS) -> float:
    """Inches of height :func:`facilitator_load` needs: one row per person up to
    ``max_bars``, a fixed-size summary beyond."""
    if people > max_bars:
        return 3.5
    return max(2.5, 0.22 * people + 1)


def _load_summary(loads: pd.DataFrame, ax):
    """People per band of used mentee capacity, with the headline numbers in the title."""
    mentees = loads["mentees"].to_numpy(dtype=float)
    capacity = loads["capacity_mentees"].to_numpy(dtype=float)
    share = np.divide(mentees, capacity, out=np.zeros_like(mentees), where=capacity > 0)
    band = np.select([mentees <= 0, share >= 1, share > 0.75, share > 0.5, share > 0.25],
                     [0, 5, 4, 3, 2], default=1)
    counts = np.bincount(band, minlength=len(LOAD_BANDS))
    from matplotlib import colormaps

    heat = colormaps["YlOrRd"]  # fuller is warmer
    ax.bar(np.arange(len(LOAD_BANDS)), counts,
           color=["lightgrey", *(heat(x) for x in np.linspace(0.25, 0.9, len(LOAD_BANDS) - 1))])
    for x, c in enumerate(counts):
        ax.annotate(str(int(c)), (x, c), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(np.arange(len(LOAD_BANDS)), LOAD_BANDS)
    ax.set_xlabel("share of mentee capacity used")
    ax.set_ylabel("facilitators / mentors")
    active = mentees > 0
    median = f", median {np.median(share[active]):.0%} of capacity" if active.any() else ""
    ax.set_title(f"Load of {len(loads)} facilitators / mentors: {int(active.sum())} lead "
                 f"groups{median}, {int(counts[-1])} full")
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


def tradeoff(frame, *, ax=None):
    """The trade-off of :func:`groupmatch.tradeoff`: the varied term's value against the other
    terms' total, one point per grouping (labelled with the weights that keep it, ``w=2, 4``),
    the Pareto-efficient points joined and filled, the dominated ones hollow.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"weight": [0, 1, 4], "shared[needs]": [10, 30, 31],
    ...                       "others": [90, 80, 60], "efficient": [True, True, True],
    ...                       "valid": [True, True, True]})
    >>> frame.attrs["vary"] = "shared[needs]"
    >>> tradeoff(frame).get_xlabel()
    'shared[needs]'
    """
    vary = frame.attrs.get("vary")
    if vary is None or vary not in frame.columns or "others" not in frame.columns:
        raise InputError("tradeoff plots the frame gm.tradeoff returns (a 'vary' attribute, "
                         "the varied term's column and 'others').")
    shown = frame.dropna(subset=[vary, "others"])
    if shown.empty:
        raise InputError("No weight found a grouping; there is no trade-off to plot.")
    ax = _axes(ax, size=(6, 4))
    efficient = shown["efficient"].astype(bool)
    front = shown[efficient].sort_values(vary)
    ax.plot(front[vary], front["others"], "-o", color="tab:blue", label="Pareto-efficient")
    rest = shown[~efficient]
    if len(rest):
        ax.plot(rest[vary], rest["others"], "o", mfc="none", color="tab:gray",
                label="dominated")
    for (x, y), same in shown.groupby([vary, "others"], sort=False):  # one label per point
        words = ", ".join(f"{w:g}" for w in same["weight"])
        ax.annotate(f"w={words}", (x, y), fontsize="small", xytext=(4, 4),
                    textcoords="offset points")
    ax.set_xlabel(vary)
    ax.set_ylabel("other terms (weighted, at the spec's weights)")
    ax.set_title(f"Trade-off: weight of {vary}")
    ax.legend(fontsize="small")
    return ax

