"""agents/breakout.py against the local front: acts only on breakouts, one position at a time, FAK only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import shandian as sd
from shandian.testing import run_local

_spec = importlib.util.spec_from_file_location(
    "agents_breakout", Path(__file__).resolve().parents[1] / "agents" / "breakout.py"
)
assert _spec is not None and _spec.loader is not None
breakout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(breakout)


class Recording(breakout.Breakout):
    """Records every signal with the channel it broke, and the position after each fill."""

    def on_start(self) -> None:
        super().on_start()
        self.signals_seen: list[tuple[bool, float, float, float]] = []
        self.nets: list[int] = []

    def _go(self, tick: sd.Tick, up: bool) -> None:
        self.signals_seen.append((up, tick.last_price, max(self.prices), min(self.prices)))
        super()._go(tick, up)

    def on_trade(self, trade: sd.Trade) -> None:
        self.nets.append(self.position(trade.symbol).net)
        if len(self.nets) >= 6 and self.pending is None:
            self._engine.stop("enough fills")


def test_agents_breakout_when_price_breaks_channel_trades_one_position_at_a_time() -> None:
    agent = Recording("breakout", {"window": 10, "lots": 2, "cooldown_ticks": 2})
    report, _ = run_local([(agent, ["rb2505"])], duration=60, speed=50, seed=3)
    row = report.agents[0]
    assert row.status == "ok", report.format()
    assert report.stop_reason == "enough fills", report.format()
    # Every signal was a real break of the previous window's range, in its direction.
    assert agent.signals_seen
    for up, price, high, low in agent.signals_seen:
        assert (price > high) if up else (price < low)
    # Never more than `lots` in either direction, and FAK orders leave nothing working.
    assert all(abs(n) <= 2 for n in agent.nets)
    assert not agent.working_orders
    assert row.fills >= 6 and not row.rejects


def test_agents_breakout_when_params_invalid_are_refused() -> None:
    with pytest.raises(sd.ParamError, match="window"):
        breakout.Breakout("b", {"window": 1})
    with pytest.raises(sd.ParamError, match="lots"):
        breakout.Breakout("b", {"lots": 0})
    b = breakout.Breakout("b")
    b.on_start()
    b.update_params(window=5)
    assert b.prices.maxlen == 5
