"""Hypothesis strategies: small random rosters and peer-group specs (no global RNG)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import groupmatch as gm

TOPICS = ["python", "sql", "negotiation", "coaching", "budgeting"]


@st.composite
def frames(draw, min_n: int = 4, max_n: int = 9) -> pd.DataFrame:
    """A people table with categorical, numeric, multi-valued and manager columns."""
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    ids = [f"e{i}" for i in range(n)]
    managers = [None] + [
        ids[int(rng.integers(0, i))] if rng.random() < 0.7 else None for i in range(1, n)
    ]
    return pd.DataFrame({
        "id": ids,
        "department": rng.choice(["eng", "ops", "hr"], n),
        "gender": rng.choice(["F", "M"], n),
        "tenure_years": np.round(rng.random(n) * 10, 1),
        "manager_id": managers,
        "needs": [";".join(rng.choice(TOPICS, int(rng.integers(0, 3)), replace=False))
                  for _ in range(n)],
    })


@st.composite
def problems(draw, min_n: int = 4, max_n: int = 9):
    """(roster, spec) with a random mix of every term; sizes always able to hold everyone."""
    df = draw(frames(min_n, max_n))
    n = len(df)
    roster = gm.Roster.from_frame(df)
    lo = draw(st.integers(2, 3))
    hi = draw(st.integers(lo, 4))
    if (n + hi - 1) // hi > n // lo:  # these sizes cannot partition n people
        lo, hi = 2, 4
    terms = []
    if draw(st.booleans()):
        terms.append(gm.Diversity("department", weight=draw(st.integers(1, 3))))
    if draw(st.booleans()):
        terms.append(gm.Diversity("tenure_years", weight=1, resolution=2))
    if draw(st.booleans()):
        terms.append(gm.SharedNeeds(weight=draw(st.integers(1, 2))))
    if draw(st.booleans()):
        terms.append(gm.NotWithManager())
    if draw(st.booleans()):
        i, j = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        terms.append(gm.CannotGroup([(f"e{i}", f"e{j}")]))
    if draw(st.booleans()):
        i, j = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        terms.append(gm.MustGroup([(f"e{i}", f"e{j}")]))
    if not terms:
        terms.append(gm.Diversity("gender"))
    even = draw(st.booleans())  # even sizes (the default) and any size in the range
    return roster, gm.PeerGroups(size=(lo, hi), terms=terms, even=even)
