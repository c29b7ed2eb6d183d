"""One self-contained HTML report: tables and plots (embedded PNG), no network access needed."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .explain import group_totals, hidden_columns, term_report, term_weights
from .exports import assignments_table, groups_table

__all__ = ["to_html", "gap_in_words", "participation_in_words", "health_to_html"]

MAX_EXPLAINED = 100  # groups with a written explanation in the report
MAX_ROWS = 5000  # assignment rows shown at most; the CSV export has them all
MAX_COMPOSITION_PLOTS = 4
MAX_FIGURE_HEIGHT = 9.0  # inches (810 px at the report's 90 dpi), whatever the data
# bytes of HTML per table: with the plots and explanations a report stays under ~1.5 MB
PEOPLE_BUDGET = 600_000
GROUPS_BUDGET = 250_000
MAX_CELL = 200  # characters shown per table cell (long member or topic lists are cut)

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
.wide { overflow-x: auto; max-width: 100%; }
.ok { color: #176b2c; font-weight: bold; } .bad { color: #b00020; font-weight: bold; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: 0.6em; font-size: 0.85em; }
.note { color: #666; font-size: 0.85em; }
"""


def _png(draw, size=(8, 3.5)) -> str:
    """Draw on a fresh (pyplot-free) Figure and return an <img> with the PNG inlined."""
    from matplotlib.figure import Figure  # lazy: only reports and plots need matplotlib

    size = (size[0], min(size[1], MAX_FIGURE_HEIGHT))
    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    """A table that scrolls sideways when it is wider than the page."""
    html_text = frame.to_html(index=index, escape=True, border=0, na_rep="", classes="data")
    return f'<div class="wide">{html_text}</div>'


def _short(value):
    if isinstance(value, str) and len(value) > MAX_CELL:
        return value[:MAX_CELL - 1] + "\u2026"
    return value


def _capped_table(frame: pd.DataFrame, budget: int, what: str) -> list[str]:
    """The table, cut to its first rows (with a note) when its HTML would pass ``budget``
    bytes, so a report of thousands of people stays small enough to open and mail."""
    total = len(frame)
    frame = frame.head(MAX_ROWS)
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(_short)
    sample = 200  # bytes per row measured on the first rows, so a cut table renders once
    if len(frame) > sample:
        per_row = len(_table(frame.head(sample)).encode("utf-8")) / sample
        frame = frame.head(max(1, int(budget / per_row)))
    text = _table(frame)
    while len(text.encode("utf-8")) > budget and len(frame) > 1:
        keep = max(1, int(len(frame) * budget / len(text.encode("utf-8")) * 0.95))
        frame = frame.head(min(keep, len(frame) - 1))
        text = _table(frame)
    if len(frame) == total:
        return [text]
    return [f'<p class="note">First {len(frame)} of {total} {what}, to keep the report small; '
            "the CSV export (Grouping.to_csv) has them all.</p>", text]


def _plots(grouping, progress, include_sensitive: bool) -> list[str]:
    from . import plots

    roster = grouping._roster
    hidden = hidden_columns(roster, include_sensitive)
    out = [_png(lambda ax: plots.score_distribution(grouping, ax=ax))]
    cats = [c for c in roster.categorical if c not in hidden][:MAX_COMPOSITION_PLOTS]
    nums = [c for c in roster.numeric if c not in hidden][:1]
    for column in (*cats, *nums):
        out.append(_png(lambda ax, c=column: plots.composition(
            grouping, c, ax=ax, include_sensitive=include_sensitive)))
    loads = getattr(grouping, "loads", None)
    if loads is not None and len(loads):  # one bar each, or a summary when there are many
        out.append(_png(lambda ax: plots.facilitator_load(grouping, ax=ax),
                        size=(8, plots.load_plot_height(len(loads)))))
    if progress is not None and len(progress):
        out.append(_png(lambda ax: plots.objective_over_time(progress, ax=ax)))
    return out


def _summary(grouping) -> pd.DataFrame:
    s = grouping.settings
    rows = [("status", grouping.status.value), ("mode", grouping.mode),
            ("people", grouping._roster.n), ("groups", len(grouping.groups)),
            ("objective", grouping.objective), ("bound", grouping.bound),
            ("gap", gap_in_words(grouping))]
    participation = getattr(grouping, "participation", None)
    if participation:
        rows.append(("participation", participation_in_words(participation)))
    rows.append(("time (s)", f"{grouping.wall_time:.1f}"))
    rows += [(k, s[k]) for k in ("method", "time_limit", "seed", "workers", "deterministic")
             if k in s]
    return pd.DataFrame(rows, columns=["item", "value"]).astype(str)


