"""Private tuning harness for ``groupmatch.engine.count`` (rough on purpose).

Usage::

    python benchmarks/_count_kernel_tune.py emp [--seconds 5] [--seeds 0 1 2]
    python benchmarks/_count_kernel_tune.py scale --n 10000 [--seconds 15]
    python benchmarks/_count_kernel_tune.py emp --set KEY=VALUE ...   (override Tuning fields)

Prints construction time, objective, % of the upper bound and time-to-target per seed.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from groupmatch.engine import count as K  # noqa: E402

EMP = Path("/work/shared/data/employees/emp_attrition.csv")
EMP_COLS = ["Department", "JobRole", "JobLevel", "Gender", "EducationField"]


def even_spread_bound(cat, cat_w, sizes):
    """Upper bound on the categorical part: each value spread as evenly as possible.

    Relaxes "a group holds exactly s_g people" away, so it is valid for any size vector with
    the given sizes (sum_g C(s_g, 2) is fixed once the sizes are).
    """
    n_groups = len(sizes)
    pairs_s = int((sizes * (sizes - 1) // 2).sum())
    total = 0
    for k in range(cat.shape[1]):
        loss = 0
        for cnt in np.bincount(cat[:, k]):
            b, r = divmod(int(cnt), n_groups)
            loss += r * (b + 1) * b // 2 + (n_groups - r) * b * (b - 1) // 2
        total += int(cat_w[k]) * (pairs_s - loss)
    return total


def topic_bound(B, multi_w, hi_max):
    """Upper bound on the topic part (positive weights): pack each topic into full groups."""
    total = 0
    for t in range(B.shape[1]):
        c = int(B[:, t].sum())
        full, rest = divmod(c, hi_max)
        total += int(multi_w[t]) * (full * hi_max * (hi_max - 1) // 2 + rest * (rest - 1) // 2)
    return total


def load_emp():
    import pandas as pd

    df = pd.read_csv(EMP, encoding="utf-8-sig")
    cat = np.stack([pd.factorize(df[c])[0] for c in EMP_COLS], axis=1).astype(np.int32)
    return cat, np.ones(len(EMP_COLS), dtype=np.int64)


def synth(n, seed=0, n_topics=40, needs=3):
    """4 categorical attributes (5-30 values, skewed), topics, random-tree managers."""
    rng = np.random.default_rng(seed)
    n_values = [5, 12, 20, 30]
    cat = np.empty((n, 4), dtype=np.int32)
    for k, v in enumerate(n_values):
        p = rng.dirichlet(np.full(v, 1.0))
        cat[:, k] = rng.choice(v, size=n, p=p)
    B = np.zeros((n, n_topics), dtype=np.uint8)
    pop = rng.dirichlet(np.full(n_topics, 2.0))
    for i in range(n):
        B[i, rng.choice(n_topics, size=needs, replace=False, p=pop)] = 1
    # Random tree: person i reports to someone earlier, biased to a small set of managers.
    parent = np.full(n, -1, dtype=np.int64)
    n_mgr = max(1, n // 8)
    for i in range(1, n):
        parent[i] = rng.integers(0, min(i, n_mgr)) if i > 1 else 0
    child = np.arange(1, n)
    a = np.concatenate([child, parent[1:]])
    b = np.concatenate([parent[1:], child])
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
    cat_w = np.array([2, 1, 1, 1], dtype=np.int64)
    multi_w = np.full(n_topics, 1, dtype=np.int64)
    return cat, cat_w, B, multi_w, ptr, b


def warm():
    rng = np.random.default_rng(0)
    n = 40
    cat = rng.integers(0, 3, (n, 2))
    B = (rng.random((n, 4)) < 0.3).astype(np.uint8)
    q = rng.integers(0, 5, (n, 1))
    kw = dict(cat=cat, cat_w=[1, 1], B=B, multi_w=[1, 1, 1, 1], q=q, num_w=[1])
    lo, hi = np.full(8, 4), np.full(8, 6)
    a = K.construct_counts(lo, hi, n, seed=0, **kw)
    K.improve_counts(a, lo, hi, time_limit=np.inf, max_work=5000, **kw)


def stats(run):
    """The counters of a CountRun, without the assignment."""
    return {f.name: getattr(run, f.name) for f in dataclasses.fields(run) if f.name != "assign"}


def run_emp(args):
    cat, cat_w = load_emp()
    n = cat.shape[0]
    G = n // 5
    lo = hi = np.full(G, 5)
    bound = even_spread_bound(cat, cat_w, np.full(G, 5))
    print(f"emp: n={n} G={G} bound={bound}")
    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        a0 = K.construct_counts(lo, hi, n, seed=seed, cat=cat, cat_w=cat_w, tuning=args.tuning)
        tc = time.perf_counter() - t0
        v0 = K.counts_value(a0, cat=cat, cat_w=cat_w)
        hits = {}
        targets = [int(np.ceil(bound * 0.9998)), bound]

        def prog(v, t, hits=hits, t0=t0, targets=targets):
            for tg in targets:
                if v >= tg and tg not in hits:
                    hits[tg] = time.perf_counter() - t0

        run = K.improve_counts(a0, lo, hi, cat=cat, cat_w=cat_w, time_limit=args.seconds,
                               seed=seed, progress=prog, tuning=args.tuning)
        a, v = run.assign, run.value
        tt = time.perf_counter() - t0
        assert v == K.counts_value(a, cat=cat, cat_w=cat_w)
        assert (np.bincount(a, minlength=G) == 5).all()
        print("   ", stats(run))
        rows.append((seed, tc, v0, v, tt, hits.get(targets[0]), hits.get(targets[1])))
        print(f"seed {seed}: construct {tc:.3f}s v0={v0} ({100 * v0 / bound:.3f}%) "
              f"final={v} ({100 * v / bound:.4f}%) total {tt:.2f}s "
              f"t99.98={hits.get(targets[0])} t100={hits.get(targets[1])}", flush=True)
    return rows


def run_scale(args):
    t0 = time.perf_counter()
    cat, cat_w, B, multi_w, ptr, idx = synth(args.n, seed=args.data_seed)
    print(f"synth n={args.n}: {time.perf_counter() - t0:.1f}s (not timed below)")
    n = args.n
    G = n // 5 - (n // 5) // 6  # groups of 5-6 with some 6s
    while 6 * G < n:
        G += 1
    lo, hi = np.full(G, 5), np.full(G, 6)
    kw = dict(cat=cat, cat_w=cat_w, B=B, multi_w=multi_w)
    for seed in args.seeds:
        t0 = time.perf_counter()
        a0 = K.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=seed,
                                tuning=args.tuning, **kw)
        tc = time.perf_counter() - t0
        sizes = np.bincount(a0, minlength=G)
        cb = even_spread_bound(cat, cat_w, sizes)
        tb = topic_bound(B, multi_w, 6)
        v0 = K.counts_value(a0, **kw)
        trace = []

        def prog(v, t, trace=trace):
            trace.append((round(t, 2), v))

        run = K.improve_counts(a0, lo, hi, conf_ptr=ptr, conf_idx=idx, time_limit=args.seconds,
                               seed=seed, progress=prog, tuning=args.tuning, **kw)
        a, v = run.assign, run.value
        tt = time.perf_counter() - t0
        assert v == K.counts_value(a, **kw)
        cv = K.counts_value(a, cat=cat, cat_w=cat_w)
        mv = K.counts_value(a, B=B, multi_w=multi_w)
        assert not (a[np.repeat(np.arange(n), np.diff(ptr))] == a[idx]).any()
        print("   ", stats(run))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"seed {seed}: G={G} construct {tc:.2f}s v0={v0} final={v} total {tt:.1f}s "
              f"cat={cv}/{cb} ({100 * cv / cb:.3f}%) multi={mv}/{tb} ({100 * mv / tb:.1f}%) "
              f"combined%={100 * v / (cb + tb):.2f} peakRSS={rss:.0f}MB")
        print("  trace:", trace[:: max(1, len(trace) // 12)] + trace[-1:], flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["emp", "scale"])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--data-seed", type=int, default=0)
    ap.add_argument("--set", nargs="*", default=[], help="KEY=VALUE overrides of Tuning")
    args = ap.parse_args()
    overrides = {}
    for kv in args.set:
        k, v = kv.split("=")
        overrides[k] = float(v)
    args.tuning = dataclasses.replace(K.Tuning(), **overrides)
    t0 = time.perf_counter()
    warm()
    print(f"warm-up (compile or cache load): {time.perf_counter() - t0:.2f}s")
    if args.case == "emp":
        run_emp(args)
    else:
        run_scale(args)


if __name__ == "__main__":
    main()
