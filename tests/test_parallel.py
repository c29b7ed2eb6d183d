"""Many solves on real clusters (issue 15): solve_many, tradeoff, restarts and partition_by run
on a local process pool, a ``distributed.LocalCluster`` and a scheduler plus two workers started
as separate processes with the ``dask`` command, and give exactly what the same solves give one
by one in this process (deterministic mode)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import groupmatch as gm
from groupmatch.parallel.jobs import warm_up

SPEC = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.SharedNeeds(),
                                         gm.NotWithManager()])
LIMIT = {"time_limit": 0.2, "deterministic": True, "random_state": 0}
SEVEN = [f"E{k:05d}" for k in range(1, 8)]  # a MustGroup chain of 7 cannot fit groups of <= 6
CHAIN = list(zip(SEVEN, SEVEN[1:], strict=False))
IMPOSSIBLE = gm.PeerGroups(size=(4, 6), terms=[gm.MustGroup(CHAIN)])
BROKEN = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("no_such_column")])
BY_SITE = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.SharedNeeds()])


def roster(n: int, seed: int) -> gm.Roster:
    return gm.Roster.from_frame(gm.datasets.make_organization(n, random_state=seed))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gm.TermBelowRandomWarning)
        yield


@pytest.fixture(scope="module")
def programmes() -> dict:
    return {"emea": (roster(40, 1), SPEC), "broken": (roster(40, 1), BROKEN),
            "apac": (roster(44, 2), SPEC), "impossible": (roster(40, 3), IMPOSSIBLE)}


@pytest.fixture(scope="module")
def one_by_one(programmes) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: gm.solve(r, s, **LIMIT) for name, (r, s) in programmes.items()
                if name != "broken"}


def _same(a: gm.Grouping, b: gm.Grouping) -> None:
    assert a.status is b.status
    assert a.objective == b.objective
    assert np.array_equal(a.assignment_array(), b.assignment_array())


def _check_many(results, programmes, one_by_one) -> None:
    assert list(results) == list(programmes)  # the order given
    broken = results["broken"]
    assert isinstance(broken, gm.JobFailure) and broken.name == "broken"
    assert isinstance(broken.error, gm.InputError) and "no_such_column" in str(broken.error)
    with pytest.raises(gm.InputError, match="no_such_column"):
        broken.raise_for_status()
    assert results["impossible"].status is gm.Status.INFEASIBLE
    assert "MustGroup" in results["impossible"].message
    assert set(results.failures) == {"broken", "impossible"}
    for name, expected in one_by_one.items():
        _same(results[name], expected)
        if expected.status.has_solution:
            r, s = programmes[name]
            assert gm.check(r, s, results[name]) == []
            assert results[name]._roster is r  # the caller's roster, not a copy


# ------------------------------------------------------------------------------ clusters
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _dask_processes(tmp: Path):
    """A scheduler and two single-process workers started with the ``dask`` command."""
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = []
    try:
        started.append(subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
        for k in range(2):
            started.append(subprocess.Popen(
                [dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--local-directory", str(tmp / f"w{k}")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + 60
        while True:  # the scheduler takes a moment to listen
            try:
                client = Client(address, timeout=5, set_as_default=False)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        client.wait_for_workers(2, timeout=60)
        return address, client, started
    except BaseException:
        for p in reversed(started):
            _stop(p)
        raise


@pytest.fixture(scope="module", params=["LocalCluster", "dask scheduler + 2 workers"])
def cluster(request, tmp_path_factory):
    """``(client argument, Client)``: a LocalCluster's Client, or the scheduler address of
    separately started processes (so the address form is exercised) and a Client on it."""
    if request.param == "LocalCluster":
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=None) as local, Client(local) as client:
            yield client, client
        return
    address, client, started = _dask_processes(tmp_path_factory.mktemp("dask"))
    try:
        yield address, client
    finally:
        client.close()
        for p in reversed(started):
            _stop(p)


@pytest.fixture(scope="module")
def sweep():
    r = roster(40, 5)
    frame = gm.tradeoff(r, SPEC, vary="shared[needs]", weights=[0, 2, 8], client="serial",
                        **LIMIT)
    return r, frame


@pytest.fixture(scope="module")
def parts():
    r = gm.Roster.from_frame(gm.datasets.make_organization(90, random_state=3))
    return r, gm.solve(r, BY_SITE, partition_by="site", client="serial", **LIMIT)


@pytest.fixture(scope="module")
def seeds():
    """Three seeds' solves one by one, for comparison with ``restarts=3``."""
    r = roster(40, 4)
    best = gm.solve(r, SPEC, restarts=3, client="serial", **LIMIT)
    spread = best.settings["restarts"]
    return r, spread["seeds"], [gm.solve(r, SPEC, **{**LIMIT, "random_state": s})
                                for s in spread["seeds"]]


