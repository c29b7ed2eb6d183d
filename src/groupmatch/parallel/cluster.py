"""Jobs on a Dask cluster (``dask.distributed``, the optional extra ``groupmatch[dask]``).

Dask does the distributing: scheduling, data transfer between workers, workers that join or
die. groupmatch only hands it tasks: each distinct roster is scattered to the cluster once
(travelling light, see :func:`.jobs.travel_light`) and every task that uses it refers to it, so a
roster shared by many jobs crosses the network once per worker at most. Every worker loads the
compiled kernels before the first job (:func:`.jobs.warm_up`, once per worker process).
"""

from __future__ import annotations

import uuid

from ..exceptions import InputError
from .jobs import Task, deliver, named_columns, run_task, travel_light, warm_up

__all__ = ["load_distributed", "connect", "run_dask", "INSTALL_HINT"]

INSTALL_HINT = 'pip install "groupmatch[dask]"'


def load_distributed():
    """The ``distributed`` module, or a one-line InputError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise InputError(f"Running on a Dask cluster needs dask.distributed, which is not "
                         f"installed; install it with {INSTALL_HINT}.") from None
    return distributed


def connect(client):
    """``(client, owned)``: a ``distributed.Client`` as given, or a new one connected to a
    scheduler address such as ``"tcp://127.0.0.1:8786"`` (owned: closed when done)."""
    if not isinstance(client, str) and not hasattr(client, "submit"):
        raise InputError(f"client must be None (a local process pool), 'serial', a "
                         f"dask.distributed.Client or a scheduler address; got {client!r}.")
    distributed = load_distributed()
    if isinstance(client, distributed.Client):
        return client, False
    if isinstance(client, str):
        try:
            return distributed.Client(client, set_as_default=False), True
        except OSError as error:
            raise InputError(f"Could not reach a Dask scheduler at {client!r} ({error}); "
                             "start one with `dask scheduler` or pass a Client.") from None
    raise InputError(f"client must be None (a local process pool), 'serial', a "
                     f"dask.distributed.Client or a scheduler address; got {client!r}.")


def run_dask(client, tasks: list[Task], on_done) -> None:
    """Run ``tasks`` on the cluster behind ``client`` and call ``on_done(outcome)`` as each
    ends. A worker lost mid-job fails that job only (Dask reschedules the others)."""
    distributed = load_distributed()
    client.run(warm_up)
    rosters: dict = {}
    keep: dict = {}
    for t in tasks:
        rosters.setdefault(id(t.roster), t.roster)
        keep.setdefault(id(t.roster), set()).update(named_columns(t.spec))
    keys = list(rosters)
    scattered = client.scatter([travel_light(rosters[k], keep[k]) for k in keys], hash=False)
    remote = dict(zip(keys, scattered, strict=True))
    batch = uuid.uuid4().hex[:8]
    futures = {}
    for k, t in enumerate(tasks):
        future = client.submit(run_task, _without_roster(t), remote[id(t.roster)], pure=False,
                               key=f"groupmatch-{batch}-{k}")
        futures[future] = t
    try:
        deliver(distributed.as_completed(futures, loop=client.loop), futures, on_done,
                cancel=lambda: client.cancel(list(futures)))
    finally:
        futures.clear()
        scattered.clear()


def _without_roster(task: Task) -> Task:
    from dataclasses import replace

    return replace(task, roster=None)
