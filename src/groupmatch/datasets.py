"""Synthetic organisations to try groupmatch on, and the column convention they follow.

:func:`make_organization` builds a fictional but realistic HR table of any size (a reporting
tree, departments, sites in several time zones, a level pyramid, mentoring roles, topics and
weekly availability); :func:`load_sample` returns the bundled 300-person example, which is
exactly ``make_organization(300, random_state=0)`` with its list columns written as
``;``-joined strings.

Column convention
-----------------
These are the column names groupmatch looks for by default. Your own table only needs the
columns the rules you use refer to, and every name can be mapped to another one.

=========================== ============ =====================================================
column                      type         meaning
=========================== ============ =====================================================
``id``                      str          Unique employee id, e.g. ``"E00001"``.
``name``                    str          Display name (need not be unique).
``department``              str          Department, e.g. ``"Engineering"``.
``site``                    str          Office (city), e.g. ``"Berlin"``.
``timezone``                float        UTC offset of the site in hours (``5.5`` for
                                         Bangalore). Daylight saving time is ignored.
``level``                   str          Seniority ``"L1"`` (junior) .. ``"L6"`` (executive);
                                         compared by its number.
``gender``                  str          ``"F"``, ``"M"`` or ``"X"``.
``tenure_years``            float        Years in the company, ``>= 0``.
``manager_id``              str or NA    ``id`` of the line manager; missing only for the root
                                         (NaN here; test with :func:`pandas.isna`, which
                                         also accepts None and ``pd.NA``).
``team``                    str          Intact team, e.g. ``"T0001"``: a manager's direct
                                         reports; the root belongs to the team of its own
                                         direct reports.
``interests``               list[str]    Topics the person enjoys talking about.
``needs``                   list[str]    Topics the person wants to learn (mentee side).
``expertise``               list[str]    Topics the person can teach (mentor side); may be
                                         empty.
``role``                    str          ``"mentee"``, ``"mentor"`` or ``"both"``.
``mentor_capacity_groups``  int          How many groups a mentor can lead (0 for mentees).
``mentor_capacity_mentees`` int          How many mentees in total a mentor can take
                                         (0 for mentees).
``slots``                   list[str]    Weekly availability as ``"Day-HH"`` in **UTC**
                                         (``"Tue-14"`` is Tuesday 14:00-15:00 UTC).
=========================== ============ =====================================================

List columns hold Python lists of strings in memory. In files (CSV, Excel) write them as one
string joined with ``";"`` (``"python;cloud"``); an empty string is an empty list. Topic names
should come from one shared vocabulary (here :data:`TOPICS`) so that ``needs`` can be matched
against ``expertise``; slot names from one vocabulary too (here :data:`SLOTS`).

How the sample is generated
---------------------------
* One root (the CEO, the only L6, department Operations) has the eight department heads
  (L5) as direct reports. Below them each department is a tree with spans of control of 3-10,
  so about one person in six is a manager; first-line managers are L3/L4 and most people
  L1-L3. A manager's level is always at least its reports' level, and strictly higher in
  organisations of up to about 600 people. Larger departments have more layers of managers
  than six levels can separate without squeezing everyone below into L1-L2, so there some
  senior managers share L5 with their own manager (1-3% of reporting lines).
* Individual contributors share their manager's site about six times in seven; managers'
  sites mostly follow the department's footprint (Engineering in San Francisco, Berlin and
  Bangalore, Sales in New York, London and Singapore, ...). Gender shares vary by department
  (more women in HR and Marketing, fewer in Engineering) and thin out slightly with seniority.
* Topics have department affinities. Juniors need fundamentals (communication, time
  management, ...), mid-levels need their department's craft and seniors leadership topics.
  Nobody needs a topic they are an expert in, and every topic someone needs has an expert,
  among the mentors whenever one has room for it.
* About a quarter of the organisation mentors (``"mentor"`` or ``"both"``), mostly L4+.
* Slots are UTC times that fall within the person's local working hours (Monday-Friday,
  meetings starting 08:00-17:00 local), so people in neighbouring time zones overlap.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ._survey import LANGUAGES, make_skills_survey  # re-exported
from .exceptions import InputError

__all__ = ["TOPICS", "SLOTS", "LANGUAGES", "make_organization", "make_skills_survey",
           "load_sample", "make_feedback"]

# ---------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------

_FUNDAMENTALS = (
    "communication",
    "time management",
    "project management",
    "public speaking",
    "writing",
    "data analysis",
)
_LEADERSHIP = (
    "leadership",
    "people management",
    "coaching",
    "strategy",
    "negotiation",
    "change management",
    "stakeholder management",
    "decision making",
)
_CRAFT = (
    "python",
    "cloud",
    "software architecture",
    "machine learning",
    "security",
    "devops",
    "agile",
    "product management",
    "ux research",
    "design thinking",
    "sales techniques",
    "account management",
    "digital marketing",
    "brand strategy",
    "market research",
    "accounting",
    "budgeting",
    "financial modelling",
    "recruiting",
    "employment law",
    "diversity and inclusion",
    "compliance",
    "contract law",
    "process improvement",
    "supply chain",
)

#: The topic vocabulary used by ``interests``, ``needs`` and ``expertise``.
TOPICS: tuple[str, ...] = _FUNDAMENTALS + _LEADERSHIP + _CRAFT

#: The weekly slot vocabulary used by ``slots`` (UTC, ``"Day-HH"``, in week order).
SLOTS: tuple[str, ...] = (
    "Mon-08",
    "Mon-16",
    "Tue-03",
    "Tue-14",
    "Tue-20",
    "Wed-01",
    "Wed-09",
    "Wed-15",
    "Thu-11",
    "Thu-17",
    "Fri-04",
    "Fri-18",
)

_SITES: tuple[tuple[str, float], ...] = (
    ("London", 0.0),
    ("Berlin", 1.0),
    ("New York", -5.0),
    ("San Francisco", -8.0),
    ("Bangalore", 5.5),
    ("Singapore", 8.0),
)

# department: (share of the organisation, share of women among F/M, site footprint in _SITES
# order, core topics, secondary topics)
_Department = tuple[str, float, float, tuple[float, ...], tuple[str, ...], tuple[str, ...]]
_DEPARTMENTS: tuple[_Department, ...] = (
    (
        "Engineering", 0.30, 0.30, (0.12, 0.22, 0.08, 0.25, 0.28, 0.05),
        ("python", "cloud", "software architecture", "machine learning", "security", "devops",
         "agile"),
        ("data analysis", "design thinking", "project management"),
    ),
    (
        "Sales", 0.18, 0.46, (0.22, 0.10, 0.30, 0.12, 0.04, 0.22),
        ("sales techniques", "negotiation", "account management", "public speaking"),
        ("market research", "stakeholder management", "communication"),
    ),
    (
        "Operations", 0.13, 0.46, (0.15, 0.15, 0.15, 0.10, 0.30, 0.15),
        ("process improvement", "supply chain", "project management", "budgeting"),
        ("data analysis", "change management", "negotiation", "compliance"),
    ),
    (
        "Product", 0.10, 0.47, (0.15, 0.15, 0.15, 0.40, 0.08, 0.07),
        ("product management", "ux research", "design thinking", "agile",
         "stakeholder management"),
        ("data analysis", "strategy", "market research", "python"),
    ),
    (
        "Marketing", 0.09, 0.62, (0.25, 0.10, 0.30, 0.20, 0.05, 0.10),
        ("digital marketing", "brand strategy", "market research", "writing"),
        ("data analysis", "design thinking", "public speaking"),
    ),
    (
        "Finance", 0.08, 0.50, (0.35, 0.10, 0.30, 0.05, 0.10, 0.10),
        ("accounting", "budgeting", "financial modelling", "data analysis"),
        ("compliance", "strategy", "negotiation"),
    ),
    (
        "HR", 0.07, 0.72, (0.25, 0.15, 0.20, 0.15, 0.15, 0.10),
        ("recruiting", "employment law", "diversity and inclusion", "coaching",
         "people management"),
        ("change management", "communication"),
    ),
    (
        "Legal", 0.05, 0.56, (0.40, 0.10, 0.35, 0.10, 0.00, 0.05),
        ("contract law", "compliance", "employment law", "negotiation", "writing"),
        ("security", "stakeholder management"),
    ),
)
_ROOT_DEPARTMENT = 2  # the CEO sits in Operations

_FIRST_F = (
    "Aisha", "Alice", "Amara", "Ana", "Chloe", "Clara", "Elena", "Fatima", "Grace", "Hannah",
    "Ingrid", "Julia", "Leila", "Lena", "Maya", "Mei", "Nadia", "Olivia", "Priya", "Rosa",
    "Sara", "Sofia", "Yuki", "Zara",
)
_FIRST_M = (
    "Adam", "Ahmed", "Arjun", "Ben", "Carlos", "Daniel", "David", "Ethan", "Felix", "Hiro",
    "Ivan", "James", "Jonas", "Kwame", "Leo", "Lucas", "Mateo", "Noah", "Omar", "Raj", "Samuel",
    "Tom", "Wei", "Yusuf",
)
_FIRST_X = (
    "Alex", "Ari", "Avery", "Charlie", "Jordan", "Kai", "Morgan", "Quinn", "Riley", "Robin",
    "Sam", "Taylor",
)
_LAST = (
    "Andersen", "Bauer", "Brown", "Chen", "Costa", "Dubois", "Fischer", "Garcia", "Gupta",
    "Haddad", "Ito", "Jensen", "Khan", "Kim", "Kowalski", "Lopez", "Martin", "Mensah", "Meyer",
    "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Patel", "Petrov", "Rossi", "Santos",
    "Schmidt", "Silva", "Singh", "Smith", "Tan", "Walker", "Wang", "Weber", "Williams", "Yilmaz",
    "Zhang",
)

# ---------------------------------------------------------------------------------------------
# Tunables (index 0 is L1)
# ---------------------------------------------------------------------------------------------

_SPAN_VALUES = np.arange(3, 11)
_SPAN_P = np.array([0.06, 0.12, 0.18, 0.20, 0.17, 0.12, 0.09, 0.06])
_IC_LEVEL_P = np.array([0.36, 0.32, 0.20, 0.09, 0.03])  # individual contributors, L1..L5
_P_SENIOR_MANAGER = 0.6  # first-line managers are L4 (else L3) with this probability, and so on up
# probability of sharing the manager's site: individual contributors, managers, department heads;
# managers mostly follow the department footprint so that one site cannot take over a subtree
_SAME_SITE_AS_MANAGER = (0.85, 0.3, 0.25)
_TENURE_MEAN = np.array([1.5, 3.0, 5.0, 7.0, 9.0, 11.0])
_TENURE_SHAPE = 3.0
_P_X = 0.03
_WOMEN_BY_LEVEL = np.array([1.06, 1.04, 1.0, 0.96, 0.90, 0.85])  # multiplies the department share
_P_MENTOR = np.array([0.05, 0.20, 0.55, 0.80, 0.90, 0.95])
_P_BOTH_IF_MENTOR = np.array([0.90, 0.80, 0.60, 0.45, 0.30, 0.20])
_GROUPS_P = np.array([0.55, 0.33, 0.12])  # 1, 2, 3 groups
# probabilities of 0..4 expertise topics, per level
_EXPERTISE_COUNT_P = np.array(
    [
        [0.45, 0.40, 0.15, 0.00, 0.00],
        [0.25, 0.45, 0.25, 0.05, 0.00],
        [0.10, 0.35, 0.35, 0.15, 0.05],
        [0.05, 0.20, 0.40, 0.25, 0.10],
        [0.00, 0.10, 0.35, 0.35, 0.20],
        [0.00, 0.05, 0.30, 0.35, 0.30],
    ]
)
_NEEDS_COUNT_P = np.array([0.30, 0.45, 0.25])  # 1..3
_INTERESTS_COUNT_P = np.array([0.30, 0.40, 0.30])  # 2..4
_SLOTS_COUNT = (3, 6)
_LOCAL_START = (8, 17)  # earliest and latest local start hour of a one-hour meeting


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def make_organization(
    n: int = 300, *, random_state: int | np.random.Generator | None = 0
) -> pd.DataFrame:
    """Generate a fictional organisation of ``n`` people as an HR table.

    The table follows groupmatch's default column convention (see :mod:`groupmatch.datasets`):
    a reporting tree with one root, departments of uneven sizes, sites in six time zones, a
    level pyramid, intact teams, mentoring roles and capacities, topic lists and weekly
    availability. Generation is vectorised: 100,000 people take a few seconds.

    Parameters
    ----------
    n : int, default 300
        Number of people, at least 1.
    random_state : int, numpy.random.Generator or None, default 0
        Seed or generator; the same int always gives the same table. ``None`` draws fresh
        entropy. A Generator is used (and advanced) directly.

    Returns
    -------
    pandas.DataFrame
        One row per person, ordered by ``id``, with the columns ``id``, ``name``,
        ``department``, ``site``, ``timezone``, ``level``, ``gender``, ``tenure_years``,
        ``manager_id``, ``team``, ``interests``, ``needs``, ``expertise``, ``role``,
        ``mentor_capacity_groups``, ``mentor_capacity_mentees`` and ``slots``. The list
        columns hold Python lists of strings.

    Raises
    ------
    InputError
        If ``n`` is not an integer >= 1 (a ``ValueError``).

    Examples
    --------
    >>> df = make_organization(50, random_state=1)
    >>> len(df)
    50
    >>> int(df["manager_id"].isna().sum())  # exactly one root
    1
    >>> set(df["role"]) <= {"mentee", "mentor", "both"}
    True
    >>> all(set(s) <= set(SLOTS) for s in df["slots"])
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InputError(f"n must be an integer >= 1; got {n!r}.")
    n = int(n)
    if n < 1:
        raise InputError(f"n must be >= 1 (the number of people to generate); got {n}.")
    rng = np.random.default_rng(random_state)

    parent, dept = _hierarchy(n, rng)
    depth = _depths(parent)
    n_reports = np.bincount(parent[1:], minlength=n)
    is_manager = n_reports > 0
    level = _levels(parent, depth, is_manager, dept, rng)
    site = _sites(parent, depth, is_manager, dept, rng)
    tenure = np.round(rng.gamma(_TENURE_SHAPE, _TENURE_MEAN[level] / _TENURE_SHAPE), 1)
    gender = _genders(dept, level, rng)
    names = _names(gender, rng)
    role, cap_groups, cap_mentees = _roles(level, rng)
    role[0] = "mentor"  # the CEO
    if cap_groups[0] == 0:
        cap_groups[0], cap_mentees[0] = 1, 6
    expertise, needs, interests = _topics(dept, level, role, rng)
    slots = _slots(site, rng)

    # ids are unrelated to the hierarchy; rows come out sorted by id
    pos = rng.permutation(n)
    order = np.argsort(pos)
    width = max(5, len(str(n)))
    ids = np.array([f"E{k:0{width}d}" for k in range(1, n + 1)], dtype=object)
    id_of_node = ids[pos]
    manager_id = np.empty(n, dtype=object)
    manager_id[0] = np.nan  # pandas' missing value for strings, as read back from CSV
    manager_id[1:] = id_of_node[parent[1:]]

    # one team per manager (plus the root), numbered in row order of the team's manager
    leads = is_manager.copy()
    leads[0] = True
    leaders = np.flatnonzero(leads)
    leaders = leaders[np.argsort(pos[leaders])]
    twidth = max(4, len(str(len(leaders))))
    team_of_leader = np.empty(n, dtype=object)
    team_of_leader[leaders] = [f"T{k:0{twidth}d}" for k in range(1, len(leaders) + 1)]
    team = np.empty(n, dtype=object)
    team[0] = team_of_leader[0]
    team[1:] = team_of_leader[parent[1:]]

    dept_names = np.array([d[0] for d in _DEPARTMENTS], dtype=object)
    site_names = np.array([s[0] for s in _SITES], dtype=object)
    offsets = np.array([s[1] for s in _SITES], dtype=float)
    level_names = np.array([f"L{k}" for k in range(1, 7)], dtype=object)

    def _take(values):
        if isinstance(values, list):
            return [values[i] for i in order]
        return values[order]

    frame = pd.DataFrame(
        {
            "id": ids,
            "name": names[order],
            "department": dept_names[dept[order]],
            "site": site_names[site[order]],
            "timezone": offsets[site[order]],
            "level": level_names[level[order]],
            "gender": gender[order],
            "tenure_years": tenure[order],
            "manager_id": manager_id[order],
            "team": team[order],
            "interests": _take(interests),
            "needs": _take(needs),
            "expertise": _take(expertise),
            "role": role[order],
            "mentor_capacity_groups": cap_groups[order].astype(np.int64),
            "mentor_capacity_mentees": cap_mentees[order].astype(np.int64),
            "slots": _take(slots),
        }
    )
    return frame


