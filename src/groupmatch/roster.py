"""The roster: a validated, integer-encoded, read-only view of the people table.

``Roster.from_frame`` is the only place where pandas input is read. Everything downstream works on
row indices and numpy arrays; ids come back only in results.

Default column convention (what :func:`groupmatch.datasets.make_organization` produces, and what
``Roster.from_frame(df)`` reads with no mapping):

==========================  ===============================================================
column                      meaning
==========================  ===============================================================
``id``                      unique person id (required); numbers compare by value and
                            text without surrounding spaces, so ``1``, ``1.0`` and ``"1"``
                            are one id (two of them in the column are an error); whole-number
                            floats are kept as ints (``2.0`` comes back as ``2``)
``department``, ``site``,   categorical attributes (used when present)
``level``, ``gender``
``tenure_years``            numeric attribute (used when present)
``timezone``                UTC offset in hours, -12 to +14 (used when present)
``interests``, ``needs``,   multi-valued topics (see *Multi-valued cells* below)
``expertise``
``slots``                   weekly availability slots (see *Multi-valued cells* below)
``manager_id``              id of the person's manager, empty for nobody
``team``                    intact team id
``role``                    ``mentee``, ``mentor`` or ``both``
``mentor_capacity_groups``  how many groups a mentor may lead (integer >= 0)
``mentor_capacity_mentees`` how many mentees a mentor may take (integer >= 0)
==========================  ===============================================================

Multi-valued cells
------------------
A cell of a multi-valued column may hold

- a Python list, tuple, set or 1-d numpy array of values;
- the text of a list, as pandas writes one to CSV (``"['a', 'b']"``, numpy's ``"['a' 'b']"``)
  or as JSON (``'["a", "b"]'``). Only plain string and number items are read (nothing is
  evaluated); a cell that starts with ``[`` and ends with ``]`` but is not such a list is an
  error. Text in ``(...)`` or ``{...}`` is read as a tuple or set when it is one, else as text;
- plain text, split on ``list_sep`` (``";"`` by default; ``None`` keeps the whole text as one
  value);
- a single number (one value), or nothing (``None``, NaN, empty text: no values).

Inside a list, missing items (``None``, NaN, ``null``) and empty strings are dropped, text is
stripped, and whole numbers read as integers (``1.0`` is ``"1"``).
"""

from __future__ import annotations

import ast
import io
import json
import math
import numbers
import re
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cached_property
from types import MappingProxyType

import networkx as nx
import numpy as np
import pandas as pd

from ._validation import check_names, column_error
from .exceptions import InputError

__all__ = ["Roster", "ROLES"]

DEFAULT_CATEGORICAL = ("department", "site", "level", "gender")
DEFAULT_NUMERIC = ("tenure_years",)
DEFAULT_MULTI = ("interests", "needs", "expertise", "slots")
TOPIC_KINDS = ("interests", "needs", "expertise")  # share one topic vocabulary
ROLES = ("mentee", "mentor", "both")
AUTO = "auto"
DEFAULT_LIST_SEP = ";"
TIMEZONE_RANGE = (-12.0, 14.0)  # UTC offsets in use, in hours (Baker Island to Kiribati)


