"""MarketMaker: a parameterised two-sided quoter for China futures (quote modes, inventory target, safety).

Quote modes (`mode`), each giving one bid and one ask from the book of the tick:

    join          best bid / best ask
    top           one tick inside both sides when the spread is at least 3 ticks, else join
    mid           the mid -/+ half the width (rounded away from the mid to the tick grid)
    inverse_join  join, moved the width further out when the spread is wider than the width (wide books)
    inverse_top   top, moved the width further out when the spread is wider than the width
    depth         each side at the first level where the cumulative volume of that side reaches `depth_volume`
                  (the quote sits behind at least that much resting volume)
    follow_large  each side just behind the largest resting level within `follow_range_ticks` of the touch

The width (`width` in `width_unit`: "ticks", "bps" of the mid, or "atr" multiples of the ATR of `atr_interval`
bars from shandian.ta) is also the minimum distance between the agent's bid and ask in every mode. Quotes
are always passive: a bid never at or above the best ask, an ask never at or below the best bid.

Inventory: the agent aims at `target_position` lots; a side that would take it more than `divergence` lots
away is not quoted, both quotes are skewed `skew_ticks` per lot of deviation towards the target, and beyond
`hard_limit` lots the excess above `divergence` is crossed with a FAK at the far touch.

Safety (`safety`): "ping_pong" (after a fill, quote only the other side, at least the width from the fill
price, until it fills), "boomerang" (after a fill, pin the other side at the fill -/+ `profit_ticks` while
quoting normally, until it fills or `boomerang_s` pass), "ak47" (`levels` orders per side, each
`level_spacing_ticks` further out).

Protections pull every quote and place none while: no tick for `stale_s` seconds, the book is crossed or
wider than `max_spread_ticks`, the touch is within `limit_guard_ticks` of limit-up/limit-down, the time is
within `close_guard_s` of the end of a trading window (`sessions`), or the agent's risk state is not active.

China futures rules: the day's cancel allowance on the contract (the risk preset's daily_cancels, read from
the engine) is spread over `sessions` by shandian.cancel_budget, which widens the requote threshold as the
spending runs ahead of schedule; a replacement quote waits until the quote it replaces is final and never
rests at a price our own opposite orders would trade with (no self-trade refusals); closing picks
CloseToday or CloseYesterday by the counter's fee rates when both are held (SHFE/INE). Inserts are paced by
the room the risk engine's order-rate windows leave (RiskView.insert_room): a quote waits (`paced`) while it
is at most `order_rate_reserve`, which the crossing rebalance may use.

    [[agents]]
    name = "mm-rb"
    class = "agents/market_maker.py:MarketMaker"
    symbols = ["rb2505"]
    params = { mode = "join", width = 1.0, bid_size = 1, ask_size = 1, divergence = 2, hard_limit = 4 }
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import shandian as sd
from shandian import ta
from shandian.cancel_budget import CancelPlan, session_point, session_windows

MODES = ("join", "top", "mid", "inverse_join", "inverse_top", "depth", "follow_large")
WIDTH_UNITS = ("ticks", "bps", "atr")
SAFETY_MODES = ("none", "ping_pong", "boomerang", "ak47")
_EPS = 1e-9


class Book(NamedTuple):
    """The visible book of one tick: prices best first, levels without a price or volume dropped."""

    bid_prices: tuple[float, ...]
    bid_volumes: tuple[int, ...]
    ask_prices: tuple[float, ...]
    ask_volumes: tuple[int, ...]

    @classmethod
    def from_tick(cls, tick: sd.Tick) -> Book:
        """Return the levels of a tick that carry a price and a volume."""
        bids = [(p, v) for p, v in zip(tick.bid_prices, tick.bid_volumes, strict=False) if _real(p, v)]
        asks = [(p, v) for p, v in zip(tick.ask_prices, tick.ask_volumes, strict=False) if _real(p, v)]
        return cls(tuple(p for p, _ in bids), tuple(v for _, v in bids),
                   tuple(p for p, _ in asks), tuple(v for _, v in asks))


def _real(price: float, volume: int) -> bool:
    return 0 < price < 1e300 and volume > 0


def _down(price: float, step: float) -> float:
    return math.floor(price / step + _EPS) * step


def _up(price: float, step: float) -> float:
    return math.ceil(price / step - _EPS) * step


def _depth_level(prices: tuple[float, ...], volumes: tuple[int, ...], size: int) -> float:
    total = 0
    for price, volume in zip(prices, volumes, strict=True):
        total += volume
        if total >= size:
            return price
    return prices[-1]


def _largest_level(prices: tuple[float, ...], volumes: tuple[int, ...], reach: float) -> float:
    best, best_volume = prices[0], -1
    for price, volume in zip(prices, volumes, strict=True):
        if abs(price - prices[0]) <= reach + _EPS and volume > best_volume:
            best, best_volume = price, volume
    return best


def quote_prices(book: Book, mode: str, width: float, step: float, *, depth_volume: int = 1,
                 follow_range_ticks: int = 5) -> tuple[float, float] | None:
    """Return the (bid, ask) `mode` quotes on `book` with `width` (a price, >= one tick); None: no book."""
    if not book.bid_prices or not book.ask_prices:
        return None
    bid1, ask1 = book.bid_prices[0], book.ask_prices[0]
    if bid1 >= ask1 - _EPS:
        return None
    spread = ask1 - bid1
    improve = spread >= 3 * step - _EPS
    if mode == "join":
        bid, ask = bid1, ask1
    elif mode == "top":
        bid, ask = (bid1 + step, ask1 - step) if improve else (bid1, ask1)
    elif mode == "mid":
        mid = (bid1 + ask1) / 2
        bid, ask = _down(mid - width / 2, step), _up(mid + width / 2, step)
    elif mode in ("inverse_join", "inverse_top"):
        bid, ask = (bid1 + step, ask1 - step) if mode == "inverse_top" and improve else (bid1, ask1)
        if spread > width + _EPS:
            bid, ask = _down(bid - width, step), _up(ask + width, step)
    elif mode == "depth":
        bid = _depth_level(book.bid_prices, book.bid_volumes, depth_volume)
        ask = _depth_level(book.ask_prices, book.ask_volumes, depth_volume)
    elif mode == "follow_large":
        bid = _largest_level(book.bid_prices, book.bid_volumes, follow_range_ticks * step)
        ask = _largest_level(book.ask_prices, book.ask_volumes, follow_range_ticks * step)
    else:
        raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
    if ask - bid < width - _EPS:  # the width is the narrowest spread we quote
        mid = (bid + ask) / 2
        bid, ask = _down(mid - width / 2, step), _up(mid + width / 2, step)
    return min(bid, ask1 - step), max(ask, bid1 + step)  # passive: never at or through the far touch


def close_offset(instrument: sd.Instrument, today: int, yesterday: int, price: float, volume: int) -> str:
    """Offset for closing `volume` lots: the cheaper of CloseToday / CloseYesterday when both can (SHFE/INE).

    Elsewhere (one Close offset) or when only one kind of lot suffices, or fees are unknown: "auto".
    """
    if instrument.exchange not in ("SHFE", "INE") or today < volume or yesterday < volume:
        return "auto"
    fee_today = instrument.close_fee(price, volume, today=True)
    fee_yesterday = instrument.close_fee(price, volume, today=False)
    if fee_today is None or fee_yesterday is None:
        return "auto"
    return "close_today" if fee_today < fee_yesterday else "close_yesterday"


_CONTINUOUS = "2"  # CTP THOST_FTDC_IS_Continous


def blocked_reason(book: Book, step: float, *, max_spread_ticks: int, upper_limit: float, lower_limit: float,
                   limit_guard_ticks: int, in_window: bool, seconds_left: float, close_guard_s: float,
                   risk_state: str, trading_status: str = "") -> str:
    """Why no quote may rest now ("" when quoting is allowed): the protections, first one that applies.

    `trading_status` is the instrument's CTP status ('2' continuous; '' none seen yet): it can close (or not
    yet open) the market before the ticks' own times say so, and the risk engine refuses orders by it.
    """
    if risk_state != "active":
        return f"risk_{risk_state}"
    if trading_status not in ("", _CONTINUOUS):
        return "not_trading"
    if not book.bid_prices or not book.ask_prices or book.bid_prices[0] >= book.ask_prices[0] - _EPS:
        return "crossed_or_empty"
    if book.ask_prices[0] - book.bid_prices[0] > max_spread_ticks * step + _EPS:
        return "wide"
    guard = limit_guard_ticks * step
    if (0 < upper_limit < 1e300 and book.ask_prices[0] >= upper_limit - guard - _EPS) or (
            0 < lower_limit < 1e300 and book.bid_prices[0] <= lower_limit + guard + _EPS):
        return "near_limit"
    if not in_window or seconds_left <= close_guard_s:
        return "session_end"
    return ""


@dataclass
class _Pin:
    """A side a safety mode holds at a price: the only side quoted (ping_pong), or pinned (boomerang)."""

    side: str  # "bid" | "ask"
    price: float
    since_ms: int


@dataclass
class _SymbolState:
    """Per-instrument quoting state."""

    quotes: dict[tuple[str, int], sd.Order] = field(default_factory=dict)  # (side, level) -> resting quote
    plan: CancelPlan | None = None
    pin: _Pin | None = None
    rebalance: int | None = None  # id of the crossing FAK in flight
    crossing_ids: set[int] = field(default_factory=set)  # crossing FAKs sent: their fills are no quote fills
    last_recv_ns: int = 0
    last_ms: int = 0  # exchange time of the last tick (ms since midnight)
    blocked: str = ""
    atr: Any = None
    insert_room: int | None = None  # the risk view's insert room of this tick, less what it sent since


class MarketMaker(sd.Agent):
    """Quote both sides by `mode`, hold inventory near `target_position`, keep the cancel budget."""

    params: ClassVar[dict[str, Any]] = {
        "mode": "join",
        "width": 1.0,
        "width_unit": "ticks",
        "atr_period": 14,
        "atr_interval": "1m",
        "bid_size": 1,
        "ask_size": 1,
        "levels": 1,
        "level_spacing_ticks": 1,
        "depth_volume": 50,
        "follow_range_ticks": 5,
        "target_position": 0,
        "divergence": 2,
        "hard_limit": 4,
        "skew_ticks": 0.0,
        "safety": "none",
        "profit_ticks": 2,
        "boomerang_s": 300.0,
        "stale_s": 5.0,
        "max_spread_ticks": 20,
        "limit_guard_ticks": 3,
        "close_guard_s": 30.0,
        "sessions": "09:00-10:15,10:30-11:30,13:30-15:00",
        "requote_ticks": 1.0,
        "max_requote_ticks": 8.0,
        "cancel_reserve": 20,
        "order_rate_reserve": 1,
    }

    def check_params(self, params: dict[str, Any]) -> None:
        """Every parameter's range; ParamError names the parameter, the value and the rule."""
        def bad(name: str, rule: str) -> sd.ParamError:
            return sd.ParamError(f"param {name}: {params[name]!r} {rule}")

        for name, choices in (("mode", MODES), ("width_unit", WIDTH_UNITS), ("safety", SAFETY_MODES)):
            if params[name] not in choices:
                raise bad(name, f"must be one of {', '.join(choices)}")
        for name in ("bid_size", "ask_size", "levels", "level_spacing_ticks", "depth_volume",
                     "follow_range_ticks", "profit_ticks", "max_spread_ticks", "atr_period"):
            if params[name] < 1:
                raise bad(name, "must be >= 1")
        for name in ("width", "stale_s", "requote_ticks"):
            if not params[name] > 0:
                raise bad(name, "must be > 0")
        for name in ("skew_ticks", "close_guard_s", "boomerang_s", "limit_guard_ticks", "cancel_reserve",
                     "order_rate_reserve"):
            if params[name] < 0:
                raise bad(name, "must be >= 0")
        if params["max_requote_ticks"] < params["requote_ticks"]:
            raise bad("max_requote_ticks", f"must be >= requote_ticks ({params['requote_ticks']})")
        if params["divergence"] < 0:
            raise bad("divergence", "must be >= 0")
        if params["hard_limit"] <= params["divergence"]:
            raise bad("hard_limit", f"must be > divergence ({params['divergence']})")
        if params["levels"] > 1 and params["safety"] != "ak47":
            raise bad("levels", "must be 1 unless safety is 'ak47' (layered orders)")
        try:
            session_windows(params["sessions"])
        except ValueError as e:
            raise bad("sessions", f"must be comma-separated HH:MM-HH:MM windows in order ({e})") from None
        from shandian.bars import bar_interval
        from shandian.errors import BarSubscriptionError
        try:
            bar_interval(params["atr_interval"])
        except BarSubscriptionError as e:
            raise bad("atr_interval", f"must be a bar interval ({e})") from None

    # ---- life cycle ------------------------------------------------------------------------------------
    def on_start(self) -> None:
        """Per-symbol state, the staleness timer, ATR bars when the width is volatility-scaled."""
        self.books: dict[str, _SymbolState] = {}
        self.windows = session_windows(self.params["sessions"])
        self.refusals: dict[str, int] = {}
        self.cancels_sent = 0
        self.paced = 0  # quotes not sent this tick: the order-rate windows had no room above the reserve
        self.max_inventory = 0
        self.blocks: dict[str, int] = {}
        self.add_timer(min(1.0, self.params["stale_s"] / 2))

    def on_params(self, changed: dict[str, Any]) -> None:
        """Apply new parameters from the next tick; rebuild the session table, cancel plan, ATR."""
        if "sessions" in changed:
            self.windows = session_windows(self.params["sessions"])
        if {"requote_ticks", "max_requote_ticks", "cancel_reserve"} & changed.keys():
            for st in self.books.values():
                st.plan = None
        if {"width_unit", "atr_period", "atr_interval"} & changed.keys():
            for symbol, st in self.books.items():
                st.atr = None
                self._ensure_atr(symbol, st)

    def _symbol_state(self, symbol: str) -> _SymbolState:
        st = self.books.get(symbol)
        if st is None:
            st = self.books[symbol] = _SymbolState()
            self._ensure_atr(symbol, st)
        return st

    def _ensure_atr(self, symbol: str, st: _SymbolState) -> None:
        if self.params["width_unit"] == "atr" and st.atr is None:
            st.atr = ta.ATR(self.params["atr_period"])
            self.subscribe_bars(symbol, self.params["atr_interval"])

    def on_bar(self, bar: sd.Bar) -> None:
        """Feed the ATR of the volatility-scaled width."""
        st = self.books.get(bar.symbol)
        if st is not None and st.atr is not None and bar.interval == self.params["atr_interval"]:
            st.atr.update(bar.high, bar.low, bar.close)

    def on_timer(self, now_ns: int) -> None:
        """Pull quotes of a book that has gone quiet for `stale_s` seconds."""
        limit = self.params["stale_s"] * 1e9
        for symbol, st in self.books.items():
            if st.last_recv_ns and now_ns - st.last_recv_ns > limit and st.blocked != "stale":
                st.blocked = "stale"
                self.blocks["stale"] = self.blocks.get("stale", 0) + 1
                self._pull(symbol, st)

    # ---- quoting ---------------------------------------------------------------------------------------
    def _width(self, st: _SymbolState, book: Book, step: float) -> float | None:
        p = self.params
        unit = p["width_unit"]
        if unit == "ticks":
            width = p["width"] * step
        elif unit == "bps":
            width = (book.bid_prices[0] + book.ask_prices[0]) / 2 * p["width"] / 1e4
        else:
            if st.atr is None or not st.atr.ready:
                return None
            width = st.atr.value * p["width"]
        return max(step, _up(width, step))

    def on_tick(self, tick: sd.Tick) -> None:
        """Protections, then targets per side and level, then cancel-before-replace maintenance."""
        symbol = tick.symbol
        st = self._symbol_state(symbol)
        st.last_recv_ns = tick.recv_ns
        st.last_ms = tick.exchange_time_ms
        step = self.instrument(symbol).price_tick
        p = self.params
        book = Book.from_tick(tick)
        risk = self.risk(symbol)
        point = session_point(self.windows, tick.exchange_time_ms)
        reason = blocked_reason(book, step, max_spread_ticks=p["max_spread_ticks"],
                                upper_limit=tick.upper_limit_price, lower_limit=tick.lower_limit_price,
                                limit_guard_ticks=p["limit_guard_ticks"], in_window=point.in_window,
                                seconds_left=point.seconds_left, close_guard_s=p["close_guard_s"],
                                risk_state=risk.state, trading_status=risk.trading_status)
        if reason:
            if reason != st.blocked:
                self.blocks[reason] = self.blocks.get(reason, 0) + 1
            st.blocked = reason
            self._pull(symbol, st, risk)
            return
        st.blocked = ""
        st.insert_room = risk.insert_room
        plan, used = self._plan(st, risk)
        pos = self.position(symbol)
        net = pos.expected_net
        self.max_inventory = max(self.max_inventory, abs(net))
        deviation = net - p["target_position"]
        if abs(deviation) > p["hard_limit"]:
            self._rebalance(symbol, st, book, deviation, step)
        width = self._width(st, book, step)
        base = None if width is None else quote_prices(book, p["mode"], width, step,
                                                        depth_volume=p["depth_volume"],
                                                        follow_range_ticks=p["follow_range_ticks"])
        targets: dict[tuple[str, int], float] = {}
        if base is not None and width is not None:
            targets = self._targets(st, book, base, width, step, deviation, tick.exchange_time_ms)
        threshold = plan.threshold_ticks(used, point.elapsed) * step
        may_requote = plan.may_requote(used, point.elapsed)
        for key in list(st.quotes):
            quote = st.quotes[key]
            target = targets.get(key)
            off = (target is None or abs(quote.price - target) >= threshold - _EPS
                   or self._breaks_pin(st, key[0], quote.price))
            if off and may_requote and quote.status != "submitting" and self._cancel(quote):
                used += 1
                may_requote = plan.may_requote(used, point.elapsed)
        for key, price in targets.items():  # inner levels first: outer ak47 levels wait for room
            if key not in st.quotes:
                self._place(symbol, st, key, price, pos, step)

    def _plan(self, st: _SymbolState, risk: sd.RiskView) -> tuple[CancelPlan, int]:
        """Return the cancel plan of the binding scope (agent's or account's daily limit) and its use."""
        pairs = ((risk.agent_cancels, risk.agent_cancel_limit),
                 (risk.account_cancels, risk.account_cancel_limit))
        scopes = [(limit, used) for used, limit in pairs if limit > 0]
        limit, used = min(scopes, key=lambda s: s[0] - s[1]) if scopes else (1 << 30, 0)
        p = self.params
        if st.plan is None or st.plan.limit != limit:
            st.plan = CancelPlan(limit, reserve=min(limit, p["cancel_reserve"]),
                                 base_ticks=p["requote_ticks"], max_ticks=p["max_requote_ticks"])
        return st.plan, used

    def _targets(self, st: _SymbolState, book: Book, base: tuple[float, float], width: float, step: float,
                 deviation: int, now_ms: int) -> dict[tuple[str, int], float]:
        """Wanted price per (side, level): inventory limits, skew, safety modes."""
        p = self.params
        bid, ask = base
        shift = _down(-p["skew_ticks"] * deviation * step + step / 2, step)  # towards the target, whole ticks
        bid1, ask1 = book.bid_prices[0], book.ask_prices[0]
        bid = min(bid + shift, ask1 - step)
        ask = max(ask + shift, bid1 + step)
        want_bid = deviation + p["bid_size"] <= p["divergence"]
        want_ask = deviation - p["ask_size"] >= -p["divergence"]
        pin = st.pin
        expired = pin is not None and abs(now_ms - pin.since_ms) > p["boomerang_s"] * 1000
        if expired and p["safety"] == "boomerang":
            st.pin = pin = None
        if pin is not None:
            if pin.side == "ask":
                ask = max(ask, pin.price) if p["safety"] == "ping_pong" else max(pin.price, bid1 + step)
                want_bid = want_bid and p["safety"] != "ping_pong"
            else:
                bid = min(bid, pin.price) if p["safety"] == "ping_pong" else min(pin.price, ask1 - step)
                want_ask = want_ask and p["safety"] != "ping_pong"
        levels = p["levels"] if p["safety"] == "ak47" else 1
        spacing = p["level_spacing_ticks"] * step
        out: dict[tuple[str, int], float] = {}
        for level in range(levels):
            if want_bid:
                out[("bid", level)] = round(bid - level * spacing, 10)
            if want_ask:
                out[("ask", level)] = round(ask + level * spacing, 10)
        return out

    def _place(self, symbol: str, st: _SymbolState, key: tuple[str, int], price: float, pos: sd.Position,
               step: float) -> None:
        """Send one quote unless an own opposite order rests where it would trade, or the windows are short.

        Short: the order-rate windows have no room above `order_rate_reserve` (kept for the rebalance FAK).
        """
        if st.insert_room is not None and st.insert_room <= self.params["order_rate_reserve"]:
            self.paced += 1
            return
        side = key[0]
        buy = side == "bid"
        for order in self.working_orders.values():  # incl. ones whose cancel is still on its way
            if order.symbol == symbol and (order.direction == "sell") == buy and (
                    order.price <= price + _EPS if buy else order.price >= price - _EPS):
                return
        size = self.params["bid_size" if buy else "ask_size"]
        available, today, yesterday = self._closable(symbol, pos, buy)
        try:
            if available >= size:
                offset = close_offset(self.instrument(symbol), today, yesterday, price, size)
                oid = (self.cover if buy else self.sell)(symbol, price, size, offset=offset)
            else:
                oid = (self.buy if buy else self.short)(symbol, price, size)
        except sd.OrderRejected as e:
            self._refused(e)
            return
        self._spend_room(st)
        order = self.working_orders.get(oid)
        if order is not None:
            st.quotes[key] = order

    def _closable(self, symbol: str, pos: sd.Position, buy: bool) -> tuple[int, int, int]:
        """Return the (total, today's, yesterday's) lots a new close order may take: a buy closes shorts.

        The position view is the one of the last update delivered: close orders sent since (another
        level, earlier in this tick or before their acknowledgement) have not frozen their lots in it yet,
        so every working close order of ours is taken off here.
        """
        direction = "buy" if buy else "sell"
        closing = {"close_today": 0, "close_yesterday": 0, "close": 0}
        for order in self.working_orders.values():
            if order.symbol == symbol and order.direction == direction and order.offset in closing:
                closing[order.offset] += order.volume - order.traded
        held_today, held_yd = (pos.short_today, pos.short_yd) if buy else (pos.long_today, pos.long_yd)
        total = min(pos.short_available if buy else pos.long_available,
                    held_today + held_yd - sum(closing.values()))
        today = max(0, held_today - closing["close_today"])
        yesterday = max(0, held_yd - closing["close_yesterday"] - closing["close"])  # SHFE/INE: Close ≡ yd
        return max(0, total), today, yesterday

    def _rebalance(self, symbol: str, st: _SymbolState, book: Book, deviation: int, step: float) -> None:
        """Cross the spread (FAK at the far touch) for the excess beyond the divergence.

        Our own orders the FAK would trade with are cancelled first (self-trade); it goes on a later tick.
        It may take the order-rate reserve the quotes leave, not more.
        """
        if st.rebalance is not None or (st.insert_room is not None and st.insert_room <= 0):
            return
        p = self.params
        lots = abs(deviation) - p["divergence"]
        sell = deviation > 0
        price = book.bid_prices[0] if sell else book.ask_prices[0]
        blocking = [o for o in self.working_orders.values() if o.symbol == symbol
                    and o.direction == ("buy" if sell else "sell")
                    and (o.price >= price - _EPS if sell else o.price <= price + _EPS)]
        if blocking:
            for order in blocking:
                if order.status != "submitting" and st.plan is not None:
                    self._cancel(order)
            return
        pos = self.position(symbol)
        try:
            if sell:
                close = min(lots, self._closable(symbol, pos, buy=False)[0])
                st.rebalance = (self.sell(symbol, price, close, kind="fak") if close
                                else self.short(symbol, price, lots, kind="fak"))
                st.crossing_ids.add(st.rebalance)
            else:
                close = min(lots, self._closable(symbol, pos, buy=True)[0])
                st.rebalance = (self.cover(symbol, price, close, kind="fak") if close
                                else self.buy(symbol, price, lots, kind="fak"))
                st.crossing_ids.add(st.rebalance)
        except sd.OrderRejected as e:
            self._refused(e)
            return
        self._spend_room(st)

    @staticmethod
    def _spend_room(st: _SymbolState) -> None:
        """One insert admitted: the windows have one less room until the next tick reads them again."""
        if st.insert_room is not None:
            st.insert_room -= 1

    def _pull(self, symbol: str, st: _SymbolState, risk: sd.RiskView | None = None) -> None:
        """Protective cancel of every resting quote (may use the budget's reserve, never its last cancel)."""
        risk = risk or self.risk(symbol)
        plan, used = self._plan(st, risk)
        for quote in list(st.quotes.values()):
            if quote.status == "submitting" or not plan.may_protect(used):
                continue
            if self._cancel(quote):
                used += 1

    def _cancel(self, order: sd.Order) -> bool:
        try:
            sent = self.cancel(order.id)
        except sd.OrderRejected as e:
            self._refused(e)
            return False
        self.cancels_sent += sent
        return sent

    def _refused(self, e: sd.OrderRejected) -> None:
        self.refusals[e.code] = self.refusals.get(e.code, 0) + 1
        self.log(f"refused: {e.code}: {e.reason}")

    # ---- order / fill events -------------------------------------------------------------------------------
    def on_order(self, order: sd.Order) -> None:
        """Keep each slot's latest order state; free the slot (and the rebalance) once final."""
        st = self.books.get(order.symbol)
        if st is None:
            return
        if order.id == st.rebalance and order.is_final:
            st.rebalance = None
        for key, quote in list(st.quotes.items()):
            if quote.id == order.id:
                if order.is_final:
                    del st.quotes[key]
                else:
                    st.quotes[key] = order

    def on_trade(self, trade: sd.Trade) -> None:
        """Safety modes react to quote fills: ping_pong / boomerang pin the other side."""
        st = self.books.get(trade.symbol)
        safety = self.params["safety"]
        if st is None or safety not in ("ping_pong", "boomerang") or trade.order_id in st.crossing_ids:
            return
        filled_side = "bid" if trade.direction == "buy" else "ask"
        if st.pin is not None and st.pin.side == filled_side:
            st.pin = None  # the pong / boomerang came back: normal quoting again
            return
        step = self.instrument(trade.symbol).price_tick
        if safety == "ping_pong":
            distance = self._width(st, Book((trade.price,), (1,), (trade.price + step,), (1,)), step) or step
        else:
            distance = self.params["profit_ticks"] * step
        sign = 1 if filled_side == "bid" else -1
        st.pin = _Pin("ask" if filled_side == "bid" else "bid", round(trade.price + sign * distance, 10),
                      st.last_ms)
        self._enforce_pin(trade.symbol, st)

    def _breaks_pin(self, st: _SymbolState, side: str, price: float) -> bool:
        """Tell whether the pin forbids a quote: pinned side inside the pin, or (ping_pong) the other side.

        The requote threshold does not apply to these: a resting quote one tick inside the pin would
        otherwise close the round trip short of the width.
        """
        pin = st.pin
        if pin is None:
            return False
        if side != pin.side:
            return self.params["safety"] == "ping_pong"
        return price > pin.price + _EPS if side == "bid" else price < pin.price - _EPS

    def _enforce_pin(self, symbol: str, st: _SymbolState) -> None:
        """Cancel at once (not on the next tick) every resting quote the new pin forbids.

        Between this fill and the next tick the market can still trade with such a quote; the cancel
        uses the budget's protective allowance, like a pull.
        """
        plan, used = self._plan(st, self.risk(symbol))
        for key, quote in list(st.quotes.items()):
            if not self._breaks_pin(st, key[0], quote.price):  # a quote still on its way too: cancellable
                continue
            if plan.may_protect(used) and self._cancel(quote):
                used += 1
