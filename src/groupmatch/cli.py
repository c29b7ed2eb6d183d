"""Command line: ``groupmatch solve`` (a CSV with flags, or a programme file), ``groupmatch report``
(an HTML report of a solve or of an existing assignment), ``groupmatch review`` (adjust groups by
hand in a local web page) and ``groupmatch demo`` (the bundled sample).

A user's mistake (a missing or unreadable file, a wrong column name, a bad flag, a bad programme
file) ends with one line ``groupmatch: error: ...`` on stderr and exit code 2, before any
solving. A run that forms no groups prints its status and the reason and exits with code 1.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import re
import sys
import threading
import time
import tomllib
import warnings
from pathlib import Path

import pandas as pd

from . import datasets
from .api import check, solve
from .exceptions import GroupMatchError, GroupMatchWarning, InputError
from .exports import export, neutralise, read_assignments
from .modes import (
    BalanceLoad,
    DistinctSpecialities,
    FacilitatedGroups,
    GoalCoverage,
    MentorOutsideDepartment,
    PeerGroups,
    TeamMentoring,
)
from .programme import SEPARATORS, load_programme, read_people
from .progress import ProgressLog
from .result import Status
from .roster import AUTO, DEFAULT_CATEGORICAL, DEFAULT_MULTI, DEFAULT_NUMERIC, Roster
from .terms import Diversity, NotWithManager, SharedNeeds

#: Errors that mean the user has something to fix: one line and exit code 2, no traceback.
USER_ERRORS = (GroupMatchError, OSError, UnicodeDecodeError, pd.errors.ParserError,
               pd.errors.EmptyDataError, tomllib.TOMLDecodeError)
OUTPUT_SUFFIXES = (".csv", ".xlsx", ".json")  # --out: the table; the report goes next to it
#: Flags that describe the problem; ``--programme`` sets all of these itself.
PROBLEM_FLAGS = {"id": "id", "size": (4, 6), "diversity": [], "numeric": [],
                 "shared_needs": None, "manager": None, "sensitive": [], "mode": "peer",
                 "facilitators": (1, 1), "mentors": (1, 2), "encoding": "utf-8", "sep": None,
                 "needs": None, "expertise": None, "team": None}
#: What each role mode reads, as (roster part, flag naming its column, what it holds).
ROLE_COLUMNS = {"needs": ("--needs", "the topics each person needs"),
                "expertise": ("--expertise", "the topics each person can lead"),
                "team": ("--team", "each person's team")}


def _size(text: str):
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            return (int(a), int(b))
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 5 or 4-6; got {text!r}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"must be a finite number of seconds greater than 0 (e.g. 30); got {text!r}")
    return value


def _whole(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}; got {text!r}")
        return value
    return parse


def _port(text: str) -> int:
    value = _whole(0)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535; got {text!r}")
    return value


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _weighted(text: str) -> list[tuple[str, float]]:
    """``gender:3,site`` -> ``[("gender", 3.0), ("site", 1.0)]`` (a weight is optional)."""
    out = []
    for item in _csv_list(text):
        column, colon, weight = item.rpartition(":") if ":" in item else (item, "", "1")
        column = column.strip()
        try:
            value = float(weight)
        except ValueError:
            value = math.nan
        if not column or not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(
                f"each item is COLUMN or COLUMN:WEIGHT with a weight > 0 (e.g. gender:3,site); "
                f"got {item!r}")
        out.append((column, value))
    return out


def _separator(text: str) -> str:
    sep = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(sep) != 1:
        raise argparse.ArgumentTypeError(f"must be one character (e.g. ';' or tab); got {text!r}")
    return sep


def _problem_args(s: argparse.ArgumentParser) -> None:
    """How the people and the groups are described: a programme file, or a CSV and flags.

    Problem flags default to None here so that ``--programme`` can tell which were given;
    :func:`_resolve` fills in ``PROBLEM_FLAGS``."""
    s.add_argument("csv", nargs="?", default=None,
                   help="people table, one row per person (.csv, or .xlsx)")
    s.add_argument("--programme", metavar="TOML", default=None,
                   help="programme file declaring roster, mode, terms and limits "
                        "(see examples/peer_programme.toml); replaces the CSV and flags")
    s.add_argument("--encoding", default=None,
                   help="text encoding of the CSV (default: utf-8; e.g. latin-1, cp1252)")
    s.add_argument("--sep", type=_separator, default=None,
                   help="column delimiter of the CSV (default: detected; ',' ';' tab or '|')")
    s.add_argument("--id", default=None, help="id column (default: id); outputs keep its name")
    s.add_argument("--size", type=_size, default=None, help="group size, e.g. 5 or 4-6 "
                   "(default 4-6)")
    s.add_argument("--diversity", type=_weighted, action="extend", default=None,
                   metavar="COLUMN[:WEIGHT],...",
                   help="columns to diversify (categorical or numeric), each with an optional "
                        "weight, e.g. gender:3,site; the flag may be repeated")
    s.add_argument("--numeric", type=_csv_list, action="extend", default=None,
                   metavar="COLUMN,...",
                   help="which of the diversity columns are numeric")
    s.add_argument("--shared-needs", metavar="COLUMN[:WEIGHT]", type=_weighted, default=None,
                   help="multi-valued column whose shared values to reward, e.g. needs or "
                        "needs:2")
    s.add_argument("--manager", metavar="COLUMN", default=None,
                   help="manager id column; keeps reporting lines apart")
    s.add_argument("--sensitive", type=_csv_list, action="extend", default=None,
                   metavar="COLUMN,...",
                   help="columns that may drive rules but stay out of the CSV and report")
    s.add_argument("--include-sensitive", action="store_true",
                   help="also write the roster's sensitive columns to the CSV and report")
    s.add_argument("--mode", choices=tuple(MODES), default=None,
                   help="peer groups (default), facilitated groups (a topic, facilitators "
                        "with that expertise, mentees who need it) or team mentoring (intact "
                        "teams matched with mentors); role modes also read the default columns "
                        "needs, expertise, role, team, manager_id and mentor capacities")
    s.add_argument("--facilitators", type=_size, default=None,
                   help="facilitators per group in --mode facilitated, e.g. 1 or 1-2 "
                        "(default 1)")
    s.add_argument("--mentors", type=_size, default=None,
                   help="mentors per team in --mode team, e.g. 1 or 1-2 (default 1-2)")
    s.add_argument("--needs", metavar="COLUMN", default=None,
                   help="role modes: multi-valued column of the topics each person needs "
                        "(default: needs)")
    s.add_argument("--expertise", metavar="COLUMN", default=None,
                   help="role modes: multi-valued column of the topics each person can lead "
                        "(default: expertise)")
    s.add_argument("--team", metavar="COLUMN", default=None,
                   help="--mode team: the team column (default: team)")


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line like every other error of the command."""

    def error(self, message: str):
        self.exit(2, f"groupmatch: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="groupmatch", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="group the people in a CSV file or a programme file")
    _problem_args(s)
    _common(s)
    s.add_argument("--out", default=None,
                   help="write one row per person here (.csv, .xlsx or .json) and the HTML "
                        "report next to it (default with --programme: its [output] csv); "
                        "checked before solving")
    r = sub.add_parser("report", help="write a self-contained HTML report")
    _problem_args(r)
    _common(r)
    r.add_argument("--assignments", metavar="CSV", default=None,
                   help="report on this existing assignment (columns id, or the --id column, "
                        "and group) instead of solving")
    r.add_argument("--out", required=True, help="the HTML file to write")
    d = sub.add_parser("demo", help="group the bundled 300-person sample organisation")
    _common(d)
    v = sub.add_parser("review", help="review and adjust groups by hand in a local web page "
                                      "(prints its address, token included; Ctrl-C stops it)")
    v.add_argument("groups", metavar="GROUPS",
                   help="the groups to review (.csv, .xlsx or .json as groupmatch solve writes "
                        "them: id, group, and role and topic in role modes)")
    v.add_argument("--programme", metavar="TOML", required=True,
                   help="the programme file the groups belong to (roster, mode and terms)")
    v.add_argument("--port", type=_port, default=0,
                   help="port on 127.0.0.1 (default: a free one)")
    v.add_argument("--no-browser", action="store_true", help="do not open a browser")
    v.add_argument("--include-sensitive", action="store_true",
                   help="show the roster's sensitive columns on the page and in its exports")
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
    p.add_argument("--time-limit", type=_seconds, default=None,
                   help="seconds, a finite number > 0 (default: the programme's, else 10)")
    p.add_argument("--seed", type=_whole(0), default=None,
                   help="random seed (default: the programme's, else 0)")
    p.add_argument("--workers", type=_whole(1), default=None,
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


def _note(text: str) -> None:
    print(f"groupmatch: note: {text}", file=sys.stderr)


def _terms(args) -> list:
    """The member-mixing terms the flags ask for (peer and facilitated groups)."""
    terms = [Diversity(column, weight=weight) for column, weight in args.diversity]
    if args.shared_needs:
        column, weight = args.shared_needs
        terms.append(SharedNeeds(column=column, weight=weight))
    if args.manager:
        terms.append(NotWithManager())
    return terms


def _columns(args) -> tuple[list[str], list[str]]:
    """(categorical, numeric) diversity columns, in the order given."""
    names = [c for c, _ in args.diversity]
    return [c for c in names if c not in args.numeric], [c for c in names if c in args.numeric]


def _unused(args, mode: str, flags: tuple[str, ...], why: str) -> None:
    """A note for each given flag that ``mode`` does not use (they are accepted, not errors)."""
    given = [f"--{f.replace('_', '-')}" for f in flags if f in args.given]
    if given:
        _note(f"{' and '.join(given)} {'has' if len(given) == 1 else 'have'} no effect in "
              f"--mode {mode}: {why}.")


def _peer(args, df, name):
    """``--mode peer``: exactly the columns the flags name, nothing read by default."""
    _unused(args, "peer", ("facilitators", "mentors", "needs", "expertise", "team"),
            "peer groups have no leaders (use --shared-needs to reward shared needs)")
    cats, nums = _columns(args)
    multi = [args.shared_needs[0]] if args.shared_needs else []
    roster = Roster.from_frame(df, id=args.id, categorical=cats, numeric=nums, multi=multi,
                               manager=args.manager, team=None, role=None,
                               capacity_groups=None, capacity_mentees=None, timezone=None,
                               sensitive=args.sensitive)
    return roster, PeerGroups(size=args.size, terms=_terms(args))


def _role_roster(args, df, name: str, required: tuple[str, ...]):
    """A role mode's roster: the default columns that are present (needs, expertise, role,
    team, capacities...) plus every column the flags name, diversity columns included.
    ``required`` roster parts missing from the table are said in flag words."""
    cats, nums = _columns(args)
    cats += [c for c in DEFAULT_CATEGORICAL if c in df.columns and c not in nums + cats]
    nums += [c for c in DEFAULT_NUMERIC if c in df.columns and c not in nums + cats]
    multi = {c: c for c in DEFAULT_MULTI if c in df.columns}
    multi.update({k: getattr(args, k) for k in ("needs", "expertise") if getattr(args, k)})
    if args.shared_needs and args.shared_needs[0] not in multi:
        multi[args.shared_needs[0]] = args.shared_needs[0]
    team = args.team or AUTO
    for part in required:
        flag, what = ROLE_COLUMNS[part]
        column = getattr(args, part) or part
        if column not in df.columns:
            raise InputError(f"--mode {args.mode} needs a column of {what}: {name} has no "
                             f"column {column!r}; name yours with {flag} COLUMN.")
    return Roster.from_frame(df, id=args.id, categorical=cats, numeric=nums, multi=multi,
                             manager=args.manager or AUTO, team=team, sensitive=args.sensitive)


def _facilitated(args, df, name):
    """``--mode facilitated``: mentee terms from the flags, balanced facilitator load."""
    _unused(args, "facilitated", ("mentors", "team"), "groups are formed by topic")
    roster = _role_roster(args, df, name, ("needs", "expertise"))
    return roster, FacilitatedGroups(size=args.size, facilitators=args.facilitators,
                                     terms=[*_terms(args), BalanceLoad()])


def _team(args, df, name):
    """``--mode team``: goal coverage, distinct specialities, balanced mentor load."""
    _unused(args, "team", ("diversity", "shared_needs", "size", "facilitators"),
            "teams are kept whole, so there are no members to mix or size (the columns are "
            "still read and checked)")
    roster = _role_roster(args, df, name, ("team", "needs", "expertise"))
    team_terms = [GoalCoverage(weight=2), DistinctSpecialities(), BalanceLoad(weight=0.1)]
    if "department" in roster.categorical:
        team_terms.append(MentorOutsideDepartment())
    return roster, TeamMentoring(mentors=args.mentors, terms=team_terms)


MODES = {"peer": _peer, "facilitated": _facilitated, "team": _team}  # --mode -> builder


def _resolve(args) -> None:
    """Fill in the problem flags' defaults; with ``--programme``, refuse the ones it sets."""
    given = [k for k in PROBLEM_FLAGS if getattr(args, k, None) is not None]
    args.given = frozenset(given)
    if args.programme is not None and given:
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
        raise InputError(f"{flags} cannot be combined with --programme: the programme file sets "
                         "them ([roster] for id, encoding, sep and columns, [mode] for sizes, "
                         "[[terms]] for diversity).")
    for key, default in PROBLEM_FLAGS.items():
        if getattr(args, key, None) is None:
            setattr(args, key, list(default) if isinstance(default, list) else default)


def _check_flags(args, df: pd.DataFrame, name: str) -> None:
    """Every column a flag names is in the table; said in the flags' words."""
    named = [("--id", args.id), *(("--diversity", c) for c, _ in args.diversity),
             ("--needs", args.needs), ("--expertise", args.expertise), ("--team", args.team),
             ("--shared-needs", args.shared_needs[0] if args.shared_needs else None),
             ("--manager", args.manager), *(("--sensitive", c) for c in args.sensitive)]
    columns = [str(c) for c in df.columns]
    listing = ", ".join(map(repr, columns[:15])) + (f" and {len(columns) - 15} more"
                                         if len(columns) > 15 else "")
    split = next((d for d in SEPARATORS if any(d in c for c in columns)), None)
    for flag, column in named:
        if column is not None and column not in df.columns:
            fix = " Name the id column with --id COLUMN." if flag == "--id" else ""
            if split is not None:
                fix = f" The header looks separated by {split!r}: check --sep."
            raise InputError(f"{flag} {column}: {name} has no column {column!r}; its columns "
                             f"are {listing}.{fix}")
    diversity = [c for c, _ in args.diversity]
    for column in args.numeric:
        if column not in diversity:
            raise InputError(f"--numeric {column}: not one of the --diversity columns; add it "
                             f"there too (--diversity {column}) to diversify on it.")
    repeated = {c for c in diversity if diversity.count(c) > 1}
    if repeated:
        raise InputError(f"--diversity names {sorted(repeated)[0]!r} twice; name each column "
                         "once (COLUMN:WEIGHT sets its weight).")


def _from_flags(args):
    """Roster and spec from a CSV and the command-line flags."""
    if args.csv is None:
        raise InputError("Give a people CSV file or --programme FILE.")
    df = read_people(args.csv, encoding=args.encoding, sep=args.sep, how="flags",
                     text=(args.id, args.manager or "manager_id"))  # ids as written: 007
    name = Path(args.csv).name
    _check_flags(args, df, name)
    return MODES[args.mode](args, df, name)


def _problem(args):
    """(roster, spec, programme or None, columns to print, needs column to print)."""
    _resolve(args)
    if args.programme is not None:
        if args.csv is not None:
            raise InputError("Give either a CSV file or --programme, not both.")
        prog = load_programme(args.programme)
        roster = prog.roster
        shown = [c for c in roster.categorical if c not in roster.sensitive][:4]
        needs = next((t.column for t in prog.spec.terms if t.label.startswith("shared[")), None)
        return roster, prog.spec, prog, shown, needs
    roster, spec = _from_flags(args)
    cats = [c for c in _columns(args)[0] if c not in roster.sensitive]
    return roster, spec, None, cats, args.shared_needs[0] if args.shared_needs else None


def _writable(path: Path, flag: str) -> None:
    """Refuse an output path that cannot be written, before anything is solved."""
    if path.is_dir():
        raise InputError(f"{flag} {path} is a folder; give a file name in it, e.g. "
                         f"{path / 'groups.csv'}.")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{flag} {path}: the folder {str(folder)!r} does not exist; create it "
                         "or write somewhere else (nothing was solved).")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"{flag} {path}: no permission to write there (nothing was solved).")


