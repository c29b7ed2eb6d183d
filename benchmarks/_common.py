"""Shared helpers for benchmark scripts: machine description, peak memory, CSV + table output."""

from __future__ import annotations

import csv
import os
import platform
import resource
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def machine() -> str:
    """A short description of this machine, e.g. 'x86_64 2 cores 23 GiB'."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()} {os.cpu_count()} cores {mem:.0f} GiB"


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_rows(rows: list[dict], out: str | None) -> None:
    """Print rows as an aligned table and, if ``out`` is given, write them as CSV."""
    if not rows:
        return
    keys = list(rows[0])
    width = {k: max(len(k), *(len(_fmt(r[k])) for r in rows)) for k in keys}
    print("  ".join(k.rjust(width[k]) for k in keys))
    for r in rows:
        print("  ".join(_fmt(r[k]).rjust(width[k]) for k in keys))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=keys)
            w.writeheader()
            w.writerows(rows)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.1f}"
    return str(v)


def turnover_main(run, description: str, *, first_limit: float,
                  smoke: tuple[int, float, float]) -> None:
    """The command line of the turnover benchmarks (rounds.py, rematch_roles.py):
    ``--n --first-limit --time-limit --seed --out --smoke``; ``smoke`` is (n, first, limit)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--first-limit", type=float, default=first_limit)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = parser.parse_args()
    if args.smoke:
        args.n, args.first_limit, args.time_limit = smoke
    write_rows(run(args.n, args.first_limit, args.time_limit, args.seed), args.out)
