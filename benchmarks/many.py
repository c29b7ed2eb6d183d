"""Many programmes: one after the other vs the local process pool vs a 2-worker Dask cluster.

Each programme is a generated organisation (``make_organization(people, random_state=k)``)
in peer groups of 5-6: diversity on department, site, level and gender, shared needs, nobody
with their manager; ``--seconds`` of search each (wall clock, ``deterministic=False``, as in
production). ``--impossible`` replaces one programme by an impossible one (a MustGroup chain of
seven people in groups of at most six), which must come back INFEASIBLE by name.

Per backend (one CSV row each):

- ``wall_s``: the ``solve_many`` call (a Dask cluster's start-up is ``setup_s``, not in it);
- ``throughput_x``: serial wall / this wall (how many times more programmes per hour);
- ``overhead_per_job_s``: (wall - Σ solve seconds / slots) / programmes, where a job's solve
  seconds are its own wall time in the worker and slots the jobs that run at once: what
  starting processes, warming kernels, shipping data and scheduling cost each job;
- ``sent_kb`` / ``returned_kb``: pickled bytes per job (the light roster plus the spec sent,
  the grouping without its roster returned), the mean over programmes;
- ``peak_worker_mb``: the largest peak resident memory of a process that ran jobs;
- ``first_s_first_job`` / ``first_s_later``: mean time to the first grouping of each worker's
  first job and of its later jobs (the compiled kernels are loaded before the first job, so
  both stay small);
- ``mean_objective``, ``valid`` (every grouping keeps the rules) and the failures by name.

    python benchmarks/many.py --programmes 200 --people 500 --seconds 5 --out out/many.csv
    python benchmarks/many.py --programmes 40 --people 300 --seconds 2 --impossible
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import time
import warnings
from dataclasses import replace

import groupmatch as gm
from groupmatch.parallel.jobs import travel_light

from _common import machine, peak_memory_mb, write_rows

CATEGORICAL = ["department", "site", "level", "gender"]
SEVEN = 7  # a MustGroup chain longer than the largest group


def spec() -> gm.PeerGroups:
    return gm.PeerGroups(size=(5, 6), terms=[*(gm.Diversity(c) for c in CATEGORICAL),
                                             gm.SharedNeeds(), gm.NotWithManager()])


def programmes(count: int, people: int, seed: int, impossible: bool) -> dict:
    out = {}
    for k in range(count):
        roster = gm.Roster.from_frame(gm.datasets.make_organization(people,
                                                                    random_state=seed + k))
        out[f"p{k:04d}"] = (roster, spec())
    if impossible and count:
        name = f"p{count // 2:04d}"
        roster = out[name][0]
        chain = [(roster.ids[i], roster.ids[i + 1]) for i in range(SEVEN - 1)]
        out[name] = (roster, gm.PeerGroups(size=(5, 6), terms=[gm.MustGroup(chain)]))
    return out


def _bytes(jobs: dict, results) -> tuple[float, float]:
    sent = [len(pickle.dumps((travel_light(r), s), protocol=5)) for r, s in jobs.values()]
    back = [len(pickle.dumps(replace(g, _roster=None), protocol=5))
            for g in results.values() if isinstance(g, gm.Grouping)]
    return statistics.mean(sent) / 1024, (statistics.mean(back) / 1024 if back else 0.0)


def _first_times(results) -> tuple[float | None, float | None]:
    seen, first, later = set(), [], []
    ordered = sorted((g for g in results.values() if isinstance(g, gm.Grouping)
                      and g.settings.get("time_to_first") is not None),
                     key=lambda g: g.settings["parallel"].get("started", 0.0))
    for g in ordered:
        worker = g.settings["parallel"].get("worker")
        (later if worker in seen else first).append(g.settings["time_to_first"])
        seen.add(worker)
    mean = statistics.mean
    return (round(mean(first), 3) if first else None, round(mean(later), 3) if later else None)


def run(mode: str, jobs: dict, seconds: float, seed: int, serial_wall: float | None) -> dict:
    setup = 0.0
    cluster = client = None
    where = {"serial": "serial", "pool": None}.get(mode)
    if mode == "cluster":
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                               dashboard_address=None)
        client = where = Client(cluster)
        setup = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gm.TermBelowRandomWarning)
            results = gm.solve_many(jobs, time_limit=seconds, random_state=seed, client=where,
                                    progress=True)
        wall = time.perf_counter() - t0
        peaks = {}
        for g in results.values():
            if isinstance(g, gm.Grouping):
                ran = g.settings["parallel"]
                peaks[ran["worker"]] = max(peaks.get(ran["worker"], 0.0), ran["peak_mb"] or 0)
    finally:
        if client is not None:
            client.close()
            cluster.close()
    solved = [g for g in results.values() if isinstance(g, gm.Grouping)]
    slots = solved[0].settings["parallel"]["slots"] if solved else 1
    busy = sum(g.settings["parallel"]["seconds"] for g in solved)
    sent, back = _bytes(jobs, results)
    first, later = _first_times(results)
    ok = [g for g in solved if g.status.has_solution]
    valid = all(gm.check(jobs[name][0], jobs[name][1], g) == []
                for name, g in results.items() if isinstance(g, gm.Grouping)
                and g.status.has_solution)
    return {
        "mode": mode, "programmes": len(jobs), "people": jobs[next(iter(jobs))][0].n,
        "seconds": seconds, "slots": slots,
        "workers_per_job": solved[0].settings["parallel"]["workers_per_job"] if solved else None,
        "setup_s": round(setup, 2), "wall_s": round(wall, 2),
        "throughput_x": round(serial_wall / wall, 3) if serial_wall else 1.0,
        "overhead_per_job_s": round((wall - busy / slots) / len(jobs), 4),
        "sent_kb": round(sent, 1), "returned_kb": round(back, 1),
        "peak_worker_mb": round(max(peaks.values())) if peaks else round(peak_memory_mb()),
        "first_s_first_job": first, "first_s_later": later,
        "mean_objective": round(statistics.mean(g.objective for g in ok), 1) if ok else None,
        "valid": valid, "failed": " ".join(map(str, results.failures)) or "-",
        "seed": seed, "machine": machine(), "version": gm.__version__,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--programmes", type=int, default=200)
    p.add_argument("--people", type=int, default=500)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--only", choices=["serial", "pool", "cluster"], nargs="+", default=None,
                   help="backends to run (default all three; --smoke: serial and pool)")
    p.add_argument("--impossible", action="store_true", help="one programme is impossible")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    p.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = p.parse_args(argv)
    if args.smoke:
        args.programmes, args.people, args.seconds, args.impossible = 4, 60, 0.3, True
        args.only = args.only or ["serial", "pool"]
    args.only = args.only or ["serial", "pool", "cluster"]
    jobs = programmes(args.programmes, args.people, args.seed, args.impossible)
    rows, serial_wall = [], None
    for mode in args.only:
        row = run(mode, jobs, args.seconds, args.seed, serial_wall)
        serial_wall = row["wall_s"] if mode == "serial" else serial_wall
        rows.append(row)
    write_rows(rows, args.out)
    for row in rows:
        if row["mode"] == "cluster":
            per_job = row["wall_s"] * row["slots"] / row["programmes"]
            print(f"projection: 10,000 such programmes on 100 workers ~ "
                  f"{10_000 * per_job / 100 / 60:.1f} min ({per_job:.2f} worker-seconds a job, "
                  f"{row['sent_kb'] * 10_000 / 1024:.0f} MB sent in all)")


if __name__ == "__main__":
    main()
