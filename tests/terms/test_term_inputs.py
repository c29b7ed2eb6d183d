"""Bad term parameters get clear errors; counting checks fire before any model is built."""

import numpy as np
import pandas as pd
import pytest

import groupmatch as gm


def roster(n=6):
    return gm.Roster.from_frame(pd.DataFrame({
        "id": [f"e{i}" for i in range(n)], "department": list("aabbcc")[:n],
        "manager_id": [None] + ["e0"] * (n - 1),
    }))


def test_diversity_needs_a_column_name():
    with pytest.raises(gm.InputError, match="Diversity needs a column name"):
        gm.Diversity("")


def test_weight_must_be_a_finite_number():
    with pytest.raises(gm.InputError, match="'weight' must be a finite number"):
        gm.SharedNeeds(weight=float("nan"))


def test_pairwise_matrix_must_be_square_and_symmetric():
    with pytest.raises(gm.InputError, match="square matrix"):
        gm.PairwiseDiversity(np.zeros((2, 3)))
    with pytest.raises(gm.InputError, match="symmetric"):
        gm.PairwiseDiversity(np.array([[0, 1], [2, 0]]))


def test_pairwise_matrix_must_match_the_roster():
    spec = gm.PeerGroups(size=3, terms=[gm.PairwiseDiversity(np.zeros((4, 4)))])
    with pytest.raises(gm.InputError, match="4×4 but the roster has 6 people"):
        gm.solve(roster(), spec)


def test_not_with_manager_levels_must_be_positive():
    with pytest.raises(gm.InputError, match="levels"):
        gm.NotWithManager(levels=0)


def test_cannot_group_rejects_a_person_with_themself():
    spec = gm.PeerGroups(size=3, terms=[gm.CannotGroup([("e1", "e1")])])
    with pytest.raises(gm.InputError, match="with themself"):
        gm.solve(roster(), spec)


def test_pairs_must_be_pairs():
    with pytest.raises(gm.InputError, match="pairs of exactly two ids"):
        gm.MustGroup([("e1", "e2", "e3")])


def test_must_group_unit_larger_than_any_group_is_infeasible_before_solving():
    spec = gm.PeerGroups(size=2, terms=[gm.MustGroup([("e0", "e1"), ("e1", "e2")])])
    g = gm.solve(roster(), spec)
    assert g.status is gm.Status.INFEASIBLE  # a proof is a status, not an exception
    with pytest.raises(gm.InfeasibleError, match="joins 3 people.*2 places") as err:
        g.raise_for_status()
    assert err.value.conflicts == ("MustGroup", "SizeBounds")


def test_solver_infeasibility_names_the_rules():
    # e0 manages everyone: with 2 groups of 3, e0 cannot have a group of non-reports
    g = gm.solve(roster(), gm.PeerGroups(size=3, terms=[gm.NotWithManager()]))
    assert g.status is gm.Status.INFEASIBLE
    with pytest.raises(gm.InfeasibleError, match="NotWithManager") as err:
        g.raise_for_status()
    assert "NotWithManager" in err.value.conflicts
