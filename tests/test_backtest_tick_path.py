"""The backtest's tick path: tick-only batches reach on_tick straight from C++ (no Batch view per tick), with
the live dispatcher's guarantees kept: an order placed in on_tick reaches the book before the next snapshot,
a raising on_tick stops only its agent, and each delivered tick is an object of its own."""

from __future__ import annotations

from typing import Any

import shandian as sd
from shandian.backtest import prepare

DATA = [{"kind": "generator", "instruments": ["rb"], "seed": 42, "days": 1, "max_ticks": 600}]


def run(agents: list[sd.Agent], **latency: Any) -> Any:
    engine = prepare({"backtest": {"data": DATA, "latency": latency}}, agents=agents)
    engine.run()
    return engine


class BuyAtTen(sd.Agent):
    """Buys one lot at the ask on its 10th tick; logs ticks and trades in the order it sees them."""

    def on_start(self) -> None:
        self.subscribe("rb2505")
        self.log_: list[tuple[str, int, float]] = []

    def on_tick(self, tick: sd.Tick) -> None:
        self.log_.append(("tick", tick.recv_ns, tick.ask_price1))
        if len(self.log_) == 10:
            self.buy("rb2505", tick.ask_price1, 1)

    def on_trade(self, trade: sd.Trade) -> None:
        self.log_.append(("trade", 0, trade.price))


class Counter(sd.Agent):
    """Counts its ticks and keeps every tick object."""

    def on_start(self) -> None:
        self.subscribe("rb2505")
        self.kept: list[sd.Tick] = []

    def on_tick(self, tick: sd.Tick) -> None:
        self.kept.append(tick)


class FailsAtFive(sd.Agent):
    """Raises in its 5th on_tick."""

    def on_start(self) -> None:
        self.subscribe("rb2505")
        self.n = 0

    def on_tick(self, tick: sd.Tick) -> None:
        self.n += 1
        if self.n == 5:
            raise ValueError("boom")


def test_backtest_tick_path_when_order_placed_in_on_tick_fills_before_next_snapshot() -> None:
    agent = BuyAtTen("buyer", {})
    run([agent], order_ms=0, report_ms=0.0)
    kinds = [k for k, _, _ in agent.log_]
    assert kinds[:11] == ["tick"] * 10 + ["trade"]  # filled before the 11th snapshot reaches the agent
    assert agent.log_[10][2] == agent.log_[9][2]  # at the 10th snapshot's ask: matched against that snapshot


def test_backtest_tick_path_when_one_agent_raises_in_on_tick_only_it_stops() -> None:
    failing, counting = FailsAtFive("failing", {}), Counter("counting", {})
    engine = run([failing, counting])
    assert failing.n == 5
    assert len(counting.kept) == engine.counters["ticks_forwarded"] > 5
    failed = engine._states[failing].failed
    assert failed is not None and "ValueError in on_tick: boom" in failed


def test_backtest_tick_path_when_agent_keeps_ticks_each_is_its_own_object() -> None:
    agent = Counter("counting", {})
    run([agent])
    times = [t.recv_ns for t in agent.kept]
    assert len(set(map(id, agent.kept))) == len(agent.kept)
    assert times == sorted(times) and len(set(times)) == len(times)
