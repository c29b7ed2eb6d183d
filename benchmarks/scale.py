"""HR scale: peer groups of 5-6 on generated organisations of 1k / 10k / 100k people.

Spec: diversity on department, site, level and gender, shared learning needs, nobody with their
manager. Reports time to the first valid grouping, the objective at 10 s and 60 s and at the end,
and the peak memory of the process (each size runs in its own subprocess so peaks don't mix).

    python benchmarks/scale.py --sizes 1000 10000 100000 --time-limit 300 --out out/scale.csv

With ``--partition-by site`` the programme is split by site into independent parts, solved in
parallel by ``--workers-processes`` processes (1: one part after the other in this process; 2:
a pool of two) and joined (``gm.solve(..., partition_by="site")``); ``--time-limit`` is then
each part's; ``first_s`` is then the slowest part's own time to its first grouping (parts
waiting for a process are not counted). ``peak_mb`` is the parent process's,
``worker_peak_mb`` the largest of the processes that solved parts:

    python benchmarks/scale.py --sizes 1000000 --partition-by site --workers-processes 1 2
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


def run(n: int, time_limit: float, seed: int = 0, partition_by: str | None = None,
        processes: int | None = None) -> dict:
    t0 = time.perf_counter()
    df = gm.datasets.make_organization(n, random_state=seed)
    roster = gm.Roster.from_frame(df)
    setup = time.perf_counter() - t0
    trace: list[tuple[float, int]] = []

    def progress(event: dict) -> None:
        if event.get("objective") is not None:
            trace.append((event["elapsed"], int(event["objective"])))

    s = spec()
    if partition_by is None:
        g = gm.solve(roster, s, time_limit=time_limit, random_state=seed, progress=progress)
    else:
        g = gm.solve(roster, s, time_limit=time_limit, random_state=seed,
                     partition_by=partition_by, workers=processes)
    g.raise_for_status()
    ok = gm.check(roster, s, g) == []
    parts = g.settings.get("partition", {}).get("parts", [])
    if parts:  # parts report no progress events: the joined objective, when the last ends
        trace.append((max(p["seconds"] for p in parts), int(g.objective)))

    def at(seconds: float):
        seen = [v for t, v in trace if t <= seconds]
        return max(seen) if seen else None

    return {
        "n": n, "partition_by": partition_by or "-", "parts": len(parts) or 1,
        "processes": processes or 1, "groups": len(g.groups), "time_limit": time_limit,
        "valid": ok,
        "setup_s": round(setup, 2),
        "first_s": round(max((p["time_to_first"] or 0 for p in parts), default=None)
                         or g.settings.get("time_to_first", 0.0), 2),
        "obj_10s": at(10), "obj_60s": at(60), "objective": g.objective, "bound": g.bound,
        "pct_of_bound": round(100 * g.objective / g.bound, 3) if g.bound else None,
        "wall_s": round(g.wall_time, 1), "peak_mb": round(peak_memory_mb()),
        "worker_peak_mb": round(max((p["peak_mb"] or 0 for p in parts), default=0)) or None,
        "seed": seed, "machine": machine(), "version": gm.__version__,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    p.add_argument("--partition-by", default=None, help="split by this column (e.g. site)")
    p.add_argument("--workers-processes", type=int, nargs="+", default=[1],
                   help="with --partition-by: processes solving parts (one run each)")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process
    p.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.time_limit = [200], 1.0
    if args.one:
        processes = args.workers_processes[0] if args.partition_by else None
        print(json.dumps(run(args.sizes[0], args.time_limit, args.seed, args.partition_by,
                             processes)))
        return
    rows = []
    for n in args.sizes:
        for processes in (args.workers_processes if args.partition_by else [1]):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--sizes", str(n),
                   "--time-limit", str(args.time_limit), "--seed", str(args.seed)]
            if args.partition_by:
                cmd += ["--partition-by", args.partition_by,
                        "--workers-processes", str(processes)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    write_rows(rows, args.out)


if __name__ == "__main__":
    main()