@dataclass(frozen=True)
class Categorical:
    """An integer-coded categorical column: ``codes[i]`` indexes ``categories``."""

    codes: np.ndarray
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Multi:
    """A multi-valued column: ``matrix[i, t]`` is True when person i has ``vocabulary[t]``."""

    matrix: np.ndarray
    vocabulary: tuple[str, ...]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Roster:
    """People to group, validated and encoded once.

    Build it with :meth:`Roster.from_frame`. All arrays are read-only and indexed by roster row.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "department": ["x", "y", "x"]})
    >>> roster = gm.Roster.from_frame(df)
    >>> len(roster), roster.categorical["department"].categories
    (3, ('x', 'y'))
    """

    ids: np.ndarray
    frame: pd.DataFrame
    categorical: Mapping[str, Categorical]
    numeric: Mapping[str, np.ndarray]
    multi: Mapping[str, Multi]
    manager: np.ndarray  # row index of each person's manager, -1 for none
    team: Categorical | None = None
    role: np.ndarray | None = None  # codes into ROLES
    capacity_groups: np.ndarray | None = None
    capacity_mentees: np.ndarray | None = None
    timezone: np.ndarray | None = None
    sensitive: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)  # logical name -> source column
    base: Roster | None = field(default=None, repr=False)  # the full roster of a sub-roster
    origin: np.ndarray | None = field(default=None, repr=False)  # rows of ``base``
    list_sep: str | None = field(default=DEFAULT_LIST_SEP, repr=False)  # of plain-text lists

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        id: str = "id",  # noqa: A002 - the natural name for the id column
        categorical: Sequence[str] | None = None,
        numeric: Sequence[str] | None = None,
        multi: Mapping[str, str] | Sequence[str] | None = None,
        manager: str | None = AUTO,
        team: str | None = AUTO,
        role: str | None = AUTO,
        capacity_groups: str | None = AUTO,
        capacity_mentees: str | None = AUTO,
        timezone: str | None = AUTO,
        sensitive: Sequence[str] = (),
        list_sep: str | None = DEFAULT_LIST_SEP,
    ) -> Roster:
        """Validate and encode a people table.

        Parameters
        ----------
        df : DataFrame
            One row per person.
        id : str
            Column holding unique person ids. Numbers compare by value and text without
            surrounding spaces: ``1``, ``1.0`` and ``"1"`` are one id, so two of them in the
            column are an error, and ``1.0`` in ``manager_id`` or a rule finds ``1``. Whole
            numbers written as floats (a column read as ``1.0, 2.0``) are kept as ints.
        categorical, numeric : list of str, optional
            Attribute columns. ``None`` uses the default columns that are present
            (``department, site, level, gender`` and ``tenure_years``); ``[]`` uses none.
        multi : dict or list, optional
            Multi-valued columns, as ``{logical_name: column}`` or a list of column names.
            Logical names ``interests``, ``needs`` and ``expertise`` share one topic vocabulary,
            ``slots`` holds availability. ``None`` uses the defaults that are present.
            Cells may hold lists, the text of a list (``"['a', 'b']"`` as pandas writes it to
            CSV, or JSON ``'["a", "b"]'``) or text split on ``list_sep``; see the module notes.
        manager, team, role, capacity_groups, capacity_mentees, timezone : str or None
            Column names; ``"auto"`` uses the default name if present, ``None`` ignores it.
            Time zones are UTC offsets in hours between -12 and +14 (``5.5`` for UTC+05:30).
        sensitive : list of str
            Columns that may drive rules but are left out of exports by default.
        list_sep : str or None, default ``";"``
            Separator of values in plain-text multi-valued cells (``"python;sql"``); ``None``
            reads each text cell as one value. Cells holding list text are parsed whatever it is.

        Every list-of-columns parameter takes a list: ``multi="interests"`` is an error that
        says ``multi=['interests']``. Duplicate column names in ``df`` are an error.

        Raises
        ------
        InputError
            Naming the column, the rule, the first offending rows and the fix.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> df = pd.DataFrame({"id": [1, 2, 3], "manager_id": [None, 1, 1],
        ...                    "needs": ["python;sql", "python", ""]})
        >>> r = gm.Roster.from_frame(df)
        >>> r.manager.tolist(), r.topics
        ([-1, 0, 0], ('python', 'sql'))

        List text, JSON and another separator:

        >>> df = pd.DataFrame({"id": [1, 2, 3],
        ...                    "needs": ["['python', 'sql']", '["python", null]', "R|sql"]})
        >>> gm.Roster.from_frame(df, list_sep="|").topics
        ('R', 'python', 'sql')
        """
        if not isinstance(df, pd.DataFrame):
            raise InputError(
                f"Roster.from_frame needs a pandas DataFrame; got {type(df).__name__}."
            )
        _unique_columns(df)
        if len(df) == 0:
            raise InputError(
                "The roster is empty: the DataFrame has no rows. Pass at least one person."
            )
        if isinstance(id, (list, tuple, set, dict)):
            raise InputError(f"Parameter 'id' takes one column name; got {id!r}.")
        categorical = None if categorical is None else check_names("categorical", categorical)
        numeric = None if numeric is None else check_names("numeric", numeric)
        multi = None if multi is None else check_names("multi", multi, mapping=True)
        sensitive = check_names("sensitive", sensitive)
        if list_sep is not None and not (isinstance(list_sep, str) and list_sep):
            raise InputError(f"Parameter 'list_sep' must be a non-empty string or None; "
                             f"got {list_sep!r}.")
        _require_columns(df, [id], "the id column")
        labels = list(df.index)
        id_col = df[id]
        _no_missing(df, id, labels)
        keys = _keys(id_col)
        _unique_ids(id_col, keys, id, labels)
        index_of = {k: i for i, k in enumerate(keys)}

        cat_cols = _pick(df, categorical, DEFAULT_CATEGORICAL)
        num_cols = _pick(df, numeric, DEFAULT_NUMERIC)
        if multi is None:
            multi_map = {c: c for c in DEFAULT_MULTI if c in df.columns}
        elif isinstance(multi, dict):
            multi_map = multi
        else:
            multi_map = {c: c for c in multi}
        _require_columns(df, cat_cols, "categorical")
        _require_columns(df, num_cols, "numeric")
        _require_columns(df, list(multi_map.values()), "multi-valued")

        cats = {}
        for c in cat_cols:
            _no_missing(df, c, labels)
            cats[c] = _encode_categorical(df[c])
        nums = {}
        for c in num_cols:
            nums[c] = _frozen(_numeric(df, c, labels))
        parsed = {name: _parse_lists(df[col], col, labels, list_sep, col in sensitive, frozenset)
                  for name, col in multi_map.items()}
        topic_vocab = sorted(
            {t for k, v in parsed.items() if k in TOPIC_KINDS for s in v for t in s}
        )
        multis = {}
        for name, sets in parsed.items():
            vocab = topic_vocab if name in TOPIC_KINDS else sorted({t for s in sets for t in s})
            multis[name] = _encode_multi(sets, vocab)

        columns = {"id": id, **{k: v for k, v in multi_map.items()}}
        mgr_col = _optional(df, manager, "manager_id")
        manager_rows = np.full(len(df), -1, dtype=np.int64)
        if mgr_col is not None:
            manager_rows = _encode_manager(df, mgr_col, id, keys, index_of, labels)
            columns["manager"] = mgr_col
        team_col = _optional(df, team, "team")
        team_enc = None
        if team_col is not None:
            _no_missing(df, team_col, labels)
            team_enc = _encode_categorical(df[team_col])
            columns["team"] = team_col
        role_col = _optional(df, role, "role")
        role_codes = None
        if role_col is not None:
            role_codes = _encode_role(df, role_col, labels)
            columns["role"] = role_col
        caps = {}
        for key, arg, default in (
            ("capacity_groups", capacity_groups, "mentor_capacity_groups"),
            ("capacity_mentees", capacity_mentees, "mentor_capacity_mentees"),
        ):
            col = _optional(df, arg, default)
            caps[key] = None if col is None else _frozen(_capacity(df, col, labels))
            if col is not None:
                columns[key] = col
        tz_col = _optional(df, timezone, "timezone")
        tz = None if tz_col is None else _frozen(_timezones(df, tz_col, labels))
        if tz_col is not None:
            columns["timezone"] = tz_col
        _require_columns(df, list(sensitive), "sensitive")

        return cls(
            ids=_frozen(_clean_ids(id_col)),
            frame=df.copy(),
            categorical=MappingProxyType(cats),
            numeric=MappingProxyType(nums),
            multi=MappingProxyType(multis),
            manager=_frozen(manager_rows),
            team=team_enc,
            role=None if role_codes is None else _frozen(role_codes),
            capacity_groups=caps["capacity_groups"],
            capacity_mentees=caps["capacity_mentees"],
            timezone=tz,
            sensitive=tuple(sensitive),
            columns=MappingProxyType(columns),
            list_sep=list_sep,
        )

    # ------------------------------------------------------------------ views
    def take(self, rows: Sequence[int]) -> Roster:
        """The sub-roster of the given distinct rows, remembering where they came from.

        Role modes solve one sub-roster per topic. Terms whose per-person data depend on the
        whole roster (standardised numeric values, reporting lines, id pairs) compute them on
        :attr:`base` and map them through :attr:`origin`, so a group scores the same in the
        sub-roster as in the full one.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": ["a", "b", "c"],
        ...                                        "manager_id": [None, "a", "b"]}))
        >>> sub = r.take([1, 2])
        >>> sub.ids.tolist(), sub.manager.tolist(), sub.origin.tolist()
        (['b', 'c'], [-1, 0], [1, 2])
        """
        rows = np.asarray(rows, dtype=np.int64)
        if len(np.unique(rows)) != len(rows):
            raise ValueError("Roster.take needs distinct rows.")
        root = self.base if self.base is not None else self
        origin = rows if self.origin is None else self.origin[rows]
        where = np.full(self.n, -1, dtype=np.int64)
        where[rows] = np.arange(len(rows))
        mgr = self.manager[rows]
        mgr = np.where(mgr >= 0, where[np.maximum(mgr, 0)], -1)

        def cut(a):
            return None if a is None else _frozen(np.asarray(a)[rows])

        return replace(
            self,
            ids=cut(self.ids),
            frame=self.frame.iloc[rows],
            categorical=MappingProxyType({k: Categorical(cut(v.codes), v.categories)
                                          for k, v in self.categorical.items()}),
            numeric=MappingProxyType({k: cut(v) for k, v in self.numeric.items()}),
            multi=MappingProxyType({k: Multi(cut(v.matrix), v.vocabulary)
                                    for k, v in self.multi.items()}),
            manager=_frozen(mgr),
            team=None if self.team is None else Categorical(cut(self.team.codes),
                                                            self.team.categories),
            role=cut(self.role),
            capacity_groups=cut(self.capacity_groups),
            capacity_mentees=cut(self.capacity_mentees),
            timezone=cut(self.timezone),
            base=root,
            origin=_frozen(origin),
        )

    def localise_pairs(self, pairs: np.ndarray) -> np.ndarray:
        """Map (k, 2) row pairs of :attr:`base` to this sub-roster, keeping pairs inside it."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if self.base is None:
            return pairs
        where = np.full(self.base.n, -1, dtype=np.int64)
        where[self.origin] = np.arange(self.n)
        out = where[pairs]
        return out[(out >= 0).all(axis=1)]

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        """A one-line summary: counts and column names, never the table or any value.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> df = pd.DataFrame({"id": [1, 2], "site": ["x", "y"], "gender": ["f", "m"],
        ...                    "needs": ["a", "b"]})
        >>> gm.Roster.from_frame(df, sensitive=["gender"])
        Roster(2 people; id='id'; categorical: site, gender; multi: needs; sensitive: gender)
        """
        cols = self.columns
        head = f"{self.n:,} people"
        if self.base is not None:
            head += f" of {self.base.n:,}"
        parts = [head, f"id={cols.get('id', 'id')!r}"]
        multi = [k if cols.get(k, k) == k else f"{k}={cols[k]}" for k in self.multi]
        for label, names in (("categorical", list(self.categorical)),
                             ("numeric", list(self.numeric)), ("multi", multi)):
            if names:
                parts.append(f"{label}: {_short_list(names)}")
        also = [k for k in ("manager", "team", "role", "timezone") if k in cols]
        if "capacity_groups" in cols or "capacity_mentees" in cols:
            also.insert(len(also) - ("timezone" in cols), "capacity")
        if also:
            parts.append(f"also: {', '.join(also)}")
        if self.sensitive:
            parts.append(f"sensitive: {_short_list(list(self.sensitive))}")
        return f"Roster({'; '.join(parts)})"

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.ids)

    @property
    def topics(self) -> tuple[str, ...]:
        """The topic vocabulary shared by interests, needs and expertise."""
        for k in TOPIC_KINDS:
            if k in self.multi:
                return self.multi[k].vocabulary
        return ()

    @property
    def hierarchy(self) -> nx.DiGraph:
        """Reporting lines as a DiGraph of roster rows, edge manager -> report.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": ["a", "b"], "manager_id": [None, "a"]}))
        >>> list(r.hierarchy.edges)
        [(0, 1)]
        """
        g = nx.DiGraph()
        g.add_nodes_from(range(self.n))
        reports = np.flatnonzero(self.manager >= 0)
        g.add_edges_from(zip(self.manager[reports].tolist(), reports.tolist(), strict=True))
        return g

    @cached_property
    def _subtrees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows in depth-first order of the reporting tree and, per row, the span of that
        order holding its subtree (itself and every report at any level): built once, so a
        person's reports are one slice. The tree has no cycles (checked when it is read)."""
        n = self.n
        manager = np.asarray(self.manager)
        children: list[list[int]] = [[] for _ in range(n)]
        for i, m in enumerate(manager.tolist()):
            if m >= 0:
                children[m].append(i)
        order = np.empty(n, dtype=np.int64)
        start = np.empty(n, dtype=np.int64)
        size = np.ones(n, dtype=np.int64)
        k = 0
        for root in np.flatnonzero(manager < 0).tolist():
            stack = [root]
            while stack:
                v = stack.pop()
                start[v] = k
                order[k] = v
                k += 1
                stack.extend(reversed(children[v]))
        for v in order[::-1].tolist():  # reports come after their manager: sum bottom-up
            if manager[v] >= 0:
                size[manager[v]] += size[v]
        return order, start, start + size

    def __reduce__(self):
        """Pickle (process pools, notebooks): the fields, with plain dicts for the read-only
        mappings; rebuilt with the same read-only mappings and arrays. Cached views are not
        stored (they rebuild on use)."""
        state, proxies = {}, []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, MappingProxyType):
                value = dict(value)
                proxies.append(f.name)
            state[f.name] = value
        return _rebuild_roster, (type(self), state, tuple(proxies))

    def reporting_line(self, row: int) -> np.ndarray:
        """Rows above ``row`` (managers at any level), ``row`` itself and below it (reports at
        any level).

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd"),
        ...                                        "manager_id": [None, "a", "b", "a"]}))
        >>> sorted(r.reporting_line(1).tolist())
        [0, 1, 2]
        """
        order, start, end = self._subtrees
        up = []
        m = int(self.manager[row])
        while m >= 0:
            up.append(m)
            m = int(self.manager[m])
        return np.concatenate([np.array(up, dtype=np.int64), order[start[row]:end[row]]])

    @cached_property
    def _row_of(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(_keys(pd.Series(self.ids, dtype=object)))}

    def find_rows(self, ids: Sequence[object]) -> np.ndarray:
        """Roster rows of the given ids, -1 for an id the roster does not have."""
        keys = _keys(pd.Series(list(ids), dtype=object))
        return np.asarray([self._row_of.get(k, -1) for k in keys], dtype=np.int64)

    def rows_of(self, ids: Sequence[object], where: str) -> np.ndarray:
        """Roster rows of the given ids; raise an InputError naming ``where`` for unknown ids.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": ["a", "b"]}))
        >>> r.rows_of(["b"], "example").tolist()
        [1]
        """
        keys = _keys(pd.Series(list(ids), dtype=object))
        rows = [self._row_of.get(k, -1) for k in keys]
        unknown = [str(v) for v, r in zip(ids, rows, strict=True) if r < 0]
        if unknown:
            raise InputError(
                f"{where} names {len(unknown)} id(s) that are not in the roster "
                f"({', '.join(map(repr, unknown[:5]))}). Use ids from the roster's id column."
            )
        return np.asarray(rows, dtype=np.int64)

    @property
    def role_names(self) -> np.ndarray | None:
        """Each person's role as text (``mentee``, ``mentor``, ``both``), None without one."""
        return None if self.role is None else np.asarray(ROLES)[np.asarray(self.role)]

    def memo(self, key, make):
        """``make()``, computed once per roster and ``key`` (what terms derive and cache)."""
        memo = self.__dict__.setdefault("_memo", {})  # not a field: pickles leave it out
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def ranked(self, column: str, where: str) -> tuple[tuple[str, ...], ...]:
        """Each person's values of a list column in the order written (first = most wanted),
        read as multi-valued cells are, a repeated value at its first place. ``column`` is a
        multi-valued column's logical name or any column of the table (InputError naming
        ``where`` for a missing, categorical or numeric one).

        >>> import pandas as pd, groupmatch as gm
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": [1, 2], "needs": ["b;a;b", ["a"]]}))
        >>> r.ranked("needs", "example"), r.take([1]).ranked("needs", "example")
        ((('b', 'a'), ('a',)), (('a',),))
        """
        if self.base is not None:
            full = self.base.ranked(column, where)
            return tuple(full[i] for i in self.origin.tolist())
        return self.memo(("ranked", column), lambda: self._read_ranked(column, where))

    def _read_ranked(self, column: str, where: str) -> tuple[tuple[str, ...], ...]:
        if not isinstance(column, str) or not column:
            raise InputError(f"{where} needs the name of a list column; got {column!r}.")
        for kind in ("categorical", "numeric"):
            if column in getattr(self, kind):
                raise InputError(
                    f"{where} reads column {column!r}, which is a {kind} column (one value "
                    "per person); it needs a list column, one list per person, first = most "
                    "wanted (lists, or text such as 'a;b').")
        source = self.columns.get(column, column) if column in self.multi else column
        if source not in self.frame.columns:
            raise InputError(f"{where} reads column {column!r}, which is not in the roster's "
                             f"table (columns: {', '.join(map(repr, self.frame.columns))}).")
        return tuple(_parse_lists(self.frame[source], source, list(self.frame.index),
                                  self.list_sep, source in self.sensitive))

    def attribute_names(self) -> list[str]:
        """Names of every encoded attribute a term may refer to."""
        return [*self.categorical, *self.numeric, *self.multi]

    def require(self, column: str, kinds: Sequence[str], term: str) -> str:
        """Return which kind of attribute ``column`` is, or raise an InputError naming the term."""
        for kind in kinds:
            if column in getattr(self, kind):
                return kind
        where = " or ".join(kinds)
        available = ", ".join(repr(c) for c in self.attribute_names()) or "none"
        raise InputError(
            f"Term {term} names column {column!r}, which is not a {where} column of the roster "
            f"(available: {available}). Add it to Roster.from_frame(..., {kinds[0]}=[...])."
        )


