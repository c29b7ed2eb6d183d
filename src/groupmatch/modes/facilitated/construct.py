"""A facilitated plan without search: open groups greedily, then place mentees by min-cost flow.

This is the anytime start of the facilitated solve: it needs no time limit, so a valid plan
exists before any search begins, and the CP-SAT plan model only ever improves on it.

1. **Open groups** (greedy): while some facilitator has a free group slot and room for a
   minimum-size group on a topic that enough unplaced mentees need, the least flexible such
   facilitator (fewest usable topics) opens a group on its most pressed topic (demand over
   supply) and takes the unplaced mentees with the fewest other options.
2. **Place mentees** (min-cost flow, OR-Tools): with the opened groups fixed, mentees are
   re-placed to maximise people placed, then memberships, then the ranked topics
   (``gm.TopicPreference``: each mentee -> topic arc costs minus what the placement earns),
   then keep the greedy choices (source -> mentee -> topic -> (lead, topic) -> lead -> sink).
   Each topic's mentees then go to its leads, a lead they rank first
   (``gm.FacilitatorPreference``) when it has room.
3. **Keep sizes**: a lead left with fewer mentees than its groups' minimum closes groups; the
   freed slots return to step 1. A few rounds settle it.

:func:`participation_bound` is the matching upper bound: the same flow with every facilitator
available on every topic they have (no group slots, no minimum sizes, no reporting lines).
"""

from __future__ import annotations

import heapq
from dataclasses import replace

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from .plan import Plan, even_sizes

__all__ = ["participation_bound", "construct_groups", "to_plan", "groups_for_left_out", "Opened"]

ROUNDS = 6  # open -> flow -> close rounds; each closes or opens groups, few are ever needed


def _usable_topics(s) -> np.ndarray:
    """Topics that can hold a group at all: enough mentees need it and it has a facilitator."""
    demand = s.needs[s.mentee].sum(axis=0)
    experts = s.expertise[s.leader].sum(axis=0)
    return (demand >= s.lo) & (experts >= s.fmin)


def _lead_room(s) -> np.ndarray:
    """Mentee places each facilitator can offer in total (capacity and group slots)."""
    return np.where(s.leader, np.minimum(s.cap_mentees, s.hi * s.cap_groups), 0)


def participation_bound(s) -> int:
    """An upper bound on the mentees who can be placed: a max flow mentee -> topic -> a
    facilitator with the topic -> sink, each mentee worth ``fmin`` units (a group needs that
    many facilitators, each counting the mentee against their capacity), each facilitator
    capped by their mentee capacity and ``hi`` × their group slots. It relaxes group slots per
    topic, minimum sizes, reporting lines and the mentee rules, so no answer can exceed it."""
    usable = _usable_topics(s)
    needs = s.needs & usable & s.mentee[:, None]
    people = np.flatnonzero(needs.any(axis=1))
    leads = np.flatnonzero(s.leader & (s.expertise & usable).any(axis=1))
    if not len(people) or not len(leads):
        return 0
    n_p, n_t = len(people), needs.shape[1]
    src, sink = 0, 1
    p_node = 2 + np.arange(n_p)
    t_node = 2 + n_p + np.arange(n_t)
    f_node = 2 + n_p + n_t + np.arange(len(leads))
    pi, pt = np.nonzero(needs[people])
    fi, ft = np.nonzero(s.expertise[leads] & usable)
    room = _lead_room(s)[leads]
    tails = np.concatenate([np.full(n_p, src), p_node[pi], t_node[ft], f_node])
    heads = np.concatenate([p_node, t_node[pt], f_node[fi], np.full(len(leads), sink)])
    caps = np.concatenate([np.full(n_p, s.fmin), np.full(len(pi), s.fmin),
                           np.full(len(fi), s.fmin * n_p), room])
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32),
                                caps.astype(np.int64))
    if flow.solve(src, sink) != flow.OPTIMAL:  # pragma: no cover - inputs are valid
        raise RuntimeError("max flow failed on the participation bound")
    return int(flow.optimal_flow()) // s.fmin


