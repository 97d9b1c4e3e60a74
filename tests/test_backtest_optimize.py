"""`shandian optimize` end to end: sweeps of real backtests (shandian.backtest.runner) on generated ticks.

One short trading day per point; the same table from one process and from two worker processes.
"""

from __future__ import annotations

import csv

import pytest
import sweep_probe

from shandian import cli
from shandian.backtest.sweep import sweep


@pytest.fixture
def config(tmp_path):
    return sweep_probe.breakout_config(tmp_path)


def test_sweep_when_real_backtests_jobs_1_and_jobs_2_same_table_and_trades(config):
    one = sweep(config, ["window=5,10", "lots=1,2"], objective="net_pnl", jobs=1)
    two = sweep(config, ["window=5,10", "lots=1,2"], objective="net_pnl", jobs=2)
    assert one.rows == two.rows and len(one.rows) == 4
    assert all(row["error"] == "" and row["trade_count"] > 0 for row in one.rows)
    # the four points trade differently: distinct trade lists
    assert len({row["trades_sha256"] for row in one.rows}) == 4


def test_optimize_cli_when_a_point_is_refused_by_the_agent_its_row_says_why(config, tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    assert cli.main(["optimize", str(config), "--param", "breakout.window=1,10", "--objective", "trade_count",
                     "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "2 points (1 failed) on 1 process" in printed.out and "window: 1 must be >= 2" in printed.err
    rows = list(csv.DictReader(out.open()))
    assert [(r["rank"], r["breakout.window"]) for r in rows] == [("1", "10"), ("2", "1")]
    assert int(rows[0]["trade_count"]) > 0 and rows[0]["error"] == "" and "must be >= 2" in rows[1]["error"]
