"""HR scale: peer groups of 5-6 on generated organisations of 1k / 10k / 100k people.

Spec: diversity on department, site, level and gender, shared learning needs, nobody with their
manager. Reports time to the first valid grouping, the objective at 10 s and 60 s and at the end,
and the peak memory of the process (each size runs in its own subprocess so peaks don't mix).

    python benchmarks/scale.py --sizes 1000 10000 100000 --time-limit 300 --out out/scale.csv
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import groupmatch as gm

from _common import machine, peak_memory_mb, write_rows

CATEGORICAL = ["department", "site", "level", "gender"]


def spec() -> gm.PeerGroups:
    return gm.PeerGroups(size=(5, 6), terms=[*(gm.Diversity(c) for c in CATEGORICAL),
                                             gm.SharedNeeds(), gm.NotWithManager()])


def run(n: int, time_limit: float, seed: int = 0) -> dict:
    t0 = time.perf_counter()
    df = gm.datasets.make_organization(n, random_state=seed)
    roster = gm.Roster.from_frame(df)
    setup = time.perf_counter() - t0
    trace: list[tuple[float, int]] = []

    def progress(event: dict) -> None:
        if event.get("objective") is not None:
            trace.append((event["elapsed"], int(event["objective"])))

    s = spec()
    g = gm.solve(roster, s, time_limit=time_limit, random_state=seed, progress=progress)
    g.raise_for_status()
    ok = gm.check(roster, s, g) == []

    def at(seconds: float):
        seen = [v for t, v in trace if t <= seconds]
        return max(seen) if seen else None

    return {
        "n": n, "groups": len(g.groups), "time_limit": time_limit, "valid": ok,
        "setup_s": round(setup, 2), "first_s": round(g.settings.get("time_to_first", 0.0), 2),
        "obj_10s": at(10), "obj_60s": at(60), "objective": g.objective, "bound": g.bound,
        "pct_of_bound": round(100 * g.objective / g.bound, 3) if g.bound else None,
        "wall_s": round(g.wall_time, 1), "peak_mb": round(peak_memory_mb()),
        "seed": seed, "machine": machine(), "version": gm.__version__,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process
    p.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.time_limit = [200], 1.0
    if args.one:
        print(json.dumps(run(args.sizes[0], args.time_limit, args.seed)))
        return
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--sizes", str(n),
               "--time-limit", str(args.time_limit), "--seed", str(args.seed)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
