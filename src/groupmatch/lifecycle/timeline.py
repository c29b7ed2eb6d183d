"""A programme's history: which groups ran in which round, with who led them.

A *history* is what the programme did, round by round. The natural forms are accepted:

- a list or tuple of rounds, the first being round 1 (``[round1, round2, ...]``);
- a mapping ``{round: grouping}`` with your own round labels (``{2024: g1, 2025: g2}``);
- one grouping alone (round 1);
- one long DataFrame with ``round``, ``id`` and ``group`` columns (and optionally ``role``).

Each round is a :class:`groupmatch.Grouping` (any mode) or a DataFrame with ``id`` and
``group`` columns (optionally ``role``: rows whose role is not ``member`` or ``mentee`` are the
group's leaders, facilitators or mentors). Round labels are compared as text with numbers by
value, so ``1``, ``1.0`` and ``"1"`` are one round, as ids are in the roster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..roster import _keys, _text

__all__ = ["Timeline", "as_timeline", "MEMBER_ROLES", "key_of"]

MEMBER_ROLES = ("member", "mentee")  # every other role of a membership leads the group


def key_of(value) -> str | None:
    """The comparable text of an id, group or round label (numbers by value).

    Examples
    --------
    >>> key_of(1.0), key_of(" a "), key_of(None)
    ('1', 'a', None)
    """
    return _text(value)


def _round_rows(item, where: str) -> tuple[pd.DataFrame, object, object]:
    """(id, group, role) memberships of one round, its roster and its loads table."""
    if hasattr(item, "assignments") and hasattr(item, "groups"):  # a Grouping, any mode
        frame = item.assignments
        roster, loads = getattr(item, "_roster", None), getattr(item, "loads", None)
    elif isinstance(item, pd.DataFrame):
        missing = [c for c in ("id", "group") if c not in item.columns]
        if missing:
            raise InputError(f"{where} needs columns 'id' and 'group' (optionally 'role'); "
                             f"{missing[0]!r} is missing (columns: "
                             f"{', '.join(map(str, item.columns))}).")
        frame, roster, loads = item, None, None
    else:
        raise InputError(f"{where} must be a Grouping or a DataFrame with 'id' and 'group' "
                         f"columns; got {type(item).__name__}.")
    role = (frame["role"].astype(object).to_numpy() if "role" in frame.columns
            else np.full(len(frame), None, dtype=object))
    out = pd.DataFrame({"id": frame["id"].to_numpy(dtype=object),
                        "group": frame["group"].astype(object).to_numpy(), "role": role})
    placed = out["group"].map(key_of).notna() & (out["group"].map(key_of) != "-1")
    return out[placed].reset_index(drop=True), roster, loads


def _items(history) -> list[tuple[object, object]]:
    """``[(round label, one round), ...]`` in the programme's order."""
    if hasattr(history, "assignments") and hasattr(history, "groups"):
        return [(1, history)]
    if isinstance(history, pd.DataFrame):
        if "round" not in history.columns:
            return [(1, history)]
        labels = history["round"]
        if labels.isna().any():
            rows = list(history.index[labels.isna().to_numpy()][:5])
            raise InputError(f"Column 'round' of the history has missing values (rows {rows}); "
                             "give every membership its round.")
        order = pd.unique(labels.to_numpy(dtype=object))
        order = sorted(order, key=_round_order)
        keys = labels.map(key_of)
        return [(r, history[(keys == key_of(r)).to_numpy()]) for r in order]
    if isinstance(history, Mapping):
        return list(history.items())
    if isinstance(history, (list, tuple)):
        return [(k + 1, item) for k, item in enumerate(history)]
    raise InputError("history takes a list of groupings (round 1 first), a {round: grouping} "
                     "mapping, one Grouping, or a DataFrame with 'round', 'id' and 'group' "
                     f"columns; got {type(history).__name__}.")


def _round_order(label):
    """Numbers first, by value; then text."""
    text = key_of(label) or ""
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