class Opened:
    """Groups opened so far: per (lead, topic) how many groups; reserved co-facilitations.

    ``final`` groups keep the mentees they open with (the finish: no flow re-places them), so a
    co-facilitator needs room for those mentees only, not for a group of the maximum size."""

    def __init__(self, s, final: bool = False):
        self.s = s
        self.final = final
        self.free_groups = np.where(s.leader, s.cap_groups, 0).astype(np.int64)
        self.free_places = np.where(s.leader, s.cap_mentees, 0).astype(np.int64)
        self.groups: dict[tuple[int, int], int] = {}  # (lead, topic) -> groups
        self.cofac: dict[tuple[int, int], int] = {}  # (co-facilitator, topic) -> groups
        self.log: list[tuple[int, int, list[int], list[int]]] = []  # (lead, topic, co, mentees)

    def reserved(self, f: int) -> int:
        """Mentee places of f held for co-facilitation."""
        return self.s.hi * sum(k for (c, _t), k in self.cofac.items() if c == f)

    def open(self, f: int, t: int, size: int, co: list[int]) -> None:
        self.groups[f, t] = self.groups.get((f, t), 0) + 1
        self.free_groups[f] -= 1
        self.free_places[f] -= size
        for c in co:  # reserved at the maximum size, as the plan model does (unless final)
            self.cofac[c, t] = self.cofac.get((c, t), 0) + 1
            self.free_groups[c] -= 1
            self.free_places[c] -= size if self.final else self.s.hi

    def close(self, f: int, t: int, k: int) -> None:
        """Close ``k`` of lead f's groups on t (their co-facilitations too)."""
        self.groups[f, t] -= k
        if not self.groups[f, t]:
            del self.groups[f, t]
        self.free_groups[f] += k
        for _ in range(k * (self.s.fmin - 1)):
            c = next((c for (c, tt) in self.cofac if tt == t), None)
            if c is None:
                break
            self.cofac[c, t] -= 1
            if not self.cofac[c, t]:
                del self.cofac[c, t]
            self.free_groups[c] += 1
            self.free_places[c] += self.s.hi


def _co_facilitators(s, opened: Opened, f: int, t: int, members, lines,
                     size: int) -> list[int] | None:
    """``fmin - 1`` co-facilitators for a group of lead f on t, or None when too few."""
    need = s.fmin - 1
    if not need:
        return []
    blocked = set().union(*(lines.get(int(i), ()) for i in members)) if lines else set()
    room = size if opened.final else s.hi
    able = np.flatnonzero(s.expertise[:, t] & s.leader & (opened.free_groups > 0)
                          & (opened.free_places >= room))
    able = [int(c) for c in able if c != f and int(c) not in blocked]
    if len(able) < need:
        return None
    able.sort(key=lambda c: (-int(opened.free_places[c]), c))
    return able[:need]


def _barred_by_lead(s, lines) -> dict[int, np.ndarray]:
    """Per facilitator, the mentees with them in their reporting line, themselves included
    (lines are symmetric: a manager's holds the report, the report's holds the manager)."""
    barred: dict[int, list[int]] = {}
    for i, line in (lines or {}).items():
        for f in line:
            if s.leader[f]:  # f == i too: nobody is their own group's lead
                barred.setdefault(f, []).append(i)
    return {f: np.array(rows, dtype=np.int64) for f, rows in barred.items()}


