"""Async agents: `async def` callbacks run on an asyncio loop driven by the engine thread, one lane per agent.

Exists only when an agent defines an async callback (an engine of sync agents never creates it). The loop is
stepped on the engine thread (`loop.stop(); loop.run_forever()`: one pass over ready callbacks and I/O with
a zero timeout) right after a coroutine is started, after each dispatched batch, and on a 1 ms house timer
armed only while a coroutine or task is pending, so an agent can await I/O without blocking the others.

Per-agent order: every event of an async agent (sync callbacks included) goes through its lane; the next
one is delivered only after the previous callback, coroutine or not, has finished. Events arriving while
a coroutine of the agent is suspended wait in the lane in arrival order. Ticks among them are conflated: a
newer tick of the same symbol replaces the waiting one (which is dropped, never delivered); orders,
trades, bars, timers and session events are never conflated nor dropped while the agent runs. So the
callbacks an agent sees are always a subsequence of its events in arrival order.

Counters (per agent, in the run report): `late_ticks`, ticks that arrived while a coroutine of the agent
was suspended (they could not be delivered in their batch); `conflated_ticks`, the late ticks replaced by a
newer tick of the same symbol (never delivered); `queued_events`, other events that waited; `coroutines`,
`slow_coroutines` (longer than SLOW_MS from start to finish), `max_coroutine_ms`; `dropped_at_stop`, events
still waiting when the engine stopped (a suspended coroutine is cancelled at stop, before `on_stop`).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from shandian.agent import Agent
from shandian.engine.codes import log

SLOW_MS = 100.0  # a coroutine running longer than this (start to finish) is counted as slow
POLL_MS = 1.0  # the loop's stepping period while coroutines are pending (bounds I/O resume latency)
_MAX_ROUNDS = 64  # loop steps per pump: chains of coroutines finishing in turn, bounded


class _Lane:
    """One async agent's event lane: the coroutine in flight, the events waiting behind it, counters."""

    __slots__ = ("agent", "started", "stats", "task", "ticks", "waiting", "where")

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.waiting: deque[list[Any]] = deque()  # [fn, args, alive, symbol]; a conflated tick is marked dead
        self.ticks: dict[str, list[Any]] = {}  # symbol -> its waiting tick entry
        self.task: asyncio.Task[Any] | None = None
        self.where = ""
        self.started = 0.0
        self.stats = {"late_ticks": 0, "conflated_ticks": 0, "queued_events": 0, "coroutines": 0,
                      "slow_coroutines": 0, "max_coroutine_ms": 0.0, "dropped_at_stop": 0}


