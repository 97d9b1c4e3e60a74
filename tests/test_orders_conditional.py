"""Conditional orders through the local front: stop, take-profit, trailing stop, OCO, bracket and
iceberg, each released by the C++ engine on ticks and filled by the local front's matching core."""

from __future__ import annotations

from typing import Any

import pytest

import shandian as sd
from shandian.testing import run_local

SYM = "rb2505"


class Script(sd.Agent):
    """Walks through one conditional order type per step, each confirmed by the position it produces."""

    def on_start(self) -> None:
        self.step = 0
        self.log_: dict[str, Any] = {}
        self.orders_by_step: dict[int, list[sd.Order]] = {}
        self.waiting: tuple[str, int] | None = None  # (side, lots) the step waits for

    def on_order(self, order: sd.Order) -> None:
        if order.status == "submitting":
            self.orders_by_step.setdefault(self.step, []).append(order)

    def held(self) -> int:
        pos = self.position(SYM)
        return pos.long

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0 or self.orders(active=True):
            return
        tick = self.instrument(SYM).price_tick
        far_up, far_down = t.last_price + 50 * tick, t.last_price - 50 * tick
        # Marketable prices a few ticks through the book: the default risk preset's fat-finger band
        # refuses the day's limit prices.
        up, down = t.ask_price1 + 5 * tick, t.bid_price1 - 5 * tick
        if self.waiting is not None and self.held() != self.waiting[1]:
            return
        self.waiting = None
        if self.step == 0:
            self.buy(SYM, up, 4, kind="fak")
            self.waiting = ("long", 4)
        elif self.step == 1:
            self.log_["stop"] = self.stop(SYM, "sell", 1, trigger=far_up)  # at or below: fires at once
            self.waiting = ("long", 3)
        elif self.step == 2:
            self.log_["take_profit"] = self.take_profit(SYM, "sell", 1, trigger=far_down)
            self.waiting = ("long", 2)
        elif self.step == 3:
            self.log_["trailing"] = self.trailing_stop(SYM, "sell", 1, trail=1, ticks=True)
            self.waiting = ("long", 1)
        elif self.step == 4:
            tp = self.take_profit(SYM, "sell", 1, trigger=t.upper_limit_price)
            sl = self.stop(SYM, "sell", 1, trigger=far_up)
            self.log_["oco"] = (self.oco(tp, sl), tp, sl)
            self.waiting = ("long", 0)
        elif self.step == 5:
            tp, sl, *_ = self.log_["oco"][1:]
            self.log_["oco_after"] = (self.conditional(tp), self.conditional(sl))
            self.log_["bracket"] = self.bracket(SYM, "buy", 1, entry_price=up,
                                                take_profit=far_up, stop_loss=up - tick)
            self.waiting = ("long", 0)
        elif self.step == 6:
            self.log_["bracket_after"] = self.conditional(self.log_["bracket"])
            self.log_["iceberg"] = self.iceberg(SYM, "buy", 3, price=up, display=1)
            self.waiting = ("long", 3)
        elif self.step == 7:
            self.sell(SYM, down, 3, kind="fak")
            self.waiting = ("long", 0)
        else:
            self._engine.stop("script done")
            return
        self.step += 1


@pytest.fixture(scope="module")
def scripted() -> tuple[Script, sd.RunReport]:
    agent = Script("conditional")
    report, _ = run_local([(agent, [SYM])], duration=90, instruments=["rb"])
    return agent, report


def test_conditional_when_triggered_through_local_front_each_type_fills(scripted) -> None:
    agent, report = scripted
    assert report.stop_reason == "script done", report.format()
    assert agent.position(SYM).long == 0 and agent.position(SYM).short == 0


@pytest.mark.parametrize(
    ("step", "side", "lots"), [(1, "sell", 1), (2, "sell", 1), (3, "sell", 1), (4, "sell", 1)]
)
def test_conditional_when_stop_tp_trailing_or_oco_fires_releases_one_child(
    scripted, step: int, side: str, lots: int
) -> None:
    agent, _ = scripted
    children = agent.orders_by_step[step + 1] if step + 1 in agent.orders_by_step else []
    released = [o for o in children if o.direction == side]
    assert sum(o.volume for o in released) == lots, agent.orders_by_step


def test_conditional_when_oco_leg_fires_other_leg_is_cancelled(scripted) -> None:
    agent, _ = scripted
    tp_state, sl_state = agent.log_["oco_after"]
    assert tp_state is None and sl_state is None  # both finished (cancelled / released) and retired


def test_conditional_when_bracket_entry_fills_stop_loss_exits_it(scripted) -> None:
    agent, _ = scripted
    orders = agent.orders_by_step[6]
    legs = [(o.direction, o.offset, o.volume) for o in orders][:2]
    assert legs == [("buy", "open", 1), ("sell", "close_today", 1)]
    assert agent.log_["bracket_after"] is None


def test_conditional_when_iceberg_works_it_shows_one_slice_at_a_time(scripted) -> None:
    agent, _ = scripted
    slices = [o for o in agent.orders_by_step[7] if o.direction == "buy"]
    assert [o.volume for o in slices] == [1, 1, 1]
