"""Static upper bounds never cut off a real grouping (checked by enumeration on tiny cases)."""

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import groupmatch as gm


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), sizes=st.sampled_from([
    [(2, 2), (2, 2), (2, 3)], [(1, 3), (2, 4), (1, 2)], [(3, 3), (3, 3)]]))
def test_bounds_hold_for_every_grouping(seed, sizes):
    rng = np.random.default_rng(seed)
    n = int(sum(a for a, _ in sizes) + rng.integers(0, 1 + sum(b - a for a, b in sizes)))
    df = pd.DataFrame({
        "id": range(n), "department": rng.choice(list("xyz"), n), "tenure_years": rng.random(n) * 9,
        "needs": [";".join(rng.choice(list("abc"), int(rng.integers(0, 3)), replace=False))
                  for _ in range(n)],
    })
    roster = gm.Roster.from_frame(df)
    for term in (gm.Diversity("department"), gm.SharedNeeds(), gm.Diversity("tenure_years")):
        spec = gm.PeerGroups(size=sizes, terms=[term])
        problem = spec.resolve(n)
        bound = term.upper_bound(roster, problem.lo, problem.hi)
        best = max(
            gm.score(roster, problem, a)["total"]
            for a in map(np.array, itertools.product(range(len(sizes)), repeat=n))
            if not gm.check(roster, problem, a)
        )
        assert best <= bound
