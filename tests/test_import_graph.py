"""The shandian package's modules import each other without a cycle.

The graph is read from the source (AST), so it sees every import: module level, under TYPE_CHECKING and
inside functions (a delayed import hides a cycle from Python, not from the design).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "shandian"


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Edges module → the shandian source modules it imports (extension modules have no source: left out)."""
    files = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import sub` imports the submodule; `from mod import name` the module.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            graph[name].update(t for t in targets if t in files and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one module, as one cycle through it (a → b → a)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(cycle_through(graph, set(c)) for c in components)


def cycle_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle from the component's first module back to itself (breadth-first, inside it).

    Modules of the component the cycle does not pass through are appended in brackets.
    """
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    cycle = [*paths[v], start]
                    rest = sorted(component - set(cycle))
                    return cycle + ([f"[also {', '.join(rest)}]"] if rest else [])
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"{sorted(component)} is not strongly connected")


def test_import_graph_when_modules_import_in_a_ring_reports_that_cycle(tmp_path: Path) -> None:
    """The checker itself: every kind of import counts, relative ones resolved, and a cycle is named."""
    pkg = tmp_path / "shandian"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    from shandian.b import B\n")
    (pkg / "b.py").write_text("def f():\n    from .sub import c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("import shandian.a\nfrom .. import b\n")
    (pkg / "leaf.py").write_text("import os\nfrom shandian import _core\n")
    graph = import_graph(pkg)
    assert graph["shandian.sub.c"] == {"shandian.a", "shandian.b"}
    assert graph["shandian.leaf"] == {"shandian"}  # the package itself: `_core` has no source
    assert cycles(graph) == [["shandian.a", "shandian.b", "shandian.sub.c", "shandian.a"]]


def test_shandian_imports_when_graphed_have_no_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles in shandian/:\n" + "\n".join(" → ".join(c) for c in found)
