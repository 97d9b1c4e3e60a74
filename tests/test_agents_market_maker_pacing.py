"""Insert pacing by the risk engine's room on the local front: RiskView.insert_room counts down as an agent
inserts (None with no order-rate window), and the market maker's ak47 ladder waits for room instead of
meeting RISK_ORDER_RATE refusals."""

from __future__ import annotations

from typing import Any

import pytest

import shandian as sd
from shandian.risk import parse_risk
from shandian.testing import local_engine
from tests.mm_agent import mm

WINDOW = [[5, 60_000]]  # 5 inserts per front minute: nothing expires within one tick's callback


class RoomReader(sd.Agent):
    """On the first tick that can trade: reads insert_room, inserts two passive buys, reads it after each."""

    def on_start(self) -> None:
        self.rooms: list[int | None] = []

    def on_tick(self, tick: sd.Tick) -> None:
        if self.rooms or tick.bid_price1 <= 0 or self.risk(tick.symbol).trading_status != "2":
            return
        step = self.instrument(tick.symbol).price_tick
        self.rooms.append(self.risk(tick.symbol).insert_room)
        for _ in range(2):
            self.buy(tick.symbol, tick.bid_price1 - 10 * step, 1)
            self.rooms.append(self.risk(tick.symbol).insert_room)
        self._engine.stop("rooms read")


def _room_run(risk: dict[str, Any]) -> tuple[RoomReader, Any]:
    agent = RoomReader("reader", {})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=100, seed=2)
    engine.config.risk = parse_risk({"instrument": {"stale_after_ms": 600_000}, **risk})
    return agent, engine.run(duration=20)


def test_risk_view_insert_room_when_agent_inserts_on_local_front_goes_down_by_one_each() -> None:
    agent, report = _room_run({"account": {"order_rate": WINDOW}})
    assert report.stop_reason == "rooms read", report.format()
    assert agent.rooms == [5, 4, 3], agent.rooms


def test_risk_view_insert_room_when_no_order_rate_window_is_none() -> None:
    agent, report = _room_run({"account": {"order_rate": []}, "agent": {"order_rate": []}})
    assert report.stop_reason == "rooms read", report.format()
    assert agent.rooms == [None, None, None], agent.rooms


class TickCounter(mm.MarketMaker):
    """The market maker, stopped after a number of ticks."""

    def on_start(self) -> None:
        super().on_start()
        self.ticks = 0

    def on_tick(self, tick: sd.Tick) -> None:
        super().on_tick(tick)
        self.ticks += 1
        if self.ticks >= 150:
            self._engine.stop("ticks seen")


def test_market_maker_when_ak47_ladder_exceeds_insert_room_paces_without_order_rate_refusals() -> None:
    # a 6-order ladder against 5 inserts per front minute: without pacing its first tick is refused twice
    agent = TickCounter("mm", {"safety": "ak47", "levels": 3, "level_spacing_ticks": 2, "divergence": 6,
                               "hard_limit": 9, "order_rate_reserve": 1})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=200, seed=4)
    engine.config.risk = parse_risk({"preset": "shfe", "account": {"order_rate": WINDOW},
                                     "instrument": {"stale_after_ms": 600_000}})
    report = engine.run(duration=20)
    assert report.stop_reason == "ticks seen", report.format()
    assert agent.paced > 0, report.format()  # outer levels held back
    assert engine.risk_stats()["rejects"].get("RISK_ORDER_RATE", 0) == 0, engine.risk_stats()
    assert not agent.refusals and not report.agents[0].rejects, (agent.refusals, report.format())
    assert 4 <= report.agents[0].orders, report.format()  # the reserve left: 4 of 5 per minute quoted


def test_market_maker_params_when_order_rate_reserve_negative_refused_and_hot_update_applies() -> None:
    with pytest.raises(sd.ParamError, match=r"param order_rate_reserve: -1 must be >= 0"):
        mm.MarketMaker("m", {"order_rate_reserve": -1})
    agent = mm.MarketMaker("m", {})
    assert agent.params["order_rate_reserve"] == 1
    agent.update_params(order_rate_reserve=3)
    assert agent.params["order_rate_reserve"] == 3
