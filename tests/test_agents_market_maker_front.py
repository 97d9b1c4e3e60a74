"""agents/market_maker.py's safety modes and closing offsets on the local front: boomerang round trips at the
profit target and back to normal quoting after expiry, ak47 ladders without a self-trade or a refusal within
the cancel budget, and CloseToday / CloseYesterday chosen by fees after a real trading-day roll.

Each check is a property of every interleaving of ticks, fills and cancels, not of one tick timing."""

from __future__ import annotations

import itertools
from typing import Any

import shandian as sd
from shandian.risk import parse_risk
from shandian.testing import local_engine
from tests.mm_agent import CancelTracking, mm

_EPS = 1e-9


def _side(direction: str) -> str:
    return "bid" if direction == "buy" else "ask"


class BoomerangWatcher(CancelTracking):
    """Checks each boomerang: the closing fill at or beyond the target, and normal quoting after expiry.

    A pinned-side fill inside the pin is a violation unless that order's cancel was already sent. An
    expiry (the pin gone on a tick, no fill in between) must come after `boomerang_s` and leave both sides
    targeted, the formerly pinned one at the mode's own price again.
    """

    def on_start(self) -> None:
        super().on_start()
        self.closes = 0
        self.expiries = 0
        self.violations: list[tuple[Any, ...]] = []
        self.both_live_after_expiry = False
        self.last_targets: dict[tuple[str, int], float] = {}

    def _targets(self, st: Any, book: Any, base: tuple[float, float], width: float, step: float,
                 deviation: int, now_ms: int) -> dict[tuple[str, int], float]:
        self.last_targets = super()._targets(st, book, base, width, step, deviation, now_ms)
        self.last_base, self.last_deviation = base, deviation
        return self.last_targets

    def on_tick(self, tick: sd.Tick) -> None:
        st = self.books.get(tick.symbol)
        pin = st.pin if st is not None else None
        self.last_targets = {}
        super().on_tick(tick)
        st = self.books[tick.symbol]
        if pin is not None and st.pin is None:  # fills clear a pin in on_trade: on a tick it expired
            self.expiries += 1
            age_s = (tick.exchange_time_ms - pin.since_ms) / 1000
            if age_s <= self.params["boomerang_s"]:
                self.violations.append(("early expiry", age_s))
            bid, ask = self.last_base  # no skew: the mode's prices, each side the inventory allows
            p, deviation = self.params, self.last_deviation
            expected = {key: price for key, price, wanted in (
                (("bid", 0), bid, deviation + p["bid_size"] <= p["divergence"]),
                (("ask", 0), ask, deviation - p["ask_size"] >= -p["divergence"])) if wanted}
            if {k: round(v, 6) for k, v in self.last_targets.items()} != {
                    k: round(v, 6) for k, v in expected.items()}:
                self.violations.append(("after expiry", self.last_targets, expected))
        if self.expiries and {k[0] for k, q in st.quotes.items() if q.status == "queued"} == {"bid", "ask"}:
            self.both_live_after_expiry = True
        if self.closes >= 2 and self.expiries >= 2 and self.both_live_after_expiry:
            self._engine.stop("boomerangs checked")

    def on_trade(self, trade: sd.Trade) -> None:
        st = self.books[trade.symbol]
        pin = st.pin
        side = _side(trade.direction)
        if pin is not None and side == pin.side and trade.order_id not in st.crossing_ids:
            self.closes += 1
            inside = trade.price > pin.price + _EPS if side == "bid" else trade.price < pin.price - _EPS
            if inside and trade.order_id not in self.cancel_sent:
                self.violations.append(("fill inside the target", side, trade.price, pin.price))
        super().on_trade(trade)


def test_market_maker_when_boomerang_on_local_front_closes_at_target_and_requotes_after_expiry() -> None:
    # divergence 5: both sides stay wanted at any inventory reached here, so after an expiry both are targeted
    agent = BoomerangWatcher("mm", {"safety": "boomerang", "profit_ticks": 2, "boomerang_s": 20.0,
                                    "divergence": 5, "hard_limit": 8})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=200, seed=1)
    report = engine.run(duration=60)
    assert report.stop_reason == "boomerangs checked", (agent.closes, agent.expiries, report.format())
    assert not agent.violations, agent.violations
    assert not agent.refusals and not report.agents[0].rejects, (agent.refusals, report.format())


