"""Bar strategies in the vn.py CTA idiom: a dual moving average and a Bollinger mean reversion.

Bars are built in C++ on the engine thread and arrive in `on_bar`; indicators are `shandian.ta` objects
updated once per bar (O(1), no array recomputed). Subscribe the bars in the config:

    [[agents]]
    name = "dual-ma"
    class = "agents/bar_cta.py:DualMA"
    bars = { rb2505 = ["5m"] }
    params = { fast = 10, slow = 20, lots = 1 }

Each agent trades the symbol of the bars it gets, towards a target position: FAK orders priced
`slippage_ticks` through the bar's close (filled now or gone, nothing left resting), one order at a time.
"""

from __future__ import annotations

from typing import Any, ClassVar

import shandian as sd
from shandian import ta


class BarCta(sd.Agent):
    """Moves the position towards `target(bar)` lots on every bar; subclasses decide the target."""

    params: ClassVar[dict[str, Any]] = {"lots": 1, "slippage_ticks": 3}

    def check_params(self, params: dict[str, Any]) -> None:
        """Require lots >= 1 and slippage_ticks >= 0."""
        if params["lots"] < 1:
            raise sd.ParamError(f"param lots: {params['lots']} must be >= 1")
        if params["slippage_ticks"] < 0:
            raise sd.ParamError(f"param slippage_ticks: {params['slippage_ticks']} must be >= 0")

    def on_start(self) -> None:
        """No order in flight; counters for the report and tests."""
        self.pending: int | None = None
        self.bars_seen = 0
        self.orders_sent = 0
        self.refused = 0

    def target(self, bar: sd.Bar) -> int | None:
        """Return the wanted net position after this bar (None: keep what is held)."""
        raise NotImplementedError

    def on_bar(self, bar: sd.Bar) -> None:
        """Update the indicators (target), then trade towards the target."""
        self.bars_seen += 1
        wanted = self.target(bar)
        if wanted is None or self.pending is not None:
            return
        pos = self.position(bar.symbol)
        if pos.unbooked_buy or pos.unbooked_sell:
            return  # the last order filled but its trade is not booked yet: decide on the real position
        step = self.params["slippage_ticks"] * self.instrument(bar.symbol).price_tick
        try:
            if wanted > pos.net:
                if pos.short:
                    self.pending = self.cover(bar.symbol, bar.close + step, pos.short, kind="fak")
                else:
                    self.pending = self.buy(bar.symbol, bar.close + step, wanted - pos.net, kind="fak")
            elif wanted < pos.net:
                if pos.long:
                    self.pending = self.sell(bar.symbol, bar.close - step, pos.long, kind="fak")
                else:
                    self.pending = self.short(bar.symbol, bar.close - step, pos.net - wanted, kind="fak")
            else:
                return
            self.orders_sent += 1
        except sd.OrderRejected as e:  # refused before sending: counted in the report; next bar tries again
            self.refused += 1
            self.log(f"order refused: {e.code}: {e.reason}")

    def on_order(self, order: sd.Order) -> None:
        """FAK orders finish quickly: free the slot."""
        if order.id == self.pending and order.is_final:
            self.pending = None


class DualMA(BarCta):
    """Long while the fast SMA of closes is above the slow one, short while below (vn.py DoubleMa)."""

    params: ClassVar[dict[str, Any]] = {**BarCta.params, "fast": 10, "slow": 20}

    def check_params(self, params: dict[str, Any]) -> None:
        """Require 2 <= fast < slow."""
        super().check_params(params)
        if not 2 <= params["fast"] < params["slow"]:
            fast, slow = params["fast"], params["slow"]
            raise sd.ParamError(f"param fast/slow: {fast}/{slow} must be 2 <= fast < slow")

    def on_start(self) -> None:
        """Start fresh averages."""
        super().on_start()
        self.fast = ta.SMA(self.params["fast"])
        self.slow = ta.SMA(self.params["slow"])
        self.crosses = 0
        self.side = 0

    def target(self, bar: sd.Bar) -> int | None:
        """+lots on a golden cross, -lots on a death cross; the side is held between crosses."""
        fast = self.fast.update(bar.close)
        slow = self.slow.update(bar.close)
        if not self.slow.ready:
            return None
        side = 1 if fast > slow else -1 if fast < slow else self.side
        if side != self.side:
            self.crosses += 1
            self.side = side
        return self.side * self.params["lots"]


class BollingerRevert(BarCta):
    """Fade closes outside the Bollinger band, exit at the middle band."""

    params: ClassVar[dict[str, Any]] = {**BarCta.params, "period": 20, "nbdev": 2.0}

    def check_params(self, params: dict[str, Any]) -> None:
        """Require period >= 2 and nbdev > 0."""
        super().check_params(params)
        if params["period"] < 2:
            raise sd.ParamError(f"param period: {params['period']} must be >= 2")
        if not params["nbdev"] > 0:
            raise sd.ParamError(f"param nbdev: {params['nbdev']} must be > 0")

    def on_start(self) -> None:
        """Start a fresh band."""
        super().on_start()
        self.band = ta.Bollinger(self.params["period"], self.params["nbdev"], self.params["nbdev"])
        self.entries = 0

    def target(self, bar: sd.Bar) -> int | None:
        """Long below the lower band, short above the upper; flat again once the close crosses the middle."""
        middle = self.band.update(bar.close)
        if not self.band.ready:
            return None
        net = self.position(bar.symbol).net
        lots = self.params["lots"]
        if bar.close < self.band.lower and net <= 0:
            self.entries += 1
            return lots
        if bar.close > self.band.upper and net >= 0:
            self.entries += 1
            return -lots
        if (net > 0 and bar.close >= middle) or (net < 0 and bar.close <= middle):
            return 0
        return None
