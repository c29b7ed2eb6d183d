"""One self-contained HTML report: tables and plots (embedded PNG), no network access needed."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd

from .explain import group_totals, hidden_columns, term_weights
from .exports import assignments_table, groups_table

__all__ = ["to_html"]

MAX_EXPLAINED = 100  # groups with a written explanation in the report
MAX_ROWS = 5000  # assignment rows shown; the CSV export has them all
MAX_COMPOSITION_PLOTS = 4

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
.ok { color: #176b2c; font-weight: bold; } .bad { color: #b00020; font-weight: bold; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: 0.6em; font-size: 0.85em; }
.note { color: #666; font-size: 0.85em; }
"""


def _png(draw, size=(8, 3.5)) -> str:
    """Draw on a fresh (pyplot-free) Figure and return an <img> with the PNG inlined."""
    from matplotlib.figure import Figure  # lazy: only reports and plots need matplotlib

    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, escape=True, border=0, na_rep="", classes="data")


def _plots(grouping, progress, hidden) -> list[str]:
    from . import plots

    roster = grouping._roster
    out = [_png(lambda ax: plots.score_distribution(grouping, ax=ax))]
    cats = [c for c in roster.categorical if c not in hidden][:MAX_COMPOSITION_PLOTS]
    for column in cats:
        out.append(_png(lambda ax, c=column: plots.composition(grouping, c, ax=ax)))
    nums = [c for c in roster.numeric if c not in hidden][:1]
    for column in nums:
        out.append(_png(lambda ax, c=column: plots.composition(grouping, c, ax=ax)))
    loads = getattr(grouping, "loads", None)
    if loads is not None and len(loads):
        out.append(_png(lambda ax: plots.facilitator_load(grouping, ax=ax),
                        size=(8, max(2.5, 0.22 * len(loads) + 1))))
    if progress is not None and len(progress):
        out.append(_png(lambda ax: plots.objective_over_time(progress, ax=ax)))
    return out


def _summary(grouping) -> pd.DataFrame:
    s = grouping.settings
    rows = [("status", grouping.status.value), ("mode", grouping.mode),
            ("people", grouping._roster.n), ("groups", len(grouping.groups)),
            ("objective", grouping.objective), ("bound", grouping.bound),
            ("gap", None if grouping.gap is None else f"{grouping.gap:.2%}"),
            ("time (s)", f"{grouping.wall_time:.1f}")]
    rows += [(k, s[k]) for k in ("method", "time_limit", "seed", "workers", "deterministic")
             if k in s]
    return pd.DataFrame(rows, columns=["item", "value"]).astype(str)


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

    hidden = hidden_columns(grouping._roster, include_sensitive)
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
              "<h2>Pictures</h2>", *_plots(grouping, progress, hidden)]
    groups = groups_table(grouping)
    groups.insert(2, "score", group_totals(grouping))
    parts += ["<h2>Groups</h2>", _table(groups)]
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
    parts.append("<h2>People</h2>")
    if len(people) > MAX_ROWS:
        parts.append(f'<p class="note">First {MAX_ROWS} of {len(people)} rows; the CSV '
                     "export has them all.</p>")
    parts += [_table(people.head(MAX_ROWS)), "</body></html>"]
    return "\n".join(parts)


def to_html(grouping, path=None, *, progress=None, include_sensitive: bool = False,
            title: str = "groupmatch report"):
    """Write a self-contained HTML report, or return it as a string when ``path`` is None.

    The report holds the summary (status, objective, bound, gap, settings), the hard-rule
    check, the objective per term, plots embedded as PNG (group scores, composition per
    attribute, facilitator load for role modes, objective over time when ``progress`` (a
    :class:`groupmatch.ProgressLog`) is given), the groups table, a plain-words explanation per
    group and the people table. It loads nothing from the network. Sensitive columns are left
    out unless ``include_sensitive=True``.

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