def load_sample() -> pd.DataFrame:
    """Load the bundled 300-person sample organisation.

    It is ``make_organization(300, random_state=0)`` as stored in the package's
    ``data/sample_organization.csv``. List columns (``interests``, ``needs``, ``expertise``,
    ``slots``) come back as ``;``-joined strings, exactly as in the file (an empty string is
    an empty list); groupmatch parses them when it builds a roster.

    Returns
    -------
    pandas.DataFrame
        300 rows with the columns of :func:`make_organization`.

    Examples
    --------
    >>> df = load_sample()
    >>> df.shape
    (300, 17)
    >>> df.loc[df["manager_id"].isna(), "level"].tolist()
    ['L6']
    >>> isinstance(df.loc[0, "slots"], str)
    True
    """
    source = resources.files("groupmatch") / "data" / "sample_organization.csv"
    with source.open("r", encoding="utf-8") as fh:
        return _read_csv(fh)


def make_feedback(history, roster=None, *, random_state=0, sessions: int = 6,
                  response_rate: float = 0.9, conflict_rate: float = 0.06,
                  dropout_rate: float = 0.03, again_rate: float = 0.08) -> pd.DataFrame:
    """Realistic synthetic check-in feedback for the rounds of a programme.

    Attendance and ratings depend on the needs members share and on their facilitator's
    load; a few conflicts, drop-outs and ``again`` wishes are drawn. Deterministic given
    ``random_state``. The model is documented in :mod:`groupmatch.lifecycle.synthetic`; the
    table is the one :meth:`groupmatch.Feedback.from_frame` reads.

    Parameters
    ----------
    history : list, mapping, Grouping or DataFrame
        The rounds (a list of groupings, round 1 first, or ``{round: grouping}``).
    roster : Roster, optional
        Needs and capacities when the rounds are DataFrames (a Grouping carries its own).
    random_state : int, Generator or None, default 0
    sessions, response_rate, conflict_rate, dropout_rate, again_rate
        See :func:`groupmatch.lifecycle.synthetic.make_feedback`.

    Examples
    --------
    >>> import groupmatch as gm
    >>> roster = gm.Roster.from_frame(make_organization(30))
    >>> g = gm.solve(roster, gm.PeerGroups(size=5), time_limit=1)
    >>> fb = make_feedback([g], random_state=0)
    >>> list(fb.columns)
    ['round', 'id', 'group', 'attended', 'rating', 'facilitator_rating', 'flags']
    """
    from .lifecycle.synthetic import make_feedback as build

    return build(history, roster, random_state=random_state, sessions=sessions,
                 response_rate=response_rate, conflict_rate=conflict_rate,
                 dropout_rate=dropout_rate, again_rate=again_rate)


