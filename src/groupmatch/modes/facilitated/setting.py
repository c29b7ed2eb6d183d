"""Facilitated groups resolved against a roster: who may be mentored or facilitate which
topics, capacities, per-topic supply and the counting checks with their numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...exceptions import InputError
from ..roles.plan import capacities, people_in_roles

__all__ = ["Setting"]


@dataclass
class Setting:
    """A spec resolved against a roster: eligible people, topics, capacities, limits."""

    spec: object  # the FacilitatedGroups it resolves
    lo: int
    hi: int
    fmin: int
    fmax: int
    mentee: np.ndarray  # may be mentored (role) and needs at least one allowed topic
    leader: np.ndarray  # may facilitate (role, capacity) and has an allowed topic
    needs: np.ndarray  # (n, T) bool, restricted to allowed topics
    expertise: np.ndarray  # (n, T) bool, restricted to allowed topics
    cap_groups: np.ndarray
    cap_mentees: np.ndarray
    max_groups: np.ndarray
    needed: np.ndarray | None = None  # (n, T) needs before a tier="must" preference narrows them
    # ranked choices, weighted as the objective weighs them: what placing mentee i on topic t
    # earns (TopicPreference), and what a ranked facilitator earns over an unranked one
    topic_value: np.ndarray | None = None
    lead_value: dict | None = None

    @classmethod
    def of(cls, roster, spec) -> Setting:
        for col in ("needs", "expertise"):
            if col not in roster.multi:
                raise InputError(
                    f"Facilitated groups need a {col!r} column (topics, as lists or "
                    f"';'-separated strings); the roster has none. Pass Roster.from_frame(..., "
                    f"multi={{'{col}': 'your_column', ...}})."
                )
        vocab = roster.topics
        allowed = np.ones(len(vocab), dtype=bool)
        if spec.topics is not None:
            unknown = [t for t in spec.topics if t not in vocab]
            if unknown:
                raise InputError(f"FacilitatedGroups(topics=...) names {unknown[:5]}, which no "
                                 f"mentee needs and no facilitator has. Known topics: "
                                 f"{', '.join(vocab[:10])}{'...' if len(vocab) > 10 else ''}.")
            allowed = np.isin(np.array(vocab, dtype=object), np.array(spec.topics, dtype=object))
        needs = np.asarray(roster.multi["needs"].matrix, dtype=bool) & allowed
        needed = needs
        for t in spec.role_terms:  # tier="must" preferences: only the topics ranked
            ok = getattr(t, "allowed", lambda *_: None)(roster, needs.shape[1])
            if ok is not None:
                needs = needs & ok
        expertise = np.asarray(roster.multi["expertise"].matrix, dtype=bool) & allowed
        may_mentee, may_lead = people_in_roles(roster)
        cap_groups, cap_mentees = capacities(roster, spec.capacity)
        if isinstance(spec.max_groups, str):
            if spec.max_groups not in roster.frame.columns:
                raise InputError(f"FacilitatedGroups(max_groups={spec.max_groups!r}) names a "
                                 "column that is not in the roster's table.")
            mg = pd.to_numeric(roster.frame[spec.max_groups], errors="coerce").to_numpy()
            if not np.isfinite(mg).all() or (mg < 0).any() or (mg != np.round(mg)).any():
                raise InputError(f"Column {spec.max_groups!r} (max_groups) must hold whole "
                                 "numbers >= 0.")
            max_groups = mg.astype(np.int64)
        else:
            max_groups = np.full(roster.n, int(spec.max_groups), dtype=np.int64)
        lo, hi = spec.size_range
        fmin, fmax = spec.facilitator_range
        mentee = may_mentee & needs.any(axis=1) & (max_groups > 0)
        leader = may_lead & expertise.any(axis=1) & (cap_groups > 0) & (cap_mentees >= lo)
        for t in spec.terms:
            t.validate(roster, 1)
        topic_value, lead_value = _choice_values(roster, spec, needs.shape[1])
        return cls(spec, lo, hi, fmin, fmax, mentee, leader, needs, expertise, cap_groups,
                   cap_mentees, max_groups, needed, topic_value, lead_value)

    # -- counting ---------------------------------------------------------------------------
    def topic_supply(self, roster) -> pd.DataFrame:
        """Per topic: mentees who need it, facilitators who have it, and what they can take."""
        vocab = roster.topics
        demand = self.needs[self.mentee].sum(axis=0)
        _, may_lead = people_in_roles(roster)
        rows = []
        for t, name in enumerate(vocab):
            experts = np.flatnonzero(self.leader & self.expertise[:, t])
            without_room = int((may_lead & ~self.leader & self.expertise[:, t]).sum())
            k = len(experts)
            groups = int(self.cap_groups[experts].sum()) // self.fmin if k >= self.fmin else 0
            take = (min(groups * self.hi, int(self.cap_mentees[experts].sum()) // self.fmin)
                    if groups else 0)
            rows.append({"topic": name, "mentees": int(demand[t]), "facilitators": k,
                         "max_groups": groups, "max_mentees": take,
                         "without_room": without_room})
        return pd.DataFrame(rows)

    def shortages(self, roster) -> dict[str, str]:
        """Topic -> plain-words counting message, for topics that cannot take all who need them."""
        out = {}
        for r in self.topic_supply(roster).itertuples():
            if r.mentees == 0:
                continue
            who = "facilitator who has it" if r.facilitators == 1 else "facilitators who have it"
            if r.facilitators == 0 and r.without_room:
                msg = (f"{r.mentees} mentees need it; the {r.without_room} who could facilitate "
                       f"it have no room for a group of {self.lo} (capacity)")
            elif r.facilitators == 0:
                msg = f"{r.mentees} mentees need it; no facilitator has it"
            elif r.facilitators < self.fmin:
                msg = (f"{r.mentees} mentees need it; only {r.facilitators} {who}, and each "
                       f"group needs {self.fmin}")
            elif r.mentees < self.lo:
                people = "1 mentee needs" if r.mentees == 1 else f"{r.mentees} mentees need"
                msg = f"only {people} it, fewer than the minimum group size {self.lo}"
            elif r.max_mentees < r.mentees:
                msg = (f"{r.mentees} mentees need it; the {r.facilitators} {who} can take "
                       f"{r.max_mentees} in total")
            else:
                continue
            out[r.topic] = f"topic {r.topic!r}: {msg}"
        return out


def _choice_values(roster, spec, n_topics) -> tuple[np.ndarray | None, dict | None]:
    """The weighted values of the ranked-choice terms, as the construction and the finish use
    them: (n, topics) for topics, {(mentee, facilitator): gain} for facilitators."""
    weights = spec.weight_of()
    topic_value, lead_value = None, None
    for term in spec.role_terms:
        w = weights.get(term.label, 0)
        if getattr(term, "chooses", "") == "topic":
            v = w * term.values(roster)[:, :n_topics]
            topic_value = v if topic_value is None else topic_value + v
        elif getattr(term, "chooses", "") == "facilitator":
            lead_value = lead_value or {}
            for i, f, gain in term.wishes(roster):
                lead_value[i, f] = lead_value.get((i, f), 0) + w * gain
    return topic_value, lead_value