@dataclass(frozen=True, eq=False)
class Timeline:
    """A normalised history (see the module notes).

    Attributes
    ----------
    rounds : tuple
        Round labels in the programme's order.
    memberships : DataFrame
        ``round, id, group, role, leader`` (one row per placed membership) plus the text keys
        ``round_key, id_key, group_key`` used to match feedback.
    loads : DataFrame
        ``round, id, groups, mentees, capacity_groups, capacity_mentees`` per leader and round
        (capacities NaN when unknown).
    rosters : tuple
        Each round's roster when the round was a Grouping, else None.
    """

    rounds: tuple
    memberships: pd.DataFrame
    loads: pd.DataFrame
    rosters: tuple = field(repr=False, default=())

    @property
    def round_keys(self) -> tuple[str, ...]:
        return tuple(key_of(r) for r in self.rounds)

    def position(self, round_label) -> int:
        """Index of a round in the programme's order (KeyError when unknown)."""
        return self.round_keys.index(key_of(round_label))

    def label_of(self, key: str):
        return self.rounds[self.round_keys.index(key)]

    def roster_value(self, column: str, roster=None) -> dict[str, object]:
        """``{id key: value}`` of a roster column: ``roster`` when given, else the rosters the
        rounds carry (the latest round that has the person wins)."""
        sources = [roster] if roster is not None else [r for r in self.rosters if r is not None]
        out: dict[str, object] = {}
        for r in sources:
            if column not in r.frame.columns:
                continue
            keys = _keys(pd.Series(r.ids, dtype=object)).tolist()
            out.update(zip(keys, r.frame[column].tolist(), strict=True))
        return out


def _loads_of(round_label, rows: pd.DataFrame, loads, roster) -> pd.DataFrame:
    """Leaders' loads in one round: the grouping's own table, or counted from the rows."""
    cols = ["round", "id", "groups", "mentees", "capacity_groups", "capacity_mentees"]
    if loads is not None and len(loads):
        out = loads[loads["groups"] > 0][["id", "groups", "mentees", "capacity_groups",
                                          "capacity_mentees"]].copy()
        out.insert(0, "round", round_label)
        return out[cols].astype({"capacity_groups": float, "capacity_mentees": float})
    lead = rows[rows["leader"]]
    if lead.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("round", "id") else float)
                             for c in cols})
    members = rows[~rows["leader"]].groupby("group_key").size()
    per = lead.assign(mentees=lead["group_key"].map(members).fillna(0))
    agg = per.groupby("id_key", sort=False).agg(id=("id", "first"), groups=("group_key", "size"),
                                                 mentees=("mentees", "sum"))
    cap = {}
    for name in ("capacity_groups", "capacity_mentees"):
        values = getattr(roster, name, None) if roster is not None else None
        if values is None:
            cap[name] = np.full(len(agg), np.nan)
        else:
            at = dict(zip(_keys(pd.Series(roster.ids, dtype=object)).tolist(),
                          np.asarray(values, dtype=float).tolist(), strict=True))
            cap[name] = [at.get(k, np.nan) for k in agg.index]
    out = pd.DataFrame({"round": round_label, "id": agg["id"].to_numpy(),
                        "groups": agg["groups"].to_numpy(), "mentees": agg["mentees"].to_numpy(),
                        **cap})
    return out[cols]


def as_timeline(history, roster=None) -> Timeline:
    """Normalise any accepted history form (see the module notes) to a :class:`Timeline`.

    ``roster`` supplies capacities for DataFrame rounds (a Grouping brings its own).

    Examples
    --------
    >>> import pandas as pd
    >>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    >>> t = as_timeline([r1, r1])
    >>> t.rounds, len(t.memberships)
    ((1, 2), 8)
    """
    if isinstance(history, Timeline):
        return history
    items = _items(history)
    if not items:
        raise InputError("The history is empty; give at least one round of groups.")
    keys = [key_of(r) for r, _ in items]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup or None in keys:
        raise InputError(f"Round labels must be distinct and not missing; got "
                         f"{[r for r, _ in items]!r}.")
    frames, loads, rosters = [], [], []
    for label, item in items:
        rows, round_roster, round_loads = _round_rows(item, f"Round {label!r} of the history")
        rows.insert(0, "round", [label] * len(rows))
        rows["leader"] = rows["role"].notna() & ~rows["role"].isin(MEMBER_ROLES)
        rows["round_key"] = key_of(label)
        rows["id_key"] = _keys(rows["id"]).to_numpy(dtype=object)
        rows["group_key"] = rows["group"].map(key_of).to_numpy(dtype=object)
        dup_rows = rows.duplicated(["id_key", "group_key"])
        if dup_rows.any():
            who = rows.loc[dup_rows, "id"].iloc[0]
            raise InputError(f"Round {label!r} of the history lists {who!r} twice in one "
                             "group; give each membership once.")
        frames.append(rows)
        loads.append(_loads_of(label, rows, round_loads, round_roster or roster))
        rosters.append(round_roster)
    memberships = pd.concat(frames, ignore_index=True)
    load_frame = pd.concat([f for f in loads if len(f)] or loads[:1], ignore_index=True)
    load_frame["id_key"] = _keys(load_frame["id"]).to_numpy(dtype=object)
    load_frame["round_key"] = load_frame["round"].map(key_of).to_numpy(dtype=object)
    return Timeline(tuple(r for r, _ in items), memberships, load_frame, tuple(rosters))
