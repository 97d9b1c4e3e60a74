"""BacktestEngine: the live Engine (same dispatcher, agents, risk, ledgers) on the backtest gateway.

Only the gateway differs: `_core.Engine.backtest` drives the local front's matching core in-thread on the
feed's exchange time (cpp/backtest). This class adds what a backtest records: the trade list (fees from the
ledger) and one daily row per (trading day, agent) marked at the day's last price.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from shandian import _core
from shandian.backtest.config import BacktestSettings
from shandian.config import Config
from shandian.engine import Engine
from shandian.engine.codes import _NOTICE_NAMES
from shandian.names import DIRECTIONS, OFFSETS
from shandian.report import RunReport


@dataclass(frozen=True)
class Progress:
    """What the progress callback sees: the simulated day and time, ticks replayed, speed, ETA."""

    trading_day: str
    sim_time_ms: int  # exchange time (naive exchange-local clock), ms since the epoch
    ticks: int
    ticks_per_s: float
    elapsed_s: float
    days_done: int
    days_total: int | None
    eta_s: float | None


@dataclass
class _Book:
    """One (agent, instrument) position by average cost: signed lots, average price, realized PnL."""

    symbol: str = ""
    multiplier: int = 1
    lots: int = 0
    avg: float = 0.0
    realized: float = 0.0  # of the current trading day, gross
    fees: float = 0.0
    turnover: float = 0.0
    trades: int = 0


class BacktestEngine(Engine):
    """An Engine whose gateway is the in-thread backtest replay; records trades and daily rows."""

    direct_bars = True  # bar-only batches straight from C++ to on_bar (False: through on_batch, as live)

    def __init__(self, config: Config, settings: BacktestSettings, front: dict[str, Any], *,
                 rates: list[dict[str, Any]] | None = None,
                 progress: Callable[[Progress], None] | None = None, out: TextIO | None = None,
                 chunks: Any = None, core_options: dict[str, Any] | None = None) -> None:
        super().__init__(config, out=out, config_name="<backtest>")
        self.settings = settings
        self._front = front
        self.chunks = chunks  # a TickStream (shandian.backtest.data) when the data is not the front's source
        self._rates = rates or []
        self._core_options = core_options or {}  # bar-input mode's bars / bar_interval / slippage_ticks
        self._progress = progress
        self._trade_rows: list[tuple[Any, ...]] = []
        self._daily_rows: list[tuple[Any, ...]] = []
        self._books: dict[tuple[int, int], _Book] = {}
        self._commission_seen: dict[tuple[int, int], float] = {}
        self._day = ""
        self._days_done = 0
        self._wall0 = 0.0
        self._next_report = 0.0
        self._balances: dict[str, float] = {}
        self._last_unrealized: dict[str, float] = {}

    # ---- the gateway and the clock ------------------------------------------------------------------
    def _make_core(self) -> Any:
        lat = self.settings.latency
        return _core.Engine.backtest(
            self._front, order_ms=lat.order_ms, report_ms=lat.report_ms, jitter=lat.jitter,
            jitter_ms=lat.jitter_ms, latency_seed=self.settings.seed, rates=self._rates,
            max_events_per_batch=self.config.engine.max_events_per_batch,
            bar_history=self.config.engine.bar_history, chunks=self.chunks, **self._core_options)

    def _build(self) -> None:
        super()._build()
        # Snapshots reach the agents' on_tick from C++ directly (the dispatcher's handler cache), no Batch
        # view or Python dispatcher frame per tick; everything else still goes through on_batch.
        self._rt.set_tick_handlers(self._tick_handlers, self._on_ticks, self._tick_failed)
        # Bars likewise (bar-input mode: one bar a batch); cached under ~mask in the same dict, so whatever
        # invalidates the tick handlers (subscribe, an agent stopping) invalidates these too.
        if self.direct_bars:
            self._rt.set_bar_handlers(self._tick_handlers, self._on_bar_miss, self._bar_failed)

    def _tick_failed(self, agent: Any, exc: BaseException) -> None:
        self._handler_failed(agent, exc, "on_tick")

    def _bar_failed(self, agent: Any, exc: BaseException) -> None:
        self._handler_failed(agent, exc, "on_bar")

    def _handler_failed(self, agent: Any, exc: BaseException, where: str) -> None:
        """Handle an on_tick/on_bar C++ called that raised, as live: that agent stops, the others go on."""
        try:
            raise exc
        except Exception:
            self._fail(agent, where)

    def _on_bar_miss(self, bar: Any) -> None:
        """Deliver a bar whose subscriber mask has no cached handlers, and cache them (not while stopping)."""
        self._on_bar(bar)
        if self._stopping:
            return
        mask = bar.subscribers
        self._tick_handlers[~mask] = tuple(
            (agent, self._bar_callback(agent)) for aid, agent in self._by_id.items()
            if mask >> aid & 1 and self._states[agent].running)

    def _bar_callback(self, agent: Any) -> Callable[[Any], None]:
        """on_bar as the C++ bar loop calls it: directly, or through _call (async lane, state sync)."""
        if (self._aio is not None and agent in self._aio) or agent in self._persist.fields:
            return functools.partial(self._call, agent, agent.on_bar)
        return agent.on_bar

    def _clock_speed(self) -> float:
        return 1.0  # the risk engine's windows run on the event clock

    def _flush_latency(self) -> None:
        self._lat = type(self._lat)("q")  # tick-to-agent latency is a wall-clock figure: not a backtest one

    def _housekeeping(self) -> None:
        self._apply_param_updates()
        while not self._controls.empty():
            self._controls.get_nowait()()
        if self._progress is not None:
            now = time.monotonic()
            if now >= self._next_report:
                self._next_report = now + 0.5
                self._progress(self.progress())

    def progress(self) -> Progress:
        """Return the replay's position (simulated day and time, ticks, speed, ETA when days are known)."""
        c = self._rt.backtest_counters if self._rt is not None else {}
        elapsed = max(1e-9, time.monotonic() - self._wall0)
        ticks = int(c.get("ticks", 0))
        total = self._front.get("days") if self._front.get("source") == "gen" else None
        done = self._days_done
        eta = elapsed / done * (total - done) if total and done else None
        return Progress(self._day, int(c.get("now_ns", 0)) // 1_000_000, ticks, ticks / elapsed, elapsed,
                        done, total, eta)

    # ---- recording --------------------------------------------------------------------------------------
    def _on_trade(self, t: Any) -> None:
        super()._on_trade(t)
        agent = self._by_id.get(t.agent)
        name = agent.name if agent is not None else ""
        key = (int(t.agent), int(t.instrument))
        seen = self._commission_seen.get(key, 0.0)
        commission = t.position.commission  # the (agent, instrument) commission of the trading day
        fee = commission - seen if commission >= seen else commission
        self._commission_seen[key] = commission
        direction, offset = t.codes  # ints: no pybind enum objects per trade
        buy = DIRECTIONS[direction] == "buy"
        self._trade_rows.append((t.recv_ns // 1_000_000, int(self._day or 0), name, t.symbol,
                                 DIRECTIONS[direction], OFFSETS[offset], t.price, t.volume, fee, t.order,
                                 t.trade_id.strip()))
        book = self._books.get(key)
        if book is None:
            book = self._books[key] = _Book(t.symbol, self.instrument(t.symbol).volume_multiple)
        mult = book.multiplier
        signed = t.volume if buy else -t.volume
        if book.lots == 0 or (book.lots > 0) == (signed > 0):
            total = book.lots + signed
            book.avg = (book.avg * abs(book.lots) + t.price * abs(signed)) / abs(total)
            book.lots = total
        else:
            closed = min(abs(signed), abs(book.lots))
            direction = 1 if book.lots > 0 else -1
            book.realized += (t.price - book.avg) * closed * direction * mult
            book.lots += signed
            rest = abs(signed) - closed
            if book.lots == 0:
                book.avg = 0.0
            elif rest > 0:  # reversed through zero: the rest opened at this price
                book.avg = t.price
        book.fees += fee
        book.turnover += t.price * t.volume * mult
        book.trades += 1

    def _on_notice(self, n: Any) -> None:
        day = str(self._rt.trading_day) if self._rt is not None else ""
        if _NOTICE_NAMES.get(int(n.kind)) == "trader_ready":
            if self._day and day != self._day:
                self._close_day()
            self._day = day
        super()._on_notice(n)

    def _close_day(self) -> None:
        """One daily row per agent for the day ending now, marked at each instrument's last price."""
        capital = self.settings.capital
        for agent in self._agents:
            aid = self._states[agent].agent_id
            realized = unrealized = fees = turnover = 0.0
            trades = 0
            for (a, instrument), book in self._books.items():
                if a != aid:
                    continue
                mark = self._rt.mark_price(instrument)
                if book.lots and mark > 0:
                    unrealized += (mark - book.avg) * book.lots * book.multiplier
                realized += book.realized
                fees += book.fees
                turnover += book.turnover
                trades += book.trades
            previous_unrealized = self._last_unrealized.get(agent.name, 0.0)
            net = realized + (unrealized - previous_unrealized) - fees
            balance = self._balances.get(agent.name, capital) + net
            self._balances[agent.name] = balance
            self._daily_rows.append((int(self._day), agent.name, realized, unrealized, fees, turnover, trades,
                                     net, balance))
            self._last_unrealized[agent.name] = unrealized
        for book in self._books.values():
            book.realized = book.fees = book.turnover = 0.0
            book.trades = 0
        self._commission_seen.clear()
        self._days_done += 1

    def run(self, duration: float | None = None) -> RunReport:
        """Replay the data to its end; the last trading day is closed after the agents' on_stop."""
        self._wall0 = time.monotonic()
        report = super().run(duration)
        if self._day:
            self._close_day()
        return report

    @property
    def trade_rows(self) -> list[tuple[Any, ...]]:
        """Trades in TRADE_DTYPE field order, time order."""
        return self._trade_rows

    @property
    def daily_rows(self) -> list[tuple[Any, ...]]:
        """Daily rows in DAILY_DTYPE field order, by trading day then agent (config order)."""
        return self._daily_rows

    @property
    def counters(self) -> dict[str, Any]:
        """The replay's counters (feed events, ticks, ticks handed to the engine, reports, days)."""
        return dict(self._rt.backtest_counters) if self._rt is not None else {}
