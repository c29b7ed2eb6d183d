"""Tiny MDGPLIB instances are solved to proven optimality (checked against enumeration)."""

import itertools
from pathlib import Path

import numpy as np
import pytest

import groupmatch as gm
from groupmatch.mdgp import read_mdgp

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "mdgp"
CASES = ["RanInt/RanInt_n010_ss_01.txt", "RanInt/RanInt_n010_ds_02.txt",
         "RanReal/RanReal_n010_ds_03.txt"]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data/mdgp not present")
@pytest.mark.parametrize("name", CASES)
def test_tiny_instances_are_proven_optimal(name):
    inst = read_mdgp(SHARED / name)
    roster, spec = inst.to_problem()
    g = gm.solve(roster, spec, time_limit=20, random_state=0)
    assert g.status is gm.Status.OPTIMAL
    best = max(
        gm.score(roster, spec, a)["total"]
        for a in map(np.array, itertools.product(range(inst.m), repeat=inst.n))
        if ((np.bincount(a, minlength=inst.m) >= inst.lo)
            & (np.bincount(a, minlength=inst.m) <= inst.hi)).all()
    )
    assert g.objective == best