def _open_groups(s, opened: Opened, placed_in: np.ndarray, left: np.ndarray, lines,
                 skip: set) -> dict[tuple[int, int], list[int]]:
    """Step 1: open groups for unplaced demand; returns the mentees each new group took."""
    usable = _usable_topics(s)
    barred = _barred_by_lead(s, lines)
    taken: dict[tuple[int, int], list[int]] = {}
    avail = s.needs & s.mentee[:, None] & (left > 0)[:, None] & ~placed_in & usable
    demand = avail.sum(axis=0)
    options = avail.sum(axis=1)
    while True:
        leads = np.flatnonzero(s.leader & (opened.free_groups > 0)
                               & (opened.free_places >= s.lo))
        if not len(leads):
            break
        ok_topics = s.expertise[leads] & (demand >= s.lo)
        for f, t in skip:
            k = np.searchsorted(leads, f)
            if k < len(leads) and leads[k] == f:
                ok_topics[k, t] = False
        counts = ok_topics.sum(axis=1)
        if not counts.any():
            break
        supply = np.maximum((ok_topics * np.minimum(opened.free_places[leads],
                                                    s.hi)[:, None]).sum(axis=0), 1)
        pressure = demand / supply
        k = int(np.argmin(np.where(counts > 0, counts, np.iinfo(np.int64).max)))
        f = int(leads[k])
        mine = np.flatnonzero(ok_topics[k])
        t = int(mine[np.argmax(pressure[mine])])
        who = np.flatnonzero(avail[:, t])
        if f in barred:
            who = who[~np.isin(who, barred[f])]
        size = min(s.hi, int(opened.free_places[f]), len(who))
        rest = len(who) - size
        if 0 < rest < s.lo and size - (s.lo - rest) >= s.lo and _another_lead(s, opened, f, t,
                                                                             size):
            size -= s.lo - rest  # leave enough for one more group rather than a stray few
        co = None
        if size >= s.lo:
            if opened.final:  # the group keeps these mentees: only their lines matter
                who = _fewest_options_first(who, options, size)
            co = _co_facilitators(s, opened, f, t, who, lines, size)
        if co is None and opened.final and size >= s.lo and s.fmin > 1:
            # another choice of mentees: those whose lines hold the fewest facilitators
            who = _safest_first(s, np.flatnonzero(avail[:, t]), f, t, lines, barred)[:size]
            co = _co_facilitators(s, opened, f, t, who, lines, size) if len(who) == size \
                else None
        if size < s.lo or co is None:
            skip.add((f, t))
            continue
        who = _fewest_options_first(who, options, size)
        opened.open(f, t, size, co)
        opened.log.append((f, t, co, [int(i) for i in who]))
        taken.setdefault((f, t), []).extend(int(i) for i in who)
        placed_in[who, t] = True
        left[who] -= 1
        gone = avail[who]
        avail[who] = False
        avail[who] = (s.needs[who] & usable & ~placed_in[who]
                      & (left[who] > 0)[:, None] & s.mentee[who, None])
        demand -= gone.sum(axis=0) - avail[who].sum(axis=0)
        options[who] = avail[who].sum(axis=1)
    return taken


def _fewest_options_first(who, options, size):
    """The mentees with the fewest other options first (ties: roster order), ``size`` of them."""
    return who[np.argsort(options[who], kind="stable")[:size]]


def _safest_first(s, who, f, t, lines, barred):
    """Mentees of topic t lead f may take, those with the fewest facilitators of t in their
    reporting line first (so co-facilitators stay possible)."""
    if f in barred:
        who = who[~np.isin(who, barred[f])]
    experts = set(np.flatnonzero(s.leader & s.expertise[:, t]).tolist())
    clash = np.array([len(experts & lines.get(int(i), set())) if lines else 0 for i in who])
    return who[np.argsort(clash, kind="stable")]


def _another_lead(s, opened: Opened, f: int, t: int, size: int) -> bool:
    """Could a second group on t open after lead f takes ``size`` mentees?"""
    able = s.expertise[:, t] & (opened.free_groups > 0) & (opened.free_places >= s.lo)
    able[f] = opened.free_groups[f] > 1 and opened.free_places[f] - size >= s.lo
    return int(able.sum()) >= s.fmin


