"""Explain peer groups in plain words and as tables: one group, one person, what-if moves.

``PeerGroups.explain`` and ``PeerGroups.explain_person`` call these functions. Everything is
computed from the roster, the resolved problem (the grouping's plan) and the assignment it
holds, with the same numpy scorer (``problem.objective``) the solver's result is checked against.
Values of sensitive columns stay hidden unless ``include_sensitive=True``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...exceptions import InputError
from ...explain import group_totals, hidden_columns, term_is_hidden
from ...terms.baseline import random_expectation

__all__ = ["explain_group", "explain_person"]

SWAP_SEARCH_LIMIT = 3000  # people up to which every group is tried for a swap; beyond, the best


def _solved(grouping):
    return grouping._roster, grouping._plan, grouping._array


def _display(roster, rows, hidden) -> list[str]:
    """'id (name)' for roster rows, the name only when it is a visible column."""
    frame = roster.frame
    named = "name" in frame.columns and "name" not in hidden
    out = []
    for i in np.asarray(rows).tolist():
        who = str(roster.ids[i])
        if named and pd.notna(frame.iloc[i]["name"]):
            who += f" ({frame.iloc[i]['name']})"
        out.append(who)
    return out


# ------------------------------------------------------------------------------ one group
def _binding(term, details, roster, a, group) -> str | None:
    """How a hard rule that holds restricts the group, in words (None when it does not)."""
    if {"size", "allowed"} <= set(details):
        size, (lo, hi) = details["size"], details["allowed"]
        if lo == hi == size:
            return f"size fixed at {size}"
        if size == hi:
            return f"full ({size} of at most {hi}): nobody can join without someone leaving"
        if size == lo:
            return f"at the minimum size {lo}: nobody can leave without someone joining"
        return None
    comps = term.search_components(roster) or []
    members = a == group
    words = []
    for comp in comps:
        data = np.asarray(comp.data)
        if comp.kind == "conflicts" and len(data):
            inside = members[data[:, 0]] | members[data[:, 1]]
            both = members[data[:, 0]] & members[data[:, 1]]
            other = np.where(members[data[:, 0]], data[:, 1], data[:, 0])[inside & ~both]
            if len(other):
                words.append(f"keeps {len(np.unique(other))} people out of this group")
        elif comp.kind == "units" and len(data):
            tied = np.unique(data[members[data[:, 0]] | members[data[:, 1]]])
            if len(tied):
                words.append(f"ties {len(tied)} members to each other")
        elif comp.kind == "fixed" and len(data) == len(a):
            pinned = int(np.count_nonzero(members & (data >= 0)))
            if pinned:
                words.append(f"pins {pinned} members here")
    return "; ".join(words) or None


def _columns_of(problem, roster, kind: str) -> list[str]:
    """The multi-valued columns the problem's terms read for ``kind`` (``"shared"``: the
    ``SharedNeeds`` terms, ``"slots"``: the ``CommonSlot`` terms); the default column
    (``needs``, ``slots``) when no term names one."""
    from ...terms.needs import SharedNeeds
    from ...terms.schedule import CommonSlot

    default, cls = {"shared": ("needs", SharedNeeds), "slots": ("slots", CommonSlot)}[kind]
    found = [t.column for t in problem.terms if isinstance(t, cls) and t.column in roster.multi]
    return list(dict.fromkeys(found)) or ([default] if default in roster.multi else [])


def _shared_title(column: str) -> str:
    return "learning needs" if column == "needs" else column


def _shared_lines(roster, problem, a, group, hidden) -> list[str]:
    members = np.flatnonzero(a == group)
    lines = []
    for column in _columns_of(problem, roster, "shared"):
        if column in hidden:
            continue
        multi = roster.multi[column]
        counts = multi.matrix[members].sum(axis=0)
        top = [t for t in np.argsort(-counts, kind="stable") if counts[t] >= 2][:5]
        lines.append(f"Shared {_shared_title(column)}: " + (
            ", ".join(f"{multi.vocabulary[t]} ({counts[t]} of {len(members)})" for t in top)
            or "none shared by two or more members") + ".")
    for column in _columns_of(problem, roster, "slots"):
        if column in hidden or not len(members):
            continue
        multi = roster.multi[column]
        counts = multi.matrix[members].sum(axis=0)
        common = [multi.vocabulary[t] for t in np.flatnonzero(counts == len(members))]
        if common:
            lines.append(f"Common time slots (all {len(members)} free): {', '.join(common)}.")
        elif counts.size and counts.max() > 0:
            best = int(np.argmax(counts))
            lines.append(f"No slot where all {len(members)} are free; best: "
                         f"{multi.vocabulary[best]} ({counts[best]} of {len(members)}).")
    return lines


def _details_words(details: dict) -> str:
    if "mix" in details:
        mix = ", ".join(f"{k} {v}" for k, v in details["mix"].items())
        return (f"{len(details['mix'])} different values ({mix}); "
                f"{details['differing_pairs']} of {details['possible_pairs']} pairs differ")
    if "spread" in details and details.get("mean") is not None:
        return f"mean {details['mean']:.1f}, range {details['min']:g}-{details['max']:g}"
    if "shared" in details:
        return f"{len(details['shared'])} topics shared"
    if "hidden" in details:
        return details["hidden"]
    return ", ".join(f"{k} {v}" for k, v in details.items() if not isinstance(v, (dict, list)))


def explain_group(grouping, group: int, *, include_sensitive: bool = False) -> pd.DataFrame:
    """What each term sees in one group, one row per term, with a plain-words summary.

    Columns: ``kind`` (objective or rule), ``weight``, ``value``, ``contribution``
    (weight × value, in the user's units like ``grouping.breakdown``), ``random_expected``
    (what a random group of this size would score on the term: exact for pair-sum terms
    such as diversity and shared needs, else empty), ``holds`` (rules), ``binds`` (how a
    rule restricts this group, in words) and ``details`` (the term's own dict).
    ``table.attrs["summary"]`` holds the plain words: members, shared needs (the columns the
    ``SharedNeeds`` terms read) and slots, diversity, binding rules, contributions and each
    objective against a random group of the same size.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcd"), "department": list("xxyy")})
    >>> g = gm.solve(gm.Roster.from_frame(df),
    ...              gm.PeerGroups(size=2, terms=[gm.Diversity("department")]))
    >>> table = explain_group(g, 0)
    >>> int(table.loc["diversity[department]", "contribution"])
    1
    >>> table.attrs["summary"].startswith("Group 0: 2 members (allowed 2-2): a, ")
    True
    """
    roster, problem, a = _solved(grouping)
    n_groups = problem.n_groups
    if isinstance(group, bool) or not isinstance(group, (int, np.integer)) \
            or not 0 <= group < n_groups:
        raise InputError(f"Group {group!r} does not exist; groups are numbered 0..{n_groups - 1}.")
    group = int(group)
    hidden = hidden_columns(roster, include_sensitive)
    user_weights = problem.user_weights()
    placed = np.flatnonzero(a >= 0)
    size = int(np.count_nonzero(a == group))
    chance = size * (size - 1) / (len(placed) * (len(placed) - 1)) if len(placed) > 1 else 0.0
    rows = []
    for term, w in zip(problem.terms, problem.weights, strict=True):
        details = term.explain(roster, a, group)
        if term_is_hidden(term, hidden):
            details = {"hidden": "values hidden (sensitive column; include_sensitive=True "
                                 "shows them)"}
        if term.hard:
            broken = [v for v in term.violations(roster, a, n_groups) if group in v.groups]
            binds = None if broken else _binding(term, term.explain(roster, a, group),
                                                  roster, a, group)
            rows.append({"term": term.label, "kind": "rule", "weight": None, "value": None,
                         "contribution": None, "random_expected": None, "holds": not broken,
                         "binds": binds, "details": details})
        else:
            raw = int(term.group_values(roster, a, n_groups)[group])
            expected = None
            if term.pairwise_sum:  # every pair of this size's group is as likely as any other
                expected = chance * random_expectation(term, roster, [len(placed)], rows=placed)
                expected /= problem.value_divisor(term)
            rows.append({"term": term.label, "kind": "objective",
                         "weight": user_weights[term.label],
                         "value": problem.user_values(term, np.array([raw]))[0].item(),
                         "contribution": problem.in_user_units(w * raw),
                         "random_expected": expected, "holds": None, "binds": None,
                         "details": details})
    table = pd.DataFrame(rows).set_index("term")
    for col in ("weight", "value", "contribution"):
        table[col] = _numbers(table[col])
    table["random_expected"] = pd.to_numeric(table["random_expected"]).astype("Float64")
    table.attrs["summary"] = _group_summary(grouping, group, table, hidden)
    return table


def _numbers(column: pd.Series) -> pd.Series:
    """Nullable integers when every value is a whole int (integral weights), else floats."""
    values = [v for v in column.tolist() if v is not None and not pd.isna(v)]
    if all(isinstance(v, (int, np.integer)) for v in values):
        return column.astype("Int64")
    return pd.to_numeric(column).astype("Float64")


def _signed(x) -> str:
    """A change with its sign: ``+3``, ``-0.5``."""
    return ("+" if x >= 0 else "-") + _num(abs(x))


def _num(x) -> str:
    """A number as people read it: ints as they are, others to 4 significant digits."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.4g}"


def _group_summary(grouping, group, table, hidden) -> str:
    roster, problem, a = _solved(grouping)
    members = np.flatnonzero(a == group)
    lines = [f"Group {group}: {len(members)} members (allowed {problem.lo[group]}-"
             f"{problem.hi[group]}): {', '.join(_display(roster, members, hidden))}."]
    lines += _shared_lines(roster, problem, a, group, hidden)
    soft = table[table["kind"] == "objective"]
    for label, row in soft.iterrows():
        if label.startswith("diversity["):
            lines.append(f"Diversity in {label[10:-1]}: {_details_words(row['details'])}.")
    for label, row in table[table["kind"] == "rule"].iterrows():
        state = "holds" if row["holds"] else "is BROKEN here"
        binds = row["binds"] if isinstance(row["binds"], str) else None  # NaN/NA: no words
        lines.append(f"Rule {label} {state}" + (f"; binds: {binds}" if binds else "") + ".")
    if len(soft):
        totals = group_totals(grouping)
        rank = int(np.count_nonzero(totals > totals[group])) + 1
        parts = ", ".join(f"{label} {_num(row['contribution'])}"
                          + (f" ({_num(row['weight'])} x {_num(row['value'])})"
                             if row["weight"] != 1 else "")
                          for label, row in soft.iterrows())
        lines.append(f"Contributions: {parts}; group total {_num(totals[group].item())} "
                     f"(rank {rank} of {len(totals)}).")
        chance = [f"{label} {_num(row['value'])} vs {_num(row['random_expected'])}"
                  for label, row in soft.iterrows() if pd.notna(row["random_expected"])]
        if chance:
            lines.append(f"Against a random group of {len(members)} (same people, by chance): "
                         + ", ".join(chance) + ".")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ one person
def _violation_count(roster, problem, a) -> int:
    return sum(len(t.violations(roster, a, problem.n_groups)) for t in problem.terms if t.hard)


def _term_deltas(roster, problem, before, after) -> dict[str, int]:
    old = problem.soft_values(roster, before)
    new = problem.soft_values(roster, after)
    return {k: problem.in_user_units(int(w * (new[k][1].sum() - old[k][1].sum())))
            for k, (w, _) in old.items()}


def explain_person(grouping, person, *, alternatives: int = 3,
                   include_sensitive: bool = False) -> pd.DataFrame:
    """Why a person is in their group, and what moving them elsewhere would change.

    For every other group the what-if is the best of a plain move (when both groups' sizes allow
    it) and a swap with each of that group's members; each is scored with ``problem.objective``
    and checked against the hard rules. The table lists the ``alternatives`` best options (rules
    that hold first), with the objective change in total (``delta``, negative = worse) and per
    term.
    ``table.attrs["summary"]`` says in words what the person brings to their group and what the
    best moves would cost. With more than 3,000 people, swaps are tried only in the 20 groups
    where a plain move scores best.

    Examples
    --------
    >>> import groupmatch as gm, pandas as pd
    >>> df = pd.DataFrame({"id": list("abcdef"), "department": list("xxxyyy")})
    >>> g = gm.solve(gm.Roster.from_frame(df),
    ...              gm.PeerGroups(size=3, terms=[gm.Diversity("department")]))
    >>> table = explain_person(g, "a")
    >>> table[["group", "change", "delta", "rules_hold"]].to_dict("records")
    [{'group': 1, 'change': 'swap with b', 'delta': 0, 'rules_hold': True}]
    """
    roster, problem, a = _solved(grouping)
    row = int(roster.rows_of([person], "explain_person")[0])
    home = int(a[row])
    if home < 0:
        reason = grouping.assignments.loc[grouping.assignments["id"].astype(str) == str(person),
                                          "reason"]
        raise InputError(f"{person!r} is in no group ({reason.iloc[0] if len(reason) else ''}).")
    hidden = hidden_columns(roster, include_sensitive)
    base = problem.objective(roster, a)
    base_violations = _violation_count(roster, problem, a)
    sizes = np.bincount(a[a >= 0], minlength=problem.n_groups)
    others = [h for h in range(problem.n_groups) if h != home]
    moves = {}
    for h in others:
        b = a.copy()
        b[row] = h
        moves[h] = problem.objective(roster, b) - base
    tried = others
    if roster.n > SWAP_SEARCH_LIMIT:
        tried = sorted(others, key=lambda h: -moves[h])[:20]
    options = []
    for h in tried:  # per group, the best of: a plain move (if sizes allow), a swap with anyone
        candidates = []
        if sizes[home] > problem.lo[home] and sizes[h] < problem.hi[h]:
            b = a.copy()
            b[row] = h
            candidates.append((None, b, moves[h]))
        for j in np.flatnonzero(a == h).tolist():
            b = a.copy()
            b[row], b[j] = h, home
            candidates.append((j, b, problem.objective(roster, b) - base))
        best = None
        for j, b, delta in candidates:
            key = (_violation_count(roster, problem, b) <= base_violations, delta)
            if best is None or key > best[0]:
                best = (key, (h, j, b, delta))
        if best is not None:
            options.append(best[1])
    records = []
    for h, j, b, delta in options:
        ok = _violation_count(roster, problem, b) <= base_violations
        records.append({"group": h,
                        "change": "move" if j is None else f"swap with {roster.ids[j]}",
                        "delta": problem.in_user_units(int(delta)),
                        "new_objective": problem.in_user_units(int(base + delta)),
                        "rules_hold": ok, "_b": b})
    records.sort(key=lambda r: (not r["rules_hold"], -r["delta"], r["group"]))
    records = records[:alternatives]
    for r in records:
        r.update(_term_deltas(roster, problem, a, r.pop("_b")))
    shown = [t.label for t in problem.terms if not t.hard and not term_is_hidden(t, hidden)]
    table = pd.DataFrame(records, columns=["group", "change", "delta", "new_objective",
                                           "rules_hold", *shown])
    table.attrs["summary"] = _person_summary(grouping, row, home, table, hidden)
    return table


def _person_summary(grouping, row, home, table, hidden) -> str:
    roster, problem, a = _solved(grouping)
    who = _display(roster, [row], hidden)[0]
    mates = [i for i in np.flatnonzero(a == home).tolist() if i != row]
    lines = [f"{who} is in group {home} with {', '.join(_display(roster, mates, hidden))}."]
    columns = [(c, _shared_title(c).removeprefix("learning "))
               for c in _columns_of(problem, roster, "shared")]
    columns += [(c, "free slots" if c == "slots" else c)
                for c in _columns_of(problem, roster, "slots")]
    for kind, label in columns:
        if kind not in hidden:
            m = roster.multi[kind]
            own = m.matrix[row]
            shared = {m.vocabulary[t]: int(m.matrix[mates, t].sum())
                      for t in np.flatnonzero(own) if m.matrix[mates, t].any()}
            if shared:
                lines.append(f"Shares {label} with group-mates: "
                             + ", ".join(f"{t} ({c})" for t, c in shared.items()) + ".")
            elif own.any():
                lines.append(f"Shares none of their {label} with group-mates.")
    without = a.copy()
    without[row] = -1
    adds = _term_deltas(roster, problem, without, a)
    # a person's share of a sensitive term would reveal their value: show the total only
    adds = {k: v for k, v in adds.items() if k in table.columns}
    if adds:
        lines.append("What they add to the group: "
                     + ", ".join(f"{k} {_signed(v)}" for k, v in adds.items()) + ".")
    if len(table):
        for r in table.to_dict("records"):
            terms = {k: r[k] for k in adds if r[k] != 0}
            rules = "" if r["rules_hold"] else " (breaks a hard rule)"
            lines.append(f"Moving to group {r['group']} ({r['change']}) would change the "
                         f"objective by {_signed(r['delta'])}{rules}"
                         + (": " + ", ".join(f"{k} {_signed(v)}" for k, v in terms.items())
                            if terms else "") + ".")
        if table["delta"].iloc[0] <= 0:
            lines.append("No single move or swap improves the objective.")
    return "\n".join(lines)
