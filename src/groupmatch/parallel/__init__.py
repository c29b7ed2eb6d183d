"""Many solves at once (issue 15): many programmes (``solve_many``), trade-off sweeps
(``tradeoff``), seed portfolios (``solve(..., restarts=k)``) and one programme split by a column
(``partition_by``), on this machine's cores or on a Dask cluster.

Modules: :mod:`.jobs` (one task, what a worker runs and returns), :mod:`.local` (the process
pool), :mod:`.cluster` (Dask), :mod:`.runner` (where tasks run), :mod:`.progress`,
:mod:`.restarts`, :mod:`.partition`, :mod:`.plan` (programmes to tasks and back),
:mod:`.many` (``solve_many``) and :mod:`.tradeoff`.
"""

from .jobs import JobFailure
from .many import ManyResults, solve_many
from .tradeoff import tradeoff

__all__ = ["solve_many", "tradeoff", "JobFailure", "ManyResults"]
