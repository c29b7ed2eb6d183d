"""Every benchmark script runs in smoke mode, so benchmarks cannot rot."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _run(script: str, *args: str) -> str:
    out = subprocess.run([sys.executable, str(BENCH / script), "--smoke", *args],
                         capture_output=True, text=True, timeout=300, cwd=BENCH)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_scale_smoke():
    assert "pct_of_bound" in _run("scale.py")


@pytest.mark.skipif(not (SHARED / "mdgp").exists(), reason="../shared/data/mdgp not present")
def test_mdgp_smoke(tmp_path):
    out = _run("mdgp.py", "--out", str(tmp_path / "m.csv"), "--save-assignments",
               str(tmp_path / "a"))
    assert "RanInt_n010_ss_01" in out
    assert (tmp_path / "m.csv").exists()
    assert len((tmp_path / "a" / "RanInt_n010_ss_01.txt").read_text().split()) == 10


@pytest.mark.skipif(not (SHARED / "employees").exists(), reason="../shared/data not present")
def test_hr_attrition_smoke():
    assert "pct_of_bound" in _run("hr_attrition.py")


@pytest.mark.skipif(not (SHARED / "employees").exists(), reason="../shared/data not present")
def test_peers_smoke():
    assert "groupmatch" in _run("peers.py")


def test_many_smoke():
    out = _run("many.py")
    assert "throughput_x" in out and "pool" in out
