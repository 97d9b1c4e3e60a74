"""Checks of bar subscriptions shared by the config loader and the engine (rules live in C++: cpp/bars)."""

from __future__ import annotations

from shandian import _core
from shandian.errors import BarSubscriptionError

__all__ = ["bar_interval", "check_bar_symbol"]


def bar_interval(text: object) -> str:
    """Return the canonical interval text ("60m" -> "1h"); BarSubscriptionError naming the bad value."""
    if not isinstance(text, str):
        raise BarSubscriptionError("interval", text, "must be a str: '1m', '5m', '1h', '1d', '100t', ...")
    try:
        return str(_core.bar_interval(text))
    except _core.BarIntervalError as e:
        rule = str(e).removeprefix(f"bar interval '{text}': ")
        raise BarSubscriptionError("interval", text, rule) from None


def check_bar_symbol(symbol: str) -> None:
    """Raise BarSubscriptionError when the session table has no trading hours for the symbol's product."""
    try:
        _core.check_bar_product(symbol)
    except _core.UnknownProductError as e:
        rule = str(e).removeprefix(f"symbol '{symbol}': ")
        raise BarSubscriptionError("symbol", symbol, rule) from None
