"""agents/market_maker.py: quote modes on a known book, parameters, protections, and a whole generated day on
the local front within the exchange's cancel budget and without a self-trade refusal."""

from __future__ import annotations

import math
from typing import Any

import pytest

import shandian as sd
from shandian.risk import parse_risk
from shandian.testing import local_engine
from tests.mm_agent import CancelTracking, mm

# A wide, uneven book: bid 100.0 / ask 100.5 (5 ticks of 0.1), the largest bid two levels down.
BOOK = mm.Book((100.0, 99.9, 99.8, 99.7, 99.6), (5, 10, 40, 8, 3), (100.5, 100.6, 100.7, 100.8, 100.9),
               (7, 30, 9, 60, 2))
STEP = 0.1


@pytest.mark.parametrize(("mode", "width_ticks", "expected"), [
    ("join", 1, (100.0, 100.5)),
    ("top", 1, (100.1, 100.4)),             # spread 5 ticks: one tick inside
    ("mid", 2, (100.1, 100.4)),             # mid 100.25 -/+ 0.1, away from the mid to the grid
    ("inverse_join", 2, (99.8, 100.7)),     # spread wider than the width: the width further out
    ("inverse_top", 2, (99.9, 100.6)),      # top, then the width out
    ("inverse_join", 6, (99.9, 100.6)),     # spread not wider than the width: join, widened to the width
    ("depth", 1, (99.9, 100.6)),            # first level where the cumulative volume reaches 12
    ("follow_large", 1, (99.8, 100.6)),     # the largest level within 2 ticks of the touch
    ("join", 8, (99.8, 100.7)),             # the width is the narrowest spread quoted (0.8 around 100.25)
])
def test_market_maker_quote_prices_when_known_book_gives_each_modes_prices(
    mode: str, width_ticks: int, expected: tuple[float, float]
) -> None:
    bid, ask = mm.quote_prices(BOOK, mode, width_ticks * STEP, STEP, depth_volume=12, follow_range_ticks=2)
    assert (round(bid, 6), round(ask, 6)) == expected


def test_market_maker_quote_prices_when_book_crossed_or_empty_gives_none() -> None:
    assert mm.quote_prices(mm.Book((), (), (100.5,), (1,)), "join", STEP, STEP) is None
    assert mm.quote_prices(mm.Book((100.5,), (1,), (100.5,), (1,)), "mid", STEP, STEP) is None


def test_market_maker_quote_prices_when_narrow_book_stays_passive() -> None:
    tight = mm.Book((100.0,), (5,), (100.1,), (5,))
    for mode in mm.MODES:
        bid, ask = mm.quote_prices(tight, mode, 3 * STEP, STEP)
        assert bid <= 100.0 + 1e-9 and ask >= 100.1 - 1e-9, mode


def _targets(params: dict[str, Any], pin: Any = None, deviation: int = 0) -> dict[tuple[str, int], float]:
    agent = mm.MarketMaker("t", params)
    st = mm._SymbolState(pin=pin)
    targets = agent._targets(st, BOOK, (100.0, 100.5), STEP, STEP, deviation, 0)
    return {k: round(v, 6) for k, v in targets.items()}


def test_market_maker_safety_modes_when_filled_shape_the_quotes() -> None:
    assert _targets({"safety": "ak47", "levels": 3, "level_spacing_ticks": 2}) == {
        ("bid", 0): 100.0, ("bid", 1): 99.8, ("bid", 2): 99.6,
        ("ask", 0): 100.5, ("ask", 1): 100.7, ("ask", 2): 100.9}
    # ping_pong after a bid fill at 100.2: only the ask, at least the width from the fill
    assert _targets({"safety": "ping_pong"}, pin=mm._Pin("ask", 100.6, 0)) == {("ask", 0): 100.6}
    # boomerang: both sides, the ask pinned at the profit target even below the mode's ask
    boomerang = _targets({"safety": "boomerang"}, pin=mm._Pin("ask", 100.3, 0))
    assert boomerang == {("bid", 0): 100.0, ("ask", 0): 100.3}


