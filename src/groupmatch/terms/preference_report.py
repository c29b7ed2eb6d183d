"""The choices people received (issue 16): ranked topics and facilitators, pair wishes.

:func:`preference_report` reads any Grouping against its preference terms (or a column named for
the report), in total, per person or per subgroup of a column, with counts where a share of a
few people would say little (or point at somebody).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..redact import check_subgroup_column, sensitive_columns
from .preferences import FacilitatorPreference, PreferApart, PreferTogether, TopicPreference

__all__ = ["preference_report"]

CHOICES = ("1st", "2nd", "3rd", "other ranked", "unranked", "not placed")
NO_RANKING = "no ranking"
MIN_SHARE_PEOPLE = 5  # below this many placed people a subgroup shows counts, not a share
FIRST_GAP = 0.10  # a subgroup's first-choice share this far below the overall one is flagged
KINDS = ("topic", "facilitator", "together", "apart")


def _preference_term(grouping, column, kind):
    """The spec's preference term on ``column`` (or its only one), else one made for the
    report: a topic ranking for facilitated groupings, wishes to be together otherwise."""
    made = {"topic": TopicPreference, "facilitator": FacilitatorPreference,
            "together": PreferTogether, "apart": PreferApart}
    if kind is not None and kind not in KINDS:
        raise InputError(f"preference_report(kind=...) must be one of {KINDS}; got {kind!r}.")
    terms = [t for t in grouping.spec.terms if isinstance(t, tuple(made.values()))
             and (column is None or t.column == column)
             and (kind is None or isinstance(t, made[kind]))]
    if terms:
        return terms[0]
    if column is None:
        raise InputError("preference_report: the grouping's spec has no preference term; name "
                         "the column to read, e.g. preference_report(g, column='needs').")
    if kind is None:
        kind = "topic" if "topic" in grouping.groups.columns else "together"
    return made[kind](column)


def _members(grouping) -> pd.DataFrame:
    """Memberships (``id``, ``group``) of the people a preference is about: the members of
    role groups (mentees), everybody in peer groups; plus who could have been placed."""
    a = grouping.assignments
    role = getattr(grouping.spec, "member_role", None)
    mine = a if role is None or "role" not in a.columns else a[a["role"] == role]
    return mine[["id", "group"]]


def _ranked_outcomes(grouping, term) -> pd.DataFrame:
    """One row per person who may be placed: the best rank received (0: placed on a choice
    they did not rank), how many they ranked, and the outcome in words."""
    roster = grouping._roster
    ranks = term.ranks(roster)
    rows = roster.find_rows(_members(grouping)["id"].tolist())
    table = _members(grouping).assign(row=rows)
    groups = grouping.groups.set_index("group")
    if term.chooses == "topic":
        vocab = {t: k for k, t in enumerate(roster.topics)}
        rank_of = ranks.matrix(len(roster.topics), "rank")

        def got(i, g):
            return int(rank_of[i, vocab[groups.loc[g, "topic"]]])
    else:
        look = ranks.lookup()
        leaders = grouping.spec.leaders_column

        def got(i, g):
            held = [look.get((i, int(f)), (0, 0))[0]
                    for f in roster.find_rows(groups.loc[g, leaders])]
            return min([r for r in held if r > 0], default=0)

    best: dict[int, int | None] = {}
    for i, g in zip(table["row"].tolist(), table["group"].tolist(), strict=True):
        if pd.isna(g):
            best.setdefault(i, None)
            continue
        r = got(i, int(g))
        old = best.get(i)
        best[i] = r if old is None or (r and (not old or r < old)) else old
    people = list(best)
    out = pd.DataFrame({"row": people, "id": roster.ids[people],
                        "ranked": ranks.ranked[people].astype(np.int64)})
    out["rank"] = pd.array([best[i] if best[i] else None for i in people], dtype="Int64")
    out["choice"] = [_outcome(best[i], int(k)) for i, k in zip(people, out["ranked"],
                                                                 strict=True)]
    return out


def _outcome(rank, ranked: int) -> str:
    if ranked == 0:
        return NO_RANKING
    if rank is None:
        return "not placed"
    return {0: "unranked", 1: "1st", 2: "2nd", 3: "3rd"}.get(rank, "other ranked")


def _wish_outcomes(grouping, term) -> pd.DataFrame:
    """One row per person: wishes listed, kept (a wish to be together granted, a wish to be
    apart respected) and whether they are placed."""
    roster = grouping._roster
    a = grouping.assignment_array()
    p = term._pairs(roster)
    kept = ~term._broken(a, p) & (a[p[:, 0]] >= 0)
    n = roster.n
    wishes = np.bincount(p[:, 0], minlength=n)
    held = np.bincount(p[kept, 0], minlength=n)
    return pd.DataFrame({"row": np.arange(n), "id": roster.ids, "wishes": wishes,
                         "kept": held, "placed": a >= 0})


def _share_text(k: int, m: int) -> str:
    return f"{k} of {m}"


def preference_report(grouping, column: str | None = None, *, by: str | None = None,
                      kind: str | None = None, per_person: bool = False,
                      include_sensitive: bool = False) -> pd.DataFrame:
    """The choices people received: in total, per person, or per subgroup of a column.

    Reads the spec's preference term on ``column`` (``gm.TopicPreference``,
    ``gm.FacilitatorPreference``, ``gm.PreferTogether``, ``gm.PreferApart``; ``column=None``:
    its only one), or, when the spec has none, ranks ``column`` as ``kind`` says (``"topic"``
    by default for facilitated groupings, ``"together"`` otherwise): so a grouping solved
    without preferences can be read against them too.

    Ranked choices, counted once per person at the best rank they received (a facilitated
    mentee in two groups counts their better one):

    - default: one row per outcome (``1st``, ``2nd``, ``3rd``, ``other ranked``, ``unranked``
      (placed on a choice they did not rank), ``not placed``) with ``people``, ``share`` (of
      everybody who ranked something) and ``share_of_placed``; people who ranked nothing are
      left out of the shares and counted in ``attrs["no_ranking"]``. ``attrs`` also holds
      ``first_choice_share`` (of the placed who ranked something) and ``summary`` in words;
    - ``per_person=True``: ``id``, ``ranked`` (how many choices they listed), ``rank`` (the
      best rank received; empty when unranked or not placed) and ``choice`` (the outcome);
    - ``by="column"``: per value, the counts of each outcome, ``first_choice`` as "k of m"
      (placed), ``share_first`` (NaN below 5 placed people: a share of a handful says little
      and can point at a person), ``mean_rank`` and a ``flag`` when the value's first-choice
      share is 10 points or more below the overall one (with its counts).

    Pair wishes (together / apart): ``wishes`` listed and ``kept``, in total, per person or per
    value of ``by``. A sensitive ``by`` column needs ``include_sensitive=True``, as in
    :meth:`Grouping.audit`, and so does a report per person or per subgroup on a sensitive
    preference column (it tells what people asked for).

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcdef"), "role": ["mentor"] + ["mentee"] * 5,
    ...                    "expertise": ["sql;r", "", "", "", "", ""],
    ...                    "needs": ["", "sql;r", "r;sql", "sql", "sql;r", "r"]})
    >>> spec = gm.FacilitatedGroups(size=(2, 5), capacity=(1, 5),
    ...                             terms=[gm.TopicPreference("needs")])
    >>> g = gm.solve(gm.Roster.from_frame(df), spec, time_limit=2)
    >>> gm.preference_report(g)["people"].to_dict()
    {'1st': 3, '2nd': 1, '3rd': 0, 'other ranked': 0, 'unranked': 0, 'not placed': 1}
    """
    if grouping._roster is None or grouping.groups is None:
        raise InputError("preference_report needs a solved grouping with its roster.")
    term = _preference_term(grouping, column, kind)
    if (per_person or by is not None) and term.column in sensitive_columns(grouping._roster) \
            and not include_sensitive:
        raise InputError(f"preference_report: column {term.column!r} is sensitive and a report "
                         "per person or per subgroup tells what people asked for; pass "
                         "include_sensitive=True.")
    if hasattr(term, "ranks"):
        people = _ranked_outcomes(grouping, term)
        if per_person:
            return people[["id", "ranked", "rank", "choice"]].reset_index(drop=True)
        if by is not None:
            return _ranked_by(grouping, people, by, include_sensitive)
        return _ranked_total(people)
    people = _wish_outcomes(grouping, term)
    if per_person:
        return people[["id", "wishes", "kept", "placed"]].reset_index(drop=True)
    if by is not None:
        people["value"] = _by_values(grouping, by, include_sensitive)[people["row"]]
        out = people.groupby("value").agg(people=("id", "size"), wishes=("wishes", "sum"),
                                          kept=("kept", "sum"))
        out["kept_of_wishes"] = [_share_text(k, w) for k, w in zip(out["kept"], out["wishes"],
                                                                    strict=True)]
        return out.reset_index().rename(columns={"value": by})
    total = int(people["wishes"].sum())
    out = pd.DataFrame({"count": [total, int(people["kept"].sum()),
                                  int((people["wishes"] > 0).sum())]},
                       index=pd.Index(["wishes", "kept", "people with wishes"], name="outcome"))
    out.attrs["kept_share"] = float(people["kept"].sum() / total) if total else float("nan")
    return out


def _ranked_total(people: pd.DataFrame) -> pd.DataFrame:
    counted = people[people["choice"] != NO_RANKING]
    counts = counted["choice"].value_counts().reindex(CHOICES, fill_value=0).astype(np.int64)
    placed = int(counts.drop("not placed").sum())
    out = pd.DataFrame({"people": counts})
    out["share"] = counts / max(len(counted), 1)
    out["share_of_placed"] = [np.nan if k == "not placed" else v / max(placed, 1)
                              for k, v in counts.items()]
    out.index.name = "choice"
    first = counts["1st"] / placed if placed else float("nan")
    out.attrs["first_choice_share"] = float(first)
    out.attrs["no_ranking"] = int((people["choice"] == NO_RANKING).sum())
    out.attrs["summary"] = (f"{counts['1st']} of {placed} placed people who ranked choices got "
                            f"their first ({_pct(first)}), {counts['2nd']} their second, "
                            f"{counts['3rd']} their third; {counts['not placed']} not placed.")
    return out


def _pct(x: float) -> str:
    return "n/a" if np.isnan(x) else f"{x:.0%}"


def _by_values(grouping, by: str, include_sensitive: bool) -> np.ndarray:
    roster = grouping._roster
    check_subgroup_column([roster], by, include_sensitive, f"preference_report(by={by!r})")
    return roster.frame[by].astype(str).to_numpy()


def _ranked_by(grouping, people, by, include_sensitive) -> pd.DataFrame:
    key = _by_values(grouping, by, include_sensitive)
    counted = people[people["choice"] != NO_RANKING].assign(
        value=lambda t: key[t["row"].to_numpy()])
    counts = pd.crosstab(counted["value"], counted["choice"]).reindex(
        columns=list(CHOICES), fill_value=0).astype(np.int64)
    out = pd.DataFrame({"people": counts.sum(axis=1)})
    out = out.join(counts)
    placed = out["people"] - out["not placed"]
    out["first_choice"] = [_share_text(k, m) for k, m in zip(out["1st"], placed, strict=True)]
    out["share_first"] = np.where(placed >= MIN_SHARE_PEOPLE, out["1st"] / placed.clip(lower=1),
                                  np.nan)
    ranks = counted.dropna(subset=["rank"]).groupby("value")["rank"].mean()
    out["mean_rank"] = ranks.reindex(out.index).astype(float)
    total_placed = int(placed.sum())
    overall = out["1st"].sum() / total_placed if total_placed else np.nan
    flags = []
    for _, row in out.iterrows():
        m = int(row["people"] - row["not placed"])
        if m >= MIN_SHARE_PEOPLE and row["share_first"] < overall - FIRST_GAP:
            flags.append(f"first choice {row['1st']} of {m} ({row['share_first']:.0%}) vs "
                         f"{_pct(overall)} overall")
        else:
            flags.append("")
    out["flag"] = flags
    out.index.name = by
    out.attrs["first_choice_share"] = float(overall)
    return out.reset_index()