# ---------------------------------------------------------------------------------------------
# CSV helpers (private: the lead's I/O module may own the general version)
# ---------------------------------------------------------------------------------------------

_LIST_COLUMNS = ("interests", "needs", "expertise", "slots")
_CSV_DTYPES = {
    "id": str,
    "name": str,
    "department": str,
    "site": str,
    "timezone": np.float64,
    "level": str,
    "gender": str,
    "tenure_years": np.float64,
    "manager_id": str,
    "team": str,
    "interests": str,
    "needs": str,
    "expertise": str,
    "role": str,
    "mentor_capacity_groups": np.int64,
    "mentor_capacity_mentees": np.int64,
    "slots": str,
}


def _join_lists(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with list columns joined by ``;`` (the file format)."""
    out = frame.copy()
    for col in _LIST_COLUMNS:
        out[col] = [";".join(v) for v in out[col]]
    return out


def _read_csv(source) -> pd.DataFrame:
    # only an empty manager_id is missing; an empty list column stays ""
    return pd.read_csv(
        source, dtype=_CSV_DTYPES, keep_default_na=False, na_values={"manager_id": [""]}
    )


def _write_sample(path: str | Path | None = None) -> Path:
    """Regenerate the bundled sample CSV (run after changing the generator)."""
    if path is None:
        path = Path(__file__).parent / "data" / "sample_organization.csv"
    path = Path(path)
    _join_lists(make_organization(300, random_state=0)).to_csv(
        path, index=False, lineterminator="\n"
    )
    return path


# ---------------------------------------------------------------------------------------------
# Generation steps. Node 0 is the root; every parent index is smaller than its children's.
# ---------------------------------------------------------------------------------------------


def _hierarchy(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(parent, department)`` arrays; ``parent[0] == -1``."""
    parent = np.full(n, -1, dtype=np.int64)
    dept = np.full(n, _ROOT_DEPARTMENT, dtype=np.int64)
    rest = n - 1
    if rest == 0:
        return parent, dept
    # fewer departments in tiny organisations, so that each has a head and a few reports
    k = int(np.clip(rest // 4, 1, len(_DEPARTMENTS)))
    share = np.array([d[1] for d in _DEPARTMENTS[:k]])
    share /= share.sum()
    base = min(4, rest // k)
    sizes = base + rng.multinomial(rest - base * k, share)
    start = 1
    for d, m in enumerate(sizes):
        m = int(m)
        if m == 0:
            continue
        local = _tree(m, rng)
        block = slice(start, start + m)
        parent[block] = np.where(local < 0, 0, local + start)
        dept[block] = d
        start += m
    return parent, dept


def _tree(m: int, rng: np.random.Generator) -> np.ndarray:
    """Breadth-first tree of ``m`` nodes with spans of 3-10; ``parent[0] == -1``."""
    parent = np.full(m, -1, dtype=np.int64)
    if m == 1:
        return parent
    spans = rng.choice(_SPAN_VALUES, size=m // 3 + 2, p=_SPAN_P)
    ends = 1 + np.cumsum(spans)  # children of node i are [ends[i-1], ends[i])
    k = int(np.searchsorted(ends, m))  # last node with children
    ends = ends[: k + 1].copy()
    ends[k] = m
    if k > 0 and m - ends[k - 1] < 3:  # last span too small: merge or rebalance with previous
        prev_start = int(ends[k - 2]) if k >= 2 else 1
        total = m - prev_start
        if total <= _SPAN_VALUES[-1]:
            ends = ends[:k]
            ends[-1] = m
        else:
            ends[k - 1] = prev_start + total // 2
    parent[1:] = np.searchsorted(ends, np.arange(1, m), side="right")
    return parent


def _depths(parent: np.ndarray) -> np.ndarray:
    depth = np.zeros(len(parent), dtype=np.int64)
    has_parent = parent >= 0
    while True:
        new = np.where(has_parent, depth[parent] + 1, 0)
        if np.array_equal(new, depth):
            return depth
        depth = new


def _by_depth(depth: np.ndarray) -> list[np.ndarray]:
    """Node indices grouped by depth, from the root down."""
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(depth.max() + 2))
    return [order[bounds[d] : bounds[d + 1]] for d in range(depth.max() + 1)]


def _levels(parent, depth, is_manager, dept, rng) -> np.ndarray:
    """Level index 0..5 (L1..L6): managers from their height, reports always below."""
    n = len(parent)
    layers = _by_depth(depth)
    height = np.zeros(n, dtype=np.int64)
    for nodes in layers[:0:-1]:
        np.maximum.at(height, parent[nodes], height[nodes] + 1)
    # The root alone is L6 and department heads L5. Other managers: first-line L3/L4, their
    # managers L4, ..., pushed up bottom-up to stay strictly above their reports (saturating
    # at L5, where a manager may share the level of its manager).
    level = np.minimum(3, 1 + height + (rng.random(n) < _P_SENIOR_MANAGER))
    if n > 1:
        level[layers[1]] = 4
    for nodes in layers[:1:-1]:
        mgr = nodes[is_manager[nodes]]
        np.maximum.at(level, parent[mgr], np.minimum(level[mgr] + 1, 4))
    level[0] = 5
    # Departments shallow enough (at most three layers of managers, head included) are made
    # strict top-down: each manager strictly below its manager and at least its height, so
    # that its subtree still fits. Deeper departments keep the pyramid and share levels at L5.
    if n > 1:
        heads = layers[1]
        shallow = np.zeros(len(_DEPARTMENTS), dtype=bool)
        shallow[dept[heads[height[heads] <= 3]]] = True
        for nodes in layers[2:]:
            mgr = nodes[is_manager[nodes] & shallow[dept[nodes]]]
            cap = level[parent[mgr]] - 1
            level[mgr] = np.clip(level[mgr], height[mgr], cap)
    ics = np.flatnonzero(~is_manager)
    ics = ics[ics != 0]
    # draw from the IC distribution truncated below the manager's level
    cdf = np.cumsum(_IC_LEVEL_P / _IC_LEVEL_P.sum())
    top = np.minimum(level[parent[ics]] - 1, len(cdf) - 1)
    u = rng.random(len(ics)) * cdf[top]
    level[ics] = np.minimum(np.searchsorted(cdf, u, side="right"), top)
    return level


def _sites(parent, depth, is_manager, dept, rng) -> np.ndarray:
    n = len(parent)
    footprint = np.array([d[3] for d in _DEPARTMENTS])
    footprint = footprint / footprint.sum(axis=1, keepdims=True)
    cdf = np.cumsum(footprint, axis=1)
    own = (rng.random(n)[:, None] > cdf[dept]).sum(axis=1)
    own = np.minimum(own, len(_SITES) - 1)
    p_ic, p_manager, p_head = _SAME_SITE_AS_MANAGER
    follow = rng.random(n) < np.where(is_manager, p_manager, p_ic)
    follow[depth == 1] = rng.random(int((depth == 1).sum())) < p_head
    site = own.copy()
    site[0] = rng.choice([0, 2, 3])  # the CEO is in London, New York or San Francisco
    for nodes in _by_depth(depth)[1:]:
        site[nodes] = np.where(follow[nodes], site[parent[nodes]], own[nodes])
    return site


def _genders(dept, level, rng) -> np.ndarray:
    women = np.array([d[2] for d in _DEPARTMENTS])[dept] * _WOMEN_BY_LEVEL[level]
    u = _stratified_uniform(dept, rng)  # shares close to the targets even in small departments
    gender = np.full(len(dept), "M", dtype=object)
    gender[u < _P_X + (1 - _P_X) * women] = "F"
    gender[u < _P_X] = "X"
    return gender


def _stratified_uniform(groups, rng) -> np.ndarray:
    """Uniform draws that, within each group, fall one per equal-width stratum of [0, 1)."""
    n = len(groups)
    order = np.lexsort((rng.random(n), groups))
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, sorted_groups, side="left")
    sizes = np.searchsorted(sorted_groups, sorted_groups, side="right") - starts
    u = np.empty(n)
    u[order] = (np.arange(n) - starts + rng.random(n)) / sizes
    return u


def _names(gender, rng) -> np.ndarray:
    n = len(gender)
    first = np.empty(n, dtype=object)
    for code, pool in (("F", _FIRST_F), ("M", _FIRST_M), ("X", _FIRST_X)):
        mask = gender == code
        first[mask] = np.array(pool, dtype=object)[rng.integers(0, len(pool), mask.sum())]
    last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), n)]
    return first + " " + last