def test_market_maker_inventory_when_beyond_divergence_skews_and_drops_the_adding_side() -> None:
    params = {"divergence": 2, "hard_limit": 4, "skew_ticks": 1.0}
    assert _targets(params, deviation=2) == {("ask", 0): 100.3}  # long 2: no bid; ask 2 ticks lower
    assert _targets(params, deviation=-1) == {("bid", 0): 100.1, ("ask", 0): 100.6}


def test_market_maker_protections_when_book_time_or_risk_say_so_block_quoting() -> None:
    def reason(book: Any = BOOK, **kw: Any) -> str:
        args: dict[str, Any] = {"max_spread_ticks": 10, "upper_limit": 110.0, "lower_limit": 90.0,
                                "limit_guard_ticks": 3, "in_window": True, "seconds_left": 600.0,
                                "close_guard_s": 30.0, "risk_state": "active"}
        return str(mm.blocked_reason(book, STEP, **{**args, **kw}))

    assert reason() == ""
    assert reason(risk_state="reducing") == "risk_reducing"
    assert reason(risk_state="halted") == "risk_halted"
    assert reason(mm.Book((100.5,), (1,), (100.4,), (1,))) == "crossed_or_empty"
    assert reason(max_spread_ticks=4) == "wide"
    assert reason(upper_limit=100.7) == "near_limit"
    assert reason(lower_limit=99.8) == "near_limit"
    assert reason(seconds_left=20.0) == "session_end"
    assert reason(in_window=False) == "session_end"
    # the counter's instrument status closes the market even while the ticks' times still say open
    assert reason(trading_status="2") == "" and reason(trading_status="") == ""
    assert reason(trading_status="6") == "not_trading" and reason(trading_status="1") == "not_trading"


def test_market_maker_close_offset_when_both_held_picks_the_cheaper_fee() -> None:
    def rb(today_by_volume: float) -> sd.Instrument:
        fees = {"open_by_money": 0.0, "open_by_volume": 1.0, "close_by_money": 0.0, "close_by_volume": 1.0,
                "close_today_by_money": 0.0, "close_today_by_volume": today_by_volume}
        return sd.Instrument("rb2505", "SHFE", 1.0, 10, 500, 1, fees)

    assert mm.close_offset(rb(3.0), 2, 2, 3300.0, 1) == "close_yesterday"
    assert mm.close_offset(rb(0.0), 2, 2, 3300.0, 1) == "close_today"
    assert mm.close_offset(rb(0.0), 2, 0, 3300.0, 1) == "auto"  # only today's lots
    dce = sd.Instrument("m2505", "DCE", 1.0, 10, 500, 1, rb(0.0).fees)
    assert mm.close_offset(dce, 2, 2, 3300.0, 1) == "auto"  # one Close offset there
    assert mm.close_offset(sd.Instrument("rb2505", "SHFE", 1.0, 10, 500, 1), 2, 2, 3300.0, 1) == "auto"


def test_market_maker_params_when_invalid_name_param_value_and_rule() -> None:
    with pytest.raises(sd.ParamError, match=r"param mode: 'bogus' must be one of join, top"):
        mm.MarketMaker("m", {"mode": "bogus"})
    with pytest.raises(sd.ParamError, match=r"param hard_limit: 2 must be > divergence \(2\)"):
        mm.MarketMaker("m", {"divergence": 2, "hard_limit": 2})
    with pytest.raises(sd.ParamError, match="param levels: 3 must be 1 unless safety is 'ak47'"):
        mm.MarketMaker("m", {"levels": 3})
    with pytest.raises(sd.ParamError, match="param sessions: '9-10'"):
        mm.MarketMaker("m", {"sessions": "9-10"})
    with pytest.raises(sd.ParamError, match="param width: "):
        mm.MarketMaker("m", {"width": "wide"})
    agent = mm.MarketMaker("m", {"mode": "mid"})
    with pytest.raises(sd.ParamError, match="param width_unit"):
        agent.update_params(mode="top", width_unit="pips")
    assert agent.params["mode"] == "mid"  # a refused update changes nothing


