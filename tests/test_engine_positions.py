"""Per-agent position bookkeeping (shandian.agent.Position): PnL and today/yesterday lots, property-tested
against a brute-force cash-flow count."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from shandian.agent import Position

fill = st.tuples(
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["open", "close", "close_today", "close_yesterday"]),
    st.integers(3000, 3100),  # price in ticks of 1
    st.integers(1, 5),
)


def apply_all(fills: list[tuple[str, str, int, int]], mult: float) -> tuple[Position, float, int]:
    """Book the fills that are possible (closes only up to what is held); return the position, the cash
    flow of the booked fills and the net lots."""
    pos = Position("rb2505", multiplier=mult)
    cash = 0.0
    for direction, offset, price, volume in fills:
        if offset != "open":
            held = pos.long if direction == "sell" else pos.short
            if offset == "close_today":
                held = pos.long_today if direction == "sell" else pos.short_today
            elif offset == "close_yesterday":
                held = pos.long_yd if direction == "sell" else pos.short_yd
            volume = min(volume, held)
            if volume == 0:
                continue
        pos.apply(direction, offset, float(price), volume)
        cash += (price if direction == "sell" else -price) * volume * mult
    return pos, cash, pos.net


@settings(max_examples=300, deadline=None)
@given(
    fills=st.lists(fill, max_size=40), mark=st.integers(3000, 3100), mult=st.sampled_from([1.0, 5.0, 10.0])
)
def test_position_when_fills_booked_pnl_equals_cash_flow_plus_mark(fills, mark: int, mult: float) -> None:
    pos, cash, net = apply_all(fills, mult)
    pos.last_price = float(mark)
    total = pos.realized_pnl + pos.unrealized_pnl
    assert math.isclose(total, cash + net * mark * mult, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=300, deadline=None)
@given(fills=st.lists(fill, max_size=40))
def test_position_when_fills_booked_lots_stay_consistent(fills) -> None:
    pos, _, _ = apply_all(fills, 1.0)
    assert 0 <= pos.long_today <= pos.long and 0 <= pos.short_today <= pos.short
    assert pos.long_yd == 0 and pos.short_yd == 0  # an agent starts flat: every lot is today's
    assert (pos.long == 0) == (pos.long_avg == 0.0) and (pos.short == 0) == (pos.short_avg == 0.0)


def test_position_when_no_price_known_unrealized_is_zero() -> None:
    pos = Position("rb2505", multiplier=10)
    pos.apply("buy", "open", 3000.0, 2)
    assert pos.unrealized_pnl == 0.0
    pos.last_price = 3010.0
    assert pos.unrealized_pnl == 200.0
    pos.apply("sell", "close_today", 3020.0, 1)
    assert pos.realized_pnl == 200.0 and pos.long == 1 and pos.long_today == 1
