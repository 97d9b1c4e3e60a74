"""The risk engine through the local front (real CTP flows): an agent spamming cancels is stopped at its
limit while another agent on the same account keeps trading, and the kill switch cancels everything."""

from __future__ import annotations

import shandian as sd
from shandian.risk import parse_risk
from shandian.testing import local_engine

SYM = "rb2505"
TICK = 1.0  # rb price tick


class Spammer(sd.Agent):
    """Rests 6 buys far below the bid, then cancels one per tick until refused."""

    def on_start(self) -> None:
        self.cancels_ok = 0
        self.refusals: list[tuple[str, str]] = []
        self.resting: list[int] = []

    def on_tick(self, t: sd.Tick) -> None:
        if self.refusals or t.bid_price1 <= 0:
            return
        if not self.resting:
            self.resting = [self.buy(SYM, t.bid_price1 - (20 + i) * TICK, 1) for i in range(6)]
            return
        working = self.working_orders
        if any(working[i].status == "submitting" for i in self.resting if i in working):
            return
        try:
            if self.cancel(self.resting[self.cancels_ok]):
                self.cancels_ok += 1
        except sd.OrderRejected as e:
            self.refusals.append((e.code, e.reason))
            # Its budget is spent: new resting orders are refused too (they could not be cancelled).
            try:
                self.buy(SYM, t.bid_price1 - 20 * TICK, 1)
            except sd.OrderRejected as again:
                self.refusals.append((again.code, again.reason))


class Steady(sd.Agent):
    """Once the spammer is stopped: rests and cancels 3 orders, buys 1 lot, then pulls the kill switch."""

    spammer: Spammer | None = None

    def on_start(self) -> None:
        self.cancels_ok = 0
        self.fills = 0
        self.resting: int | None = None
        self.bought = False
        self.killed_refusal: tuple[str, str] | None = None
        self.phase = "wait"

    def on_trade(self, trade: sd.Trade) -> None:
        self.fills += trade.volume

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        if self.phase == "wait":
            if self.spammer is not None and self.spammer.refusals:
                self.phase = "trade"
            return
        if self.phase == "trade":
            if self.resting is None and self.cancels_ok < 3:
                self.resting = self.buy(SYM, t.bid_price1 - 25 * TICK, 1)
            elif self.resting is not None and self.resting in self.working_orders:
                if self.working_orders[self.resting].status != "submitting" and self.cancel(self.resting):
                    self.cancels_ok += 1
                    self.resting = None
            elif self.cancels_ok >= 3 and not self.bought:
                self.buy(SYM, t.ask_price1, 1, kind="fak")
                self.bought = True
            elif self.bought and self.fills >= 1 and not self.keeper_ready():
                return
            elif self.bought and self.fills >= 1:
                self.phase = "kill"
                self._engine.kill(reason="test kill")
        elif self.phase == "kill":
            try:
                self.buy(SYM, t.bid_price1, 1)
            except sd.OrderRejected as e:
                self.killed_refusal = (e.code, e.reason)
            self.phase = "done"

    keeper: Keeper | None = None

    def keeper_ready(self) -> bool:
        return self.keeper is not None and len(self.keeper.rested) == 2 and all(
            o.status not in ("submitting", "accepted") for o in self.keeper.working_orders.values()
        )


class Keeper(sd.Agent):
    """Rests two orders far from the market and leaves them working (the kill switch must cancel them)."""

    def on_start(self) -> None:
        self.rested: list[int] = []
        self.cancelled: list[int] = []

    def on_tick(self, t: sd.Tick) -> None:
        if not self.rested and t.bid_price1 > 0 and t.ask_price1 > 0:
            self.rested.append(self.buy(SYM, t.bid_price1 - 30 * TICK, 1))
            self.rested.append(self.short(SYM, t.ask_price1 + 30 * TICK, 1))

    def on_order(self, order: sd.Order) -> None:
        if order.status == "cancelled":
            self.cancelled.append(order.id)


class Watcher(sd.Agent):
    """Stops the run once the kill switch has cancelled the keeper's orders (bounded by the duration)."""

    keeper: Keeper | None = None
    steady: Steady | None = None

    def on_tick(self, t: sd.Tick) -> None:
        k, s = self.keeper, self.steady
        done = s is not None and s.phase == "done"
        if done and k is not None and len(k.cancelled) == 2 and not k.working_orders:
            self._engine.stop("kill verified")


