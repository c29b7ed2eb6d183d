"""Programme files: one TOML file declares a whole run, so it can be repeated exactly.

.. code-block:: toml

    name = "Peer circles, spring"

    [roster]
    file = "people.csv"            # relative to this file (.csv or .xlsx); or dataset = "sample"
    encoding = "utf-8"             # of a CSV file (default utf-8; e.g. "latin-1", "cp1252")
    sep = ","                      # of a CSV file (default: detected from the header line)
    id = "id"                      # every other key is passed to gm.Roster.from_frame
    categorical = ["department", "site", "level", "gender"]
    sensitive = ["gender"]

    [mode]
    kind = "peer"                  # "peer" -> gm.PeerGroups, "facilitated" -> gm.FacilitatedGroups,
    size = [4, 6]                  # "team" -> gm.TeamMentoring; other keys are its parameters

    [[terms]]
    type = "Diversity"             # any gm term class; other keys are its parameters
    column = "department"

    [solve]                        # keyword arguments of gm.solve
    time_limit = 10                # seconds, a finite number > 0
    random_state = 0
    deterministic = true           # same input, seed and limits -> same grouping

    [output]
    csv = "groups.csv"             # relative to this file; the HTML report goes next to it

TOML arrays become tuples where groupmatch expects pairs: ``size = [4, 6]`` is ``(4, 6)`` and
``pairs = [["e1", "e2"]]`` is ``[("e1", "e2")]``. Values are checked when the file is loaded:
``time_limit = inf`` is refused (every run stops at a finite limit), ``deterministic`` must be
``true`` or ``false`` (not a string), and ``[output]`` takes only the keys in ``OUTPUT_KEYS``.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import numbers
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .exceptions import InputError

__all__ = ["Programme", "load_programme", "read_people", "programme_text", "MODES"]

#: ``[mode] kind`` -> the groupmatch class it builds (looked up when the programme is loaded).
MODES = {"peer": "PeerGroups", "facilitated": "FacilitatedGroups", "team": "TeamMentoring"}
SOLVE_KEYS = ("time_limit", "random_state", "workers", "deterministic", "method")
OUTPUT_KEYS = ("csv",)
READ_KEYS = ("encoding", "sep")  # [roster] keys that say how to read the file, not the roster
SEPARATORS = (",", ";", "\t", "|")  # what delimiter detection chooses from
EXCEL = (".xlsx", ".xlsm", ".xls")

#: How to fix a file read, in the words of where it came from (command line or programme file).
_HOW = {
    "flags": {"encoding": "--encoding {enc}", "sep": "--sep (e.g. --sep ';')"},
    "programme": {"encoding": 'encoding = "{enc}" in [roster]',
                  "sep": 'sep in [roster] (e.g. sep = ";")'},
}


def _text(raw: bytes, encoding: str, name: str, how: dict) -> str:
    """``raw`` decoded, or one InputError naming the encoding, the line and the fix."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"{name}: unknown encoding {encoding!r}; use e.g. "
                         f"{how['encoding'].format(enc='utf-8')} or "
                         f"{how['encoding'].format(enc='latin-1')}.") from None
    try:
        return raw.decode("utf-8-sig" if codec == "utf-8" else codec)  # a BOM is not a column
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        fix = how["encoding"].format(enc="latin-1")
        raise InputError(f"{name} is not {encoding} text (byte 0x{raw[err.start]:02x} on line "
                         f"{line} cannot be decoded); if it was saved by Excel or an older "
                         f"system, try {fix} (or the file's real encoding), or save it as "
                         "UTF-8.") from None


def _sniff(text: str) -> str:
    """The delimiter: the only candidate in the header line, else csv.Sniffer's pick among the
    header's candidates, else ``,`` (a one-column file)."""
    header = text.lstrip().split("\n", 1)[0]
    found = [d for d in SEPARATORS if d in header]
    if len(found) <= 1:
        return found[0] if found else ","
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(found)).delimiter
    except csv.Error:
        return "," if "," in found else found[0]


