"""The account tracked live by the C++ ledger between counter queries, reconciled on each answer, through
the local front: after fills and a working order the live margin, frozen margin and frozen commission equal
the counter's (ReqQryTradingAccount) when `Engine.query_account()` reconciles them."""

from __future__ import annotations

from typing import Any

import shandian as sd
from shandian.testing import local_engine

SYM = "rb2505"


class Querier(sd.Agent):
    """Opens 2 lots, rests a far buy, then asks for an account query and waits for its reconciliation."""

    def on_start(self) -> None:
        self.seen: dict[str, Any] = {}
        self.phase = "open"

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        tick = self.instrument(SYM).price_tick
        account = self._engine.account
        if self.phase == "open":
            self.phase = "filling"
            self.buy(SYM, t.ask_price1 + 5 * tick, 2, kind="fak")
            self.resting = self.buy(SYM, t.bid_price1 - 30 * tick, 1)
        elif self.phase == "query" and self._engine.query_account():
            self.seen["before"] = (account.reconciles, account)
            self.phase = "wait"
        elif self.phase == "wait" and account.reconciles > self.seen["before"][0]:
            self.seen["after"] = account
            self._engine.stop("account reconciled")

    def on_trade(self, trade: sd.Trade) -> None:
        if self.position(SYM).long == 2:
            self.phase = "query"


def test_account_when_queried_after_fills_live_figures_match_the_counter() -> None:
    agent = Querier("q")
    engine = local_engine([], speed=5)
    engine.add_agent(agent, [SYM])
    report = engine.run(duration=60)
    assert report.stop_reason == "account reconciled", report.format()
    before_count, before = agent.seen["before"]
    after = agent.seen["after"]
    # Live between queries: the 2 filled lots' margin, the resting buy's frozen margin and commission.
    assert before.current_margin > 0 and before.frozen_margin > 0 and before.frozen_commission > 0
    assert before.reconciled_at is not None and after.reconciled_at >= before.reconciled_at
    # At the reconciliation the counter agreed on margin and frozen money to the cent. Balance and available
    # may differ only by the mark (the counter marks at its newest tick, the engine at the newest it saw).
    d = after.difference
    assert abs(d["current_margin"]) < 0.01 and abs(d["frozen_margin"]) < 0.01, d
    assert abs(d["frozen_commission"]) < 0.01, d
    assert abs(d["balance"] - d["available"]) < 0.01, d
    assert abs(d["balance"]) <= 2 * 10 * 20, d  # 2 lots x multiplier 10 x at most 20 ticks of mark
    assert after.reconciles == before_count + 1
