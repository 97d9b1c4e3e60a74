"""Per-agent position bookkeeping in the C++ ledger (cpp/core/ledger.hpp, through _bench.LedgerProbe): PnL
and today/yesterday lots, property-tested against a brute-force cash-flow count."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import _bench, _core

DIRS = {"buy": _core.Direction.BUY, "sell": _core.Direction.SELL}
OFFS = {
    "open": _core.Offset.OPEN,
    "close": _core.Offset.CLOSE,
    "close_today": _core.Offset.CLOSE_TODAY,
    "close_yesterday": _core.Offset.CLOSE_YESTERDAY,
}

fill = st.tuples(
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["open", "close", "close_today", "close_yesterday"]),
    st.integers(3000, 3100),  # price in ticks of 1
    st.integers(1, 5),
)


def apply_all(fills: list[tuple[str, str, int, int]], mult: int) -> tuple[_bench.LedgerProbe, float, int]:
    """Book the fills that are possible (closes only up to what is held); return the ledger, the cash
    flow of the booked fills and the net lots."""
    probe = _bench.LedgerProbe(mult, "DCE")
    cash = 0.0
    for direction, offset, price, volume in fills:
        v = probe.view
        if offset != "open":
            held = v.long_today + v.long_yd if direction == "sell" else v.short_today + v.short_yd
            if offset == "close_today":
                held = v.long_today if direction == "sell" else v.short_today
            elif offset == "close_yesterday":
                held = v.long_yd if direction == "sell" else v.short_yd
            volume = min(volume, held)
            if volume == 0:
                continue
        probe.book(DIRS[direction], OFFS[offset], float(price), volume)
        cash += (price if direction == "sell" else -price) * volume * mult
    v = probe.view
    return probe, cash, v.long_today + v.long_yd - v.short_today - v.short_yd


@settings(max_examples=300, deadline=None)
@given(fills=st.lists(fill, max_size=40), mark=st.integers(3000, 3100), mult=st.sampled_from([1, 5, 10]))
def test_position_when_fills_booked_pnl_equals_cash_flow_plus_mark(fills, mark: int, mult: int) -> None:
    probe, cash, net = apply_all(fills, mult)
    probe.mark(float(mark))
    total = probe.view.realized_pnl + probe.unrealized_pnl
    assert math.isclose(total, cash + net * mark * mult, rel_tol=1e-9, abs_tol=1e-6)
    assert probe.overclosed_lots == 0


@settings(max_examples=300, deadline=None)
@given(fills=st.lists(fill, max_size=40))
def test_position_when_fills_booked_lots_stay_consistent(fills) -> None:
    probe, _, _ = apply_all(fills, 1)
    v = probe.view
    assert v.long_today >= 0 and v.short_today >= 0
    assert v.long_yd == 0 and v.short_yd == 0  # an agent starts flat: every lot is today's
    assert (v.long_today == 0) == (v.long_avg == 0.0) and (v.short_today == 0) == (v.short_avg == 0.0)


def test_position_when_no_price_known_unrealized_is_zero() -> None:
    probe = _bench.LedgerProbe(10, "SHFE")
    probe.book(_core.Direction.BUY, _core.Offset.OPEN, 3000.0, 2)
    assert probe.unrealized_pnl == 0.0
    probe.mark(3010.0)
    assert probe.unrealized_pnl == 200.0
    probe.book(_core.Direction.SELL, _core.Offset.CLOSE_TODAY, 3020.0, 1)
    v = probe.view
    assert v.realized_pnl == 200.0 and v.long_today == 1
