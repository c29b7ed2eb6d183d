"""Hand the answer over: CSV, Excel and JSON of assignments and groups.

Two safety rules hold for every export:

- **No formula injection.** A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return would run as a formula in a spreadsheet; in CSV and Excel it gets a leading
  single quote (``'=HYPERLINK(...)`` shows as text). Numbers stay numbers, negative ones too.
- **Sensitive columns stay home.** Columns declared with ``Roster.from_frame(...,
  sensitive=[...])`` are left out unless ``include_sensitive=True``. Group-level term scores
  (e.g. ``diversity[gender]``) are aggregates and stay.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import InputError

__all__ = ["export", "assignments_table", "groups_table", "summary_record", "neutralise"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {".csv": "csv", ".xlsx": "excel", ".json": "json"}


def _neutral_text(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells (and headers) that a spreadsheet would run as formulas are quoted.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["=HYPERLINK(\\"x\\")", "Ann"], "delta": [-3, 4]})
    >>> out = neutralise(df)
    >>> out["name"].tolist(), out["delta"].tolist()
    (['\\'=HYPERLINK("x")', 'Ann'], [-3, 4])
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_neutral_text)
    out.columns = [_neutral_text(str(c)) for c in out.columns]
    return out


def _flat(value):
    """Lists (members, topics) become ``;``-joined text, missing values None."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return ";".join(str(v) for v in value)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _flatten(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(_flat)
    return out


def _visible_attributes(roster, include_sensitive: bool) -> pd.DataFrame:
    """The roster's columns, by person id, without the id column and sensitive columns."""
    frame = roster.frame
    id_col = roster.columns.get("id", "id")
    drop = [id_col] + ([] if include_sensitive else [c for c in roster.sensitive
                                                      if c in frame.columns])
    attrs = frame.drop(columns=drop).reset_index(drop=True)
    attrs.insert(0, "id", roster.ids)
    return attrs


def assignments_table(grouping, *, include_sensitive: bool = False,
                      flat: bool = True) -> pd.DataFrame:
    """One row per (person, group) membership with the roster's visible columns.

    Roster columns whose names clash with the assignment's (``role``, ``group``...) get the
    suffix ``_roster``. With ``flat`` (the default) list cells are ``;``-joined.

    Examples
    --------
    >>> import groupmatch as gm
    >>> df = pd.DataFrame({"id": list("abcd"), "name": list("ABCD"), "gender": list("FMFM")})
    >>> g = gm.solve(gm.Roster.from_frame(df, sensitive=["gender"]), gm.PeerGroups(size=2))
    >>> assignments_table(g).columns.tolist()
    ['id', 'group', 'reason', 'name']
    """
    attrs = _visible_attributes(grouping._roster, include_sensitive)
    keys = grouping.assignments["id"].map(str)
    merged = grouping.assignments.assign(_key=keys.to_numpy()).merge(
        attrs.assign(_key=attrs["id"].map(str)).drop(columns="id"),
        on="_key", how="left", suffixes=("", "_roster"),
    ).drop(columns="_key")
    return _flatten(merged) if flat else merged


def groups_table(grouping, *, flat: bool = True) -> pd.DataFrame:
    """One row per group; with ``flat`` (the default) member lists are ``;``-joined.

    Examples
    --------
    >>> import groupmatch as gm
    >>> g = gm.solve(gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")})),
    ...              gm.PeerGroups(size=2, terms=[gm.MustGroup([("a", "b")])]))
    >>> groups_table(g)["members"].tolist()
    ['a;b', 'c;d']
    """
    return _flatten(grouping.groups) if flat else grouping.groups.copy()