def _check_table_out(path: Path, flag: str) -> None:
    _writable(path, flag)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"{flag} {path}: the file must end in {', '.join(OUTPUT_SUFFIXES)}; "
                         "the HTML report is written next to it with the suffix .html.")
    _writable(path.with_suffix(".html"), flag)


def _keep_id_name(path: Path, id_name: str) -> None:
    """The written CSV's id column takes the input's name (``employee_id``), not ``id``."""
    with open(path, newline="", encoding="utf-8") as f:
        first = f.readline()
        rest = f.read()
    bom = "\ufeff" if first.startswith("\ufeff") else ""
    header = next(csv.reader([first[len(bom):]]), [])
    if not header or header[0] != "id" or id_name == "id" or id_name in header:
        return  # nothing to rename, or the export already kept the name
    header[0] = neutralise(pd.DataFrame(columns=[id_name])).columns[0]
    line = io.StringIO()
    csv.writer(line, lineterminator=first[len(first.rstrip("\r\n")):] or "\r\n").writerow(header)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(bom + line.getvalue() + rest)


def _write_outputs(grouping, log, table_path, html_path, include_sensitive) -> None:
    if table_path is not None:
        export(grouping, table_path, include_sensitive=include_sensitive)  # format by suffix
        if table_path.suffix.lower() == ".csv":
            _keep_id_name(table_path, grouping._roster.columns.get("id", "id"))
        print(f"\nwrote {table_path}")
    if html_path is not None:
        grouping.to_html(html_path, progress=log, include_sensitive=include_sensitive)
        print(f"wrote {html_path}")