def read_people(path, *, encoding: str = "utf-8", sep: str | None = None,
                how: str = "programme", text=()) -> pd.DataFrame:
    r"""Read a people table (CSV, or Excel by suffix) with errors a person can act on.

    A file that is not ``encoding`` text, an unknown encoding, an empty file, a header with no
    rows, repeated column names or rows that do not split into the header's columns each raise
    one :class:`~groupmatch.InputError` saying so in one line. The delimiter ``sep`` is detected
    from the header line when not given (``,`` ``;`` tab or ``|``).

    Parameters
    ----------
    path : str or Path
    encoding : str
        Text encoding of a CSV file (default UTF-8; a byte-order mark is skipped).
    sep : str, optional
        Delimiter of a CSV file; default: detected.
    how : {"programme", "flags"}
        Whose words the advice uses: programme-file keys or command-line flags.
    text : list of str
        Columns of a CSV read as text exactly as written (ids: ``007`` stays ``007``);
        names the file does not have are ignored.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "people.csv"
    >>> _ = path.write_bytes("id;site\na;Köln\nb;Graz\n".encode("latin-1"))
    >>> read_people(path, encoding="latin-1")["site"].tolist()
    ['Köln', 'Graz']
    >>> read_people(path)
    Traceback (most recent call last):
    groupmatch.exceptions.InputError: people.csv is not utf-8 text (byte 0xf6 on line 2 ...
    """
    path, words = Path(path), _HOW[how]
    name = path.name
    if path.suffix.lower() in EXCEL:
        try:
            df = pd.read_excel(path)
        except (ValueError, zipfile.BadZipFile, KeyError) as err:
            raise InputError(f"Cannot read {name} as an Excel workbook: {str(err).rstrip('.')}."
                             ) from None
    else:
        raw = path.read_bytes()
        content = _text(raw, encoding, name, words)
        if not content.strip():
            raise InputError(f"{name} is empty: it needs a header line naming the columns and "
                             "one row per person.")
        sep = sep or _sniff(content)
        try:
            df = pd.read_csv(io.StringIO(content), sep=sep, skipinitialspace=True,
                             dtype={c: str for c in text if c})
        except pd.errors.ParserError as err:
            detail = str(err).strip().splitlines()[-1].removeprefix("Error tokenizing data. ")
            raise InputError(f"Cannot read {name} as a table separated by {sep!r}: {detail}. "
                             f"Check that row, or name the delimiter with {words['sep']}."
                             ) from None
        _unique_header(content, sep, name)
    if len(df) == 0:
        raise InputError(f"{name} has a header ({len(df.columns)} columns) but no rows: it "
                         "needs one row per person.")
    return df


def _unique_header(text: str, sep: str, name: str) -> None:
    """pandas renames a repeated column to ``name.1``; say so instead."""
    if len(sep) != 1:
        return
    header = next(csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True), [])
    seen: dict[str, int] = {}
    for k, col in enumerate(header, start=1):
        if col in seen:
            raise InputError(f"{name} has two columns named {col!r} (columns {seen[col]} and "
                             f"{k}); rename one of them.")
        seen[col] = k


def _tuples(value):
    """Innermost lists become tuples (TOML has no tuples)."""
    if isinstance(value, list):
        if all(not isinstance(v, (list, dict)) for v in value):
            return tuple(value)
        return [_tuples(v) for v in value]
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _lists(value):
    """Roster.from_frame wants lists and dicts, not tuples."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Programme:
    r"""A loaded programme file: the roster, the mode spec, solve options and output paths.

    Examples
    --------
    >>> import groupmatch as gm, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.toml"
    >>> _ = path.write_text('[roster]\ndataset = "sample"\n[mode]\nsize = [4, 6]\n')
    >>> prog = gm.load_programme(path)
    >>> prog.spec.kind, prog.roster.n
    ('peer', 300)
    """

    name: str
    roster: object
    spec: object
    solve_options: dict = field(default_factory=dict)
    csv: Path | None = None
    source: Path | None = None

    @property
    def report(self) -> Path | None:
        """The HTML report path: next to the CSV, same name, ``.html``."""
        return None if self.csv is None else self.csv.with_suffix(".html")

    def solve(self, **overrides):
        """Run :func:`groupmatch.solve` with the programme's options (``overrides`` win)."""
        from .api import solve

        return solve(self.roster, self.spec, **{**self.solve_options, **overrides})


