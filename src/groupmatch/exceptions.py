"""Every error and warning groupmatch raises, and nothing else.

Errors inherit a built-in where one fits, so ``except ValueError`` still catches bad input.
Messages follow one template: what (column or parameter), the rule, the first offending rows,
and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "GroupMatchError",
    "InputError",
    "InfeasibleError",
    "NoSolutionError",
    "GroupMatchWarning",
    "ScalingWarning",
    "TermBelowRandomWarning",
]


class GroupMatchError(Exception):
    """Base class for every error raised by groupmatch."""


class InputError(GroupMatchError, ValueError):
    """Bad roster, spec or parameter.

    Examples
    --------
    >>> import groupmatch as gm
    >>> issubclass(gm.InputError, ValueError)
    True
    """


class InfeasibleError(GroupMatchError):
    """No grouping satisfies the hard rules; ``conflicts`` names the rules involved.

    Examples
    --------
    >>> err = InfeasibleError("no way", conflicts=("NotWithManager",))
    >>> err.conflicts
    ('NotWithManager',)
    """

    def __init__(self, message: str, conflicts: tuple[str, ...] = ()):
        super().__init__(message)
        self.conflicts = tuple(conflicts)


class NoSolutionError(GroupMatchError):
    """The time limit ended before any valid grouping was found."""


class GroupMatchWarning(UserWarning):
    """Base class for groupmatch warnings."""


class ScalingWarning(GroupMatchWarning):
    """Float weights or values were rounded to integers and lost precision."""


class TermBelowRandomWarning(GroupMatchWarning):
    """An objective ended below what a random grouping with the same sizes gives on average:
    other terms (or the rules) drown it. Raise its weight or use ``PeerGroups(balance=True)``.
    """
