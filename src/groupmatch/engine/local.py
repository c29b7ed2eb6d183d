"""Bridge from terms to the compiled local-search kernels.

Terms describe themselves as ``SearchComponent`` objects; this module packs them into the flat
integer arrays the numba kernels take and calls the right kernel:

- with a user distance matrix (the n×n is already there), everything is folded into one dense
  matrix and the dense MDGP kernel runs;
- otherwise the count-based kernel runs, which keeps per-group counts and sums and never builds
  an n×n or n×G array.

Pairs with a weight (``"pairs"`` components: ``data`` rows ``(i, j, value)``, the pair worth
``weight × value`` when ``i`` and ``j`` share a group, as listed wishes are) go to the count
kernel as sparse lists and into the dense kernel's matrix.

Rules the kernels understand: size bounds, conflict pairs, fixed people; the count kernel also
forbidden (person, group) pairs and group-composition rules (no isolation, max share, min
distinct, common slot, time zones): a start breaking hard ones is first repaired on the rules
alone (:meth:`LocalSearch.repair`), then the objective is optimised with the rules kept. People in
must-group units of two or more stay where they are during local search (the CP-SAT windows move
them). The dense kernel knows none of the group rules: with them, the engine falls back to CP-SAT.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .construct import conflict_csr, unit_labels

__all__ = ["LocalSearch", "prepare"]

# Deterministic mode runs the kernels on work budgets; these convert seconds to work units
# (measured on the 2-core reference machine, see benchmarks/RESULTS.md).
DENSE_WORK_PER_SECOND = 300  # millions of evaluated neighbours (about 300 per second measured)
# The count kernel's cost per candidate move or swap, in nanoseconds, by the problem's shape
# (least squares over 39 shapes at 300, 2,000 and 10,000 people, CPU time, best of 3: 12% rms
# error, 24% at worst; then raised 15%, what whole 5 s solves cost more per candidate than the
# fit's short runs). An objective on one attribute alone accepts most candidates and runs about
# 1.5x slower than predicted. Group rules dominate: one rule doubles or triples the cost.
COUNT_NS_BASE = 105.0  # the objective's deltas and the candidate's bookkeeping
COUNT_NS_PER_DOUBLING = 15.0  # each doubling of the people beyond 300 (cache misses)
COUNT_NS_TOPICS = 45.0  # topic-guided targets (when a shared-topic term is weighted)
COUNT_NS_RULES = 165.0  # any group rule: rule counts applied and undone, two group penalties
COUNT_NS_PER_RULE_COLUMN = 8.5  # each value or slot the rules count per group
COUNT_NS_PER_PERSON_COLUMN = 11.5  # each rule column a person holds, at most (the widest row)


def count_cost_ns(n: int, topics: bool, rule_columns: int, rule_width: int,
                  rules: bool) -> float:
    """Predicted nanoseconds per candidate of the count kernel on the reference machine.

    Examples
    --------
    >>> round(count_cost_ns(300, topics=True, rule_columns=0, rule_width=0, rules=False))
    150
    >>> round(count_cost_ns(2400, topics=True, rule_columns=2, rule_width=1, rules=True))
    388
    """
    ns = COUNT_NS_BASE + COUNT_NS_PER_DOUBLING * max(np.log2(max(n, 1) / 300), 0.0)
    ns += COUNT_NS_TOPICS if topics else 0.0
    if rules:
        ns += (COUNT_NS_RULES + COUNT_NS_PER_RULE_COLUMN * rule_columns
               + COUNT_NS_PER_PERSON_COLUMN * rule_width)
    return ns


@dataclass
class LocalSearch:
    """Packed kernel inputs for one problem."""

    kind: str  # "dense" or "counts"
    args: dict
    movable: np.ndarray
    conf_ptr: np.ndarray
    conf_idx: np.ndarray
    fixed: np.ndarray | None = None  # group per person or -1 (pinned people)
    rule_args: dict | None = None  # count kernel only: group rules and forbidden pairs

    @cached_property
    def work_per_second(self) -> float:
        """Kernel work units in about one second on the reference machine: turns seconds into
        a deterministic budget (the dense kernel's millions of neighbours, or count kernel
        candidates from :func:`count_cost_ns`)."""
        if self.kind == "dense":
            return DENSE_WORK_PER_SECOND
        rules = [r[0] for r in (self.rule_args or {}).get("rules", ())]
        columns = sum(int(np.shape(m)[1]) if np.ndim(m) == 2 else 1 for m in rules)
        width = 0
        if rules:
            held = sum(np.count_nonzero(np.asarray(m).reshape(len(self.movable), -1), axis=1)
                       for m in rules)
            width = int(np.max(held, initial=0))
        topics = "B" in self.args and bool(np.any(np.asarray(self.args["multi_w"]) > 0))
        ns = count_cost_ns(len(self.movable), topics, columns, width, bool(rules))
        return 1e9 / ns

    def construct(self, lo, hi, seed) -> np.ndarray | None:
        """An objective-aware greedy start (count kernel only); None when not available."""
        if self.kind != "counts":
            return None
        pinned = self.fixed >= 0 if self.fixed is not None else np.zeros(len(self.movable), bool)
        if not (self.movable | pinned).all():
            return None  # must-group units: the generic start keeps them whole
        from .count import construct_counts

        try:
            return construct_counts(lo, hi, len(self.movable), conf_ptr=self.conf_ptr,
                                    conf_idx=self.conf_idx, seed=seed, fixed=self.fixed,
                                    **self.args, **(self.rule_args or {}))
        except ValueError:
            return None  # the caller falls back to the generic start

    @property
    def hard_rules(self) -> list:
        """The hard group rules (weight 0) among the count kernel's rules."""
        return [r for r in (self.rule_args or {}).get("rules", ()) if r[4] == 0]

    def repair(self, assign, lo, hi, *, time_limit, max_work, seed):
        """Anneal on the hard rules alone until they hold; return (assignment, work, broken).

        With the objective in the picture, a hard rule's penalty outweighs any objective change,
        so the full search only ever descends the penalty and gets stuck where no single move or
        swap lowers it. Without the objective the penalty is all there is: uphill steps of one
        unit are taken now and then and sideways ones always, which crosses those plateaus (on
        the 300-person sample, MaxShare + MinDistinct + NoIsolation + CommonSlot: 0.1-0.3 s
        here against no valid grouping in 30 s). Conflicts, forbidden groups and pinned people
        are honoured as in :meth:`improve`. ``broken`` counts groups still breaking a rule.
        """
        from .count import improve_counts

        rules = self.hard_rules
        if self.kind != "counts" or not rules:
            return assign, 0, 0
        extra = {k: v for k, v in (self.rule_args or {}).items() if k != "rules"}
        run = improve_counts(assign.astype(np.int64), lo, hi, movable=self.movable,
                             conf_ptr=self.conf_ptr, conf_idx=self.conf_idx,
                             time_limit=time_limit, max_work=max_work, seed=seed,
                             rules=rules, **extra)
        return run.assign, run.work, run.broken

    def improve(self, assign, lo, hi, *, time_limit, max_work, seed, progress=None,
                floor=None, workers=1):
        """Run the kernel from ``assign``; return (assignment, kernel objective).

        ``floor`` (count kernel only) keeps every group's own objective at least that high.
        ``workers`` (dense kernel only) runs that many independent searches on threads.
        """
        a, value, _ = self.run(assign, lo, hi, time_limit=time_limit, max_work=max_work,
                               seed=seed, progress=progress, floor=floor, workers=workers)
        return a, value

    def run(self, assign, lo, hi, *, time_limit, max_work, seed, progress=None, floor=None,
            workers=1, target=None):
        """As :meth:`improve`, plus the work spent (candidates; the dense kernel's budget in
        its own units, as ``work_per_second`` counts it). ``target`` (count kernel only): an
        upper bound of the objective; the search stops once it gets there."""
        common = dict(movable=self.movable, conf_ptr=self.conf_ptr, conf_idx=self.conf_idx,
                      time_limit=time_limit, max_work=max_work, seed=seed, progress=progress)
        if self.kind == "dense":
            from ._dense_kernel import improve_dense

            a, value = improve_dense(self.args["D"], assign.astype(np.int64), lo, hi, **common,
                                     workers=workers)
            return a, value, (max_work or 0)
        from .count import improve_counts

        run = improve_counts(assign.astype(np.int64), lo, hi, **self.args, **common,
                             **(self.rule_args or {}), floor=floor, target=target)
        return run.assign, run.value, run.work


