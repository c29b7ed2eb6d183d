"""Programme files (TOML) and the CLI that runs them and writes reports (issue 6)."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

import groupmatch as gm
from groupmatch.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer_programme.toml"


def _write(tmp_path, text):
    path = tmp_path / "programme.toml"
    path.write_text(text)
    return path


def test_example_programme_builds_what_it_says():
    prog = gm.load_programme(EXAMPLE)
    assert prog.roster.n == 300 and prog.roster.sensitive == ("gender",)
    assert isinstance(prog.spec, gm.PeerGroups) and prog.spec.size == (4, 6)
    assert [t.label for t in prog.spec.terms] == [
        "diversity[department]", "diversity[site]", "diversity[level]", "diversity[gender]",
        "diversity[tenure_years]", "shared[needs]", "NotWithManager"]
    assert prog.spec.terms[4].weight == 0.125
    assert prog.solve_options == {"time_limit": 5, "random_state": 0, "deterministic": True}
    assert prog.csv == EXAMPLE.parent / "groups.csv"
    assert prog.report == EXAMPLE.parent / "groups.html"


def test_a_programme_run_repeats_exactly(tmp_path):
    prog = gm.load_programme(EXAMPLE)
    first = prog.solve(time_limit=0.5)
    again = gm.load_programme(EXAMPLE).solve(time_limit=0.5)
    assert first.objective == again.objective
    assert first.assignments["group"].tolist() == again.assignments["group"].tolist()


def test_roster_file_is_relative_to_the_programme(tmp_path):
    gm.datasets.make_organization(24, random_state=1).to_csv(tmp_path / "people.csv",
                                                              index=False)
    path = _write(tmp_path, """
[roster]
file = "people.csv"
categorical = ["department"]
[mode]
kind = "peer"
size = 4
[[terms]]
type = "Diversity"
column = "department"
[[terms]]
type = "CannotGroup"
pairs = [["E00001", "E00002"]]
""")
    prog = gm.load_programme(path)
    assert prog.roster.n == 24 and prog.spec.terms[1].pairs == (("E00001", "E00002"),)
    grouping = prog.solve(time_limit=1)
    assert gm.check(prog.roster, prog.spec, grouping) == []


@pytest.mark.parametrize("text, message", [
    ('[roster]\ndataset = "sample"\n[mode]\nkind = "triads"\n', "kind must be one of"),
    ('[roster]\ndataset = "sample"\n[[terms]]\ntype = "open"\n', "not a groupmatch term"),
    ('[roster]\ndataset = "sample"\n[[terms]]\ntype = "Diversity"\ncolum = "site"\n',
     "term Diversity"),
    ('[roster]\nfile = "missing.csv"\n', "does not exist"),
    ('[roster]\ndataset = "sample"\n[solve]\nseed = 3\n', "does not take"),
    ('[roster]\ndataset = "sample"\n[extra]\n', "unknown key"),
    ('[roster\n', "not valid TOML"),
    ('[roster]\ndataset = "sample"\n[solve]\ntime_limit = inf\n', "finite number of seconds"),
    ('[roster]\ndataset = "sample"\n[solve]\ndeterministic = "false"\n', "true or false"),
    ('[roster]\ndataset = "sample"\n[solve]\ndeterministic = 1\n', "true or false"),
    ('[roster]\ndataset = "sample"\n[output]\nhtml = "r.html"\n',
     r"\[output\] does not take \['html'\]; it takes csv"),
    ('[roster]\ndataset = "sample"\nencoding = 1\n', "must be text in quotes"),
    ('[roster]\nfile = 3\n', "must be a path in quotes"),
])
def test_bad_programmes_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(gm.InputError, match=message):
        gm.load_programme(_write(tmp_path, text))


def test_role_modes_map_by_name(tmp_path, monkeypatch):
    path = _write(tmp_path, '[roster]\ndataset = "sample"\n[mode]\nkind = "team"\nsize = 2\n')
    monkeypatch.delattr(gm.modes, "TeamMentoring", raising=False)  # the mode registry
    with pytest.raises(gm.InputError, match="needs gm.TeamMentoring"):
        gm.load_programme(path)
    seen = {}

    class FakeTeams:
        def __init__(self, **params):
            seen.update(params)

    monkeypatch.setattr(gm.modes, "TeamMentoring", FakeTeams, raising=False)
    gm.load_programme(path)
    assert seen == {"terms": [], "size": 2}


def test_cli_solve_programme_writes_csv_and_report(tmp_path, capsys):
    prog = tmp_path / "peer_programme.toml"
    shutil.copy(EXAMPLE, prog)
    assert main(["solve", "--programme", str(prog), "--time-limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "groups.csv" in out and "groups.html" in out
    table = pd.read_csv(tmp_path / "groups.csv")
    assert len(table) == 300 and "gender" not in table.columns
    html = (tmp_path / "groups.html").read_text()
    assert html.count("data:image/png;base64,") >= 5 and "All hard rules hold." in html


def test_cli_report_on_an_existing_assignment(tmp_path, capsys):
    people = tmp_path / "people.csv"
    pd.DataFrame({"id": [f"p{i}" for i in range(8)], "department": list("aabbccdd"),
                  "name": ['=HYPERLINK("x")'] + [f"n{i}" for i in range(7)]}).to_csv(
        people, index=False)
    groups = tmp_path / "groups.csv"
    pd.DataFrame({"id": [f"p{i}" for i in range(8)], "group": list("xxxxyyyy")}).to_csv(
        groups, index=False)
    out = tmp_path / "report.html"
    code = main(["report", str(people), "--size", "4", "--diversity", "department",
                 "--assignments", str(groups), "--out", str(out)])
    assert code == 0
    assert "objective 8" in capsys.readouterr().out  # 2 groups x (6 pairs - 2 same-department)
    html = out.read_text()
    assert "&quot;x&quot;" in html or "=HYPERLINK(&quot;x&quot;)" in html  # escaped, inert


def test_cli_needs_a_csv_or_a_programme(capsys):
    assert main(["solve"]) == 2
    assert "--programme" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(gm, "FacilitatedGroups"), reason="role modes not in this build")
def test_facilitated_programme_builds_the_mode(tmp_path):
    path = _write(tmp_path, """
[roster]
dataset = "sample"
[mode]
kind = "facilitated"
size = [3, 8]
facilitators = [1, 2]
topics = ["python", "negotiation"]
[[terms]]
type = "Diversity"
column = "department"
""")
    spec = gm.load_programme(path).spec
    assert isinstance(spec, gm.FacilitatedGroups)
    assert spec.size == (3, 8) and spec.facilitators == (1, 2)
    assert tuple(spec.topics) == ("python", "negotiation")


def test_programme_reads_the_roster_file_with_its_encoding_and_sep(tmp_path):
    pd.DataFrame({"id": ["a", "b", "c", "d"], "site": ["Köln", "Graz", "Köln", "Graz"]}).to_csv(
        tmp_path / "people.csv", index=False, sep=";", encoding="latin-1")
    text = '[roster]\nfile = "people.csv"\ncategorical = ["site"]\n'
    with pytest.raises(gm.InputError, match='encoding = "latin-1" in \\[roster\\]'):
        gm.load_programme(_write(tmp_path, text))
    prog = gm.load_programme(_write(tmp_path, text + 'encoding = "latin-1"\nsep = ";"\n'))
    assert prog.roster.n == 4 and set(prog.roster.frame["site"]) == {"Köln", "Graz"}
