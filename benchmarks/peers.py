"""Side by side with a peer package on the IBM attrition data, scored by one metric function.

groupmatch and the PyPI package ``anti-clustering`` (if installed: ``pip install
anti-clustering``; it is not a groupmatch dependency) group fictional employees into groups of 5,
diverse on Department, JobRole, JobLevel, Gender and EducationField. Both answers are scored by
``gm.score`` (member pairs with different values, summed over the five columns) against the
static upper bound (11,232 for all 1,470 people), and checked by ``gm.check``.

``anti-clustering`` re-evaluates the whole objective for every candidate exchange (O(n^4) per
pass) and has no time limit, so it cannot finish on 1,470 people; it runs on the first
``--peer-n`` people, and groupmatch runs on the same people with the same wall time.

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
    return {"tool": tool, "method": method, "n": roster.n, "valid": ok, "objective": total,
            "bound": bound,
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


def run_anti_clustering(roster, spec, bound, smoke: bool, seed: int) -> list[dict]:
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
        seconds = time.perf_counter() - t0
        rows.append(_row("anti-clustering", name, roster, spec, labels, seconds, bound))
        print(rows[-1], flush=True)
        rows += run_groupmatch(roster, spec, bound, [max(seconds, 0.2)], seed)
        print(rows[-1], flush=True)
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time-limit", type=float, nargs="+", default=[5.0, 60.0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    p.add_argument("--peer-n", type=int, default=200, help="people for the side-by-side run")
    p.add_argument("--smoke", action="store_true", help="100 people, short runs")
    args = p.parse_args(argv)
    roster, spec = load(n=100 if args.smoke else None)
    rows = run_groupmatch(roster, spec, _bound(roster, spec), [0.5] if args.smoke
                          else args.time_limit, args.seed)
    small, spec = load(n=50 if args.smoke else args.peer_n)
    rows += run_anti_clustering(small, spec, _bound(small, spec), args.smoke, args.seed)
    write_rows(rows, args.out)


def _bound(roster, spec) -> int:
    problem = spec.resolve(roster.n)
    return sum(t.upper_bound(roster, problem.lo, problem.hi) for t in spec.terms)


if __name__ == "__main__":
    main()
