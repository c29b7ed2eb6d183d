"""Record what the solver reports while it runs, to plot the objective over time."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = ["ProgressLog"]


class ProgressLog:
    """A progress callback that keeps every event (and can pass each one on).

    Give it to :func:`groupmatch.solve` as ``progress=``; afterwards ``log.events`` holds the
    dicts the engine sent (``event``, ``objective``, ``bound``, ``elapsed``) and
    ``log.frame()`` the same as a DataFrame, which :func:`groupmatch.plots.objective_over_time`
    and :meth:`Grouping.to_html` draw.

    Parameters
    ----------
    forward : callable, optional
        Also called with each event (for example a progress bar).

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef"),
    ...                                             "department": list("xxxyyy")}))
    >>> log = gm.ProgressLog()
    >>> g = gm.solve(roster, gm.PeerGroups(size=3, terms=[gm.Diversity("department")]),
    ...              progress=log)
    >>> int(log.frame()["objective"].max()) == g.objective
    True
    """

    def __init__(self, forward: Callable[[dict], None] | None = None):
        self.events: list[dict] = []
        self._forward = forward

    def __call__(self, event: dict) -> None:
        self.events.append(dict(event))
        if self._forward is not None:
            self._forward(event)

    def __len__(self) -> int:
        return len(self.events)

    def frame(self) -> pd.DataFrame:
        """The events as a DataFrame with columns event, objective, bound, elapsed."""
        return pd.DataFrame(self.events, columns=["event", "objective", "bound", "elapsed"])
