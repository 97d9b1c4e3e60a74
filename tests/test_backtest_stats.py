"""Backtest statistics (shandian.backtest.stats / result): each one against a small case worked out by hand.

The expected numbers are derived in the comments from the inputs, never by calling the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian.backtest.result import DAILY_DTYPE, TRADE_DTYPE, build_result
from shandian.backtest.stats import drawdown, match_round_trips, series_stats

DAYS = [20250102, 20250103, 20250106, 20250107, 20250108]
MULT = {"rb2505": 10.0}


def trade(time_ms, day, direction, offset, price, volume, fee, agent="a", symbol="rb2505"):
    return (time_ms, day, agent, symbol, direction, offset, price, volume, fee, time_ms, f"T{time_ms}")


def trades_of(*rows):
    return np.array(list(rows), dtype=TRADE_DTYPE)


def daily_of(rows):
    """rows: (day, agent, realized, unrealized, fees, turnover, trades, net_pnl); balance filled by build."""
    return np.array([(*r, 0.0) for r in rows], dtype=DAILY_DTYPE)


# --- the daily series -------------------------------------------------------------------------------------
# capital 1000; net PnL per day 100, -110, -99, 89.1, 196.02
# balances 1100, 990, 891, 980.1, 1176.12
# returns (PnL / previous balance): 100/1000 = .1, -110/1100 = -.1, -99/990 = -.1, 89.1/891 = .1,
#                                    196.02/980.1 = .2
# mean = (.1 - .1 - .1 + .1 + .2) / 5 = .04
# deviations .06 -.14 -.14 .06 .16 → squares .0036 .0196 .0196 .0036 .0256, sum .072; sample var .072/4 = .018
# downside: squares of min(r, 0): .01, .01 over 5 days → .004
# peak 1100 (day 1) until day 5; drawdowns 0, -110, -209, -119.9, 0 → max -209 on day 3, first below on day 2
SERIES_PNL = [100.0, -110.0, -99.0, 89.1, 196.02]


def series():
    return series_stats(np.array(DAYS, np.uint32), np.array(SERIES_PNL), 1000.0)


def test_net_pnl_and_total_return_when_five_days_sum_of_pnl_over_capital():
    s = series()
    assert s["net_pnl"] == pytest.approx(176.12)  # 100 - 110 - 99 + 89.1 + 196.02
    assert s["total_return"] == pytest.approx(0.17612)  # 176.12 / 1000
    assert s["end_balance"] == pytest.approx(1176.12)
    assert s["days"] == 5


def test_annual_return_when_mean_daily_return_004_is_96():
    assert series()["annual_return"] == pytest.approx(9.6)  # .04 × 240


def test_annual_volatility_when_sample_variance_0018_is_sqrt_432():
    assert series()["annual_volatility"] == pytest.approx(math.sqrt(4.32))  # sqrt(.018 × 240) = 2.0785


def test_sharpe_when_mean_004_and_variance_0018_is_4_6188():
    # .04 / sqrt(.018) × sqrt(240) = .04 × sqrt(13333.3) = 4.6188
    assert series()["sharpe"] == pytest.approx(4.618802153517006)


def test_sortino_when_downside_square_mean_0004_is_sqrt_96():
    # .04 / sqrt(.004) × sqrt(240) = .04 × sqrt(60000) = sqrt(96) = 9.7980
    assert series()["sortino"] == pytest.approx(math.sqrt(96))


def test_max_drawdown_when_peak_1100_falls_to_891_is_209_over_two_days():
    s = series()
    assert s["max_drawdown"] == pytest.approx(-209.0)
    assert s["max_drawdown_pct"] == pytest.approx(-0.19)  # -209 / 1100
    assert (s["max_drawdown_start"], s["max_drawdown_end"], s["max_drawdown_days"]) == (20250103, 20250106, 2)


def test_calmar_when_annual_return_96_and_drawdown_19pct_is_50_53():
    assert series()["calmar"] == pytest.approx(9.6 / 0.19)  # 50.526


def test_drawdown_when_capital_is_the_first_peak_counts_from_day_one():
    # capital 100 is the peak before day 1: balances 90, 95, 101 → drawdowns -10, -5, 0
    assert drawdown(np.array([90.0, 95.0, 101.0]), 100.0).tolist() == pytest.approx([-10.0, -5.0, 0.0])
    s = series_stats(np.array([1, 2, 3], np.uint32), np.array([-10.0, 5.0, 6.0]), 100.0)
    assert (s["max_drawdown"], s["max_drawdown_start"], s["max_drawdown_end"], s["max_drawdown_days"]) == \
        (-10.0, 1, 1, 1)
    assert s["max_drawdown_pct"] == pytest.approx(-0.1)


def test_series_stats_when_equity_flat_risk_ratios_are_zero():
    s = series_stats(np.array(DAYS[:3], np.uint32), np.zeros(3), 1000.0)
    assert (s["sharpe"], s["sortino"], s["calmar"], s["annual_volatility"], s["max_drawdown"]) == \
        (0.0, 0.0, 0.0, 0.0, 0.0)
    assert (s["max_drawdown_start"], s["max_drawdown_end"], s["max_drawdown_days"]) == (0, 0, 0)


def test_series_stats_when_single_day_volatility_and_sharpe_are_zero():
    # one day +50 on 1000: return .05, annual .05 × 240 = 12; a sample std needs two days → 0, Sharpe 0;
    # no losing day → Sortino 0; no drawdown → Calmar 0
    s = series_stats(np.array([20250102], np.uint32), np.array([50.0]), 1000.0)
    assert s["annual_return"] == pytest.approx(12.0)
    assert (s["annual_volatility"], s["sharpe"], s["sortino"], s["calmar"]) == (0.0, 0.0, 0.0, 0.0)


def test_series_stats_when_no_days_everything_zero():
    s = series_stats(np.zeros(0, np.uint32), np.zeros(0), 1000.0)
    assert s["net_pnl"] == 0.0 and s["sharpe"] == 0.0 and s["days"] == 0 and s["end_balance"] == 1000.0


# --- round trips ------------------------------------------------------------------------------------------
# rb2505, multiplier 10, fees 1 per lot:
#  1 buy open 2 @3500 (fee 2)        2 buy open 1 @3510 (fee 1)
#  3 sell close_today 2 @3520 (fee 2): the 2 lots @3500 → gross (3520-3500)×2×10 = 400, fees 2+2, net 396
#  4 sell close 1 @3490 (fee 1), day 2: the lot @3510 → gross (3490-3510)×10 = -200, fees 1+1, net -202
#  5 sell open 3 @3480 (fee 3)
#  6 buy close_today 1 @3470 (fee 1): short → gross (3480-3470)×10 = 100, fees 1+1, net 98
#  7 buy close_today 2 @3481 (fee 2): short → gross (3480-3481)×2×10 = -20, fees 2+2, net -24
# wins 396, 98; losses -202, -24 → win rate 2/4, profit factor 494/226, avg win 247, avg loss -113
D1, D2 = 20250102, 20250103
BOOK = trades_of(
    trade(1, D1, "buy", "open", 3500, 2, 2.0), trade(2, D1, "buy", "open", 3510, 1, 1.0),
    trade(3, D1, "sell", "close_today", 3520, 2, 2.0), trade(4, D2, "sell", "close", 3490, 1, 1.0),
    trade(5, D2, "sell", "open", 3480, 3, 3.0), trade(6, D2, "buy", "close_today", 3470, 1, 1.0),
    trade(7, D2, "buy", "close_today", 3481, 2, 2.0),
)


def test_match_round_trips_when_fifo_per_side_pnl_net_of_both_fees():
    rt = match_round_trips(BOOK, MULT)
    assert rt["net_pnl"].tolist() == pytest.approx([396.0, -202.0, 98.0, -24.0])
    assert rt["gross_pnl"].tolist() == pytest.approx([400.0, -200.0, 100.0, -20.0])
    assert rt["fees"].tolist() == pytest.approx([4.0, 2.0, 2.0, 4.0])
    assert rt["side"].tolist() == ["long", "long", "short", "short"]
    assert rt["open_price"].tolist() == [3500.0, 3510.0, 3480.0, 3480.0]
    assert rt["open_time_ms"].tolist() == [1, 2, 5, 5]
    assert rt["volume"].tolist() == [2, 1, 1, 2]


def test_match_round_trips_when_close_spans_two_lots_price_is_volume_weighted():
    # open 1 @100 (fee .5) and 1 @110 (fee .5); close 2 @120 (fee 1): entry (100+110)/2 = 105,
    # gross (240 - 210) × 10 = 300, fees .5 + .5 + 1 = 2, net 298
    rt = match_round_trips(trades_of(trade(1, D1, "buy", "open", 100, 1, 0.5),
                                     trade(2, D1, "buy", "open", 110, 1, 0.5),
                                     trade(3, D1, "sell", "close", 120, 2, 1.0)), MULT)
    assert (rt["open_price"][0], rt["gross_pnl"][0], rt["fees"][0], rt["net_pnl"][0]) == (105, 300, 2, 298)


def test_match_round_trips_when_close_yesterday_takes_older_day_lot_and_close_today_today_lot():
    # day 1 open @100; day 2 open @110; day 2 close_today @105 → today's lot: (105-110)×10 = -50;
    # close_yesterday @120 → day 1's lot: (120-100)×10 = 200 (a plain FIFO close would take @100 first)
    rt = match_round_trips(trades_of(trade(1, D1, "buy", "open", 100, 1, 0.0),
                                     trade(2, D2, "buy", "open", 110, 1, 0.0),
                                     trade(3, D2, "sell", "close_today", 105, 1, 0.0),
                                     trade(4, D2, "sell", "close_yesterday", 120, 1, 0.0)), MULT)
    assert rt["gross_pnl"].tolist() == [-50.0, 200.0]


def test_match_round_trips_when_close_exceeds_open_lots_raises_naming_the_trade():
    with pytest.raises(ValueError, match=r"T2 .*closes more than the 1 matching long lots"):
        match_round_trips(trades_of(trade(1, D1, "buy", "open", 100, 1, 0.0),
                                    trade(2, D1, "sell", "close", 100, 2, 0.0)), MULT)
    with pytest.raises(ValueError, match="closes more than the 0 matching long lots"):  # only yesterday's lot
        match_round_trips(trades_of(trade(1, D1, "buy", "open", 100, 1, 0.0),
                                    trade(2, D2, "sell", "close_today", 100, 1, 0.0)), MULT)


def test_match_round_trips_when_multiplier_missing_raises_naming_the_symbol():
    with pytest.raises(ValueError, match="no contract multiplier for 'rb2505'"):
        match_round_trips(BOOK, {})


def test_match_round_trips_when_offset_unknown_raises():
    with pytest.raises(ValueError, match="offset 'flip'"):
        match_round_trips(trades_of(trade(1, D1, "buy", "flip", 100, 1, 0.0)), MULT)


# --- build_result: the whole table ------------------------------------------------------------------------
def book_result(capital=100_000.0):
    # the BOOK above on two days; daily rows as the engine would give them (turnover = price × volume × 10):
    # day 1 fills 1-3: turnover 70000 + 35100 + 70400 = 175500, fees 5, realized 400, unrealized
    #   1 lot @3510 marked at 3520: +100; net 400 + 100 - 5 = 495
    # day 2 fills 4-7: turnover 34900 + 104400 + 34700 + 69620 = 243620, fees 7, realized -200 + 100 - 20 =
    #   -120, unrealized 0 (change -100); net -120 - 100 - 7 = -227
    daily = daily_of([(D1, "a", 400.0, 100.0, 5.0, 175500.0, 3, 495.0),
                      (D2, "a", -120.0, 0.0, 7.0, 243620.0, 4, -227.0)])
    return build_result(BOOK, daily, capital=capital, meta={"seed": 7}, multipliers=MULT)


def test_build_result_when_book_traded_trade_statistics_match_hand_count():
    s = book_result().stats
    assert s["trade_count"] == 7 and s["round_trips"] == 4
    assert s["win_rate"] == pytest.approx(0.5)  # 2 wins of 4
    assert s["profit_factor"] == pytest.approx(494 / 226)  # (396 + 98) / (202 + 24) = 2.1858
    assert s["avg_win"] == pytest.approx(247.0)  # (396 + 98) / 2
    assert s["avg_loss"] == pytest.approx(-113.0)  # (-202 - 24) / 2
    assert s["fees"] == pytest.approx(12.0)  # 5 + 7
    assert s["turnover"] == pytest.approx(419120.0)  # 175500 + 243620
    assert s["net_pnl"] == pytest.approx(268.0)  # 495 - 227, equal to the round trips' 396 - 202 + 98 - 24


def test_build_result_when_book_traded_balance_and_equity_follow_net_pnl():
    r = book_result()
    assert r.daily["balance"].tolist() == [100495.0, 100268.0]  # 100000 + 495, then - 227
    # equity: total rows (agent "") then agent "a": drawdown 0 then 100268 - 100495 = -227
    assert r.equity["agent"].tolist() == ["", "", "a", "a"]
    assert r.equity["drawdown"].tolist() == [0.0, -227.0, 0.0, -227.0]
    assert r.agent_stats["a"] == r.stats
    assert r.meta == {"seed": 7}


def test_build_result_when_two_agents_total_sums_their_days():
    # agent a: +10, -5; agent b: -20, +40 → total -10, +35 on capital 1000: balances 990, 1025,
    # max drawdown -10 (day 1, below the capital)
    daily = daily_of([(D1, "b", 0, 0, 0, 0, 0, -20.0), (D1, "a", 0, 0, 0, 0, 0, 10.0),
                      (D2, "a", 0, 0, 0, 0, 0, -5.0), (D2, "b", 0, 0, 0, 0, 0, 40.0)])
    r = build_result(trades_of(), daily, capital=1000.0, meta={})
    assert r.stats["net_pnl"] == 25.0 and r.stats["max_drawdown"] == -10.0
    assert r.agent_stats["a"]["net_pnl"] == 5.0 and r.agent_stats["b"]["net_pnl"] == 20.0
    assert r.equity[r.equity["agent"] == ""]["balance"].tolist() == [990.0, 1025.0]
    assert r.daily["agent"].tolist() == ["a", "b", "a", "b"]  # (day, agent) order


def test_build_result_when_no_trades_everything_zero():
    daily = daily_of([(d, "a", 0, 0, 0, 0, 0, 0.0) for d in DAYS])
    s = build_result(trades_of(), daily, capital=1000.0, meta={}).stats
    assert all(v == 0 for k, v in s.items() if k not in ("days", "end_balance")), s
    assert (s["days"], s["end_balance"]) == (5, 1000.0)


def test_build_result_when_all_round_trips_win_profit_factor_inf_avg_loss_zero():
    # two round trips +(110-100)×10 - 0 = 100 each
    book = trades_of(trade(1, D1, "buy", "open", 100, 1, 0.0), trade(2, D1, "sell", "close", 110, 1, 0.0),
                     trade(3, D2, "sell", "open", 110, 1, 0.0), trade(4, D2, "buy", "close", 100, 1, 0.0))
    daily = daily_of([(D1, "a", 100, 0, 0, 2100, 2, 100.0), (D2, "a", 100, 0, 0, 2100, 2, 100.0)])
    s = build_result(book, daily, capital=1000.0, meta={}, multipliers=MULT).stats
    assert (s["win_rate"], s["profit_factor"], s["avg_win"], s["avg_loss"]) == (1.0, math.inf, 100.0, 0.0)
    assert s["max_drawdown"] == 0.0 and s["calmar"] == 0.0


def test_build_result_when_multipliers_only_in_meta_uses_them():
    r = build_result(BOOK, daily_of([]), capital=1.0, meta={"multipliers": MULT})
    assert r.stats["round_trips"] == 4


def test_build_result_when_capital_not_positive_raises():
    with pytest.raises(ValueError, match=r"capital 0\.0 must be positive"):
        build_result(trades_of(), daily_of([]), capital=0.0, meta={})


def test_build_result_when_same_input_twice_identical_bytes():
    a, b = book_result(), book_result()
    assert a.trades.tobytes() == b.trades.tobytes() and a.equity.tobytes() == b.equity.tobytes()
    assert repr(a.stats) == repr(b.stats)


# --- properties -------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-500, 500, allow_nan=False), max_size=40))
def test_series_stats_when_any_pnl_drawdown_never_positive_and_bounds_hold(pnl):
    days = np.arange(1, len(pnl) + 1, dtype=np.uint32)
    s = series_stats(days, np.array(pnl, dtype=np.float64), 100_000.0)
    dd = drawdown(100_000.0 + np.cumsum(np.array(pnl, dtype=np.float64)), 100_000.0)
    assert (dd <= 0).all()
    assert s["max_drawdown"] == (min(0.0, float(dd.min())) if len(pnl) else 0.0)
    assert -1.0 <= s["max_drawdown_pct"] <= 0.0  # 40 days of at most 500 on 100k never go below zero
    assert 0 <= s["max_drawdown_days"] <= len(pnl)
    assert s["max_drawdown_start"] <= s["max_drawdown_end"]
    assert not any(math.isnan(v) for v in s.values())


@st.composite
def books(draw):
    """A valid random fill sequence over two agents and two symbols (closes never exceed open lots)."""
    held: dict[tuple[str, str, str], int] = {}
    rows = []
    for i in range(draw(st.integers(0, 30))):
        agent, symbol = draw(st.sampled_from("ab")), draw(st.sampled_from(["rb2505", "cu2505"]))
        side = draw(st.sampled_from(["long", "short"]))
        open_lots = held.get((agent, symbol, side), 0)
        closing = open_lots > 0 and draw(st.booleans())
        volume = draw(st.integers(1, open_lots)) if closing else draw(st.integers(1, 5))
        buys = (side == "long") != closing  # open long / close short
        direction = "buy" if buys else "sell"
        held[(agent, symbol, side)] = open_lots + (-volume if closing else volume)
        price = draw(st.integers(3000, 3100))
        rows.append(trade(i, D1, direction, "close" if closing else "open", price, volume,
                          draw(st.integers(0, 5)) * 0.5, agent=agent, symbol=symbol))
    return trades_of(*rows), held


@settings(max_examples=80, deadline=None)
@given(books())
def test_match_round_trips_when_any_book_volume_is_conserved(book):
    trades, held = book
    rt = match_round_trips(trades, {"rb2505": 10.0, "cu2505": 5.0})
    closes = trades[trades["offset"] != "open"]
    opens = trades[trades["offset"] == "open"]
    # every closing fill is one round trip of its volume, and what stays open is what was opened minus it
    assert len(rt) == len(closes) and rt["volume"].sum() == closes["volume"].sum()
    assert opens["volume"].sum() - rt["volume"].sum() == sum(held.values())
    if not any(held.values()):  # all flat: round trips sum to the cash flow, and carry every fee
        mult = np.where(trades["symbol"] == "rb2505", 10.0, 5.0)
        sign = np.where(trades["direction"] == "sell", 1.0, -1.0)
        cash = float((sign * trades["price"] * trades["volume"] * mult).sum())
        assert rt["gross_pnl"].sum() == pytest.approx(cash, abs=1e-6)
        assert rt["fees"].sum() == pytest.approx(trades["fee"].sum(), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-300, 300, allow_nan=False), st.floats(-300, 300, allow_nan=False),
                          st.floats(0, 5, allow_nan=False)), min_size=1, max_size=15))
def test_build_result_when_two_agents_any_days_total_is_their_sum_and_drawdowns_not_positive(days):
    rows = []
    for i, (a, b, fee) in enumerate(days):
        rows += [(20250101 + i, "a", 0, 0, fee, 0, 0, a), (20250101 + i, "b", 0, 0, 0, 0, 0, b)]
    r = build_result(trades_of(), daily_of(rows), capital=50_000.0, meta={})
    assert r.stats["net_pnl"] == pytest.approx(r.agent_stats["a"]["net_pnl"] + r.agent_stats["b"]["net_pnl"])
    assert r.stats["fees"] == pytest.approx(sum(fee for _, _, fee in days))
    total = r.equity[r.equity["agent"] == ""]
    assert total["balance"][-1] == pytest.approx(50_000.0 + sum(a + b for a, b, _ in days))
    assert (r.equity["drawdown"] <= 0).all() and len(r.equity) == 3 * len(days)
    assert r.stats["max_drawdown"] == pytest.approx(min(0.0, float(total["drawdown"].min())))