def _number(value) -> str:
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return f"{float(value):,.6g}"


def _percent(share: float) -> str:
    pct = 100 * share
    return f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%" if pct < 10 else f"{pct:.0f}%"


def gap_in_words(grouping) -> str:
    """How far the grouping may be from the best possible one, in plain words.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> g = gm.solve(gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")})),
    ...              gm.PeerGroups(size=2))
    >>> gap_in_words(g)
    'none: proven optimal (no grouping scores higher)'
    """
    if grouping.objective is None:
        return "no grouping"
    if grouping.status.name == "OPTIMAL":
        return "none: proven optimal (no grouping scores higher)"
    if grouping.bound is None or grouping.gap is None:
        return ("unknown: no bound on the best possible objective was proven, so this "
                "grouping's distance from it is not known")
    if grouping.gap <= 0:
        return "none: the objective reaches the proven bound, so no grouping scores higher"
    return (f"within {_percent(grouping.gap)} of the best possible: no grouping can score "
            f"more than {_number(grouping.bound)} (the bound); this one scores "
            f"{_number(grouping.objective)}")


def participation_in_words(participation) -> str:
    """Role modes: people placed against those eligible and the proven most that fit."""
    placed, eligible = participation.get("placed"), participation.get("eligible")
    bound, gap = participation.get("bound"), participation.get("gap")
    text = f"{_number(placed)} of {_number(eligible)} eligible placed"
    if bound is None:
        return text
    if not gap or gap <= 0:
        return text + "; no answer can place more (proven)"
    return (text + f"; no answer can place more than {_number(bound)}, so this is within "
            f"{_percent(gap)} of the most possible")


def _breakdown(grouping) -> pd.DataFrame:
    weights = term_weights(grouping)
    total = max(1, abs(grouping.objective or 0))
    return pd.DataFrame([
        {"term": k, "weight": weights.get(k), "contribution": v, "share": f"{v / total:.1%}"}
        for k, v in grouping.breakdown.items()
    ])


def _rules(grouping) -> str:
    problems = grouping.spec.check(grouping._roster, grouping)
    if not problems:
        return '<p class="ok">All hard rules hold.</p>'
    frame = pd.DataFrame([{"rule": v.rule, "groups": ", ".join(map(str, v.groups)),
                           "message": v.message} for v in problems])
    return f'<p class="bad">{len(problems)} hard-rule violations.</p>' + _table(frame)


def render(grouping, *, progress=None, include_sensitive: bool = False,
           title: str = "groupmatch report") -> str:
    """The report as one HTML string (see :func:`to_html`)."""
    from ._version import __version__

    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f'<p class="note">groupmatch {html.escape(__version__)}. Sensitive columns '
             f"{'included' if include_sensitive else 'left out'}.</p>",
             "<h2>Summary</h2>", _table(_summary(grouping))]
    if grouping._array is None:
        parts += [f"<p class=\"bad\">No grouping: {html.escape(grouping.message)}</p>",
                  "</body></html>"]
        return "".join(parts)
    parts += ["<h2>Hard rules</h2>", _rules(grouping),
              "<h2>Objective by term</h2>", _table(_breakdown(grouping)),
              "<h2>Each term against chance</h2>", _table(term_report(grouping).reset_index()),
              "<h2>Pictures</h2>", *_plots(grouping, progress, include_sensitive)]
    groups = groups_table(grouping)
    groups.insert(2, "score", group_totals(grouping))
    parts += ["<h2>Groups</h2>", *_capped_table(groups, GROUPS_BUDGET, "groups")]
    n_groups = len(grouping.groups)
    explained = min(n_groups, MAX_EXPLAINED)
    parts.append("<h2>Why each group is what it is</h2>")
    if explained < n_groups:
        parts.append(f'<p class="note">First {explained} of {n_groups} groups; '
                     "Grouping.explain(g) gives any other.</p>")
    for g in range(explained):
        table = grouping.explain(g, include_sensitive=include_sensitive)
        text = table.attrs.get("summary") or table.drop(columns="details", errors="ignore") \
            .to_string()
        parts.append(f"<pre>{html.escape(text)}</pre>")
    people = assignments_table(grouping, include_sensitive=include_sensitive)
    parts += ["<h2>People</h2>", *_capped_table(people, PEOPLE_BUDGET, "rows"),
              "</body></html>"]
    return "\n".join(parts)


