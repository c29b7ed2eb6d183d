"""IBM HR attrition data (1,470 fictional people): groups of exactly 5, diverse on five columns.

The yardstick from issue 7: total pairwise diversity (per attribute, member pairs with different
values) against its upper bound 11,232 (each value spread as evenly as the groups allow).

    python benchmarks/hr_attrition.py --time-limit 5 60 --out benchmarks/out/hr_attrition.csv
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import groupmatch as gm

from _common import SHARED, machine, peak_memory_mb, write_rows

COLUMNS = ["Department", "JobRole", "JobLevel", "Gender", "EducationField"]


def load(path=SHARED / "employees" / "emp_attrition.csv", n: int | None = None):
    df = pd.read_csv(path, encoding="utf-8-sig")
    if n:
        df = df.head(n)
    roster = gm.Roster.from_frame(df, id="EmployeeNumber", categorical=COLUMNS, numeric=[],
                                  multi=[])
    return roster, gm.PeerGroups(size=5, terms=[gm.Diversity(c) for c in COLUMNS])


def run(time_limit: float, seed: int = 0, n: int | None = None) -> dict:
    roster, spec = load(n=n)
    t0 = time.perf_counter()
    g = gm.solve(roster, spec, time_limit=time_limit, random_state=seed).raise_for_status()
    wall = time.perf_counter() - t0
    assert gm.check(roster, spec, g) == [], "benchmark produced an invalid grouping"
    worst = int(g.groups[[f"diversity[{c}]" for c in COLUMNS]].sum(axis=1).min())
    return {
        "n": roster.n, "groups": len(g.groups), "time_limit": time_limit,
        "status": g.status.value, "objective": g.objective, "bound": g.bound,
        "pct_of_bound": round(100 * g.objective / g.bound, 3) if g.bound else None,
        "worst_group": worst, "first_s": round(g.settings.get("time_to_first", 0.0), 3),
        "wall_s": round(wall, 2), "peak_mb": round(peak_memory_mb()), "seed": seed,
        "method": g.settings.get("method"), "machine": machine(), "version": gm.__version__,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time-limit", type=float, nargs="+", default=[5.0, 60.0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="write the rows as CSV here")
    p.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = p.parse_args(argv)
    if args.smoke:
        rows = [run(0.5, args.seed, n=100)]
    else:
        rows = [run(t, args.seed) for t in args.time_limit]
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
