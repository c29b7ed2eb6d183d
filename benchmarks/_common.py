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
