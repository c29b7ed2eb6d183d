"""``gm.suggest_rematch``: the fewest moves that repair the groups a health check flags."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..api import rematch
from ..exceptions import InputError
from ..result import RematchedGrouping
from .assess import Health
from .timeline import as_timeline, key_of

__all__ = ["suggest_rematch"]

REPAIRABLE = ("conflict", "drop-outs", "facilitator")  # what moving people can mend


def suggest_rematch(grouping, health: Health, roster=None, spec=None, *,
                    max_moves: int | None = None, lower_capacity: bool = True,
                    default_capacity=None,
                    time_limit: float = 10.0, random_state=0, deterministic: bool = False,
                    ) -> RematchedGrouping:
    """Propose the fewest moves that repair the at-risk groups of a running grouping.

    The feedback's rules (:meth:`groupmatch.Feedback.rules`) are applied to the running
    grouping: every conflict pair becomes a hard ``gm.CannotGroup``, people who left are
    leavers (their groups are refilled when they fall below their minimum), and facilitators
    with a signal get their lower capacity. :func:`groupmatch.rematch` then moves as few people
    as those rules allow. The ``reason`` of each move names the feedback behind it.

    Low attendance or low ratings alone are not mended by moving people: those groups are
    listed in ``settings["not_repaired"]`` (``group``, ``reason``) for the programme owner.

    Parameters
    ----------
    grouping : Grouping
        The running groups (usually the last round of the history).
    health : Health
        From :func:`groupmatch.health` on the history and feedback.
    roster, spec : optional
        The grouping's own by default.
    max_moves : int, optional
        A cap on moved people, as in :func:`groupmatch.rematch`.
    lower_capacity : bool
        Apply the lower capacities of facilitators with a signal now (their extra groups are
        handed over or closed); False keeps capacities until the next round.
    default_capacity : (int, int), optional
        Needed only when capacities are lowered and the roster has no capacity columns.
    time_limit, random_state, deterministic
        As in :func:`groupmatch.rematch`.

    Returns
    -------
    RematchedGrouping
        With ``moves`` (``id, from, to, kind, reason``) and ``settings["moves"]``.

    Examples
    --------
    >>> import pandas as pd, groupmatch as gm
    >>> roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef")}))
    >>> spec = gm.PeerGroups(size=3)
    >>> now = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
    >>> fb = now.assign(round=1, attended=1.0, flags=["conflict:b", "", "", "", "", ""])
    >>> fixed = gm.suggest_rematch(now, gm.health([now], fb), roster, spec)
    >>> fixed.settings["moves"]
    2
    >>> gm.check(roster, spec.with_terms(gm.CannotGroup(("a", "b"))), fixed)
    []
    """
    if not isinstance(health, Health):
        raise InputError(f"suggest_rematch needs the gm.health(...) result; got "
                         f"{type(health).__name__}.")
    roster = roster if roster is not None else getattr(grouping, "_roster", None)
    spec = spec if spec is not None else getattr(grouping, "spec", None)
    if roster is None or spec is None:
        raise InputError("suggest_rematch needs the roster and spec (a DataFrame grouping "
                         "carries neither): pass roster=... and spec=....")
    plan = health.feedback.rules(health=health, lower_capacity=lower_capacity)
    next_roster = plan.roster(roster, default_capacity=default_capacity) \
        if len(plan.leavers) or len(plan.capacities) else roster
    result = rematch(grouping, next_roster, plan.apply(spec, next_roster),
                     max_moves=max_moves, time_limit=time_limit, random_state=random_state,
                     deterministic=deterministic)
    if result.moves is None:
        return result
    moves = result.moves.copy()
    moves["reason"] = _reasons(moves, plan, grouping)
    settings = dict(result.settings)
    settings["not_repaired"] = _not_repaired(health)
    return RematchedGrouping.of(replace(result, settings=settings), moves)


def _reasons(moves: pd.DataFrame, plan, grouping) -> list[str]:
    """Each move's reason, naming the conflict or the departure behind it when there is one."""
    placed = as_timeline(grouping).memberships
    group_of: dict = {}
    for i, g in zip(placed["id_key"], placed["group_key"], strict=True):
        group_of.setdefault(i, set()).add(g)
    together: dict = {}
    for a, b in plan.pairs:
        if group_of.get(key_of(a), set()) & group_of.get(key_of(b), set()):
            together.setdefault(key_of(a), []).append(b)
            together.setdefault(key_of(b), []).append(a)
    left = dict(zip(plan.leavers["id"].map(key_of), plan.leavers["reason"], strict=True)) \
        if len(plan.leavers) else {}
    out = []
    for row in moves.itertuples(index=False):
        k = key_of(row.id)
        if row.kind == "moved" and k in together:
            out.append(f"conflict with {', '.join(map(str, together[k]))} (feedback); "
                       f"{row.reason}")
        elif row.kind == "left" and k in left:
            out.append(left[k])
        else:
            out.append(row.reason)
    return out


def _not_repaired(health: Health) -> list[dict]:
    last = key_of(health.latest_round)
    risks = health._at_risk
    risks = risks[(risks["round_key"] == last) & (risks["kind"] == "group")
                  & ~risks["signal"].isin(REPAIRABLE)]
    return [{"group": r.name, "reason": r.reason} for r in risks.itertuples(index=False)]
