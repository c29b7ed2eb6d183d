"""Many solves at once (issue 15): ``solve_many``, ``tradeoff``, restarts, ``partition_by``.

Placeholder: being built.
"""

__all__ = ["solve_many", "tradeoff"]


def solve_many(*args, **kwargs):
    raise NotImplementedError("solve_many is being built")


def tradeoff(*args, **kwargs):
    raise NotImplementedError("tradeoff is being built")