def _place_by_flow(s, opened: Opened, keep: set[tuple[int, int]], lines, places=None) -> dict:
    """Step 2: mentees to (lead, topic) by min-cost flow. Returns {(lead, topic): [mentees]}.

    ``places`` caps each (lead, topic) at that many mentees (default: its groups' maximum).
    """
    room = places or {ft: s.hi * z for ft, z in opened.groups.items()}
    if not opened.groups:
        return {}
    pairs = sorted(opened.groups)
    topics = sorted({t for _, t in pairs})
    leads = sorted({f for f, _ in pairs})
    lead_of_topic: dict[int, list[int]] = {}
    for f, t in pairs:
        lead_of_topic.setdefault(t, []).append(f)
    m_rows, m_cols = np.nonzero(s.needs[:, topics] & s.mentee[:, None])
    arcs_i, arcs_t = [], []
    for i, c in zip(m_rows.tolist(), m_cols.tolist(), strict=True):
        t = topics[c]
        if lines and all(f in lines.get(i, ()) for f in lead_of_topic[t]):
            continue  # every lead of this topic is in the mentee's reporting line
        arcs_i.append(i)
        arcs_t.append(t)
    people = sorted(set(arcs_i))
    if not people:
        return {}
    p_index = {i: k for k, i in enumerate(people)}
    t_index = {t: k for k, t in enumerate(topics)}
    f_index = {f: k for k, f in enumerate(leads)}
    n_p, n_t, n_f = len(people), len(topics), len(leads)
    src, sink = 0, 1
    p0, t0, ft0 = 2, 2 + n_p, 2 + n_p + n_t
    f0 = ft0 + len(pairs)
    kept = np.array([(i, t) in keep for i, t in zip(arcs_i, arcs_t, strict=True)], dtype=np.int64)
    gain = kept  # what each mentee -> topic arc is worth below one more membership
    keep_bonus = len(arcs_i) + 1  # keeping a choice never outweighs one more membership
    if s.topic_value is not None:  # ranked topics: a point of preference beats keeping
        pref = s.topic_value[arcs_i, arcs_t]
        gain = 2 * (pref - pref.min()) + kept
        most = np.zeros(s.needs.shape[0], dtype=np.int64)
        np.maximum.at(most, np.asarray(arcs_i), gain)
        keep_bonus = int((most * s.max_groups).sum()) + 1  # above every flow's total gain
    person_bonus = keep_bonus * (int(s.max_groups[people].sum()) + 1)
    tails, heads, caps, costs = [], [], [], []

    def arc(a, b, cap, cost=0):
        tails.append(a)
        heads.append(b)
        caps.append(cap)
        costs.append(cost)

    for k, i in enumerate(people):
        arc(src, p0 + k, 1, -person_bonus)  # placed at all: worth the most
        extra = int(s.max_groups[i]) - 1
        if extra > 0:
            arc(src, p0 + k, extra, -keep_bonus)
    first_topic_arc = len(tails)
    for i, t, v in zip(arcs_i, arcs_t, gain.tolist(), strict=True):
        arc(p0 + p_index[i], t0 + t_index[t], 1, -v)
    for k, (f, t) in enumerate(pairs):
        arc(t0 + t_index[t], ft0 + k, room[f, t])
    for f in leads:
        arc(f0 + f_index[f], sink, max(int(s.cap_mentees[f]) - opened.reserved(f), 0))
    for k, (f, _t) in enumerate(pairs):
        arc(ft0 + k, f0 + f_index[f], room[f, _t])
    total = int(s.max_groups[people].sum())
    arc(src, sink, total)  # people left out flow straight to the sink at no gain
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
    supplies = np.zeros(f0 + n_f, dtype=np.int64)
    supplies[src], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover - the bypass arc keeps it feasible
        raise RuntimeError("min-cost flow failed in the facilitated construction")
    joined = [(i, t) for k, (i, t) in enumerate(zip(arcs_i, arcs_t, strict=True))
              if flow.flow(first_topic_arc + k)]
    return _to_leads(s, opened, pairs, joined, lines, room)


