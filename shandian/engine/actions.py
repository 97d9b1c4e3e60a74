"""Order actions: the `AgentPort` (shandian/port.py) the engine gives its agents.

Orders, conditionals, cancels, subscriptions, timers and views, each checked and handed to the C++ engine;
`insert` is the agent.buy hot path (few Python steps before ReqOrderInsert).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shandian import _core
from shandian.agent import (
    BENIGN_CANCEL_CODES,
    KINDS,
    OFFSETS,
    REJECT_CODES,
    Agent,
    BarHistory,
    Order,
    OrderRejected,
    Position,
    RiskView,
)
from shandian.bars import bar_interval, check_bar_symbol
from shandian.engine.codes import (
    _COND_KINDS,
    _DIRECTION,
    _DIRECTION_CODE,
    _KIND_CODE,
    _MARKET_CODE,
    _MODES,
    _OFFSET,
    _OFFSET_CODE,
    _SOURCES,
    NO_AGENT,
    _argument_types_error,
    _bool_argument_error,
    _is_bool,
    _symbol_type_error,
    log,
)
from shandian.engine.state import EngineState
from shandian.errors import BarSubscriptionError
from shandian.history import load_bars
from shandian.instrument import Instrument


class OrderActions(EngineState):
    """The engine's `AgentPort` (mixed into `Engine`, whose state it uses): what agents' actions call."""

    def _instrument_index(self, symbol: str) -> int:
        if not isinstance(symbol, str):
            raise _symbol_type_error(symbol)
        idx = self._index.get(symbol)
        if idx is None:
            idx = self._rt.instrument_index(symbol) if self._rt is not None else None
            if idx is None:
                raise OrderRejected("UNKNOWN_INSTRUMENT", f"{symbol} is not listed by the counter")
            self._index[symbol] = idx
        return idx

    def instrument(self, symbol: str) -> Instrument:
        """Return static facts of an instrument (exchange, price_tick, volume_multiple, volume limits)."""
        info = self._instr.get(symbol)
        if info is None:
            info = Instrument.from_registry_entry(self._rt.instrument(self._instrument_index(symbol)))
            if info.fees is not None:  # kept once the counter's commission rates are in
                self._instr[symbol] = info
        return info

    def _live_check(self, agent: Agent) -> None:
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        if not self._states[agent].running:
            why = self._states[agent].failed or "not started"
            raise OrderRejected("AGENT_STOPPED", f"agent {agent.name} is stopped ({why})")

    def insert(self, agent: Agent, symbol: str, direction: str, offset: str, price: float, volume: int,
                kind: str) -> int:
        """agent.buy/sell/short/cover: the order hot path (few Python steps before ReqOrderInsert)."""
        st = self._states[agent]
        rt = self._rt
        if rt is None or not st.running:
            self._live_check(agent)
        kind_code = _KIND_CODE.get(kind)
        if kind_code is None:
            raise ValueError(f"kind {kind!r} must be one of {', '.join(KINDS)}")
        if volume.__class__ is bool or price.__class__ is bool:  # _is_bool inlined: a call here costs ~0.1 µs
            raise _bool_argument_error(price, volume)
        try:
            idx = self._index.get(symbol)
        except TypeError:  # unhashable: a list, a dict
            raise _symbol_type_error(symbol) from None
        if idx is None:
            idx = self._order_instrument_index(st, symbol)
        px = price if kind_code != _MARKET_CODE else 0.0
        offset_code = _OFFSET_CODE.get(offset)
        if offset_code is None:
            return self._place(agent, symbol, direction, offset, px, price, volume, kind, idx)
        try:
            r = rt.insert_order(st.agent_id, idx, _DIRECTION_CODE[direction], offset_code, px, volume,
                                kind_code)
        except TypeError:
            raise _argument_types_error(price, volume) from None
        if r.__class__ is int:
            st.live[r] = Order.submitting(r, symbol, direction, offset, kind, float(price), volume)
            return r
        raise OrderRejected(REJECT_CODES.get(int(r.code), str(r.code)), r.reason, r.order)

    def _order_instrument_index(self, st: Any, symbol: str) -> int:
        """Return the dense index of `symbol` for an order; an unknown one is counted and raised."""
        try:
            return self._instrument_index(symbol)
        except OrderRejected:  # refused here before reaching the engine: counted like the engine's refusals
            self._rt.count_refusal(st.agent_id, _core.RejectCode.UNKNOWN_INSTRUMENT)
            raise

    def _place(self, agent: Agent, symbol: str, direction: str, offset: str, px: float, price: float,
               volume: int, kind: str, idx: int) -> int:
        """Offsets resolved in C++ from the agent's own holdings (and split): the close path of sell/cover."""
        mode = _MODES.get(offset)
        if mode is None:
            raise ValueError(f"offset {offset!r} must be one of {', '.join([*_MODES, *_OFFSET])}")
        st = self._states[agent]
        try:
            r = self._rt.place(st.agent_id, idx, _DIRECTION[direction], px, volume, KINDS[kind], mode)
        except TypeError:
            raise _argument_types_error(price, volume) from None
        ids = list(r.orders)
        for oid in ids:
            o = self._rt.order(oid)
            leg_offset = OFFSETS[int(o.offset)] if o is not None else "close"
            leg_volume = o.volume if o is not None else volume
            st.live[oid] = Order.submitting(oid, symbol, direction, leg_offset, kind, float(price),
                                            leg_volume)
        if ids and r.ok:
            return ids[0]
        failed = self._rt.order(ids[-1]) if ids else None
        code = REJECT_CODES.get(int(r.code), str(r.code))
        raise OrderRejected(code, r.reason, ids[0] if ids else (failed.id if failed else 0))

    def _mode(self, offset: str) -> Any:
        if offset == "open":
            return _core.OffsetMode.OPEN_ONLY
        mode = _MODES.get(offset)
        if mode is None:
            raise ValueError(f"offset {offset!r} must be 'open' or one of {', '.join(_MODES)}")
        return mode

    @staticmethod
    def _raise_refused(r: Any) -> None:
        raise OrderRejected(REJECT_CODES.get(int(r.code), str(r.code)), r.reason)

    def conditional(self, agent: Agent, kind: str, symbol: str, side: str, volume: int, *,
                     trigger: float = 0.0, limit: float = 0.0, trail: float = 0.0, ticks: bool = False,
                     display: int = 0,
                     offset: str = "auto", source: str = "last") -> int:
        """AgentPort.conditional."""
        self._live_check(agent)
        if side not in _DIRECTION:
            raise ValueError(f"side {side!r} must be 'buy' or 'sell'")
        if source not in _SOURCES:
            raise ValueError(f"source {source!r} must be one of {', '.join(_SOURCES)}")
        mode = self._mode(offset)
        idx = self._instrument_index(symbol)
        if _is_bool(volume):
            raise _bool_argument_error(limit, volume)
        if ticks:
            trail = float(trail) * self.instrument(symbol).price_tick
        r = self._rt.add_conditional(self._states[agent].agent_id, idx, _COND_KINDS[kind], _DIRECTION[side],
                                     mode, volume, float(trigger), float(limit), float(trail),
                                     _SOURCES[source], int(display))
        if not r.ok:
            self._raise_refused(r)
        return int(r.id)

    def oco(self, agent: Agent, first: int, second: int) -> int:
        """AgentPort.oco."""
        self._live_check(agent)
        r = self._rt.link_oco(self._states[agent].agent_id, first, second)
        if not r.ok:
            self._raise_refused(r)
        return int(r.id)

    def bracket(self, agent: Agent, symbol: str, side: str, volume: int, entry: float, take_profit: float,
                 stop_loss: float) -> int:
        """AgentPort.bracket."""
        self._live_check(agent)
        if side not in _DIRECTION:
            raise ValueError(f"side {side!r} must be 'buy' or 'sell'")
        idx = self._instrument_index(symbol)
        if _is_bool(volume):
            raise _bool_argument_error(entry, volume)
        r = self._rt.add_bracket(self._states[agent].agent_id, idx, _DIRECTION[side], volume, float(entry),
                                 float(take_profit), float(stop_loss))
        if not r.ok:
            self._raise_refused(r)
        return int(r.id)

    def cancel_conditional(self, agent: Agent, conditional_id: int) -> bool:
        """AgentPort.cancel_conditional."""
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        r = self._rt.cancel_conditional(self._states[agent].agent_id, conditional_id)
        if r.ok:
            return True
        code = REJECT_CODES.get(int(r.code), str(r.code))
        if code in BENIGN_CANCEL_CODES:
            return False
        raise OrderRejected(code, r.reason, conditional_id)

    def conditional_state(self, conditional_id: int) -> dict[str, Any] | None:
        """AgentPort.conditional_state."""
        if self._rt is None:
            return None
        state = self._rt.conditional(conditional_id)
        return dict(state) if state is not None else None

    def cancel(self, agent: Agent, order_id: int) -> bool:
        """AgentPort.cancel."""
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        r = self._rt.cancel(self._states[agent].agent_id, order_id)
        if r.ok:
            return True
        code = REJECT_CODES.get(int(r.code), str(r.code))
        if code in BENIGN_CANCEL_CODES:
            return False
        raise OrderRejected(code, r.reason, order_id)

    def cancel_all(self, agent: Agent, symbol: str | None) -> int:
        """AgentPort.cancel_all."""
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        idx = None if symbol is None else self._instrument_index(symbol)
        return int(self._rt.cancel_all(self._states[agent].agent_id, idx))

    def subscribe(self, agent: Agent, symbol: str) -> None:
        """AgentPort.subscribe."""
        if not isinstance(symbol, str):
            raise _symbol_type_error(symbol)
        code = self._rt.subscribe(self._states[agent].agent_id, symbol)
        name = REJECT_CODES.get(int(code), str(code))
        if name != "NONE":
            raise OrderRejected(name, f"cannot subscribe {symbol}")
        self._tick_handlers.clear()

    def subscribe_bars(self, agent: Agent, symbol: str, interval: str) -> None:
        """AgentPort.subscribe_bars."""
        if not isinstance(symbol, str):
            raise _symbol_type_error(symbol)
        interval = bar_interval(interval)
        check_bar_symbol(symbol)
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        code = self._rt.subscribe_bars(self._states[agent].agent_id, symbol, interval)
        name = REJECT_CODES.get(int(code), str(code))
        if name != "NONE":
            raise OrderRejected(name, f"cannot subscribe {symbol} {interval} bars")

    def history(self, symbol: str, interval: str, n: int) -> BarHistory:
        """AgentPort.history."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise BarSubscriptionError("n", n, "must be an int >= 0")
        interval = bar_interval(interval)
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        columns = self._rt.bar_history(symbol, interval, n)
        if columns is None:
            raise BarSubscriptionError("interval", interval,
                                       f"no agent subscribed to {symbol!r} {interval} bars")
        return BarHistory(*columns)

    def load_history(self, agent: Agent, symbol: str, interval: str, bars: int, source: str | Path) -> int:
        """AgentPort.load_history."""
        if not isinstance(bars, int) or isinstance(bars, bool) or bars < 0:
            raise BarSubscriptionError("bars", bars, "must be an int >= 0")
        interval = bar_interval(interval)
        past = load_bars(source, symbol, interval, bars)  # HistoryError before anything is subscribed
        self.subscribe_bars(agent, symbol, interval)
        assert self._rt is not None
        given = []
        for i in range(len(past)):
            bar = self._rt.seed_bar(symbol, interval, int(past.trading_day[i]), int(past.start_ms[i]),
                                    int(past.end_ms[i]), float(past.open[i]), float(past.high[i]),
                                    float(past.low[i]), float(past.close[i]), int(past.volume[i]),
                                    float(past.turnover[i]), float(past.open_interest[i]),
                                    float(past.open_interest_change[i]))
            if bar is None:
                raise BarSubscriptionError("interval", interval,
                                           f"no agent subscribed to {symbol!r} {interval} bars")
            given.append(bar)
        aio = self._aio if self._aio is not None and agent in self._aio else None
        for bar in given:
            if aio is not None:  # in the agent's lane, ahead of any live bar
                aio.submit(agent, agent.on_bar, (bar,))
            else:
                agent.on_bar(bar)
        return len(given)

    def add_timer(self, agent: Agent, interval_s: float) -> int:
        """AgentPort.add_timer."""
        if not interval_s > 0:
            raise ValueError(f"timer interval {interval_s!r} must be > 0 seconds")
        tid = self._rt.add_timer(self._states[agent].agent_id, int(interval_s * 1e9))
        if tid is None:
            raise RuntimeError("the engine's timer table is full")
        return int(tid)

    def halt(self, agent: Agent, reason: str) -> None:
        """AgentPort.halt."""
        if not self._states[agent].running:
            return
        log.info("agent %s stopped: %s", agent.name, reason)
        self._rt.journal_agent_stopped(self._states[agent].agent_id, reason)
        self._call(agent, agent.on_stop)
        self._states[agent].failed = self._states[agent].failed or f"stopped: {reason}"
        self._deactivate(agent)

    def position(self, agent: Agent, symbol: str) -> Position:
        """AgentPort.position."""
        pos = self._states[agent].positions.get(symbol)
        if pos is None:
            aid = self._states[agent].agent_id
            pos = Position(symbol, marks=lambda: self._marks(aid, symbol))
            self._states[agent].positions[symbol] = pos
        return pos

    def risk(self, agent: Agent, symbol: str) -> RiskView:
        """AgentPort.risk: the C++ risk engine's state, daily cancels and insert room for the agent.

        Cancel limits with the exchange preset applied; the insert room at the engine's clock (its checks').
        """
        idx = self._instrument_index(symbol)
        risk = self._risk
        if risk is None:
            return RiskView(trading_status=self._rt.trading_status(idx) if self._rt is not None else "")
        aid = self._states[agent].agent_id
        limits = risk.limits
        scope = limits.exchanges.get(self.instrument(symbol).exchange, limits.instrument)
        own = risk.agent_limits(aid)
        return RiskView(state=str(risk.agent_state(aid)), agent_cancels=risk.daily_cancels(aid, idx),
                        agent_cancel_limit=own.daily_cancels if own.enabled else 0,
                        account_cancels=risk.daily_cancels(NO_AGENT, idx),
                        account_cancel_limit=scope.daily_cancels,
                        trading_status=self._rt.trading_status(idx),
                        insert_room=risk.insert_room(aid, self._rt.clock_ns()))

    def _marks(self, agent_id: int, symbol: str) -> tuple[float, float]:
        """Return the ledger's mark price of `symbol` and the agent's unrealized PnL there (0s: unknown)."""
        idx = self._index.get(symbol)
        if idx is None or self._rt is None:
            return 0.0, 0.0
        return self._rt.mark_price(idx), self._rt.unrealized_pnl(agent_id, idx)
