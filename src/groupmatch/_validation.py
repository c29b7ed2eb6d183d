"""Validation helpers: one message template for bad input (see ``exceptions.InputError``)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from .exceptions import InputError

MAX_ROWS_SHOWN = 5


def rows_text(rows: Sequence[object]) -> str:
    """Format the first offending rows, e.g. ``'rows 3, 8, 9 and 2 more'``.

    Examples
    --------
    >>> rows_text([3, 8])
    'rows 3, 8'
    >>> rows_text(list(range(8)))
    'rows 0, 1, 2, 3, 4 and 3 more'
    """
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    word = "row" if len(rows) == 1 else "rows"
    more = f" and {len(rows) - MAX_ROWS_SHOWN} more" if len(rows) > MAX_ROWS_SHOWN else ""
    return f"{word} {shown}{more}"


def column_error(column: str, rule: str, rows: Sequence[object], fix: str) -> InputError:
    """Build the standard error: column, rule, first offending rows, fix.

    Examples
    --------
    >>> str(column_error("id", "must be unique", [4, 9], "Remove the duplicates."))
    "Column 'id' must be unique; 2 rows do not (rows 4, 9). Remove the duplicates."
    """
    rows = list(rows)
    count = f"{len(rows)} row does not" if len(rows) == 1 else f"{len(rows)} rows do not"
    return InputError(f"Column {column!r} {rule}; {count} ({rows_text(rows)}). {fix}")


def check_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """Validate an integer parameter (bools are rejected).

    Examples
    --------
    >>> check_int("workers", 2, minimum=1)
    2
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"Parameter {name!r} must be an integer; got {value!r}.")
    if minimum is not None and value < minimum:
        raise InputError(f"Parameter {name!r} must be >= {minimum}; got {value!r}.")
    return int(value)


def check_weight(name: str, value: object) -> float:
    """Validate a term weight: a finite real number.

    Examples
    --------
    >>> check_weight("weight", 2)
    2.0
    """
    import math
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(f"Parameter {name!r} must be a finite number; got {value!r}.")
    return float(value)


def check_range(name: str, value, minimum: int = 0) -> tuple[int, int]:
    """A ``(min, max)`` pair of integers (an int means exactly that many): the one size-range
    parser of every mode (group sizes, facilitators and mentors per group, capacities).

    Examples
    --------
    >>> check_range("size", 4), check_range("size", (3, 6), minimum=1)
    ((4, 4), (3, 6))
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    if (not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                       for v in value)):
        raise InputError(f"{name} must be an int or a (min, max) pair of ints; got {value!r}.")
    lo, hi = int(value[0]), int(value[1])
    if lo < minimum or hi < max(lo, 1):
        raise InputError(f"{name} must satisfy {minimum} <= min <= max and max >= 1; "
                         f"got ({lo}, {hi}).")
    return lo, hi
