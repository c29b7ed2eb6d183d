"""A portfolio of seeds: the seeds of ``restarts=k``, the best of their groupings, the spread."""

from __future__ import annotations

import statistics
from dataclasses import replace

import numpy as np

from .jobs import Outcome

__all__ = ["restart_seeds", "best_of"]


def restart_seeds(seed: int, k: int) -> list[int]:
    """``k`` seeds: the first is ``seed`` itself (so ``restarts=1`` is the plain solve), the
    others drawn from numpy's SeedSequence of ``(seed, i)``: reproducible, independent streams.

    Examples
    --------
    >>> restart_seeds(7, 3)[0], len(set(restart_seeds(7, 3)))
    (7, 3)
    """
    out = [int(seed)]
    for i in range(1, k):
        out.append(int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0] % (2**31 - 1)))
    return out


def _rank(outcome: Outcome):
    """Sort key of a restart: groupings with groups first (the higher objective first), then
    groupings without (they carry the reason), then errors."""
    g = outcome.grouping
    if outcome.error is not None:
        return (0, 0.0)
    if not g.status.has_solution:
        return (1, 0.0)
    return (2, float(g.objective))


def best_of(outcomes: list[Outcome], seeds: list[int]) -> Outcome:
    """The restart to keep: the highest objective among those with groups (the first seed wins
    a tie); a failure never beats a success. With several seeds, its grouping's
    ``settings["restarts"]`` records every seed's objective and status, which one won, and
    the minimum, median and maximum objective."""
    best = max(range(len(outcomes)), key=lambda k: (_rank(outcomes[k]), -k))
    chosen = outcomes[best]
    if len(outcomes) == 1 or chosen.grouping is None:
        return chosen
    objectives = [o.grouping.objective if _rank(o)[0] == 2 else None for o in outcomes]
    found = [v for v in objectives if v is not None]
    spread = {
        "seeds": list(seeds), "objectives": objectives,
        "statuses": ["error" if o.error is not None else o.grouping.status.value
                     for o in outcomes],
        "seconds": [round(o.seconds, 3) for o in outcomes],
        "best": best,
        "min": min(found) if found else None,
        "median": statistics.median(found) if found else None,
        "max": max(found) if found else None,
    }
    grouping = chosen.grouping
    grouping = replace(grouping, settings={**grouping.settings, "restarts": spread})
    return replace(chosen, grouping=grouping)
