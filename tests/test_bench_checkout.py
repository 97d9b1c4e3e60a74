"""The harness run from a directory holding shandian's source tree measures the installed package.

The installation here is a plain (non-editable) one: a fresh venv whose site-packages holds the package
with its compiled extension, laid out as a wheel installs it, and a `shandian` console script as pip
writes it. The working directory holds the source tree (no `_core`) and the repository's `bench/`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import run_in

from shandian.bench.scenarios import REGISTRY, Result

TIMEOUT_S = 240


def _ring_status(cmd: list[str], cwd: Path, out: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = run_in(cwd, *cmd, "ring", "--quick", "--no-png", "--json", out, timeout=TIMEOUT_S)
    doc = json.loads(out.read_text()) if out.exists() else {"results": []}
    return proc, {r["name"]: r for r in doc["results"]}


def test_python_m_bench_when_run_from_a_source_tree_measures_the_installed_shandian(installed_shandian,
                                                                                  source_checkout):
    proc, results = _ring_status([str(installed_shandian.python), "-m", "bench"], source_checkout,
                                  source_checkout / "run.json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert results["ring"]["status"] == "ok", results["ring"]["reason"]
    assert str(source_checkout) not in json.dumps(results["ring"]["params"])


def test_shandian_bench_when_run_from_a_source_tree_measures_the_installed_shandian(installed_shandian,
                                                                                   source_checkout):
    proc, results = _ring_status([str(installed_shandian.script), "bench"], source_checkout,
                                 source_checkout / "run.json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert results["ring"]["status"] == "ok", results["ring"]["reason"]


def test_bench_when_a_shandian_scenario_cannot_run_exits_non_zero_naming_it(installed_shandian, tmp_path):
    # an interpreter where the benchmarks' extension does not import: the scenario is reported, the exit is 1
    package = installed_shandian.package
    for built in package.glob("_bench*.so"):
        built.rename(built.with_name(built.name + ".hidden"))
    try:
        proc, results = _ring_status([str(installed_shandian.python), "-P", "-m", "shandian.bench"], tmp_path,
                                     tmp_path / "run.json")
    finally:
        for hidden in package.glob("_bench*.so.hidden"):
            hidden.rename(hidden.with_name(hidden.name.removesuffix(".hidden")))
    assert results["ring"]["status"] == "unavailable"
    assert proc.returncode == 1
    assert "ring could not run" in proc.stderr and "shandian._bench does not import" in proc.stderr


def test_exit_status_when_only_an_optional_baseline_is_unavailable_is_zero():
    from shandian.bench import exit_status

    optional = next((s for s in REGISTRY.values() if s.optional), None)
    assert optional is not None, "the vn.py CTP gateway baseline is registered as optional"
    ok = Result("ring", "t", "ok")
    assert exit_status([ok, Result(optional.name, optional.title, "unavailable", "not built")]) == 0
    assert exit_status([ok, Result("tick_agent", "t", "unavailable", "no engine")]) == 1
    assert exit_status([ok, Result("ring", "t", "error", "boom")]) == 1
