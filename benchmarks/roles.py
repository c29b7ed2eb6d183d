"""Facilitated groups and team mentoring at scale on a generated organisation.

Usage: python benchmarks/roles.py [--people 2000] [--time-limit 60] [--seed 0] [--out FILE]

Prints one row per mode (objective, mentees/members placed, max leader load, seconds, peak
memory, gm.check result) and writes them to a CSV (default benchmarks/out/roles.csv).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd

import groupmatch as gm


def specs():
    return {
        "facilitated": gm.FacilitatedGroups(
            size=(3, 8), facilitators=1,
            terms=[gm.Diversity("department"), gm.Diversity("level"), gm.SharedNeeds(),
                   gm.NotWithManager(), gm.BalanceLoad()]),
        "team": gm.TeamMentoring(
            mentors=(1, 2),
            terms=[gm.GoalCoverage(weight=2), gm.DistinctSpecialities(),
                   gm.MentorOutsideDepartment(), gm.BalanceLoad(weight=0.1)]),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=2000)
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="benchmarks/out/roles.csv")
    args = p.parse_args(argv)
    roster = gm.Roster.from_frame(gm.datasets.make_organization(args.people, random_state=0))
    rows = []
    for mode, spec in specs().items():
        t0 = time.perf_counter()
        g = gm.solve(roster, spec, time_limit=args.time_limit, random_state=args.seed)
        seconds = time.perf_counter() - t0
        member = "mentee" if mode == "facilitated" else "member"
        eligible = g.assignments[g.assignments["role"] == member]["id"].nunique()
        placed = g.assignments.dropna(subset=["group"])
        placed = placed[placed["role"] == member]["id"].nunique()
        used = g.loads[g.loads["groups"] > 0]
        rows.append({
            "mode": mode, "people": roster.n, "status": g.status.value,
            "objective": g.objective, "groups": len(g.groups),
            "placed": placed, "eligible": eligible,
            "placed_pct": round(100 * placed / max(eligible, 1), 2),
            "leaders_used": len(used), "max_load_people": int(used["mentees"].max()),
            "max_load_groups": int(used["groups"].max()),
            "seconds": round(seconds, 1),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "check": "valid" if not gm.check(roster, spec, g) else "INVALID",
        })
        print(pd.DataFrame(rows[-1:]).to_string(index=False))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