class ModeCycler(mm.MarketMaker):
    """Hot-switches the quote mode every few placements; checks each new quote against quote_prices."""

    def on_start(self) -> None:
        super().on_start()
        self.checked: dict[str, int] = {m: 0 for m in mm.MODES}
        self.mismatches: list[tuple[str, float, float]] = []
        self.changes: list[dict[str, Any]] = []

    def on_tick(self, tick: sd.Tick) -> None:
        before = set(self.working_orders)
        super().on_tick(tick)
        new = [o for i, o in self.working_orders.items() if i not in before and o.kind == "limit"]
        st = self.books[tick.symbol]
        if st.blocked or not new:
            return
        book = mm.Book.from_tick(tick)
        bid, ask = mm.quote_prices(book, self.params["mode"], STEP_RB, STEP_RB,
                                   depth_volume=self.params["depth_volume"],
                                   follow_range_ticks=self.params["follow_range_ticks"])
        for order in new:  # skew 0, no safety mode: every quote at the mode's price
            expected = bid if order.direction == "buy" else ask
            if abs(order.price - expected) > 1e-6:
                self.mismatches.append((self.params["mode"], order.price, expected))
        self.checked[self.params["mode"]] += len(new)
        if self.checked[self.params["mode"]] >= 4:
            todo = [m for m in mm.MODES if self.checked[m] < 4]
            if not todo:
                self._engine.stop("every mode checked")
                return
            self.changes.append(self.update_params(mode=todo[0], depth_volume=100))


STEP_RB = 1.0


def test_market_maker_when_mode_hot_updated_on_local_front_places_each_modes_prices() -> None:
    agent = ModeCycler("mm", {"mode": "join", "divergence": 5, "hard_limit": 8})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=200, seed=11)
    report = engine.run(duration=40)
    assert report.stop_reason == "every mode checked", (agent.checked, report.format())
    assert all(n >= 4 for n in agent.checked.values()), agent.checked
    assert not agent.mismatches, agent.mismatches
    assert {c.get("mode") for c in agent.changes} == set(mm.MODES) - {"join"}
    assert report.agents[0].status == "ok" and not agent.refusals, (agent.refusals, report.format())


class RiskStateFlip(mm.MarketMaker):
    """Sets its own risk state to REDUCING after a few quotes; records what it places afterwards."""

    def on_start(self) -> None:
        super().on_start()
        self.flipped_at: int | None = None
        self.placed_after = 0
        self.ticks_after = 0
        self.working_at_end = -1

    def on_tick(self, tick: sd.Tick) -> None:
        before = len(self.orders(active=False))
        super().on_tick(tick)
        if self.flipped_at is None and before >= 4:
            self._engine.set_trading_state("reducing", agent=self.name)
            self.flipped_at = before
        elif self.flipped_at is not None and self.risk(tick.symbol).state == "reducing":
            self.placed_after += len(self.orders(active=False)) - before
            self.ticks_after += 1
            if self.ticks_after >= 40:
                self.working_at_end = len(self.working_orders)
                self._engine.stop("reducing observed")


def test_market_maker_when_risk_state_reducing_pulls_quotes_and_places_none() -> None:
    agent = RiskStateFlip("mm", {})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=200, seed=3)
    report = engine.run(duration=30)
    assert report.stop_reason == "reducing observed", report.format()
    assert agent.placed_after == 0
    assert agent.working_at_end == 0  # pulled before the stop
    assert agent.blocks.get("risk_reducing") == 1


class DayWatcher(mm.MarketMaker):
    """Stops the run when the generated day's feed reaches its close; keeps the cancel view it saw."""

    def on_start(self) -> None:
        super().on_start()
        self.views: list[sd.RiskView] = []
        self.statuses: set[str] = set()

    def on_tick(self, tick: sd.Tick) -> None:
        super().on_tick(tick)
        self.statuses.add(self.risk(tick.symbol).trading_status)
        if len(self.views) < 1 or tick.exchange_time_ms >= 15 * 3_600_000 - 2_000:
            self.views.append(self.risk(tick.symbol))
        if tick.exchange_time_ms >= 15 * 3_600_000 - 2_000:
            self._engine.stop("day over")


