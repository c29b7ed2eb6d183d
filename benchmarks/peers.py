"""Side by side with a peer package on the IBM attrition data, scored by one metric function.

groupmatch and the PyPI package ``anti-clustering`` (if installed: ``pip install
anti-clustering``; it is not a groupmatch dependency) group the 1,470 fictional employees into
groups of 5, diverse on Department, JobRole, JobLevel, Gender and EducationField. Both answers
are scored by ``gm.score`` (member pairs with different values, summed over the five columns)
against the upper bound 11,232, and checked by ``gm.check``.

    python benchmarks/peers.py --out benchmarks/out/peers.csv
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import groupmatch as gm

from _common import machine, write_rows
from hr_attrition import COLUMNS, load


def _row(tool, method, roster, spec, assignment, seconds, bound) -> dict:
    ok = gm.check(roster, spec, assignment) == []
    total = gm.score(roster, spec, assignment)["total"]
    return {"tool": tool, "method": method, "valid": ok, "objective": total, "bound": bound,
            "pct_of_bound": round(100 * total / bound, 3), "seconds": round(seconds, 1),
            "machine": machine()}


def run_groupmatch(roster, spec, bound, limits, seed) -> list[dict]:
    rows = []
    for limit in limits:
        t0 = time.perf_counter()
        g = gm.solve(roster, spec, time_limit=limit, random_state=seed).raise_for_status()
        rows.append(_row("groupmatch", f"solve(time_limit={limit:g})", roster, spec, g,
                         time.perf_counter() - t0, bound))
    return rows


def run_anti_clustering(roster, spec, bound, smoke: bool) -> list[dict]:
    try:
        import anti_clustering as ac
    except ImportError:
        print("anti-clustering is not installed; skipping it (pip install anti-clustering)")
        return []
    df = roster.frame[COLUMNS].astype(str)
    n_groups = roster.n // 5
    methods = [("exchange, 1 restart",
                ac.ExchangeHeuristicAntiClustering(random_seed=0, restarts=1))]
    if not smoke:
        methods.append(("tabu search, 1 restart",
                        ac.TabuSearchHeuristicAntiClustering(random_seed=0, restarts=1)))
    rows = []
    for name, algo in methods:
        t0 = time.perf_counter()
        out = algo.run(df=df, numerical_columns=None, categorical_columns=COLUMNS,
                       num_groups=n_groups, destination_column="group")
        labels = np.asarray(out["group"])
        rows.append(_row("anti-clustering", name, roster, spec, labels,
                         time.perf_counter() - t0, bound))
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time-limit", type=float, nargs="+", default=[5.0, 60.0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    p.add_argument("--smoke", action="store_true", help="100 people, short runs")
    args = p.parse_args(argv)
    roster, spec = load(n=100 if args.smoke else None)
    problem = spec.resolve(roster.n)
    bound = sum(t.upper_bound(roster, problem.lo, problem.hi) for t in spec.terms)
    limits = [0.5] if args.smoke else args.time_limit
    rows = run_groupmatch(roster, spec, bound, limits, args.seed)
    rows += run_anti_clustering(roster, spec, bound, args.smoke)
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