# ---------------------------------------------------------------------- helpers
def _short_list(names: Sequence[object], shown: int = 4) -> str:
    """``'a, b, c, d'``, or the first ``shown`` names and how many more."""
    names = [str(n) for n in names]
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])}, … (+{len(names) - shown} more)"


def check_roster(roster) -> None:
    """InputError unless ``roster`` is a :class:`Roster` (the front door's first check)."""
    if not isinstance(roster, Roster):
        raise InputError(f"Expected a gm.Roster (build one with Roster.from_frame); "
                         f"got {type(roster).__name__}.")


def _text(v) -> str | None:
    """The comparable text of one id or list item; ``None`` for a missing value.

    Numbers by value (``3``, ``3.0``, ``np.int64(3)`` -> ``'3'``), text stripped.

    Examples
    --------
    >>> _text(3.0), _text(" a "), _text(float("nan")), _text(2.5)
    ('3', 'a', None, '2.5')
    """
    if type(v) is str:
        return v.strip()
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return None
        return str(int(f)) if math.isfinite(f) and f.is_integer() else str(f)
    return str(v).strip()


def _keys(series: pd.Series) -> pd.Series:
    """Comparable string keys for ids, so 3, 3.0 and "3" all match."""
    return series.astype(object).map(_text)


def _clean_ids(series: pd.Series) -> np.ndarray:
    """The ids as given, except that whole-number floats become ints (``2.0`` -> ``2``)."""
    def clean(v):
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and math.isfinite(v) and v.is_integer():
            return int(v)
        return v
    out = np.empty(len(series), dtype=object)
    out[:] = [clean(v) for v in series.tolist()]
    return out


