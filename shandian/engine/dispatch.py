"""The dispatcher, called by C++ once per drained batch (GIL held).

It routes ticks and bars by subscriber mask, order / trade updates to their agent (showing it the ledger
position they carry), notices and timers; an exception in an agent's callback stops that agent only.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from shandian.agent import (
    Agent,
    AgentAccount,
    Order,
    SessionEvent,
    Trade,
)
from shandian.engine.codes import (
    _KIND_BAR,
    _KIND_NOTICE,
    _KIND_ORDER,
    _KIND_TICK,
    _KIND_TIMER,
    _KIND_TRADE,
    _LATENCY_FLUSH,
    _NOTICE_NAMES,
    NO_AGENT,
    log,
)
from shandian.engine.state import EngineState
from shandian.session_events import RepeatCounter


def _overrides(agent: Agent, name: str) -> bool:
    return getattr(type(agent), name) is not getattr(Agent, name)


class Dispatch(EngineState):
    """The per-batch dispatcher C++ calls (mixed into `Engine`)."""

    def on_batch(self, batch: Any) -> None:
        """Route one batch: ticks by subscriber mask, orders/trades to their agent, notices to all."""
        self._batches += 1
        ticks = batch.ticks
        if len(ticks) == len(batch):
            self._on_ticks(ticks)
            return
        orders = batch.orders
        trades = batch.trades
        notices = batch.notices
        timers = batch.timers
        bars = batch.bars
        for kind, index in batch.sequence:
            k = int(kind)
            if k == _KIND_TICK:
                self._on_ticks((ticks[index],))
            elif k == _KIND_ORDER:
                self._on_order(orders[index])
            elif k == _KIND_TRADE:
                self._on_trade(trades[index])
            elif k == _KIND_NOTICE:
                self._on_notice(notices[index])
            elif k == _KIND_TIMER:
                self._on_timer(timers[index])
            elif k == _KIND_BAR:
                self._on_bar(bars[index])

    def _on_ticks(self, ticks: Sequence[Any]) -> None:
        handlers_of = self._tick_handlers
        lat = self._lat
        now_ns = time.monotonic_ns
        self._ticks += len(ticks)
        for t in ticks:
            mask = t.subscribers
            handlers = handlers_of.get(mask)
            if handlers is None:
                handlers = self._handlers_for(mask)
            if not handlers:
                continue
            lat.append(now_ns() - t.recv_ns)
            for agent, fn in handlers:
                try:
                    fn(t)
                except Exception:
                    self._fail(agent, "on_tick")
        if len(lat) >= _LATENCY_FLUSH:
            self._flush_latency()

    def _on_bar(self, bar: Any) -> None:
        """Deliver a C++-built bar to the running agents in its subscriber mask."""
        if self._stopping:
            return
        mask = bar.subscribers
        for aid, agent in self._by_id.items():
            if mask >> aid & 1 and self._states[agent].running:
                self._call(agent, agent.on_bar, bar)

    def _flush_latency(self) -> None:
        if self._lat:
            self._hist.record_many(self._lat)
            self._lat = array("q")

    def _handlers_for(self, mask: int) -> tuple[tuple[Agent, Callable[[Any], None]], ...]:
        out = []
        for aid, agent in self._by_id.items():
            if mask >> aid & 1 and self._states[agent].running and _overrides(agent, "on_tick"):
                out.append((agent, self._tick_callback(agent)))
        handlers = tuple(out)
        self._tick_handlers[mask] = handlers
        return handlers

    def _on_order(self, u: Any) -> None:
        agent = self._by_id.get(u.agent)
        if agent is None:
            if u.agent == NO_AGENT and u.id:  # an adopted order nobody here is known to own
                adopted = Order.from_update(u)
                if adopted.is_final:
                    self._unattributed_live.pop(adopted.id, None)
                else:
                    self._unattributed_live[adopted.id] = adopted
                self._check_recovery_cancels()
            return  # another session's order, or the house agent
        order = Order.from_update(u)
        st = self._states[agent]
        st.all_orders[order.id] = order
        self._apply_view(agent, order.symbol, u.position)
        if order.is_final:
            st.live.pop(order.id, None)
        elif order.id and (order.reject_code == "NONE" or order.id in st.live):
            st.live[order.id] = order  # id 0: a report of an order nobody here can cancel (not adopted)
        if st.running and not self._stopping:
            self._call(agent, agent.on_order, order)
        elif not self._started_agents and not self._stopping:
            self._check_recovery_cancels()  # adopted at recovery: on_recovery decides before the agents start
        elif order.is_active and order.status != "submitting" and order.id not in self._cancel_sent:
            # A stopped/failed agent (or the engine stopping) keeps nothing working: an order that was
            # still SUBMITTING when cancel_all ran is cancelled as soon as it can be.
            if not self._stopping or self.config.engine.cancel_on_stop:
                self._cancel_sent.add(order.id)
                self._cancel_everything_of(st.agent_id, order.id)

    def _on_trade(self, t: Any) -> None:
        agent = self._by_id.get(t.agent)
        if agent is None:
            return
        trade = Trade.from_update(t)
        st = self._states[agent]
        self._apply_view(agent, trade.symbol, t.position)
        if st.running and not self._stopping:
            self._call(agent, agent.on_trade, trade)

    def _on_notice(self, n: Any) -> None:
        event = SessionEvent(_NOTICE_NAMES.get(int(n.kind), str(n.kind)), n.code, n.message, n.ns)
        self._log_notice(event)
        api, _, what = event.kind.partition("_")
        reach = self._reach.get(api)
        if reach is not None and what == "connected":
            reach.connected()
        elif reach is not None and what == "disconnected":
            reach.disconnected(event.code)
        if event.kind == "trader_ready":
            self._roll_risk_day()
        if (event.kind == "trader_ready" and not self._started_agents and not self._stopping
                and self._recovery_cancel_deadline is None):
            self._begin_start()
        for agent in self._agents:
            if not self._states[agent].running or self._stopping:
                continue
            if event.kind in ("trader_disconnected", "md_disconnected"):
                self._call(agent, agent.on_disconnect, event)
            self._call(agent, agent.on_session, event)
        if self._rt.trader_state == "stopped" and self._rt.fatal_reason:
            reason = f"session stopped: {self._rt.fatal_reason}"
            self._add_error(reason)
            self.stop(reason)

    def _log_notice(self, event: SessionEvent) -> None:
        """Log a session notice; an identical repeat only at its 2nd, 4th, 8th ... occurrence, with the count.

        An API's repeats are counted afresh once it is ready again (their total logged then), so a later
        outage is logged from its first event.
        """
        level = logging.WARNING if event.kind in ("warning", "ring_overflow") else logging.INFO
        if event.kind in ("auth_failed", "login_locked", "login_failed"):
            level = logging.ERROR
        api, _, what = event.kind.partition("_")
        if what == "ready":
            self._log_unlogged_repeats(lambda key: key[0].startswith(f"{api}_"))
        count = self._notice_repeats.occurred((event.kind, event.code, event.message))
        if count is None:
            return
        log.log(level, "session %s%s%s%s", event.kind, f" [{event.code}]" if event.code else "",
                f": {event.message}" if event.message else "", RepeatCounter.so_far(count))

    def _log_unlogged_repeats(self, which: Callable[[tuple[str, int, str]], bool]) -> None:
        for (kind, code, message), total in self._notice_repeats.forget(which):
            log.info("session %s%s%s (%d times in all)", kind, f" [{code}]" if code else "",
                     f": {message}" if message else "", total)

    def _on_timer(self, fired: Any) -> None:
        if fired.agent == self._house:
            if self._aio is not None and self._aio.owns_timer(fired.timer_id):
                self._aio.pump()
            else:
                self._housekeeping()
            return
        agent = self._by_id.get(fired.agent)
        if agent is not None and self._states[agent].running and not self._stopping:
            self._call(agent, agent.on_timer, fired.now_ns)

    def _apply_view(self, agent: Agent, symbol: str, v: Any) -> None:
        """Show the agent the C++ ledger's position (published with the update just delivered)."""
        self.position(agent, symbol)._show(v)
        self._states[agent].account = AgentAccount.from_view(v)

    def _tick_callback(self, agent: Agent) -> Callable[[Any], None]:
        """Return on_tick as the tick loop calls it: via the async lane, or followed by a state sync."""
        if self._aio is not None and agent in self._aio:
            return self._aio.tick_handler(agent)
        if agent in self._persist.fields:
            on_tick, persist = agent.on_tick, self._persist

            def tick_then_sync(tick: Any) -> None:
                on_tick(tick)
                persist.sync(agent)

            return tick_then_sync
        return agent.on_tick

    def _call(self, agent: Agent, fn: Callable[..., Any], *args: Any) -> None:
        aio = self._aio
        if aio is not None and agent in aio and not aio.closed:
            aio.submit(agent, fn, args)
            return
        try:
            fn(*args)
            if agent in self._persist.fields:
                self._persist.sync(agent)
        except Exception:
            self._fail(agent, getattr(fn, "__name__", "callback"))

    def _fail(self, agent: Agent, where: str) -> None:
        exc_type, exc, _ = sys.exc_info()
        st = self._states[agent]
        st.traceback = traceback.format_exc()
        st.failed = f"{exc_type.__name__ if exc_type else 'Error'} in {where}: {exc}"
        log.error("agent %s failed in %s; it is stopped, the others continue\n%s",
                  agent.name, where, st.traceback)
        self._rt.journal_agent_stopped(st.agent_id, st.failed)
        self._deactivate(agent)
