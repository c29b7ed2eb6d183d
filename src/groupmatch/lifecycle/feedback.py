"""The feedback table: one row per person per round, validated like the roster.

Columns
-------
=======================  ===========================================================
column                   meaning
=======================  ===========================================================
``round``                the round (a label of the history: 1, 2, ... for a list)
``id``                   the person (an id of the roster)
``group``                their group in that round
``attended``             share of the round's sessions they attended, 0 to 1
``rating``               optional: how they rate their group, 1 (poor) to 5 (great)
``facilitator_rating``   optional: how they rate their facilitator or mentor, 1 to 5
``flags``                optional, ``;``-separated: ``conflict:<id>`` (do not group me with
                         this person again), ``again:<id>`` (happy to meet again), ``left``
                         (left the programme)
=======================  ===========================================================

Empty ratings and flags are fine; a person who led several groups in a round has one row per
group. Extra columns (comments...) are kept and never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import column_error
from ..exceptions import InputError
from ..roster import _keys
from .flags import BadFlag, parse_flags
from .timeline import Timeline, _round_order, as_timeline, key_of

__all__ = ["Feedback", "REQUIRED", "OPTIONAL"]

REQUIRED = ("round", "id", "group", "attended")
OPTIONAL = ("rating", "facilitator_rating", "flags")
RATING_RANGE = (1.0, 5.0)


def _numbers(df, col, labels, low, high, required, fix) -> np.ndarray:
    raw = df[col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    missing = raw.isna().to_numpy()
    if required and missing.any():
        raise column_error(col, "is required and must have no missing values",
                           [labels[i] for i in np.flatnonzero(missing)], fix)
    bad = (~missing & ~np.isfinite(values)) | (values < low) | (values > high)
    if bad.any():
        raise column_error(col, f"must hold numbers from {low:g} to {high:g}",
                           [labels[i] for i in np.flatnonzero(bad)], fix)
    return values


def _required_columns(df: pd.DataFrame, id_col: str) -> None:
    need = [id_col if c == "id" else c for c in REQUIRED]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(
            f"The feedback table needs columns {', '.join(map(repr, need))}; "
            f"{', '.join(map(repr, missing))} missing (columns: "
            f"{', '.join(map(repr, map(str, df.columns)))}). Optional: "
            f"{', '.join(map(repr, OPTIONAL))}.")


def _parse_all_flags(df, labels, own_keys) -> pd.DataFrame:
    rows = []
    if "flags" not in df.columns:
        return pd.DataFrame(columns=["row", "kind", "other"])
    bad, why = [], ""
    for i, cell in enumerate(df["flags"].tolist()):
        try:
            flags = parse_flags(cell)
        except BadFlag as error:
            bad.append(labels[i])
            why = why or str(error)
            continue
        for f in flags:
            rows.append((i, f.kind, f.other))
    if bad:
        raise column_error("flags", "must hold conflict:<id>, again:<id> or left, separated "
                           "by ';'", bad, f"First problem: {why}.")
    out = pd.DataFrame(rows, columns=["row", "kind", "other"])
    selfish = [labels[r] for r, o in zip(out["row"], out["other"], strict=True)
               if o is not None and key_of(o) == own_keys[r]]
    if selfish:
        raise column_error("flags", "must name somebody else", selfish,
                           "A person cannot flag a conflict or a repeat with themself.")
    return out


@dataclass(frozen=True, eq=False)
class Feedback:
    """Validated feedback from the rounds of a programme (see the module notes for columns).

    Build it with :meth:`Feedback.from_frame`. ``frame`` has the columns above (ratings NaN
    when not given, ``flags`` text); ``flag_table`` has one row per flag.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    >>> df = pd.DataFrame({"round": 1, "id": list("abcd"), "group": [0, 0, 1, 1],
    ...                    "attended": [1, 0.5, 1, 1], "flags": ["conflict:b", "", "", "left"]})
    >>> fb = gm.Feedback.from_frame(df, history=[r1])
    >>> fb
    Feedback(4 rows; 1 round; 1 conflict, 0 again, 1 left)
    """

    frame: pd.DataFrame
    flag_table: pd.DataFrame
    timeline: Timeline | None = field(default=None, repr=False)
    roster: object = field(default=None, repr=False)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, history=None, roster=None,
                   id: str = "id") -> Feedback:  # noqa: A002 - as in Roster.from_frame
        """Validate a feedback table.

        Parameters
        ----------
        df : DataFrame
            One row per person per round (see the module notes).
        history : list, mapping, Grouping or DataFrame, optional
            The rounds the feedback is about (see :mod:`groupmatch.lifecycle.timeline`):
            a list of groupings (round 1 first) or ``{round: grouping}``. When given, every
            row must name a round of it, a person who was in a group that round, and that
            group.
        roster : Roster, optional
            When given, every id (and every id a flag names) must be in it.
        id : str
            The id column's name.

        Raises
        ------
        InputError
            One rule at a time, naming the column, the rule and the first offending rows:
            missing columns, missing values, ``attended`` outside 0-1, ratings outside 1-5,
            malformed flags, a repeated (round, id, group), rounds, ids or groups the history
            or roster does not know.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> df = pd.DataFrame({"round": [1], "id": ["a"], "group": [0], "attended": [1.5]})
        >>> gm.Feedback.from_frame(df)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        groupmatch.exceptions.InputError: Column 'attended' must hold numbers from 0 to 1; ...
        """
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"Feedback.from_frame needs a pandas DataFrame; got "
                             f"{type(df).__name__}.")
        _required_columns(df, id)
        labels = list(df.index)
        for col in ("round", id, "group"):
            na = df[col].isna().to_numpy()
            if na.any():
                raise column_error(col, "is required and must have no missing values",
                                   [labels[i] for i in np.flatnonzero(na)],
                                   "Every row is one person in one group in one round.")
        attended = _numbers(df, "attended", labels, 0.0, 1.0, True,
                            "Write the share of sessions attended (0.75 for 3 of 4); divide "
                            "percentages by 100.")
        ratings = {col: (_numbers(df, col, labels, *RATING_RANGE, False,
                                  "Ratings run from 1 (poor) to 5 (great); leave it empty "
                                  "when not given.") if col in df.columns
                         else np.full(len(df), np.nan))
                   for col in ("rating", "facilitator_rating")}
        frame = pd.DataFrame({
            "round": df["round"].to_numpy(dtype=object), "id": df[id].to_numpy(dtype=object),
            "group": df["group"].to_numpy(dtype=object), "attended": attended, **ratings,
            "flags": (df["flags"].astype(object).where(df["flags"].notna(), "").to_numpy()
                      if "flags" in df.columns else ""),
        })
        frame["round_key"] = frame["round"].map(key_of)
        frame["id_key"] = _keys(frame["id"]).to_numpy(dtype=object)
        frame["group_key"] = frame["group"].map(key_of)
        dup = frame.duplicated(["round_key", "id_key", "group_key"], keep=False).to_numpy()
        if dup.any():
            raise column_error(id, "must appear once per round and group", [
                labels[i] for i in np.flatnonzero(dup)],
                "Keep one row per person, round and group (merge the duplicates).")
        flags = _parse_all_flags(df, labels, frame["id_key"].tolist())
        timeline = None if history is None else as_timeline(history, roster)
        if roster is not None:
            _known_to_roster(frame, flags, roster, labels, id)
        if timeline is not None:
            _known_to_history(frame, flags, timeline, labels, id, check_others=roster is None)
        extra = [c for c in df.columns if c not in (*REQUIRED, *OPTIONAL, id)]
        for c in extra:
            frame[c] = df[c].to_numpy()
        flags["round"] = frame["round"].to_numpy(dtype=object)[flags["row"].to_numpy(int)]
        flags["round_key"] = frame["round_key"].to_numpy(dtype=object)[
            flags["row"].to_numpy(int)]
        flags["id"] = frame["id"].to_numpy(dtype=object)[flags["row"].to_numpy(int)]
        flags["group"] = frame["group"].to_numpy(dtype=object)[flags["row"].to_numpy(int)]
        flags["other_key"] = flags["other"].map(key_of)
        flags["other"] = _canonical_ids(flags, frame, timeline, roster)
        return cls(frame, flags, timeline, roster)

    # ------------------------------------------------------------------ views
    @property
    def rounds(self) -> tuple:
        """Round labels in the programme's order (the history's when known)."""
        if self.timeline is not None:
            return self.timeline.rounds
        first = dict(zip(self.frame["round_key"], self.frame["round"], strict=True))
        return tuple(first[k] for k in sorted(first, key=_round_order))

    def flagged(self, kind: str) -> pd.DataFrame:
        """Rows of one flag kind: ``round, id, group, other`` (other is the id named)."""
        t = self.flag_table[self.flag_table["kind"] == kind]
        return t[["round", "id", "group", "other"]].reset_index(drop=True)

    @property
    def conflicts(self) -> pd.DataFrame:
        """``conflict:`` flags: ``round, id, group, other``."""
        return self.flagged("conflict")

    @property
    def again(self) -> pd.DataFrame:
        """``again:`` flags: ``round, id, group, other``."""
        return self.flagged("again")

    @property
    def left(self) -> pd.DataFrame:
        """People who flagged ``left``: ``round, id, group`` (first round they said so)."""
        t = self.flag_table[self.flag_table["kind"] == "left"]
        t = t.assign(id_key=_keys(t["id"]) if len(t) else t["id"])
        return t.drop_duplicates("id_key")[["round", "id", "group"]].reset_index(drop=True)

    def with_history(self, history, roster=None) -> Feedback:
        """The same feedback checked against a history (and roster).

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> df = pd.DataFrame({"round": 1, "id": ["a", "b"], "group": 0, "attended": 1.0})
        >>> fb = gm.Feedback.from_frame(df)
        >>> fb.with_history([pd.DataFrame({"id": ["a", "b"], "group": [0, 0]})]).rounds
        (1,)
        """
        table = self.frame.drop(columns=["round_key", "id_key", "group_key"])
        return Feedback.from_frame(table, history=history,
                                   roster=roster if roster is not None else self.roster)

    def rules(self, history=None, *, roster=None, health=None, avoid_repeats=None,
              lower_capacity: bool = True):
        """What the next round should learn from this feedback: see
        :func:`groupmatch.lifecycle.nextround.next_round`.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> df = pd.DataFrame({"round": 1, "id": ["a", "b"], "group": 0, "attended": 1.0,
        ...                    "flags": ["conflict:b", ""]})
        >>> gm.Feedback.from_frame(df).rules().changes[["kind", "ids"]]
                   kind     ids
        0  cannot_group  (a, b)
        """
        from .nextround import next_round

        return next_round(self, history, roster=roster, health=health,
                          avoid_repeats=avoid_repeats, lower_capacity=lower_capacity)

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        counts = self.flag_table["kind"].value_counts()
        n_rounds = len(self.rounds)
        return (f"Feedback({len(self.frame):,} rows; {n_rounds} round"
                f"{'' if n_rounds == 1 else 's'}; {int(counts.get('conflict', 0))} conflict, "
                f"{int(counts.get('again', 0))} again, {int(counts.get('left', 0))} left)")


def _canonical_ids(flags, frame, timeline, roster) -> list:
    """The ids flags name, written as the roster (or history, or feedback) writes them."""
    ids: dict = dict(zip(frame["id_key"], frame["id"], strict=True))
    if timeline is not None:
        ids.update(zip(timeline.memberships["id_key"], timeline.memberships["id"], strict=True))
    if roster is not None:
        ids.update(zip(_keys(pd.Series(roster.ids, dtype=object)), roster.ids, strict=True))
    return [o if k is None else ids.get(k, o) for o, k in
            zip(flags["other"], flags["other_key"], strict=True)]


def _known_to_roster(frame, flags, roster, labels, id_col) -> None:
    known = set(_keys(pd.Series(roster.ids, dtype=object)).tolist())
    unknown = ~frame["id_key"].isin(known).to_numpy()
    if unknown.any():
        raise column_error(id_col, "must hold ids of the roster", [
            labels[i] for i in np.flatnonzero(unknown)],
            f"Unknown: {', '.join(map(repr, frame['id'][unknown].head(3)))}.")
    others = flags[flags["other"].notna()]
    bad = others[~others["other"].map(key_of).isin(known)]
    if len(bad):
        raise column_error("flags", "must name ids of the roster",
                           [labels[i] for i in bad["row"].unique()],
                           f"Unknown: {', '.join(map(repr, bad['other'].head(3)))}.")


def _known_to_history(frame, flags, timeline, labels, id_col, check_others) -> None:
    rounds = set(timeline.round_keys)
    unknown_round = ~frame["round_key"].isin(rounds).to_numpy()
    if unknown_round.any():
        raise column_error("round", "must name a round of the history ("
                           f"{', '.join(map(str, timeline.rounds[:6]))})",
                           [labels[i] for i in np.flatnonzero(unknown_round)],
                           "A list history numbers its rounds from 1; pass {round: grouping} "
                           "to use your own labels.")
    m = timeline.memberships
    person = set(zip(m["round_key"], m["id_key"], strict=True))
    place = set(zip(m["round_key"], m["id_key"], m["group_key"], strict=True))
    keys = list(zip(frame["round_key"], frame["id_key"], frame["group_key"], strict=True))
    absent = np.array([(r, i) not in person for r, i, _ in keys])
    if absent.any():
        raise column_error(id_col, "must name people who were in a group in that round",
                           [labels[i] for i in np.flatnonzero(absent)],
                           "Check the round and the id against the history.")
    wrong = np.array([k not in place for k in keys])
    if wrong.any():
        raise column_error("group", "must be the person's group in that round of the history",
                           [labels[i] for i in np.flatnonzero(wrong)],
                           "Check the group numbers against that round's grouping.")
    if check_others:
        everyone = set(m["id_key"])
        others = flags[flags["other"].notna()]
        bad = others[~others["other"].map(key_of).isin(everyone)]
        if len(bad):
            raise column_error("flags", "must name people of the history",
                               [labels[i] for i in bad["row"].unique()],
                               f"Unknown: {', '.join(map(repr, bad['other'].head(3)))}.")
