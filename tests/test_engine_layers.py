"""The agent ↔ engine boundary: agent.py (and the port it acts through) never import the engine, not even
for type checking, and the engine modules never reach into an agent's `_state` (they hand it over once,
through `Agent._attach`, and keep their own reference)."""

from __future__ import annotations

import ast
from pathlib import Path

import shandian

PACKAGE = Path(shandian.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (TYPE_CHECKING blocks and functions included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{alias.name}" for alias in node.names}
    return out


def test_agent_when_its_modules_are_read_they_never_import_the_engine() -> None:
    for name in ("agent.py", "port.py"):
        engine = sorted(m for m in imported_modules(PACKAGE / name) if m.startswith("shandian.engine"))
        assert not engine, f"{name} imports {engine}"


def test_engine_when_its_modules_are_read_they_never_touch_an_agents_state() -> None:
    modules = sorted((PACKAGE / "engine").glob("*.py"))
    assert {p.stem for p in modules} >= {"core", "dispatch", "actions", "control", "recovery", "reporting"}
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "_state":
                raise AssertionError(f"{path.name}:{node.lineno} reads or writes an agent's _state")
