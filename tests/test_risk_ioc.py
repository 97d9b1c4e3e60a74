"""IOC orders in the daily message count through the local front (never a mock): with the SHFE preset an
unfilled FAK is two messages (the insert and the exchange's cancel of its remainder, SHFE 申报费)."""

from __future__ import annotations

import shandian as sd
from shandian.risk import parse_risk
from shandian.testing import local_engine

SYM = "rb2505"


class UnfilledFaks(sd.Agent):
    """Sends FAK buys far below the ask (nothing to trade: the exchange cancels them) one after another."""

    def on_start(self) -> None:
        self.sent: list[int] = []
        self.final: set[int] = set()
        self.refusal: sd.OrderRejected | None = None

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or len(self.sent) != len(self.final):
            return
        try:
            self.sent.append(self.buy(SYM, t.bid_price1 - 10, 1, kind="fak"))
        except sd.OrderRejected as e:
            self.refusal = e
            self._engine.stop("refused")

    def on_order(self, order: sd.Order) -> None:
        if order.is_final:
            assert order.status == "cancelled" and order.traded == 0, order
            self.final.add(order.id)


def test_risk_ioc_when_shfe_preset_unfilled_fak_counts_as_two_messages() -> None:
    agent = UnfilledFaks("fak")
    engine = local_engine([(agent, [SYM])])
    engine.config.risk = parse_risk({"preset": "shfe", "instrument": {"daily_messages": 4}})
    report = engine.run(duration=30)
    assert report.stop_reason == "refused", report.format()
    assert len(agent.sent) == 2  # 2 x (insert + the exchange's cancel) = 4 messages
    assert agent.refusal is not None and agent.refusal.code == "RISK_MESSAGE_LIMIT"
    assert "account messages 4/4 today" in agent.refusal.reason, agent.refusal.reason
    assert parse_risk({"preset": "shfe"}).limits().instrument.unfilled_fak_fok_two_messages is True
