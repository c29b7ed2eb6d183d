"""A generated developer-survey table turned into a facilitated programme.

Real survey tables differ from :func:`groupmatch.datasets.make_organization` in ways that
stress the role modes: no reporting tree, one-group facilitators with a small mentee capacity,
strongly skewed topic popularity (a few languages everybody knows or wants) and every mentee
needing several topics. This generator reproduces those shapes, not any real answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InputError

__all__ = ["LANGUAGES", "make_skills_survey"]

# Popularity weights shaped like a public developer survey's "languages used" question:
# a long tail after a handful of very common ones.
LANGUAGES = ("JavaScript", "SQL", "Python", "HTML/CSS", "TypeScript", "Bash", "Java", "C#",
             "C++", "C", "PHP", "Go", "Rust", "Kotlin", "Lua", "Ruby", "Dart", "Swift",
             "Assembly", "R", "Scala", "Elixir", "Haskell", "Julia", "Clojure", "Zig")
_USED = np.array([63, 51, 49, 53, 39, 32, 30, 27, 22, 19, 18, 14, 13, 9, 6, 6, 6, 5, 5, 4,
                  3, 2, 2, 1, 1, 1], dtype=float)
_WANTED = np.array([40, 35, 45, 25, 45, 20, 15, 18, 15, 10, 8, 25, 30, 12, 5, 5, 8, 8, 4, 6,
                    4, 5, 6, 4, 3, 3], dtype=float)
_COUNTRIES = ("United States", "Germany", "India", "United Kingdom", "Canada", "France",
              "Brazil", "Poland", "Netherlands", "Australia", "Spain", "Italy", "Sweden",
              "Other")
_COUNTRY_P = np.array([22, 8, 8, 6, 4, 4, 4, 3, 3, 3, 3, 3, 2, 27], dtype=float)
_DEV_TYPES = ("full-stack", "back-end", "front-end", "data", "devops", "mobile", "embedded",
              "other")
_DEV_P = np.array([30, 22, 10, 9, 7, 6, 5, 11], dtype=float)
_ORG_SIZES = ("1-19", "20-99", "100-999", "1,000-9,999", "10,000+")


def make_skills_survey(n: int = 2813, *, senior_years: int = 11, mentees_per_group: int = 6,
                       needs_per_mentee: int = 2,
                       random_state: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """Generate a developer-survey-like table set up as a facilitated programme.

    People with at least ``senior_years`` years of professional coding facilitate (role
    ``mentor``): one group, at most ``mentees_per_group`` mentees, on a language they use.
    Everybody else is a mentee who wants ``needs_per_mentee`` languages they do not use yet.
    There is no reporting tree and no team.

    Parameters
    ----------
    n : int, default 2813
        Number of respondents.
    senior_years : int, default 11
        Years of professional coding from which a respondent facilitates.
    mentees_per_group : int, default 6
        Each facilitator's mentee capacity (one group each).
    needs_per_mentee : int, default 2
        Languages each mentee wants to learn.
    random_state : int, numpy.random.Generator or None, default 0
        Seed; the same int gives the same table.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``country``, ``dev_type``, ``org_size``, ``age``, ``years_code``,
        ``needs``, ``expertise`` (lists of language names), ``role``,
        ``mentor_capacity_groups`` and ``mentor_capacity_mentees``.

    Examples
    --------
    >>> df = make_skills_survey(200, random_state=1)
    >>> len(df), sorted(set(df["role"]))
    (200, ['mentee', 'mentor'])
    >>> all(len(x) == 2 for x in df.loc[df["role"] == "mentee", "needs"])
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n must be an integer >= 1; got {n!r}.")
    rng = np.random.default_rng(random_state)
    years = np.minimum(np.round(rng.gamma(1.6, 6.0, size=n)), 50).astype(int)
    senior = years >= senior_years
    used_p, wanted_p = _USED / _USED.sum(), _WANTED / _WANTED.sum()
    expertise, needs = [], []
    for k in range(n):
        how_many = int(np.clip(rng.poisson(4.0 + years[k] / 5), 1, 15))
        used = rng.choice(len(LANGUAGES), size=how_many, replace=False, p=used_p)
        if senior[k]:
            expertise.append([LANGUAGES[t] for t in sorted(used)])
            needs.append([])
        else:
            p = wanted_p.copy()
            p[used] = 0.0
            want = rng.choice(len(LANGUAGES), size=needs_per_mentee, replace=False,
                              p=p / p.sum())
            expertise.append([])
            needs.append([LANGUAGES[t] for t in sorted(want)])
    age = np.where(years < 5, "18-24", np.where(years < 12, "25-34",
                                                np.where(years < 22, "35-44", "45+")))
    return pd.DataFrame({
        "id": [f"R{k + 1:05d}" for k in range(n)],
        "country": rng.choice(_COUNTRIES, size=n, p=_COUNTRY_P / _COUNTRY_P.sum()),
        "dev_type": rng.choice(_DEV_TYPES, size=n, p=_DEV_P / _DEV_P.sum()),
        "org_size": rng.choice(_ORG_SIZES, size=n),
        "age": age,
        "years_code": years,
        "needs": needs,
        "expertise": expertise,
        "role": np.where(senior, "mentor", "mentee"),
        "mentor_capacity_groups": senior.astype(int),
        "mentor_capacity_mentees": np.where(senior, mentees_per_group, 0),
    })