def test_market_maker_when_a_full_generated_day_runs_keeps_the_cancel_budget_and_never_self_trades() -> None:
    agent = DayWatcher("mm", {"mode": "join", "requote_ticks": 1.0})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=1000, seed=5)
    # rb: 480 cancels per contract and day. The 5 s stale-tick rule runs on the 1000x clock (5 ms of wall
    # time), shorter than a busy CI machine's scheduling delay: give it 10 min of exchange time (0.6 s).
    engine.config.risk = parse_risk({"preset": "shfe", "instrument": {"stale_after_ms": 600_000}})
    report = engine.run(duration=55)
    row = report.agents[0]
    assert report.stop_reason == "day over", report.format()
    assert row.status == "ok", report.format()
    first, last = agent.views[0], agent.views[-1]
    assert first.account_cancel_limit == 480  # read from the risk preset, not a constant
    assert "2" in agent.statuses  # the counter's instrument status reaches the agent (continuous trading)
    assert agent.books["rb2505"].plan is not None and agent.books["rb2505"].plan.limit == 480
    assert 100 < last.account_cancels <= 480 - agent.params["cancel_reserve"], last  # used, within budget
    assert row.fills > 100, report.format()
    assert not agent.refusals, agent.refusals  # no RISK_CANCEL_LIMIT, no RISK_SELF_TRADE, nothing refused
    assert not row.rejects, row.rejects
    assert agent.max_inventory <= agent.params["hard_limit"] + 1


class CloseWatcher(mm.MarketMaker):
    """Sets its trading window to end two minutes after its first tick (hot update); records the exchange time
    of each quote placed and how many rest once the close guard (the window's last minute) is on."""

    def on_start(self) -> None:
        super().on_start()
        self.end_ms = 0
        self.placed_at: list[int] = []
        self.resting_in_guard: list[int] = []

    def on_tick(self, tick: sd.Tick) -> None:
        if not self.end_ms:
            minute = tick.exchange_time_ms // 60_000
            self.end_ms = (minute + 2) * 60_000
            hhmm = [f"{m // 60:02d}:{m % 60:02d}" for m in (minute, minute + 2)]
            self.update_params(sessions=f"{hhmm[0]}-{hhmm[1]}")
        before = set(self.working_orders)
        super().on_tick(tick)
        self.placed_at += [tick.exchange_time_ms for i in self.working_orders if i not in before]
        if tick.exchange_time_ms >= self.end_ms - 50_000:  # 10 s into the guard: every quote pulled
            self.resting_in_guard.append(len(self.working_orders))
        if tick.exchange_time_ms >= self.end_ms + 30_000:
            self._engine.stop("past the window")


def test_market_maker_when_a_window_is_about_to_close_pulls_quotes_and_places_none() -> None:
    agent = CloseWatcher("mm", {"close_guard_s": 60.0})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=60, seed=3)
    report = engine.run(duration=30)
    assert report.stop_reason == "past the window", report.format()
    assert agent.placed_at and max(agent.placed_at) < agent.end_ms - 60_000  # nothing in the last minute
    assert agent.resting_in_guard and not any(agent.resting_in_guard)
    assert agent.blocks.get("session_end") == 1


class StaleWatcher(mm.MarketMaker):
    """Counts the cancels sent while the book is stale (the staleness timer's pulls)."""

    def on_start(self) -> None:
        super().on_start()
        self.stale_cancels = 0

    def _cancel(self, order: sd.Order) -> bool:
        sent = super()._cancel(order)
        self.stale_cancels += sent and self.books[order.symbol].blocked == "stale"
        return sent

    def on_timer(self, now_ns: int) -> None:
        super().on_timer(now_ns)
        if self.stale_cancels >= 2:
            self._engine.stop("stale quotes pulled")


def test_market_maker_when_no_tick_for_stale_s_pulls_quotes() -> None:
    # At the exchange's own pace a snapshot comes every 500 ms: 0.3 s without one is a stale book here.
    agent = StaleWatcher("mm", {"stale_s": 0.3})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=1, seed=3)
    report = engine.run(duration=15)
    assert report.stop_reason == "stale quotes pulled", report.format()
    assert agent.blocks["stale"] >= 1 and report.agents[0].cancels >= 2


