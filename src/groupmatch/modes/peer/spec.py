"""Modes: what kind of groups to form, their sizes, and the terms that shape them."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .exceptions import InputError
from .terms.base import Term, weights_to_int
from .terms.rules import SizeBounds

__all__ = ["PeerGroups", "Problem"]

SizeArg = int | tuple[int, int] | Sequence[tuple[int, int]]


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


@dataclass(frozen=True)
class Problem:
    """A mode resolved against a roster: group bounds and the full list of terms.

    Built by the engine; users rarely need it.
    """

    lo: np.ndarray
    hi: np.ndarray
    terms: tuple[Term, ...]
    weights: tuple[int, ...]  # integer objective weight per term, 0 for hard rules

    @property
    def n_groups(self) -> int:
        return len(self.lo)

    def soft_values(self, roster, assignment: np.ndarray, n_groups: int | None = None):
        """``{label: (weight, per-group values)}`` for every soft term: the one place the
        objective is computed with numpy (score, the search and the result all use it)."""
        g = self.n_groups if n_groups is None else n_groups
        return {
            t.label: (w, t.group_values(roster, assignment, g))
            for t, w in zip(self.terms, self.weights, strict=True)
            if not t.hard
        }

    def objective(self, roster, assignment: np.ndarray) -> int:
        """Σ weight × value over soft terms, the integers CP-SAT maximises."""
        return sum(w * int(v.sum()) for w, v in self.soft_values(roster, assignment).values())


@dataclass(frozen=True)
class PeerGroups:
    """Self-managed peer groups: everybody placed, sizes within bounds, terms optimised.

    Parameters
    ----------
    size : int, (min, max) or list of (min, max)
        Group size: exact, a range for every group, or one range per group (this also fixes the
        number of groups).
    terms : list of Term
        Objectives and rules, e.g. ``[gm.Diversity("department"), gm.NotWithManager()]``.
    groups : int, optional
        Number of groups. By default the count whose mean size is closest to the middle of the
        range, among the counts that can hold everybody.

    Examples
    --------
    >>> import groupmatch as gm
    >>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department")])
    >>> spec.resolve(300).n_groups
    60
    """

    size: SizeArg = (4, 6)
    terms: Sequence[Term] = ()
    groups: int | None = None
    kind: str = field(default="peer", init=False)

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(self.terms))
        for t in self.terms:
            if not isinstance(t, Term):
                raise InputError(
                    f"PeerGroups(terms=...) takes groupmatch terms such as gm.Diversity(...); "
                    f"got {t!r}."
                )
        labels = [t.label for t in self.terms]
        dup = {lab for lab in labels if labels.count(lab) > 1}
        if dup:
            raise InputError(f"Terms {sorted(dup)} appear twice; give each term once.")
        self._bounds_list()  # validate shape early
        if self.groups is not None and (not _is_int(self.groups) or self.groups < 1):
            raise InputError(
                f"PeerGroups(groups=...) must be a positive integer; got {self.groups!r}."
            )

    def with_terms(self, *terms: Term) -> PeerGroups:
        """A copy with extra terms.

        Examples
        --------
        >>> import groupmatch as gm
        >>> len(gm.PeerGroups(terms=[gm.SharedNeeds()]).with_terms(gm.NotWithManager()).terms)
        2
        """
        return replace(self, terms=(*self.terms, *terms))

    def _bounds_list(self) -> list[tuple[int, int]] | tuple[int, int]:
        s = self.size
        if _is_int(s):
            pair = (int(s), int(s))
        elif isinstance(s, tuple) and len(s) == 2 and all(_is_int(v) for v in s):
            pair = (int(s[0]), int(s[1]))
        elif isinstance(s, Sequence) and len(s) > 0 and all(
            isinstance(p, Sequence) and len(p) == 2 and all(_is_int(v) for v in p) for p in s
        ):
            out = [(int(a), int(b)) for a, b in s]
            for a, b in out:
                if a < 0 or b < max(a, 1):
                    raise InputError(f"Each group size range must satisfy 0 <= min <= max, "
                                     f"max >= 1; got ({a}, {b}).")
            return out
        else:
            raise InputError(
                f"size must be an int, a (min, max) pair or a list of (min, max) pairs; got {s!r}."
            )
        if pair[0] < 1 or pair[1] < pair[0]:
            raise InputError(f"size must satisfy 1 <= min <= max; got {pair}.")
        return pair

    def resolve(self, n: int) -> Problem:
        """Group bounds for ``n`` people; raise InputError if the sizes cannot hold them."""
        b = self._bounds_list()
        if isinstance(b, list):
            lo = np.array([a for a, _ in b], dtype=np.int64)
            hi = np.array([c for _, c in b], dtype=np.int64)
            if self.groups is not None and self.groups != len(b):
                raise InputError(f"groups={self.groups} but size lists {len(b)} ranges; "
                                 "give one range per group.")
        else:
            a, c = b
            g_min, g_max = math.ceil(n / c), n // a
            if self.groups is not None:
                g = self.groups
                if not g_min <= g <= g_max:
                    raise InputError(
                        f"size={self.size} with groups={g} cannot partition {n} people: "
                        f"{g} groups hold between {g * a} and {g * c}. "
                        f"Use between {g_min} and {g_max} groups, or change the sizes."
                    )
            else:
                if g_min > g_max:
                    raise InputError(
                        f"size={self.size} cannot partition {n} people: no number of groups of "
                        f"{a}-{c} adds up to {n}. Widen the size range."
                    )
                target = n / ((a + c) / 2)
                g = int(min(max(round(target), g_min), g_max))
            lo = np.full(g, a, dtype=np.int64)
            hi = np.full(g, c, dtype=np.int64)
        if lo.sum() > n or hi.sum() < n:
            raise InputError(
                f"The group sizes cannot partition {n} people: the groups hold between "
                f"{lo.sum()} and {hi.sum()}. Change size or the number of groups."
            )
        lo.setflags(write=False)
        hi.setflags(write=False)
        sizes = SizeBounds(lo=tuple(lo.tolist()), hi=tuple(hi.tolist()))
        terms = (sizes, *self.terms)
        soft = [t for t in terms if not t.hard]
        ints = iter(weights_to_int([float(t.weight) for t in soft], [t.label for t in soft]))
        weights = tuple(0 if t.hard else next(ints) for t in terms)
        return Problem(lo=lo, hi=hi, terms=terms, weights=weights)
