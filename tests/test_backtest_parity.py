"""Parity: one agent on one tick file as a backtest and against the local front (speed=0, CSV source) gets
the same fills, in a scenario where order timing cannot change them (docs/backtest.md lists what differs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import shandian as sd
from shandian.backtest import prepare
from shandian.bench.ticks import INSTRUMENTS, make_stream, write_csv
from shandian.testing import run_local

SYMBOL = "rb2505"


class RestingPair(sd.Agent):
    """Rests a buy below and a sell above the market before any tick; stops the run once both filled.

    The orders rest before the data starts (the local front's feed waits for the first md subscription,
    made after them), at prices outside the range of the file's first ticks and inside its whole range:
    the market reaches them only long after, and with the optimistic queue a trade at or through the price
    fills the whole order at its price, so how fast either side replays cannot change the fills.
    """

    params: ClassVar[dict[str, Any]] = {"buy_at": 0.0, "sell_at": 0.0, "lots": 2}

    def on_start(self) -> None:
        self.fills: list[tuple[str, str, float, int]] = []
        self.buy(SYMBOL, self.params["buy_at"], self.params["lots"])
        self.short(SYMBOL, self.params["sell_at"], self.params["lots"])
        self.subscribe(SYMBOL)

    def on_trade(self, trade: sd.Trade) -> None:
        self.fills.append((trade.direction, trade.offset, trade.price, trade.volume))
        if sum(f[3] for f in self.fills) == 2 * self.params["lots"]:
            self._engine.stop("both orders filled")


def test_backtest_when_same_file_as_local_front_fills_identical(tmp_path: Path) -> None:
    stream = [t for t in make_stream(13, len(INSTRUMENTS) * 720, delta_ms=500, per_step=len(INSTRUMENTS))
              if t.instrument == SYMBOL]
    path = write_csv(stream, tmp_path / "rb.csv")
    prices = [t.last_price for t in stream]
    early = prices[: len(prices) // 5]
    buy_at, sell_at = min(early) - 3, max(early) + 1  # 3397 / 3414: first reached after the early ticks
    assert min(prices) <= buy_at and max(prices) >= sell_at
    params = {"buy_at": buy_at, "sell_at": sell_at, "lots": 2}

    live = RestingPair("pair", params)
    run_local([(live, [])], duration=30, speed=0, source=f"csv:{path}",
              queue_model="optimistic")
    backtest = RestingPair("pair", params)
    engine = prepare({"backtest": {"queue": "optimistic", "data": [{"kind": "csv", "path": str(path)}]}},
                     agents=[backtest])
    engine.run()

    assert sorted(live.fills) == sorted(backtest.fills)
    assert sum(f[3] for f in backtest.fills) == 4
    assert sorted((r[4], r[5], r[6], r[7]) for r in engine.trade_rows) == sorted(
        (d, o, p, v) for d, o, p, v in backtest.fills)
