"""Command line: ``groupmatch solve`` (a CSV with flags, or a programme file), ``groupmatch report``
(an HTML report of a solve or of an existing assignment) and ``groupmatch demo`` (the bundled
sample)."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from . import datasets
from .api import check, solve
from .exceptions import GroupMatchError, InputError
from .modes import (
    BalanceLoad,
    DistinctSpecialities,
    FacilitatedGroups,
    GoalCoverage,
    MentorOutsideDepartment,
    PeerGroups,
    TeamMentoring,
)
from .programme import load_programme
from .progress import ProgressLog
from .roster import Roster
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


def _problem_args(s: argparse.ArgumentParser) -> None:
    """How the people and the groups are described: a programme file, or a CSV and flags."""
    s.add_argument("csv", nargs="?", default=None, help="people table, one row per person")
    s.add_argument("--programme", metavar="TOML", default=None,
                   help="programme file declaring roster, mode, terms and limits "
                        "(see examples/peer_programme.toml); replaces the CSV and flags")
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
    s.add_argument("--include-sensitive", action="store_true",
                   help="also write the roster's sensitive columns to the CSV and report")
    s.add_argument("--mode", choices=("peer", "facilitated", "team"), default="peer",
                   help="peer groups (default), facilitated groups (a topic, facilitators "
                        "with that expertise, mentees who need it) or team mentoring (intact "
                        "teams matched with mentors); role modes read the default columns "
                        "needs, expertise, role, team, manager_id and mentor capacities")
    s.add_argument("--facilitators", type=_size, default=(1, 1),
                   help="facilitators per group in --mode facilitated, e.g. 1 or 1-2")
    s.add_argument("--mentors", type=_size, default=(1, 2),
                   help="mentors per team in --mode team, e.g. 1 or 1-2")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="groupmatch", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="group the people in a CSV file or a programme file")
    _problem_args(s)
    _common(s)
    s.add_argument("--out", default=None,
                   help="write one row per person here (CSV) and the HTML report next to it "
                        "(default with --programme: its [output] csv)")
    r = sub.add_parser("report", help="write a self-contained HTML report")
    _problem_args(r)
    _common(r)
    r.add_argument("--assignments", metavar="CSV", default=None,
                   help="report on this existing assignment (columns id, group) instead of "
                        "solving")
    r.add_argument("--out", required=True, help="the HTML file to write")
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


def _solve_options(args, programme=None) -> dict:
    """Programme options, overridden by flags given on the command line."""
    options = {"time_limit": 10.0, "random_state": 0}
    if programme is not None:
        options.update(programme.solve_options)
    for flag, key in (("time_limit", "time_limit"), ("seed", "random_state"),
                      ("workers", "workers")):
        if getattr(args, flag) is not None:
            options[key] = getattr(args, flag)
    return options


def _solve_with_progress(roster, spec, args, programme=None):
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    options = _solve_options(args, programme)
    log = ProgressLog()
    if not show:
        return solve(roster, spec, progress=log, **options), log
    with _ProgressBar(options["time_limit"]) as bar:
        log = ProgressLog(forward=bar)
        return solve(roster, spec, progress=log, **options), log


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar on stderr (default: when it is a terminal)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="seconds (default: the programme's, else 10)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: the programme's, else 0)")
    p.add_argument("--workers", type=int, default=None,
                   help="parallel workers: CP-SAT and search threads (default: cores)")


def _print_grouping(roster, grouping, show: list[str], needs: str | None, limit: int = 0) -> None:
    """The mode's own summary: status, breakdown and the first ``limit`` groups."""
    print("\n".join(grouping.spec.summary_lines(grouping, show=show, needs=needs, limit=limit)))


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
    grouping = _solve_with_progress(roster, spec, args)[0].raise_for_status()
    _print_grouping(roster, grouping, cats, "needs", limit=8)
    problems = check(roster, spec, grouping)
    print(f"\nhard rules: {'all hold' if not problems else problems}")
    for title, role_spec in (
        ("facilitated groups of 3-8 mentees on a topic they need, one facilitator with that "
         "expertise each, capacities respected, load balanced",
         FacilitatedGroups(size=(3, 8), terms=[Diversity("department"), SharedNeeds(),
                                               BalanceLoad()])),
        ("team mentoring: each intact team with 1-2 mentors from outside it who cover its "
         "learning goals",
         TeamMentoring(mentors=(1, 2), terms=[GoalCoverage(weight=2), DistinctSpecialities(),
                                              MentorOutsideDepartment(),
                                              BalanceLoad(weight=0.1)])),
    ):
        print(f"\n\n== {title}\n")
        grouping = _solve_with_progress(roster, role_spec, args)[0].raise_for_status()
        _print_grouping(roster, grouping, cats, None, limit=3)
        problems = check(roster, role_spec, grouping)
        print(f"hard rules: {'all hold' if not problems else problems}")
    return 0