def test_solve_many_on_a_cluster_equals_one_by_one(cluster, programmes, one_by_one):
    where, client = cluster
    results = gm.solve_many(programmes, client=where, progress=False, **LIMIT)
    _check_many(results, programmes, one_by_one)
    ran = results["emea"].settings["parallel"]
    assert (ran["backend"], ran["slots"], ran["workers_per_job"]) == ("dask", 2, 1)
    assert ran["peak_mb"] > 0 and ran["worker"].split(":")[1] != str(os.getpid())
    # every worker loaded the compiled kernels before its first job: warming again is free
    assert set(client.run(warm_up).values()) == {0.0}
    r, s = programmes["emea"]
    _same(gm.solve(r, s, client=where, **LIMIT), one_by_one["emea"])  # one solve, there


def test_tradeoff_on_a_cluster_equals_serial(cluster, sweep):
    r, expected = sweep
    frame = gm.tradeoff(r, SPEC, vary="shared[needs]", weights=[0, 2, 8], client=cluster[0],
                        **LIMIT)
    pd.testing.assert_frame_equal(frame, expected)
    for a, b in zip(frame.attrs["groupings"], expected.attrs["groupings"], strict=True):
        _same(a, b)
    assert frame["shared[needs]"].is_monotonic_increasing and frame["valid"].all()


def test_restarts_on_a_cluster_keep_the_best_seed(cluster, seeds):
    r, seed_list, alone = seeds
    best = gm.solve(r, SPEC, restarts=3, client=cluster[0], **LIMIT)
    spread = best.settings["restarts"]
    assert spread["seeds"] == seed_list
    assert spread["seeds"][0] == LIMIT["random_state"] and len(set(spread["seeds"])) == 3
    assert spread["objectives"] == [g.objective for g in alone]
    first_best = max(range(3), key=lambda k: (alone[k].objective, -k))
    assert spread["best"] == first_best
    _same(best, alone[first_best])
    assert spread["max"] == best.objective >= spread["median"] >= spread["min"]


def test_partition_on_a_cluster_equals_serial(cluster, parts):
    r, expected = parts
    joined = gm.solve(r, BY_SITE, partition_by="site", client=cluster[0], **LIMIT)
    _same(joined, expected)

    def parts_of(g):
        return [{k: v for k, v in p.items() if k not in ("seconds", "worker", "peak_mb")}
                for p in g.settings["partition"]["parts"]]

    assert parts_of(joined) == parts_of(expected)


# ------------------------------------------------------------------------ the local pool
def test_the_local_pool_is_the_default_and_equals_one_by_one(programmes, one_by_one):
    events = []
    results = gm.solve_many(programmes, progress=events.append, **LIMIT)
    _check_many(results, programmes, one_by_one)
    assert results["apac"].settings["parallel"]["backend"] == "pool"
    per_job = results["apac"].settings["parallel"]["workers_per_job"]
    assert per_job * results["apac"].settings["parallel"]["slots"] <= (os.cpu_count() or 1)
    assert [e["done"] for e in events] == list(range(1, len(programmes) + 1))
    assert set(events[-1]["failures"]) == {"broken", "impossible"}


def test_partition_groups_never_cross_the_column(parts):
    r, joined = parts
    assert joined.status.has_solution
    assert gm.check(r, BY_SITE, joined) == []
    site = dict(zip(r.ids.tolist(), r.frame["site"], strict=True))
    for members in joined.groups["members"]:
        assert len({site[i] for i in members}) == 1
    assert len(joined.groups) == BY_SITE.resolve(r.n).n_groups  # the spec's count, shared out
    rows = joined.settings["partition"]["parts"]
    assert sorted(p["part"] for p in rows) == sorted(f"site={s}" for s in set(site.values()))
    assert sum(p["people"] for p in rows) == r.n
    assert joined.objective == gm.score(r, BY_SITE, joined)["total"]
    assert "independent parts" in joined.message


def test_a_table_split_by_programme_solves_each_programme():
    people = gm.datasets.make_organization(60, random_state=3)  # Singapore: 1 person
    results = gm.solve_many(people, SPEC, programme="site", client="serial", progress=False,
                            **LIMIT)
    assert list(results) == list(dict.fromkeys(people["site"]))  # order of first appearance
    lone = results["Singapore"]
    assert isinstance(lone, gm.JobFailure) and "cannot partition 1 people" in str(lone.error)
    whole = gm.Roster.from_frame(people)
    for name, g in results.items():
        if name == "Singapore":
            continue
        rows = np.flatnonzero(people["site"].to_numpy() == name)
        sub = whole.take(rows)
        assert g._roster.ids.tolist() == sub.ids.tolist()
        _same(g, gm.solve(sub, SPEC, **LIMIT))
