"""The backtest's bar path: bar-only batches reach on_bar straight from C++ (no Batch view per bar), with the
live dispatcher's guarantees kept: the agents see the same bars and make the same trades as through on_batch,
a raising on_bar stops only its agent, and each delivered bar is an object of its own."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import shandian as sd
from shandian.backtest import prepare


def write_bars(path: Path, n: int, seed: int = 5) -> Path:
    """n rb2505 1m bars (a seeded walk on the 1.0 tick grid) from 09:00 of 2025-01-02, bar CSV schema."""
    rng = random.Random(seed)
    rows, close, t = [], 3500.0, dt.datetime(2025, 1, 2, 9, 0)
    for i in range(n):
        o = close
        close = o + rng.randint(-3, 3)
        rows.append(f"rb2505,{t + dt.timedelta(minutes=i)},{o},{max(o, close) + rng.randint(0, 2)},"
                    f"{min(o, close) - rng.randint(0, 2)},{close},{rng.randint(10, 99)}")
    header = "symbol,datetime,open_price,high_price,low_price,close_price,volume"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


class Recorder(sd.Agent):
    """Keeps every bar and trades on a three-bar momentum rule, so bars and fills can be compared."""

    def on_start(self) -> None:
        self.subscribe_bars("rb2505", "1m")
        self.kept: list[Any] = []
        self.fills: list[tuple[int, str, float, int]] = []

    def on_bar(self, bar: sd.Bar) -> None:
        self.kept.append(bar)
        if len(self.kept) >= 3:
            a, b, c = (x.close for x in self.kept[-3:])
            if a < b < c and self.position("rb2505").long == 0:
                self.buy("rb2505", c + 2, 1)
            elif a > b > c and self.position("rb2505").long > 0:
                self.sell("rb2505", c - 2, 1)

    def on_trade(self, trade: sd.Trade) -> None:
        self.fills.append((len(self.kept), trade.direction, trade.price, trade.volume))


class FailsAtFive(sd.Agent):
    """Raises in its 5th on_bar."""

    def on_start(self) -> None:
        self.subscribe_bars("rb2505", "1m")
        self.n = 0

    def on_bar(self, bar: sd.Bar) -> None:
        self.n += 1
        if self.n == 5:
            raise ValueError("boom")


def run(path: Path, agents: list[sd.Agent], direct: bool = True) -> Any:
    cfg = {"backtest": {"mode": "bar", "bar_interval": "1m", "slippage_ticks": 1,
                        "data": [{"kind": "bars_csv", "path": str(path)}]}}
    engine = prepare(cfg, agents=agents)
    engine.direct_bars = direct
    engine.run()
    return engine


def fields(bar: Any) -> tuple[Any, ...]:
    return (bar.symbol, bar.interval, bar.trading_day, bar.start_ms, bar.end_ms, bar.open, bar.high,
            bar.low, bar.close, bar.volume, bar.turnover, bar.open_interest, bar.tick_count, bar.filled,
            bar.subscribers)


def test_backtest_bar_path_when_direct_agents_get_same_bars_and_trades_as_on_batch(tmp_path: Path) -> None:
    path = write_bars(tmp_path / "bars.csv", 200)
    direct, batched = Recorder("rec", {}), Recorder("rec", {})
    e_direct, e_batched = run(path, [direct], True), run(path, [batched], False)
    assert len(direct.kept) == 200
    assert [fields(b) for b in direct.kept] == [fields(b) for b in batched.kept]
    assert direct.fills and direct.fills == batched.fills
    assert repr(e_direct.trade_rows) == repr(e_batched.trade_rows)
    assert e_direct._batches < e_batched._batches  # the bars did bypass on_batch


def test_backtest_bar_path_when_one_agent_raises_in_on_bar_only_it_stops(tmp_path: Path) -> None:
    failing, recording = FailsAtFive("failing", {}), Recorder("recording", {})
    engine = run(write_bars(tmp_path / "bars.csv", 40), [failing, recording])
    assert failing.n == 5
    assert len(recording.kept) == 40
    failed = engine._states[failing].failed
    assert failed is not None and "ValueError in on_bar: boom" in failed


def test_backtest_bar_path_when_agent_keeps_bars_each_is_its_own_object(tmp_path: Path) -> None:
    agent = Recorder("rec", {})
    run(write_bars(tmp_path / "bars.csv", 30), [agent])
    assert len({id(b) for b in agent.kept}) == 30
    assert [b.start_ms for b in agent.kept] == sorted({b.start_ms for b in agent.kept})
