"""The answer: a frozen, canonical Grouping in plain pandas."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from .exceptions import GroupMatchError, InfeasibleError, NoSolutionError

__all__ = ["Status", "Grouping", "RematchedGrouping", "canonical", "no_grouping",
           "moves_frame"]


class Status(enum.Enum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    """Proven best under the model."""
    FEASIBLE = "feasible"
    """A valid grouping; stopped before a proof, see ``gap``."""
    INFEASIBLE = "infeasible"
    """Proven that no grouping satisfies the hard rules."""
    NO_SOLUTION = "no_solution"
    """The limit was reached before any valid grouping was found."""
    MODEL_INVALID = "model_invalid"
    """A bug in groupmatch; please report it."""

    @property
    def has_solution(self) -> bool:
        """True for OPTIMAL and FEASIBLE."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


def canonical(assignment: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Renumber groups by their smallest member, within each class of identical size bounds.

    Two runs that find the same partition then give equal arrays.

    Examples
    --------
    >>> canonical(np.array([1, 0, 1, 0]), np.array([2, 2]), np.array([2, 2])).tolist()
    [0, 1, 0, 1]
    """
    a = np.asarray(assignment, dtype=np.int64)
    n_groups = len(lo)
    first = np.full(n_groups, np.iinfo(np.int64).max)
    placed = np.flatnonzero(a >= 0)
    np.minimum.at(first, a[placed], placed)
    new_id = np.arange(n_groups)
    keys = list(zip(np.asarray(lo).tolist(), np.asarray(hi).tolist(), strict=True))
    for key in set(keys):
        members = np.array([g for g in range(n_groups) if keys[g] == key])
        new_id[members[np.argsort(first[members], kind="stable")]] = members
    out = a.copy()
    out[placed] = new_id[a[placed]]
    return out


@dataclass(frozen=True, eq=False)
class Grouping:
    """The result of :func:`groupmatch.solve`.

    Attributes
    ----------
    status : Status
    assignments : DataFrame
        One row per person: ``id``, ``group`` (nullable Int64) and ``reason`` where unplaced.
    groups : DataFrame
        One row per group: ``group``, ``size``, ``members`` (ids), and one column per term.
    objective, bound : int or None
        The maximised objective (same integers as :func:`groupmatch.score`) and the best proven
        upper bound, when the engine has one.
    gap : float or None
        ``(bound - objective) / max(1, |objective|)``.
    breakdown : Mapping[str, int]
        Weighted contribution of each soft term.
    wall_time : float
        Seconds spent in :func:`solve`.
    settings : Mapping[str, object]
        The limits, seed and engine path used, for reproducing the run.
    participation : Mapping or None
        Facilitated groups and team mentoring: ``placed`` (mentees / team members in a
        group), ``eligible``, ``bound`` (no answer can place more: a flow relaxation of the
        capacities) and ``gap`` (``(bound - placed) / bound``). None for peer groups.
    """

    status: Status
    assignments: pd.DataFrame
    groups: pd.DataFrame
    objective: int | None
    bound: int | None
    gap: float | None
    breakdown: Mapping[str, int]
    wall_time: float
    settings: Mapping[str, object]
    _roster: object = field(repr=False, default=None)
    spec: object = field(repr=False, default=None)  # the mode that made it (gm.PeerGroups...)
    _plan: object = field(repr=False, default=None)  # the mode's typed plan of the answer
    _array: np.ndarray | None = field(repr=False, default=None)
    message: str = ""
    conflicts: tuple[str, ...] = ()
    loads: pd.DataFrame | None = field(repr=False, default=None)  # per facilitator / mentor
    weights: Mapping[str, int] = field(repr=False, default_factory=dict)  # per soft term
    # role modes: people placed, eligible, an upper bound from a flow relaxation, and the gap
    participation: Mapping[str, float] | None = field(repr=False, default=None)

    @property
    def mode(self) -> str:
        """The mode's display name: ``"peer"``, ``"facilitated"`` or ``"team"``."""
        return self.spec.kind

    @property
    def unplaced(self) -> pd.DataFrame:
        """People in no group, with the reason (``id``, ``role`` when known, ``reason``).

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> len(gm.solve(r, gm.PeerGroups(size=2)).unplaced)
        0
        """
        a = self.assignments
        placed = set(a.loc[a["group"].notna(), "id"].tolist())
        out = a[a["group"].isna() & ~a["id"].isin(placed)]
        cols = [c for c in ("id", "role", "reason") if c in out.columns]
        return out[cols].reset_index(drop=True)

    def assignment_array(self) -> np.ndarray:
        """Group index per roster row, -1 for unplaced (a copy).

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> a = gm.solve(r, gm.PeerGroups(size=2)).assignment_array()
        >>> sorted(a.tolist())
        [0, 0, 1, 1]
        """
        if self._array is None:
            return np.full(len(self.assignments), -1, dtype=np.int64)
        return self._array.copy()

    def raise_for_status(self) -> Grouping:
        """Return self when a grouping exists; otherwise raise the matching error.

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> gm.solve(r, gm.PeerGroups(size=2)).raise_for_status().status
        <Status.OPTIMAL: 'optimal'>
        """
        if self.status.has_solution:
            return self
        if self.status is Status.INFEASIBLE:
            raise InfeasibleError(self.message or "No grouping satisfies the hard rules.",
                                  conflicts=self.conflicts)
        if self.status is Status.NO_SOLUTION:
            raise NoSolutionError(
                self.message or "The time limit ended before any valid grouping was found; "
                "raise time_limit or relax the rules."
            )
        raise GroupMatchError(f"The solver reported an invalid model: {self.message}. "
                              "This is a bug in groupmatch; please report it.")

    # -- fairness read-outs (issue 4; implemented in groupmatch/audit.py) -----------------------
    @property
    def score_distribution(self) -> dict[str, float]:
        """min, p10, median, mean and max of the group scores (``groups["group_score"]``).

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
        >>> spec = gm.PeerGroups(size=2, terms=[gm.Diversity("department")])
        >>> gm.solve(gm.Roster.from_frame(df), spec).score_distribution["min"]
        1.0
        """
        from .audit import score_distribution

        return score_distribution(self.groups)

    @property
    def violated_needs(self) -> pd.DataFrame:
        """Broken instances of ``tier="need"`` rules: ``rule``, ``groups``, ``message``.

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> len(gm.solve(r, gm.PeerGroups(size=2)).violated_needs)
        0
        """
        return self.spec.violated_needs(self)

    def term_report(self) -> pd.DataFrame:
        """Each objective against a random grouping's expectation and its own bound (see
        :func:`groupmatch.explain.term_report`)."""
        from .explain import term_report

        return term_report(self)

    def audit(self, by: str, *, include_sensitive: bool = False) -> pd.DataFrame:
        """Per value of column ``by``: share placed, mean shared needs, mean group diversity,
        facilitator load (when ``loads`` is non-empty), and a ``flag`` naming gaps.

        Examples
        --------
        >>> import groupmatch as gm
        >>> r = gm.Roster.from_frame(gm.datasets.load_sample())
        >>> g = gm.solve(r, gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")]),
        ...              time_limit=2)
        >>> list(g.audit(by="gender").columns[:3])
        ['gender', 'people', 'share_placed']
        """
        from .audit import audit

        return audit(self, by, include_sensitive=include_sensitive)

    def explain(self, group: int, *, include_sensitive: bool = False) -> pd.DataFrame:
        """What each term sees in one group: one row per term, plain words in ``.attrs["summary"]``.

        The mode explains its own groups (peer groups: the terms and binding rules; facilitated
        and team groups: the topic or goals, who covers what, and what is missing).

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
        >>> r = gm.Roster.from_frame(df)
        >>> g = gm.solve(r, gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
        >>> int(g.explain(0).loc["diversity[department]", "value"])
        1
        """
        self._solved()
        return self.spec.explain(self, group, include_sensitive=include_sensitive)

    def explain_person(self, person, *, alternatives: int = 3,
                       include_sensitive: bool = False) -> pd.DataFrame:
        """Why a person is in their group, and the objective change of the best moves elsewhere.

        Each mode answers with its own alternatives (peer groups: moves and swaps; facilitated
        groups: joining or moving to groups on topics the person needs).

        Examples
        --------
        >>> import groupmatch as gm, pandas as pd
        >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
        >>> g = gm.solve(gm.Roster.from_frame(df),
        ...              gm.PeerGroups(size=3, terms=[gm.Diversity("department")]))
        >>> int(g.explain_person("a")["delta"].max())
        0
        """
        self._solved()
        return self.spec.explain_person(self, person, alternatives=alternatives,
                                        include_sensitive=include_sensitive)

    def _solved(self) -> None:
        if not self.status.has_solution or self._plan is None:
            raise GroupMatchError("This grouping has no solution to explain "
                                  f"(status {self.status.value}).")

    # -- sharing: thin wrappers over groupmatch.exports, .graph, .htmlreport -----------------
    def to_csv(self, path, *, include_sensitive: bool = False):
        """Write one row per (person, group) with the roster's columns; see gm.export."""
        from .exports import export

        return export(self, path, format="csv", include_sensitive=include_sensitive)

    def to_excel(self, path, *, include_sensitive: bool = False):
        """Write an Excel workbook (sheets assignments, groups, summary); see gm.export."""
        from .exports import export

        return export(self, path, format="excel", include_sensitive=include_sensitive)

    def to_json(self, path=None, *, include_sensitive: bool = False):
        """Write (or return, when ``path`` is None) a JSON document; see gm.export."""
        from .exports import export

        return export(self, path, format="json", include_sensitive=include_sensitive)

    def to_networkx(self, *, include_sensitive: bool = False):
        """People and groups as a networkx Graph; see :func:`groupmatch.graph.to_networkx`."""
        from .graph import to_networkx

        return to_networkx(self, include_sensitive=include_sensitive)

    def to_html(self, path=None, *, progress=None, include_sensitive: bool = False):
        """A self-contained HTML report; see :func:`groupmatch.htmlreport.to_html`."""
        from .htmlreport import to_html

        return to_html(self, path, progress=progress, include_sensitive=include_sensitive)


def no_grouping(kind: type[Grouping], roster, spec, status: Status, wall: float, settings, *,
                message: str = "", conflicts=(), columns: dict | None = None, plan=None,
                **extra) -> Grouping:
    """A ``kind`` (Grouping, RematchedGrouping) of a run that ended without groups: everybody
    listed, unplaced, with the status as their reason; ``columns`` add membership columns."""
    assignments = pd.DataFrame({
        "id": roster.ids, "group": pd.array([None] * roster.n, dtype="Int64"),
        **(columns or {}), "reason": [f"not grouped: {status.value}"] * roster.n,
    })
    return kind(status, assignments, pd.DataFrame(columns=["group", "size", "members"]),
                None, None, None, {}, wall, dict(settings), roster, spec, plan, None, message,
                tuple(conflicts), **extra)


def moves_frame(rows) -> pd.DataFrame:
    """``RematchedGrouping.moves`` from ``(id, from, to, kind, reason)`` rows; group numbers
    as nullable ints (previous labels that are not numbers stay as they are)."""
    moves = pd.DataFrame(list(rows), columns=["id", "from", "to", "kind", "reason"])
    moves["to"] = pd.array(moves["to"].tolist(), dtype="Int64")
    try:
        moves["from"] = pd.array(moves["from"].tolist(), dtype="Int64")
    except (TypeError, ValueError):
        pass
    return moves


@dataclass(frozen=True, eq=False)
class RematchedGrouping(Grouping):
    """A :class:`Grouping` plus ``moves``: what changed since the previous grouping.

    ``moves`` has one row per changed person: ``id``, ``from`` and ``to`` (group numbers, <NA>
    for none), ``kind`` (``"moved"``, ``"joined"`` or ``"left"``) and ``reason``. Only
    ``"moved"`` rows count as moves (``settings["moves"]``). Group numbers are the previous
    grouping's (sorted labels numbered 0, 1, ... when they were not already), so a person who
    stays keeps their group number.
    """

    moves: pd.DataFrame = field(default=None, repr=False)

    @classmethod
    def of(cls, grouping: Grouping, moves: pd.DataFrame) -> RematchedGrouping:
        """``grouping`` with the ``moves`` that led to it."""
        return cls(**{f.name: getattr(grouping, f.name) for f in fields(Grouping)},
                   moves=moves)