def prepare(comps: dict, n: int) -> LocalSearch | None:
    """Pack components, or return None when some term cannot be compiled."""
    if comps.get("uncompiled"):
        return None
    cat = [(c.data, w) for c, w in comps.get("categorical", []) if w]
    multi = [(c.data, w) for c, w in comps.get("multi", []) if w]
    num = [(c.data, w) for c, w in comps.get("numeric", []) if w]
    dense = [(c.data, w) for c, w in comps.get("dense", []) if w]
    listed = [(np.asarray(c.data, dtype=np.int64).reshape(-1, 3), w)
              for c, w in comps.get("pairs", []) if w]
    pair_rows = np.concatenate([m[:, :2] for m, _ in listed]) if listed else None
    pair_w = np.concatenate([w * m[:, 2] for m, w in listed]) if listed else None
    units = unit_labels(n, [c.data for c, _ in comps.get("units", [])])
    unit_size = np.bincount(units, minlength=n)[units]
    movable = unit_size == 1
    fixed = None
    for c, _ in comps.get("fixed", []):
        movable &= np.asarray(c.data) < 0
        fixed = c.data if fixed is None else np.where(c.data >= 0, c.data, fixed)
    ptr, idx = conflict_csr(n, [c.data for c, _ in comps.get("conflicts", [])])
    graded = comps.get("group_rule_graded", [True] * len(comps.get("group_rule", [])))
    rules = [(c.data, c.params[0], c.params[1], c.params[2], w,
              c.params[3] if len(c.params) > 3 else None, grade)
             for (c, w), grade in zip(comps.get("group_rule", []), graded, strict=True)]
    forbidden = [np.asarray(c.data, dtype=np.int64).reshape(-1, 2)
                 for c, _ in comps.get("forbidden", [])]
    if dense and (rules or forbidden):
        return None  # the dense kernel cannot honour them: CP-SAT start and windows instead
    if dense:
        d = np.zeros((n, n), dtype=np.int64)
        for m, w in dense:
            d += w * np.asarray(m, dtype=np.int64)
        for codes, w in cat:
            d += w * (codes[:, None] != codes[None, :])
        for m, w in multi:
            mm = np.asarray(m, dtype=np.int64)
            d += w * (mm @ mm.T)
        for q, w in num:
            q = np.asarray(q, dtype=np.int64)
            d += w * (q[:, None] - q[None, :]) ** 2
        if pair_rows is not None:
            np.add.at(d, (pair_rows[:, 0], pair_rows[:, 1]), pair_w)
            np.add.at(d, (pair_rows[:, 1], pair_rows[:, 0]), pair_w)
        np.fill_diagonal(d, 0)
        return LocalSearch("dense", {"D": d}, movable, ptr, idx, fixed)
    args = {}
    if cat:
        args["cat"] = np.stack([np.asarray(c, dtype=np.int32) for c, _ in cat], axis=1)
        args["cat_w"] = np.array([w for _, w in cat], dtype=np.int64)
    if multi:
        args["B"] = np.concatenate([np.asarray(m, dtype=np.uint8) for m, _ in multi], axis=1)
        args["multi_w"] = np.concatenate(
            [np.full(np.asarray(m).shape[1], w, dtype=np.int64) for m, w in multi]
        )
    if num:
        args["q"] = np.stack([np.asarray(q, dtype=np.int64) for q, _ in num], axis=1)
        args["num_w"] = np.array([w for _, w in num], dtype=np.int64)
    if pair_rows is not None:
        args["pairs"], args["pair_w"] = pair_rows, pair_w
    rule_args = {}
    if rules:
        rule_args["rules"] = rules
    if forbidden:
        rule_args["forbidden"] = np.concatenate(forbidden)
    return LocalSearch("counts", args, movable, ptr, idx, fixed, rule_args)