def _unique_ids(series: pd.Series, keys: pd.Series, col: str, labels: list) -> None:
    dup = keys.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    rows = np.flatnonzero(dup)
    raw = series.tolist()
    seen: dict[str, object] = {}
    fix = "Remove or rename the duplicates."
    for i in rows.tolist():
        first = seen.setdefault(keys.iloc[i], raw[i])
        if first is not raw[i] and repr(first) != repr(raw[i]):
            fix = (f"Ids {_plain(first)!r} and {_plain(raw[i])!r} are the same id: numbers "
                   f"compare by value and text without surrounding spaces. {fix}")
            break
    raise column_error(col, "must hold unique ids", [labels[i] for i in rows], fix)


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _unique_columns(df: pd.DataFrame) -> None:
    dup = df.columns[df.columns.duplicated()].unique().tolist()
    if dup:
        raise InputError(
            f"The DataFrame has duplicate column names ({', '.join(map(repr, dup[:5]))}); "
            "the roster cannot tell them apart. Rename or drop the copies "
            "(df.loc[:, ~df.columns.duplicated()] keeps the first of each)."
        )


def _pick(df: pd.DataFrame, given: Sequence[str] | None, defaults: Sequence[str]) -> list[str]:
    if given is None:
        return [c for c in defaults if c in df.columns]
    return list(given)


