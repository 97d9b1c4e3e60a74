"""Breakout: a channel-breakout momentum agent (the shape of vn.py's CTA examples, with typed rejects).

Rule: over the previous `window` last prices, a tick that trades above the highest goes long `lots`, below
the lowest goes short `lots`; the opposite breakout first closes the position, the next one reverses.
Orders are FAK at the touch plus `slippage_ticks`, so they fill now or are gone (nothing left resting);
one order at a time. After `cooldown_ticks` ticks without acting it may act again.

    [[agents]]
    name = "breakout"
    class = "agents/breakout.py:Breakout"
    symbols = ["rb2505"]
    params = { window = 40, lots = 1 }
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

import shandian as sd


class Breakout(sd.Agent):
    """Go with the break of the recent high/low; one position at a time."""

    params: ClassVar[dict[str, Any]] = {"window": 40, "lots": 1, "slippage_ticks": 1, "cooldown_ticks": 5}

    def check_params(self, params: dict[str, Any]) -> None:
        """Window >= 2 ticks, lots >= 1, slippage and cooldown >= 0."""
        if params["window"] < 2:
            raise sd.ParamError(f"param window: {params['window']} must be >= 2")
        if params["lots"] < 1:
            raise sd.ParamError(f"param lots: {params['lots']} must be >= 1")
        for key in ("slippage_ticks", "cooldown_ticks"):
            if params[key] < 0:
                raise sd.ParamError(f"param {key}: {params[key]} must be >= 0")

    def on_start(self) -> None:
        """Reset the channel; one order in flight at a time."""
        self.prices: deque[float] = deque(maxlen=self.params["window"])
        self.pending: int | None = None
        self.quiet = 0
        self.signals = 0
        self.refused = 0

    def on_params(self, changed: dict[str, Any]) -> None:
        """Restart the channel when the window changes."""
        if "window" in changed:
            self.prices = deque(self.prices, maxlen=changed["window"])

    def on_tick(self, tick: sd.Tick) -> None:
        """Act on a break of the channel formed by the previous ticks."""
        price = tick.last_price
        if price <= 0 or tick.ask_price1 <= 0 or tick.bid_price1 <= 0:
            return
        prices = self.prices
        self.quiet += 1
        ready = len(prices) == prices.maxlen and self.pending is None
        if ready and self.quiet > self.params["cooldown_ticks"]:
            high, low = max(prices), min(prices)
            if price > high:
                self._go(tick, up=True)
            elif price < low:
                self._go(tick, up=False)
        prices.append(price)

    def _go(self, tick: sd.Tick, up: bool) -> None:
        pos = self.position(tick.symbol)
        if pos.unbooked_buy or pos.unbooked_sell:
            return  # the last order filled but its trade is not booked yet: decide on the real position
        lots = self.params["lots"]
        step = self.params["slippage_ticks"] * self.instrument(tick.symbol).price_tick
        buy_price = min(tick.ask_price1 + step, tick.upper_limit_price or tick.ask_price1 + step)
        sell_price = max(tick.bid_price1 - step, tick.lower_limit_price or tick.bid_price1 - step)
        try:
            if up and pos.short:
                self.pending = self.cover(tick.symbol, buy_price, pos.short, kind="fak")
            elif up and not pos.long:
                self.pending = self.buy(tick.symbol, buy_price, lots, kind="fak")
            elif not up and pos.long:
                self.pending = self.sell(tick.symbol, sell_price, pos.long, kind="fak")
            elif not up and not pos.short:
                self.pending = self.short(tick.symbol, sell_price, lots, kind="fak")
            else:
                return
            self.signals += 1
            self.quiet = 0
        except sd.OrderRejected as e:  # refused before sending: counted in the report; try again later
            self.refused += 1
            self.log(f"order refused: {e.code}: {e.reason}")

    def on_order(self, order: sd.Order) -> None:
        """FAK orders finish quickly: free the slot."""
        if order.id == self.pending and order.is_final:
            self.pending = None
