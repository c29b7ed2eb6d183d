"""Tests of the compiled count-based local search (``groupmatch.engine.count``).

Everything is checked against a brute-force pairwise objective on small instances; the search
runs on ``max_work`` with ``time_limit=inf`` so results are deterministic and fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from groupmatch.engine import count as ck

INF = float("inf")


def _improve(*args, **kwargs):
    """``improve_counts`` as (assignment, value), what most tests look at."""
    run = ck.improve_counts(*args, **kwargs)
    return run.assign, run.value


def _tree_conflicts(n, rng):
    """CSR of a random manager tree, listed from the report's side only (one direction)."""
    parent = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)])
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[2:] = np.arange(1, n)  # person 0 lists nobody, person i >= 1 lists its manager
    return ptr, parent[1:].astype(np.int64), parent


def _instance(seed, n=48, n_groups=9, lo=5, hi=6):
    rng = np.random.default_rng(seed)
    terms = dict(
        cat=rng.integers(0, 4, (n, 3)),
        cat_w=np.array([1, -2, 3]),
        B=(rng.random((n, 6)) < 0.3).astype(np.uint8),
        multi_w=np.array([2, 0, 1, -1, 5, 1]),
        q=rng.integers(0, 9, (n, 2)),
        num_w=np.array([1, -1]),
    )
    ptr, idx, parent = _tree_conflicts(n, rng)
    return terms, np.full(n_groups, lo), np.full(n_groups, hi), ptr, idx, parent


def _brute(assign, cat=None, cat_w=None, B=None, multi_w=None, q=None, num_w=None):
    """The objective straight from its definition, pair by pair."""
    total = 0
    n = len(assign)
    for i in range(n):
        for j in range(i + 1, n):
            if assign[i] != assign[j]:
                continue
            if cat is not None:
                total += int((np.asarray(cat_w) * (cat[i] != cat[j])).sum())
            if B is not None:
                total += int((np.asarray(multi_w) * B[i] * B[j]).sum())
            if q is not None:
                total += int((np.asarray(num_w) * (q[i] - q[j]) ** 2).sum())
    return total


def _assert_feasible(assign, lo, hi, parent):
    sizes = np.bincount(assign, minlength=len(lo))
    assert ((sizes >= lo) & (sizes <= hi)).all()
    for i in range(1, len(parent)):
        assert assign[i] != assign[parent[i]], f"{i} shares a group with its manager"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_value_matches_brute_force(seed):
    terms, lo, hi, *_ = _instance(seed)
    assign = np.random.default_rng(seed).integers(0, len(lo), len(terms["cat"]))
    assert ck.counts_value(assign, **terms) == _brute(assign, **terms)
    only_cat = dict(cat=terms["cat"], cat_w=terms["cat_w"])
    assert ck.counts_value(assign, **only_cat) == _brute(assign, **only_cat)


@pytest.mark.parametrize("seed", [0, 1])
def test_construct_then_improve_is_feasible_and_exact(seed):
    terms, lo, hi, ptr, idx, parent = _instance(seed)
    n = len(terms["cat"])
    start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=seed, **terms)
    _assert_feasible(start, lo, hi, parent)
    v0 = _brute(start, **terms)
    best, value = _improve(start, lo, hi, conf_ptr=ptr, conf_idx=idx, seed=seed,
                           time_limit=INF, max_work=200_000, **terms)
    _assert_feasible(best, lo, hi, parent)
    # The value tracked through thousands of incremental deltas equals a fresh evaluation.
    assert value == _brute(best, **terms) == ck.counts_value(best, **terms)
    assert value >= v0


def test_deterministic_with_max_work_whatever_the_chunking():
    terms, lo, hi, ptr, idx, _ = _instance(5)
    n = len(terms["cat"])
    start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=1, **terms)
    kw = dict(conf_ptr=ptr, conf_idx=idx, seed=3, time_limit=INF, max_work=150_000, **terms)
    a1, v1 = _improve(start, lo, hi, **kw)
    a2, v2 = _improve(start, lo, hi, tuning=ck.Tuning(chunk_seconds=1e-7), **kw)  # more chunks
    assert v1 == v2 and np.array_equal(a1, a2)
    a3, _ = _improve(start, lo, hi, **{**kw, "seed": 4})
    assert not np.array_equal(a1, a3)  # the seed matters


