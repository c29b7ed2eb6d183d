"""Turn a ``random_state`` into the seeds the engine needs (one place, no global RNG)."""

from __future__ import annotations

import numpy as np

from .exceptions import InputError

RandomState = int | np.random.Generator | None


def check_random_state(random_state: RandomState) -> tuple[int, np.random.Generator]:
    """Return ``(seed, generator)`` for CP-SAT and for the numpy/numba searches.

    ``None`` draws fresh entropy (not reproducible); an int is reproducible; a Generator is used
    to draw the seed, so passing the same Generator state gives the same result.

    Examples
    --------
    >>> seed, rng = check_random_state(7)
    >>> seed
    7
    """
    if random_state is None:
        rng = np.random.default_rng()
        return int(rng.integers(0, 2**31 - 1)), rng
    if isinstance(random_state, np.random.Generator):
        seed = int(random_state.integers(0, 2**31 - 1))
        return seed, np.random.default_rng(seed)
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InputError(f"random_state must be >= 0; got {random_state}.")
        seed = int(random_state) % (2**31 - 1)
        return seed, np.random.default_rng(seed)
    raise InputError(
        f"random_state must be an int, a numpy Generator or None; got {random_state!r}."
    )