def _to_leads(s, opened, pairs, joined, lines, room) -> dict[tuple[int, int], list[int]]:
    """Share each topic's mentees among its leads: the most constrained mentees first, each to
    the lead with the most room who is outside their reporting line (a lazy max-heap)."""
    room = {(f, t): room[f, t] for f, t in pairs}
    reserved: dict[int, int] = {}
    for (c, _t), k in opened.cofac.items():
        reserved[c] = reserved.get(c, 0) + s.hi * k
    cap_left = {f: int(s.cap_mentees[f]) - reserved.get(f, 0) for f, _ in pairs}
    by_topic: dict[int, list[int]] = {}
    for i, t in joined:
        by_topic.setdefault(t, []).append(i)
    out: dict[tuple[int, int], list[int]] = {p: [] for p in pairs}

    def avail(f, t):
        return min(room[f, t] - len(out[f, t]), cap_left[f])

    ranked = _ranked_leads(s)
    for t, rows in by_topic.items():
        mine = {f for f, tt in pairs if tt == t}
        clash = {i: len(mine & lines.get(i, set())) if lines else 0 for i in rows}
        rest = []
        for i in sorted(rows, key=lambda i: (-clash[i], i)):  # a ranked lead with room first
            f = next((f for f in ranked.get(i, ()) if f in mine and avail(f, t) > 0
                      and not (lines and f in lines.get(i, ()))), None)
            if f is None:
                rest.append(i)
                continue
            out[f, t].append(i)
            cap_left[f] -= 1
        heap = [(-avail(f, t), f) for f in mine]
        heapq.heapify(heap)
        for i in rest:
            held = []
            while heap:
                neg, f = heapq.heappop(heap)
                now = avail(f, t)
                if now <= 0:
                    continue  # full (another topic may have used the lead's capacity)
                if now != -neg:
                    heapq.heappush(heap, (-now, f))
                    continue
                if clash[i] and f in lines.get(i, ()):
                    held.append((neg, f))
                    continue
                out[f, t].append(i)
                cap_left[f] -= 1
                heapq.heappush(heap, (-(now - 1), f))
                break
            for item in held:
                heapq.heappush(heap, item)
    return out


def _ranked_leads(s) -> dict[int, list[int]]:
    """Each mentee's ranked facilitators, the most valued first (none without the term)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for (i, f), v in (s.lead_value or {}).items():
        out.setdefault(i, []).append((-v, f))
    return {i: [f for _, f in sorted(fs)] for i, fs in out.items()}


def construct_groups(s, lines=None) -> tuple[Opened, dict[tuple[int, int], list[int]]]:
    """The construction: opened groups and the mentees of each (lead, topic).

    With ranked choices, the rounds run twice, with and without them: the flow that follows
    preferences may leave a group short of its minimum, and closing it loses people. The
    ranked rounds stand when they place as many; otherwise the plain rounds' groups are
    re-filled by the ranked flow, each lead keeping as many mentees on each topic as it had
    (so every size holds), when that keeps everyone (else they stay as they are).
    Participation first.
    """
    if s.topic_value is None and not s.lead_value:
        return _rounds(s, lines)
    ranked = _rounds(s, lines)
    plain = _rounds(replace(s, topic_value=None, lead_value=None), lines)
    if _placed(ranked[1]) >= _placed(plain[1]):
        return ranked
    opened, members = plain
    keep = {(i, t) for (_f, t), rows in members.items() for i in rows}
    places = {ft: len(members.get(ft, ())) for ft in opened.groups}
    again = _place_by_flow(s, opened, keep, lines, places)
    if _placed(again) == _placed(members) and all(
            len(again.get(ft, ())) == k for ft, k in places.items()):
        return opened, {ft: rows for ft, rows in again.items() if rows}
    return plain


def _placed(members) -> tuple[int, int]:
    """(people, memberships) of a construction's mentees."""
    return (len({i for rows in members.values() for i in rows}),
            sum(len(rows) for rows in members.values()))


