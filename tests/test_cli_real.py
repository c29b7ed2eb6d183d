"""The command line on real-world files and real mistakes (issues 13 and 14): every user mistake
ends in one line ``groupmatch: error: ...`` and exit code 2, never a traceback; files in other
encodings and delimiters are read; outputs are checked before solving; the id column keeps its
name; diversity weights; the role modes accept the same diversity columns and report a run
without groups in command-line words."""

import subprocess
import sys

import pandas as pd
import pytest

import groupmatch.cli as cli
from groupmatch.cli import main


def _peer(n=8):
    return pd.DataFrame({
        "employee_id": [f"p{i}" for i in range(n)],
        "department": [["Köln", "Graz"][i % 2] for i in range(n)],
        "site": list("xyz" * n)[:n],
        "gender": list("FM" * n)[:n],
    })


def _facilitated(can_lead=True, needs="python"):
    """2 facilitators of python (capacity one group of 3) and 6 mentees who need it."""
    lead = "mentor" if can_lead else "mentee"
    return pd.DataFrame({
        "id": [f"p{i}" for i in range(8)],
        "role": [lead, lead] + ["mentee"] * 6,
        "expertise": ["python", "python"] + [""] * 6,
        "needs": ["", ""] + [needs] * 6,
        "mentor_capacity_groups": [1, 1] + [0] * 6,
        "mentor_capacity_mentees": [3, 3] + [0] * 6,
        "country": ["AT", "DE", "AT", "DE", "FR", "AT", "DE", "FR"],
    })