def test_market_maker_width_when_in_bps_or_atr_scales_to_the_tick_grid() -> None:
    from shandian import ta

    bps = mm.MarketMaker("m", {"width": 10.0, "width_unit": "bps"})
    assert bps._width(mm._SymbolState(), BOOK, STEP) == pytest.approx(0.2)  # 10 bps of 100.25: 0.100.. -> 0.2
    agent = mm.MarketMaker("m", {"width": 1.5, "width_unit": "atr", "atr_period": 2})
    st = mm._SymbolState(atr=ta.ATR(2))
    assert agent._width(st, BOOK, STEP) is None  # no quote before the ATR is ready
    for high, low, close in ((100.5, 100.0, 100.2), (100.9, 100.1, 100.8), (100.6, 99.9, 100.0)):
        st.atr.update(high, low, close)
    assert st.atr.ready
    assert agent._width(st, BOOK, STEP) == pytest.approx(math.ceil(st.atr.value * 1.5 / STEP - 1e-9) * STEP)


class PingPongWatcher(CancelTracking):
    """Check the ping_pong rule where it matters: each fill closing a round trip is at least the width away.

    A closing fill inside the pin is a violation unless the agent had already sent that order's cancel
    (the market may trade with it while the cancel is on its way). Quotes placed while pinned are
    checked too: the pinned side only, at or beyond the pin.
    """

    def on_start(self) -> None:
        super().on_start()
        self.pong_quotes = 0
        self.pong_fills = 0
        self.violations: list[tuple[str, str, float, float]] = []
        self.round_trips = 0

    def on_tick(self, tick: sd.Tick) -> None:
        before = set(self.working_orders)
        pin = self.books[tick.symbol].pin if tick.symbol in self.books else None
        super().on_tick(tick)
        for oid in set(self.working_orders) - before:
            order = self.working_orders[oid]
            if pin is None or order.kind != "limit":
                continue
            self.pong_quotes += 1
            side = "ask" if order.direction == "sell" else "bid"
            beyond = order.price >= pin.price - 1e-9 if side == "ask" else order.price <= pin.price + 1e-9
            if side != pin.side or not beyond:
                self.violations.append(("quote", side, order.price, pin.price))

    def on_trade(self, trade: sd.Trade) -> None:
        pinned = self.books[trade.symbol].pin
        side = "bid" if trade.direction == "buy" else "ask"
        if pinned is not None and side == pinned.side:
            self.pong_fills += 1
            inside = trade.price > pinned.price + 1e-9 if side == "bid" else trade.price < pinned.price - 1e-9
            if inside and trade.order_id not in self.cancel_sent:
                self.violations.append(("fill", side, trade.price, pinned.price))
        super().on_trade(trade)
        if pinned is not None and self.books[trade.symbol].pin is None:
            self.round_trips += 1
            if self.round_trips >= 3:
                self._engine.stop("three round trips")


def test_market_maker_when_ping_pong_fills_closes_each_round_trip_beyond_the_width() -> None:
    # a 2-tick requote threshold: without the pin's rule a quote one tick inside the pin could stay and fill
    agent = PingPongWatcher("mm", {"safety": "ping_pong", "width": 2.0, "requote_ticks": 2.0})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=200, seed=1)
    report = engine.run(duration=90)  # stops at the third round trip; the bound only matters on a loaded box
    assert report.stop_reason == "three round trips", report.format()
    # which quote closes a round trip (one placed after the pin, or one already resting beyond it)
    # depends on tick timing; that every closing fill respects the width does not
    assert agent.pong_fills >= 3 and not agent.violations, agent.violations


def test_market_maker_when_pinned_a_quote_inside_the_pin_is_off_whatever_the_requote_threshold() -> None:
    """A quote one tick inside the pin is within a 3-tick requote threshold, yet the pin forbids it."""
    agent = mm.MarketMaker("mm", {"safety": "ping_pong", "width": 2.0, "requote_ticks": 3.0})
    st = mm._SymbolState(pin=mm._Pin("bid", 3290.0, 0))
    assert agent._breaks_pin(st, "bid", 3291.0)  # inside: would close one tick short
    assert not agent._breaks_pin(st, "bid", 3290.0) and not agent._breaks_pin(st, "bid", 3289.0)
    assert agent._breaks_pin(st, "ask", 3300.0)  # ping_pong quotes the pinned side only
