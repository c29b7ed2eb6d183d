"""Metamorphic properties of the exact solver (issue 4).

- Adding a hard rule never improves the proven optimum.
- Pinning a person to the group the optimum gives them leaves the optimum unchanged.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import groupmatch as gm

from strategies import problems

EXTRA_RULES = [
    lambda n: gm.NoIsolation("gender"),
    lambda n: gm.MaxShare("department", 0.67),
    lambda n: gm.MinDistinct("department", 2),
    lambda n: gm.CannotGroup([("e0", f"e{n - 1}")]),
    lambda n: gm.Pin({"e1": 0}),
]


def _optimum(roster, spec):
    try:
        g = gm.solve(roster, spec, time_limit=10, method="exact", workers=1)
    except gm.InfeasibleError:
        return None, None
    if g.status is gm.Status.INFEASIBLE:
        return None, None
    assume(g.status is gm.Status.OPTIMAL)
    return g.objective, g


@settings(max_examples=8, deadline=None)
@given(case=problems(4, 8), rule=st.sampled_from(EXTRA_RULES))
def test_adding_a_hard_rule_never_improves_the_optimum(case, rule):
    roster, spec = case
    extra = rule(roster.n)
    assume(extra.label not in {t.label for t in spec.terms})
    base, _ = _optimum(roster, spec)
    assume(base is not None)
    stricter, _ = _optimum(roster, spec.with_terms(extra))
    assert stricter is None or stricter <= base


@settings(max_examples=8, deadline=None)
@given(case=problems(4, 8), who=st.integers(0, 7))
def test_pinning_to_the_optimal_group_keeps_the_optimum(case, who):
    roster, spec = case
    base, g = _optimum(roster, spec)
    assume(base is not None)
    i = who % roster.n
    group = int(g.assignment_array()[i])
    pinned, _ = _optimum(roster, spec.with_terms(gm.Pin({roster.ids[i]: group})))
    assert pinned == base
    assert np.isfinite(base)
