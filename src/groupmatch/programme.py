"""Programme files: one TOML file declares a whole run, so it can be repeated exactly.

.. code-block:: toml

    name = "Peer circles, spring"

    [roster]
    file = "people.csv"            # relative to this file (.csv or .xlsx); or dataset = "sample"
    id = "id"                      # every other key is passed to gm.Roster.from_frame
    categorical = ["department", "site", "level", "gender"]
    sensitive = ["gender"]

    [mode]
    kind = "peer"                  # "peer" -> gm.PeerGroups, "facilitated" -> gm.FacilitatedGroups,
    size = [4, 6]                  # "team" -> gm.TeamMentoring; other keys are its parameters

    [[terms]]
    type = "Diversity"             # any gm term class; other keys are its parameters
    column = "department"

    [solve]                        # keyword arguments of gm.solve
    time_limit = 10
    random_state = 0
    deterministic = true           # same input, seed and limits -> same grouping

    [output]
    csv = "groups.csv"             # relative to this file; the HTML report goes next to it

TOML arrays become tuples where groupmatch expects pairs: ``size = [4, 6]`` is ``(4, 6)`` and
``pairs = [["e1", "e2"]]`` is ``[("e1", "e2")]``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .exceptions import InputError

__all__ = ["Programme", "load_programme", "MODES"]

#: ``[mode] kind`` -> the groupmatch class it builds (looked up when the programme is loaded).
MODES = {"peer": "PeerGroups", "facilitated": "FacilitatedGroups", "team": "TeamMentoring"}
SOLVE_KEYS = ("time_limit", "random_state", "workers", "deterministic", "method")


def _tuples(value):
    """Innermost lists become tuples (TOML has no tuples)."""
    if isinstance(value, list):
        if all(not isinstance(v, (list, dict)) for v in value):
            return tuple(value)
        return [_tuples(v) for v in value]
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _lists(value):
    """Roster.from_frame wants lists and dicts, not tuples."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Programme:
    r"""A loaded programme file: the roster, the mode spec, solve options and output paths.

    Examples
    --------
    >>> import groupmatch as gm, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.toml"
    >>> _ = path.write_text('[roster]\ndataset = "sample"\n[mode]\nsize = [4, 6]\n')
    >>> prog = gm.load_programme(path)
    >>> prog.spec.kind, prog.roster.n
    ('peer', 300)
    """

    name: str
    roster: object
    spec: object
    solve_options: dict = field(default_factory=dict)
    csv: Path | None = None
    source: Path | None = None

    @property
    def report(self) -> Path | None:
        """The HTML report path: next to the CSV, same name, ``.html``."""
        return None if self.csv is None else self.csv.with_suffix(".html")

    def solve(self, **overrides):
        """Run :func:`groupmatch.solve` with the programme's options (``overrides`` win)."""
        from .api import solve

        return solve(self.roster, self.spec, **{**self.solve_options, **overrides})


def _table(data: dict, key: str, where: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"Programme {where.name}: [{key}] must be a table.")
    return dict(value)


def _read_people(roster_cfg: dict, base: Path, where: Path) -> pd.DataFrame:
    from . import datasets

    if "dataset" in roster_cfg:
        name = roster_cfg.pop("dataset")
        if name != "sample":
            raise InputError(f"Programme {where.name}: [roster] dataset must be 'sample' "
                             f"(the bundled organisation); got {name!r}. Use file = '...'.")
        return datasets.load_sample()
    if "file" not in roster_cfg:
        raise InputError(f"Programme {where.name}: [roster] needs file = 'people.csv' (or "
                         "dataset = 'sample').")
    path = base / roster_cfg.pop("file")
    if not path.exists():
        raise InputError(f"Programme {where.name}: roster file {str(path)!r} does not exist.")
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path)
    return pd.read_csv(path)


def _term_classes() -> dict[str, type]:
    """Every public term class by name (rules, objectives and role terms)."""
    from . import modes, terms
    from .terms.base import Term

    return {name: c for module in (terms, modes) for name, c in vars(module).items()
            if isinstance(c, type) and issubclass(c, Term)}