def _optional(df: pd.DataFrame, given: str | None, default: str) -> str | None:
    if given is None:
        return None
    if given == AUTO:
        return default if default in df.columns else None
    _require_columns(df, [given], "")
    return given


def _require_columns(df: pd.DataFrame, cols: Sequence[str], kind: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        what = f"{kind} column" if kind else "column"
        raise InputError(
            f"Column {missing[0]!r} ({what}) is not in the DataFrame; the roster needs it. "
            f"Available columns: {', '.join(map(repr, df.columns))}. "
            "Fix the name or drop it from the mapping."
        )


def _no_missing(df: pd.DataFrame, col: str, labels: list) -> None:
    na = df[col].isna().to_numpy()
    if na.any():
        rows = [labels[i] for i in np.flatnonzero(na)]
        raise column_error(
            col, "is required and must have no missing values", rows,
            "Fill them in, or drop those people from the table on purpose.",
        )


def _encode_categorical(series: pd.Series) -> Categorical:
    values = series.astype(object).map(str).to_numpy()
    cats, codes = np.unique(values, return_inverse=True)
    return Categorical(_frozen(codes.astype(np.int32)), tuple(str(c) for c in cats))


def _numeric(df: pd.DataFrame, col: str, labels: list) -> np.ndarray:
    _no_missing(df, col, labels)
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        rows = [labels[i] for i in np.flatnonzero(bad)]
        raise column_error(col, "must hold finite numbers", rows, "Convert or clean those cells.")
    return values.to_numpy(dtype=np.float64)


_LIST_TYPES = (list, tuple, set, frozenset, np.ndarray, pd.Series)
_NESTED = (*_LIST_TYPES, dict)
_CLOSING = {"[": "]", "(": ")", "{": "}"}
_MISSING_NAMES = frozenset({"nan", "NaN", "None", "NA", "NaT", "null"})
_ADJACENT_QUOTES = re.compile(r"""['"]\s*['"]""")  # 'a' 'b': numpy's print, or an empty string
_MAX_LIST_TEXT = 100_000


class _BadCell(ValueError):
    """One multi-valued cell that cannot be read; the message says what it holds."""


def _literal_items(text: str) -> list | None:
    """Items of the list, tuple or set written as ``text``, or None when it is not one.

    Reads JSON arrays and Python or numpy list text. Nothing is evaluated but single string and
    number literals.

    Examples
    --------
    >>> _literal_items("['a', 'b']"), _literal_items('["a", null]'), _literal_items("['a' 'b']")
    (['a', 'b'], ['a', None], ['a', 'b'])
    >>> _literal_items("[a, b]") is None
    True
    """
    if len(text) > _MAX_LIST_TEXT:
        return None
    if text[0] == "[":
        try:
            value = json.loads(text)
        except ValueError:
            pass
        else:
            return value if isinstance(value, list) else None
    if not _ADJACENT_QUOTES.search(text):  # fast path: the C parser, constants only
        try:
            value = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        else:
            if isinstance(value, (list, tuple, set, frozenset)):
                return list(value)
            return None
    return _token_items(text)


def _token_items(text: str) -> list | None:
    """The slow, lenient reader: a bracket, then string, number or missing-value tokens
    (commas optional, as numpy prints arrays), then the matching bracket."""
    skip = (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in skip]
    except (tokenize.TokenError, SyntaxError):
        return None
    if len(toks) < 2 or toks[0].string != text[0] or toks[-1].string != _CLOSING[text[0]]:
        return None
    items: list = []
    sign = ""
    try:
        for t in toks[1:-1]:
            if t.type == tokenize.OP and t.string == "," and not sign:
                continue
            if t.type == tokenize.OP and t.string in "-+" and not sign:
                sign = t.string
                continue
            if t.type == tokenize.NUMBER:
                items.append(ast.literal_eval(sign + t.string))
                sign = ""
            elif t.type == tokenize.STRING and not sign:
                value = ast.literal_eval(t.string)
                if not isinstance(value, str):
                    return None
                items.append(value)
            elif t.type == tokenize.NAME and t.string in _MISSING_NAMES and not sign:
                items.append(None)
            else:
                return None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return None if sign else items


def _cell_items(v, list_sep: str | None) -> list[str]:
    """The values of one multi-valued cell (see the module notes), or _BadCell."""
    if isinstance(v, _LIST_TYPES):
        if isinstance(v, np.ndarray) and v.ndim != 1:
            raise _BadCell(f"a {v.ndim}-d array")
        raw = list(v)
    elif isinstance(v, str):
        text = v.strip()
        if not text:
            return []
        raw = None
        if text[0] in _CLOSING and text[-1] == _CLOSING[text[0]]:
            raw = _literal_items(text)
            if raw is None and text[0] == "[":
                raise _BadCell("text in [...] that is not a list of quoted values")
        if raw is None:
            if list_sep is None:
                return [text]
            return [x for x in (y.strip() for y in text.split(list_sep)) if x]
    elif isinstance(v, (bool, np.bool_)):
        raise _BadCell(f"the flag {v!r}")
    elif isinstance(v, numbers.Real) or v is None or v is pd.NA or v is pd.NaT:
        raw = [v]
    else:
        raise _BadCell(f"a {type(v).__name__}")
    out = []
    for x in raw:
        if type(x) is str:
            t = x.strip()
        elif isinstance(x, _NESTED):
            raise _BadCell("a list inside the list")
        else:
            t = _text(x)
        if t:
            out.append(t)
    return out


def _timezones(df: pd.DataFrame, col: str, labels: list) -> np.ndarray:
    values = _numeric(df, col, labels)
    lo, hi = TIMEZONE_RANGE
    bad = (values < lo) | (values > hi)
    if bad.any():
        rows = [labels[i] for i in np.flatnonzero(bad)]
        raise column_error(
            col, f"must hold UTC offsets in hours between {lo:+g} and {hi:+g}", rows,
            "Write hours, e.g. 5.5 for UTC+05:30 and -8 for UTC-08:00 (not minutes or seconds).",
        )
    return values


def _parse_lists(series: pd.Series, col: str, labels: list, list_sep: str | None = ";",
                 sensitive: bool = False, kind=None) -> list:
    """Every cell's values: in their order without repeats (tuples), or as ``kind`` (sets)."""
    make = kind or (lambda items: tuple(dict.fromkeys(items)))

    def read(v):
        return make(_cell_items(v, list_sep))

    out = []
    bad: list = []
    why = ""
    cache: dict = {}
    for pos, v in enumerate(series.tolist()):
        try:
            if isinstance(v, str):
                got = cache.get(v)
                if got is None:
                    got = cache[v] = read(v)
            else:
                got = read(v)
        except _BadCell as err:
            if not bad:
                shown = "" if sensitive else f" ({_excerpt(v)})"
                why = f"Row {labels[pos]} holds {err}{shown}. "
            bad.append(labels[pos])
            got = make([])
        out.append(got)
    if bad:
        sep = "" if list_sep is None else f" or text separated by {list_sep!r}"
        raise column_error(
            col, f"must hold lists{sep}", bad,
            f"{why}Write the values as a list ['a', 'b'], JSON [\"a\", \"b\"]"
            + ("" if list_sep is None else f" or 'a{list_sep}b'") + ".",
        )
    return out


def _excerpt(v, width: int = 40) -> str:
    text = repr(v)
    return text if len(text) <= width else text[: width - 1] + "…"


def _encode_multi(sets: list[frozenset[str]], vocab: list[str]) -> Multi:
    index = {t: k for k, t in enumerate(vocab)}
    m = np.zeros((len(sets), len(vocab)), dtype=bool)
    for i, s in enumerate(sets):
        for t in s:
            m[i, index[t]] = True
    return Multi(_frozen(m), tuple(vocab))


def _encode_manager(df, col, id_col, keys, index_of, labels) -> np.ndarray:
    mk = _keys(df[col])
    rows = np.full(len(df), -1, dtype=np.int64)
    unknown = []
    for i, k in enumerate(mk):
        if k is None or pd.isna(k) or k == "":
            continue
        j = index_of.get(k)
        if j is None:
            unknown.append(labels[i])
        else:
            rows[i] = j
    if unknown:
        raise column_error(
            col, f"must contain ids present in {id_col!r} (or be empty)", unknown,
            "Drop those manager ids or map them to a person in the roster.",
        )
    # A cycle in the reporting lines: follow manager pointers; every chain must end.
    state = np.zeros(len(df), dtype=np.int8)  # 0 new, 1 on current path, 2 done
    for start in range(len(df)):
        path = []
        v = start
        while v >= 0 and state[v] == 0:
            state[v] = 1
            path.append(v)
            v = rows[v]
        if v >= 0 and state[v] == 1:
            cycle = path[path.index(v):]
            raise column_error(
                col, "must not form a cycle in the reporting lines",
                [labels[c] for c in cycle],
                f"Ids {', '.join(str(keys.iloc[c]) for c in cycle[:5])} manage each other in a "
                "loop; break it by fixing one manager id.",
            )
        for p in path:
            state[p] = 2
    return rows


def _encode_role(df, col, labels) -> np.ndarray:
    _no_missing(df, col, labels)
    values = df[col].astype(object).map(lambda v: str(v).strip().lower()).to_numpy()
    bad = ~np.isin(values, ROLES)
    if bad.any():
        rows = [labels[i] for i in np.flatnonzero(bad)]
        seen = sorted({str(v) for v in values[bad]})[:3]
        raise column_error(
            col, f"must be one of {', '.join(map(repr, ROLES))}", rows,
            f"Unknown role(s) {', '.join(map(repr, seen))}: map them to one of those.",
        )
    code = {r: k for k, r in enumerate(ROLES)}
    return np.array([code[v] for v in values], dtype=np.int8)


def _capacity(df, col, labels) -> np.ndarray:
    _no_missing(df, col, labels)
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        rows = [labels[i] for i in np.flatnonzero(bad)]
        raise column_error(
            col, "must hold whole numbers >= 0 (a capacity)", rows,
            "Use 0 for people who cannot mentor.",
        )
    return values.astype(np.int64)


def _rebuild_roster(cls, state: dict, proxies: tuple[str, ...]):
    """The inverse of ``Roster.__reduce__``: arrays come out of a pickle writeable; a roster's
    stay read-only."""
    for name in proxies:
        state[name] = MappingProxyType(state[name])
    for value in state.values():
        _read_only(value)
    return cls(**state)


def _read_only(value) -> None:
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, Mapping):
        for v in value.values():
            _read_only(v)
    elif is_dataclass(value) and not isinstance(value, type) and not hasattr(value, "ids"):
        for f in fields(value):  # Categorical, Multi (a base Roster rebuilds itself)
            _read_only(getattr(value, f.name))