def test_movable_mask_and_size_bounds():
    terms, _, _, ptr, idx, parent = _instance(7)
    n = len(terms["cat"])
    lo, hi = np.array([3, 4, 5, 6, 7, 2, 5, 4, 6]), np.array([4, 6, 7, 6, 9, 5, 8, 4, 7])
    start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=0, **terms)
    movable = np.random.default_rng(0).random(n) < 0.6
    best, value = _improve(start, lo, hi, movable=movable, conf_ptr=ptr, conf_idx=idx,
                           time_limit=INF, max_work=100_000, **terms)
    assert np.array_equal(best[~movable], start[~movable])
    _assert_feasible(best, lo, hi, parent)
    assert value == _brute(best, **terms)


def test_diversity_reaches_the_even_spread_optimum():
    # 4 groups of 3, one attribute with 3 values x 4 people: the optimum puts one of each value
    # in every group, value 4 * 3 = 12.
    cat = np.repeat(np.arange(3), 4)[:, None]
    lo = hi = np.full(4, 3)
    start = np.repeat(np.arange(4), 3)  # start with each group as uniform as possible
    best, value = _improve(start, lo, hi, cat=cat, cat_w=[1], time_limit=INF,
                           max_work=50_000)
    assert value == 12
    assert all(len(set(cat[best == g, 0])) == 3 for g in range(4))


def test_never_worse_than_start_and_progress_reports():
    terms, lo, hi, ptr, idx, _ = _instance(3)
    n = len(terms["cat"])
    start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=2, **terms)
    opt, v_opt = _improve(start, lo, hi, conf_ptr=ptr, conf_idx=idx, time_limit=INF,
                          max_work=300_000, **terms)
    seen = []
    again, v_again = _improve(opt, lo, hi, conf_ptr=ptr, conf_idx=idx, time_limit=INF,
                              max_work=20_000, progress=lambda v, t: seen.append(v),
                              **terms)
    assert v_again >= v_opt
    assert v_again == ck.counts_value(again, **terms)
    assert seen == sorted(seen) and all(v > v_opt for v in seen)


def test_time_limit_stops_the_search():
    terms, lo, hi, ptr, idx, _ = _instance(4)
    n = len(terms["cat"])
    start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=0, **terms)
    import time

    t = time.perf_counter()
    _, value = _improve(start, lo, hi, conf_ptr=ptr, conf_idx=idx, time_limit=0.3,
                        **terms)
    assert time.perf_counter() - t < 2.0
    assert value >= ck.counts_value(start, **terms)


def test_construct_respects_fixed_people_and_conflicts():
    n = 12
    lo, hi = np.full(3, 4), np.full(3, 4)
    fixed = np.full(n, -1)
    fixed[[0, 1]] = 2
    # Person 2 conflicts with everyone in 0..5 (either direction given).
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[3:] = 5
    idx = np.array([0, 1, 3, 4, 5])
    cat = np.arange(n)[:, None] % 3
    a = ck.construct_counts(lo, hi, n, fixed=fixed, conf_ptr=ptr, conf_idx=idx, cat=cat,
                            cat_w=[1])
    assert a[0] == a[1] == 2
    assert np.bincount(a).tolist() == [4, 4, 4]
    assert not np.isin(a[[0, 1, 3, 4, 5]], a[2]).any()


def test_construct_and_improve_reject_impossible_input():
    with pytest.raises(ValueError, match="do not fit"):
        ck.construct_counts([3, 3], [3, 3], 7)
    # Person 0 conflicts with everybody else: two groups of 2 cannot hold that.
    ptr = np.array([0, 3, 3, 3, 3])
    with pytest.raises(ValueError, match="conflict"):
        ck.construct_counts([2, 2], [2, 2], 4, conf_ptr=ptr, conf_idx=np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="fixed"):
        ck.construct_counts([2, 2], [2, 2], 4, fixed=[0, 0, 0, -1])
    with pytest.raises(ValueError, match="infeasible"):
        ck.improve_counts([0, 0, 1, 1], [2, 2], [2, 2], conf_ptr=[0, 1, 1, 1, 1],
                          conf_idx=[1], max_work=10)
    with pytest.raises(ValueError, match="infeasible"):
        ck.improve_counts([0, 0, 0, 1], [2, 2], [2, 2], max_work=10)


def test_degenerate_inputs():
    # No terms at all: value 0, start returned.
    a, v = _improve([0, 1, 0, 1], [2, 2], [2, 2], max_work=1000, time_limit=INF)
    assert v == 0 and a.tolist() == [0, 1, 0, 1]
    # A single group: nothing to move.
    a, v = _improve([0, 0, 0], [3], [3], cat=[[0], [1], [1]], cat_w=[2], max_work=100)
    assert v == 4
    # Nobody movable.
    a, v = _improve([0, 1], [1, 1], [1, 1], cat=[[0], [1]], cat_w=[1],
                    movable=[False, False], max_work=100)
    assert a.tolist() == [0, 1] and v == 0


