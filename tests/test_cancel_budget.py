"""shandian.cancel_budget: the day's cancel allowance spread over the session, and the session clock."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shandian.cancel_budget import CancelPlan, session_point, session_windows

plans = st.builds(
    lambda limit, reserve_share, burst, base, extra, calm: CancelPlan(
        limit, reserve=int(limit * reserve_share), burst=burst, base_ticks=base, max_ticks=base + extra,
        calm=calm
    ),
    st.integers(0, 5000),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0.1, 10),
    st.floats(0, 20),
    st.floats(0, 0.99),
)
fractions = st.floats(-0.5, 1.5, allow_nan=False)


@given(plans, st.lists(fractions, min_size=1, max_size=400))
def test_cancel_plan_when_requotes_follow_it_never_spends_past_the_limit_less_reserve(
    plan: CancelPlan, times: list[float]
) -> None:
    used = 0
    for t in sorted(times):
        while plan.may_requote(used, t):
            used += 1
    assert used <= plan.spendable
    assert plan.may_protect(used) == (used + 1 < plan.limit)


@given(plans, fractions, fractions)
def test_cancel_plan_when_time_passes_allowance_grows_to_the_spendable(
    plan: CancelPlan, a: float, b: float
) -> None:
    early, late = sorted((a, b))
    assert plan.allowance(early) <= plan.allowance(late) <= plan.spendable
    assert plan.allowance(1.0) == plan.spendable


@given(plans, st.integers(0, 6000), st.integers(0, 6000), fractions)
def test_cancel_plan_when_more_is_spent_threshold_widens_within_bounds(
    plan: CancelPlan, u1: int, u2: int, t: float
) -> None:
    low, high = sorted((u1, u2))
    a, b = plan.threshold_ticks(low, t), plan.threshold_ticks(high, t)
    assert plan.base_ticks <= a <= b
    assert b <= plan.max_ticks or math.isinf(b)


@given(plans, st.integers(0, 6000), fractions, fractions)
def test_cancel_plan_when_time_passes_threshold_narrows(
    plan: CancelPlan, used: int, a: float, b: float
) -> None:
    early, late = sorted((a, b))
    assert plan.threshold_ticks(used, late) <= plan.threshold_ticks(used, early)


def test_cancel_plan_when_bad_values_names_the_field() -> None:
    with pytest.raises(ValueError, match="reserve"):
        CancelPlan(10, reserve=11)
    with pytest.raises(ValueError, match="base_ticks/max_ticks"):
        CancelPlan(10, base_ticks=3, max_ticks=2)


DAY = session_windows("09:00-10:15,10:30-11:30,13:30-15:00")


def test_session_point_when_in_a_window_counts_elapsed_trading_time_and_seconds_left() -> None:
    p = session_point(DAY, (10 * 60 + 45) * 60_000)  # 10:45: 75 + 15 of 225 minutes done
    assert p.in_window and p.elapsed == pytest.approx(90 / 225) and p.seconds_left == 45 * 60
    brk = session_point(DAY, (10 * 60 + 20) * 60_000)  # the 10:15-10:30 break
    assert not brk.in_window and brk.elapsed == pytest.approx(75 / 225)
    assert session_point(DAY, 15 * 3_600_000 + 1).elapsed == 1.0


def test_session_point_when_night_session_precedes_the_day_on_one_line() -> None:
    night = session_windows("21:00-01:00,09:00-10:15,10:30-11:30,13:30-15:00")
    assert session_point(night, 23 * 3_600_000).elapsed == pytest.approx(120 / 465)  # 2 h of 7 h 45 min
    assert session_point(night, 30 * 60_000).seconds_left == 30 * 60  # 00:30, half an hour to 01:00


@given(st.integers(0, 86_399_999), st.integers(0, 86_399_999))
def test_session_point_when_time_passes_elapsed_never_goes_back(a: int, b: int) -> None:
    night = session_windows("21:00-02:30,09:00-10:15,10:30-11:30,13:30-15:00")
    shift = 18 * 3_600_000  # trading-day order starts at 18:00
    early, late = sorted((a, b), key=lambda ms: (ms - shift) % 86_400_000)
    assert session_point(night, early).elapsed <= session_point(night, late).elapsed


def test_session_windows_when_malformed_names_the_part() -> None:
    with pytest.raises(ValueError, match="'9-10'"):
        session_windows("9-10")
    with pytest.raises(ValueError, match="starts before"):
        session_windows("10:00-11:00,09:00-09:30")