def _rounds(s, lines=None) -> tuple[Opened, dict[tuple[int, int], list[int]]]:
    """Open -> flow -> close rounds until nothing changes (see the module notes)."""
    opened = Opened(s)
    placed_in = np.zeros(s.needs.shape, dtype=bool)
    left = np.where(s.mentee, s.max_groups, 0).astype(np.int64)
    skip: set = set()
    members: dict[tuple[int, int], list[int]] = {}
    for _ in range(ROUNDS):
        taken = _open_groups(s, opened, placed_in, left, lines, skip)
        keep = {(i, t) for (_f, t), rows in {**members, **taken}.items() for i in rows}
        members = _place_by_flow(s, opened, keep, lines)
        changed = bool(taken)
        for (f, t), rows in list(members.items()):
            fits = len(rows) // s.lo  # groups this many mentees can fill to the minimum
            if fits < opened.groups[f, t]:
                opened.close(f, t, opened.groups[f, t] - fits)
                changed = True
                if not fits:
                    skip.add((f, t))
                    del members[f, t]
        placed_in[:] = False
        left = np.where(s.mentee, s.max_groups, 0).astype(np.int64)
        for (_f, t), rows in members.items():
            placed_in[rows, t] = True
            np.subtract.at(left, rows, 1)
        opened.free_places = np.where(s.leader, s.cap_mentees, 0).astype(np.int64)
        for (f, _t), rows in members.items():
            opened.free_places[f] -= len(rows)
        for (c, _t), k in opened.cofac.items():
            opened.free_places[c] -= s.hi * k
        if not changed:
            break
    for (f, t), rows in list(members.items()):  # the last round may leave a lead over or under
        z = opened.groups[f, t]
        del rows[s.hi * z:]
        if len(rows) < s.lo * z:
            opened.close(f, t, z - len(rows) // s.lo)
        if (f, t) not in opened.groups:
            del members[f, t]
    for key in [k for k in opened.groups if k not in members]:
        opened.close(*key, opened.groups[key])
    return opened, members


def to_plan(s, opened: Opened, members, lines) -> Plan:
    """The construction as a plan: each lead's mentees of a topic split evenly into its
    groups; a mentee with a lead of the topic in their reporting line, or who ranked the lead
    the construction chose for them, is pinned to a group of that lead."""
    leads_of: dict[int, set[int]] = {}
    for f, t in opened.groups:
        leads_of.setdefault(t, set()).add(f)
    topic, size, leaders, topics_of, pinned = [], [], [], {}, {}
    for (f, t) in sorted(opened.groups, key=lambda ft: (ft[1], ft[0])):
        rows = members[f, t]
        first = len(topic)
        sizes = even_sizes(len(rows), opened.groups[f, t], s.lo, s.hi)
        room = list(sizes)
        for v in sizes:
            topic.append(t)
            size.append(v)
            leaders.append(np.array([f], dtype=np.int64))
        for i in rows:
            topics_of.setdefault(i, []).append(t)
            if (lines and leads_of[t] & lines.get(i, set())) or (i, f) in (s.lead_value or {}):
                k = int(np.argmax(room))
                room[k] -= 1
                pinned[i, t] = first + k
    return Plan(topic, size, leaders, topics_of, pinned, "CONSTRUCTED", None)


def groups_for_left_out(s, plan, lines) -> list[tuple[int, int, list[int], list[int]]]:
    """New groups for mentees still out after the search, on the capacity it left free:
    ``(lead, topic, co-facilitators, mentees)`` each (the mentee rules are not checked here)."""
    n = s.needs.shape[0]
    opened = Opened(s, final=True)
    n_led, n_taken = plan.loads(n)
    opened.free_groups = np.where(s.leader, np.maximum(s.cap_groups - n_led, 0), 0)
    opened.free_places = np.where(s.leader, np.maximum(s.cap_mentees - n_taken, 0), 0)
    placed_in = np.zeros(s.needs.shape, dtype=bool)
    left = np.where(s.mentee, s.max_groups, 0).astype(np.int64)
    for g in range(plan.n_groups):
        placed_in[plan.members[g], plan.topic[g]] = True
        np.subtract.at(left, plan.members[g], 1)
    _open_groups(s, opened, placed_in, left, lines, set())
    return opened.log