def _flag_words(text: str, limit: int = 300) -> str:
    """Library advice in command-line words ("raise time_limit" -> "raise --time-limit"), cut
    after about ``limit`` characters at a "; " so that it stays one readable line."""
    text = re.sub(r"\btime_limit\b", "--time-limit", " ".join(text.split()))
    cut = text.rfind("; ", 0, limit)
    return text if len(text) <= limit or cut < 0 else text[:cut] + "; ..."


def _no_groups(grouping) -> str | None:
    """One line saying why the run formed no groups (None when it formed some)."""
    status = grouping.status
    if not status.has_solution:
        if status not in (Status.INFEASIBLE, Status.NO_SOLUTION):
            grouping.raise_for_status()  # an invalid model is a bug: keep its own error
        text = grouping.message or ("no grouping satisfies the hard rules"
                                    if status is Status.INFEASIBLE else
                                    "the time limit ended before any valid grouping was found")
        if grouping.conflicts:
            text += f" (rules in conflict: {', '.join(map(str, grouping.conflicts))})"
        return f"{status.value}: {_flag_words(text)}"
    if len(grouping.groups):
        return None
    member = getattr(grouping.spec, "member_role", "person")
    left = grouping.unplaced
    if "role" in left.columns and (left["role"] == member).any():
        left = left[left["role"] == member]
    if len(left):
        reason = left["reason"].value_counts().index[0]
        return (f"no groups formed (status {status.value}): {len(left)} {member}s left out; "
                f"most often: {_flag_words(str(reason))}")
    return (f"no groups formed (status {status.value}): nobody in the table is a {member} "
            "this mode could place; check the role, needs and team columns")