def _error_line(capsys) -> str:
    """stderr must be exactly one line ``groupmatch: error: ...``; return it."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("groupmatch: error: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture
def never_solve(monkeypatch):
    """Fail the test if the command reaches the solver."""
    def refuse(*args, **kwargs):
        raise AssertionError("the command started solving")
    monkeypatch.setattr(cli, "solve", refuse)


@pytest.fixture
def no_report(monkeypatch):
    """A blank HTML report (its plots are tested elsewhere and take seconds)."""
    import groupmatch as gm

    monkeypatch.setattr(gm.Grouping, "to_html",
                        lambda self, path=None, **kwargs: path.write_text("<html></html>"))


@pytest.fixture
def specs(monkeypatch):
    """Record the spec of every solve the command makes."""
    seen = []
    real = cli.solve

    def record(roster, spec, **kwargs):
        seen.append((roster, spec))
        return real(roster, spec, **kwargs)
    monkeypatch.setattr(cli, "solve", record)
    return seen


# -- reading files ----------------------------------------------------------------------------

def test_a_latin1_file_gets_one_line_naming_the_encoding_and_the_fix(tmp_path, capsys,
                                                                      never_solve):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False, encoding="latin-1")
    assert main(["solve", str(src), "--id", "employee_id", "--size", "4"]) == 2
    line = _error_line(capsys)
    assert "utf-8" in line and "--encoding latin-1" in line and "line 2" in line


def test_with_encoding_latin1_the_file_is_read(tmp_path, capsys, no_report):
    src, out = tmp_path / "people.csv", tmp_path / "groups.csv"
    _peer().to_csv(src, index=False, encoding="latin-1")
    assert main(["solve", str(src), "--encoding", "latin-1", "--id", "employee_id",
                 "--size", "4", "--diversity", "department", "--time-limit", "1",
                 "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["department"]) == {"Köln", "Graz"}  # written as UTF-8


def test_an_unknown_encoding_is_one_line(tmp_path, capsys, never_solve):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--encoding", "klingon"]) == 2
    assert "unknown encoding 'klingon'" in _error_line(capsys)


@pytest.mark.parametrize("sep, flag", [(";", []), ("\t", []), ("|", []), ("\t", ["--sep", "\\t"]),
                                       (";", ["--sep", ";"])])
def test_the_delimiter_is_detected_or_given(tmp_path, capsys, specs, sep, flag):
    src = tmp_path / "people.csv"
    people = _peer(4)
    people["needs"] = ["a;b", "a", "b", "a;b"]  # a ';' inside cells must not confuse detection
    people.to_csv(src, index=False, sep=sep)
    assert main(["solve", str(src), *flag, "--id", "employee_id", "--size", "2",
                 "--diversity", "site", "--time-limit", "1"]) == 0
    roster = specs[0][0]
    assert roster.n == 4 and list(roster.categorical) == ["site"]


def test_a_wrong_sep_is_explained(tmp_path, capsys, never_solve):
    src = tmp_path / "people.csv"
    _peer(4).to_csv(src, index=False, sep="\t")
    assert main(["solve", str(src), "--sep", ";", "--id", "employee_id"]) == 2
    assert "check --sep" in _error_line(capsys)


@pytest.mark.parametrize("text, words", [
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("id,department\n", "has a header (2 columns) but no rows"),
    ("id,department,department\na,x,y\n", "two columns named 'department'"),
    ("id,department\na,x\nb,x,y,z\n", "Expected 2 fields in line 3, saw 4"),
])
def test_empty_and_broken_files_get_one_line(tmp_path, capsys, never_solve, text, words):
    src = tmp_path / "people.csv"
    src.write_text(text)
    assert main(["solve", str(src), "--size", "2"]) == 2
    assert words in _error_line(capsys)


def test_a_missing_file_or_column_is_said_in_flag_words(tmp_path, capsys, never_solve):
    assert main(["solve", str(tmp_path / "nobody.csv")]) == 2
    assert "No such file or directory" in _error_line(capsys)
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src)]) == 2
    assert "--id id: people.csv has no column 'id'" in _error_line(capsys)
    assert main(["solve", str(src), "--id", "employee_id", "--diversity", "country"]) == 2
    line = _error_line(capsys)
    assert "--diversity country" in line and "Roster.from_frame" not in line
    assert main(["solve", str(src), "--id", "employee_id", "--diversity", "site",
                 "--numeric", "tenure"]) == 2
    assert "--numeric tenure" in _error_line(capsys)


# -- outputs ----------------------------------------------------------------------------------

def test_a_missing_output_folder_is_refused_before_anything_is_solved(tmp_path, capsys,
                                                                       never_solve):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--id", "employee_id", "--size", "4",
                 "--out", str(tmp_path / "no" / "such" / "groups.csv")]) == 2
    line = _error_line(capsys)
    assert "does not exist" in line and "nothing was solved" in line
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name, words", [("groups.html", "must end in"),
                                         ("sub", "is a folder")])
def test_other_unusable_outputs_are_refused_before_solving(tmp_path, capsys, never_solve,
                                                          name, words):
    (tmp_path / "sub").mkdir()
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--id", "employee_id", "--out", str(tmp_path / name)]) == 2
    assert words in _error_line(capsys)


def test_report_output_folder_is_checked_first(tmp_path, capsys, never_solve):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["report", str(src), "--id", "employee_id",
                 "--out", str(tmp_path / "no" / "r.html")]) == 2
    assert "does not exist" in _error_line(capsys)


def test_the_id_column_keeps_its_name_and_reads_back(tmp_path, capsys, no_report):
    src, out = tmp_path / "people.csv", tmp_path / "groups.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--id", "employee_id", "--size", "4",
                 "--diversity", "site", "--time-limit", "1", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table.columns[0] == "employee_id" and "id" not in table.columns
    assert sorted(table["employee_id"]) == sorted(_peer()["employee_id"])
    capsys.readouterr()
    assert main(["report", str(src), "--id", "employee_id", "--size", "4",
                 "--diversity", "site", "--assignments", str(out),
                 "--out", str(tmp_path / "r.html")]) == 0
    assert "0 hard-rule violations" in capsys.readouterr().out


def test_ids_survive_as_written_through_solve_and_report(tmp_path, capsys, no_report):
    ids = ["007", "-17", "=1", "+44", "@bob", "1.0", "1", "p7"]
    src, out = tmp_path / "people.csv", tmp_path / "groups.csv"
    _peer().assign(employee_id=ids).to_csv(src, index=False)
    assert main(["solve", str(src), "--id", "employee_id", "--size", "4",
                 "--diversity", "site", "--time-limit", "1", "--out", str(out)]) == 0
    import groupmatch as gm

    back = gm.read_assignments(out, id="employee_id")
    assert sorted(back["employee_id"]) == sorted(ids)
    capsys.readouterr()
    assert main(["report", str(src), "--id", "employee_id", "--size", "4",
                 "--diversity", "site", "--assignments", str(out),
                 "--out", str(tmp_path / "r.html")]) == 0
    assert "0 hard-rule violations" in capsys.readouterr().out


# -- diversity flags --------------------------------------------------------------------------

def test_diversity_takes_weights_and_repeats(tmp_path, capsys, specs):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--id", "employee_id", "--size", "4",
                 "--diversity", "gender:3,site", "--diversity", "department:0.5",
                 "--time-limit", "1"]) == 0
    terms = specs[0][1].terms
    assert [(t.label, t.weight) for t in terms] == [
        ("diversity[gender]", 3.0), ("diversity[site]", 1.0), ("diversity[department]", 0.5)]


@pytest.mark.parametrize("value", ["gender:x", "gender:0", "gender:-1", ":2", "gender:inf"])
def test_bad_weights_are_one_line(tmp_path, capsys, value):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--diversity", value]) == 2
    line = _error_line(capsys)
    assert "--diversity" in line and "COLUMN:WEIGHT" in line


def test_a_column_named_twice_is_refused(tmp_path, capsys, never_solve):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), "--id", "employee_id", "--diversity", "site:2,site"]) == 2
    assert "'site' twice" in _error_line(capsys)


@pytest.mark.parametrize("flags", [["--time-limit", "inf"], ["--time-limit", "nan"],
                                   ["--time-limit", "0"], ["--workers", "0"],
                                   ["--seed", "-1"], ["--size", "four"]])
def test_bad_numbers_on_the_command_line_are_one_line(tmp_path, capsys, flags):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False)
    assert main(["solve", str(src), *flags]) == 2
    assert flags[0] in _error_line(capsys)


# -- role modes (issue 13) --------------------------------------------------------------------

def test_facilitated_mode_takes_any_diversity_column(tmp_path, capsys, specs):
    src = tmp_path / "people.csv"
    _facilitated().to_csv(src, index=False)
    assert main(["solve", str(src), "--mode", "facilitated", "--size", "3",
                 "--diversity", "country:2", "--time-limit", "1"]) == 0
    roster, spec = specs[0]
    assert "country" in roster.categorical
    assert ("diversity[country]", 2.0) in [(t.label, t.weight) for t in spec.terms]
    assert "groups: 2" in capsys.readouterr().out


def test_team_mode_accepts_the_same_flags_with_a_note(tmp_path, capsys, specs):
    src = tmp_path / "people.csv"
    people = _facilitated()
    people["team"] = ["T0", "T0", "T1", "T1", "T1", "T2", "T2", "T2"]
    people.to_csv(src, index=False)
    assert main(["solve", str(src), "--mode", "team", "--diversity", "country",
                 "--time-limit", "1"]) == 0
    err = capsys.readouterr().err
    assert "--diversity has no effect in --mode team" in err and "error" not in err
    assert "country" in specs[0][0].categorical  # read and checked all the same


@pytest.mark.parametrize("mode, drop, flag", [("facilitated", "needs", "--needs"),
                                              ("facilitated", "expertise", "--expertise"),
                                              ("team", "team", "--team")])
def test_role_modes_name_missing_columns_in_flag_words(tmp_path, capsys, never_solve, mode,
                                                       drop, flag):
    src = tmp_path / "people.csv"
    people = _facilitated()
    people["team"] = "T1"
    people.drop(columns=[drop]).to_csv(src, index=False)
    assert main(["solve", str(src), "--mode", mode]) == 2
    line = _error_line(capsys)
    assert f"has no column {drop!r}; name yours with {flag} COLUMN" in line
    assert "Roster.from_frame" not in line


def test_role_columns_can_be_named(tmp_path, capsys, specs):
    src = tmp_path / "people.csv"
    _facilitated().rename(columns={"needs": "wants", "expertise": "skills"}).to_csv(
        src, index=False)
    assert main(["solve", str(src), "--mode", "facilitated", "--size", "3", "--needs", "wants",
                 "--expertise", "skills", "--time-limit", "1"]) == 0
    assert "placed: 6 mentees; not placed: 0" in capsys.readouterr().out


@pytest.mark.parametrize("people, words", [
    (_facilitated(can_lead=False), "no facilitator has it"),  # nobody can facilitate
    (_facilitated(needs=""), "mentees"),                        # nobody needs a topic
])
def test_facilitated_mode_without_groups_exits_1_with_the_reason(tmp_path, capsys, people,
                                                                  words):
    src, out = tmp_path / "people.csv", tmp_path / "groups.csv"
    people.to_csv(src, index=False)
    code = main(["solve", str(src), "--mode", "facilitated", "--size", "3",
                 "--diversity", "country", "--time-limit", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("groupmatch: ") and words in last
    assert "time_limit" not in err and "gm." not in err  # command-line words, not the API's
    assert not out.exists()


# -- programme files --------------------------------------------------------------------------

def _programme(tmp_path, body, people=None):
    (people if people is not None else _peer()).to_csv(tmp_path / "people.csv", index=False)
    path = tmp_path / "prog.toml"
    path.write_text('[roster]\nfile = "people.csv"\nid = "employee_id"\ncategorical = ["site"]\n'
                    '[mode]\nsize = 4\n' + body)
    return path


@pytest.mark.parametrize("body, words", [
    ("[solve]\ntime_limit = inf\n", "time_limit must be a finite number"),
    ("[solve]\ntime_limit = nan\n", "time_limit must be a finite number"),
    ('[solve]\ndeterministic = "false"\n', "deterministic must be true or false"),
    ("[solve]\ndeterministic = 1\n", "deterministic must be true or false"),
    ("[solve]\nworkers = 0\n", "workers"),
    ('[output]\ncsv = "g.csv"\nhtml = "g.html"\n', "[output] does not take ['html']; it takes csv"),
    ("[output]\ncsv = 3\n", "[output] csv must be a path"),
    ('[output]\ncsv = "missing/g.csv"\n', "does not exist"),
    ('[roster\n', "not valid TOML"),
])
def test_bad_programme_files_are_one_line_before_solving(tmp_path, capsys, never_solve, body,
                                                         words):
    path = _programme(tmp_path, body)
    assert main(["solve", "--programme", str(path)]) == 2
    assert words in _error_line(capsys)


def test_programme_roster_encoding_and_sep(tmp_path, capsys, no_report):
    people = tmp_path / "people.csv"
    _peer().to_csv(people, index=False, sep=";", encoding="latin-1")
    path = tmp_path / "prog.toml"
    text = ('[roster]\nfile = "people.csv"\nid = "employee_id"\ncategorical = ["department"]\n'
            '[mode]\nsize = 4\n[[terms]]\ntype = "Diversity"\ncolumn = "department"\n'
            '[solve]\ntime_limit = 1\n[output]\ncsv = "groups.csv"\n')
    path.write_text(text)
    assert main(["solve", "--programme", str(path)]) == 2
    assert 'encoding = "latin-1" in [roster]' in _error_line(capsys)
    path.write_text(text.replace('id = "employee_id"',
                                 'id = "employee_id"\nencoding = "latin-1"\nsep = ";"'))
    assert main(["solve", "--programme", str(path)]) == 0
    assert pd.read_csv(tmp_path / "groups.csv").columns[0] == "employee_id"


def test_problem_flags_with_a_programme_are_refused(tmp_path, capsys, never_solve):
    path = _programme(tmp_path, "")
    assert main(["solve", "--programme", str(path), "--size", "3", "--diversity", "site"]) == 2
    line = _error_line(capsys)
    assert "--size, --diversity cannot be combined with --programme" in line


# -- the real entry point ---------------------------------------------------------------------

def test_the_installed_command_answers_a_latin1_file_with_one_line(tmp_path):
    src = tmp_path / "people.csv"
    _peer().to_csv(src, index=False, encoding="latin-1")
    run = subprocess.run([sys.executable, "-m", "groupmatch.cli", "solve", str(src),
                          "--id", "employee_id"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("groupmatch: error: ")
    assert "--encoding latin-1" in run.stderr and run.stdout == ""