class Ak47Watcher(CancelTracking):
    """Checks the ladders: `levels` quotes resting per side at the spacing, never a buy at or above a sell.

    Its trading window is set (hot update) to end a few minutes after its first tick, so the cancel plan
    spreads the whole allowance over this run; the run stops half a minute past the window.
    """

    def on_start(self) -> None:
        super().on_start()
        self.end_ms = 0
        self.full_ladders = 0
        self.crossings: list[tuple[float, float]] = []
        self.last_view: sd.RiskView | None = None

    def _check_no_cross(self) -> None:
        live = [o for o in self.working_orders.values() if not o.is_final]
        buys = [o.price for o in live if o.direction == "buy"]
        sells = [o.price for o in live if o.direction == "sell"]
        if buys and sells and max(buys) >= min(sells) - _EPS:
            self.crossings.append((max(buys), min(sells)))

    def on_tick(self, tick: sd.Tick) -> None:
        if not self.end_ms:
            minute = tick.exchange_time_ms // 60_000
            self.end_ms = (minute + WINDOW_MIN) * 60_000
            hhmm = [f"{m // 60:02d}:{m % 60:02d}" for m in (minute, minute + WINDOW_MIN)]
            self.update_params(sessions=f"{hhmm[0]}-{hhmm[1]}")
        super().on_tick(tick)
        self._check_no_cross()
        st = self.books[tick.symbol]
        p, step = self.params, self.instrument(tick.symbol).price_tick
        ladders = 0
        for side in ("bid", "ask"):
            resting = [q for k, q in st.quotes.items() if k[0] == side and q.status == "queued"]
            if len(resting) < p["levels"]:
                continue
            prices = sorted((q.price for q in resting), reverse=side == "bid")
            gaps = {round(abs(b - a) / step, 6) for a, b in itertools.pairwise(prices)}
            ladders += gaps == {p["level_spacing_ticks"]}
        self.full_ladders += ladders == 2
        self.last_view = self.risk(tick.symbol)
        if tick.exchange_time_ms >= self.end_ms + 30_000:
            self._engine.stop("past the window")

    def on_order(self, order: sd.Order) -> None:
        super().on_order(order)
        self._check_no_cross()


WINDOW_MIN = 4
AK47_CANCELS = 80


def test_market_maker_when_ak47_on_local_front_rests_spaced_ladders_no_self_trade_within_budget() -> None:
    agent = Ak47Watcher("mm", {"safety": "ak47", "levels": 3, "level_spacing_ticks": 2, "divergence": 6,
                               "hard_limit": 9, "cancel_reserve": 10})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=200, seed=4)
    # shfe preset with a small per-agent allowance: the planner must spread it over the 4-minute window.
    # The account's 9 inserts per second stay on (on the 200x clock, 5 ms of wall time): the agent paces
    # its 6-order ladders by the risk engine's insert room, outer levels waiting (whether a ladder ever
    # meets a full window depends on the timing: test_agents_market_maker_pacing.py makes it certain).
    engine.config.risk = parse_risk({"preset": "shfe", "agent": {"daily_cancels": AK47_CANCELS},
                                     "instrument": {"stale_after_ms": 600_000}})
    assert engine.config.risk.account["order_rate"] == [[9, 1000]]
    report = engine.run(duration=40)
    row = report.agents[0]
    assert report.stop_reason == "past the window", report.format()
    assert agent.full_ladders >= 1, report.format()  # 3 bids and 3 asks resting, 2 ticks apart
    assert not agent.crossings, agent.crossings  # no two of our orders could ever trade with each other
    # no RISK_SELF_TRADE, no RISK_ORDER_RATE: nothing refused
    assert not agent.refusals and not row.rejects, (agent.refusals, report.format())
    assert engine.risk_stats()["rejects"].get("RISK_ORDER_RATE", 0) == 0, engine.risk_stats()
    view = agent.last_view
    assert view is not None and view.agent_cancel_limit == AK47_CANCELS, view
    # the budget was used (the ladders requote) and held: never the limit, so never a refused cancel
    assert AK47_CANCELS // 3 < view.agent_cancels < AK47_CANCELS, view


DAY1, DAY2 = 20250102, 20250103
# The bundled fees (cpp/sim/feed/instrument_table.cpp): cu close-today 1‱ vs 0.5‱ (yesterday's cheaper), au
# close-today free vs CNY 2 (today's cheaper), both SHFE; m on DCE has one Close offset.
CARRY = ("cu2502", "au2506", "m2505")
CARRY_LOTS = 3  # a quote fill between the two passes may close one: yesterday's lots remain
WHEN_BOTH = {"cu2502": "close_yesterday", "au2506": "close_today", "m2505": "close"}
WHEN_YD_ONLY = {"cu2502": "close_yesterday", "au2506": "close_yesterday", "m2505": "close"}