def _finish(grouping, log, roster, shown, needs, table, html, include_sensitive) -> int:
    """Print the answer and write the files; 1 (and nothing written) when no groups formed."""
    failure = _no_groups(grouping)
    if failure is not None and not grouping.status.has_solution:
        print(f"groupmatch: {failure}", file=sys.stderr)
        return 1
    _print_grouping(roster, grouping, shown, needs, limit=5)
    if failure is not None:
        print(f"groupmatch: {failure}. Nothing written.", file=sys.stderr)
        return 1
    _write_outputs(grouping, log, table, html, include_sensitive)
    return 0


def _solve(args) -> int:
    if args.out is not None:  # before reading anything: a typo here should cost nothing
        _check_table_out(Path(args.out), "--out")
    roster, spec, prog, shown, needs = _problem(args)
    out = Path(args.out) if args.out else (prog.csv if prog is not None else None)
    if out is not None and args.out is None:
        _check_table_out(out, f"[output] csv of {Path(args.programme).name}:")
    grouping, log = _solve_with_progress(roster, spec, args, prog)
    return _finish(grouping, log, roster, shown, needs, out,
                   None if out is None else out.with_suffix(".html"), args.include_sensitive)


def _report(args) -> int:
    _writable(Path(args.out), "--out")
    roster, spec, prog, shown, needs = _problem(args)
    if args.assignments is None:
        grouping, log = _solve_with_progress(roster, spec, args, prog)
        failure = _no_groups(grouping)
        if failure is not None:
            print(f"groupmatch: {failure}. No report written.", file=sys.stderr)
            return 1
    else:
        grouping, log = _evaluated(roster, spec, args), None
    _write_outputs(grouping, log, None, Path(args.out), args.include_sensitive)
    return 0