class AsyncAgents:
    """The engine's asyncio loop and the lanes of its async agents (engine thread only)."""

    def __init__(self, agents: list[Agent], *, running: Callable[[Agent], bool],
                 fail: Callable[[Agent, str], None], finished: Callable[[Agent], None],
                 arm: Callable[[float], int], disarm: Callable[[int], None]) -> None:
        self._loop = asyncio.new_event_loop()
        self._lanes = {a: _Lane(a) for a in agents}
        self._running = running  # is the agent still to receive callbacks
        self._fail = fail  # record the exception being handled as the agent's failure
        self._finished = finished  # after each callback of an agent (persistent state)
        self._arm, self._disarm = arm, disarm  # the house timer stepping the loop
        self._timer: int | None = None
        self._timers: set[int] = set()  # every stepping timer armed: one may still fire after its cancel
        self._pumping = False
        self.closed = False

    def __contains__(self, agent: Agent) -> bool:
        return agent in self._lanes

    def owns_timer(self, timer_id: int) -> bool:
        """Is this a stepping timer (a house timer this object armed)."""
        return timer_id in self._timers

    def stats(self, agent: Agent) -> dict[str, float]:
        """Return the agent's lane counters (see the module docstring)."""
        return dict(self._lanes[agent].stats)

    # ---- delivery ----------------------------------------------------------------------------------------
    def tick_handler(self, agent: Agent) -> Callable[[Any], None]:
        """Return the tick callback the dispatcher calls for `agent` (queued behind a suspended coroutine)."""
        lane = self._lanes[agent]
        fn = agent.on_tick

        def deliver(tick: Any) -> None:
            if lane.task is None and not lane.waiting:
                self._start(lane, fn, (tick,))
                return
            lane.stats["late_ticks"] += 1
            symbol = tick.symbol
            older = lane.ticks.get(symbol)
            if older is not None:
                older[2] = False
                lane.stats["conflated_ticks"] += 1
            entry = [fn, (tick,), True, symbol]
            lane.ticks[symbol] = entry
            lane.waiting.append(entry)

        return deliver

    def submit(self, agent: Agent, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Deliver a non-tick event now, or queue it behind the agent's suspended coroutine."""
        lane = self._lanes[agent]
        if lane.task is None and not lane.waiting:
            self._start(lane, fn, args)
        else:
            lane.stats["queued_events"] += 1
            lane.waiting.append([fn, args, True, None])

    def _start(self, lane: _Lane, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Run a callback: a plain one at once, a coroutine as a task stepped until it first suspends."""
        agent = lane.agent
        where = getattr(fn, "__name__", "callback")
        if not inspect.iscoroutinefunction(fn):
            try:
                fn(*args)
                self._finished(agent)
            except Exception:
                self._fail(agent, where)
            return
        lane.stats["coroutines"] += 1
        lane.where = where
        lane.started = time.monotonic()
        lane.task = self._loop.create_task(fn(*args), name=f"{agent.name}.{where}")
        self.pump()

    def _reap(self) -> bool:
        """Finish the lanes whose coroutine is done and start what waited; True when a coroutine started."""
        started = False
        for lane in self._lanes.values():
            task = lane.task
            if task is None or not task.done():
                continue
            lane.task = None
            took = (time.monotonic() - lane.started) * 1e3
            stats = lane.stats
            stats["max_coroutine_ms"] = max(stats["max_coroutine_ms"], took)
            if took > SLOW_MS:
                stats["slow_coroutines"] += 1
                if stats["slow_coroutines"] == 1:
                    log.warning("agent %s: %s coroutine took %.0f ms (events wait behind it; see late_ticks)",
                                lane.agent.name, lane.where, took)
            if not task.cancelled():
                try:
                    task.result()
                    self._finished(lane.agent)
                except Exception:
                    self._fail(lane.agent, lane.where)
            while lane.task is None and lane.waiting:
                entry = lane.waiting.popleft()
                fn, args, alive, symbol = entry
                if not alive:
                    continue
                if symbol is not None and lane.ticks.get(symbol) is entry:
                    del lane.ticks[symbol]
                if not self._running(lane.agent):
                    continue
                self._start_queued(lane, fn, args)
                started = started or lane.task is not None
        return started

    def _start_queued(self, lane: _Lane, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Start a waiting event from inside a pump (its coroutine is stepped by the pump's next round)."""
        if not inspect.iscoroutinefunction(fn):
            self._start(lane, fn, args)
            return
        lane.stats["coroutines"] += 1
        lane.where = getattr(fn, "__name__", "callback")
        lane.started = time.monotonic()
        lane.task = self._loop.create_task(fn(*args), name=f"{lane.agent.name}.{lane.where}")

    # ---- stepping the loop -------------------------------------------------------------------------------
    def pump(self) -> None:
        """Step the loop until no coroutine can run right now (bounded), then (dis)arm the timer."""
        if self._pumping or self.closed:
            return
        self._pumping = True
        try:
            for _ in range(_MAX_ROUNDS):
                self._loop.stop()
                self._loop.run_forever()
                if not self._reap():
                    break
        finally:
            self._pumping = False
        pending = bool(asyncio.all_tasks(self._loop))
        if pending and self._timer is None:
            self._timer = self._arm(POLL_MS)
            self._timers.add(self._timer)
        elif not pending and self._timer is not None:
            self._disarm(self._timer)
            self._timer = None

    def forget(self, agent: Agent) -> None:
        """Forget a stopped or failed agent: cancel its coroutine, drop what waits for it."""
        lane = self._lanes.get(agent)
        if lane is None:
            return
        lane.stats["dropped_at_stop"] += sum(1 for e in lane.waiting if e[2])
        lane.waiting.clear()
        lane.ticks.clear()
        if lane.task is not None and not lane.task.done():
            lane.task.cancel()

    def close(self, timeout_s: float = 1.0) -> None:
        """Cancel every coroutine and task, let them unwind (bounded), close the loop."""
        if self.closed:
            return
        for agent in self._lanes:
            self.forget(agent)
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        deadline = time.monotonic() + timeout_s
        while asyncio.all_tasks(self._loop) and time.monotonic() < deadline:
            self._loop.stop()
            self._loop.run_forever()
        for lane in self._lanes.values():
            if lane.task is not None and lane.task.done():
                lane.task = None
        if self._timer is not None:
            self._disarm(self._timer)
            self._timer = None
        self.closed = True
        self._loop.close()
