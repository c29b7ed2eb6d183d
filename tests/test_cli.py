"""The command line: demo and solve."""

import pandas as pd

from groupmatch.cli import main


def test_demo_prints_groups(capsys):
    assert main(["demo", "--time-limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "status: feasible" in out or "status: optimal" in out
    assert "group 0" in out
    assert "hard rules: all hold" in out


def test_solve_writes_a_csv(tmp_path, capsys):
    src = tmp_path / "people.csv"
    pd.DataFrame({
        "employee_id": [f"p{i}" for i in range(12)],
        "department": list("aabbccaabbcc"),
        "site": list("xyxyxyxyxyxy"),
    }).to_csv(src, index=False)
    out = tmp_path / "groups.csv"
    code = main(["solve", str(src), "--id", "employee_id", "--size", "4",
                 "--diversity", "department,site", "--out", str(out), "--time-limit", "2"])
    assert code == 0
    result = pd.read_csv(out)
    assert sorted(result["employee_id"]) == sorted(f"p{i}" for i in range(12))  # its own name
    assert result["group"].value_counts().tolist() == [4, 4, 4]


def test_solve_reports_bad_input_cleanly(tmp_path, capsys):
    src = tmp_path / "people.csv"
    pd.DataFrame({"id": ["a", "a"], "department": ["x", "y"]}).to_csv(src, index=False)
    assert main(["solve", str(src), "--size", "2", "--diversity", "department"]) == 2
    assert "must hold unique ids" in capsys.readouterr().err


def test_progress_bar_draws_on_stderr(capsys):
    assert main(["demo", "--time-limit", "1", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "[" in err and "best" in err
