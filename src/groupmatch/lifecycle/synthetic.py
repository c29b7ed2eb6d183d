"""Synthetic feedback for examples and tests: ``gm.datasets.make_feedback``.

The model, per round and group (all draws from one generator seeded by ``random_state``):

1. **Shared needs.** Each member's *overlap* is the share of their needs that another member
   of the group also has (0.5 when the roster has no ``needs``); the group's overlap is the
   mean over its members.
2. **Facilitator load.** For a group with leaders, the busiest leader's *pressure* is
   ``clip(0.35 * (groups led - 1) + 0.05 * max(0, mentees - 6) + 0.5 * over, 0, 1)``, where
   ``over`` is 1 when they lead more groups or mentees than their capacity: none for one
   group of up to six, more with every extra group and mentee. Peer groups have none.
3. **Group climate** ``z = 0.9 * (overlap - 0.5) - 0.8 * pressure + N(0, 0.35)``. With
   probability ``conflict_rate * (1.5 - overlap)`` two members fall out: one flags
   ``conflict:<other>`` (sometimes both do) and ``z`` drops by 0.6.
4. **Attendance** ``0.8 + 0.25 z + 0.15 (own overlap - 0.5) + N(0, 0.12)``, clipped to
   0-1 and rounded to whole sessions out of ``sessions``.
5. **Drop-outs.** Probability ``dropout_rate * (1 + 3 * (1 - attendance))``; a drop-out flags
   ``left`` and attended only part of the sessions.
6. **Ratings** (given with probability ``response_rate``) ``3.6 + 1.1 z + 0.6 (own overlap -
   0.5) + 1.2 (attendance - 0.8) + N(0, 0.6)`` rounded and clipped to 1-5; members of a
   conflict rate one point lower. Mentees rate their facilitator ``4.0 - 1.2 pressure + 0.5 z
   + N(0, 0.3)`` (one draw per facilitator) ``+ N(0, 0.5)``.
7. **Again.** A member who rates the group 4 or more names a random group-mate (not a
   conflict partner) with probability ``again_rate``.

Leaders get a row too (their attendance; they rate the group, not themselves).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._random import check_random_state
from ..exceptions import InputError
from ..roster import _keys
from .timeline import as_timeline

__all__ = ["make_feedback"]


def _needs_lookup(timeline, roster) -> dict[str, frozenset]:
    out: dict[str, frozenset] = {}
    sources = [r for r in timeline.rosters if r is not None]
    if roster is not None:
        sources.append(roster)
    for r in sources:
        if "needs" not in r.multi:
            continue
        vocab = np.asarray(r.multi["needs"].vocabulary, dtype=object)
        keys = _keys(pd.Series(r.ids, dtype=object)).tolist()
        for k, row in zip(keys, np.asarray(r.multi["needs"].matrix, dtype=bool), strict=True):
            out[k] = frozenset(vocab[row].tolist())
    return out


def _overlaps(member_keys: list[str], needs: dict) -> np.ndarray:
    sets = [needs.get(k) for k in member_keys]
    out = np.full(len(sets), 0.5)
    for i, own in enumerate(sets):
        if not own:
            continue
        others = set().union(*(s for j, s in enumerate(sets) if j != i and s))
        out[i] = len(own & others) / len(own)
    return out


def _pressure(leader_keys: list[str], loads: dict) -> float:
    worst = 0.0
    for k in leader_keys:
        groups, mentees, cap_g, cap_m = loads.get(k, (1, 0, np.nan, np.nan))
        over = (not np.isnan(cap_g) and groups > cap_g) or (not np.isnan(cap_m)
                                                           and mentees > cap_m)
        worst = max(worst, 0.35 * (groups - 1) + 0.05 * max(0, mentees - 6) + 0.5 * over)
    return float(np.clip(worst, 0, 1))


def _rate(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 1, 5)


def make_feedback(history, roster=None, *, random_state=0, sessions: int = 6,
                  response_rate: float = 0.9, conflict_rate: float = 0.06,
                  dropout_rate: float = 0.03, again_rate: float = 0.08) -> pd.DataFrame:
    """Realistic synthetic feedback for a history (see the module notes for the model).

    Parameters
    ----------
    history : list, mapping, Grouping or DataFrame
        The rounds (a list of groupings, round 1 first; see
        :mod:`groupmatch.lifecycle.timeline`).
    roster : Roster, optional
        For members' needs and capacities when the rounds are DataFrames.
    random_state : int, Generator or None, default 0
        The same value gives the same table.
    sessions : int
        Sessions per round; attendance is a whole number of them.
    response_rate, conflict_rate, dropout_rate, again_rate : float
        Chances of a rating, a conflict in a group, a drop-out, an ``again`` flag.

    Returns
    -------
    DataFrame
        ``round, id, group, attended, rating, facilitator_rating, flags``: one row per
        membership, ready for :meth:`groupmatch.Feedback.from_frame`.

    Examples
    --------
    >>> import groupmatch as gm
    >>> roster = gm.Roster.from_frame(gm.datasets.make_organization(40))
    >>> g = gm.solve(roster, gm.PeerGroups(size=(4, 6)), time_limit=1)
    >>> fb = gm.datasets.make_feedback([g], random_state=1)
    >>> len(fb) == 40, bool(fb["attended"].between(0, 1).all())
    (True, True)
    """
    for name, value in (("response_rate", response_rate), ("conflict_rate", conflict_rate),
                        ("dropout_rate", dropout_rate), ("again_rate", again_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise InputError(f"Parameter {name!r} must be a number from 0 to 1; got {value!r}.")
    if isinstance(sessions, bool) or not isinstance(sessions, (int, np.integer)) or sessions < 1:
        raise InputError(f"Parameter 'sessions' must be an integer >= 1; got {sessions!r}.")
    _, rng = check_random_state(random_state)
    timeline = as_timeline(history, roster)
    needs = _needs_lookup(timeline, roster)
    rows = []
    m = timeline.memberships
    for label, key in zip(timeline.rounds, timeline.round_keys, strict=True):
        here = m[m["round_key"] == key]
        lo = timeline.loads[timeline.loads["round_key"] == key]
        loads = {k: (g, mt, cg, cm) for k, g, mt, cg, cm in zip(
            lo["id_key"], lo["groups"], lo["mentees"], lo["capacity_groups"],
            lo["capacity_mentees"], strict=True)}
        fac_effect = {k: rng.normal(0, 0.3) for k in sorted(set(lo["id_key"]))}
        for _, group in here.groupby("group_key", sort=True):
            rows += _one_group(label, group, needs, loads, fac_effect, rng, sessions,
                               response_rate, conflict_rate, dropout_rate, again_rate)
    return pd.DataFrame(rows, columns=["round", "id", "group", "attended", "rating",
                                       "facilitator_rating", "flags"])


def _one_group(label, group, needs, loads, fac_effect, rng, sessions, response_rate,
               conflict_rate, dropout_rate, again_rate) -> list[list]:
    lead = group[group["leader"]]
    mem = group[~group["leader"]]
    keys = mem["id_key"].tolist()
    own = _overlaps(keys, needs)
    overlap = float(own.mean()) if len(own) else 0.5
    pressure = _pressure(lead["id_key"].tolist(), loads)
    z = 0.9 * (overlap - 0.5) - 0.8 * pressure + rng.normal(0, 0.35)
    n = len(keys)
    flags = [[] for _ in range(n)]
    feud = set()
    if n >= 2 and rng.random() < conflict_rate * (1.5 - overlap):
        a, b = rng.choice(n, size=2, replace=False).tolist()
        flags[a].append(f"conflict:{mem['id'].iloc[b]}")
        if rng.random() < 0.4:
            flags[b].append(f"conflict:{mem['id'].iloc[a]}")
        feud = {a, b}
        z -= 0.6
    att = np.clip(0.8 + 0.25 * z + 0.15 * (own - 0.5) + rng.normal(0, 0.12, n), 0, 1)
    att = np.rint(att * sessions) / sessions
    gone = rng.random(n) < dropout_rate * (1 + 3 * (1 - att))
    att = np.where(gone, np.floor(att * rng.uniform(0, 0.7, n) * sessions) / sessions, att)
    rating = _rate(3.6 + 1.1 * z + 0.6 * (own - 0.5) + 1.2 * (att - 0.8) + rng.normal(0, 0.6, n))
    rating[list(feud)] = np.maximum(rating[list(feud)] - 1, 1)
    answered = rng.random(n) < response_rate
    fac_base = 4.0 - 1.2 * pressure + 0.5 * z + np.mean(
        [fac_effect.get(k, 0.0) for k in lead["id_key"]] or [0.0])
    fac = _rate(fac_base + rng.normal(0, 0.5, n)) if len(lead) else np.full(n, np.nan)
    for i in range(n):
        if gone[i]:
            flags[i].append("left")
        elif rating[i] >= 4 and answered[i] and n >= 2 and rng.random() < again_rate:
            mates = [j for j in range(n) if j != i and not (i in feud and j in feud)]
            if mates:
                flags[i].append(f"again:{mem['id'].iloc[int(rng.choice(mates))]}")
    out = []
    for i, (pid, g) in enumerate(zip(mem["id"], mem["group"], strict=True)):
        out.append([label, pid, g, float(att[i]),
                    float(rating[i]) if answered[i] else np.nan,
                    float(fac[i]) if answered[i] and len(lead) else np.nan, ";".join(flags[i])])
    for pid, g in zip(lead["id"], lead["group"], strict=True):
        lead_att = np.clip(0.9 - 0.3 * pressure + rng.normal(0, 0.1), 0, 1)
        out.append([label, pid, g, float(np.rint(lead_att * sessions) / sessions),
                    float(_rate(np.array([3.8 + 0.8 * z + rng.normal(0, 0.5)]))[0]),
                    np.nan, ""])
    return out
