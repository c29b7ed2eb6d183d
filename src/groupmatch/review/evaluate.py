"""A Grouping for an assignment edited by hand, with the reviewer's own group numbers.

After a manual move the answer is no longer a solver's Grouping, yet the page needs one for
what only a Grouping offers: the groups table with each term's score per group, facilitator
loads, ``explain`` and ``explain_person``, and the exports. Scores and rule checks do not come
from here: they are :func:`groupmatch.score` and :func:`groupmatch.check` on the same table.

- **Peer groups** use the mode's own ``evaluated`` (what ``groupmatch report --assignments``
  uses). It numbers groups canonically (by their first member), so the result is renumbered
  back to the reviewer's numbers: a relabelling of the same partition, groups table rows
  permuted within groups of equal size bounds, nothing recomputed.
- **Role modes** (facilitated groups, team mentoring) have no ``evaluated`` yet; their
  Grouping is built from the memberships the way their solvers package an answer (a role plan,
  each term's value per group from the mode's own ``plan_values``, ``role_grouping``), keeping
  the reviewer's group numbers.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..modes.roles.grouping import role_grouping
from ..modes.roles.plan import RolePlan
from ..modes.roles.spec import RoleSpec
from ..result import Grouping, Status

__all__ = ["is_role_mode", "evaluated_grouping", "MOVED_OUT"]

MOVED_OUT = "taken out of their group by hand in the review"


def is_role_mode(spec) -> bool:
    """Does the spec form groups with roles (members and leaders)?"""
    return isinstance(spec, RoleSpec)


def evaluated_grouping(roster, spec, state, record: dict) -> Grouping:
    """The Grouping of a review state (see :class:`~groupmatch.review.session.State`)."""
    if is_role_mode(spec):
        return _role_grouping(roster, spec, state, record)
    return _peer_grouping(roster, spec, state, record)


def _peer_grouping(roster, spec, state, record: dict) -> Grouping:
    mine = np.full(roster.n, -1, dtype=np.int64)
    mine[state.person] = state.group
    labels = pd.array(np.where(mine >= 0, mine, 0), dtype="Int64")
    labels[mine < 0] = pd.NA
    grouping = spec.evaluated(roster, pd.DataFrame({"id": roster.ids, "group": labels}), record)
    theirs = grouping.assignment_array()
    order = _renumbering(mine, theirs, grouping.groups, state.n_groups)
    groups = grouping.groups.iloc[order].reset_index(drop=True)
    groups["group"] = np.arange(len(groups), dtype=np.int64)
    assignments = grouping.assignments.copy()
    assignments["group"] = labels
    mine.setflags(write=False)
    return dataclasses.replace(grouping, assignments=assignments, groups=groups, _array=mine)


def _renumbering(mine: np.ndarray, theirs: np.ndarray, groups: pd.DataFrame,
                 n_groups: int) -> np.ndarray:
    """``order[m]``: the canonical group holding the members of the reviewer's group ``m``.
    Empty groups pair up with empty groups of the same size bounds."""
    order = np.full(n_groups, -1, dtype=np.int64)
    placed = mine >= 0
    order[mine[placed]] = theirs[placed]
    bounds = list(zip(groups["min_size"].tolist(), groups["max_size"].tolist(), strict=True))
    used = set(order[order >= 0].tolist())
    free = [t for t in range(n_groups) if t not in used]
    for m in np.flatnonzero(order < 0).tolist():
        t = next(t for t in free if bounds[t] == bounds[m])
        free.remove(t)
        order[m] = t
    return order


def _role_grouping(roster, spec, state, record: dict) -> Grouping:
    members, leaders = [], []
    for g in range(state.n_groups):
        here = state.group == g
        members.append(np.sort(state.person[here & (state.role == spec.member_role)]))
        leaders.append(np.sort(state.person[here & (state.role == spec.leader_role)]))
    vocab = {t: k for k, t in enumerate(roster.topics)}
    topic = [vocab[t] for t in state.topics] if state.topics is not None else []
    plan = RolePlan(members, leaders, topic=topic)
    values = spec.plan_values(roster, plan)
    # role_grouping lists people in no group itself; a reason marks a member left out
    out = (state.group < 0) & (state.role == spec.member_role)
    reasons = {int(i): r if isinstance(r, str) and r else MOVED_OUT
               for i, r in zip(state.person[out].tolist(), state.reason[out].tolist(),
                               strict=True)}
    return role_grouping(roster, spec, plan, Status.FEASIBLE, 0.0, record, reasons=reasons,
                         values=values)
