"""Sensitive columns: which ones they are, and safe words for rules and explanations on them.

``Roster.from_frame(..., sensitive=["gender"])`` marks columns whose values may drive rules but
must not be shown. This module is the one place that decides what that means; terms and
explanations ask it instead of deciding for themselves.

The policy
----------
- **Which columns.** The ones listed in ``sensitive=[...]``, under their own name and under the
  logical name the roster gives them (``"manager"`` for a sensitive ``manager_id``):
  :func:`sensitive_columns`. A term is *on* a sensitive column when a column it reads is
  (:func:`term_columns`: the term's ``column`` / ``columns`` attributes).
- **Values never appear in words the library writes**: violation messages (``gm.check``,
  ``Grouping.violated_needs``), the ``reason`` of a left-out person (so the exports, the HTML
  report, ``unplaced`` and ``explain_person`` too), ``Grouping.message`` when rules conflict,
  and error messages. These words are made by the term when it writes them
  (:func:`safe_message`), so no later flag can bring the values back. They say
  *"a rule on a sensitive column (gender), values not shown"* and keep the numbers that name no
  value and no person: group numbers, how many members are alone in their value, the largest
  share, how many distinct values.
- **The column's name may show**; its values may not. The name is part of the term's label
  (``no_isolation[gender]``), which keys the groups table, the breakdown, ``conflicts`` and the
  rows of ``explain``; the programme owner chose the rule, and its name says which attribute a
  rule is about, not who has which value.
- **Per-group scores are shown.** The score of a term on a sensitive column (the groups table,
  the exports, the report, ``explain``'s ``value`` and ``contribution``, the group nodes of
  ``to_networkx``) is one number per group such as "4 of 6 pairs differ": it names no value and
  no person, and without it nobody could see that the rule did its job. What is behind the
  score is hidden: the mix of values, who is isolated, means and ranges of a numeric column
  (:func:`safe_details` keeps only counts of pairs and people).
- **Per-person contributions are not shown.** What one person adds to a term on a sensitive
  column, next to their group-mates' names, would tell whether they share their value;
  ``explain_person`` leaves those terms out (the total change is still given).
- **``include_sensitive=True``** (exports, report, ``explain``, ``explain_person``,
  ``to_networkx``, plots, ``audit``) shows the columns and the mixes. Words written at the source
  (reasons, violation and error messages) stay safe whatever the flag.

Examples
--------
>>> import groupmatch as gm, pandas as pd
>>> df = pd.DataFrame({"id": list("abcd"), "gender": ["F", "F", "M", "X"]})
>>> r = gm.Roster.from_frame(df, sensitive=["gender"])
>>> describe_term(gm.NoIsolation("gender"), r)
'a rule on a sensitive column (gender)'
>>> [v.message for v in gm.check(r, gm.PeerGroups(size=2, terms=[gm.NoIsolation("gender")]),
...                               [0, 0, 1, 1])]  # doctest: +NORMALIZE_WHITESPACE
['group 1 has 2 members whose value fewer than 2 members of the group share; each value needs
  0 or at least 2 members; a rule on a sensitive column (gender), values not shown']
"""

from __future__ import annotations

from collections.abc import Callable

from .exceptions import InputError
from .explain import hidden_columns

Words = str | Callable[[], str]  # a message, or a function that writes it

__all__ = ["SENSITIVE_RULE", "HIDDEN_NOTE", "sensitive_columns", "check_subgroup_column",
           "term_columns", "is_sensitive", "describe_term", "safe_message", "safe_details"]

SENSITIVE_RULE = "a rule on a sensitive column"
HIDDEN_NOTE = "values hidden (sensitive column; include_sensitive=True shows them)"

# Keys of a term's ``explain`` dict that count pairs or people and name no value: kept when the
# term is on a sensitive column. A term adds its own with a ``safe_detail_keys`` attribute.
SAFE_DETAIL_KEYS = frozenset({"differing_pairs", "possible_pairs", "spread", "value", "distinct",
                              "needed", "max_allowed", "broken", "pairs_kept_apart"})


def sensitive_columns(roster) -> frozenset[str]:
    """The roster's sensitive columns, under their own and their logical names.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("ab"), "manager_id": [None, "a"], "gender": list("FM")})
    >>> sorted(sensitive_columns(gm.Roster.from_frame(df, sensitive=["manager_id"])))
    ['manager', 'manager_id']
    """
    if roster is None:
        return frozenset()
    return frozenset(hidden_columns(roster, include_sensitive=False))


