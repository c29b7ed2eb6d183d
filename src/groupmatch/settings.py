"""How a solve runs: limits, seed, workers, determinism, progress, validated once.

The front door (:func:`groupmatch.solve`, :func:`groupmatch.rematch`) turns its keyword
arguments into one frozen :class:`SolveSettings` and hands it to the spec's own method; modes and
the engine read it and never re-validate.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ._random import RandomState, check_random_state
from ._validation import check_bool, check_int, check_seconds
from .exceptions import InputError

__all__ = ["SolveSettings", "METHODS"]

METHODS = ("auto", "exact", "search")


@dataclass(frozen=True)
class SolveSettings:
    """One solve's settings, after validation.

    ``seed`` is the integer drawn from ``random_state`` (CP-SAT and the compiled searches use
    it); ``workers`` is the requested count (the machine's cores by default) even when
    ``deterministic`` makes the solvers use one.

    Examples
    --------
    >>> s = SolveSettings.of(time_limit=5, random_state=3)
    >>> s.seed, s.deterministic, s.with_time(1.5).time_limit
    (3, False, 1.5)
    """

    time_limit: float
    random_state: RandomState
    seed: int
    workers: int
    deterministic: bool = False
    progress: Callable[[dict], None] | None = None
    method: str = "auto"

    @classmethod
    def of(cls, *, time_limit: float = 10.0, random_state: RandomState = 0,
           workers: int | None = None, deterministic: bool = False,
           progress: Callable[[dict], None] | None = None,
           method: str = "auto") -> SolveSettings:
        """Validate the front door's keyword arguments (InputError on bad ones).

        ``time_limit`` must be a finite number of seconds > 0: ``inf`` is refused (there is no
        "until proven optimal" setting; an exact solve stops as soon as it proves optimality).
        ``workers`` is ``None`` (the machine's cores) or an integer >= 1; ``0`` is refused, not
        read as "default". ``deterministic`` must be ``True`` or ``False``; text such as
        ``"false"`` is refused rather than read as true.

        Examples
        --------
        >>> SolveSettings.of(workers=0)
        Traceback (most recent call last):
        ...
        groupmatch.exceptions.InputError: Parameter 'workers' must be >= 1; got 0.
        """
        time_limit = check_seconds("time_limit", time_limit)
        if method not in METHODS:
            raise InputError(f"method must be 'auto', 'exact' or 'search'; got {method!r}.")
        if progress is not None and not callable(progress):
            raise InputError(f"progress must be a callable or None; got {progress!r}.")
        workers = check_int("workers", (os.cpu_count() or 1) if workers is None else workers,
                            minimum=1)
        deterministic = check_bool("deterministic", deterministic)
        seed, _ = check_random_state(random_state)
        return cls(time_limit, random_state, seed, workers, deterministic, progress, method)

    @property
    def solver_workers(self) -> int:
        """Workers a solver may use: one when deterministic."""
        return 1 if self.deterministic else self.workers

    def rng(self) -> np.random.Generator:
        """A fresh numpy generator seeded from ``seed`` (same seed, same stream)."""
        return np.random.default_rng(self.seed)

    def with_time(self, time_limit: float) -> SolveSettings:
        """The same settings with another time limit (a stage's share of the budget)."""
        return replace(self, time_limit=float(time_limit))

    def stage(self, time_limit: float) -> SolveSettings:
        """A sub-solve's settings (a facilitated topic split...): its own time limit, the
        engine's default path and no progress events of its own."""
        return replace(self, time_limit=float(time_limit), progress=None, method="auto")

    def emit(self, event: str, objective, bound=None, *, elapsed: float) -> None:
        """Send one progress event, when a callback was given."""
        if self.progress is not None:
            self.progress({"event": event, "objective": objective, "bound": bound,
                           "elapsed": elapsed})

    def record(self, **extra) -> dict:
        """What a Grouping keeps in ``settings`` to reproduce the run."""
        return {"time_limit": self.time_limit, "random_state": self.random_state,
                "seed": self.seed, "workers": self.solver_workers,
                "deterministic": self.deterministic, **extra}
