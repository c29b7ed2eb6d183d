"""Compiled local search for pairwise-additive group objectives kept as per-group counts.

The objective is ``sum_g sum_{i<j in g} w(i, j)`` with

* categorical diversity: ``cat_w[k]`` for every attribute ``k`` on which ``i`` and ``j`` differ,
* shared needs: ``multi_w[t]`` for every topic ``t`` both ``i`` and ``j`` have (``B[:, t] == 1``),
* numeric spread: ``num_w[k] * (q[i, k] - q[j, k])**2``,
* listed pairs (wishes to be together or apart): ``pair_w`` of each pair ``(i, j)`` given,
  kept as sparse lists per person: a move adds the weights of ``i``'s partners in the target
  group and takes those in its own (``O(partners)``), and the value is never part of a
  group's own score (the worst-group floor measures the rest).

Nothing here ever builds an ``n x n`` or ``n x G`` matrix. Every group keeps its size, one count per
categorical value and per topic, and the sums ``S1 = sum q`` and ``S2 = sum q**2`` per numeric
column. The value of adding person ``i`` to group ``g`` (``gain``) is then a handful of lookups,
so a move or a swap is evaluated in ``O(Kc + topics of i + Kn)`` whatever the group size:

``gain(i, g) = sum_k cat_w[k] (s_g - C_k[g, cat_ik]) + sum_t multi_w[t] B_it TC[g, t]
+ sum_k num_w[k] (s_g q_ik**2 - 2 q_ik S1[g, k] + S2[g, k])``

Removing ``i`` from its own group changes ``s_g`` and ``C_k[g, cat_ik]`` by one each and adds a
zero term for the numeric part, so the same formula gives the value of ``i`` in its own group
except for the topics, where ``i`` would count itself: ``self_multi[i] = sum_t multi_w[t] B_it``
is subtracted. Hence

* move ``i: g -> h``: ``gain(i, h) - gain(i, g) + self_multi[i]``
* swap ``i (g) <-> j (h)``: the two moves' deltas, minus ``2 w(i, j)`` (each move counted the
  other person as a group mate).

:func:`construct_counts` builds a feasible start greedily (groups take turns picking the best of
a few sampled people); :func:`improve_counts` is simulated annealing over sampled swaps and moves,
some aimed at groups holding a topic-mate, with restarts from the best grouping on doubling
cycle lengths, and returns a :class:`CountRun`; :func:`counts_value` scores a grouping with numpy
alone. Everything is exact int64. The compiled kernels run in chunks of about 30 ms so Python can
check the clock and report progress; all search state lives in arrays owned by one call, so
chunking never changes the result and concurrent calls do not interfere.

Modules: ``stats`` (layout, gain formulas, exact value), ``rules`` (conflicts, forbidden groups,
group-rule penalties), ``anneal`` (the compiled search), ``construct`` (the greedy start),
``pack`` (input validation), ``driver`` (the entry points).
"""

from .driver import CountRun, Tuning, construct_counts, improve_counts
from .stats import counts_value

__all__ = ["CountRun", "Tuning", "construct_counts", "counts_value", "improve_counts"]