def check_subgroup_column(rosters, by: str, include_sensitive: bool, who: str) -> bool:
    """InputError unless ``by`` is a column of one of ``rosters`` and, when it is sensitive,
    ``include_sensitive`` asks for it (a table per value names those values); returns whether
    it is sensitive. ``who`` starts the message, e.g. ``"audit(by='site')"``."""
    if not any(by in r.frame.columns for r in rosters):
        raise InputError(f"{who}: the roster has no such column "
                         f"(columns: {', '.join(map(str, rosters[-1].frame.columns))}).")
    sensitive = any(by in sensitive_columns(r) for r in rosters)
    if sensitive and not include_sensitive:
        raise InputError(f"{who}: column {by!r} is sensitive and the table names its values; "
                         "pass include_sensitive=True to use it.")
    return sensitive


def term_columns(term) -> tuple[str, ...]:
    """The roster columns a term reads: its ``column`` and ``columns`` attributes.

    This is the hook a term uses to say what it reads (a term over the manager column, say,
    gives ``columns = ("manager",)``).

    Examples
    --------
    >>> import groupmatch as gm
    >>> term_columns(gm.Diversity("gender")), term_columns(gm.NotWithManager())
    (('gender',), ('manager',))
    """
    found = [getattr(term, "column", None), *(getattr(term, "columns", None) or ())]
    return tuple(c for c in found if isinstance(c, str) and c)


def is_sensitive(term, roster) -> bool:
    """Does the term read a sensitive column of the roster?

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("ab"), "gender": list("FM")}),
    ...                          sensitive=["gender"])
    >>> is_sensitive(gm.NoIsolation("gender"), r), is_sensitive(gm.SharedNeeds(), r)
    (True, False)
    """
    hidden = sensitive_columns(roster)
    return bool(hidden) and any(c in hidden for c in term_columns(term))


def describe_term(term, roster) -> str:
    """The term in words that name no value: ``"a rule on a sensitive column (gender)"`` for a
    term on a sensitive column, its label otherwise.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("ab"), "gender": list("FM")}))
    >>> describe_term(gm.NoIsolation("gender"), r)
    'no_isolation[gender]'
    """
    if not is_sensitive(term, roster):
        return term.label
    hidden = sensitive_columns(roster)
    names = ", ".join(c for c in term_columns(term) if c in hidden)
    return f"{SENSITIVE_RULE} ({names})"


def safe_message(term, roster, words: Words, safe_words: Words) -> str:
    """``words`` for a term on ordinary columns; for a term on a sensitive column,
    ``safe_words`` (the same facts without any value or id that would point at one) followed by
    which rule it is. Either may be a string or a function that makes it (called only when used).

    Terms write every message that could name a value through this function.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("ab"), "gender": list("FM")}),
    ...                          sensitive=["gender"])
    >>> safe_message(gm.NoIsolation("gender"), r, lambda: "b is the only M", lambda: "one alone")
    'one alone; a rule on a sensitive column (gender), values not shown'
    """
    if not is_sensitive(term, roster):
        return words() if callable(words) else words
    safe = safe_words() if callable(safe_words) else safe_words
    return f"{safe}; {describe_term(term, roster)}, values not shown"


def safe_details(term, roster, details: dict, include_sensitive: bool = False) -> dict:
    """A term's ``explain`` dict as it may be shown: unchanged for ordinary columns or with
    ``include_sensitive=True``; otherwise only the counts of pairs and people (the score), plus
    a ``hidden`` note instead of the mix of values.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> r = gm.Roster.from_frame(pd.DataFrame({"id": list("ab"), "gender": list("FM")}),
    ...                          sensitive=["gender"])
    >>> d = {"differing_pairs": 1, "possible_pairs": 1, "mix": {"F": 1, "M": 1}}
    >>> sorted(safe_details(gm.Diversity("gender"), r, d))
    ['differing_pairs', 'hidden', 'possible_pairs']
    """
    if include_sensitive or not is_sensitive(term, roster):
        return details
    keep = SAFE_DETAIL_KEYS | frozenset(getattr(term, "safe_detail_keys", ()))
    out = {k: v for k, v in details.items()
           if k in keep and isinstance(v, (int, float)) and not isinstance(v, bool)}
    out["hidden"] = HIDDEN_NOTE
    return out