def _table(data: dict, key: str, where: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"Programme {where.name}: [{key}] must be a table.")
    return dict(value)


def _read_people(roster_cfg: dict, base: Path, where: Path) -> pd.DataFrame:
    from . import datasets

    read = {k: roster_cfg.pop(k) for k in READ_KEYS if k in roster_cfg}
    for key, value in read.items():
        if not isinstance(value, str) or not value:
            raise InputError(f"Programme {where.name}: [roster] {key} must be text in quotes "
                             f"(e.g. encoding = \"latin-1\", sep = \";\"); got {value!r}.")
    if "dataset" in roster_cfg:
        name = roster_cfg.pop("dataset")
        if name != "sample":
            raise InputError(f"Programme {where.name}: [roster] dataset must be 'sample' "
                             f"(the bundled organisation); got {name!r}. Use file = '...'.")
        return datasets.load_sample()
    if "file" not in roster_cfg:
        raise InputError(f"Programme {where.name}: [roster] needs file = 'people.csv' (or "
                         "dataset = 'sample').")
    file = roster_cfg.pop("file")
    if not isinstance(file, str) or not file:
        raise InputError(f"Programme {where.name}: [roster] file must be a path in quotes, "
                         f"e.g. file = 'people.csv'; got {file!r}.")
    path = base / file
    if not path.is_file():
        raise InputError(f"Programme {where.name}: roster file {str(path)!r} does not exist.")
    try:
        return read_people(path, **read, how="programme")
    except InputError as err:
        raise InputError(f"Programme {where.name}: {err}") from None


def _term_classes() -> dict[str, type]:
    """Every public term class by name (rules, objectives and role terms)."""
    from . import modes, terms
    from .terms.base import Term

    return {name: c for module in (terms, modes) for name, c in vars(module).items()
            if isinstance(c, type) and issubclass(c, Term)}


def _term(cfg, where: Path):
    if not isinstance(cfg, dict) or "type" not in cfg:
        raise InputError(f"Programme {where.name}: each [[terms]] entry needs type = "
                         "'Diversity' (a groupmatch term class) and its parameters.")
    params = _tuples(dict(cfg))
    name = params.pop("type")
    cls = _term_classes().get(str(name))
    if cls is None:
        raise InputError(f"Programme {where.name}: term type {name!r} is not a groupmatch term "
                         "(e.g. Diversity, SharedNeeds, NotWithManager).")
    try:
        return cls(**params)
    except TypeError as err:
        raise InputError(f"Programme {where.name}: term {name}: {err}.") from None


def _mode(cfg: dict, terms: list, where: Path):
    from . import modes

    params = _tuples(cfg)
    kind = params.pop("kind", "peer")
    if kind not in MODES:
        raise InputError(f"Programme {where.name}: [mode] kind must be one of "
                         f"{', '.join(map(repr, MODES))}; got {kind!r}.")
    cls = getattr(modes, MODES[kind], None)
    if cls is None:
        raise InputError(f"Programme {where.name}: mode {kind!r} needs gm.{MODES[kind]}, which "
                         "this version of groupmatch does not have yet.")
    try:
        return cls(terms=terms, **params)
    except TypeError as err:
        raise InputError(f"Programme {where.name}: mode {kind}: {err}.") from None


