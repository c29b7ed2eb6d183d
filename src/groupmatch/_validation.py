"""Validation helpers: one message template for bad input (see ``exceptions.InputError``)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

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


def check_bool(name: str, value: object) -> bool:
    """Validate a flag: ``True`` or ``False`` only (the text ``"false"`` is not a flag).

    Examples
    --------
    >>> check_bool("deterministic", True)
    True
    >>> check_bool("deterministic", "false")
    Traceback (most recent call last):
    ...
    groupmatch.exceptions.InputError: Parameter 'deterministic' must be True or False; got 'false'.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"Parameter {name!r} must be True or False; got {value!r}.")
    return bool(value)


def check_seconds(name: str, value: object) -> float:
    """Validate a duration: a finite number of seconds > 0 (bools, ``inf`` and ``nan`` refused).

    Examples
    --------
    >>> check_seconds("time_limit", 5)
    5.0
    >>> check_seconds("time_limit", float("inf"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    groupmatch.exceptions.InputError: Parameter 'time_limit' must be ... got inf. ...
    """
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        hint = ""
        if isinstance(value, numbers.Real) and math.isinf(value) and value > 0:
            hint = (" There is no 'run until proven optimal' setting: give a generous finite "
                    "limit instead (e.g. 3600); an exact solve stops as soon as it proves "
                    "optimality.")
        raise InputError(
            f"Parameter {name!r} must be a finite number of seconds > 0; got {value!r}.{hint}")
    return float(value)


def check_names(name: str, value: object, *, mapping: bool = False) -> list | dict:
    """Validate a list of column names given as parameter ``name``.

    A single string is refused with the fix spelled out (it would otherwise be read letter by
    letter). With ``mapping`` a ``{logical_name: column}`` dict is accepted and returned as a
    dict.

    Examples
    --------
    >>> check_names("sensitive", ("gender",))
    ['gender']
    >>> check_names("multi", "interests")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    groupmatch.exceptions.InputError: ... pass a list: multi=['interests'].
    """
    if isinstance(value, str):
        raise InputError(f"Parameter {name!r} takes a list of column names, not one string; "
                         f"pass a list: {name}=[{value!r}].")
    if isinstance(value, Mapping):
        if mapping:
            out = dict(value)
            nested = [v for v in out.values() if isinstance(v, (list, tuple, set, dict))]
            if nested:
                raise InputError(f"Parameter {name!r} maps each name to one column; got "
                                 f"{nested[0]!r}.")
            return out
        raise InputError(f"Parameter {name!r} takes a list of column names; got a mapping "
                         f"{value!r}. Pass a list: {name}={list(value)!r}.")
    if not isinstance(value, Iterable) or isinstance(value, bytes):
        kind = "a list or a {name: column} dict" if mapping else "a list"
        raise InputError(f"Parameter {name!r} takes {kind} of column names; got {value!r}.")
    names = list(value)
    nested = [v for v in names if isinstance(v, (list, tuple, set, frozenset, dict))]
    if nested:
        raise InputError(f"Parameter {name!r} takes a flat list of column names; got "
                         f"{nested[0]!r} inside it.")
    return names
