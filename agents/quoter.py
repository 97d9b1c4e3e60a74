"""Quoter: a two-sided quoting agent with an inventory limit.

Keeps at most one bid and one ask resting `edge_ticks` behind the touch (0 = join the best price). A side
is not quoted while the agent's net position has reached `max_inventory` in that direction; a bid covers a
short before it opens a long (and an ask sells a long before it opens a short), so inventory mean-reverts.
A quote more than `requote_ticks` away from where it should be is cancelled and re-placed on a later tick.
Fills come from the local front's queue model: a resting order trades once the volume ahead of it traded.

    [[agents]]
    name = "quoter"
    class = "agents/quoter.py:Quoter"
    symbols = ["m2505"]
    params = { lots = 1, edge_ticks = 0, max_inventory = 3 }
"""

from __future__ import annotations

from typing import Any, ClassVar

import shandian as sd


class Quoter(sd.Agent):
    """Quote both sides around the touch; stop adding to inventory past `max_inventory`."""

    params: ClassVar[dict[str, Any]] = {"lots": 1, "edge_ticks": 0, "max_inventory": 3, "requote_ticks": 2}

    def check_params(self, params: dict[str, Any]) -> None:
        """Lots >= 1, max_inventory >= lots, edge >= 0, requote >= 1."""
        if params["lots"] < 1:
            raise sd.ParamError(f"param lots: {params['lots']} must be >= 1")
        if params["max_inventory"] < params["lots"]:
            raise sd.ParamError(
                f"param max_inventory: {params['max_inventory']} must be >= lots ({params['lots']})"
            )
        if params["edge_ticks"] < 0:
            raise sd.ParamError(f"param edge_ticks: {params['edge_ticks']} must be >= 0")
        if params["requote_ticks"] < 1:
            raise sd.ParamError(f"param requote_ticks: {params['requote_ticks']} must be >= 1")

    def on_start(self) -> None:
        """No quotes yet."""
        self.bid: sd.Order | None = None
        self.ask: sd.Order | None = None
        self.refused = 0
        self.max_seen_inventory = 0
        self.cancel_budget_spent = False  # the risk engine's daily cancel limit: a quoter cannot work without

    def on_tick(self, tick: sd.Tick) -> None:
        """Place missing quotes, pull stale ones."""
        if tick.bid_price1 <= 0 or tick.ask_price1 <= 0 or self.cancel_budget_spent:
            return
        symbol = tick.symbol
        step = self.instrument(symbol).price_tick
        p = self.params
        pos = self.position(symbol)
        net = pos.expected_net  # counts fills reported on orders whose trades are still on the way
        self.max_seen_inventory = max(self.max_seen_inventory, abs(net))
        bid_price = tick.bid_price1 - p["edge_ticks"] * step
        ask_price = tick.ask_price1 + p["edge_ticks"] * step
        # Never quote through our own resting quote on the other side (its cancel may still be on the way
        # when the market moves through it): the risk engine would refuse it as a self-trade.
        bid_clear = self.ask is None or self.ask.price > bid_price
        ask_clear = self.bid is None or self.bid.price < ask_price
        self.bid = self._maintain(self.bid, bid_price, step,
                                  want=net + p["lots"] <= p["max_inventory"] and bid_clear,
                                  place=lambda: self._bid(symbol, bid_price, pos))
        self.ask = self._maintain(self.ask, ask_price, step,
                                  want=net - p["lots"] >= -p["max_inventory"] and ask_clear,
                                  place=lambda: self._ask(symbol, ask_price, pos))

    def _maintain(self, quote: sd.Order | None, target: float, step: float, want: bool,
                  place: Any) -> sd.Order | None:
        if quote is not None:
            stale = abs(quote.price - target) >= self.params["requote_ticks"] * step - 1e-9
            if (stale or not want) and quote.status != "submitting":
                try:
                    self.cancel(quote.id)  # False when it just filled: the on_order update clears it
                except sd.OrderRejected as e:
                    self._refused(e)
            return quote
        if not want:
            return None
        try:
            return place()
        except sd.OrderRejected as e:
            self._refused(e)
            return None

    def _refused(self, e: sd.OrderRejected) -> None:
        """Count and log a refused quote or cancel; a spent daily cancel budget ends quoting for the day."""
        self.refused += 1
        self.log(f"quote refused: {e.code}: {e.reason}")
        if e.code == "RISK_CANCEL_LIMIT":  # resting quotes need cancels: stop quoting for the day
            self.cancel_budget_spent = True
            self.log("daily cancel budget spent: no more quotes today")

    def _bid(self, symbol: str, price: float, pos: sd.Position) -> sd.Order:
        lots = self.params["lots"]
        if pos.short_available >= lots:
            oid = self.cover(symbol, price, lots)
        else:
            oid = self.buy(symbol, price, lots)
        return self.working_orders[oid]

    def _ask(self, symbol: str, price: float, pos: sd.Position) -> sd.Order:
        lots = self.params["lots"]
        if pos.long_available >= lots:
            oid = self.sell(symbol, price, lots)
        else:
            oid = self.short(symbol, price, lots)
        return self.working_orders[oid]

    def on_order(self, order: sd.Order) -> None:
        """Track the latest state of each quote; forget it once final."""
        for side in ("bid", "ask"):
            quote = getattr(self, side)
            if quote is not None and quote.id == order.id:
                setattr(self, side, None if order.is_final else order)
