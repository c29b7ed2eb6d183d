"""Numbers in words for health read-outs: a share always comes with its count.

Small groups are never described by a bare percentage: "2 of 3" says what "67%" hides.
"""

from __future__ import annotations

import math

__all__ = ["count_text", "mean_text"]


def count_text(k, n, min_count: int = 5) -> str:
    """``"k of n"``, plus the percentage when ``n`` reaches ``min_count``.

    Examples
    --------
    >>> count_text(2, 3), count_text(40, 50)
    ('2 of 3', '40 of 50 (80%)')
    """
    k, n = int(k), int(n)
    if n < min_count or n == 0:
        return f"{k} of {n}"
    return f"{k} of {n} ({k / n:.0%})"


def mean_text(mean, n, digits: int = 2) -> str:
    """A mean with the number of answers behind it; ``"no answers"`` when there are none.

    Examples
    --------
    >>> mean_text(3.456, 4, 1), mean_text(float("nan"), 0)
    ('3.5 (n=4)', 'no answers')
    """
    if n == 0 or mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "no answers"
    return f"{mean:.{digits}f} (n={int(n)})"
