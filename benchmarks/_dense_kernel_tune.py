"""Private tuning harness for ``groupmatch.engine._dense_kernel`` on MDGPLIB instances.

Usage (rough tool, not part of the package)::

    python benchmarks/_dense_kernel_tune.py --sets RanReal RanInt --n 120 --seeds 1 -j 2
    python benchmarks/_dense_kernel_tune.py --n 240 --scale 0.25 --kinds ds --seeds 3
    python benchmarks/_dense_kernel_tune.py --n 480 --sets RanReal --kinds ds --seeds 4 -j 2 \
        --work 30000 --param kick=1

Prints objective / best-known (%) per instance and the mean / min per (set, n, kind).
Time limits are the literature ones (TPSDP code: n=120: 3 s, 240: 20 s, 480: 120 s, 960: 600 s)
times ``--scale``. Numba compilation is done before the clock starts. ``--work W`` replaces the
clock by a deterministic budget of W million evaluations per run (``max_work``): use it to
compare variants on a machine shared with other jobs, where wall-clock limits are noisy.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

DATA = Path(os.environ.get("MDGP_DATA", "/work/shared/data/mdgp"))
KERNEL = Path(
    os.environ.get(
        "DENSE_KERNEL",
        Path(__file__).resolve().parents[1] / "src/groupmatch/engine/_dense_kernel.py",
    )
)
LIMITS = {10: 0.2, 12: 0.2, 30: 0.5, 60: 1.0, 120: 3.0, 240: 20.0, 480: 120.0, 960: 600.0}


def load_kernel():
    # Import through the package only: numba's on-disk cache is keyed by source file, and a
    # second module name for the same file poisons it for the library.
    if "DENSE_KERNEL" not in os.environ:
        from groupmatch.engine import _dense_kernel

        return _dense_kernel
    # A sibling of the library's kernel, so its relative imports (``.rng``) resolve.
    name = "groupmatch.engine._dense_kernel_experiment"
    spec = importlib.util.spec_from_file_location(name, KERNEL)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def read_instance(path: Path):
    """Return (D int64 scaled by 1000 for real-valued sets, lo, hi)."""
    with open(path) as fh:
        head = fh.readline().split()
        n, m = int(head[0]), int(head[1])
        b = np.array(head[3 : 3 + 2 * m], dtype=np.int64)
        body = np.loadtxt(fh, dtype=np.float64, ndmin=2)
    lo, hi = b[0::2].copy(), b[1::2].copy()
    i = body[:, 0].astype(np.int64)
    j = body[:, 1].astype(np.int64)
    d = np.rint(body[:, 2] * 1000).astype(np.int64)
    D = np.zeros((n, n), np.int64)
    D[i, j] = d
    D[j, i] = d
    return D, lo, hi


def bks():
    out = {}
    with open(DATA / "bks.csv") as fh:
        for row in csv.DictReader(fh):
            out[row["instance"]] = float(row["best_known"])
    return out


@njit(cache=True)
def _brute(D, lo, hi):
    # odometer over all G**n labelled assignments (fine for n <= 12); value kept incrementally
    n, G = D.shape[0], lo.shape[0]
    a = np.zeros(n, np.int64)
    sizes = np.zeros(G, np.int64)
    sizes[0] = n
    best = -(1 << 62)
    while True:
        ok = True
        for g in range(G):
            if sizes[g] < lo[g] or sizes[g] > hi[g]:
                ok = False
                break
        if ok:
            v = 0
            for i in range(n):
                for j in range(i + 1, n):
                    if a[i] == a[j]:
                        v += D[i, j]
            best = max(best, v)
        k = 0
        while k < n:
            sizes[a[k]] -= 1
            a[k] += 1
            if a[k] < G:
                sizes[a[k]] += 1
                break
            a[k] = 0
            sizes[0] += 1
            k += 1
        if k == n:
            return best


def brute_force(D, lo, hi):
    """Exact optimum for tiny n by enumerating every labelled assignment."""
    return int(_brute(D, lo, hi))


_K = None


def run_one(job):
    global _K
    if _K is None:
        _K = load_kernel()
        for k, v in job.get("params", {}).items():
            _K._PARAMS[k] = v
        Dw, low, high = read_instance(DATA / "RanInt/RanInt_n030_ds_01.txt")
        a = _K.construct_dense(Dw, low, high, seed=0)
        _K.improve_dense(Dw, a, low, high, time_limit=0.2)
    path, limit, seed, work = job["path"], job["limit"], job["seed"], job.get("work")
    D, lo, hi = read_instance(path)
    t0 = time.perf_counter()
    a = _K.construct_dense(D, lo, hi, seed=seed)
    if work is not None:
        limit = np.inf
    kw = {"workers": job["workers"]} if job.get("workers", 1) > 1 else {}
    best, val = _K.improve_dense(D, a, lo, hi, time_limit=limit, max_work=work, seed=seed, **kw)
    wall = time.perf_counter() - t0
    assert val == _K.dense_value(D, best), "value mismatch"
    sz = np.bincount(best, minlength=len(lo))
    assert np.all(sz >= lo) and np.all(sz <= hi), "size bounds violated"
    return path.stem, seed, val, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", default=["RanReal", "RanInt"])
    ap.add_argument("--n", nargs="+", type=int, default=[120])
    ap.add_argument("--kinds", nargs="+", default=["ss", "ds"])
    ap.add_argument("--ids", nargs="+", type=int, default=list(range(1, 11)))
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("-j", type=int, default=1)
    ap.add_argument("--work", type=float, default=None,
                    help="deterministic budget per run, millions of evaluations (no clock)")
    ap.add_argument("--workers", type=int, default=1,
                    help="search threads per run (improve_dense workers; use with -j 1)")
    ap.add_argument("--param", nargs="*", default=[], help="key=value overrides of _PARAMS")
    ap.add_argument("-q", action="store_true", help="only print the summary")
    args = ap.parse_args()
    params = {}
    for kv in args.param:
        k, v = kv.split("=")
        params[k] = float(v)
    ref = bks()
    jobs = []
    for s in args.sets:
        for n in args.n:
            for kind in args.kinds:
                for i in args.ids:
                    p = DATA / s / f"{s}_n{n:03d}_{kind}_{i:02d}.txt"
                    if p.exists():
                        for seed in range(args.seeds):
                            lim = LIMITS[n] * args.scale
                            jobs.append({"path": p, "limit": lim, "seed": seed, "params": params,
                                         "work": args.work,
                                         "workers": args.workers})
    t0 = time.perf_counter()
    k = load_kernel()
    Dw, low, high = read_instance(DATA / "RanInt/RanInt_n030_ds_01.txt")
    k.improve_dense(Dw, k.construct_dense(Dw, low, high), low, high, time_limit=0.1)
    print(f"warm-up (compile or cache load): {time.perf_counter() - t0:.2f} s", flush=True)
    if args.j > 1:
        with mp.get_context("fork").Pool(args.j) as pool:
            res = pool.map(run_one, jobs, chunksize=1)
    else:
        res = [run_one(j) for j in jobs]
    groups = {}
    for name, seed, val, wall in res:
        s, n, kind = name.split("_")[0], int(name.split("_")[1][1:]), name.split("_")[2]
        if name in ref:
            pct = 100.0 * val / (ref[name] * 1000)
        elif n <= 12:
            D, lo, hi = read_instance(DATA / s / f"{name}.txt")
            pct = 100.0 * val / brute_force(D, lo, hi)
        else:
            pct = float("nan")
        groups.setdefault((s, n, kind), []).append(pct)
        if not args.q:
            print(f"{name} seed={seed} val={val} pct={pct:.3f} wall={wall:.2f}", flush=True)
    print(f"{'set':8s} {'n':>4s} {'kind':4s} {'mean%':>8s} {'min%':>8s} {'runs':>4s}")
    for (s, n, kind), v in sorted(groups.items()):
        v = np.array(v)
        print(f"{s:8s} {n:4d} {kind:4s} {np.nanmean(v):8.3f} {np.nanmin(v):8.3f} {len(v):4d}")
    allv = np.concatenate([np.array(v) for v in groups.values()])
    print(f"overall mean {np.nanmean(allv):.3f}  min {np.nanmin(allv):.3f}")


if __name__ == "__main__":
    main()