def load_programme(path) -> Programme:
    """Read a programme TOML file and build its roster and spec (nothing is solved yet).

    Paths inside the file are relative to the file. Unknown tables or keys raise an
    :class:`~groupmatch.InputError` naming them.

    Examples
    --------
    >>> import groupmatch as gm, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.toml"
    >>> _ = path.write_text('''
    ... [roster]
    ... dataset = "sample"
    ... [mode]
    ... kind = "peer"
    ... size = [4, 6]
    ... [[terms]]
    ... type = "Diversity"
    ... column = "department"
    ... [solve]
    ... time_limit = 5
    ... deterministic = true
    ... ''')
    >>> prog = gm.load_programme(path)
    >>> prog.solve_options, [t.label for t in prog.spec.terms]
    ({'time_limit': 5, 'deterministic': True}, ['diversity[department]'])
    """
    from .roster import Roster

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (FileNotFoundError, IsADirectoryError):
        raise InputError(f"Programme file {str(path)!r} does not exist.") from None
    except UnicodeDecodeError as err:
        raise InputError(f"Programme {path.name} is not UTF-8 text (byte at position "
                         f"{err.start}); TOML files are UTF-8: save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"Programme {path.name} is not valid TOML: {err}.") from None
    unknown = set(data) - {"name", "roster", "mode", "terms", "solve", "output"}
    if unknown:
        raise InputError(f"Programme {path.name}: unknown key(s) {sorted(unknown)}; expected "
                         "name, [roster], [mode], [[terms]], [solve], [output].")
    base = path.parent
    roster_cfg = _table(data, "roster", path)
    people = _read_people(roster_cfg, base, path)
    try:
        roster = Roster.from_frame(people, **{k: _lists(v) for k, v in roster_cfg.items()})
    except TypeError as err:
        raise InputError(f"Programme {path.name}: [roster]: {err}.") from None
    terms_cfg = data.get("terms", [])
    if not isinstance(terms_cfg, list):
        raise InputError(f"Programme {path.name}: terms must be an array of tables [[terms]].")
    terms = [_term(t, path) for t in terms_cfg]
    spec = _mode(_table(data, "mode", path), terms, path)
    solve_cfg = _solve_options(_table(data, "solve", path), path)
    csv_path = _output(_table(data, "output", path), base, path)
    return Programme(name=str(data.get("name", path.stem)), roster=roster, spec=spec,
                     solve_options=solve_cfg, csv=csv_path, source=path)


def _solve_options(cfg: dict, where: Path) -> dict:
    """[solve], checked when the file is loaded, in the file's own words."""
    from .settings import SolveSettings

    bad = set(cfg) - set(SOLVE_KEYS)
    if bad:
        raise InputError(f"Programme {where.name}: [solve] does not take {sorted(bad)}; it takes "
                         f"{', '.join(SOLVE_KEYS)}.")
    limit = cfg.get("time_limit", 10)
    if (isinstance(limit, bool) or not isinstance(limit, numbers.Real)
            or not math.isfinite(limit) or limit <= 0):
        hint = (" A run always ends at a finite limit: give seconds, e.g. time_limit = 3600 "
                "for a long search." if isinstance(limit, float) and math.isinf(limit) else "")
        raise InputError(f"Programme {where.name}: [solve] time_limit must be a finite number "
                         f"of seconds greater than 0; got {limit!r}.{hint}")
    flag = cfg.get("deterministic", False)
    if not isinstance(flag, bool):
        raise InputError(f"Programme {where.name}: [solve] deterministic must be true or false, "
                         f"without quotes; got {flag!r}.")
    try:
        SolveSettings.of(**cfg)  # workers, random_state and method as gm.solve checks them
    except InputError as err:
        raise InputError(f"Programme {where.name}: [solve] {err}") from None
    return cfg


def _output(cfg: dict, base: Path, where: Path) -> Path | None:
    """[output]: the CSV path (relative to the programme file), or None."""
    bad = set(cfg) - set(OUTPUT_KEYS)
    if bad:
        raise InputError(f"Programme {where.name}: [output] does not take {sorted(bad)}; it "
                         f"takes {', '.join(OUTPUT_KEYS)} (the HTML report goes next to the "
                         "CSV).")
    if "csv" not in cfg:
        return None
    if not isinstance(cfg["csv"], str) or not cfg["csv"]:
        raise InputError(f"Programme {where.name}: [output] csv must be a path in quotes, e.g. "
                         f"csv = 'groups.csv'; got {cfg['csv']!r}.")
    return base / cfg["csv"]



# ------------------------------------------------------------------------------ writing
def programme_text(source, *, pins: dict | None = None, note: str = "") -> str:
    """A programme file as TOML text that stands on its own, optionally pinning people.

    What the review page exports as "the programme file that reproduces" adjusted groups:

    - the file ``source`` with its tables as written, except that ``[roster] file`` becomes
      an absolute path (the text may be saved anywhere) and ``[output]`` is left out (a copy
      should not write over the original run's files);
    - with ``pins`` (``{id: group}``), a ``Pin`` term fixing those people to those groups,
      merged into a ``Pin`` the file already has (``pins`` win). Pinning everybody makes
      ``groupmatch solve --programme`` return exactly these groups when they keep every hard
      rule; the mode must have numbered groups (peer groups);
    - ``note`` as comment lines at the top.

    Examples
    --------
    >>> import pathlib, tempfile, tomllib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.toml"
    >>> _ = path.write_text('[roster]\\ndataset = "sample"\\n[mode]\\nsize = [4, 6]\\n'
    ...                     '[output]\\ncsv = "groups.csv"\\n')
    >>> text = programme_text(path, pins={"E00001": 3}, note="adjusted by hand")
    >>> data = tomllib.loads(text)
    >>> sorted(data), data["terms"][-1]
    (['mode', 'roster', 'terms'], {'type': 'Pin', 'assignments': {'E00001': 3}})
    """
    path = Path(source)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"Cannot read the programme {str(path)!r}: {err}.") from None
    data.pop("output", None)
    roster = data.get("roster")
    if isinstance(roster, dict) and isinstance(roster.get("file"), str):
        roster["file"] = str((path.parent / roster["file"]).resolve())
    if pins:
        terms = [t for t in data.get("terms", []) if not (isinstance(t, dict)
                                                          and t.get("type") == "Pin")]
        earlier = {k: v for t in data.get("terms", [])
                   if isinstance(t, dict) and t.get("type") == "Pin"
                   for k, v in dict(t.get("assignments", {})).items()}
        merged = {**earlier, **{str(k): int(v) for k, v in pins.items()}}
        data["terms"] = [*terms, {"type": "Pin", "assignments": merged}]
    lines = [f"# {line}".rstrip() for line in note.splitlines()]
    return "\n".join(lines + ([""] if lines else []) + _toml_tables(data)) + "\n"


