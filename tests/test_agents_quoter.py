"""agents/quoter.py against the local front: two-sided quotes at the touch, inventory bounded."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import shandian as sd
from shandian.testing import run_local

_spec = importlib.util.spec_from_file_location(
    "agents_quoter", Path(__file__).resolve().parents[1] / "agents" / "quoter.py"
)
assert _spec is not None and _spec.loader is not None
quoter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(quoter)

MAX_INV = 2


class Recording(quoter.Quoter):
    """Checks quote prices at placement and the inventory after each fill."""

    def on_start(self) -> None:
        super().on_start()
        self.nets: list[int] = []
        self.sides: set[str] = set()
        self.max_working = 0
        self.off_touch = 0

    def on_tick(self, tick: sd.Tick) -> None:
        before = set(self.working_orders)
        super().on_tick(tick)
        for oid in set(self.working_orders) - before:
            o = self.working_orders[oid]
            touch = tick.bid_price1 if o.direction == "buy" else tick.ask_price1
            if o.price != touch:
                self.off_touch += 1
        self.max_working = max(self.max_working, len(self.working_orders))

    def on_trade(self, trade: sd.Trade) -> None:
        self.nets.append(self.position(trade.symbol).net)
        self.sides.add(trade.direction)
        if len(self.nets) >= 12:
            self._engine.stop("enough fills")


def test_agents_quoter_when_quoting_keeps_inventory_within_limit() -> None:
    agent = Recording("quoter", {"lots": 1, "max_inventory": MAX_INV, "edge_ticks": 0})
    report, _ = run_local([(agent, ["m2505"])], duration=60, instruments=["m"], speed=50, seed=5)
    row = report.agents[0]
    assert row.status == "ok", report.format()
    assert report.stop_reason == "enough fills", report.format()
    assert agent.sides == {"buy", "sell"}  # both sides trade
    assert all(abs(n) <= MAX_INV for n in agent.nets), agent.nets
    assert agent.max_working <= 2  # at most one bid and one ask
    assert agent.off_touch == 0  # edge 0: joins the best bid / ask
    assert not agent.working_orders  # cancelled at stop
    # A cancel racing a fill may be refused by the counter (CANCEL_REJECTED): a race, not a bad order.
    assert not [k for k in row.rejects if not k.startswith("CANCEL_REJECTED")], row.rejects


def test_agents_quoter_when_params_invalid_are_refused() -> None:
    with pytest.raises(sd.ParamError, match="max_inventory"):
        quoter.Quoter("q", {"lots": 3, "max_inventory": 2})
    with pytest.raises(sd.ParamError, match="requote_ticks"):
        quoter.Quoter("q", {"requote_ticks": 0})



def test_agents_quoter_when_daily_cancel_budget_is_spent_stops_quoting_and_stays_running() -> None:
    from shandian.risk import parse_risk
    from shandian.testing import local_engine

    params = {"lots": 1, "max_inventory": MAX_INV, "edge_ticks": 0, "requote_ticks": 1}
    agent = quoter.Quoter("quoter", params)
    engine = local_engine([(agent, ["m2505"])], instruments=["m"], speed=50, seed=5)
    engine.config.risk = parse_risk({
        "account": {"order_rate": [], "cancel_rate": []},
        "agents": {"quoter": {"daily_cancels": 3}},
    })
    report = engine.run(duration=15)
    row = report.agents[0]
    # A refused cancel or a refused quote: either way the agent keeps running and stops quoting.
    assert row.status == "ok", report.format()
    assert agent.cancel_budget_spent
    assert row.cancels == 3, report.format()
