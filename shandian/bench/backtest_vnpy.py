"""vn.py's CTA `BacktestingEngine` (vnpy_ctastrategy) on the backtest scenario's data: the baseline's side.

Two strategies written against vn.py's `CtaTemplate`, each the logic of one shandian bench agent
(shandian/bench/backtest.py): a limit order every 100 ticks in tick mode, and a dual SMA over 1-minute
bars in bar mode through vn.py's `ArrayManager` (its TA-Lib SMAs). The ticks and bars are built as vn.py
`TickData` / `BarData` objects before the clock starts and handed to the engine as its `history_data` (what
`load_data` would read from its database); only `run_backtesting()` is timed. Importing this module needs
vn.py, vnpy_ctastrategy and TA-Lib: shandian/bench/backtest_baselines.py checks that first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.object import BarData, TickData
from vnpy.trader.utility import ArrayManager
from vnpy_ctastrategy.backtesting import BacktestingEngine, BacktestingMode
from vnpy_ctastrategy.template import CtaTemplate

from shandian.bench.backtest_baselines import (
    FAST_WINDOW,
    ORDER_EVERY,
    POSITION_CAP,
    PRICE_OFFSET,
    SLOW_WINDOW,
    SYMBOL,
)

if TYPE_CHECKING:
    from shandian.backtest.data import BarChunk, TickChunk

EXCHANGE = Exchange.SHFE
SIZE, PRICETICK = 10, 1.0  # rb: 10 t a lot, 1 yuan price tick (the bundled instrument table)


class EveryHundredTicks(CtaTemplate):
    """A limit order every 100 ticks: cancel the working one, buy at the bid below the cap, else sell."""

    def on_init(self) -> None:
        """Reset the tick counter (vn.py calls this before replaying)."""
        self.n = 0
        self.working: str | None = None

    def on_tick(self, tick: TickData) -> None:
        """Count ticks; every ORDER_EVERY-th replaces the working order."""
        self.n += 1
        if self.n % ORDER_EVERY:
            return
        if self.working is not None:
            self.cancel_order(self.working)
        ids = self.buy(tick.bid_price_1, 1) if self.pos < POSITION_CAP else self.sell(tick.ask_price_1, 1)
        self.working = ids[0] if ids else None


class DualMaBars(CtaTemplate):
    """Dual SMA over 1-minute bars via ArrayManager + TA-Lib: one lot long while fast > slow."""

    def on_init(self) -> None:
        """Make an ArrayManager as long as the slow window, so both sides start trading on the same bar."""
        self.am = ArrayManager(SLOW_WINDOW)
        self.bars = 0

    def on_bar(self, bar: BarData) -> None:
        """Update the SMAs; enter at close + offset on a cross up, leave at close - offset on a cross down."""
        self.bars += 1
        am = self.am
        am.update_bar(bar)
        if not am.inited:
            return
        fast, slow = am.sma(FAST_WINDOW), am.sma(SLOW_WINDOW)
        if fast > slow and self.pos == 0:
            self.buy(bar.close_price + PRICE_OFFSET, 1)
        elif fast < slow and self.pos > 0:
            self.sell(bar.close_price - PRICE_OFFSET, 1)


_TZ = dt.timezone(dt.timedelta(hours=8))  # exchange time (China has no daylight saving)


def _local(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=_TZ)


def tick_objects(chunks: Iterator[TickChunk]) -> list[TickData]:
    """Return vn.py TickData, one per tick of the chunks (the engine's `history_data` in tick mode)."""
    out: list[TickData] = []
    for c in chunks:
        columns = zip(c.time_ms.tolist(), c.volume.tolist(), c.turnover.tolist(), c.open_interest.tolist(),
                      c.last_price.tolist(), c.upper_limit.tolist(), c.lower_limit.tolist(),
                      c.bid_price_1.tolist(), c.ask_price_1.tolist(), c.bid_volume_1.tolist(),
                      c.ask_volume_1.tolist(), strict=True)
        for ms, vol, turnover, oi, last, up, down, bid, ask, bid_vol, ask_vol in columns:
            out.append(TickData(
                symbol=SYMBOL, exchange=EXCHANGE, datetime=_local(ms), gateway_name="BACKTESTING",
                volume=float(vol), turnover=turnover, open_interest=oi, last_price=last, limit_up=up,
                limit_down=down, bid_price_1=bid, ask_price_1=ask, bid_volume_1=float(bid_vol),
                ask_volume_1=float(ask_vol)))
    return out


def bar_objects(chunks: Iterator[BarChunk]) -> list[BarData]:
    """Return vn.py BarData (1m, stamped with the bar's start as vn.py does), one per bar of the chunks."""
    out: list[BarData] = []
    for c in chunks:
        columns = zip(c.start_ms.tolist(), c.volume.tolist(), c.open.tolist(), c.high.tolist(),
                      c.low.tolist(), c.close.tolist(), strict=True)
        for ms, vol, open_, high, low, close in columns:
            out.append(BarData(
                symbol=SYMBOL, exchange=EXCHANGE, datetime=_local(ms), interval=Interval.MINUTE,
                gateway_name="BACKTESTING", volume=float(vol), open_price=open_, high_price=high,
                low_price=low, close_price=close))
    return out


def run(mode: str, data: list[Any]) -> dict[str, Any]:
    """Replay DATA (tick or bar objects) through vn.py's BacktestingEngine: wall seconds, orders, trades."""
    engine = BacktestingEngine()
    log: list[str] = []
    engine.output = log.append  # kept, not printed: its progress lines would be printed in the timed loop
    tick_mode = mode == "tick"
    engine.set_parameters(
        vt_symbol=f"{SYMBOL}.{EXCHANGE.value}", interval=Interval.TICK if tick_mode else Interval.MINUTE,
        start=data[0].datetime, end=data[-1].datetime, rate=0.0, slippage=0.0, size=SIZE, pricetick=PRICETICK,
        capital=1_000_000, mode=BacktestingMode.TICK if tick_mode else BacktestingMode.BAR)
    engine.add_strategy(EveryHundredTicks if tick_mode else DualMaBars, {})
    engine.history_data = data
    t0 = time.perf_counter()
    engine.run_backtesting()
    wall = time.perf_counter() - t0
    # run_backtesting() catches a strategy's exception, logs it and returns: a partial replay is no result.
    seen = engine.strategy.n if tick_mode else engine.strategy.bars
    if seen != len(data):
        raise RuntimeError(f"vn.py replayed {seen} of {len(data)} {mode}s: " + " | ".join(log[-3:]))
    return {"events": len(data), "wall_s": wall, "orders": len(engine.limit_orders),
            "trades": len(engine.trades)}