def _facilitated_spec(args, roster, terms):
    """``--mode facilitated``: mentee terms from the flags, balanced facilitator load."""
    return FacilitatedGroups(size=args.size, facilitators=args.facilitators,
                             terms=[*terms, BalanceLoad()])


def _team_spec(args, roster, terms):
    """``--mode team``: goal coverage, distinct specialities, balanced mentor load."""
    team_terms = [GoalCoverage(weight=2), DistinctSpecialities(), BalanceLoad(weight=0.1)]
    if "department" in roster.categorical:
        team_terms.append(MentorOutsideDepartment())
    return TeamMentoring(mentors=args.mentors, terms=team_terms)


ROLE_SPECS = {"facilitated": _facilitated_spec, "team": _team_spec}  # --mode -> spec builder


def _from_flags(args):
    """Roster and spec from a CSV and the command-line flags."""
    if args.csv is None:
        raise InputError("Give a people CSV file or --programme FILE.")
    df = pd.read_csv(args.csv)
    role_spec = ROLE_SPECS.get(args.mode)
    if role_spec is not None:
        roster = Roster.from_frame(df, id=args.id)
        terms = [Diversity(c) for c in args.diversity]
        if args.shared_needs:
            terms.append(SharedNeeds(column=args.shared_needs))
        if args.manager:
            terms.append(NotWithManager())
        return roster, role_spec(args, roster, terms)
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
    return roster, PeerGroups(size=args.size, terms=terms)


def _problem(args):
    """(roster, spec, programme or None, columns to print, needs column to print)."""
    if args.programme is not None:
        if args.csv is not None:
            raise InputError("Give either a CSV file or --programme, not both.")
        prog = load_programme(args.programme)
        roster = prog.roster
        shown = [c for c in roster.categorical if c not in roster.sensitive][:4]
        needs = next((t.column for t in prog.spec.terms if t.label.startswith("shared[")), None)
        return roster, prog.spec, prog, shown, needs
    roster, spec = _from_flags(args)
    cats = [c for c in args.diversity if c not in args.numeric]
    return roster, spec, None, cats, args.shared_needs


def _write_outputs(grouping, log, csv_path, html_path, include_sensitive) -> None:
    if csv_path is not None:
        grouping.to_csv(csv_path, include_sensitive=include_sensitive)
        print(f"\nwrote {csv_path}")
    if html_path is not None:
        grouping.to_html(html_path, progress=log, include_sensitive=include_sensitive)
        print(f"wrote {html_path}")


def _solve(args) -> int:
    roster, spec, prog, shown, needs = _problem(args)
    grouping, log = _solve_with_progress(roster, spec, args, prog)
    grouping.raise_for_status()
    _print_grouping(roster, grouping, shown, needs, limit=5)
    out = Path(args.out) if args.out else (prog.csv if prog is not None else None)
    _write_outputs(grouping, log, out, None if out is None else out.with_suffix(".html"),
                   args.include_sensitive)
    return 0


def _report(args) -> int:
    roster, spec, prog, _, _ = _problem(args)
    if args.assignments is None:
        grouping, log = _solve_with_progress(roster, spec, args, prog)
        grouping.raise_for_status()
    else:
        grouping, log = _evaluated(roster, spec, args.assignments), None
    _write_outputs(grouping, log, None, Path(args.out), args.include_sensitive)
    return 0


def _evaluated(roster, spec, path):
    """A Grouping for an existing assignment file (id, group), scored but not solved."""
    table = pd.read_csv(path)
    grouping = spec.evaluated(roster, table, {"method": "evaluated", "source": str(path)})
    broken = check(roster, spec, grouping)
    print(f"evaluated {path}: objective {grouping.objective}, "
          f"{len(broken)} hard-rule violations")
    return grouping


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``groupmatch`` command."""
    args = _parser().parse_args(argv)
    try:
        return {"demo": _demo, "solve": _solve, "report": _report}[args.command](args)
    except (GroupMatchError, FileNotFoundError) as err:
        print(f"groupmatch: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
