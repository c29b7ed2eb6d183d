"""Random numbers for the compiled kernels: splitmix64 (Steele, Lea & Flood 2014).

A stream is a ``uint64`` array of length one owned by one search, so results never depend on
numba's global generator, on other threads, or on where a search is cut into compiled chunks.
The arithmetic of ``next_u64``, ``randint``, ``rand01`` and ``rng_state`` is fixed: the dense
kernel's published MDGP figures depend on it bit for bit. ``below`` is the division-free draw
for the count kernel's inner loop (about 10% faster there than ``randint``'s modulo).
Numba's on-disk cache of a caller does not notice edits to this file: clear the ``__pycache__``
folders under ``engine/`` after changing it.

Examples
--------
>>> rng = rng_state(0)
>>> a = [int(randint(rng, 10)) for _ in range(3)]
>>> rng = rng_state(0)
>>> a == [int(randint(rng, 10)) for _ in range(3)], 0 <= below(rng, 10) < 10
(True, True)
>>> 0.0 <= rand01(rng) < 1.0
True
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["below", "next_u64", "rand01", "randint", "rng_state"]

_MASK = 0xFFFFFFFFFFFFFFFF
_GOLDEN = 0x9E3779B97F4A7C15


# inline="always": these sit in the innermost loops, where a call costs as much as the work.
@njit(cache=True, inline="always")
def next_u64(rng):
    """Advance the stream ``rng`` (uint64 array of length 1) and return 64 random bits."""
    rng[0] += np.uint64(0x9E3779B97F4A7C15)
    z = rng[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def randint(rng, k):
    """Uniform integer in [0, k) for k >= 1 (modulo bias < 2**-40 for realistic k)."""
    return np.int64(next_u64(rng) % np.uint64(k))


@njit(cache=True, inline="always")
def below(rng, k):
    """Uniform integer in [0, k) for 1 <= k < 2**32, without a division (multiply-shift on the
    high 32 bits; bias below k / 2**32)."""
    return np.int64(((next_u64(rng) >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32))


@njit(cache=True, inline="always")
def rand01(rng):
    """Uniform float in [0, 1) with 53 random bits."""
    return np.float64(next_u64(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def rng_state(seed: int, stream: int = 0) -> np.ndarray:
    """A fresh stream for ``seed``; ``stream`` numbers independent streams of one seed.

    The seed is mixed in Python ints (exact, no numpy overflow warnings); any int works.
    """
    mixed = (int(seed) * 0xD1B54A32D192ED03 + 0x8BB84B93962EACC9 + int(stream) * _GOLDEN) & _MASK
    return np.array([mixed], dtype=np.uint64)