def _term(cfg, where: Path):
    if not isinstance(cfg, dict) or "type" not in cfg:
        raise InputError(f"Programme {where.name}: each [[terms]] entry needs type = "
                         "'Diversity' (a groupmatch term class) and its parameters.")
    params = _tuples(dict(cfg))
    name = params.pop("type")
    cls = _term_classes().get(str(name))
    if cls is None:
        raise InputError(f"Programme {where.name}: term type {name!r} is not a groupmatch term "
                         "(e.g. Diversity, SharedNeeds, NotWithManager).")
    try:
        return cls(**params)
    except TypeError as err:
        raise InputError(f"Programme {where.name}: term {name}: {err}.") from None


def _mode(cfg: dict, terms: list, where: Path):
    from . import modes

    params = _tuples(cfg)
    kind = params.pop("kind", "peer")
    if kind not in MODES:
        raise InputError(f"Programme {where.name}: [mode] kind must be one of "
                         f"{', '.join(map(repr, MODES))}; got {kind!r}.")
    cls = getattr(modes, MODES[kind], None)
    if cls is None:
        raise InputError(f"Programme {where.name}: mode {kind!r} needs gm.{MODES[kind]}, which "
                         "this version of groupmatch does not have yet.")
    try:
        return cls(terms=terms, **params)
    except TypeError as err:
        raise InputError(f"Programme {where.name}: mode {kind}: {err}.") from None


def load_programme(path) -> Programme:
    """Read a programme TOML file and build its roster and spec (nothing is solved yet).

    Paths inside the file are relative to the file. Unknown tables or keys raise an
    :class:`~groupmatch.InputError` naming them.

    Examples
    --------
    >>> import groupmatch as gm, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.toml"
    >>> _ = path.write_text('''
    ... [roster]
    ... dataset = "sample"
    ... [mode]
    ... kind = "peer"
    ... size = [4, 6]
    ... [[terms]]
    ... type = "Diversity"
    ... column = "department"
    ... [solve]
    ... time_limit = 5
    ... deterministic = true
    ... ''')
    >>> prog = gm.load_programme(path)
    >>> prog.solve_options, [t.label for t in prog.spec.terms]
    ({'time_limit': 5, 'deterministic': True}, ['diversity[department]'])
    """
    from .roster import Roster

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Programme file {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"Programme {path.name} is not valid TOML: {err}.") from None
    unknown = set(data) - {"name", "roster", "mode", "terms", "solve", "output"}
    if unknown:
        raise InputError(f"Programme {path.name}: unknown key(s) {sorted(unknown)}; expected "
                         "name, [roster], [mode], [[terms]], [solve], [output].")
    base = path.parent
    roster_cfg = _table(data, "roster", path)
    people = _read_people(roster_cfg, base, path)
    try:
        roster = Roster.from_frame(people, **{k: _lists(v) for k, v in roster_cfg.items()})
    except TypeError as err:
        raise InputError(f"Programme {path.name}: [roster]: {err}.") from None
    terms_cfg = data.get("terms", [])
    if not isinstance(terms_cfg, list):
        raise InputError(f"Programme {path.name}: terms must be an array of tables [[terms]].")
    terms = [_term(t, path) for t in terms_cfg]
    spec = _mode(_table(data, "mode", path), terms, path)
    solve_cfg = _table(data, "solve", path)
    bad = set(solve_cfg) - set(SOLVE_KEYS)
    if bad:
        raise InputError(f"Programme {path.name}: [solve] does not take {sorted(bad)}; it takes "
                         f"{', '.join(SOLVE_KEYS)}.")
    output = _table(data, "output", path)
    csv = base / output["csv"] if "csv" in output else None
    return Programme(name=str(data.get("name", path.stem)), roster=roster, spec=spec,
                     solve_options=solve_cfg, csv=csv, source=path)

