"""Hand the answer over: CSV, Excel and JSON of assignments and groups, and read them back.

Three rules hold for every export:

- **No formula injection, no damaged data.** A spreadsheet runs a cell as a formula when its
  text begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed (or
  their full-width forms). In **Excel** every text cell is written as a text cell (never a
  formula) and marked "quote prefix", so it shows exactly as it is, stays text when edited,
  and no character is added. In **CSV**, which has no cell types, only text a spreadsheet
  would run gets a leading single quote (``'=HYPERLINK(...)``, ``'@bob``, ``'+44 20 7946
  0958``); plain numbers (``-17``, ``+44``, ``1.5e3``), hyphenated names (``Anne-Marie``) and
  text numbers (``007``) are written unchanged. Text that already begins with a quote followed
  by such a character gets one more quote, so the rule can be undone exactly:
  :func:`read_assignments` gives back every cell as it was. JSON is data, never run: it is
  written as is.
- **Sensitive columns stay home.** Columns declared with ``Roster.from_frame(...,
  sensitive=[...])`` are left out unless ``include_sensitive=True``. Group-level term scores
  (e.g. ``diversity[gender]``) are aggregates and stay.
- **Group numbers round-trip.** The ``group`` column holds the grouping's own group numbers
  (``0..groups-1``, empty for unplaced), the same numbers as ``Grouping.groups`` and
  ``assignment_array()``; role modes also write each membership's ``topic``. So
  ``gm.check(roster, spec, gm.read_assignments(path))`` checks exactly the exported answer.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import InputError

__all__ = ["export", "read_assignments", "assignments_table", "groups_table", "summary_record",
           "neutralise"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d",
                  "\uff20")
FORMATS = {".csv": "csv", ".xlsx": "excel", ".json": "json"}
# what a spreadsheet reads as a plain number, not a formula: -17, +44, 1.5, -.5, 2e-3
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _runs_as_formula(text: str) -> bool:
    """Would a spreadsheet run this CSV cell, once any leading quotes are taken off?"""
    text = text.lstrip("'")
    return text.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def _neutral_text(value):
    if isinstance(value, str) and _runs_as_formula(value):
        return "'" + value
    return value


def _original_text(value):
    """Undo :func:`_neutral_text` (exactly: it adds a quote only where this removes one)."""
    if isinstance(value, str) and value.startswith("'") and _runs_as_formula(value[1:]):
        return value[1:]
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for CSV where text cells (and headers) that a spreadsheet would run as formulas
    get a leading single quote; plain numbers, also negative ones, stay as they are.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["=HYPERLINK(\\"x\\")", "Anne-Marie", "-17", "@bob"],
    ...                    "delta": [-3, 4, 5, 6]})
    >>> out = neutralise(df)
    >>> out["name"].tolist(), out["delta"].tolist()
    (['\\'=HYPERLINK("x")', 'Anne-Marie', '-17', "'@bob"], [-3, 4, 5, 6])
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
    # another column literally named "id" (the ids live elsewhere) keeps its values, renamed
    attrs = attrs.rename(columns={"id": "id_roster"})
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
    people = _with_topic(grouping.assignments, grouping.groups)
    keys = people["id"].map(str)
    merged = people.assign(_key=keys.to_numpy()).merge(
        attrs.assign(_key=attrs["id"].map(str)).drop(columns="id"),
        on="_key", how="left", suffixes=("", "_roster"),
    ).drop(columns="_key")
    return _flatten(merged) if flat else merged


def _with_topic(people: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Memberships with their group's ``topic`` (facilitated groups), before ``reason``, so an
    exported table holds everything :func:`groupmatch.check` needs."""
    if "topic" not in groups.columns or "topic" in people.columns or "group" not in people:
        return people
    topic = pd.Series(groups["topic"].to_numpy(dtype=object),
                      index=groups["group"].to_numpy(dtype=np.int64))
    where = list(people.columns).index("reason") if "reason" in people else len(people.columns)
    out = people.copy()
    out.insert(where, "topic", people["group"].map(
        lambda g: None if pd.isna(g) else topic.get(int(g))).astype(object))
    return out


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


def json_ready(value):
    """JSON-ready Python scalars and containers: numpy scalars to Python, NaN / NA to None,
    containers walked, anything else as text."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return [json_ready(v) for v in value]
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
    return json_ready({
        "status": grouping.status.value, "mode": grouping.mode,
        "objective": grouping.objective, "bound": grouping.bound, "gap": grouping.gap,
        "wall_time": grouping.wall_time, "breakdown": dict(grouping.breakdown),
        "settings": dict(grouping.settings), "message": grouping.message,
    })


def _records(frame: pd.DataFrame) -> list[dict]:
    return [json_ready(r) for r in frame.astype(object).to_dict("records")]


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

    def clean(frame):  # control characters XML cannot hold are the only change to any text
        frame = frame.copy()
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(
                    lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
        frame.columns = [ILLEGAL_CHARACTERS_RE.sub("", str(c)) for c in frame.columns]
        return frame

    rows = [(k, v) for k, v in summary.items() if not isinstance(v, dict)]
    rows += [(f"breakdown: {k}", v) for k, v in summary["breakdown"].items()]
    rows += [(f"setting: {k}", json.dumps(v) if isinstance(v, (list, dict)) else v)
             for k, v in summary["settings"].items()]
    info = pd.DataFrame(rows, columns=["item", "value"]).astype(object)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in (("assignments", people), ("groups", groups), ("summary", info)):
            clean(frame).to_excel(writer, sheet_name=name, index=False)
            _text_cells(writer.sheets[name])


def _text_cells(sheet) -> None:
    """Every text cell a text cell: openpyxl takes text starting with ``=`` for a formula;
    such cells are typed back to text and marked "quote prefix" (Excel's own way to keep a
    typed ``=...`` as text, shown without the quote)."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True


