"""Fairness and rules at scale (issue 4): worst group with and without WorstGroupFloor, and the
2,000-person rules check.

Rows:
- ``attrition``: IBM HR attrition (1,470 people, groups of exactly 5, Diversity on Department,
  JobRole, JobLevel, Gender, EducationField; upper bound 11,232), plain vs WorstGroupFloor,
  same seed and time. The worst group's score is its differing member pairs over the five
  columns (50 possible).
- ``org2000``: generated organisation, 2,000 people, groups of 4-6, Diversity on department
  and level plus SharedNeeds, plain vs WorstGroupFloor, same seed and time.
- ``rules2000``: the issue's check, NoIsolation("gender") + CommonSlot() + NotWithManager() on
  the same organisation, with gm.check's verdict.

    python benchmarks/fairness.py --seconds 60 --org-seconds 20 --out benchmarks/out/fairness.csv
"""

from __future__ import annotations

import argparse
import time

import groupmatch as gm

from _common import machine, write_rows
from hr_attrition import load

BOUND = 11_232


def _row(case, mode, seconds, g, roster, spec, t):
    d = g.score_distribution
    total = sum(v for k, v in g.breakdown.items() if k != "worst_group") if g.breakdown else None
    return {"case": case, "mode": mode, "seconds": seconds, "wall": round(t, 1),
            "status": g.status.value, "total": total,
            "worst": d["min"], "p10": d["p10"], "median": d["median"],
            "floor_steps": g.settings.get("floor_steps", ""),
            "violations": len(gm.check(roster, spec, g)) if g.status.has_solution else ""}


def _pair(case, roster, terms, size, seconds, seed):
    rows = []
    for mode, extra in (("plain", []), ("fair", [gm.WorstGroupFloor()])):
        spec = gm.PeerGroups(size=size, terms=[*terms, *extra])
        t = time.perf_counter()
        g = gm.solve(roster, spec, time_limit=seconds, random_state=seed)
        rows.append(_row(case, mode, seconds, g, roster, spec, time.perf_counter() - t))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="time limit, attrition runs")
    ap.add_argument("--org-seconds", type=float, default=20.0, help="time limit, org runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/out/fairness.csv")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    rows = []
    roster, spec = load()
    rows += _pair("attrition", roster, list(spec.terms), 5, args.seconds, args.seed)
    org = gm.Roster.from_frame(gm.datasets.make_organization(2000, random_state=0))
    terms = [gm.Diversity("department"), gm.Diversity("level"), gm.SharedNeeds()]
    rows += _pair("org2000", org, terms, (4, 6), args.org_seconds, args.seed)
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.NoIsolation("gender"), gm.CommonSlot(),
                                             gm.NotWithManager()])
    t = time.perf_counter()
    g = gm.solve(org, spec, time_limit=60, random_state=args.seed)
    rows.append(_row("rules2000", "rules", 60, g, org, spec, time.perf_counter() - t))
    write_rows(rows, args.out)
    for r in rows:
        if r["case"] == "attrition" and r["total"]:
            print(f"attrition {r['mode']}: total {r['total']} = {100 * r['total'] / BOUND:.2f}% "
                  f"of {BOUND}, worst group {r['worst']:g}")


if __name__ == "__main__":
    main()
