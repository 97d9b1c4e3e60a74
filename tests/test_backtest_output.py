"""Backtest files and report (shandian.backtest.output / plot): CSV, Parquet, equity PNG, text table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shandian.backtest.output import format_report, write_records, write_result
from shandian.backtest.result import DAILY_DTYPE, TRADE_DTYPE, build_result

MULT = {"rb2505": 10.0}


def result(two_agents=False):
    trades = np.array([
        (1000, 20250102, "a", "rb2505", "buy", "open", 3500.0, 2, 1.5, 1, "T1"),
        (2000, 20250103, "a", "rb2505", "sell", "close_yesterday", 3512.5, 2, 1.5, 2, "T2"),
    ], dtype=TRADE_DTYPE)
    # a: day 1 unrealized 0, fees 1.5, net -1.5; day 2 realized (3512.5-3500)×2×10 = 250, fees 1.5, net 248.5
    rows = [(20250102, "a", 0.0, 0.0, 1.5, 70000.0, 1, -1.5, 0.0),
            (20250103, "a", 250.0, 0.0, 1.5, 70250.0, 1, 248.5, 0.0)]
    if two_agents:
        rows += [(20250102, "b", 0.0, 0.0, 0.0, 0.0, 0, -100.0, 0.0),
                 (20250103, "b", 0.0, 0.0, 0.0, 0.0, 0, 30.0, 0.0)]
    return build_result(trades, np.array(rows, DAILY_DTYPE), capital=10_000.0, meta={"seed": 7},
                        multipliers=MULT)


def test_write_records_when_csv_floats_are_exact_reprs_one_line_per_row(tmp_path):
    path = write_records(result().trades, tmp_path / "trades.csv")
    assert path.read_text().splitlines() == [
        "time_ms,trading_day,agent,symbol,direction,offset,price,volume,fee,order_id,trade_id",
        "1000,20250102,a,rb2505,buy,open,3500.0,2,1.5,1,T1",
        "2000,20250103,a,rb2505,sell,close_yesterday,3512.5,2,1.5,2,T2",
    ]


def test_write_records_when_csv_written_twice_bytes_identical(tmp_path):
    a = write_records(result(True).daily, tmp_path / "a.csv").read_bytes()
    b = write_records(result(True).daily, tmp_path / "b.csv").read_bytes()
    assert a == b and a.count(b"\n") == 5


def test_write_records_when_parquet_reads_back_the_same_columns(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is in the test extra")
    r = result()
    table = pq.read_table(write_records(r.daily, tmp_path / "daily.parquet", "parquet"))
    assert table.column_names == list(DAILY_DTYPE.names)
    assert table.column("net_pnl").to_pylist() == [-1.5, 248.5]
    assert table.column("agent").to_pylist() == ["a", "a"]
    assert table.column("trading_day").to_pylist() == [20250102, 20250103]


def test_write_records_when_format_unknown_raises_listing_formats(tmp_path):
    with pytest.raises(ValueError, match="'xlsx' must be one of csv, parquet"):
        write_records(result().trades, tmp_path / "t.xlsx", "xlsx")


def test_write_result_when_plot_on_writes_tables_and_png(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is in the test extra")
    paths = write_result(result(True), tmp_path / "out")
    assert [p.name for p in paths] == ["trades.csv", "daily.csv", "equity.csv", "round_trips.csv",
                                       "equity.png"]
    png = (tmp_path / "out" / "equity.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert (tmp_path / "out" / "round_trips.csv").read_text().splitlines()[1].endswith(
        ",2,3500.0,3512.5,250.0,3.0,247.0")


def test_format_report_when_one_agent_prints_a_single_column_of_every_stat():
    text = format_report(result(), meta_keys=("seed",))
    lines = text.splitlines()
    assert lines[0].split() == ["a"]
    assert "net PnL" in text and lines[2].split()[-1] == "247.00"  # -1.5 + 248.5
    assert any(line.split()[:2] == ["win", "rate"] and line.endswith("100.00%") for line in lines)
    assert any(line.startswith("profit factor") and line.endswith("inf") for line in lines)
    assert lines[-1] == "seed: 7"


def test_format_report_when_two_agents_prints_total_and_each_agent():
    r = result(True)
    lines = format_report(r).splitlines()
    assert lines[0].split() == ["total", "a", "b"]
    # total -101.5 + 278.5 = 177; a 247; b -70
    assert lines[2].split()[-3:] == ["177.00", "247.00", "-70.00"]
    assert not math.isnan(r.stats["sharpe"])
