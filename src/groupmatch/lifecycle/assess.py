"""The health check itself: a :class:`Health` from validated feedback and its history.

:func:`groupmatch.health` (``health.py``) validates the input and calls :func:`assess`; the
next round's rules (``nextround.py``) call it too, for the facilitator signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..exceptions import InputError
from ..redact import check_subgroup_column
from .measures import (
    HealthSettings,
    annotated_feedback,
    facilitator_table,
    group_table,
    round_table,
    subgroup_table,
)
from .risk import RISK_COLUMNS, facilitator_risks, group_risks, subgroup_risks
from .text import count_text, mean_text
from .timeline import Timeline, key_of

__all__ = ["Health", "assess"]

_KEYS = ["round_key", "group_key", "id_key"]


def _public(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame.drop(columns=[c for c in _KEYS if c in frame.columns]).reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class Health:
    """The result of :func:`groupmatch.health`.

    Attributes
    ----------
    rounds : DataFrame
        One row per round: ``groups, people, responses, attendance`` (mean share of sessions)
        with ``low_attendance`` (answers under the threshold), ``rating`` (mean) with
        ``ratings`` and ``low_ratings``, ``left``, ``conflicts``, ``groups_at_risk``,
        ``facilitators_at_risk``. The trend over rounds is read down this table.
    groups : DataFrame
        One row per round and group: ``members`` (leaders not counted), ``leaders`` (role
        modes), ``responses``, ``attendance``, ``low_attendance``, ``rating``, ``ratings``,
        ``low_ratings``, ``left``, ``conflicts`` (pairs inside the group),
        ``attendance_change`` / ``rating_change`` (against the same group number in the
        previous round when it kept most of its members), ``at_risk`` and ``reasons``.
    facilitators : DataFrame
        One row per round and leader (facilitated groups, team mentoring): ``groups``,
        ``mentees``, capacities, ``facilitator_rating`` with ``facilitator_ratings``, their own
        ``attendance``, ``left``, ``facilitator_rating_change``, ``at_risk``, ``reasons``.
    subgroups : DataFrame or None
        With ``by``: one row per round and value: ``people``, ``responses``, the same measures
        and their change since the previous round.
    at_risk : DataFrame
        One row per signal: ``round, kind`` (group, facilitator, subgroup), ``name`` (the
        group, the person, ``column=value``), ``signal`` and ``reason`` in words with its
        counts (see :mod:`groupmatch.lifecycle.risk`).
    """

    _rounds: pd.DataFrame = field(repr=False)
    _groups: pd.DataFrame = field(repr=False)
    _facilitators: pd.DataFrame = field(repr=False)
    _subgroups: pd.DataFrame | None = field(repr=False)
    _at_risk: pd.DataFrame = field(repr=False)
    by: str | None
    settings: HealthSettings
    feedback: object = field(repr=False)  # the validated gm.Feedback
    timeline: Timeline = field(repr=False)
    sensitive_by: bool = False

    @property
    def rounds(self) -> pd.DataFrame:
        return _public(self._rounds)

    @property
    def groups(self) -> pd.DataFrame:
        return _public(self._groups)

    @property
    def facilitators(self) -> pd.DataFrame:
        return _public(self._facilitators)

    @property
    def subgroups(self) -> pd.DataFrame | None:
        return _public(self._subgroups)

    @property
    def at_risk(self) -> pd.DataFrame:
        return _public(self._at_risk)

    @property
    def latest_round(self):
        """The last round that has feedback."""
        answered = self._rounds[self._rounds["responses"] > 0]
        return (answered if len(answered) else self._rounds)["round"].iloc[-1]

    def at_risk_groups(self, round=None) -> list:  # noqa: A002 - the table's column name
        """Groups at risk in a round (default: the last round with feedback).

        Examples
        --------
        >>> import pandas as pd, groupmatch as gm
        >>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
        >>> fb = pd.DataFrame({"round": 1, "id": list("abcd"), "group": [0, 0, 1, 1],
        ...                    "attended": 1.0, "flags": ["conflict:b", "", "", ""]})
        >>> gm.health([r1], fb).at_risk_groups()
        [0]
        """
        key = key_of(self.latest_round if round is None else round)
        g = self._groups[(self._groups["round_key"] == key) & self._groups["at_risk"]]
        return g["group"].tolist()

    def summary(self) -> str:
        """The programme in a few lines: each round's figures (counts with every share) and
        the signals of the last round with feedback."""
        s = self.settings
        n = len(self._rounds)
        lines = [f"Programme health over {n} round{'' if n == 1 else 's'}."]
        for row in self._rounds.itertuples(index=False):
            if row.responses == 0:
                lines.append(f"round {row.round}: {row.groups} groups, no feedback")
                continue
            lines.append(
                f"round {row.round}: {row.groups} groups, "
                f"{count_text(row.responses, row.people, s.min_count)} answered; attendance "
                f"{mean_text(row.attendance, row.responses)}, rating "
                f"{mean_text(row.rating, row.ratings, 1)}; {row.left} left, "
                f"{row.conflicts} conflict{'' if row.conflicts == 1 else 's'}; "
                f"{count_text(row.groups_at_risk, row.groups, s.min_count)} groups at risk")
        last = key_of(self.latest_round)
        risks = self._at_risk[self._at_risk["round_key"] == last]
        if len(risks):
            lines.append(f"At risk in round {self.latest_round}:")
            lines += [f"  {r.kind} {r.name}: {r.reason}" for r in risks.itertuples()][:30]
            if len(risks) > 30:
                lines.append(f"  ... and {len(risks) - 30} more (see .at_risk)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        last = key_of(self.latest_round)
        g = self._groups[self._groups["round_key"] == last]
        f = self._facilitators[self._facilitators["round_key"] == last] \
            if len(self._facilitators) else self._facilitators
        n = len(self._rounds)
        text = (f"Health({n} round{'' if n == 1 else 's'}; round {self.latest_round}: "
                f"{int(g['at_risk'].sum())} of {len(g)} groups at risk")
        if len(f):
            text += f", {int(f['at_risk'].sum())} of {len(f)} facilitators"
        return text + ")"

    def to_html(self, path=None, *, include_sensitive: bool = False,
                title: str = "Programme health"):
        """A self-contained HTML page; see :func:`groupmatch.htmlreport.health_to_html`."""
        from ..htmlreport import health_to_html

        return health_to_html(self, path, include_sensitive=include_sensitive, title=title)


def _by_values(timeline, by, roster, include_sensitive) -> tuple[dict, bool]:
    sources = [roster] if roster is not None else [r for r in timeline.rosters if r is not None]
    if not sources:
        raise InputError(f"health(by={by!r}) needs the roster: pass roster=... (the history "
                         "holds no groupings that carry one).")
    sensitive = check_subgroup_column(sources, by, include_sensitive, f"health(by={by!r})")
    values = timeline.roster_value(by, roster)
    return {k: v for k, v in values.items()}, sensitive


def assess(fb_obj, s: HealthSettings, *, roster=None, by: str | None = None,
           include_sensitive: bool = False) -> Health:
    """The health of the rounds ``fb_obj`` (a :class:`groupmatch.Feedback` built with its
    history) reports on, with thresholds ``s``; see :func:`groupmatch.health`."""
    timeline = fb_obj.timeline
    fb = annotated_feedback(timeline, fb_obj)
    groups = group_table(timeline, fb_obj, fb, s)
    facs = facilitator_table(timeline, fb_obj, fb, s)
    answered = set(fb["round_key"])
    f_risks = facilitator_risks(facs, answered, s)
    g_risks = group_risks(groups, timeline, fb_obj, f_risks, answered, s)
    rounds = round_table(timeline, fb_obj, fb, groups, s)
    subgroups, sensitive, s_risks = None, False, []
    if by is not None:
        values, sensitive = _by_values(timeline, by, roster, include_sensitive)
        subgroups = subgroup_table(timeline, fb_obj, fb, by, values, s)
        s_risks = subgroup_risks(subgroups, by, rounds, answered, s)
    risks = pd.DataFrame(g_risks + f_risks + s_risks,
                         columns=[*RISK_COLUMNS, "round_key", "group_key"])
    order = {k: i for i, k in enumerate(timeline.round_keys)}
    kinds = {"group": 0, "facilitator": 1, "subgroup": 2}
    risks = risks.assign(_r=risks["round_key"].map(order), _k=risks["kind"].map(kinds)) \
        .sort_values(["_r", "_k"], kind="stable").drop(columns=["_r", "_k"])
    groups = _mark(groups, risks[risks["kind"] == "group"], ["round_key", "group_key"],
                   lambda r: (r.round_key, r.group_key))
    fkeys = risks[risks["kind"] == "facilitator"].assign(id_key=lambda d: d["name"].map(key_of))
    facs = _mark(facs, fkeys, ["round_key", "id_key"], lambda r: (r.round_key, r.id_key))
    if subgroups is not None:
        skeys = risks[risks["kind"] == "subgroup"].assign(
            value=lambda d: d["name"].map(lambda v: str(v)[len(by) + 1:]))
        subgroups = _mark(subgroups.assign(value=subgroups[by].astype(str)), skeys,
                          ["round_key", "value"],
                          lambda r: (r.round_key, r.value)).drop(columns="value")
    rounds["groups_at_risk"] = rounds["round_key"].map(
        groups.groupby("round_key")["at_risk"].sum()).fillna(0).astype(int)
    rounds["facilitators_at_risk"] = rounds["round_key"].map(
        facs.groupby("round_key")["at_risk"].sum() if len(facs) else {}).fillna(0).astype(int)
    return Health(rounds, groups, facs, subgroups, risks.reset_index(drop=True), by, s,
                  fb_obj, timeline, sensitive)


def _mark(frame: pd.DataFrame, risks: pd.DataFrame, keys: list[str], key_of_row):
    """``at_risk`` and ``reasons`` ("; "-joined) on each row of ``frame``."""
    reasons: dict = {}
    for r in risks.itertuples(index=False):
        reasons.setdefault(key_of_row(r), []).append(r.reason)
    found = [reasons.get(tuple(k), []) for k in frame[keys].itertuples(index=False, name=None)]
    return frame.assign(at_risk=[bool(f) for f in found], reasons=["; ".join(f) for f in found])