def to_html(grouping, path=None, *, progress=None, include_sensitive: bool = False,
            title: str = "groupmatch report"):
    """Write a self-contained HTML report, or return it as a string when ``path`` is None.

    The report holds the summary (status, objective, bound, the gap said in words,
    participation for role modes, settings), the hard-rule check, the objective per term,
    plots embedded as PNG (group scores, composition per attribute, facilitator load for role
    modes, objective over time when ``progress`` (a :class:`groupmatch.ProgressLog`) is
    given), the groups table, a plain-words explanation per group and the people table. It
    loads nothing from the network. Sensitive columns are left out unless
    ``include_sensitive=True``.

    It stays readable at any size: every category of a composition plot has its own colour
    (the rarest beyond 20 are drawn as "other"), more than 40 facilitators or mentors are
    summarised in one picture instead of one bar each, no picture is taller than 9 inches,
    wide tables scroll sideways, at most 100 groups are explained, and the groups and people
    tables are cut (with a note) to keep the file near 1.5 MB at most; the CSV export holds
    every row.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> g = gm.solve(gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")})),
    ...              gm.PeerGroups(size=2))
    >>> text = to_html(g)
    >>> text.startswith("<!DOCTYPE html>"), "<table" in text, "data:image/png;base64," in text
    (True, True, True)
    """
    text = render(grouping, progress=progress, include_sensitive=include_sensitive, title=title)
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


# -- programme health across rounds (issue 16) ---------------------------------------------------
def _health_rounds_view(health) -> pd.DataFrame:
    from .lifecycle.text import count_text, mean_text

    k = health.settings.min_count
    r = health.rounds
    return pd.DataFrame({
        "round": r["round"].astype(str), "groups": r["groups"], "people": r["people"],
        "answered": [count_text(a, n, k) for a, n in zip(r["responses"], r["people"],
                                                         strict=True)],
        "attendance (mean share)": [mean_text(m, n) for m, n in
                                    zip(r["attendance"], r["responses"], strict=True)],
        "under the attendance threshold": [count_text(a, n, k) for a, n in
                                           zip(r["low_attendance"], r["responses"],
                                               strict=True)],
        "rating (mean of 5)": [mean_text(m, n, 1) for m, n in
                               zip(r["rating"], r["ratings"], strict=True)],
        "low ratings": [count_text(a, n, k) for a, n in
                        zip(r["low_ratings"], r["ratings"], strict=True)],
        "left": [count_text(a, n, k) for a, n in zip(r["left"], r["people"], strict=True)],
        "conflicts": r["conflicts"],
        "groups at risk": [count_text(a, n, k) for a, n in
                           zip(r["groups_at_risk"], r["groups"], strict=True)],
    })


def _health_groups_view(frame: pd.DataFrame, min_count: int, who: str,
                        percent: bool = True) -> pd.DataFrame:
    """A per-group (or per-subgroup) table with every share written with its count; means of
    fewer than ``min_count`` answers are not shown for subgroups (``percent`` tables), as they
    would tell about one or two people."""
    from .lifecycle.text import count_text, mean_text

    n = frame[who]
    few = frame["responses"] < min_count if percent else pd.Series(False, index=frame.index)
    shown = min_count if percent else 10**9  # groups: counts only, they are small by nature
    out = frame.drop(columns=[c for c in ("attendance", "rating", "low_attendance",
                                          "low_ratings", "responses", "ratings",
                                          "attendance_change", "rating_change")
                              if c in frame.columns]).copy()
    hidden = f"fewer than {min_count} answers"
    out.insert(out.columns.get_loc(who) + 1, "answered", [
        count_text(a, b, shown) for a, b in zip(frame["responses"], n, strict=True)])
    out.insert(out.columns.get_loc("answered") + 1, "attendance", [
        hidden if f else mean_text(m, c)
        for m, c, f in zip(frame["attendance"], frame["responses"], few, strict=True)])
    out.insert(out.columns.get_loc("attendance") + 1, "rating", [
        hidden if f else mean_text(m, c, 1)
        for m, c, f in zip(frame["rating"], frame["ratings"], few, strict=True)])
    for col in ("attendance_change", "rating_change"):
        out[col.replace("_", " ")] = [
            "" if f or pd.isna(v) else f"{v:+.2f}" for v, f in zip(frame[col], few,
                                                                   strict=True)]
    if "leaders" in out.columns:
        out["leaders"] = out["leaders"].map(lambda v: ", ".join(map(str, v))
                                            if isinstance(v, list) else "")
    return out


