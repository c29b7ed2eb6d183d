"""``gm.health``: how a programme is doing, round by round, and what is at risk and why."""

from __future__ import annotations

import numbers

import pandas as pd

from ..exceptions import InputError
from .assess import Health, assess
from .feedback import Feedback
from .measures import HealthSettings

__all__ = ["Health", "health"]


def _check_settings(attendance_threshold, rating_threshold, dropout_threshold, min_count):
    for name, value, lo, hi in (("attendance_threshold", attendance_threshold, 0, 1),
                                ("rating_threshold", rating_threshold, 1, 5),
                                ("dropout_threshold", dropout_threshold, 0, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not lo <= value <= hi:
            raise InputError(f"Parameter {name!r} must be a number from {lo} to {hi}; "
                             f"got {value!r}.")
    if isinstance(min_count, bool) or not isinstance(min_count, numbers.Integral) \
            or min_count < 1:
        raise InputError(f"Parameter 'min_count' must be an integer >= 1; got {min_count!r}.")
    return HealthSettings(float(attendance_threshold), float(rating_threshold),
                          float(dropout_threshold), int(min_count))


def resolve(history, feedback, roster) -> Feedback:
    """The feedback, validated against the history (and roster) it is judged with."""
    if isinstance(feedback, pd.DataFrame):
        if history is None:
            raise InputError("health needs the history of the rounds: gm.health(history, "
                             "feedback), history being the list of groupings, round 1 first.")
        return Feedback.from_frame(feedback, history=history, roster=roster)
    if not isinstance(feedback, Feedback):
        raise InputError(f"feedback must be a gm.Feedback or a DataFrame; got "
                         f"{type(feedback).__name__}.")
    if history is not None or (roster is not None and feedback.roster is None):
        return feedback.with_history(history if history is not None else feedback.timeline,
                                     roster)
    if feedback.timeline is None:
        raise InputError("health needs the history of the rounds: pass it as gm.health("
                         "history, feedback) or build the feedback with Feedback.from_frame("
                         "df, history=...).")
    return feedback


def health(history=None, feedback=None, *, roster=None, by: str | None = None,
           attendance_threshold: float = 0.5, rating_threshold: float = 3.0,
           dropout_threshold: float = 0.25, min_count: int = 5,
           include_sensitive: bool = False) -> Health:
    """How the programme is doing: per round, group, facilitator and subgroup, with the groups
    and people at risk and why.

    Parameters
    ----------
    history : list, mapping, Grouping or DataFrame
        The rounds (a list of groupings, round 1 first, or ``{round: grouping}``; see
        :mod:`groupmatch.lifecycle.timeline`). May be None when ``feedback`` was built with
        ``history=``.
    feedback : Feedback or DataFrame
        The feedback table (see :class:`groupmatch.Feedback`); a DataFrame is validated here.
    roster : Roster, optional
        For ``by`` (default: the rosters the groupings carry) and capacities of DataFrame
        rounds.
    by : str, optional
        A roster column: adds ``subgroups``, one row per round and value.
    attendance_threshold : float, default 0.5
        A group whose members attended on average less than this share of sessions is at risk.
    rating_threshold : float, default 3.0
        A group (or facilitator) rated on average below this is at risk.
    dropout_threshold : float, default 0.25
        A group that lost at least this share of its members is at risk.
    min_count : int, default 5
        Below this many answers a share is written as counts only ("2 of 3"), and a subgroup
        is not judged.
    include_sensitive : bool
        Required to use a sensitive column as ``by`` (the table names its values).

    Returns
    -------
    Health
        ``rounds``, ``groups``, ``facilitators``, ``subgroups``, ``at_risk`` (DataFrames),
        ``summary()`` and ``to_html()``.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> r1 = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    >>> fb = pd.DataFrame({"round": 1, "id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1],
    ...                    "attended": [1, 1, 1, 0.2, 0.4, 0.3],
    ...                    "rating": [4, 5, 4, 2, 3, 2]})
    >>> h = gm.health([r1], fb)
    >>> h.groups[["group", "responses", "attendance", "at_risk"]]
       group  responses  attendance  at_risk
    0      0          3         1.0    False
    1      1          3         0.3     True
    >>> h.at_risk["signal"].tolist()
    ['attendance', 'ratings']
    """
    s = _check_settings(attendance_threshold, rating_threshold, dropout_threshold, min_count)
    fb_obj = resolve(history, feedback, roster)
    return assess(fb_obj, s, roster=roster, by=by, include_sensitive=include_sensitive)