def test_risk_local_when_agent_spams_cancels_it_is_stopped_others_trade_and_kill_cancels_all() -> None:
    spammer, steady = Spammer("spammer"), Steady("steady")
    keeper, watcher = Keeper("keeper"), Watcher("watcher")
    steady.spammer, steady.keeper = spammer, keeper
    watcher.keeper, watcher.steady = keeper, steady
    engine = local_engine([(spammer, [SYM]), (steady, [SYM]), (keeper, [SYM]), (watcher, [SYM])], speed=20)
    engine.config.risk = parse_risk({
        "account": {"order_rate": [], "cancel_rate": []},  # windows are property-tested apart
        "agents": {"spammer": {"daily_cancels": 5}},
    })
    report = engine.run(duration=60)
    assert report.stop_reason == "kill verified", report.format()

    # The spammer: exactly its limit of cancels went out, then RISK_CANCEL_LIMIT with the numbers.
    assert spammer.cancels_ok == 5
    code, reason = spammer.refusals[0]
    assert code == "RISK_CANCEL_LIMIT"
    assert reason == "agent=spammer rb2505 cancels 5/5 today", reason
    assert spammer.refusals[1][0] == "RISK_CANCEL_LIMIT" and "no new resting orders" in spammer.refusals[1][1]

    # The other agent on the same account kept trading after that: its own cancels and a fill.
    assert steady.cancels_ok == 3
    assert steady.fills >= 1

    # Kill switch: the keeper's working orders were cancelled, and orders are refused afterwards.
    assert sorted(keeper.cancelled) == sorted(keeper.rested)
    assert steady.killed_refusal is not None and steady.killed_refusal[0] == "RISK_KILL_SWITCH"
    assert "test kill" in steady.killed_refusal[1]
    assert engine.killed and engine.trading_state() == "halted"
    assert "kill switch: test kill" in report.errors

    # Counted and reported: per agent (run report) and for the account (risk stats).
    rows = {a.name: a for a in report.agents}
    assert rows["spammer"].rejects.get("RISK_CANCEL_LIMIT") == 2
    assert rows["steady"].rejects.get("RISK_KILL_SWITCH") == 1
    stats = engine.risk_stats()
    assert stats["rejects"]["RISK_CANCEL_LIMIT"] == 2 and stats["kills"] == 1
    assert "RISK_CANCEL_LIMIT" in report.format()


class Trader(sd.Agent):
    """Buys 2 lots, then probes 2-lot FAKs far below the bid until a live limit change refuses them."""

    def on_start(self) -> None:
        self.refused: tuple[str, str] | None = None
        self.flattened = False

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        pos = self.position(SYM)
        if pos.long < 2 and self.refused is None:
            if not self.working_orders and pos.expected_net == pos.long:  # retry until 2 lots are held
                self.buy(SYM, t.ask_price1 + 2 * TICK, 2 - pos.long, kind="fak")
        elif self.refused is None and pos.long == 2:
            try:
                self.buy(SYM, t.bid_price1 - 10 * TICK, 2, kind="fak")
            except sd.OrderRejected as e:
                self.refused = (e.code, e.reason)
                self._engine.kill(flatten=True, reason="flatten test")
        elif self.refused is not None and pos.long == 0 and not self.working_orders:
            self.flattened = True
            self._engine.stop("flattened")


def test_risk_local_when_limits_change_live_and_kill_flattens_position_goes_flat() -> None:
    import threading

    trader = Trader("trader")
    engine = local_engine([(trader, [SYM])], speed=20)
    engine.config.risk = parse_risk({"account": {"order_rate": [], "cancel_rate": []}})
    changed = threading.Event()

    def change_when_filled() -> None:  # another thread: the limit change goes through the MPSC queue
        while not changed.is_set():
            pos = trader._state.positions.get(SYM)  # read only: never create it from this thread
            if pos is not None and pos.long == 2:
                engine.update_risk({"agent": {"max_order_volume": 1}})
                changed.set()
            changed.wait(0.01)

    thread = threading.Thread(target=change_when_filled, daemon=True)
    thread.start()
    try:
        report = engine.run(duration=60)
    finally:
        changed.set()
        thread.join(timeout=5)
    assert report.stop_reason == "flattened", report.format()
    assert trader.refused is not None
    code, reason = trader.refused
    assert code == "RISK_MAX_ORDER_VOLUME" and "volume 2 > 1 (agent max per order)" in reason
    assert trader.position(SYM).long == 0 and trader.flattened
    assert engine.trading_state() == "reducing" and engine.trading_state("trader") == "reducing"
    assert "kill switch: flatten test" in report.errors


class BigHolder(sd.Agent):
    """Holds 5 lots, then pulls the kill switch with flatten under per-order limits of 3 (agent) and 2
    (instrument); stops once flat."""

    def on_start(self) -> None:
        self.killed_at: int | None = None
        self.flattened = False

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        pos = self.position(SYM)
        if self.killed_at is None:
            if pos.long < 5:
                if not self.working_orders and pos.expected_net == pos.long:  # retry until 5 lots are held
                    self.buy(SYM, t.ask_price1 + 2 * TICK, 5 - pos.long, kind="fak")
            else:
                self._engine.update_risk({"agent": {"max_order_volume": 3},
                                          "instrument": {"max_order_volume": 2},
                                          "account": {"order_rate": [], "cancel_rate": []}})
                self.killed_at = pos.long
                self._engine.kill(flatten=True, reason="flatten over the max order volume")
        elif pos.long == 0 and not self.working_orders:
            self.flattened = True
            self._engine.stop("flattened")


def test_risk_local_when_kill_flattens_lots_over_max_order_volume_goes_flat_unrefused() -> None:
    holder = BigHolder("holder")
    engine = local_engine([(holder, [SYM])], speed=20)
    engine.config.risk = parse_risk({"account": {"order_rate": [], "cancel_rate": []}})
    report = engine.run(duration=60)
    assert report.stop_reason == "flattened", report.format()
    assert holder.killed_at == 5 and holder.flattened
    assert holder.position(SYM).long == 0
    # Sized from the limits (2 lots, the instrument's), not learnt from refusals: nothing refused for volume.
    assert engine.risk_stats()["rejects"].get("RISK_MAX_ORDER_VOLUME", 0) == 0, engine.risk_stats()
    assert report.errors == ["kill switch: flatten over the max order volume"], report.errors
    row = {a.name: a for a in report.agents}["holder"]
    assert not row.rejects, row.rejects