class CarryCloser(mm.MarketMaker):
    """Carries long lots per instrument into the next trading day, then lets the market maker close.

    Day 1: a FAK buys CARRY_LOTS lots, no quoting. Day 2, holding yesterday's lots only: one quoting pass
    (its close offsets recorded: two ladder levels, two closes), every order cancelled; then, once nothing
    works, a FAK buys a lot of today's unless a quote fill already did, and with both held a second
    quoting pass (recorded). Quote fills between the passes change the lots, never the offsets checked.
    The account's insert windows are on: a pass or a FAK waits for a tick whose risk view leaves room.
    """

    def on_start(self) -> None:
        super().on_start()
        self.phase = dict.fromkeys(CARRY, "open")
        self.closes: dict[str, dict[str, list[str]]] = {s: {"yd_only": [], "both": []} for s in CARRY}
        self.fees_known: dict[str, bool] = {}
        self.recorded: list[int] = []
        self.last_seen: dict[str, Any] = {}

    def _day(self) -> int:
        return int(self._engine._rt.trading_day)

    def _quote(self, tick: sd.Tick, case: str) -> bool:
        """One market-maker pass; records the offsets of the close orders it sent (True when any).

        It waits for room for a whole ladder (two levels a side, and the reserve): a pass the pacer cut
        short would leave a close level to a later tick, when a quote fill may have changed the lots.
        """
        if not self._room_for(tick.symbol, 4 + self.params["order_rate_reserve"]):
            return False
        before = set(self.working_orders)
        super().on_tick(tick)
        new = [o for i, o in self.working_orders.items() if i not in before]  # in the order sent
        closes = [o for o in new if o.offset != "open" and o.kind == "limit"]
        self.closes[tick.symbol][case] += [o.offset for o in closes]
        self.recorded += [o.id for o in closes]
        self.fees_known[tick.symbol] = self.instrument(tick.symbol).fees is not None
        return bool(closes)

    def _room_for(self, symbol: str, inserts: int) -> bool:
        room = self.risk(symbol).insert_room
        return room is None or room >= inserts

    def on_tick(self, tick: sd.Tick) -> None:
        sym, phase = tick.symbol, self.phase.get(tick.symbol)
        if phase is None or tick.bid_price1 <= 0 or tick.ask_price1 <= 0:
            return
        pos = self.position(sym)
        step = self.instrument(sym).price_tick
        self.last_seen[sym] = (tick.trading_day, self._day(), pos.long_today, pos.long_yd)
        if phase == "open" and tick.trading_day == DAY1 and self._room_for(sym, 1):
            self.phase[sym] = "opening"
            self.buy(sym, tick.ask_price1 + 5 * step, CARRY_LOTS, kind="fak")
        elif phase == "opened" and self._day() == DAY2 and tick.trading_day == DAY2:
            if pos.long_yd == CARRY_LOTS and pos.long_today == 0 and self._quote(tick, "yd_only"):
                self.cancel_all(sym)
                self.phase[sym] = "clearing"
        elif (phase == "clearing" and not any(o.symbol == sym for o in self.working_orders.values())
              and self._room_for(sym, 1)):
            self.phase[sym] = "buying_today"
            if pos.long_today == 0:
                self.buy(sym, tick.ask_price1 + 5 * step, 1, kind="fak")
        elif phase == "buying_today" and pos.long_today >= 1 and pos.long_yd >= 1:
            if self._quote(tick, "both"):
                self.phase[sym] = "done"
        elif phase == "done":
            status = {o.id: o.status for o in self.orders(active=False)}
            if all(self.phase[s] == "done" for s in CARRY) and all(
                    status.get(i, "submitting") != "submitting" for i in self.recorded):
                self._engine.stop("closes placed")

    def on_trade(self, trade: sd.Trade) -> None:
        if self.phase.get(trade.symbol) == "opening" and self.position(trade.symbol).long == CARRY_LOTS:
            self.phase[trade.symbol] = "opened"
        super().on_trade(trade)


def test_market_maker_when_a_position_rolls_into_the_next_day_closes_with_the_fee_chosen_offset() -> None:
    # days=2: the local front settles the first day and the re-login reports the next trading day (the
    # ledger's real roll, tests/test_ledger_day_roll.py): day 1's lots are yesterday's on day 2
    agent = CarryCloser("mm", {"safety": "ak47", "levels": 2, "divergence": 5, "hard_limit": 8,
                               "stale_s": 600.0, "sessions": "21:00-02:30,09:00-15:00", "close_guard_s": 0.0})
    engine = local_engine([], instruments=["cu", "au", "m"], speed=150, max_ticks=900, days=2,
                          trading_day=DAY1, reconnect_ms=50)
    engine.add_agent(agent, list(CARRY), capital=10_000_000)
    # three instruments' passes and FAKs share the account's 9 inserts/s (on the 150x clock, 7 ms of wall
    # time): each waits for a tick with room
    report = engine.run(duration=60)
    seen = (agent.phase, agent.closes, agent.last_seen)
    assert report.stop_reason == "closes placed", (seen, report.format())
    assert engine._rt.account_live["day_rolls"] == 1
    assert all(agent.fees_known.values()), agent.fees_known  # the counter's rates were there to compare
    for sym in CARRY:
        # only yesterday's lots: both asks CloseYesterday on SHFE, Close on DCE
        assert agent.closes[sym]["yd_only"] == [WHEN_YD_ONLY[sym]] * 2, (sym, agent.closes)
        # both held: the first ask takes the cheaper offset (the second whatever lot is left, not refused)
        assert len(agent.closes[sym]["both"]) == 2 and agent.closes[sym]["both"][0] == WHEN_BOTH[sym], (
            sym, agent.closes)
    assert not agent.refusals and not report.agents[0].rejects, (agent.refusals, report.format())
    assert engine.risk_stats()["rejects"].get("RISK_ORDER_RATE", 0) == 0, engine.risk_stats()
