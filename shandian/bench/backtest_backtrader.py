"""backtrader on the backtest scenario's 1-minute bars: the dual-SMA baseline's side.

The strategy is the logic of the scenario's dual-MA agent (shandian/bench/backtest.py) on backtrader's own
SMA indicators, deciding in `next()`: a limit buy at close + offset when fast > slow and flat, a limit sell
at close - offset when fast < slow and long. The bars reach Cerebro through a small feed over plain lists
built before the clock starts (backtrader's date numbers included); `cerebro.run()` is timed, with
runonce=False (indicators updated bar by bar, the event mode) or runonce=True (its vectorised default).
Observers are off (stdstats=False): less work per bar than a default Cerebro, so the baseline is flattered.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import backtrader as bt

from shandian.bench.backtest_baselines import FAST_WINDOW, PRICE_OFFSET, SLOW_WINDOW

if TYPE_CHECKING:
    from shandian.backtest.data import BarChunk

_TZ = dt.timezone(dt.timedelta(hours=8))  # exchange time (China has no daylight saving)


@dataclass
class BarLists:
    """Bars as backtrader's line values: date numbers (bar start, exchange time) and OHLCV."""

    datenum: list[float]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]

    def __len__(self) -> int:
        return len(self.datenum)


class ListFeed(bt.feed.DataBase):
    """A feed over BarLists: one `_load` per bar, as backtrader's own feeds do."""

    params = (("bars", None), ("timeframe", bt.TimeFrame.Minutes), ("compression", 1))

    def start(self) -> None:
        """Rewind to the first bar."""
        super().start()
        self._next = 0

    def _load(self) -> bool:
        bars: BarLists = self.p.bars
        i = self._next
        if i >= len(bars):
            return False
        self._next = i + 1
        lines = self.lines
        lines.datetime[0] = bars.datenum[i]
        lines.open[0], lines.high[0] = bars.open[i], bars.high[i]
        lines.low[0], lines.close[0] = bars.low[i], bars.close[i]
        lines.volume[0], lines.openinterest[0] = bars.volume[i], 0.0
        return True


class DualMaNext(bt.Strategy):
    """Dual SMA deciding in next(): one lot long while fast > slow; counts bars, orders and fills."""

    def __init__(self) -> None:
        self.fast = bt.indicators.SimpleMovingAverage(self.data.close, period=FAST_WINDOW)
        self.slow = bt.indicators.SimpleMovingAverage(self.data.close, period=SLOW_WINDOW)
        self.bars = self.orders = self.fills = 0

    def prenext(self) -> None:
        """Count a bar that comes before the slow SMA has its window (no decision, as on the other sides)."""
        self.bars += 1

    def next(self) -> None:
        """Decide on this bar's close."""
        self.bars += 1
        fast, slow, close = self.fast[0], self.slow[0], self.data.close[0]
        size = self.position.size
        if fast > slow and size == 0:
            self.buy(price=close + PRICE_OFFSET, size=1, exectype=bt.Order.Limit)
            self.orders += 1
        elif fast < slow and size > 0:
            self.sell(price=close - PRICE_OFFSET, size=1, exectype=bt.Order.Limit)
            self.orders += 1

    def notify_order(self, order: Any) -> None:
        """Count fills."""
        if order.status == order.Completed:
            self.fills += 1


def bar_objects(chunks: Iterator[BarChunk]) -> BarLists:
    """Return the bars of the chunks as BarLists (date numbers from each bar's start, exchange time)."""
    out = BarLists([], [], [], [], [], [])
    for c in chunks:
        out.datenum.extend(bt.date2num(dt.datetime.fromtimestamp(int(ms) / 1000, tz=_TZ).replace(tzinfo=None))
                           for ms in c.start_ms)
        out.open.extend(c.open.tolist())
        out.high.extend(c.high.tolist())
        out.low.extend(c.low.tolist())
        out.close.extend(c.close.tolist())
        out.volume.extend(c.volume.astype(float).tolist())
    return out


def run(mode: str, bars: BarLists) -> dict[str, Any]:
    """Replay BARS through Cerebro (MODE 'next': runonce=False; 'runonce'): wall seconds, orders, fills."""
    cerebro = bt.Cerebro(runonce=mode == "runonce", preload=True, stdstats=False)
    cerebro.broker.setcash(1e9)  # never short of cash: every order is the strategy's, none a broker refusal
    cerebro.adddata(ListFeed(bars=bars))
    cerebro.addstrategy(DualMaNext)
    t0 = time.perf_counter()
    strategy = cerebro.run()[0]
    wall = time.perf_counter() - t0
    if strategy.bars != len(bars):
        raise RuntimeError(f"backtrader's strategy saw {strategy.bars} of {len(bars)} bars")
    return {"events": len(bars), "wall_s": wall, "orders": strategy.orders, "trades": strategy.fills}
