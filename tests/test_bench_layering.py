"""Benchmarks and test probes stay out of the runtime: shandian._core holds none of them, runtime modules
never import the bench package, and the bench package's own modules import each other without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import shandian
from shandian import _bench, _core

PACKAGE = Path(shandian.__file__).resolve().parent
# `shandian bench ...` hands its arguments to the harness: the one runtime module allowed to import it.
BENCH_ENTRY_POINTS = {"shandian.cli"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every shandian module PATH imports, at any depth (function-level imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*submodule.split("."))).with_suffix(".py").exists() or (
                    PACKAGE.parent / Path(*submodule.split(".")) / "__init__.py").exists()
                found.add(submodule if is_module or alias.name in ("_core", "_bench") else node.module)
    return {name for name in found if name == "shandian" or name.startswith("shandian.")}


def _graph(paths: list[Path]) -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in paths}


def test_core_extension_when_inspected_exposes_no_benchmark_or_test_probe():
    moved = {name for name in dir(_bench) if not name.startswith("_")}
    assert {"OrderLab", "LedgerProbe", "bench_ring_throughput", "bench_risk_check"} <= moved
    assert not [name for name in dir(_core) if name.startswith("bench_") or name in moved]
    binary = Path(_core.__file__).read_bytes()
    assert not [name for name in sorted(moved) if name.encode() in binary], "_core still carries their code"


def test_bench_probes_when_given_core_types_share_them_with_the_core_extension():
    probe = _bench.LedgerProbe(10, "SHFE")
    probe.book(_core.Direction.BUY, _core.Offset.OPEN, 3000.0, 2)
    view = probe.view
    assert isinstance(view, _core.PositionView)
    assert view.long_today == 2


def test_runtime_modules_when_parsed_import_neither_the_bench_package_nor_its_extension():
    runtime = [p for p in PACKAGE.rglob("*.py") if "bench" not in p.relative_to(PACKAGE).parts]
    offenders = {
        module: sorted(name for name in imported if name.startswith(("shandian.bench", "shandian._bench")))
        for module, imported in _graph(runtime).items() if module not in BENCH_ENTRY_POINTS
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_bench_package_when_its_imports_are_walked_has_no_cycle():
    graph = _graph(sorted((PACKAGE / "bench").glob("*.py")))
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if target not in graph:
                continue
            if state.get(target) == "open":
                return [*path, module, target]
            if target not in state and (cycle := visit(target, [*path, module])):
                return cycle
        state[module] = "done"
        return None

    cycles = [cycle for module in sorted(graph) if module not in state and (cycle := visit(module, []))]
    assert cycles == []
