"""Command line: ``groupmatch solve`` for any CSV, ``groupmatch demo`` for the bundled sample."""

from __future__ import annotations

import argparse
import sys
import threading
import time

import numpy as np
import pandas as pd

from . import datasets
from .engine.core import solve
from .evaluate import check
from .exceptions import GroupMatchError
from .roster import Roster
from .spec import PeerGroups
from .terms import Diversity, NotWithManager, SharedNeeds


def _size(text: str):
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            return (int(a), int(b))
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 5 or 4-6; got {text!r}") from None


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="groupmatch", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="group the people in a CSV file")
    s.add_argument("csv", help="people table, one row per person")
    s.add_argument("--id", default="id", help="id column (default: id)")
    s.add_argument("--size", type=_size, default=(4, 6), help="group size, e.g. 5 or 4-6")
    s.add_argument("--diversity", type=_csv_list, default=[],
                   help="comma-separated columns to diversify (categorical or numeric)")
    s.add_argument("--numeric", type=_csv_list, default=[],
                   help="which of the diversity columns are numeric")
    s.add_argument("--shared-needs", metavar="COLUMN", default=None,
                   help="multi-valued column whose shared values to reward, e.g. needs")
    s.add_argument("--manager", metavar="COLUMN", default=None,
                   help="manager id column; keeps reporting lines apart")
    _common(s)
    s.add_argument("--out", default=None, help="write one row per person (id, group) here")
    d = sub.add_parser("demo", help="group the bundled 300-person sample organisation")
    _common(d)
    return p


class _ProgressBar:
    """A one-line progress bar on stderr, redrawn by a timer thread (solves can be long)."""

    def __init__(self, time_limit: float, stream=None):
        self.limit, self.stream = time_limit, stream or sys.stderr
        self.best = None
        self.start = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __call__(self, event: dict) -> None:
        if event.get("objective") is not None:
            self.best = event["objective"]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._draw(final=True)

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self._draw()

    def _draw(self, final: bool = False) -> None:
        elapsed = time.perf_counter() - self.start
        frac = 1.0 if final else min(elapsed / self.limit, 1.0)
        bar = "#" * int(30 * frac)
        best = "-" if self.best is None else self.best
        end = "\n" if final else ""
        self.stream.write(f"\r[{bar:<30}] {elapsed:5.1f}/{self.limit:g} s  best {best}{end}")
        self.stream.flush()


def _solve_with_progress(roster, spec, args):
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    kwargs = dict(time_limit=args.time_limit, random_state=args.seed, workers=args.workers)
    if not show:
        return solve(roster, spec, **kwargs)
    with _ProgressBar(args.time_limit) as bar:
        return solve(roster, spec, progress=bar, **kwargs)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar on stderr (default: when it is a terminal)")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--workers", type=int, default=None, help="CP-SAT workers (default: cores)")


def _print_grouping(roster, grouping, show: list[str], needs: str | None, limit: int = 0) -> None:
    frame = roster.frame
    name_col = "name" if "name" in frame.columns else None
    print(f"status: {grouping.status.value}   objective: {grouping.objective}   "
          f"bound: {grouping.bound}   time: {grouping.wall_time:.1f} s   "
          f"groups: {len(grouping.groups)}")
    print("breakdown: " + ", ".join(f"{k}={v}" for k, v in grouping.breakdown.items()))
    a = grouping.assignment_array()
    shown = grouping.groups if not limit else grouping.groups.head(limit)
    for g in shown["group"].tolist():
        rows = np.flatnonzero(a == g).tolist()
        print(f"\ngroup {g} ({len(rows)} people)")
        for i in rows:
            who = frame.iloc[i][name_col] if name_col else roster.ids[i]
            attrs = "  ".join(str(frame.iloc[i][c]) for c in show)
            print(f"  {str(roster.ids[i]):<8} {str(who):<22} {attrs}")
        if needs is not None:
            shared = grouping.explain(g).loc[f"shared[{needs}]", "details"]["shared"]
            print("  shares: " + (", ".join(f"{t} ({c})" for t, c in shared.items()) or "-"))
    if limit and len(grouping.groups) > limit:
        print(f"\n... {len(grouping.groups) - limit} more groups (see --out)")


def _demo(args) -> int:
    df = datasets.load_sample()
    roster = Roster.from_frame(df)
    cats = ["department", "site", "level", "gender"]
    spec = PeerGroups(
        size=(4, 6),
        terms=[*(Diversity(c) for c in cats), Diversity("tenure_years", weight=0.125),
               SharedNeeds(weight=2), NotWithManager()],
    )
    print(f"groupmatch demo: {roster.n} people from the bundled sample organisation, peer "
          "groups of 4-6, diverse in department, site, level, gender and tenure, sharing "
          "learning needs, nobody with their manager.\n")
    grouping = _solve_with_progress(roster, spec, args).raise_for_status()
    _print_grouping(roster, grouping, cats, "needs", limit=8)
    problems = check(roster, spec, grouping)
    print(f"\nhard rules: {'all hold' if not problems else problems}")
    return 0


def _solve(args) -> int:
    df = pd.read_csv(args.csv)
    numeric = [c for c in args.diversity if c in args.numeric]
    cats = [c for c in args.diversity if c not in args.numeric]
    multi = [args.shared_needs] if args.shared_needs else []
    roster = Roster.from_frame(df, id=args.id, categorical=cats, numeric=numeric, multi=multi,
                               manager=args.manager, team=None, role=None, capacity_groups=None,
                               capacity_mentees=None, timezone=None)
    terms = [Diversity(c) for c in args.diversity]
    if args.shared_needs:
        terms.append(SharedNeeds(column=args.shared_needs))
    if args.manager:
        terms.append(NotWithManager())
    spec = PeerGroups(size=args.size, terms=terms)
    grouping = _solve_with_progress(roster, spec, args).raise_for_status()
    _print_grouping(roster, grouping, cats, args.shared_needs, limit=5)
    if args.out:
        grouping.assignments[["id", "group"]].to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``groupmatch`` command."""
    args = _parser().parse_args(argv)
    try:
        return _demo(args) if args.command == "demo" else _solve(args)
    except (GroupMatchError, FileNotFoundError) as err:
        print(f"groupmatch: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
