"""Public surface: every exported name exists; the README quick start runs as written."""

import re
from pathlib import Path

import groupmatch as gm

ROOT = Path(__file__).resolve().parents[1]


def test_all_names_exist():
    for name in gm.__all__:
        assert hasattr(gm, name), name


def test_readme_quick_start_runs():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```python\n(.*?)```", text, re.S)
    assert block, "README needs a '## Quick start' section with a python block"
    namespace: dict = {}
    exec(compile(block.group(1), "README quick start", "exec"), namespace)  # noqa: S102


def test_no_global_randomness_in_the_library():
    src = ROOT / "src" / "groupmatch"
    for path in src.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"np\.random\.(seed|rand|randn|randint|choice|shuffle)\(", text), path
        assert "import random\n" not in text, path