def read_assignments(path, *, id: str = "id", sheet: str = "assignments",  # noqa: A002
                     format: str | None = None,  # noqa: A002
                     encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Read an exported assignments table back, as :func:`groupmatch.check` takes it.

    The inverse of :func:`export` (and ``Grouping.to_csv`` / ``to_excel`` / ``to_json``): the
    CSV quote added against formula injection is taken off every cell again, ids are read as
    text exactly as written (``007``, ``+44``, ``-17``, ``=1`` and ``NA`` stay themselves and
    match the roster's ids), and ``group`` is the grouping's own group number (nullable
    integers, empty for unplaced). Other columns that hold only numbers written the way Python
    writes them become numbers; any other column stays text, so text numbers such as ``007``
    or ``+44 20 7946 0958`` survive.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx`` or ``.json`` file written by groupmatch.
    id : str
        The id column (read as text).
    sheet : str
        Excel only: the sheet to read.
    format : {"csv", "excel", "json"}, optional
        Default: from the file suffix.
    encoding : str
        CSV and JSON: the text encoding (the default also reads a file a spreadsheet saved
        with a byte-order mark).

    Returns
    -------
    DataFrame
        One row per membership: ``id``, ``group`` and the other exported columns.

    Examples
    --------
    >>> import groupmatch as gm, tempfile, os
    >>> roster = gm.Roster.from_frame(pd.DataFrame({"id": ["-17", "+44", "@bob", "=1"]}))
    >>> spec = gm.PeerGroups(size=2, terms=[gm.Pin({"@bob": 1})])
    >>> g = gm.solve(roster, spec)
    >>> path = g.to_csv(os.path.join(tempfile.mkdtemp(), "groups.csv"))
    >>> back = gm.read_assignments(path)
    >>> back["id"].tolist() == roster.ids.tolist(), gm.check(roster, spec, back)
    (True, [])
    """
    path = Path(path)
    if format is None:
        format = FORMATS.get(path.suffix.lower())  # noqa: A001
        if format is None:
            raise InputError(f"Cannot tell the format of {str(path)!r} from its suffix; use "
                             f"one of {', '.join(FORMATS)} or pass format='csv'|'excel'|'json'.")
    if format == "csv":
        frame = pd.read_csv(path, dtype=object, keep_default_na=False, encoding=encoding)
        frame = frame.map(lambda v: None if v == "" else _original_text(v))
        frame.columns = [_original_text(c) for c in frame.columns]
    elif format == "excel":
        frame = pd.read_excel(path, sheet_name=sheet, dtype=object, keep_default_na=False,
                              na_values=[""])
        frame = frame.astype(object).where(frame.notna(), None)
    elif format == "json":
        doc = json.loads(path.read_text(encoding=encoding))
        records = doc.get("assignments") if isinstance(doc, dict) else doc
        if not isinstance(records, list):
            raise InputError(f"{str(path)!r} holds no 'assignments' list; is it a groupmatch "
                             "JSON export?")
        frame = pd.DataFrame.from_records(records)
    else:
        raise InputError(f"format must be 'csv', 'excel' or 'json'; got {format!r}.")
    if id not in frame.columns or "group" not in frame.columns:
        raise InputError(f"{str(path)!r} needs the columns {id!r} and 'group'; it has "
                         f"{', '.join(map(str, frame.columns))}.")
    for col in frame.columns:
        if col == id:
            frame[col] = frame[col].astype(object).map(_text_of).astype(object)
        elif format == "csv":
            frame[col] = _numbers_if_plain(frame[col])
        else:  # Excel and JSON cells are typed already
            frame[col] = frame[col].infer_objects()
    frame["group"] = _group_column(frame["group"])
    return frame


def _text_of(value) -> str | None:
    """An id as text: ``5`` and ``5.0`` (a number cell) both give ``"5"``; missing, None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    return str(value)


def _numbers_if_plain(column: pd.Series) -> pd.Series:
    """The column as numbers when every cell is a number exactly as Python writes it
    (``-5``, ``1.5``, ``3.0``); else unchanged text (``007``, ``+44``, ``1e3`` stay text)."""
    cells = column.dropna()
    if not len(cells):
        return column
    try:
        numbers = [int(v) if re.fullmatch(r"-?\d+", v) else float(v) for v in cells]
    except ValueError:
        return column
    if not all(repr(x) == v for x, v in zip(numbers, cells, strict=True)):
        return column
    return pd.to_numeric(column)


def _group_column(column: pd.Series) -> pd.Series:
    """Group numbers as nullable integers when they are whole numbers; else as they are."""
    values = column.where(column.notna(), None).astype(object)
    try:
        numbers = pd.to_numeric(values)
    except (ValueError, TypeError):
        return values
    whole = numbers.dropna()
    if (whole != np.round(whole)).any():
        return values
    return numbers.astype("Int64")
