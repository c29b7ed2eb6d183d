"""Progress of many jobs: a one-line text report on stderr, or the caller's own callable."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from ..exceptions import InputError

__all__ = ["Progress", "progress_reporter"]

QUIET_SECONDS = 2.0  # a run shorter than this prints nothing
EVERY_SECONDS = 1.0  # at most one line per second (plus the last)
NAMES_SHOWN = 3


class Progress:
    """Counts jobs as they finish and reports ``{"done", "total", "failed", "failures",
    "elapsed", "remaining", "name", "ok"}`` to ``report`` (``remaining`` is the estimated
    seconds left: the mean pace so far times the jobs left, None before the first job).

    Examples
    --------
    >>> seen = []
    >>> p = Progress(2, seen.append)
    >>> p.finished("a", ok=False)
    >>> seen[-1]["done"], seen[-1]["failures"]
    (1, ['a'])
    """

    def __init__(self, total: int, report: Callable[[dict], None] | None):
        self.total = total
        self.report = report
        self.done = 0
        self.failures: list = []
        self.t0 = time.perf_counter()

    def finished(self, name, *, ok: bool) -> None:
        self.done += 1
        if not ok:
            self.failures.append(name)
        if self.report is None:
            return
        elapsed = time.perf_counter() - self.t0
        left = self.total - self.done
        self.report({"done": self.done, "total": self.total, "failed": len(self.failures),
                     "failures": list(self.failures), "elapsed": elapsed,
                     "remaining": elapsed / self.done * left, "name": name, "ok": ok})

    def close(self) -> None:
        closer = getattr(self.report, "close", None)
        if closer is not None:
            closer()


class TextLine:
    """The default report: ``solve_many: 12/40 done, 1 failed (emea), 35 s elapsed, about 80 s
    left`` on stderr, rewritten in place on a terminal; silent for runs under two seconds."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.last = -EVERY_SECONDS
        self.pending: dict | None = None
        self.shown = False

    def __call__(self, event: dict) -> None:
        self.pending = event
        if event["elapsed"] < QUIET_SECONDS:
            return
        if event["done"] < event["total"] and event["elapsed"] - self.last < EVERY_SECONDS:
            return
        self._write(event)

    def _write(self, event: dict) -> None:
        self.last = event["elapsed"]
        failed = ""
        if event["failed"]:
            names = ", ".join(map(str, event["failures"][:NAMES_SHOWN]))
            more = ", ..." if event["failed"] > NAMES_SHOWN else ""
            failed = f", {event['failed']} failed ({names}{more})"
        left = ("" if event["done"] == event["total"]
                else f", about {event['remaining']:.0f} s left")
        line = (f"{self.label}: {event['done']}/{event['total']} done{failed}, "
                f"{event['elapsed']:.0f} s elapsed{left}")
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.stream.write(("\r" + line + "\033[K") if tty else line + "\n")
        self.stream.flush()
        self.shown = True
        self.pending = None

    def close(self) -> None:
        """Show the final count when anything was shown (and end the terminal line)."""
        if self.shown and self.pending is not None:
            self._write(self.pending)
        if self.shown and getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\n")
            self.stream.flush()


def progress_reporter(progress, label: str):
    """The report callable for ``progress``: True (a text line on stderr), False or None
    (nothing), or a callable (called with each event dict)."""
    if progress is True:
        return TextLine(label)
    if progress is False or progress is None:
        return None
    if callable(progress):
        return progress
    raise InputError(f"progress must be True, False or a callable; got {progress!r}.")
