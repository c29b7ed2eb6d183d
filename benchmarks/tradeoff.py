"""Trade-off sweep (issue 15): one programme under five weights of shared needs on a 2-worker
Dask LocalCluster; prints the frame and writes it as CSV.

Usage: python benchmarks/tradeoff.py [--people 1000] [--seconds 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import time
import warnings

import groupmatch as gm

COLUMNS = ["weight", "shared[needs]", "diversity[department]", "diversity[level]", "others",
           "worst_group", "valid", "efficient", "found_at"]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--weights", type=float, nargs="+", default=[0, 0.5, 1, 2, 4])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    from distributed import Client, LocalCluster

    warnings.simplefilter("ignore", gm.TermBelowRandomWarning)
    roster = gm.Roster.from_frame(gm.datasets.make_organization(args.people,
                                                                random_state=args.seed))
    spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.Diversity("level"),
                                             gm.SharedNeeds(), gm.NotWithManager()])
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        t0 = time.perf_counter()
        frame = gm.tradeoff(roster, spec, vary="shared[needs]", weights=args.weights,
                            time_limit=args.seconds, random_state=args.seed, client=client)
        wall = time.perf_counter() - t0
    shown = frame[[c for c in COLUMNS if c in frame.columns]]
    print(shown.to_string(index=False))
    values = frame["shared[needs]"].tolist()
    monotone = all(a <= b for a, b in zip(values, values[1:], strict=False))
    print(f"\n{len(values)} weights in {wall:.1f} s on a 2-worker LocalCluster; shared needs "
          f"never decreasing: {monotone}; "
          f"Pareto points: {int(frame['efficient'].sum())}")
    if args.out:
        shown.to_csv(args.out, index=False)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
