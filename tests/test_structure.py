"""The package's structure stays as designed: no import cycle (counting imports inside
functions), no code that asks which mode it holds, no oversized module, no shared state
between two solves."""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

import groupmatch as gm

SRC = Path(gm.__file__).parent
MAX_LINES = 1000
MODE_NAMES = ("peer", "facilitated", "team")


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def import_graph() -> nx.DiGraph:
    """Module -> module it imports, module level and inside functions alike."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, (path, is_package) in modules.items():
        package = name.split(".") if is_package else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else [])) \
                    if node.level else node.module
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    dest = sub if sub in modules else target  # `from . import plots` is plots
                    if dest in modules and dest != name:
                        graph.add_edge(name, dest)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules and alias.name != name:
                        graph.add_edge(name, alias.name)
    return graph


def test_the_import_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert graph.has_edge("groupmatch.result", "groupmatch.exports")  # a lazy import
    assert graph.has_edge("groupmatch.htmlreport", "groupmatch.plots")  # `from . import plots`


def test_no_import_cycle():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_the_engine_never_imports_a_mode_or_the_front_door():
    graph = import_graph()
    engine = [m for m in graph if m.startswith("groupmatch.engine")]
    reached = set().union(*(nx.descendants(graph, m) for m in engine))
    assert not {m for m in reached if m.startswith("groupmatch.modes")}
    assert "groupmatch.api" not in reached


def test_no_mode_calls_the_front_door():
    graph = import_graph()
    modes = [m for m in graph if m.startswith("groupmatch.modes")]
    assert not any(graph.has_edge(m, "groupmatch.api") for m in modes)
    assert not any(graph.has_edge(m, "groupmatch") for m in modes)


def test_results_import_nothing_above_them():
    graph = import_graph()
    reached = nx.descendants(graph, "groupmatch.result")
    above = {"groupmatch.api", "groupmatch.engine", "groupmatch.modes", "groupmatch.roster"}
    assert not {m for m in reached if any(m.startswith(a) for a in above)}, reached


def _code_lines():
    for path in SRC.rglob("*.py"):
        for k, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            yield path, k, code


def test_no_code_compares_a_mode_name_or_reads_kind_with_getattr():
    names = "|".join(MODE_NAMES)
    compare = re.compile(rf"""(==|!=|\bin\b|\bis\b)\s*\(?\s*["']({names})["']"""
                         rf"""|["']({names})["']\s*(==|!=|\bin\b)""")
    dynamic = re.compile(r"""getattr\([^)]*["'](kind|mode)["']""")
    found = [f"{p.relative_to(SRC)}:{k}: {c.strip()}" for p, k, c in _code_lines()
             if compare.search(c) or dynamic.search(c)]
    assert found == []


def test_no_source_file_over_the_line_limit():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_two_solves_in_two_threads_give_what_each_gives_alone():
    def roster(n, seed):
        return gm.Roster.from_frame(gm.datasets.make_organization(n, random_state=seed))

    jobs = [
        (roster(240, 1), gm.PeerGroups(size=(4, 6), terms=[
            gm.Diversity("department"), gm.SharedNeeds(), gm.NotWithManager(),
            gm.NoIsolation("gender", tier="need")])),
        (roster(300, 2), gm.PeerGroups(size=(5, 7), terms=[
            gm.Diversity("site"), gm.Diversity("level"), gm.CommonSlot()])),
    ]
    options = dict(time_limit=1.5, deterministic=True, random_state=3)
    alone = [gm.solve(r, s, **options) for r, s in jobs]
    together: list = [None, None]

    def run(k):
        together[k] = gm.solve(*jobs[k], **options)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (r, s), a, b in zip(jobs, alone, together, strict=True):
        assert b.status.has_solution and gm.check(r, s, b) == []
        assert b.objective == gm.score(r, s, b)["total"]
        assert b.objective == a.objective
        assert np.array_equal(a.assignment_array(), b.assignment_array())
        assert b.settings.get("local_value") == a.settings.get("local_value")
    pd.testing.assert_frame_equal(alone[0].groups, together[0].groups)
