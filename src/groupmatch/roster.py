"""The roster: a validated, integer-encoded, read-only view of the people table.

``Roster.from_frame`` is the only place where pandas input is read. Everything downstream works on
row indices and numpy arrays; ids come back only in results.

Default column convention (what :func:`groupmatch.datasets.make_organization` produces, and what
``Roster.from_frame(df)`` reads with no mapping):

==========================  ===============================================================
column                      meaning
==========================  ===============================================================
``id``                      unique person id (required)
``department``, ``site``,   categorical attributes (used when present)
``level``, ``gender``
``tenure_years``            numeric attribute (used when present)
``timezone``                UTC offset in hours (used when present)
``interests``, ``needs``,   multi-valued topics: a list or a ``;``-separated string
``expertise``
``slots``                   weekly availability slots, list or ``;``-separated string
``manager_id``              id of the person's manager, empty for nobody
``team``                    intact team id
``role``                    ``mentee``, ``mentor`` or ``both``
``mentor_capacity_groups``  how many groups a mentor may lead (integer >= 0)
``mentor_capacity_mentees`` how many mentees a mentor may take (integer >= 0)
==========================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType

import networkx as nx
import numpy as np
import pandas as pd

from ._validation import column_error
from .exceptions import InputError

__all__ = ["Roster", "ROLES"]

DEFAULT_CATEGORICAL = ("department", "site", "level", "gender")
DEFAULT_NUMERIC = ("tenure_years",)
DEFAULT_MULTI = ("interests", "needs", "expertise", "slots")
TOPIC_KINDS = ("interests", "needs", "expertise")  # share one topic vocabulary
ROLES = ("mentee", "mentor", "both")
AUTO = "auto"


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
    ) -> Roster:
        """Validate and encode a people table.

        Parameters
        ----------
        df : DataFrame
            One row per person.
        id : str
            Column holding unique person ids.
        categorical, numeric : list of str, optional
            Attribute columns. ``None`` uses the default columns that are present
            (``department, site, level, gender`` and ``tenure_years``); ``[]`` uses none.
        multi : dict or list, optional
            Multi-valued columns, as ``{logical_name: column}`` or a list of column names.
            Logical names ``interests``, ``needs`` and ``expertise`` share one topic vocabulary,
            ``slots`` holds availability. ``None`` uses the defaults that are present.
        manager, team, role, capacity_groups, capacity_mentees, timezone : str or None
            Column names; ``"auto"`` uses the default name if present, ``None`` ignores it.
        sensitive : list of str
            Columns that may drive rules but are left out of exports by default.

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
        """
        if not isinstance(df, pd.DataFrame):
            raise InputError(
                f"Roster.from_frame needs a pandas DataFrame; got {type(df).__name__}."
            )
        if len(df) == 0:
            raise InputError(
                "The roster is empty: the DataFrame has no rows. Pass at least one person."
            )
        _require_columns(df, [id], "the id column")
        labels = list(df.index)
        id_col = df[id]
        _no_missing(df, id, labels)
        keys = _keys(id_col)
        dup = keys.duplicated(keep=False).to_numpy()
        if dup.any():
            rows = [labels[i] for i in np.flatnonzero(dup)]
            raise column_error(id, "must hold unique ids", rows, "Remove or rename the duplicates.")
        index_of = {k: i for i, k in enumerate(keys)}

        cat_cols = _pick(df, categorical, DEFAULT_CATEGORICAL)
        num_cols = _pick(df, numeric, DEFAULT_NUMERIC)
        if multi is None:
            multi_map = {c: c for c in DEFAULT_MULTI if c in df.columns}
        elif isinstance(multi, Mapping):
            multi_map = dict(multi)
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
        parsed = {name: _parse_multi(df[col], col, labels) for name, col in multi_map.items()}
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
        tz = None if tz_col is None else _frozen(_numeric(df, tz_col, labels))
        if tz_col is not None:
            columns["timezone"] = tz_col
        _require_columns(df, list(sensitive), "sensitive")

        return cls(
            ids=_frozen(id_col.to_numpy(dtype=object)),
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
    def _row_of(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(_keys(pd.Series(self.ids, dtype=object)))}

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
def check_roster(roster) -> None:
    """InputError unless ``roster`` is a :class:`Roster` (the front door's first check)."""
    if not isinstance(roster, Roster):
        raise InputError(f"Expected a gm.Roster (build one with Roster.from_frame); "
                         f"got {type(roster).__name__}.")


def _keys(series: pd.Series) -> pd.Series:
    """Comparable string keys for ids, so 3, 3.0 and "3" all match."""
    s = series
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if (whole == np.round(whole)).all():
            s = s.astype("Int64")
    return s.astype(object).map(lambda v: None if pd.isna(v) else str(v).strip())


def _pick(df: pd.DataFrame, given: Sequence[str] | None, defaults: Sequence[str]) -> list[str]:
    if given is None:
        return [c for c in defaults if c in df.columns]
    if isinstance(given, str):
        return [given]
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


def _parse_multi(series: pd.Series, col: str, labels: list) -> list[frozenset[str]]:
    out = []
    for pos, v in enumerate(series.tolist()):
        if isinstance(v, (list, tuple, set, frozenset, np.ndarray)):
            items = [str(x).strip() for x in v]
        elif v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            items = []
        elif isinstance(v, str):
            items = [x.strip() for x in v.split(";")]
        else:
            raise column_error(
                col, "must hold lists or ';'-separated strings", [labels[pos]],
                "Write the values as 'a;b;c' or as a Python list.",
            )
        out.append(frozenset(x for x in items if x))
    return out


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