def _toml_tables(data: dict) -> list[str]:
    """TOML lines for a programme: top-level values, then each table or array of tables."""
    out = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items()
           if not isinstance(v, dict) and not _is_tables(v)]
    for key, value in data.items():
        if isinstance(value, dict):
            out += ["", f"[{_toml_key(key)}]", *_toml_body(value, _toml_key(key))]
        elif _is_tables(value):
            for item in value:
                out += ["", f"[[{_toml_key(key)}]]", *_toml_body(item, _toml_key(key))]
    return out


def _is_tables(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_body(table: dict, prefix: str) -> list[str]:
    """A table's values, then its sub-tables (``[prefix.key]``, one line per entry)."""
    out = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()
           if not isinstance(v, dict)]
    for key, value in table.items():
        if isinstance(value, dict):
            name = f"{prefix}.{_toml_key(key)}"
            out += [f"[{name}]", *_toml_body(value, name)]
    return out


def _toml_key(key) -> str:
    key = str(key)
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return _toml_string(key)


def _toml_string(text: str) -> str:
    escaped = {"\\": "\\\\", '"': '\\"'}
    return '"' + "".join(escaped.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7f
                                             else c) for c in text) + '"'


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else
                                                         ("inf" if value > 0 else "-inf"))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):  # TOML dates and times
        return value.isoformat()
    return _toml_string(str(value))
