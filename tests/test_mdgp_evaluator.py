"""The numpy evaluator reproduces published MDGP objectives (TPSDP best solutions)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm
from groupmatch.mdgp import read_mdgp

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mdgp"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data/mdgp not present")


def _cases():
    if not SHARED.exists():
        return []
    sols = pd.read_csv(SHARED / "tpsdp_best_solutions.csv")
    bks = pd.read_csv(SHARED / "bks.csv").set_index("instance")["best_known"]
    out = []
    for row in sols.itertuples():
        folder = row.instance.split("_")[0]
        path = SHARED / folder / f"{row.instance}.txt"
        if path.exists():
            out.append((path, row.assignment, float(bks[row.instance])))
    return out


CASES = _cases()


def test_there_are_cases_to_check():
    assert len(CASES) >= 80


@pytest.mark.parametrize("path,assignment,best", CASES, ids=[c[0].stem for c in CASES])
def test_score_reproduces_best_known(path, assignment, best):
    inst = read_mdgp(path)
    roster, spec = inst.to_problem()
    a = np.array(assignment.split(), dtype=np.int64)
    assert gm.check(roster, spec, a) == []
    total = gm.score(roster, spec, a)["total"]
    scale = spec.terms[0].scale
    assert total / scale == pytest.approx(best, rel=1e-6)
