"""Hard group rules on the search path: seconds to the first valid grouping and the objective.

Cases: ``sample`` (the bundled 300 people, the issue's spec: Diversity on department, site, level,
gender + SharedNeeds + NotWithManager + NoIsolation("gender") + CommonSlot(), sizes 4-6),
``sample_share`` (the same + MaxShare("department", 0.4) + MinDistinct("site", 2)), ``org``
(make_organization(2000, random_state=0), NoIsolation + CommonSlot + NotWithManager) and
``org_obj`` (``org`` + Diversity("department") + SharedNeeds). "first valid" is the first
kernel report without any rule penalty (the construction's time included).

    python benchmarks/rules_repair.py --case sample --seconds 5 --seed 0
"""

from __future__ import annotations

import argparse
import time

import groupmatch as gm

OBJECTIVES = [gm.Diversity("department"), gm.Diversity("site"), gm.Diversity("level"),
              gm.Diversity("gender"), gm.SharedNeeds(), gm.NotWithManager()]
RULES = [gm.NoIsolation("gender"), gm.CommonSlot()]
CASES = {
    "sample": (None, [*OBJECTIVES, *RULES]),
    "sample_share": (None, [*OBJECTIVES, *RULES, gm.MaxShare("department", 0.4),
                            gm.MinDistinct("site", 2)]),
    "org": (2000, [*RULES, gm.NotWithManager()]),
    "org_obj": (2000, [gm.Diversity("department"), gm.SharedNeeds(), *RULES,
                       gm.NotWithManager()]),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=sorted(CASES), default="sample")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deterministic", action="store_true")
    args = ap.parse_args()
    n, terms = CASES[args.case]
    df = gm.datasets.load_sample() if n is None else gm.datasets.make_organization(
        n, random_state=0)
    roster = gm.Roster.from_frame(df)
    spec = gm.PeerGroups(size=(4, 6), terms=terms)
    first = []

    def progress(event):
        # the kernel reports its value net of rule penalties, negative while a rule is broken
        if not first and event["event"] == "improved" and (event["objective"] or 0) >= 0:
            first.append(event["elapsed"])

    t = time.perf_counter()
    g = gm.solve(roster, spec, time_limit=args.seconds, method="search", random_state=args.seed,
                 deterministic=args.deterministic, progress=progress)
    wall = time.perf_counter() - t
    ok = g.status.has_solution
    print(f"{args.case} seed {args.seed} limit {args.seconds:g} s: {g.status.value}, "
          f"wall {wall:.2f} s, first valid {first[0] if first else float('nan'):.2f} s, "
          f"objective {g.objective if ok else None}, repair {g.settings.get('repair_seconds')} s, "
          f"gm.check {gm.check(roster, spec, g) if ok else g.message}")


if __name__ == "__main__":
    main()
