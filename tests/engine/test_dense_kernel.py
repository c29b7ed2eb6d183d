"""Fast tests for the compiled dense MDGP kernel (tiny instances, brute-force optima)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from groupmatch.engine._dense_kernel import construct_dense, dense_value, improve_dense


def _instance(n, seed, lo_hi, negative=False):
    rng = np.random.default_rng(seed)
    low = -50 if negative else 0
    D = rng.integers(low, 100, size=(n, n))
    D = np.triu(D, 1)
    D = (D + D.T).astype(np.int64)
    lo = np.array([b[0] for b in lo_hi], np.int64)
    hi = np.array([b[1] for b in lo_hi], np.int64)
    return D, lo, hi


def _brute(D, lo, hi, fixed=None, conflicts=()):
    n, G = D.shape[0], len(lo)
    best = None
    for a in itertools.product(range(G), repeat=n):
        a = np.array(a)
        sz = np.bincount(a, minlength=G)
        if np.any(sz < lo) or np.any(sz > hi):
            continue
        if fixed is not None and np.any((fixed >= 0) & (a != fixed)):
            continue
        if any(a[i] == a[j] for i, j in conflicts):
            continue
        v = dense_value(D, a)
        best = v if best is None or v > best else best
    return best


def _csr(n, pairs):
    lists = [[] for _ in range(n)]
    for i, j in pairs:
        lists[i].append(j)
        lists[j].append(i)
    ptr = np.zeros(n + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    idx = np.array([j for x in lists for j in x], np.int64)
    return ptr, idx


def _check(D, a, lo, hi):
    sz = np.bincount(a, minlength=len(lo))
    assert np.all(sz >= lo) and np.all(sz <= hi)


def test_dense_value_matches_pair_loop():
    D, _, _ = _instance(9, 0, [(3, 3)] * 3, negative=True)
    a = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    ref = sum(int(D[i, j]) for i in range(9) for j in range(i + 1, 9) if a[i] == a[j])
    assert dense_value(D, a) == ref


@pytest.mark.parametrize(
    ("n", "bounds", "seed", "negative"),
    [
        (8, [(4, 4), (4, 4)], 1, False),
        (9, [(2, 5), (2, 4), (1, 3)], 2, False),
        (9, [(3, 3)] * 3, 3, True),
        (8, [(1, 6), (1, 6)], 4, True),
    ],
)
def test_reaches_brute_force_optimum(n, bounds, seed, negative):
    D, lo, hi = _instance(n, seed, bounds, negative)
    a = construct_dense(D, lo, hi, seed=seed)
    best, val = improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=0.5, seed=seed)
    _check(D, best, lo, hi)
    assert val == dense_value(D, best) == _brute(D, lo, hi)


def test_fixed_and_conflicts_respected_and_optimal():
    n = 9
    D, lo, hi = _instance(n, 5, [(2, 4), (2, 4), (2, 4)])
    fixed = np.full(n, -1)
    fixed[0], fixed[4] = 2, 0
    conflicts = [(1, 2), (2, 3), (5, 6), (0, 7)]
    ptr, idx = _csr(n, conflicts)
    a = construct_dense(D, lo, hi, movable_assign=fixed, conf_ptr=ptr, conf_idx=idx, seed=1)
    assert a[0] == 2 and a[4] == 0
    assert not any(a[i] == a[j] for i, j in conflicts)
    mov = fixed < 0
    best, val = improve_dense(D, a, lo, hi, movable=mov, conf_ptr=ptr, conf_idx=idx,
                              time_limit=np.inf, max_work=0.5, seed=3)
    _check(D, best, lo, hi)
    assert best[0] == 2 and best[4] == 0
    assert not any(best[i] == best[j] for i, j in conflicts)
    assert val == dense_value(D, best) == _brute(D, lo, hi, fixed, conflicts)


def test_deterministic_with_max_work():
    D, lo, hi = _instance(60, 7, [(8, 14)] * 5)
    a = construct_dense(D, lo, hi, seed=0)
    r1 = improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=3, seed=11)
    r2 = improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=3, seed=11)
    assert r1[1] == r2[1]
    assert np.array_equal(r1[0], r2[0])


def test_never_worse_than_start_and_progress():
    D, lo, hi = _instance(40, 8, [(10, 10)] * 4)
    a = construct_dense(D, lo, hi, seed=0)
    calls = []
    best, val = improve_dense(D, a, lo, hi, time_limit=0.3,
                              progress=lambda v, t: calls.append((v, t)))
    assert val >= dense_value(D, a)
    assert val == dense_value(D, best)
    assert calls and calls[-1][0] == val
    assert all(x[0] < y[0] for x, y in zip(calls, calls[1:], strict=False))


def test_trivial_cases_return_start():
    D, lo, hi = _instance(6, 9, [(6, 6)])
    a = np.zeros(6, np.int64)
    best, val = improve_dense(D, a, lo, hi, time_limit=0.1)
    assert np.array_equal(best, a) and val == dense_value(D, a)
    D, lo, hi = _instance(6, 9, [(3, 3), (3, 3)])
    a = np.array([0, 0, 0, 1, 1, 1])
    best, _ = improve_dense(D, a, lo, hi, movable=np.zeros(6, bool), time_limit=0.1)
    assert np.array_equal(best, a)


def test_construct_raises_when_infeasible():
    D, lo, hi = _instance(4, 0, [(2, 2), (2, 2)])
    ptr, idx = _csr(4, [(0, 1), (0, 2), (1, 2)])  # a triangle cannot fit in two groups
    with pytest.raises(ValueError):
        construct_dense(D, lo, hi, conf_ptr=ptr, conf_idx=idx)
    with pytest.raises(ValueError):
        construct_dense(D, np.array([3, 3]), np.array([3, 3]))


def test_incremental_bounds_stay_exact():
    # the swap/move bound matrix is kept by row/column updates; it must equal a full recompute
    from groupmatch.engine import _dense_kernel as k

    n, G = 30, 4
    D, _, _ = _instance(n, 12, [(5, 10)] * G, negative=True)
    rng = np.random.default_rng(0)
    a = np.repeat(np.arange(G), [6, 7, 8, 9]).astype(np.int64)
    movable = np.ones(n, bool)
    movable[[0, 13]] = False
    MT = np.empty((G, n), np.int64)
    sizes = np.empty(G, np.int64)
    own = np.empty(n, np.int64)
    mem = np.empty((G, n), np.int64)
    cnt = np.empty(G, np.int64)
    pos = np.empty(n, np.int64)
    B = np.empty((G, G), np.int64)
    full = np.empty((G, G), np.int64)
    val = k._build(D, a, movable, MT, sizes, own, mem, cnt, pos)
    k._full_bounds(MT, own, mem, cnt, B)
    for _ in range(60):
        x = int(rng.choice(np.flatnonzero(movable)))
        g, h = int(a[x]), int(rng.choice([q for q in range(G) if q != a[x]]))
        val += MT[h, x] - own[x]
        k._move(D, a, MT, sizes, own, mem, cnt, pos, x, h)
        k._update_bounds(MT, own, mem, cnt, B, g, h)
        k._full_bounds(MT, own, mem, cnt, full)
        off = ~np.eye(G, dtype=bool)
        assert np.array_equal(B[off], full[off])
        assert val == dense_value(D, a)


def test_two_lanes_deterministic_and_never_worse_than_one():
    # lane 0 follows the single-lane trajectory, so two lanes on a work budget can only match
    # or beat one lane, and give the same answer every time
    D, lo, hi = _instance(60, 13, [(8, 14)] * 5)
    a = construct_dense(D, lo, hi, seed=0)
    one = improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=2, seed=5)
    two = improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=2, seed=5, workers=2)
    again = improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=2, seed=5, workers=2)
    assert two[1] >= one[1]
    assert two[1] == again[1] and np.array_equal(two[0], again[0])
    assert two[1] == dense_value(D, two[0])
    _check(D, two[0], lo, hi)


def test_two_lanes_on_the_clock_report_progress():
    D, lo, hi = _instance(50, 14, [(10, 10)] * 5)
    a = construct_dense(D, lo, hi, seed=0)
    # compile (or load) the kernels first: a cold compile inside a 0.1-s clock leaves no search
    improve_dense(D, a, lo, hi, time_limit=np.inf, max_work=0.001, workers=2)
    for _ in range(20):  # repeated: the first improvements race the progress poller
        calls = []
        best, val = improve_dense(D, a, lo, hi, time_limit=0.1, workers=2,
                                  progress=lambda v, t, calls=calls: calls.append(v))
        assert val == dense_value(D, best) > dense_value(D, a)
        assert calls and calls[-1] == val and calls == sorted(set(calls))
    _check(D, best, lo, hi)


def test_crossover_keeps_sizes_fixed_people_and_conflicts():
    from groupmatch.engine import _dense_kernel as k

    n, G = 24, 4
    D, lo, hi = _instance(n, 15, [(4, 8)] * G)
    fixed = np.full(n, -1)
    fixed[[0, 5]] = [1, 3]
    conflicts = [(1, 2), (3, 4), (6, 7), (2, 9)]
    ptr, idx = _csr(n, conflicts)
    W = D.copy()
    big = 16 * (int(np.abs(D).sum(axis=1).max()) + 1)
    for i, j in conflicts:
        W[i, j] = W[j, i] = -big
    thr = np.int64(-int(np.abs(D).sum(axis=1).max()) - 1)
    movable = fixed < 0
    rng = np.array([7], np.uint64)
    MT = np.empty((G, n), np.int64)
    sizes = np.empty(G, np.int64)
    out = np.empty(n, np.int64)
    crossed = 0
    for s in range(20):
        A = construct_dense(D, lo, hi, movable_assign=fixed, conf_ptr=ptr, conf_idx=idx, seed=s)
        Bp = construct_dense(D, lo, hi, movable_assign=fixed, conf_ptr=ptr, conf_idx=idx,
                             seed=s + 100)
        if not k._crossover(W, A, Bp, movable, thr, rng, out, MT, sizes):
            continue  # the caller falls back to a kick
        assert np.array_equal(np.bincount(out, minlength=G), np.bincount(A, minlength=G))
        assert out[0] == 1 and out[5] == 3
        assert not any(out[i] == out[j] for i, j in conflicts)
        assert k._crossover(W, A, A, movable, thr, rng, out, MT, sizes)
        assert np.array_equal(out, A)  # a parent crossed with itself comes back unchanged
        crossed += 1
    assert crossed >= 10


def _splitmix64(state):
    """Reference splitmix64 step in Python ints: (new state, output)."""
    mask = 2**64 - 1
    state = (state + 0x9E3779B97F4A7C15) & mask
    z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return state, z ^ (z >> 31)


def test_random_stream_is_the_published_splitmix64():
    # The published MDGP figures depend on this stream bit for bit: seeding and every draw.
    from groupmatch.engine.rng import below, next_u64, rand01, randint, rng_state

    state = (5 * 0xD1B54A32D192ED03 + 0x8BB84B93962EACC9 + 2 * 0x9E3779B97F4A7C15) % 2**64
    rng = rng_state(5, stream=2)
    assert rng.dtype == np.uint64 and int(rng[0]) == state
    state, z = _splitmix64(state)
    assert int(next_u64(rng)) == z
    state, z = _splitmix64(state)
    assert int(randint(rng, 1000)) == z % 1000
    state, z = _splitmix64(state)
    assert float(rand01(rng)) == (z >> 11) / 2.0**53
    state, z = _splitmix64(state)
    assert int(below(rng, 1000)) == ((z >> 32) * 1000) >> 32
    assert int(rng[0]) == state
    assert int(next_u64(rng_state(0))) == 0x2D9430E4E3B2BC4F  # the first draw for seed 0
