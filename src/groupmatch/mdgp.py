"""Read Maximally Diverse Grouping Problem (MDGPLIB) instance files into a roster and spec.

File format (Gallego et al. 2013, MDGPLIB): line 1 is ``n m type a_1 b_1 ... a_m b_m`` (group g
holds between a_g and b_g elements); each further line is ``i j d_ij`` for one unordered pair.
The objective is the sum, over groups, of the distances of all pairs inside a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import InputError
from .modes.peer import PeerGroups
from .roster import Roster
from .terms.diversity import PairwiseDiversity

__all__ = ["MDGPInstance", "read_mdgp"]


@dataclass(frozen=True, eq=False)
class MDGPInstance:
    """One MDGP instance: distances and per-group size bounds."""

    name: str
    matrix: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def n(self) -> int:
        return self.matrix.shape[0]

    @property
    def m(self) -> int:
        return len(self.lo)

    def to_problem(self, *, scale: int | None = None) -> tuple[Roster, PeerGroups]:
        """A roster of anonymous elements and a spec maximising pairwise diversity.

        Examples
        --------
        >>> import numpy as np
        >>> inst = MDGPInstance("toy", np.array([[0, 2.0], [2.0, 0]]), np.array([2]),
        ...                     np.array([2]))
        >>> roster, spec = inst.to_problem()
        >>> roster.n, spec.size
        (2, [(2, 2)])
        """
        roster = Roster.from_frame(pd.DataFrame({"id": np.arange(self.n)}))
        term = PairwiseDiversity(self.matrix, scale=scale)
        sizes = [(int(a), int(b)) for a, b in zip(self.lo, self.hi, strict=True)]
        return roster, PeerGroups(size=sizes, terms=[term])


def read_mdgp(path: str | Path) -> MDGPInstance:
    """Parse an MDGPLIB file (e.g. ``RanReal_n120_ss_01.txt``).

    Raises
    ------
    InputError
        If the header or the pair lines do not follow the format.
    """
    path = Path(path)
    with path.open() as fh:
        header = fh.readline().split()
        try:
            n, m = int(header[0]), int(header[1])
            bounds = np.array([int(v) for v in header[3 : 3 + 2 * m]], dtype=np.int64)
        except (IndexError, ValueError):
            raise InputError(
                f"{path.name}: line 1 must be 'n m type a_1 b_1 ... a_m b_m'."
            ) from None
        if len(bounds) != 2 * m:
            raise InputError(f"{path.name}: line 1 lists {len(bounds) // 2} size pairs, m={m}.")
        data = np.loadtxt(fh, ndmin=2)
    if data.shape != (n * (n - 1) // 2, 3):
        raise InputError(f"{path.name}: expected {n * (n - 1) // 2} lines 'i j d', got "
                         f"{data.shape[0]}.")
    i, j = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)
    matrix = np.zeros((n, n))
    matrix[i, j] = data[:, 2]
    matrix[j, i] = data[:, 2]
    return MDGPInstance(path.stem, matrix, bounds[0::2].copy(), bounds[1::2].copy())