def _health_plot(health, column: str, label: str, show_subgroups: bool):
    def draw(ax):
        r = health.rounds
        answered = r[r["responses"] > 0]
        x = [str(v) for v in answered["round"]]
        ax.plot(x, answered[column], marker="o", color="#222", linewidth=2, label="everyone")
        sub = health.subgroups
        if show_subgroups and sub is not None:
            by = health.by
            enough = sub[sub["responses"] >= health.settings.min_count]
            for value, part in list(enough.groupby(by, sort=True))[:10]:
                ax.plot([str(v) for v in part["round"]], part[column], marker=".",
                        linewidth=1, alpha=0.8, label=f"{by}={value}")
            ax.legend(fontsize=7, loc="best")
        ax.set_xlabel("round")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    return draw


def render_health(health, *, include_sensitive: bool = False,
                  title: str = "Programme health") -> str:
    """The health page as one HTML string (see :func:`health_to_html`)."""
    from ._version import __version__

    k = health.settings.min_count
    show_sub = health.subgroups is not None and (include_sensitive or not health.sensitive_by)
    s = health.settings
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f'<p class="note">groupmatch {html.escape(__version__)}. At risk: attendance '
             f"under {s.attendance_threshold:.0%} of sessions, ratings under "
             f"{s.rating_threshold:g} of 5, {s.dropout_threshold:.0%} or more of a group "
             f"leaving, a conflict, no answers, or a facilitator at risk. Shares are written "
             f"with their counts; below {k} answers only the counts.</p>",
             "<h2>Rounds</h2>", _table(_health_rounds_view(health)),
             "<h2>Attendance and satisfaction over time</h2>",
             _png(_health_plot(health, "attendance", "mean share of sessions attended",
                               show_sub)),
             _png(_health_plot(health, "rating", "mean rating (1-5)", show_sub))]
    risks = health.at_risk
    if not show_sub:
        risks = risks[risks["kind"] != "subgroup"]
    parts.append("<h2>At risk, with reasons</h2>")
    if len(risks):
        parts += _capped_table(risks.astype(str), GROUPS_BUDGET, "signals")
    else:
        parts.append('<p class="ok">Nothing at risk.</p>')
    facs = health.facilitators
    if len(facs):
        view = facs.copy()
        view.insert(view.columns.get_loc("facilitator_rating"), "rated", [
            _mean_words(m, c) for m, c in zip(facs["facilitator_rating"],
                                              facs["facilitator_ratings"], strict=True)])
        view = view.drop(columns=["facilitator_rating", "facilitator_ratings"])
        for col in ("capacity_groups", "capacity_mentees"):
            view[col] = view[col].map(lambda v: "" if pd.isna(v) else str(int(v)))
        view["attendance"] = view["attendance"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        view["facilitator_rating_change"] = view["facilitator_rating_change"].map(
            lambda v: "" if pd.isna(v) else f"{v:+.2f}")
        view["left"] = view["left"].map(lambda v: "left" if v else "")
        parts += ["<h2>Facilitators and mentors</h2>",
                  *_capped_table(view, GROUPS_BUDGET, "rows")]
    if health.subgroups is not None:
        parts.append(f"<h2>Subgroups by {html.escape(str(health.by))}</h2>")
        if show_sub:
            parts.append(_table(_health_groups_view(health.subgroups, k, "people")))
        else:
            parts.append(f'<p class="note">Column {html.escape(str(health.by))!r} is '
                         "sensitive: its values are left out (include_sensitive=True shows "
                         "them).</p>")
    parts += ["<h2>Groups</h2>",
              *_capped_table(_health_groups_view(health.groups, k, "members", percent=False),
                             PEOPLE_BUDGET, "groups"),
              "</body></html>"]
    return "\n".join(parts)


def _mean_words(mean, n) -> str:
    from .lifecycle.text import mean_text

    return mean_text(mean, n, 1)


def health_to_html(health, path=None, *, include_sensitive: bool = False,
                   title: str = "Programme health"):
    """Write the programme-health page across rounds, or return it when ``path`` is None.

    One self-contained file (plots inlined as PNG, no scripts, nothing loaded from the
    network): each round's figures with every share next to its count, attendance and
    satisfaction over the rounds (one line per subgroup with enough answers when ``by`` was
    given), the at-risk list with reasons, facilitators, subgroups and groups. A sensitive
    ``by`` column's values are left out unless ``include_sensitive=True``.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    >>> fb = pd.DataFrame({"round": 1, "id": list("abcd"), "group": [0, 0, 1, 1],
    ...                    "attended": 1.0, "rating": [4, 4, 2, 1]})
    >>> page = health_to_html(gm.health([r1], fb))
    >>> page.startswith("<!DOCTYPE html>"), "low ratings" in page, "http:" in page
    (True, True, False)
    """
    text = render_health(health, include_sensitive=include_sensitive, title=title)
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)
