"""The harness run from a directory holding shandian's source tree measures the installed package.

The installation here is a plain (non-editable) one: a fresh venv whose site-packages holds the package
with its compiled extension, laid out as a wheel installs it, and a `shandian` console script as pip
writes it. The working directory holds the source tree (no `_core`) and the repository's `bench/`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from shandian import _core
from shandian.bench.scenarios import REGISTRY, Result

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 240
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with shandian installed as a wheel lays it out; returns the venv's python."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    package = Path(purelib) / "shandian"
    shutil.copytree(ROOT / "shandian", package, ignore=IGNORE)
    shutil.copytree(Path(_core.__file__).resolve().parent, package, ignore=IGNORE, dirs_exist_ok=True)
    script = venv / "bin" / "shandian"
    script.write_text(f"#!{python}\nimport sys\nfrom shandian.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    assert sysconfig.get_python_version() in purelib
    return python


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A working directory holding the source tree: shandian/ without the extension, and bench/."""
    shutil.copytree(ROOT / "shandian", tmp_path / "shandian", ignore=IGNORE)
    for built in (tmp_path / "shandian").glob("_core*"):
        built.unlink()
    shutil.copytree(ROOT / "bench", tmp_path / "bench", ignore=IGNORE)
    return tmp_path


def _ring_status(cmd: list[str], cwd: Path, out: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    proc = subprocess.run([*cmd, "ring", "--quick", "--no-png", "--json", str(out)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    doc = json.loads(out.read_text()) if out.exists() else {"results": []}
    return proc, {r["name"]: r for r in doc["results"]}


def test_python_m_bench_when_run_from_a_source_tree_measures_the_installed_shandian(installed, checkout):
    proc, results = _ring_status([str(installed), "-m", "bench"], checkout, checkout / "run.json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert results["ring"]["status"] == "ok", results["ring"]["reason"]
    assert str(checkout) not in json.dumps(results["ring"]["params"])


def test_shandian_bench_when_run_from_a_source_tree_measures_the_installed_shandian(installed, checkout):
    script = installed.parent / "shandian"
    proc, results = _ring_status([str(script), "bench"], checkout, checkout / "run.json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert results["ring"]["status"] == "ok", results["ring"]["reason"]


def test_bench_when_a_shandian_scenario_cannot_run_exits_non_zero_naming_it(installed, tmp_path):
    # an interpreter where the extension does not import: the scenario is reported and the exit is 1
    package = Path(subprocess.run(
        [str(installed), "-P", "-c", "import shandian, os; print(os.path.dirname(shandian.__file__))"],
        cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip())
    for built in package.glob("_core*.so"):
        built.rename(built.with_name(built.name + ".hidden"))
    try:
        proc, results = _ring_status([str(installed), "-P", "-m", "shandian.bench"], tmp_path,
                                     tmp_path / "run.json")
    finally:
        for hidden in package.glob("_core*.so.hidden"):
            hidden.rename(hidden.with_name(hidden.name.removesuffix(".hidden")))
    assert results["ring"]["status"] == "unavailable"
    assert proc.returncode == 1
    assert "ring could not run" in proc.stderr and "_core" in proc.stderr


def test_exit_status_when_only_an_optional_baseline_is_unavailable_is_zero():
    from shandian.bench import exit_status

    optional = next((s for s in REGISTRY.values() if s.optional), None)
    assert optional is not None, "the vn.py CTP gateway baseline is registered as optional"
    ok = Result("ring", "t", "ok")
    assert exit_status([ok, Result(optional.name, optional.title, "unavailable", "not built")]) == 0
    assert exit_status([ok, Result("tick_agent", "t", "unavailable", "no engine")]) == 1
    assert exit_status([ok, Result("ring", "t", "error", "boom")]) == 1