def _assignments(path: str, args, id_name: str) -> pd.DataFrame:
    """An assignment file as ``id``, ``group``...: groupmatch's own export read back exactly
    (quoted ids like ``'=1`` and text ids like ``007`` included), else any table with the
    id column (or ``id``) and ``group`` in the given encoding and delimiter."""
    if args.sep is None and args.encoding == "utf-8":
        for column in dict.fromkeys((id_name, "id")):
            try:
                return read_assignments(path, id=column).rename(columns={column: "id"})
            except (InputError, UnicodeDecodeError, pd.errors.ParserError):
                continue  # not in the export's shape: read it as a plain table below
    table = read_people(path, encoding=args.encoding, sep=args.sep, how="flags",
                        text=(id_name, "id"))
    if "id" not in table.columns and id_name in table.columns:
        table = table.rename(columns={id_name: "id"})
    if not {"id", "group"} <= set(table.columns):
        raise InputError(f"--assignments {path}: needs the columns {id_name!r} (or 'id') and "
                         f"'group'; it has {', '.join(map(str, table.columns))}.")
    return table


def _evaluated(roster, spec, args):
    """A Grouping for an existing assignment file (id, group), scored but not solved."""
    path = args.assignments
    table = _assignments(path, args, roster.columns.get("id", "id"))
    grouping = spec.evaluated(roster, table, {"method": "evaluated", "source": str(path)})
    broken = check(roster, spec, grouping)
    print(f"evaluated {path}: objective {grouping.objective}, "
          f"{len(broken)} hard-rule violations")
    return grouping