def test_sparse_codes_and_numeric_range():
    # Codes need not be dense: only values present get a count column.
    cat = np.array([[10**12], [5], [10**12], [5]])
    a, v = _improve([0, 0, 1, 1], [2, 2], [2, 2], cat=cat, cat_w=[1], time_limit=INF,
                    max_work=10_000)
    assert v == 2 == ck.counts_value(a, cat=cat, cat_w=[1])
    with pytest.raises(ValueError, match="overflow"):
        ck.counts_value([0, 0], q=[[0], [2**40]], num_w=[1])


def test_loose_bounds_keep_member_lists_small():
    # lo=0, hi=n for many groups: member lists are capped (O(n + G) memory), search still exact.
    n, n_groups = 30, 20
    rng = np.random.default_rng(0)
    B = (rng.random((n, 4)) < 0.5).astype(np.uint8)
    cat = rng.integers(0, 3, (n, 1))
    lo, hi = np.zeros(n_groups, dtype=np.int64), np.full(n_groups, n)
    start = np.arange(n) % n_groups
    kw = dict(cat=cat, cat_w=[1], B=B, multi_w=[2, 2, 2, 2])
    best, value = _improve(start, lo, hi, time_limit=INF, max_work=50_000, **kw)
    assert value == _brute(best, **kw) and value > ck.counts_value(start, **kw)
    assert np.bincount(best).max() <= int(np.ceil(4 * n / n_groups))


def test_run_statistics():
    terms, lo, hi, ptr, idx, _ = _instance(6)
    n = len(terms["cat"])
    start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=0, **terms)
    run = ck.improve_counts(start, lo, hi, conf_ptr=ptr, conf_idx=idx, time_limit=INF,
                            max_work=100_000, floor=10**6, **terms)
    assert run.work == 100_000 and 0 < run.accepted <= run.work and run.cycles >= 1
    in_group = [run.assign == g for g in range(len(lo))]
    scores = [ck.counts_value(np.zeros(m.sum(), dtype=int),
                              **{k: np.asarray(v)[m] if k in ("cat", "B", "q") else v
                                 for k, v in terms.items()}) for m in in_group]
    assert run.worst == min(scores)
    assert run.below_floor == len(lo) and run.broken == 0  # nobody reaches a floor of 10**6
    idle = ck.improve_counts(start, lo, hi, conf_ptr=ptr, conf_idx=idx, max_work=0, **terms)
    assert idle.work == 0 and np.array_equal(idle.assign, start)


def test_concurrent_runs_share_no_state():
    # Two searches on different inputs, at once on two threads, each return exactly what they
    # return alone: a run's state and statistics live in the call, not in the module.
    import threading

    jobs = []
    for seed in (0, 1):
        terms, lo, hi, ptr, idx, _ = _instance(seed, n=60, n_groups=11)
        n = len(terms["cat"])
        start = ck.construct_counts(lo, hi, n, conf_ptr=ptr, conf_idx=idx, seed=seed, **terms)
        kw = dict(assign=start, lo=lo, hi=hi, conf_ptr=ptr, conf_idx=idx, seed=seed,
                  time_limit=INF, max_work=300_000 + 100_000 * seed,
                  tuning=ck.Tuning(chunk_seconds=1e-4), **terms)  # many chunks, interleaved
        if seed == 1:  # a hard rule too: no group holds exactly one person with cat[:, 0] == 0
            kw["rules"] = [((terms["cat"][:, :1] == 0).astype(np.uint8), 0, 2, 0, 0, None)]
        jobs.append(kw)
    alone = [ck.improve_counts(**kw) for kw in jobs]
    together = [None, None]
    barrier = threading.Barrier(2)

    def solve(k):
        barrier.wait()
        together[k] = ck.improve_counts(**jobs[k])

    threads = [threading.Thread(target=solve, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(alone, together, strict=True):
        assert np.array_equal(a.assign, b.assign)
        assert (a.value, a.work, a.accepted, a.cycles, a.broken, a.worst) == (
            b.value, b.work, b.accepted, b.cycles, b.broken, b.worst)
    assert alone[0].work != alone[1].work and not np.array_equal(alone[0].assign, alone[1].assign)
