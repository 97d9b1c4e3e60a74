"""Trading-day roll inside one running process, through the local front (`days=2`: the counter settles at
the end of the first day, drops the trader connection, and the re-login reports the next TradingDay).

Checks the C++ ledger's roll end to end: today's lots become yesterday's (margined at the pre-settlement
price), the day's PnL and fees are carried, the working order the counter expired released its frozen
margin and commission, the position reconcile after the re-login finds no mismatch, and the live account
agrees with the counter's settled account at the reconciliation.
"""

from __future__ import annotations

from typing import Any

import shandian as sd
from shandian.testing import local_engine

SYM = "rb2505"
DAY1, DAY2 = 20250102, 20250103
# The bundled rb (cpp/sim/feed/instrument_table.cpp).
RB_MARGIN_RATIO, RB_MULTIPLIER, RB_REFERENCE = 0.10, 10, 3300.0


class DayRoller(sd.Agent):
    """Day 1: opens 3 long, closes 1 of them, rests a far buy. Day 2: closes a yesterday lot, stops."""

    def on_start(self) -> None:
        self.seen: dict[str, Any] = {}
        self.phase = "open"

    def _day(self) -> int:
        return int(self._engine._rt.trading_day)

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        tick = self.instrument(SYM).price_tick
        if self.phase == "open" and t.trading_day == DAY1:
            self.phase = "opening"
            self.buy(SYM, t.ask_price1 + 5 * tick, 3, kind="fak")
            self.resting = self.buy(SYM, t.bid_price1 - 30 * tick, 1)  # expires at the day's end
        elif self.phase == "close_today" and self.position(SYM).long == 3:
            self.phase = "closing_today"
            self.sell(SYM, t.bid_price1 - 5 * tick, 1, kind="fak")
        elif self.phase == "day2" and t.trading_day == DAY2 and self._day() == DAY2:
            pos = self.position(SYM)
            self.seen["day2_position"] = (pos.long, pos.long_today, pos.long_yd, pos.margin, pos.long_frozen)
            self.seen["day2_account"] = self.account
            self.seen["day2_pre_settlement"] = t.pre_settlement_price
            self.seen["day2_pnl"] = (pos.realized_pnl, pos.commission)
            self.phase = "closing_yd"
            self.sell(SYM, t.bid_price1 - 5 * tick, 1, kind="fak", offset="close_only")

    def on_trade(self, trade: sd.Trade) -> None:
        pos = self.position(SYM)
        if self.phase == "opening" and pos.long == 3:
            self.phase = "close_today"
        elif self.phase == "closing_today" and pos.long == 2:
            self.seen["day1_account"] = self.account
            self.phase = "wait_roll"
        elif self.phase == "closing_yd" and pos.long == 1:
            self.seen["day2_after_close"] = (pos.long, pos.long_yd, self.account)
            self._engine.stop("closed a yesterday lot")

    def on_order(self, order: sd.Order) -> None:
        if getattr(self, "resting", None) == order.id and "frozen_commission_day1" not in self.seen:
            # The views refresh with the update delivered: the resting buy's first one.
            self.seen["frozen_commission_day1"] = self.account.frozen_commission
            self.seen["frozen_margin_day1"] = self.account.frozen_margin
            self.seen["position_frozen_commission_day1"] = self.position(SYM).frozen_commission
        if getattr(self, "resting", None) == order.id and order.status == "cancelled":
            self.seen["resting_cancelled"] = (self._day(), self.account.frozen_margin,
                                              self.account.frozen_commission)

    def on_session(self, event: sd.SessionEvent) -> None:
        if event.kind == "trader_ready" and self._day() == DAY2 and self.phase == "wait_roll":
            pos = self.position(SYM)
            self.seen["ready_day2"] = (pos.long, pos.long_today, pos.long_yd)
            self.phase = "day2"


def test_ledger_when_front_rolls_the_trading_day_lots_become_yesterdays_and_account_reconciles() -> None:
    agent = DayRoller("roller")
    engine = local_engine([], speed=60, max_ticks=400, days=2, trading_day=DAY1, reconnect_ms=50)
    engine.add_agent(agent, [SYM], capital=1_000_000)
    report = engine.run(duration=90)
    seen = agent.seen
    assert report.stop_reason == "closed a yesterday lot", (report.format(), seen)
    # Day 1: working orders froze commission with their margin (the resting buy: 1 lot, 1‱ of notional).
    price = seen["frozen_margin_day1"] / (RB_MULTIPLIER * RB_MARGIN_RATIO)
    assert price > 0
    assert abs(seen["frozen_commission_day1"] - price * RB_MULTIPLIER * 0.0001) < 1e-9
    assert seen["position_frozen_commission_day1"] == seen["frozen_commission_day1"]
    day1 = seen["day1_account"]
    # The counter expired the resting buy at the day's end: nothing frozen afterwards.
    assert seen["resting_cancelled"][1:] == (0.0, 0.0)
    # At the new day's trader_ready the agent already holds yesterday's lots only.
    assert seen["ready_day2"] == (2, 0, 2)
    long, long_today, long_yd, margin, frozen = seen["day2_position"]
    assert (long, long_today, long_yd, frozen) == (2, 0, 2, 0)
    # Yesterday's lots are margined at the pre-settlement price, not at their open price.
    assert seen["day2_pre_settlement"] == RB_REFERENCE
    assert abs(margin - 2 * RB_REFERENCE * RB_MULTIPLIER * RB_MARGIN_RATIO) < 1e-6
    # The day's PnL and fees rolled into the agent's carried funds: its balance is what day 1 left it.
    assert seen["day2_pnl"] == (0.0, 0.0)
    day2 = seen["day2_account"]
    assert day2.realized_pnl == 0.0 and day2.commission == 0.0 and day1.commission > 0.0
    assert abs(day2.balance - day1.balance) < 1e-6
    assert abs(day2.balance - (1_000_000 + day1.realized_pnl - day1.commission)) < 1e-6
    # The yesterday lot closed on day 2 released its pre-settlement margin.
    after_long, after_yd, after = seen["day2_after_close"]
    assert (after_long, after_yd) == (1, 1)
    assert abs(after.margin - RB_REFERENCE * RB_MULTIPLIER * RB_MARGIN_RATIO) < 1e-6
    # The ledgers rolled once, the position reconcile after the re-login found no mismatch, and the live
    # account matched the counter's settled account when the re-login's account query reconciled it.
    live = engine._rt.account_live
    assert live["trading_day"] == DAY2 and live["day_rolls"] == 1
    assert engine._rt.stats()["position_mismatches"] == 0
    assert live["reconciles"] >= 2
    assert live["differing"] == 0, live
    assert all(abs(v) < 0.01 for v in live["difference"].values()), live
    # The report's account line shows the live account and its last reconciliation.
    text = report.format()
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("account"))
    assert "live (ledger); last reconciled with the counter at" in lines[at + 1], lines[at:at + 2]
    assert "difference then: none" in lines[at + 1], lines[at:at + 2]
    assert "not refreshed" not in text
