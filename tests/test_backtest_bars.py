"""Bar-input backtests (cpp/backtest/bar_feed.cpp, shandian/backtest/bars.py): fill rules on hand-made bars,
fees, an unchanged bar agent (agents/bar_cta.py's DualMA) on generated 1m bars, determinism, bad bars."""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path
from typing import Any, ClassVar

import pytest

import shandian as sd
from shandian.backtest import prepare
from shandian.errors import BacktestDataError

ROOT = Path(__file__).resolve().parent.parent
NINE = dt.datetime(2025, 1, 2, 9, 0, 0)  # trading day 20250102 (a Thursday); rb2505 ticks 1.0


def write_bars(path: Path, bars: list[tuple[float, float, float, float]], volume: int = 10,
               start: dt.datetime = NINE) -> Path:
    """A bar CSV (docs/backtest.md schema) of rb2505 1m bars from 09:00; rows: (open, high, low, close)."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["symbol", "datetime", "open_price", "high_price", "low_price", "close_price", "volume"])
        for i, (o, h, lo, c) in enumerate(bars):
            w.writerow(["rb2505", str(start + dt.timedelta(minutes=i)), o, h, lo, c, volume])
    return path


def config(path: Path, agents: list[dict[str, Any]] | None = None, **backtest: Any) -> dict[str, Any]:
    return {"backtest": {"mode": "bar", "bar_interval": "1m", "slippage_ticks": 0, "capital": 1_000_000.0,
                         "data": [{"kind": "bars_csv", "path": str(path)}], **backtest},
            "agents": agents or []}


class Scripted(sd.Agent):
    """Sends params['orders'] ({bar number: (buy | short | sell, price, volume, kind)}) after that bar."""

    symbols: ClassVar[tuple[str, ...]] = ("rb2505",)
    params: ClassVar[dict[str, Any]] = {"orders": {}}

    def on_start(self) -> None:
        self.subscribe_bars("rb2505", "1m")
        self.seen = 0
        self.fills: list[tuple[int, str, float, int]] = []  # (bar count when booked, side, price, volume)

    def on_bar(self, bar: sd.Bar) -> None:
        self.seen += 1
        order = self.params["orders"].get(self.seen)
        if order is not None:
            side, price, volume, kind = order
            send = {"buy": self.buy, "short": self.short, "sell": self.sell}[side]
            send(bar.symbol, price, volume, kind=kind)

    def on_trade(self, trade: sd.Trade) -> None:
        self.fills.append((self.seen, trade.direction, trade.price, trade.volume))


def run_scripted(tmp_path: Path, bars: list[tuple[float, float, float, float]], orders: dict[int, Any],
                 **backtest: Any) -> tuple[Scripted, Any]:
    agent = Scripted(name="scripted", params={"orders": orders})
    engine = prepare(config(write_bars(tmp_path / "bars.csv", bars), **backtest), agents=[agent])
    engine.run()
    return agent, engine


FLAT = (3500.0, 3502.0, 3498.0, 3500.0)


def test_bar_limit_buy_when_a_later_bar_trades_through_fills_at_the_limit(tmp_path: Path) -> None:
    agent, engine = run_scripted(tmp_path, [FLAT, FLAT, (3500.0, 3501.0, 3494.0, 3497.0), FLAT],
                                 {1: ("buy", 3496.0, 1, "limit")})
    assert agent.fills == [(2, "buy", 3496.0, 1)]  # booked while bar 3 (low 3494 < 3496) is replayed
    assert engine.trade_rows[0][6:8] == (3496.0, 1)


def test_bar_limit_buy_when_the_low_only_touches_rests_unless_optimistic(tmp_path: Path) -> None:
    bars = [FLAT, (3500.0, 3501.0, 3496.0, 3499.0), FLAT]
    conservative, _ = run_scripted(tmp_path, bars, {1: ("buy", 3496.0, 1, "limit")})
    assert conservative.fills == []
    optimistic, _ = run_scripted(tmp_path, bars, {1: ("buy", 3496.0, 1, "limit")}, queue="optimistic")
    assert optimistic.fills == [(1, "buy", 3496.0, 1)]


def test_bar_limit_buy_when_the_next_open_is_through_fills_at_the_open(tmp_path: Path) -> None:
    agent, _ = run_scripted(tmp_path, [FLAT, (3490.0, 3492.0, 3488.0, 3491.0), FLAT],
                            {1: ("buy", 3495.0, 1, "limit")})
    assert agent.fills == [(1, "buy", 3490.0, 1)]


def test_bar_sell_limit_when_the_high_trades_through_fills_at_the_limit(tmp_path: Path) -> None:
    agent, _ = run_scripted(tmp_path, [FLAT, (3500.0, 3507.0, 3499.0, 3501.0), FLAT],
                            {1: ("short", 3505.0, 2, "limit")})
    assert agent.fills == [(1, "sell", 3505.0, 2)]


def test_bar_fak_when_sent_fills_at_the_next_open_plus_slippage(tmp_path: Path) -> None:
    bars = [FLAT, (3510.0, 3512.0, 3508.0, 3511.0), FLAT]
    buy, _ = run_scripted(tmp_path, bars, {1: ("buy", 3600.0, 1, "fak")}, slippage_ticks=2)
    assert buy.fills == [(1, "buy", 3512.0, 1)]  # open 3510 + 2 ticks of 1.0
    sell, _ = run_scripted(tmp_path, bars, {1: ("short", 3400.0, 1, "market")}, slippage_ticks=2)
    assert sell.fills == [(1, "sell", 3508.0, 1)]


def test_bar_fak_when_its_limit_is_short_of_the_next_open_is_cancelled(tmp_path: Path) -> None:
    agent, engine = run_scripted(tmp_path, [FLAT, (3510.0, 3512.0, 3490.0, 3511.0), FLAT],
                                 {1: ("buy", 3500.0, 1, "fak")})
    assert agent.fills == [] and engine.trade_rows == []


def test_bar_fills_when_booked_charge_the_configured_commission(tmp_path: Path) -> None:
    rates = tmp_path / "fees.csv"
    rates.write_text("key,open_by_money,open_by_volume,close_by_money,close_by_volume,"
                     "close_today_by_money,close_today_by_volume\nrb,0.0001,2.0,0.0002,3.0,0.0002,3.0\n")
    _, engine = run_scripted(tmp_path, [FLAT, FLAT, (3500.0, 3510.0, 3499.0, 3505.0), FLAT],
                             {1: ("buy", 3600.0, 1, "fak"), 2: ("sell", 3506.0, 1, "limit")},
                             instruments_csv=str(rates))
    opened, closed = engine.trade_rows
    assert (opened[4], opened[6], closed[4], closed[6]) == ("buy", 3500.0, "sell", 3506.0)
    assert math.isclose(opened[8], 3500.0 * 10 * 1e-4 + 2.0)  # rb: 10 t a lot
    assert math.isclose(closed[8], 3506.0 * 10 * 2e-4 + 3.0)  # the close rates


def random_walk_bars(n: int, seed: int) -> list[tuple[float, float, float, float]]:
    rng = random.Random(seed)
    price = 3500.0
    out = []
    for _ in range(n):
        o = price
        c = o + rng.choice((-3, -2, -1, 0, 1, 2, 3)) + (2 if (len(out) // 60) % 2 else -2)
        out.append((o, max(o, c) + rng.randint(0, 2), min(o, c) - rng.randint(0, 2), c))
        price = c
    return out


def dual_ma_config(path: Path) -> dict[str, Any]:
    agent = {"name": "dual-ma", "class": str(ROOT / "agents/bar_cta.py") + ":DualMA",
             "bars": {"rb2505": ["1m"]}, "params": {"fast": 5, "slow": 20, "lots": 1}}
    return config(path, agents=[agent], slippage_ticks=1)


def test_dual_ma_when_run_on_generated_1m_bars_trades_and_reruns_identically(tmp_path: Path) -> None:
    path = write_bars(tmp_path / "bars.csv", random_walk_bars(225, seed=3))  # 09:00-12:45, one day
    runs = []
    for _ in range(2):
        engine = prepare(dual_ma_config(path))
        engine.run()
        runs.append((repr(engine.trade_rows), repr(engine.daily_rows)))
        assert len(engine.trade_rows) >= 4
        assert all(row[2] == "dual-ma" and row[8] > 0 for row in engine.trade_rows)
    assert runs[0] == runs[1]


def test_bar_data_when_high_is_below_low_raises_naming_file_row_and_field(tmp_path: Path) -> None:
    path = write_bars(tmp_path / "bad.csv", [FLAT, FLAT, (3500.0, 3495.0, 3498.0, 3497.0)])
    with pytest.raises(BacktestDataError) as info:
        prepare(config(path), agents=[Scripted(name="s")]).run()
    assert info.value.row == 3 and info.value.field == "high"
    assert "bad.csv" in str(info.value)


class Recording(Scripted):
    """Scripted, keeping every bar it gets and the closes history() shows at each."""

    def on_start(self) -> None:
        super().on_start()
        self.bars: list[sd.Bar] = []
        self.history_closes: list[list[float]] = []

    def on_bar(self, bar: sd.Bar) -> None:
        self.bars.append(bar)
        self.history_closes.append(list(self.history(bar.symbol, "1m", 3).close))
        if self.seen == 2:  # after the third bar: a FAK well inside the risk band
            self.params["orders"][3] = ("buy", bar.close + 20.0, 1, "fak")
        super().on_bar(bar)


def test_bars_from_tick_csv_when_fak_sent_fills_at_next_open_and_history_has_bars(tmp_path: Path) -> None:
    from shandian.bench.ticks import INSTRUMENTS, make_stream
    from shandian.bench.ticks import write_csv as write_ticks

    stream = make_stream(13, len(INSTRUMENTS) * 720 * 2, delta_ms=500, per_step=len(INSTRUMENTS))
    path = write_ticks([t for t in stream if t.instrument == "rb2505"], tmp_path / "rb.csv")
    agent = Recording(name="rec")
    cfg = {"backtest": {"mode": "bar", "slippage_ticks": 1, "start": "2025-01-02",
                        "data": [{"kind": "csv", "path": str(path)}]}}
    prepare(cfg, agents=[agent]).run()
    assert len(agent.bars) >= 5 and all(b.interval == "1m" for b in agent.bars)
    assert agent.fills == [(3, "buy", agent.bars[3].open + 1.0, 1)]
    assert agent.history_closes[4] == [b.close for b in agent.bars[2:5]]


def test_bar_position_when_held_overnight_is_marked_at_each_days_last_close(tmp_path: Path) -> None:
    path = tmp_path / "two_days.csv"
    write_bars(path, [FLAT, FLAT, (3500.0, 3504.0, 3499.0, 3503.0)])
    second = [(3503.0, 3510.0, 3502.0, 3508.0), (3500.0, 3507.0, 3498.0, 3506.0)]
    day_two = write_bars(tmp_path / "d2.csv", second, start=NINE + dt.timedelta(days=1))
    with path.open("a") as f:
        f.writelines(day_two.read_text().splitlines(keepends=True)[1:])
    agent = Scripted(name="scripted", params={"orders": {1: ("buy", 3600.0, 1, "fak")}})
    engine = prepare(config(path), agents=[agent])
    engine.run()
    assert agent.fills == [(1, "buy", 3500.0, 1)]
    days = [(row[0], row[3]) for row in engine.daily_rows]  # (trading day, unrealized PnL)
    assert days == [(20250102, (3503.0 - 3500.0) * 10), (20250103, (3506.0 - 3500.0) * 10)]
