"""What the next round learns from feedback, as a list of changes to review before solving.

- ``conflict:<id>`` (from either side) becomes a hard ``gm.CannotGroup`` pair.
- ``again:<id>`` (from either side, and no conflict between the two) becomes an allowed repeat:
  ``gm.AvoidRepeats`` no longer keeps that pair apart.
- ``left`` takes the person out of the next roster, with that reason.
- A facilitator or mentor with a signal in the last round with feedback (low ratings, over
  capacity, burnout; see :mod:`groupmatch.lifecycle.risk`) gets a lower capacity: one group
  fewer than they led and the mentees of one average group fewer, when they led several; the
  groups and mentees they had, when they led one (so a capacity above that load comes down).
  Never above their current capacity. A signalled facilitator whose capacity cannot come down
  further (one group, at capacity) is listed as ``review``: talk to them.

Every change is a row of ``NextRound.changes`` (``kind, ids, from, to, reason``), so the
programme owner sees what will differ before the next solve.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..roster import Roster, _keys
from ..terms import AvoidRepeats, CannotGroup
from .assess import assess
from .measures import HealthSettings
from .timeline import Timeline, key_of

__all__ = ["NextRound", "next_round"]

CHANGE_COLUMNS = ["kind", "ids", "from", "to", "reason"]


@dataclass(frozen=True, eq=False)
class NextRound:
    """The next round's rules, learnt from feedback (see the module notes).

    Attributes
    ----------
    pairs : tuple of (id, id)
        Conflict pairs, kept apart from now on.
    allowed_repeats : tuple of (id, id)
        Pairs who asked to meet again.
    leavers : DataFrame
        ``id, round, reason``: people to leave out of the next roster.
    capacities : DataFrame
        ``id, groups, mentees`` (led in the last round), ``capacity_groups``,
        ``capacity_mentees`` (the new, lower values) and ``reason``.
    changes : DataFrame
        ``kind`` (``cannot_group``, ``allow_repeat``, ``left``, ``capacity``, ``review``),
        ``ids``,
        ``from``, ``to``, ``reason``: everything above in one table to review.
    avoid_repeats : None, True or float
        Whether :attr:`terms` adds ``gm.AvoidRepeats`` over the history (True: hard; a number:
        its weight).
    """

    pairs: tuple
    allowed_repeats: tuple
    leavers: pd.DataFrame
    capacities: pd.DataFrame
    changes: pd.DataFrame
    timeline: Timeline | None = field(default=None, repr=False)
    avoid_repeats: object = None

    def _leaver_keys(self) -> set:
        return set(_keys(self.leavers["id"]).tolist()) if len(self.leavers) else set()

    def _pairs_in(self, roster=None) -> list[tuple]:
        gone = self._leaver_keys()
        keep = [p for p in self.pairs if key_of(p[0]) not in gone and key_of(p[1]) not in gone]
        return keep if roster is None else self._in_roster(keep, roster)

    @staticmethod
    def _in_roster(pairs, roster) -> list[tuple]:
        known = set(_keys(pd.Series(roster.ids, dtype=object)).tolist())
        return [p for p in pairs if key_of(p[0]) in known and key_of(p[1]) in known]

    def _avoid(self):
        if self.avoid_repeats is None or self.timeline is None:
            return None
        weight = None if self.avoid_repeats is True else float(self.avoid_repeats)
        m = self.timeline.memberships
        return AvoidRepeats(m[["id", "group", "round"]], weight=weight,
                            allow=list(self.allowed_repeats))

    @property
    def terms(self) -> tuple:
        """``gm.CannotGroup`` over the conflict pairs (people who left not included), and
        ``gm.AvoidRepeats`` with the allowed repeats when ``avoid_repeats`` was asked for."""
        out = []
        pairs = self._pairs_in()
        if pairs:
            out.append(CannotGroup(pairs))
        avoid = self._avoid()
        if avoid is not None:
            out.append(avoid)
        return tuple(out)

    def apply(self, spec, roster=None):
        """The spec with these rules: conflict pairs merged into its hard ``CannotGroup`` (or
        added; each pair once), allowed repeats added to each of its ``AvoidRepeats`` terms,
        and ``AvoidRepeats`` added when asked for. With ``roster``, pairs naming people not in
        it are left out, the merged ``CannotGroup``'s own included (a rule may only name
        roster ids). Feedback rules cover every round so far, so apply them to the
        programme's first spec each round.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> df = pd.DataFrame({"round": 1, "id": ["a", "b"], "group": 0, "attended": 1.0,
        ...                    "flags": ["conflict:b", ""]})
        >>> spec = gm.Feedback.from_frame(df).rules().apply(gm.PeerGroups(size=2))
        >>> [t.label for t in spec.terms]
        ['CannotGroup']
        """
        terms = list(spec.terms)
        pairs = self._pairs_in(roster)
        if pairs:
            at = [k for k, t in enumerate(terms) if isinstance(t, CannotGroup)]
            if at and not terms[at[0]].hard:
                raise InputError(
                    f"The spec has CannotGroup(tier={terms[at[0]].tier!r}); conflict pairs "
                    "need a hard rule and a spec holds one CannotGroup. Merge next.pairs into "
                    "your CannotGroup yourself, or make it tier='must'.")
            if at:
                old = terms[at[0]]
                merged = _unique_pairs([*old.pairs, *pairs])
                if roster is not None:  # earlier rounds' pairs may name people now gone
                    merged = self._in_roster(merged, roster)
                terms[at[0]] = replace(old, pairs=tuple(merged))
            else:
                terms.append(CannotGroup(pairs))
        has_avoid = False
        for k, t in enumerate(terms):
            if isinstance(t, AvoidRepeats):
                has_avoid = True
                if self.allowed_repeats:
                    terms[k] = t.allowing(self.allowed_repeats)
        avoid = self._avoid()
        if avoid is not None and not has_avoid:
            terms.append(avoid)
        return replace(spec, terms=tuple(terms))

    def roster(self, roster: Roster, *, default_capacity: tuple[int, int] | None = None
               ) -> Roster:
        """The next round's roster: people who left taken out, lowered capacities written in.

        People who reported to someone who left now report to that person's own manager, so
        reporting lines stay whole. When the roster has no capacity columns and capacities
        are lowered, the columns ``mentor_capacity_groups`` / ``mentor_capacity_mentees`` are
        added with ``default_capacity`` (use the spec's ``capacity``) for everybody else.

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> people = gm.Roster.from_frame(pd.DataFrame({"id": list("abcd")}))
        >>> df = pd.DataFrame({"round": 1, "id": list("abcd"), "group": [0, 0, 1, 1],
        ...                    "attended": 1.0, "flags": ["", "left", "", ""]})
        >>> gm.Feedback.from_frame(df).rules().roster(people).ids.tolist()
        ['a', 'c', 'd']
        """
        if not isinstance(roster, Roster):
            raise InputError(f"NextRound.roster takes a gm.Roster; got {type(roster).__name__}.")
        if roster.base is not None:
            raise InputError("NextRound.roster needs a whole roster, not a sub-roster.")
        return _rebuild(roster, self._leaver_keys(), self.capacities, default_capacity)

    def __repr__(self) -> str:
        counts = self.changes["kind"].value_counts()
        parts = [f"{int(counts.get(k, 0))} {k}" for k in
                 ("cannot_group", "allow_repeat", "left", "capacity", "review")]
        return f"NextRound({', '.join(parts)})"


def _unique_pairs(pairs) -> list[tuple]:
    """Pairs in order, each unordered pair once."""
    seen, out = set(), []
    for a, b in pairs:
        key = tuple(sorted((key_of(a), key_of(b))))
        if key not in seen:
            seen.add(key)
            out.append((a, b))
    return out


def _pair_table(flags: pd.DataFrame) -> dict[tuple, dict]:
    """Unordered pairs of a flag kind: ``{(key_a, key_b): {"ids", "by", "rounds"}}``."""
    out: dict[tuple, dict] = {}
    for row in flags.itertuples(index=False):
        a, b = key_of(row.id), key_of(row.other)
        pair = tuple(sorted((a, b)))
        entry = out.setdefault(pair, {"ids": (row.id, row.other), "by": [], "rounds": []})
        if row.id not in entry["by"]:
            entry["by"].append(row.id)
        if row.round not in entry["rounds"]:
            entry["rounds"].append(row.round)
    return out


def _rounds_text(rounds) -> str:
    return ("round " if len(rounds) == 1 else "rounds ") + ", ".join(map(str, rounds))


def _capacity_changes(health, leavers: set) -> pd.DataFrame:
    cols = ["id", "groups", "mentees", "capacity_groups", "capacity_mentees", "reason",
            "from_groups", "from_mentees"]
    if health is None:
        return pd.DataFrame(columns=[*cols, "lower"])
    last = key_of(health.latest_round)
    facs = health._facilitators
    facs = facs[(facs["round_key"] == last) & facs["at_risk"] & ~facs["left"]] \
        if len(facs) else facs
    rows = []
    for r in facs.itertuples(index=False):
        if r.id_key in leavers:
            continue
        groups, mentees = int(r.groups), int(r.mentees)
        new_g, new_m = groups, mentees
        if groups > 1:  # one group fewer, and that group's share of mentees
            new_g, new_m = groups - 1, mentees - round(mentees / groups)
        new_g, new_m = max(1, new_g), max(1, new_m)
        if pd.notna(r.capacity_groups):
            new_g = min(new_g, int(r.capacity_groups))
        if pd.notna(r.capacity_mentees):
            new_m = min(new_m, int(r.capacity_mentees))
        lower = (pd.isna(r.capacity_groups) or new_g < r.capacity_groups
                 or pd.isna(r.capacity_mentees) or new_m < r.capacity_mentees)
        rows.append([r.id, groups, mentees, new_g, new_m, r.reasons, r.capacity_groups,
                     r.capacity_mentees, lower])
    return pd.DataFrame(rows, columns=[*cols, "lower"])


def _cap_text(groups, mentees) -> str:
    g = "?" if pd.isna(groups) else int(groups)
    m = "?" if pd.isna(mentees) else int(mentees)
    return f"{g} group{'' if g == 1 else 's'}, {m} mentee{'' if m == 1 else 's'}"


def next_round(feedback, history=None, *, roster=None, health=None, avoid_repeats=None,
               lower_capacity: bool = True) -> NextRound:
    """Turn feedback into the next round's rules (see the module notes).

    Parameters
    ----------
    feedback : Feedback
    history : list, mapping, Grouping or DataFrame, optional
        The rounds (default: the history the feedback was built with). Needed for
        ``avoid_repeats`` and for capacities.
    roster : Roster, optional
        Checks the ids (as in ``Feedback.from_frame``).
    health : Health, optional
        The facilitator signals to lower capacities from; computed from the feedback and
        history with the default thresholds when not given.
    avoid_repeats : None, True or float
        Also add ``gm.AvoidRepeats`` over the history to :attr:`NextRound.terms` (True: hard;
        a number: its weight), with the allowed repeats.
    lower_capacity : bool
        Turn facilitator signals into lower capacities.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
    >>> df = pd.DataFrame({"round": 1, "id": list("abcd"), "group": [0, 0, 1, 1],
    ...                    "attended": 1.0, "flags": ["conflict:b", "", "again:d", "left"]})
    >>> nxt = gm.Feedback.from_frame(df, history=[r1]).rules()
    >>> nxt.changes[["kind", "ids", "to"]]
               kind     ids                   to
    0  cannot_group  (a, b)  never share a group
    1  allow_repeat  (c, d)       may meet again
    2          left    (d,)             left out
    """
    if history is not None or (roster is not None and feedback.roster is None):
        feedback = feedback.with_history(history if history is not None else feedback.timeline,
                                         roster)
    if avoid_repeats is not None and avoid_repeats is not True and (
            isinstance(avoid_repeats, bool) or not isinstance(avoid_repeats, (int, float))
            or not avoid_repeats > 0):
        raise InputError(f"avoid_repeats must be None, True (hard) or a weight > 0; got "
                         f"{avoid_repeats!r}.")
    timeline = feedback.timeline
    changes = []
    conflicts = _pair_table(feedback.conflicts)
    for entry in conflicts.values():
        changes.append(["cannot_group", entry["ids"], "may share a group", "never share a group",
                        f"conflict flagged by {' and '.join(map(str, entry['by']))} in "
                        f"{_rounds_text(entry['rounds'])}"])
    allowed = []
    met = _met_rounds(timeline)
    for pair, entry in _pair_table(feedback.again).items():
        if pair in conflicts:
            changes.append(["allow_repeat", entry["ids"], "kept apart", "kept apart",
                            "again flagged, but a conflict between them wins"])
            continue
        allowed.append(entry["ids"])
        seen = met.get(pair)
        was = f"kept apart (met in {_rounds_text(seen)})" if seen else "kept apart if they met"
        changes.append(["allow_repeat", entry["ids"], was, "may meet again",
                        f"again flagged by {' and '.join(map(str, entry['by']))} in "
                        f"{_rounds_text(entry['rounds'])}"])
    left = feedback.left
    leavers = pd.DataFrame({
        "id": left["id"], "round": left["round"],
        "reason": [f"left the programme (flag 'left' in round {r})" for r in left["round"]]})
    for row in leavers.itertuples(index=False):
        changes.append(["left", (row.id,), "in the roster", "left out", row.reason])
    if health is None and lower_capacity and timeline is not None and len(timeline.loads):
        health = assess(feedback, HealthSettings())
    caps = _capacity_changes(health if lower_capacity else None,
                             set(_keys(leavers["id"]).tolist()) if len(leavers) else set())
    for row in caps.itertuples(index=False):
        was = _cap_text(row.from_groups, row.from_mentees)
        if row.lower:
            changes.append(["capacity", (row.id,), was,
                            _cap_text(row.capacity_groups, row.capacity_mentees), row.reason])
        else:
            changes.append(["review", (row.id,), was, was, f"{row.reason}; capacity cannot "
                            "come down further: talk to them"])
    caps = caps[caps["lower"].astype(bool)]
    return NextRound(tuple(e["ids"] for e in conflicts.values()), tuple(allowed), leavers,
                     caps.drop(columns=["from_groups", "from_mentees", "lower"]),
                     pd.DataFrame(changes, columns=CHANGE_COLUMNS), timeline, avoid_repeats)


def _met_rounds(timeline) -> dict[tuple, list]:
    """{(key_a, key_b): [rounds they shared a group in]} from the history."""
    if timeline is None:
        return {}
    m = timeline.memberships[["round", "round_key", "group_key", "id_key"]]
    both = m.merge(m, on=["round_key", "group_key"])
    both = both[both["id_key_x"] < both["id_key_y"]]
    out: dict[tuple, list] = {}
    for a, b, r in zip(both["id_key_x"], both["id_key_y"], both["round_x"], strict=True):
        out.setdefault((a, b), []).append(r)
    return out


def _rebuild(roster: Roster, leavers: set, caps: pd.DataFrame, default_capacity) -> Roster:
    """``Roster.from_frame`` on the roster's own table and mapping, with the changes."""
    cols = dict(roster.columns)
    frame = roster.frame.copy()
    keys = _keys(pd.Series(roster.ids, dtype=object)).to_numpy(dtype=object)
    gone = np.isin(keys, list(leavers))
    if "manager" in cols:  # reports of a leaver move up to the leaver's own manager
        up = np.asarray(roster.manager).copy()
        for i in range(roster.n):
            while up[i] >= 0 and gone[up[i]]:
                up[i] = roster.manager[up[i]]
        frame[cols["manager"]] = [roster.ids[j] if j >= 0 else None for j in up]
    for name, multi in roster.multi.items():  # lists from the encoding: no separator to guess
        vocab = np.asarray(multi.vocabulary, dtype=object)
        frame[cols.get(name, name)] = [vocab[row].tolist() for row in
                                       np.asarray(multi.matrix, dtype=bool)]
    if len(caps):
        for name, logical in (("mentor_capacity_groups", "capacity_groups"),
                              ("mentor_capacity_mentees", "capacity_mentees")):
            if logical not in cols:
                if default_capacity is None:
                    raise InputError(
                        "The roster has no capacity columns, so lowering a facilitator's "
                        "capacity needs everybody else's: pass default_capacity=spec.capacity.")
                column = name if name not in frame.columns else f"{name}_next"
                frame[column] = int(default_capacity[0 if "groups" in logical else 1])
                cols[logical] = column
        where = dict(zip(keys.tolist(), range(roster.n), strict=True))
        for row in caps.itertuples(index=False):
            i = where.get(key_of(row.id))
            if i is None:
                continue
            frame.iloc[i, frame.columns.get_loc(cols["capacity_groups"])] = row.capacity_groups
            frame.iloc[i, frame.columns.get_loc(cols["capacity_mentees"])] = \
                row.capacity_mentees
    frame = frame[~gone]
    if len(frame) == 0:
        raise InputError("Everybody in the roster left; there is nobody to group next round.")
    return Roster.from_frame(
        frame, id=cols.get("id", "id"), categorical=list(roster.categorical),
        numeric=list(roster.numeric), multi={k: cols.get(k, k) for k in roster.multi},
        manager=cols.get("manager"), team=cols.get("team"), role=cols.get("role"),
        capacity_groups=cols.get("capacity_groups"),
        capacity_mentees=cols.get("capacity_mentees"), timezone=cols.get("timezone"),
        sensitive=list(roster.sensitive))
