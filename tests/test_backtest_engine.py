"""Backtest engine (cpp/backtest + shandian/backtest): unchanged agents on the generator and a tick CSV, in
one thread on event time, deterministic; latency, queue and fee models; timers in event time."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

import shandian as sd
from shandian.backtest import prepare
from shandian.bench.ticks import INSTRUMENTS, make_stream, write_csv
from shandian.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
TEN_MINUTES = {"kind": "generator", "instruments": ["rb"], "days": 1, "max_ticks": 1200}  # 500 ms snapshots


def config(**backtest: Any) -> dict[str, Any]:
    data = backtest.pop("data", [{"kind": "generator", "instruments": ["rb"], "seed": 42, "days": 2,
                                  "max_ticks": 3000}])
    breakout = str(ROOT / "agents/breakout.py") + ":Breakout"
    agents = backtest.pop("agents", [{"name": "breakout", "class": breakout,
                                      "symbols": ["rb2505"], "params": {"window": 10, "lots": 1,
                                                                          "cooldown_ticks": 2}}])
    return {"backtest": {"start": "2025-01-02", "capital": 1_000_000.0, "seed": 7, "data": data, **backtest},
            "agents": agents}


def run(cfg: dict[str, Any], agents: list[sd.Agent] | None = None) -> Any:
    engine = prepare(cfg, agents=agents)
    engine.run()
    return engine


def test_backtest_when_breakout_runs_on_generator_trades_and_daily_rows_recorded() -> None:
    engine = run(config())
    trades = engine.trade_rows
    assert len(trades) >= 2
    assert all(row[2] == "breakout" and row[3] == "rb2505" for row in trades)
    assert all(row[8] > 0 for row in trades)  # the bundled commission is charged on every fill
    assert [row[0] for row in trades] == sorted(row[0] for row in trades)
    assert [(row[0], row[1]) for row in engine.daily_rows] == [(20250102, "breakout"), (20250103, "breakout")]
    assert engine.counters["ticks"] == 6000 and engine.counters["days"] == 2


def test_backtest_when_run_twice_trades_and_daily_rows_identical() -> None:
    cfg = config(latency={"order_ms": 3, "report_ms": 2.0, "jitter": "normal", "jitter_ms": 1.0})
    first = run(cfg)
    second = run(cfg)
    assert repr(first.trade_rows).encode() == repr(second.trade_rows).encode()
    assert repr(first.daily_rows).encode() == repr(second.daily_rows).encode()
    assert first.trade_rows


def test_backtest_when_latency_seed_changes_fill_times_change() -> None:
    base = {"order_ms": 0, "report_ms": 50.0, "jitter": "uniform", "jitter_ms": 40.0}
    a = run(config(latency=base, seed=1)).trade_rows
    b = run(config(latency=base, seed=2)).trade_rows
    assert a and b and [r[0] for r in a] != [r[0] for r in b]


class Clocked(sd.Agent):
    """Counts its timer firings and keeps the event times they carry."""

    params: ClassVar[dict[str, Any]] = {}

    def on_start(self) -> None:
        self.fired: list[int] = []
        self.add_timer(10.0)

    def on_timer(self, now_ns: int) -> None:
        self.fired.append(now_ns)


def test_backtest_when_timer_every_10s_fires_on_event_time() -> None:
    agent = Clocked("clock", {})
    engine = prepare(config(data=[TEN_MINUTES]), agents=[agent])
    engine.run()
    # 1200 snapshots 500 ms apart: 600 s of exchange time, a timer every 10 s of it, whatever the wall took
    assert 55 <= len(agent.fired) <= 61
    gaps = [b - a for a, b in zip(agent.fired, agent.fired[1:], strict=False)]
    assert all(9_000_000_000 <= g <= 11_000_000_000 for g in gaps)  # at the first snapshot past the due time


class BarCounter(sd.Agent):
    """Counts the 1m bars the engine builds in C++ for it."""

    params: ClassVar[dict[str, Any]] = {}

    def on_start(self) -> None:
        self.bars = 0
        self.subscribe_bars("rb2505", "1m")

    def on_bar(self, bar: sd.Bar) -> None:
        self.bars += 1


def test_backtest_when_bar_agent_subscribes_1m_bars_on_bar_called_per_minute() -> None:
    agent = BarCounter("bars", {})
    engine = prepare(config(data=[TEN_MINUTES]), agents=[agent])
    engine.run()
    assert 9 <= agent.bars <= 10  # 10 minutes of ticks: the last bar closes at the data's end or not


def test_backtest_when_dual_ma_config_agent_trades_on_bars() -> None:
    agents = [{"name": "dual-ma", "class": str(ROOT / "agents/bar_cta.py") + ":DualMA",
               "bars": {"rb2505": ["1m"]}, "params": {"fast": 2, "slow": 4, "lots": 1}}]
    engine = run(config(agents=agents, data=[{"kind": "generator", "instruments": ["rb"], "days": 1}]))
    assert engine.trade_rows


def test_backtest_when_csv_source_replayed_breakout_fills_on_file_prices(tmp_path: Path) -> None:
    stream = make_stream(13, len(INSTRUMENTS) * 720, delta_ms=500, per_step=len(INSTRUMENTS))
    path = write_csv([t for t in stream if t.instrument == "rb2505"], tmp_path / "rb.csv")
    engine = run(config(data=[{"kind": "csv", "path": str(path)}]))
    prices = {p for t in stream if t.instrument == "rb2505" for p in (t.last_price, *t.bid, *t.ask)}
    assert engine.trade_rows
    assert all(row[6] in prices for row in engine.trade_rows)
    assert engine.counters["ticks"] == 720


def test_backtest_when_rates_csv_doubles_fee_fees_double(tmp_path: Path) -> None:
    base = run(config())
    rates = tmp_path / "rates.csv"
    rates.write_text("key,open_by_volume,close_by_volume,close_today_by_volume,open_by_money,close_by_money,"
                     "close_today_by_money\nrb,10,10,10,0,0,0\n")
    over = run(config(instruments_csv=str(rates)))
    assert [r[:8] for r in over.trade_rows] == [r[:8] for r in base.trade_rows]
    assert all(r[8] == pytest.approx(10.0 * r[7]) for r in over.trade_rows)


def test_backtest_when_rates_csv_has_unknown_column_config_error_names_it(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("key,fee\nrb,1\n")
    with pytest.raises(ConfigError, match="fee"):
        prepare(config(instruments_csv=str(rates)))


def test_backtest_when_queue_optimistic_resting_orders_fill_no_later() -> None:
    agents = [{"name": "quoter", "class": str(ROOT / "agents/quoter.py") + ":Quoter", "symbols": ["rb2505"],
               "params": {"lots": 1, "edge_ticks": 0, "max_inventory": 3, "requote_ticks": 2}}]
    conservative = run(config(agents=agents, queue="conservative")).trade_rows
    optimistic = run(config(agents=agents, queue="optimistic")).trade_rows
    assert len(optimistic) > len(conservative)


def test_backtest_when_latency_key_unknown_config_error_names_key() -> None:
    with pytest.raises(ConfigError, match=r"backtest\.latency\.delay"):
        prepare(config(latency={"delay": 1}))


def test_sd_backtest_when_run_twice_trades_and_stats_byte_identical() -> None:
    cfg = config(latency={"order_ms": 2, "report_ms": 1.0, "jitter": "uniform", "jitter_ms": 0.5})
    first = sd.backtest(cfg)
    second = sd.backtest(cfg)
    assert len(first.trades) > 0
    assert first.trades.tobytes() == second.trades.tobytes()
    assert first.daily.tobytes() == second.daily.tobytes()
    assert repr(sorted(first.stats.items())).encode() == repr(sorted(second.stats.items())).encode()
    assert first.stats["trade_count"] == len(first.trades)


def test_sd_backtest_when_params_override_agent_param_changes_trading() -> None:
    base = sd.backtest(config())
    wider = sd.backtest(config(), params={"breakout": {"window": 80}})
    assert wider.meta["params"]["breakout"]["window"] == 80
    assert len(wider.trades) != len(base.trades)


def test_backtest_cli_when_example_config_run_prints_report_and_writes_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shandian.cli import main

    assert main(["backtest", str(ROOT / "examples/backtest.toml"), "--out", str(tmp_path), "--quiet",
                 "--no-plot", "--end", "2025-01-03"]) == 0
    out = capsys.readouterr().out
    assert "Sharpe" in out and "breakout-rb" in out and "dual-ma-rb" in out
    assert (tmp_path / "trades.csv").read_text().count("\n") > 1
    assert (tmp_path / "daily.csv").read_text().count("\n") == 1 + 2 * 2  # header + 2 days x 2 agents


def test_backtest_cli_when_market_maker_example_runs_a_day_reports_activity_within_cancel_budget(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shandian.cli import main

    assert main(["backtest", str(ROOT / "examples/market_maker_backtest.toml"), "--out", str(tmp_path),
                 "--quiet", "--no-plot"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.startswith("mm-rb: orders"))
    counts = dict(part.rsplit(" ", 1) for part in line.split(": ", 1)[1].split(", "))
    assert int(counts["fills"].replace(",", "")) > 0  # it quoted and traded over the generated day
    assert int(counts["cancels"].replace(",", "")) <= 480  # the SHFE preset's daily cancels per contract
    assert counts["refused"] == "0"  # no self-trade or cancel-limit refusal
    assert int(counts["max position"]) <= 4  # its hard_limit
