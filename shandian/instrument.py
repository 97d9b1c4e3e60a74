"""`Instrument`: the static facts of one listed instrument, as the engine's registry holds them.

A value type at the bottom of the package (it imports nothing from shandian), so the agent, the engine and
tools can all hand it around without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Instrument"]


@dataclass(frozen=True, slots=True)
class Instrument:
    """Static facts of an instrument (from the counter's instrument query, fixed for the session)."""

    symbol: str
    """InstrumentID, e.g. "rb2505"."""
    exchange: str
    """ExchangeID, e.g. "SHFE"."""
    price_tick: float
    """Smallest price step; prices are snapped to this grid before they are sent."""
    volume_multiple: int
    """Contract multiplier: PnL per lot is price change × volume_multiple."""
    max_limit_order_volume: int
    """Largest volume the exchange accepts in one limit order (larger closes are split)."""
    min_limit_order_volume: int
    """Smallest volume the exchange accepts in one limit order."""
    fees: dict[str, float] | None = field(default=None, hash=False)
    """The counter's commission rates (open/close/close_today _by_money/_by_volume); None while unknown."""

    def close_fee(self, price: float, volume: int, today: bool) -> float | None:
        """Return the fee of closing `volume` lots at `price` (today's or older lots); None: rates unknown."""
        if self.fees is None:
            return None
        kind = "close_today" if today else "close"
        notional = price * volume * self.volume_multiple
        return self.fees[f"{kind}_by_money"] * notional + self.fees[f"{kind}_by_volume"] * volume

    @classmethod
    def from_registry_entry(cls, entry: Mapping[str, Any]) -> Instrument:
        """Build from the extension's registry entry (`_core.Engine.instrument(index)`), field by field."""
        return cls(
            symbol=str(entry["symbol"]),
            exchange=str(entry["exchange"]),
            price_tick=float(entry["price_tick"]),
            volume_multiple=int(entry["volume_multiple"]),
            max_limit_order_volume=int(entry["max_limit_order_volume"]),
            min_limit_order_volume=int(entry["min_limit_order_volume"]),
            fees=_fees(entry.get("commission")),
        )


def _fees(rates: Any) -> dict[str, float] | None:
    """Return the registry's commission rates as floats, or None when the counter has not answered yet."""
    if not isinstance(rates, Mapping) or not rates.get("known"):
        return None
    return {k: float(v) for k, v in rates.items() if k != "known"}