def _roles(level, rng):
    n = len(level)
    mentors = rng.random(n) < _P_MENTOR[level]
    both = rng.random(n) < _P_BOTH_IF_MENTOR[level]
    role = np.where(mentors, np.where(both, "both", "mentor"), "mentee").astype(object)
    groups = 1 + rng.choice(3, size=n, p=_GROUPS_P)
    mentees = np.clip(groups * rng.integers(3, 6, size=n) + rng.integers(0, 2, size=n), 4, 12)
    groups = np.where(mentors, groups, 0)
    mentees = np.where(mentors, mentees, 0)
    return role, groups, mentees


def _topic_weights() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights ``[department, level, topic]`` for expertise, needs and interests."""
    index = {t: i for i, t in enumerate(TOPICS)}
    n_topics = len(TOPICS)
    affinity = np.full((len(_DEPARTMENTS), n_topics), 0.15)
    for d, spec in enumerate(_DEPARTMENTS):
        affinity[d, [index[t] for t in spec[5]]] += 1.0
        affinity[d, [index[t] for t in spec[4]]] += 3.0
    fundamentals = np.isin(TOPICS, _FUNDAMENTALS)
    leadership = np.isin(TOPICS, _LEADERSHIP)

    def per_level(fund, lead):
        out = np.ones((6, n_topics))
        out[:, fundamentals] = np.asarray(fund)[:, None]
        out[:, leadership] = np.asarray(lead)[:, None]
        return out

    expertise = per_level([0.6, 0.8, 1.2, 1.5, 1.5, 1.5], [0.05, 0.15, 0.5, 1.2, 2.5, 3.5])
    needs = per_level([4.0, 3.0, 1.5, 0.8, 0.4, 0.3], [0.1, 0.4, 1.5, 3.0, 5.0, 6.0])
    needs[4:, ~(fundamentals | leadership)] = 0.4  # seniors rarely need craft topics
    interests = per_level([1.0] * 6, [0.3, 0.5, 0.8, 1.2, 1.8, 2.2])
    interests_affinity = 0.6 + 0.4 * affinity  # interests stray further from the job
    return (
        affinity[:, None, :] * expertise[None],
        affinity[:, None, :] * needs[None],
        interests_affinity[:, None, :] * interests[None],
    )


def _pick(weights, counts, rng, exclude=None) -> np.ndarray:
    """Per row, ``counts[i]`` distinct columns drawn with ``weights`` (Gumbel top-k).

    Returns an ``(n, max_count)`` index matrix, most prominent first; only the first
    ``counts[i]`` entries of a row are meaningful.
    """
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    if exclude is not None:
        keys[exclude] = -np.inf
    kmax = max(int(counts.max(initial=0)), 1)
    top = np.argpartition(-keys, kmax - 1, axis=1)[:, :kmax]
    ranked = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
    return np.take_along_axis(top, ranked, axis=1)


def _draw_counts(p_rows: np.ndarray, rng, offset: int = 0) -> np.ndarray:
    cdf = np.cumsum(p_rows, axis=1)
    u = rng.random(len(p_rows))
    return offset + np.minimum((u[:, None] > cdf).sum(axis=1), p_rows.shape[1] - 1)


def _topics(dept, level, role, rng):
    n = len(dept)
    n_topics = len(TOPICS)
    w_exp, w_need, w_int = _topic_weights()
    mentors = role != "mentee"

    n_exp = _draw_counts(_EXPERTISE_COUNT_P[level], rng)
    n_exp = np.where(mentors, np.maximum(n_exp, 2), n_exp)
    exp_idx = _pick(w_exp[dept, level], n_exp, rng)
    expert = np.zeros((n, n_topics), dtype=bool)
    rows = np.arange(n)
    for j in range(exp_idx.shape[1]):
        has = n_exp > j
        expert[rows[has], exp_idx[has, j]] = True

    n_need = _draw_counts(np.broadcast_to(_NEEDS_COUNT_P, (n, 3)), rng, offset=1)
    n_need = np.minimum(n_need, n_topics - n_exp)
    need_idx = _pick(w_need[dept, level], n_need, rng, exclude=expert)
    needed = np.zeros((n, n_topics), dtype=bool)
    for j in range(need_idx.shape[1]):
        has = n_need > j
        needed[rows[has], need_idx[has, j]] = True

    # every needed topic gets a mentor with that expertise (else at least someone): the
    # best-suited one with room for one more topic who does not need it
    pad = max(0, 4 - exp_idx.shape[1])
    exp_idx = np.concatenate([exp_idx, np.zeros((n, pad), dtype=exp_idx.dtype)], axis=1)
    for t in np.flatnonzero(needed.any(axis=0)):
        if expert[mentors, t].any():
            continue
        room = (n_exp < 4) & ~needed[:, t]
        pools = (room & mentors,) if expert[:, t].any() else (room & mentors, room)
        for pool in pools:
            if pool.any():
                i = int(np.argmax(np.where(pool, w_exp[dept, level, t], -1.0)))
                exp_idx[i, n_exp[i]] = t
                n_exp[i] += 1
                expert[i, t] = True
                break

    n_int = _draw_counts(np.broadcast_to(_INTERESTS_COUNT_P, (n, 3)), rng, offset=2)
    int_idx = _pick(w_int[dept, level], n_int, rng)

    return _lists(exp_idx, n_exp), _lists(need_idx, n_need), _lists(int_idx, n_int)


def _lists(idx: np.ndarray, counts: np.ndarray) -> list[list[str]]:
    names = np.array(TOPICS, dtype=object)[idx].tolist()
    return [row[:k] for row, k in zip(names, counts.tolist(), strict=True)]


def _slot_feasibility() -> np.ndarray:
    """``[site, slot]``: the UTC slot falls on a local weekday within working hours."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    utc = np.array([days.index(s[:3]) * 24 + int(s[4:]) for s in SLOTS], dtype=float)
    offsets = np.array([s[1] for s in _SITES])
    local = utc[None, :] + offsets[:, None]
    day, hour = np.divmod(local, 24)
    return (day >= 0) & (day <= 4) & (hour >= _LOCAL_START[0]) & (hour <= _LOCAL_START[1])


def _slots(site, rng) -> list[list[str]]:
    n = len(site)
    feasible = _slot_feasibility()[site]
    lo, hi = _SLOTS_COUNT
    k = np.minimum(rng.integers(lo, hi + 1, size=n), feasible.sum(axis=1))
    keys = np.where(feasible, rng.random((n, len(SLOTS))), 2.0)
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    chosen = ranks < k[:, None]  # k random feasible slots, kept in week order
    slot_names = np.array(SLOTS, dtype=object)
    return [slot_names[row].tolist() for row in chosen]
