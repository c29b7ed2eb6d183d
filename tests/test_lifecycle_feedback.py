"""The feedback table (issue 16): one clear InputError per broken rule, naming the rows; the
natural forms of a history; flags read as documented."""

from __future__ import annotations

import pandas as pd
import pytest

import groupmatch as gm

ROUND1 = pd.DataFrame({"id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1]})
ROUND2 = pd.DataFrame({"id": list("abcdef"), "group": [0, 1, 0, 1, 0, 1]})


def table(**changes) -> pd.DataFrame:
    """A valid round-1 table; keyword arguments replace whole columns."""
    base = pd.DataFrame({"round": 1, "id": list("abcdef"), "group": [0, 0, 0, 1, 1, 1],
                         "attended": [1.0, 0.5, 1.0, 0.75, 1.0, 0.0],
                         "rating": [4, 5, None, 3, 2, None],
                         "facilitator_rating": None,
                         "flags": ["", "conflict:c", "again:a; left", "", "", "left"]})
    for column, values in changes.items():
        base[column] = values
    return base


def test_a_valid_table_is_read_with_its_flags():
    fb = gm.Feedback.from_frame(table(), history=[ROUND1])
    assert len(fb) == 6 and fb.rounds == (1,)
    assert fb.conflicts[["id", "other"]].values.tolist() == [["b", "c"]]
    assert fb.again[["id", "other"]].values.tolist() == [["c", "a"]]
    assert fb.left["id"].tolist() == ["c", "f"]
    assert fb.frame["rating"].isna().sum() == 2
    assert repr(fb) == "Feedback(6 rows; 1 round; 1 conflict, 1 again, 2 left)"


@pytest.mark.parametrize("changes, match", [
    ({"attended": [1.0, 0.5, 1.0, 75, 1.0, 0.0]},
     r"Column 'attended' must hold numbers from 0 to 1; 1 row does not \(row 3\)"),
    ({"attended": [1.0, None, 1.0, 1.0, 1.0, 0.0]},
     r"Column 'attended' is required .* \(row 1\)"),
    ({"rating": [4, 6, None, 3, 0, None]},
     r"Column 'rating' must hold numbers from 1 to 5; 2 rows do not \(rows 1, 4\)"),
    ({"rating": [4, "good", None, 3, 2, None]},
     r"Column 'rating' must hold numbers from 1 to 5; 1 row does not \(row 1\)"),
    ({"facilitator_rating": [None, None, 9, None, None, None]},
     r"Column 'facilitator_rating' must hold numbers from 1 to 5; .*\(row 2\)"),
    ({"flags": ["", "conflict:c", "again:a; left", "confict:b", "", ""]},
     r"Column 'flags' must hold conflict:<id>.*\(row 3\).*unknown flag 'confict:b'"),
    ({"flags": ["", "conflict:", "", "", "", ""]},
     r"Column 'flags' .*\(row 1\).*names nobody"),
    ({"flags": ["left:now", "", "", "", "", ""]},
     r"Column 'flags' .*\(row 0\).*takes no id"),
    ({"flags": ["", "", "conflict:c", "", "", ""]},
     r"Column 'flags' must name somebody else; 1 row does not \(row 2\)"),
    ({"flags": ["", "", "", "again:zz", "", ""]},
     r"Column 'flags' must name people of the history; 1 row does not \(row 3\)"),
    ({"id": list("abcdex")},
     r"Column 'id' must name people who were in a group in that round; .*\(row 5\)"),
    ({"group": [0, 0, 1, 1, 1, 1]},
     r"Column 'group' must be the person's group in that round of the history; .*\(row 2\)"),
    ({"round": [1, 1, 1, 1, 1, 3]},
     r"Column 'round' must name a round of the history \(1\); 1 row does not \(row 5\)"),
    ({"round": [1, 1, None, 1, 1, 1]},
     r"Column 'round' is required and must have no missing values; .*\(row 2\)"),
])
def test_each_broken_rule_is_one_clear_error_naming_the_rows(changes, match):
    with pytest.raises(gm.InputError, match=match):
        gm.Feedback.from_frame(table(**changes), history=[ROUND1])


def test_duplicate_rows_are_named():
    df = pd.concat([table(), table().iloc[[4]]])
    with pytest.raises(gm.InputError, match=r"Column 'id' must appear once per round and group; "
                                            r"2 rows do not \(rows 4, 4\)"):
        gm.Feedback.from_frame(df)


def test_missing_columns_are_named_with_the_optional_ones():
    with pytest.raises(gm.InputError, match=r"needs columns 'round', 'id', 'group', 'attended'; "
                                            r"'attended' missing .*Optional: 'rating'"):
        gm.Feedback.from_frame(table().drop(columns="attended"))
    with pytest.raises(gm.InputError, match="needs a pandas DataFrame; got list"):
        gm.Feedback.from_frame([1, 2])


def test_ids_are_checked_against_the_roster_and_flags_too():
    roster = gm.Roster.from_frame(pd.DataFrame({"id": list("abcdef")}))
    gm.Feedback.from_frame(table(), roster=roster)  # fine
    with pytest.raises(gm.InputError, match=r"Column 'id' must hold ids of the roster; "
                                            r"1 row does not \(row 5\). Unknown: 'q'"):
        gm.Feedback.from_frame(table(id=list("abcdeq")), roster=roster)
    with pytest.raises(gm.InputError, match=r"Column 'flags' must name ids of the roster; "
                                            r"1 row does not \(row 0\)"):
        gm.Feedback.from_frame(table(flags=["again:q", "", "", "", "", ""]), roster=roster)


def test_history_forms_list_mapping_long_frame_and_one_grouping_agree():
    as_list = gm.Feedback.from_frame(table(), history=[ROUND1, ROUND2])
    as_map = gm.Feedback.from_frame(table(), history={1: ROUND1, 2: ROUND2})
    long = pd.concat([ROUND1.assign(round=1), ROUND2.assign(round=2)])
    as_long = gm.Feedback.from_frame(table(), history=long)
    assert as_list.rounds == as_map.rounds == as_long.rounds == (1, 2)
    labelled = gm.Feedback.from_frame(table(round="spring"), history={"spring": ROUND1})
    assert labelled.rounds == ("spring",)
    with pytest.raises(gm.InputError, match="A list history numbers its rounds from 1"):
        gm.Feedback.from_frame(table(round=0), history=[ROUND1])
    with pytest.raises(gm.InputError, match="history takes a list of groupings"):
        gm.Feedback.from_frame(table(), history="round1.csv")


def test_numbers_and_text_ids_match_by_value_and_flags_name_the_roster_spelling():
    hist = pd.DataFrame({"id": [1, 2, 3, 4], "group": [0, 0, 1, 1]})
    df = pd.DataFrame({"round": ["1", "1", "1", "1"], "id": ["1", "2", 3.0, 4],
                       "group": [0.0, 0, 1, 1], "attended": 1.0,
                       "flags": ["conflict: 2", "", "", ""]})
    fb = gm.Feedback.from_frame(df, history=[hist])
    assert fb.conflicts["other"].tolist() == [2]


def test_a_person_leading_two_groups_has_a_row_per_group():
    hist = pd.DataFrame({"id": ["f", "a", "b", "f", "c", "d"], "group": [0, 0, 0, 1, 1, 1],
                         "role": ["facilitator", "mentee", "mentee"] * 2})
    df = hist[["id", "group"]].assign(round=1, attended=1.0)
    assert len(gm.Feedback.from_frame(df, history=[hist])) == 6