def _review(args) -> int:
    """Serve the review page until Ctrl-C or SIGTERM; its address is the first stdout line."""
    from .review.server import require_server_packages, review

    require_server_packages()  # before reading anything: the fix is an install
    prog = load_programme(args.programme)
    if not Path(args.groups).is_file():
        raise InputError(f"GROUPS {args.groups!r} does not exist (the groups file to review, as "
                         "groupmatch solve writes it).")
    review(args.groups, prog, port=args.port, open_browser=not args.no_browser,
           include_sensitive=args.include_sensitive, block=True)
    print("groupmatch: review stopped", file=sys.stderr)
    return 0


def _one_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror and err.filename:
        return f"{err.strerror}: {err.filename}"
    return " ".join(str(err).split()) or type(err).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None,
                  _default=warnings.showwarning):
    """groupmatch's own warnings as one line; any other warning as Python shows it."""
    if issubclass(category, GroupMatchWarning):
        print(f"groupmatch: warning: {_one_line(message)}", file=sys.stderr)
    else:
        _default(message, category, filename, lineno, file, line)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``groupmatch`` command.

    Returns 0 on success, 1 when a run forms no groups (status and reason on stderr) and 2 on a
    user's mistake (``groupmatch: error: ...``, one line, no traceback); argparse's own usage
    errors also return 2.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # --help, or a bad flag (argparse printed why)
        return exit_.code if isinstance(exit_.code, int) else 2
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return {"demo": _demo, "solve": _solve, "report": _report,
                    "review": _review}[args.command](args)
        except USER_ERRORS as err:
            print(f"groupmatch: error: {_one_line(err)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("groupmatch: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
