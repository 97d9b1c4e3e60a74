"""A sweep on a local Ray instance gives the same table as one process and a process pool.

The instance is small (2 CPUs, no dashboard, a 100 MB object store) and shut down at the end of the module.
Ray workers import tests/sweep_probe.py by name: this directory goes on their PYTHONPATH.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sweep_probe

from shandian.backtest.sweep import evaluate_points, sweep

ray = pytest.importorskip("ray", reason="ray is in the test extra (pip install '.[test]')")

PROBE = Path(sweep_probe.__file__).resolve()


@pytest.fixture(scope="module")
def local_ray():
    path = os.pathsep.join(p for p in (str(PROBE.parent), os.environ.get("PYTHONPATH", "")) if p)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield
    ray.shutdown()


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(f'[[agents]]\nname = "probe"\nclass = "{PROBE}:Probe"\n')
    return path


def probe_sweep(config, **kw):
    return sweep(config, ["window=20:80:20", "lots=1,2,99"], objective="sortino",
                 evaluate=sweep_probe.evaluate_probe, **kw)


def test_sweep_when_run_on_local_ray_table_and_csv_identical_to_jobs_1_and_2(local_ray, config, tmp_path):
    on_ray = probe_sweep(config, ray_address="auto")  # the instance this module started
    one, two = probe_sweep(config, jobs=1), probe_sweep(config, jobs=2)
    assert len(on_ray.rows) == 12 and sum(1 for r in on_ray.rows if r["error"]) == 4  # lots 99 fails
    assert on_ray.rows == one.rows == two.rows
    csvs = {t.write_csv(tmp_path / f"{i}.csv").read_bytes() for i, t in enumerate((on_ray, one, two))}
    assert len(csvs) == 1


def test_evaluate_points_when_on_ray_points_run_in_ray_workers_not_here(local_ray, config):
    rows = evaluate_points(str(config), [{}] * 3, evaluate=sweep_probe.worker_pid, ray_address="auto")
    assert len(rows) == 3 and os.getpid() not in {row["pid"] for row in rows}
    assert ray.is_initialized()  # a sweep leaves an instance it did not start running


def test_sweep_when_real_backtests_on_local_ray_same_table_as_jobs_1(local_ray, tmp_path):
    config = sweep_probe.breakout_config(tmp_path)
    on_ray = sweep(config, ["window=5,10"], objective="net_pnl", ray_address="auto")
    assert on_ray.rows == sweep(config, ["window=5,10"], objective="net_pnl", jobs=1).rows
    assert all(row["error"] == "" and row["trade_count"] > 0 for row in on_ray.rows)
