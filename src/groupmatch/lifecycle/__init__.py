"""Programmes over time (issue 16): feedback in, a health check, and the next round's rules.

A programme runs in rounds: form groups, collect check-in feedback, look at its health, and
form the next round with what was learnt.

- :class:`Feedback` (``feedback.py``): the documented feedback table, validated like the
  roster.
- :func:`health` (``health.py``, ``assess.py``, ``measures.py``, ``risk.py``): attendance,
  satisfaction, drop-outs and trends per round, group, facilitator and subgroup, with at-risk
  signals and their reasons.
- :meth:`Feedback.rules` (``nextround.py``): conflicts become ``CannotGroup`` pairs, ``again``
  flags allowed repeats, ``left`` people leave the roster, facilitator signals lower capacity;
  every change in one table.
- :func:`suggest_rematch` (``suggest.py``): the fewest moves that repair at-risk groups.
- :func:`make_feedback` (``synthetic.py``): synthetic feedback, as ``gm.datasets.make_feedback``.

The history of rounds is read by ``timeline.py`` (a list of groupings, round 1 first, or
``{round: grouping}``).

Examples
--------
>>> import pandas as pd, groupmatch as gm
>>> r1 = pd.DataFrame({"id": list("abcd"), "group": [0, 0, 1, 1]})
>>> fb = gm.Feedback.from_frame(pd.DataFrame({
...     "round": 1, "id": list("abcd"), "group": [0, 0, 1, 1], "attended": 1.0,
...     "flags": ["conflict:b", "", "", ""]}), history=[r1])
>>> gm.health(None, fb).at_risk[["name", "signal"]].values.tolist()
[[0, 'conflict']]
"""

from .assess import Health
from .feedback import Feedback
from .health import health
from .nextround import NextRound
from .suggest import suggest_rematch
from .synthetic import make_feedback

__all__ = ["Feedback", "Health", "NextRound", "health", "suggest_rematch", "make_feedback"]