def _plain(value):
    """JSON-ready Python scalars and containers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def summary_record(grouping) -> dict:
    """Status, objective, bound, gap, time, breakdown and settings as plain values.

    Examples
    --------
    >>> import groupmatch as gm
    >>> g = gm.solve(gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")})),
    ...              gm.PeerGroups(size=2))
    >>> summary_record(g)["status"]
    'optimal'
    """
    return _plain({
        "status": grouping.status.value, "mode": grouping.mode,
        "objective": grouping.objective, "bound": grouping.bound, "gap": grouping.gap,
        "wall_time": grouping.wall_time, "breakdown": dict(grouping.breakdown),
        "settings": dict(grouping.settings), "message": grouping.message,
    })


def _records(frame: pd.DataFrame) -> list[dict]:
    return [_plain(r) for r in frame.astype(object).to_dict("records")]


def export(grouping, path=None, *, format: str | None = None,  # noqa: A002
           table: str = "assignments", include_sensitive: bool = False):
    """Write a grouping as CSV, Excel or JSON.

    Parameters
    ----------
    grouping : Grouping
    path : str or Path, optional
        Where to write. Only JSON may omit it (the document is returned as a string).
    format : {"csv", "excel", "json"}, optional
        Default: from the file suffix (``.csv``, ``.xlsx``, ``.json``).
    table : {"assignments", "groups"}
        CSV only: which table (a CSV holds one). Excel writes sheets ``assignments``,
        ``groups`` and ``summary``; JSON holds all three.
    include_sensitive : bool
        Also write the roster's sensitive columns.

    Returns
    -------
    Path or str
        The path written, or the JSON text when ``path`` is None.

    Examples
    --------
    >>> import groupmatch as gm, json
    >>> g = gm.solve(gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")})),
    ...              gm.PeerGroups(size=2, terms=[gm.MustGroup([("a", "b")])]))
    >>> json.loads(export(g, format="json"))["groups"][0]["members"]
    ['a', 'b']
    """
    if format is None:
        if path is None:
            raise InputError("export needs a path, or format='json' to get the text back.")
        format = FORMATS.get(Path(path).suffix.lower())  # noqa: A001
        if format is None:
            raise InputError(f"Cannot tell the format of {str(path)!r} from its suffix; use "
                             f"one of {', '.join(FORMATS)} or pass format='csv'|'excel'|'json'.")
    if format not in ("csv", "excel", "json"):
        raise InputError(f"format must be 'csv', 'excel' or 'json'; got {format!r}.")
    if table not in ("assignments", "groups"):
        raise InputError(f"table must be 'assignments' or 'groups'; got {table!r}.")
    if grouping._roster is None:
        raise InputError("This grouping carries no roster to export.")
    flat = format != "json"  # JSON keeps lists as arrays
    people = assignments_table(grouping, include_sensitive=include_sensitive, flat=flat)
    groups = groups_table(grouping, flat=flat)
    if format == "json":
        text = json.dumps({"summary": summary_record(grouping), "assignments": _records(people),
                           "groups": _records(groups)}, indent=1, ensure_ascii=False)
        if path is None:
            return text
        Path(path).write_text(text, encoding="utf-8")
        return Path(path)
    if path is None:
        raise InputError(f"format={format!r} needs a path to write to.")
    path = Path(path)
    if format == "csv":
        # CRLF line ends (RFC 4180) make the writer quote any cell holding \r or \n
        neutralise(people if table == "assignments" else groups).to_csv(
            path, index=False, lineterminator="\r\n")
        return path
    _write_excel(path, people, groups, summary_record(grouping))
    return path


def _write_excel(path: Path, people, groups, summary) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # lazy: only Excel needs openpyxl

    def clean(frame):
        frame = neutralise(frame)
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(
                    lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
        return frame

    rows = [(k, v) for k, v in summary.items() if not isinstance(v, dict)]
    rows += [(f"breakdown: {k}", v) for k, v in summary["breakdown"].items()]
    rows += [(f"setting: {k}", json.dumps(v) if isinstance(v, (list, dict)) else v)
             for k, v in summary["settings"].items()]
    info = pd.DataFrame(rows, columns=["item", "value"]).astype(object)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        clean(people).to_excel(writer, sheet_name="assignments", index=False)
        clean(groups).to_excel(writer, sheet_name="groups", index=False)
        clean(info).to_excel(writer, sheet_name="summary", index=False)
