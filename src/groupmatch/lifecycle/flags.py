"""The ``flags`` cell of a feedback row: ``conflict:<id>``, ``again:<id>`` and ``left``.

A cell holds any number of flags separated by ``;`` (or a list of them); empty means none.
Flag names are case-insensitive and spaces around ``:`` and ``;`` are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Flag", "parse_flags", "FLAG_KINDS"]

FLAG_KINDS = ("conflict", "again", "left")  # conflict/again name a person; left stands alone
_WITH_ID = ("conflict", "again")


@dataclass(frozen=True)
class Flag:
    """One flag: its kind and, for ``conflict`` and ``again``, the person it names."""

    kind: str
    other: str | None = None


class BadFlag(ValueError):
    """A token that is not a flag; the message says why."""


def _tokens(cell) -> list[str]:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return []
    if isinstance(cell, (list, tuple, set, frozenset)):
        items = [str(v) for v in cell if v is not None]
    elif isinstance(cell, str):
        items = cell.split(";")
    else:
        raise BadFlag(f"a flags cell holds text such as 'conflict:E2; left'; got {cell!r}")
    return [t.strip() for t in items if t.strip()]


def parse_flags(cell) -> list[Flag]:
    """The flags of one cell; ``BadFlag`` for a malformed one.

    Examples
    --------
    >>> parse_flags("conflict:E2; LEFT")
    [Flag(kind='conflict', other='E2'), Flag(kind='left', other=None)]
    >>> parse_flags(float("nan"))
    []
    """
    out = []
    for token in _tokens(cell):
        kind, sep, other = (part.strip() for part in token.partition(":"))
        kind = kind.lower()
        if kind not in FLAG_KINDS:
            raise BadFlag(f"unknown flag {token!r} (flags are conflict:<id>, again:<id>, left)")
        if kind in _WITH_ID and not other:
            raise BadFlag(f"flag {token!r} names nobody; write {kind}:<id>")
        if kind not in _WITH_ID and sep:
            raise BadFlag(f"flag {token!r} takes no id; write {kind}")
        out.append(Flag(kind, other or None))
    return out
