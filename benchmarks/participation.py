"""Facilitated groups and team mentoring: people placed against the flow bound, time, memory.

Usage: python benchmarks/participation.py [--parts survey facilitated team] [--out FILE]

Each run is its own process (so peak memory is that run's alone) and prints one row:
mode, people, time limit, wall seconds, status, placed, bound (no answer can place more),
eligible, gap to the bound, peak RSS and the gm.check result.

* survey: a developer-survey-like programme (``gm.datasets.make_skills_survey(2813)``, one
  group of up to 6 mentees per facilitator, two needed languages per mentee), three seeds,
  20 s each;
* facilitated: ``make_organization(2000 / 10000)``, size 4-8, 1-2 facilitators, 5 / 20 / 60 s;
* team: ``make_organization(2000 / 10000 / 20000)``, 1-2 mentors per team, 60 s.

Writes every row to a CSV (default benchmarks/out/participation.csv).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ONE_RUN = r"""
import json, resource, sys, time
import groupmatch as gm
mode, n, limit, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
if mode == "survey":
    df = gm.datasets.make_skills_survey(n, random_state=seed)
    roster = gm.Roster.from_frame(df, categorical=["country", "dev_type", "age"])
    spec = gm.FacilitatedGroups(size=(3, 8), facilitators=1, terms=[
        gm.Diversity("country"), gm.Diversity("dev_type"), gm.Diversity("age"),
        gm.SharedNeeds(), gm.BalanceLoad()])
else:
    roster = gm.Roster.from_frame(gm.datasets.make_organization(n, random_state=seed))
    if mode == "facilitated":
        spec = gm.FacilitatedGroups(size=(4, 8), facilitators=(1, 2), terms=[
            gm.Diversity("department"), gm.Diversity("level"), gm.SharedNeeds(),
            gm.NotWithManager(), gm.BalanceLoad()])
    else:
        spec = gm.TeamMentoring(mentors=(1, 2), terms=[
            gm.GoalCoverage(weight=2), gm.DistinctSpecialities(),
            gm.MentorOutsideDepartment(), gm.BalanceLoad(weight=0.1)])
t0 = time.perf_counter()
g = gm.solve(roster, spec, time_limit=limit, random_state=seed)
wall = time.perf_counter() - t0
share = g.participation
print(json.dumps({
    "mode": mode, "people": roster.n, "seed": seed, "time_limit": limit,
    "wall_s": round(wall, 1), "status": g.status.value, "groups": len(g.groups),
    "placed": share["placed"], "bound": share["bound"], "eligible": share["eligible"],
    "placed_of_bound_pct": round(100 * share["placed"] / max(share["bound"], 1), 2),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    "check": "valid" if not gm.check(roster, spec, g) else "INVALID",
}))
"""

PLANS = {
    "survey": [("survey", 2813, 20.0, seed) for seed in (0, 1, 2)],
    "facilitated": [("facilitated", n, limit, 0) for n in (2000, 10000)
                    for limit in (5.0, 20.0, 60.0)],
    "team": [("team", n, 60.0, 0) for n in (2000, 10000, 20000)],
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--parts", nargs="+", choices=sorted(PLANS), default=sorted(PLANS))
    p.add_argument("--out", default="benchmarks/out/participation.csv")
    args = p.parse_args(argv)
    rows = []
    for part in args.parts:
        for mode, n, limit, seed in PLANS[part]:
            done = subprocess.run([sys.executable, "-c", ONE_RUN, mode, str(n), str(limit),
                                   str(seed)], capture_output=True, text=True, check=False)
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
                rows.append({"mode": mode, "people": n, "time_limit": limit, "seed": seed,
                             "status": f"crashed ({done.returncode})"})
            else:
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
