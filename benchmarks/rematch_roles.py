"""Re-matching facilitated groups after turnover (issue 5) on a generated organisation.

A first facilitated grouping (the spec of ``roles.py``), then 5% of people leave and 5% new
people join (``rounds.turnover``). ``gm.rematch`` against the first grouping versus a re-solve
from scratch: people moved (``gm.moved_people``: continuing mentees whose group changed, groups
of the fresh solve matched to the old ones by largest overlap), facilitator changes, mentees
placed, seconds and ``gm.check``.

    python benchmarks/rematch_roles.py --n 2000 --first-limit 60 --time-limit 60
"""

from __future__ import annotations

import time

import groupmatch as gm
from roles import specs
from rounds import turnover

from _common import machine, peak_memory_mb, turnover_main


def _placed(grouping) -> int:
    a = grouping.assignments
    return int(a[(a["role"] == "mentee") & a["group"].notna()]["id"].nunique())


def run(n: int, first_limit: float, limit: float, seed: int) -> list[dict]:
    spec = specs()["facilitated"]
    df = gm.datasets.make_organization(n, random_state=seed)
    roster = gm.Roster.from_frame(df)
    common = {"n": n, "seed": seed, "machine": machine(), "version": gm.__version__}
    t = time.perf_counter()
    first = gm.solve(roster, spec, time_limit=first_limit, random_state=seed)
    rows = [{"step": "first facilitated grouping", "time_limit": first_limit,
             "wall_s": round(time.perf_counter() - t, 1),
             "valid": not gm.check(roster, spec, first),
             "moved": None, "facilitator_changes": None, "groups": len(first.groups),
             "placed": _placed(first), "objective": first.objective, **common}]
    new_df, leavers, joiners = turnover(df, 0.05, seed)
    new_roster = gm.Roster.from_frame(new_df)
    t = time.perf_counter()
    after = gm.rematch(first, new_roster, spec, time_limit=limit, random_state=seed)
    rows.append({"step": f"rematch (-{len(leavers)} +{len(joiners)})", "time_limit": limit,
                 "wall_s": round(time.perf_counter() - t, 1),
                 "valid": not gm.check(new_roster, spec, after),
                 "moved": after.settings["moves"],
                 "facilitator_changes": after.settings["facilitator_changes"],
                 "groups": len(after.groups), "placed": _placed(after),
                 "objective": after.objective, "phases": "/".join(after.settings["phase_status"]),
                 "dissolved": len(after.settings["dissolved"]), **common})
    t = time.perf_counter()
    fresh = gm.solve(new_roster, spec, time_limit=limit, random_state=seed)
    rows.append({"step": "re-solve from scratch", "time_limit": limit,
                 "wall_s": round(time.perf_counter() - t, 1),
                 "valid": not gm.check(new_roster, spec, fresh),
                 "moved": gm.moved_people(first, fresh), "facilitator_changes": None,
                 "groups": len(fresh.groups), "placed": _placed(fresh),
                 "objective": fresh.objective, **common})
    keys = list(dict.fromkeys(k for r in rows for k in r))
    rows = [{k: r.get(k) for k in keys} for r in rows]
    for r in rows:
        r["peak_mb"] = round(peak_memory_mb())
    return rows


def main() -> None:
    turnover_main(run, __doc__.splitlines()[0], first_limit=60.0, smoke=(80, 2.0, 5.0))


if __name__ == "__main__":
    main()
