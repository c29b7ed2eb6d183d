"""Groups with several facilitators: a group is dropped only when no valid set of facilitators
exists, so participation matches an independent exact model on small organisations."""

import networkx as nx
import pytest
from ortools.sat.python import cp_model

import groupmatch as gm

TERMS = [gm.Diversity("department"), gm.SharedNeeds(), gm.NotWithManager(), gm.BalanceLoad()]


def _most_placed(df, lo, hi, fmin, fmax) -> int:
    """The most mentees any valid answer places, by one exact CP-SAT model from the table alone:
    group slots per topic, sizes, facilitators with the topic and capacity, nobody facilitating
    somebody of their reporting line, no mentee with their direct manager or report."""
    ids = df["id"].tolist()
    boss = dict(zip(ids, df["manager_id"], strict=True))
    tree = nx.DiGraph([(b, k) for k, b in boss.items() if isinstance(b, str) and b in boss])

    def line(k):
        return {k} | (nx.ancestors(tree, k) | nx.descendants(tree, k) if k in tree else set())

    row = df.set_index("id")
    mentees = [k for k in ids if row.loc[k, "role"] in ("mentee", "both")
               and len(row.loc[k, "needs"])]
    facs = [k for k in ids if row.loc[k, "role"] in ("mentor", "both")]
    m = cp_model.CpModel()
    x, y = {}, {}
    topics = sorted({t for k in mentees for t in row.loc[k, "needs"]})
    for t in topics:
        need = [k for k in mentees if t in row.loc[k, "needs"]]
        have = [f for f in facs if t in row.loc[f, "expertise"]]
        for g in range(len(need) // lo):
            on = m.new_bool_var("")
            xs = {k: m.new_bool_var("") for k in need}
            ys = {f: m.new_bool_var("") for f in have}
            m.add(sum(xs.values()) >= lo * on)
            m.add(sum(xs.values()) <= hi * on)
            m.add(sum(ys.values()) >= fmin * on)
            m.add(sum(ys.values()) <= fmax * on)
            for k, v in xs.items():
                for f in line(k) & set(ys):
                    m.add(v + ys[f] <= 1)
                if boss[k] in xs:
                    m.add(v + xs[boss[k]] <= 1)
                x[k, t, g] = v
            for f, v in ys.items():
                y[f, t, g] = v
    placed = []
    for k in mentees:
        mine = [v for (kk, _t, _g), v in x.items() if kk == k]
        if mine:
            m.add(sum(mine) <= 1)
            placed.append(sum(mine))
    for f in facs:
        mine = [(t, g, v) for (ff, t, g), v in y.items() if ff == f]
        if not mine:
            continue
        m.add(sum(v for _, _, v in mine) <= int(row.loc[f, "mentor_capacity_groups"]))
        load = []
        for t, g, v in mine:
            size = sum(u for (_k, tt, gg), u in x.items() if tt == t and gg == g)
            z = m.new_int_var(0, hi, "")
            m.add(z == size).only_enforce_if(v)
            m.add(z == 0).only_enforce_if(~v)
            load.append(z)
        m.add(sum(load) <= int(row.loc[f, "mentor_capacity_mentees"]))
    m.maximize(sum(placed))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 20
    solver.parameters.num_workers = 2
    assert solver.solve(m) == cp_model.OPTIMAL
    return int(solver.objective_value)


def _solve(df, size, facilitators):
    roster = gm.Roster.from_frame(df)
    spec = gm.FacilitatedGroups(size=size, facilitators=facilitators, terms=TERMS)
    return roster, spec, gm.solve(roster, spec, time_limit=2, random_state=1)


def test_a_group_takes_another_pair_when_the_plans_lead_cannot_be_completed():
    df = gm.datasets.make_organization(40, random_state=1)
    roster, spec, g = _solve(df, (4, 7), 2)
    assert g.status.has_solution, g.message
    assert gm.check(roster, spec, g) == []
    groups = g.groups.set_index("topic")
    # E00012 is in E00034's reporting line; project management's second facilitator is in
    # E00028's: the only valid group is data analysis with E00001 and E00014
    assert set(groups.index) == {"data analysis"}
    assert sorted(groups.loc["data analysis", "facilitators"]) == ["E00001", "E00014"]
    assert sorted(groups.loc["data analysis", "members"]) == ["E00005", "E00028", "E00034",
                                                              "E00039"]
    assert g.participation["placed"] == _most_placed(df, 4, 7, 2, 2) == 4
    reasons = g.unplaced.set_index("id")["reason"]
    assert not reasons.str.startswith("the time limit").any()


# the plan sizes a group by its lead's capacity and reserves co-facilitation at the maximum
# size, so some groups stay smaller than another pair would allow (placed 5 of 6, 4 of 8)
GAP = pytest.mark.xfail(strict=True, reason="plan-level sizing with several facilitators")


@pytest.mark.parametrize("n,seed,size,facilitators", [
    (45, 6832, (4, 7), (2, 3)), (42, 1441, (4, 7), (2, 3)), (57, 8552, (4, 7), 2),
    pytest.param(44, 1479, (4, 7), 2, marks=GAP), pytest.param(60, 3118, (3, 6), (2, 3),
                                                               marks=GAP)])
def test_several_facilitators_place_as_many_as_an_exact_model(n, seed, size, facilitators):
    df = gm.datasets.make_organization(n, random_state=seed)
    roster, spec, g = _solve(df, size, facilitators)
    best = _most_placed(df, *size, *(facilitators if isinstance(facilitators, tuple)
                                     else (facilitators, facilitators)))
    if best == 0:
        assert g.status is gm.Status.INFEASIBLE
        assert g.message.startswith("No facilitated group could be formed")
        return
    assert g.status.has_solution, g.message
    assert gm.check(roster, spec, g) == []
    assert g.participation["placed"] == best
