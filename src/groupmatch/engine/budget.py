"""Time left in one engine run: the wall clock, or counted work in deterministic mode.

With ``deterministic=False`` a run stops on the clock. With ``deterministic=True`` it never
reads the clock to decide anything: each phase gets a *work* budget and is charged what it
spent, converted to seconds by calibrated rates, so the same input, seed and limit give the same
answer on any machine. The trade-off: the answer is reproducible, but the wall time is only
*near* the limit on a machine like the reference one (the 2-core development machine, quiet).
A faster machine finishes early, a slower or busy one late: work, not time, is what is fixed
(on a loaded machine the CPU time, not the wall time, stays near the limit). The rates are
estimates: across the problem shapes measured, a run's CPU time lands within about -35% to
+25% of the limit (count-kernel problems mostly within 15%), where the clock was 1.5-6x over
before the calibration. A run also ends early when it proves its answer optimal.

The rates:

- compiled local search: candidates per second from a cost model of the problem's shape
  (:attr:`groupmatch.engine.local.LocalSearch.work_per_second`, :func:`.local.count_cost_ns`);
- CP-SAT: ``CPSAT_DTIME_PER_SECOND`` deterministic-time units per second (one worker), plus
  ``CPSAT_SECONDS_PER_SOLVE`` for each solve (loading, presolve) and ``BUILD_SECONDS_PER_VAR``
  for building a model in Python.
"""

from __future__ import annotations

import math
import time

__all__ = ["Budget", "CPSAT_DTIME_PER_SECOND", "CPSAT_SECONDS_PER_SOLVE",
           "BUILD_SECONDS_PER_VAR"]

# CP-SAT's deterministic time is not seconds: one worker on the reference machine advances it
# about 0.3 units per second of CPU on the engine's models, after about 0.05 s of loading and
# presolve per solve (LNS windows of 80-720 variables with rules, limits of 0.005-0.25 units:
# CPU ≈ 0.05-0.08 s + units / 0.3; full models of 24 people 0.27; CPU time measured, the
# machine being shared).
CPSAT_DTIME_PER_SECOND = 0.3
CPSAT_SECONDS_PER_SOLVE = 0.05
# Building a CP-SAT model in Python (variables, every term's constraints): about this many
# seconds per (person, group) variable on the reference machine (LNS windows with rules).
BUILD_SECONDS_PER_VAR = 6e-5


class Budget:
    """Seconds left for a run of ``time_limit`` seconds started at ``start``.

    Examples
    --------
    >>> b = Budget(2.0, deterministic=True, start=0.0)
    >>> b.charge(0.5); b.left()
    1.5
    >>> b.kernel_limits(1.0, rate=1000)
    {'time_limit': inf, 'max_work': 1000}
    """

    def __init__(self, time_limit: float, deterministic: bool, start: float | None = None):
        self.time_limit = float(time_limit)
        self.deterministic = bool(deterministic)
        self.start = time.perf_counter() if start is None else float(start)
        self.spent = 0.0  # seconds charged (deterministic mode)

    @property
    def deadline(self) -> float:
        return self.start + self.time_limit

    def left(self) -> float:
        """Seconds left: budget not yet charged, or until the deadline."""
        if self.deterministic:
            return max(self.time_limit - self.spent, 0.0)
        return max(self.deadline - time.perf_counter(), 0.0)

    def charge(self, seconds: float) -> None:
        """Charge work worth ``seconds`` (only deterministic mode counts it)."""
        self.spent += max(float(seconds), 0.0)

    def kernel_limits(self, seconds: float, rate: float) -> dict:
        """``time_limit``/``max_work`` for a compiled search given ``seconds`` of this budget."""
        if self.deterministic:
            return {"time_limit": math.inf, "max_work": max(1, int(seconds * rate))}
        return {"time_limit": max(seconds, 0.0), "max_work": None}

    def charge_kernel(self, work: int, rate: float) -> None:
        """Charge a compiled search that spent ``work`` candidates."""
        self.charge(work / rate)

    def charge_cpsat(self, dtime: float, n_vars: int = 0, *, solved: bool = True) -> None:
        """Charge a CP-SAT solve (its deterministic time and fixed cost, when ``solved``) plus
        the model's building."""
        solve = CPSAT_SECONDS_PER_SOLVE + dtime / CPSAT_DTIME_PER_SECOND if solved else 0.0
        self.charge(solve + BUILD_SECONDS_PER_VAR * n_vars)
