"""A review session: the assignment being adjusted, its history, the pins, and what each change
does to the score and the rules.

Everything the page shows is computed by the public evaluators on the current assignment:
the score is :func:`groupmatch.score`, the broken rules are :func:`groupmatch.check`, so a
move's ``delta`` is exactly the difference of two ``gm.score`` results. Both cost a few
milliseconds for thousands of people (5,000: about 2 ms each), so every change is scored in
full rather than incrementally. A :class:`~groupmatch.Grouping` of the current state (groups
table, loads, explanations, exports) is built only when asked for, and kept until the next
change.

The session is used by the web app but needs no web server: scripts and tests can drive it
directly. All its methods hold one lock, so the server's threads see one change at a time.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np

from ..api import check, rematch, score
from ..exceptions import InputError
from ..terms.pin import Pin
from .evaluate import MOVED_OUT, evaluated_grouping, is_role_mode
from .state import State

__all__ = ["ReviewSession", "Evaluation"]

HISTORY = 500  # undo steps kept
REMATCH_OPTIONS = ("time_limit", "random_state", "workers", "deterministic")


@dataclasses.dataclass
class Evaluation:
    """The score (``gm.score``), the broken rules (``gm.check``) and, once asked for, the
    Grouping of one state."""

    score: dict
    violations: list
    grouping: object = None


class ReviewSession:
    """The groups under review and everything done to them.

    Parameters
    ----------
    roster : Roster
    spec : PeerGroups, FacilitatedGroups or TeamMentoring
    answer : Grouping or DataFrame
        The groups to start from (``id``, ``group`` and, in role modes, ``role`` and
        ``topic``).
    include_sensitive : bool
        Show sensitive columns on the page and in its exports.
    programme : Programme, optional
        The programme file the groups came from (for the programme export and the re-solve's
        time limit and seed).
    name : str
        The title of the page.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> from groupmatch.review.session import ReviewSession
    >>> df = pd.DataFrame({"id": list("abcd"), "manager_id": [None, "a", None, None]})
    >>> roster = gm.Roster.from_frame(df)
    >>> spec = gm.PeerGroups(size=(1, 3), terms=[gm.NotWithManager()])
    >>> s = ReviewSession(roster, spec, pd.DataFrame({"id": list("abcd"), "group": [0, 1, 0, 1]}))
    >>> [v["message"] for v in s.move("b", 0)["broken"]]  # doctest: +NORMALIZE_WHITESPACE
    ['b and a are in one reporting line and may not share a group (both in group 0)']
    >>> _ = s.undo(); s.violations()
    []
    """

    def __init__(self, roster, spec, answer, *, include_sensitive: bool = False,
                 programme=None, name: str = "groupmatch review"):
        self.roster, self.spec = roster, spec
        self.include_sensitive = bool(include_sensitive)
        self.programme = programme
        self.name = name
        self.role_mode = is_role_mode(spec)
        self.lock = threading.RLock()
        state = State.roles(roster, answer) if self.role_mode else State.peer(roster, spec,
                                                                                  answer)
        self._state, self._eval = state, None
        if self.role_mode:  # unplaced people take the roles the mode's tables give them
            self._state = State.roles(roster, self._with_topics(self.grouping()))
            self._eval = None
        self._undo: list[State] = []
        self._redo: list[State] = []
        self.pins: set[int] = set()

    # ------------------------------------------------------------------ reading
    @property
    def state(self) -> State:
        return self._state

    def answer(self, state: State | None = None):
        """What gm.score and gm.check read: the group array (peer groups) or the membership
        table (role modes)."""
        state = state or self._state
        if self.role_mode:
            return state.table(self.roster.ids)
        out = np.full(self.roster.n, -1, dtype=np.int64)
        out[state.person] = state.group
        return out

    def evaluation(self) -> Evaluation:
        with self.lock:
            if self._eval is None:
                answer = self.answer()
                self._eval = Evaluation(score(self.roster, self.spec, answer),
                                        check(self.roster, self.spec, answer))
            return self._eval

    def score(self) -> dict:
        """``gm.score`` of the current groups."""
        return dict(self.evaluation().score)

    def violations(self) -> list[dict]:
        """``gm.check`` of the current groups, as plain records."""
        return [self.violation_record(v) for v in self.evaluation().violations]

    def grouping(self):
        """A Grouping of the current groups, in the session's group numbers."""
        with self.lock:
            ev = self.evaluation()
            if ev.grouping is None:
                record = {"method": "review: adjusted by hand", "source": self.name}
                ev.grouping = evaluated_grouping(self.roster, self.spec, self._state, record)
            return ev.grouping

    def _with_topics(self, grouping):
        if self._state.topics is None:
            return grouping
        table = grouping.assignments.copy()
        topics = np.array([*self._state.topics, None], dtype=object)
        g = table["group"].fillna(-1).astype(int).to_numpy()
        table["topic"] = topics[g]
        return table

    def violation_record(self, v) -> dict:
        ids = self.roster.ids
        return {"rule": v.rule, "message": v.message, "groups": [int(g) for g in v.groups],
                "people": [_plain_id(ids[i]) for i in v.people]}

    def row(self, person) -> int:
        return int(self.roster.rows_of([person], "The request")[0])

    # ------------------------------------------------------------------ changes
    def move(self, person, to, *, from_group=None, role=None) -> dict:
        """Move one membership of ``person`` to group ``to`` (None: out of every group).

        ``from_group`` names the membership when the person is in several groups; ``role``
        (role modes) the role they take in a group when they come from no group (default:
        the mode's member role)."""
        with self.lock:
            state = self._state
            row = self.row(person)
            k = self._membership(state, row, from_group, person)
            target = self.group_number(to)
            here = state.group[state.rows_of(row)].tolist()
            if target == state.group[k]:
                return self._outcome(state, self.evaluation(), changed=False)
            if target >= 0 and target in here:
                raise InputError(f"{person!r} is already in group {target}.")
            roles, drop = {}, ()
            if target >= 0 and self.role_mode:
                roles[k] = self._role(role, state.role[k])
            if target < 0 and sum(g >= 0 for g in here) > 1:
                drop = (k,)  # still in another group: this membership just ends
            new = state.with_changes({k: target}, roles, drop)
            if target < 0 and not drop:
                new = dataclasses.replace(new, reason=_with(new.reason, k, MOVED_OUT))
            self._check_groups_keep_members(new, [state.group[k]])
            return self._apply(new)

    def swap(self, a, b, *, a_group=None, b_group=None) -> dict:
        """Swap two people's groups (in role modes: their memberships in the named groups)."""
        with self.lock:
            state = self._state
            ka = self._membership(state, self.row(a), a_group, a)
            kb = self._membership(state, self.row(b), b_group, b)
            ga, gb = int(state.group[ka]), int(state.group[kb])
            if ga < 0 or gb < 0:
                raise InputError("A swap needs two people in groups; use a move to place "
                                 "someone who is in no group.")
            if ga == gb:
                raise InputError(f"{a!r} and {b!r} are both in group {ga}; nothing to swap.")
            for who, k, g in ((a, ka, gb), (b, kb, ga)):
                if g in state.group[state.rows_of(int(state.person[k]))].tolist():
                    raise InputError(f"{who!r} is already in group {g}.")
            return self._apply(state.with_changes({ka: gb, kb: ga}))

    def add(self, person, to, *, role=None) -> dict:
        """Role modes: give ``person`` one more membership, in group ``to`` (a co-facilitator,
        a mentee joining a second group); someone in no group is simply moved there."""
        with self.lock:
            if not self.role_mode:
                raise InputError("In peer groups everybody is in one group: use a move.")
            state = self._state
            row = self.row(person)
            target = self.group_number(to)
            if target < 0:
                raise InputError("Add someone to a group number; to take them out, move them "
                                 "to no group (null).")
            ks = state.rows_of(row)
            if target in state.group[ks].tolist():
                raise InputError(f"{person!r} is already in group {target}.")
            if (state.group[ks] < 0).all():
                return self.move(person, target, role=role)
            new = State.make([*state.person, row], [*state.group, target],
                             [*state.role, self._role(role, None)], [*state.reason, None],
                             state.n_groups, state.topics)
            return self._apply(new)

    def undo(self) -> dict:
        with self.lock:
            if not self._undo:
                raise InputError("Nothing to undo.")
            before, ev = self._state, self.evaluation()
            self._redo.append(before)
            self._set(self._undo.pop())
            return self._outcome(before, ev)

    def redo(self) -> dict:
        with self.lock:
            if not self._redo:
                raise InputError("Nothing to redo.")
            before, ev = self._state, self.evaluation()
            self._undo.append(before)
            self._set(self._redo.pop())
            return self._outcome(before, ev)

    def history(self) -> dict:
        return {"undo": len(self._undo), "redo": len(self._redo)}

    # ------------------------------------------------------------------ pins
    def pin(self, people: Iterable = (), *, groups: Iterable = (), pinned: bool = True) -> dict:
        """Pin (or, with ``pinned=False``, unpin) people and every member of ``groups``."""
        with self.lock:
            rows = set(self.roster.rows_of(list(people), "pin").tolist()) if people else set()
            for g in groups:
                g = self.group_number(g)
                if g < 0:
                    raise InputError("Give a group number to pin a group.")
                rows |= set(self._state.person[self._state.members(g)].tolist())
            if pinned:
                self.pins |= rows
            else:
                self.pins -= rows
            return {"pins": self.pinned_ids()}

    def pinned_ids(self) -> list:
        return [_plain_id(self.roster.ids[i]) for i in sorted(self.pins)]

    # ------------------------------------------------------------------ re-solve
    def resolve(self, *, max_moves: int | None = None, **options) -> dict:
        """Re-match the unpinned people around the pins with :func:`groupmatch.rematch`:
        fewest people moved (or, with ``max_moves``, the best objective within that many
        moves), every hard rule repaired where possible; the pins are a ``gm.Pin`` term where
        the mode has group-numbered pins (peer groups). Returns the outcome and ``moves``."""
        with self.lock:
            state, ev = self._state, self.evaluation()
            ids = self.roster.ids
            pinned = {i: int(g) for i, g in zip(state.person.tolist(), state.group.tolist(),
                                                  strict=True) if i in self.pins and g >= 0}
            spec, enforced = self._pinned_spec({ids[i]: g for i, g in pinned.items()})
            settings = {k: v for k, v in self._solve_options().items() if k in REMATCH_OPTIONS}
            settings.update({k: v for k, v in options.items() if v is not None})
            try:
                result = rematch(state.table(ids), self.roster, spec, max_moves=max_moves,
                                 **settings)
            except NotImplementedError as err:
                raise InputError(f"Re-solve needs gm.rematch: {err}") from None
            if not result.status.has_solution:
                out = self._outcome(state, ev, changed=False)
                out.update(ok=False, status=result.status.value, message=result.message,
                           moves=[])
                return out
            new = self._state_of(result)
            kept = [_plain_id(ids[i]) for i, g in pinned.items()
                    if g not in new.group[new.rows_of(i)].tolist()]
            out = self._apply(new) if not new.same_as(state) else self._outcome(state, ev,
                                                                                changed=False)
            moves = result.moves.astype(object).where(result.moves.notna(), None)
            out.update(ok=True, status=result.status.value, message=result.message,
                       moves=[{k: _plain_id(v) for k, v in r.items()}
                              for r in moves.to_dict("records")],
                       pins_enforced=enforced, pins_moved=kept)
            return out

    def pins_are_rules(self) -> bool:
        """Can the mode hold pins as a ``gm.Pin`` rule (its groups have fixed numbers)?"""
        return self._pinned_spec({self.roster.ids[0]: 0})[1] if self.roster.n else False

    def _pinned_spec(self, pins: dict):
        """The spec with the pins as a ``gm.Pin`` term (merged with one it has), and whether
        the mode accepts it."""
        if not pins:
            return self.spec, True
        terms = [t for t in self.spec.terms if not isinstance(t, Pin)]
        earlier = {k: v for t in self.spec.terms if isinstance(t, Pin)
                   for k, v in t.assignments.items()}
        try:
            return dataclasses.replace(self.spec, terms=(*terms, Pin({**earlier, **pins}))), True
        except InputError:  # a mode whose groups have no fixed numbers: pins cannot be a rule
            return self.spec, False

    def _solve_options(self) -> dict:
        return dict(getattr(self.programme, "solve_options", None) or {})

    def _state_of(self, result) -> State:
        if self.role_mode:
            return State.roles(self.roster, result)
        return State.peer(self.roster, self.spec, result.assignments[["id", "group"]])

    # ------------------------------------------------------------------ internals
    def _membership(self, state: State, row: int, group, person) -> int:
        ks = state.rows_of(row)
        if group is not None:
            g = self.group_number(group)
            found = [k for k in ks.tolist() if state.group[k] == g]
            if not found:
                raise InputError(f"{person!r} is not in group {group}.")
            return found[0]
        placed = [k for k in ks.tolist() if state.group[k] >= 0]
        if len(placed) > 1:
            where = ", ".join(str(state.group[k]) for k in placed)
            raise InputError(f"{person!r} is in groups {where}; say which one with \"from\".")
        return placed[0] if placed else int(ks[0])

    def group_number(self, to) -> int:
        """A group number from a request: an int (or its text) in range; None or -1: none."""
        if to is None:
            return -1
        text = str(to).strip()
        if isinstance(to, bool) or not text.lstrip("-").isdigit():
            raise InputError(f"Group {to!r} is not a group number (0, 1, 2, ...; null for "
                             "no group).")
        g = int(text)
        if g != -1 and not 0 <= g < self._state.n_groups:
            raise InputError(f"Group {g} does not exist; groups are numbered "
                             f"0..{self._state.n_groups - 1} (null: no group).")
        return g

    def _role(self, asked, current):
        roles = (self.spec.member_role, self.spec.leader_role)
        if asked is None:
            return current if current in roles else self.spec.member_role
        if asked not in roles:
            raise InputError(f"role must be {roles[0]!r} or {roles[1]!r}; got {asked!r}.")
        return asked

    def _check_groups_keep_members(self, state: State, groups) -> None:
        """Role modes: a group keeps at least one member (its topic or team lives on them)."""
        if not self.role_mode:
            return
        for g in groups:
            if g >= 0 and not (state.role[state.members(g)] == self.spec.member_role).any():
                raise InputError(f"Group {g} would have no {self.spec.member_role}s left; move "
                                 "someone in first.")

    def _set(self, state: State) -> None:
        self._state, self._eval = state, None

    def _apply(self, new: State) -> dict:
        before, ev = self._state, self.evaluation()
        self._undo.append(before)
        del self._undo[:-HISTORY]
        self._redo.clear()
        self._set(new)
        return self._outcome(before, ev)

    def _outcome(self, before: State, old: Evaluation, *, changed: bool = True) -> dict:
        """What a change did: ``delta`` per term and in total (``gm.score`` after minus
        before), every rule broken now (``gm.check``), which of them are new and which were
        mended, and the groups whose members changed."""
        new = self.evaluation()
        delta = {"total": new.score["total"] - old.score["total"]}
        delta.update({k: v - old.score[k] for k, v in new.score.items() if k != "total"})
        now = [self.violation_record(v) for v in new.violations]
        was = [self.violation_record(v) for v in old.violations]
        return {"changed": changed, "delta": delta, "score": dict(new.score),
                "violations": now, "broken": _beyond(now, was), "mended": _beyond(was, now),
                "touched": _touched(before, self._state), "history": self.history()}


def _beyond(these: list[dict], those: list[dict]) -> list[dict]:
    """The records of ``these`` not in ``those`` (same rule and words; repeats counted)."""
    left = Counter((v["rule"], v["message"]) for v in those)
    out = []
    for v in these:
        key = (v["rule"], v["message"])
        if left[key]:
            left[key] -= 1
        else:
            out.append(v)
    return out


def _touched(before: State, after: State) -> list[int]:
    """Groups whose memberships differ between two states."""
    def pairs(s):
        return set(zip(s.person.tolist(), s.group.tolist(), s.role.tolist(), strict=True))
    diff = pairs(before) ^ pairs(after)
    return sorted({g for _, g, _ in diff if g >= 0})


def _with(values: np.ndarray, k: int, value) -> np.ndarray:
    out = values.copy()
    out[k] = value
    out.setflags(write=False)
    return out


def _plain_id(value):
    """An id or number as JSON takes it (numpy scalars to Python)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
