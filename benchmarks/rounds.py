"""Rounds and re-matching on a generated organisation (issue 5's checks).

1. A first round of peer groups, then a second round with the hard ``AvoidRepeats`` rule against
   the first: is it valid (``gm.check``), does any pair meet again, how long did it take?
2. 5% of people leave and 5% new people join: ``gm.rematch`` against the first round versus a
   re-solve from scratch. How many people move in each (a fresh solve's groups are matched to
   the old ones by maximum overlap first), is the rematch valid, how long did it take?

Spec (as in ``scale.py``): groups of 5-6, diversity on department, site, level and gender,
shared learning needs, nobody with their manager.

    python benchmarks/rounds.py --n 2000 --out out/rounds_2000.csv
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import groupmatch as gm

from _common import machine, peak_memory_mb, turnover_main

CATEGORICAL = ["department", "site", "level", "gender"]


def spec() -> gm.PeerGroups:
    return gm.PeerGroups(size=(5, 6), terms=[*(gm.Diversity(c) for c in CATEGORICAL),
                                             gm.SharedNeeds(), gm.NotWithManager()])


def turnover(df: pd.DataFrame, share: float, seed: int) -> tuple[pd.DataFrame, list, list]:
    """Remove ``share`` of the people and add as many new ones (attributes drawn from a second
    generated organisation). Reports of a leaver move to the leaver's manager; joiners report
    to a random current manager."""
    rng = np.random.default_rng(seed)
    k = int(round(share * len(df)))
    leavers = rng.choice(df["id"].to_numpy()[1:], size=k, replace=False).tolist()  # not the CEO
    boss = dict(zip(df["id"], df["manager_id"], strict=True))
    out = df[~df["id"].isin(leavers)].copy()

    def first_staying_boss(m):
        while m is not None and not pd.isna(m) and m in set(leavers):
            m = boss[m]
        return m

    out["manager_id"] = [first_staying_boss(m) for m in out["manager_id"]]
    new = gm.datasets.make_organization(k, random_state=seed + 1).copy()
    new["id"] = [f"J{i:05d}" for i in range(k)]
    managers = out.loc[out["id"].isin(set(out["manager_id"].dropna())), "id"].to_numpy()
    new["manager_id"] = rng.choice(managers, size=k)
    joined = pd.concat([out, new[out.columns]], ignore_index=True)
    return joined, leavers, new["id"].tolist()


def repeated_pairs(history, grouping) -> int:
    before = gm.met_pairs(history)[["id_a", "id_b"]]
    now = gm.met_pairs(grouping)[["id_a", "id_b"]]
    return len(before.merge(now, on=["id_a", "id_b"]))


def run(n: int, first_limit: float, limit: float, seed: int) -> list[dict]:
    s = spec()
    df = gm.datasets.make_organization(n, random_state=seed)
    roster = gm.Roster.from_frame(df)
    t = time.perf_counter()
    first = gm.solve(roster, s, time_limit=first_limit, random_state=seed).raise_for_status()
    first_s = time.perf_counter() - t
    common = {"n": n, "seed": seed, "machine": machine(), "version": gm.__version__}
    rows = [{"step": "round 1", "time_limit": first_limit, "wall_s": round(first_s, 1),
             "first_valid_s": round(first.settings.get("time_to_first", first_s), 2),
             "valid": gm.check(roster, s, first) == [], "repeats": None, "moved": None,
             "objective": first.objective, **common}]

    second_spec = s.with_terms(gm.AvoidRepeats(first))
    t = time.perf_counter()
    second = gm.solve(roster, second_spec, time_limit=limit, random_state=seed + 1)
    second_s = time.perf_counter() - t
    solved = second.status.has_solution
    rows.append({"step": "round 2, hard AvoidRepeats", "time_limit": limit,
                 "wall_s": round(second_s, 1),
                 "first_valid_s": round(second.settings.get("time_to_first", second_s), 2),
                 "valid": solved and gm.check(roster, second_spec, second) == [],
                 "repeats": repeated_pairs(first, second) if solved else None,
                 "moved": None, "objective": second.objective, **common})

    new_df, leavers, joiners = turnover(df, 0.05, seed)
    new_roster = gm.Roster.from_frame(new_df)
    t = time.perf_counter()
    after = gm.rematch(first, new_roster, s, time_limit=limit, random_state=seed)
    rematch_s = time.perf_counter() - t
    rows.append({"step": f"rematch (-{len(leavers)} +{len(joiners)})", "time_limit": limit,
                 "wall_s": round(rematch_s, 1), "first_valid_s": None,
                 "valid": gm.check(new_roster, s, after) == [],
                 "repeats": None, "moved": after.settings["moves"],
                 "objective": after.objective, **common})
    t = time.perf_counter()
    fresh = gm.solve(new_roster, s, time_limit=limit, random_state=seed)
    fresh_s = time.perf_counter() - t
    rows.append({"step": "re-solve from scratch", "time_limit": limit,
                 "wall_s": round(fresh_s, 1),
                 "first_valid_s": round(fresh.settings.get("time_to_first", fresh_s), 2),
                 "valid": gm.check(new_roster, s, fresh) == [],
                 "repeats": None, "moved": gm.moved_people(first, fresh),
                 "objective": fresh.objective, **common})
    # the same leavers and no joiners: now groups that fell short must be refilled by moves
    only_left = gm.Roster.from_frame(new_df[~new_df["id"].isin(joiners)])
    t = time.perf_counter()
    short = gm.rematch(first, only_left, s, time_limit=limit, random_state=seed)
    rows.append({"step": f"rematch (-{len(leavers)} +0)", "time_limit": limit,
                 "wall_s": round(time.perf_counter() - t, 1), "first_valid_s": None,
                 "valid": gm.check(only_left, s, short) == [], "repeats": None,
                 "moved": short.settings["moves"], "objective": short.objective, **common})
    for r in rows:
        r["peak_mb"] = round(peak_memory_mb())
    return rows


def main() -> None:
    turnover_main(run, __doc__.splitlines()[0], first_limit=20.0, smoke=(60, 1.0, 2.0))


if __name__ == "__main__":
    main()
