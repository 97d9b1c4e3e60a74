"""Backtest statistics: round trips matched FIFO, daily-return ratios, drawdown — plain numpy, no engine.

Conventions (docs/backtest-results.md): 240 trading days a year; a day's return is its net PnL over the
previous day's closing balance (the capital before the first day); Sharpe and Sortino use a zero risk-free
rate. No statistic is ever NaN (NaN would make sweep tables unsortable and equal runs compare unequal): a
risk-adjusted ratio (Sharpe, Sortino, Calmar) with zero risk — flat equity, a single day, no losing day, no
drawdown — is 0, so a series with no measured risk never ranks above every series with risk; the profit
factor with no losing round trip is +inf when something was won (0 with no round trips).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DAYS_PER_YEAR",
    "ROUND_TRIP_DTYPE",
    "STAT_KEYS",
    "drawdown",
    "match_round_trips",
    "ratio",
    "series_stats",
    "trade_stats",
]

DAYS_PER_YEAR = 240

ROUND_TRIP_DTYPE = np.dtype([
    ("agent", "U64"), ("symbol", "U32"),
    ("side", "U5"),            # the position closed: "long" | "short"
    ("open_time_ms", "i8"),    # first matched opening fill
    ("close_time_ms", "i8"), ("trading_day", "u4"),  # of the closing fill
    ("volume", "i8"),
    ("open_price", "f8"),      # volume-weighted over the matched opening lots
    ("close_price", "f8"),
    ("gross_pnl", "f8"),       # price change × volume × multiplier, signed by side
    ("fees", "f8"),            # the closing fill's fee + the matched lots' share of their opening fees
    ("net_pnl", "f8"),
])

# Every key of a stats dict, in the order reports print them.
STAT_KEYS = (
    "net_pnl", "fees", "total_return", "annual_return", "annual_volatility", "sharpe", "sortino",
    "max_drawdown", "max_drawdown_pct", "max_drawdown_start", "max_drawdown_end", "max_drawdown_days",
    "calmar", "trade_count", "round_trips", "win_rate", "profit_factor", "avg_win", "avg_loss", "turnover",
    "days", "end_balance",
)


def ratio(numerator: float, denominator: float) -> float:
    """Divide; a zero denominator gives 0 for a zero numerator, else ±inf (never NaN)."""
    if denominator != 0:
        return numerator / denominator
    if numerator == 0:
        return 0.0
    return math.copysign(math.inf, numerator)


def _risk_ratio(reward: float, risk: float) -> float:
    """Divide reward by risk, or 0 when there is no measured risk (see the module docstring)."""
    return reward / risk if risk > 0 else 0.0


@dataclass
class _Lot:
    """Open volume of one opening fill, waiting to be closed."""

    time_ms: int
    trading_day: int
    price: float
    volume: int
    fee_per_lot: float


def match_round_trips(trades: np.ndarray, multipliers: Mapping[str, float]) -> np.ndarray:
    """Match closing fills FIFO to the agent's opening fills of the symbol: one ROUND_TRIP_DTYPE row each.

    `trades` has TRADE_DTYPE's fields, in time order. Buy-open lots are closed by sells, sell-open lots by
    buys (futures keep long and short apart). "close_today" takes the oldest lot opened on the closing
    fill's trading day, "close_yesterday" the oldest from an earlier day, "close" the oldest of all. A close
    with more volume than the matching open lots raises ValueError naming the fill.
    """
    books: dict[tuple[str, str, str], deque[_Lot]] = {}
    rows: list[tuple[object, ...]] = []
    for t in trades:
        agent, symbol = str(t["agent"]), str(t["symbol"])
        direction, offset = str(t["direction"]), str(t["offset"])
        volume = int(t["volume"])
        if direction not in ("buy", "sell"):
            raise ValueError(f"trade {t['trade_id']}: direction {direction!r} must be 'buy' or 'sell'")
        if volume <= 0:
            raise ValueError(f"trade {t['trade_id']}: volume {volume} must be positive")
        if offset == "open":
            side = "long" if direction == "buy" else "short"
            books.setdefault((agent, symbol, side), deque()).append(
                _Lot(int(t["time_ms"]), int(t["trading_day"]), float(t["price"]), volume,
                     float(t["fee"]) / volume))
            continue
        if offset not in ("close", "close_today", "close_yesterday"):
            raise ValueError(f"trade {t['trade_id']}: offset {offset!r} is not open/close/close_today/"
                             "close_yesterday")
        if symbol not in multipliers:
            raise ValueError(f"trade {t['trade_id']}: no contract multiplier for {symbol!r} "
                             "(pass multipliers={symbol: volume_multiple})")
        side = "long" if direction == "sell" else "short"
        lots = books.get((agent, symbol, side), deque())
        day = int(t["trading_day"])
        eligible = [lot for lot in lots if offset == "close"
                    or (offset == "close_today") == (lot.trading_day == day)]
        if sum(lot.volume for lot in eligible) < volume:
            raise ValueError(
                f"trade {t['trade_id']} ({agent} {symbol} {direction} {offset} {volume}) closes more than "
                f"the {sum(lot.volume for lot in eligible)} matching {side} lots open")
        remaining, cost, open_fees, first_open = volume, 0.0, 0.0, 0
        for lot in eligible:  # oldest first
            take = min(remaining, lot.volume)
            if remaining == volume:
                first_open = lot.time_ms
            cost += take * lot.price
            open_fees += take * lot.fee_per_lot
            lot.volume -= take
            remaining -= take
            if remaining == 0:
                break
        books[(agent, symbol, side)] = deque(lot for lot in lots if lot.volume > 0)
        price = float(t["price"])
        sign = 1.0 if side == "long" else -1.0
        gross = sign * (price * volume - cost) * float(multipliers[symbol])
        fees = open_fees + float(t["fee"])
        rows.append((agent, symbol, side, first_open, int(t["time_ms"]), day, volume, cost / volume, price,
                     gross, fees, gross - fees))
    return np.array(rows, dtype=ROUND_TRIP_DTYPE)


def trade_stats(round_trips: np.ndarray) -> dict[str, float]:
    """Win rate, profit factor, average win and loss over round trips (net of both fees).

    A win has net PnL > 0, a loss < 0; a round trip at exactly 0 is neither but counts in the win rate's
    denominator. avg_loss is ≤ 0. With no round trips every value is 0.
    """
    pnl = round_trips["net_pnl"]
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    gross_win, gross_loss = float(wins.sum()), float(-losses.sum())
    return {
        "round_trips": len(pnl),
        "win_rate": ratio(float(len(wins)), float(len(pnl))),
        "profit_factor": ratio(gross_win, gross_loss),
        "avg_win": float(wins.mean()) if len(wins) else 0.0,
        "avg_loss": float(losses.mean()) if len(losses) else 0.0,
    }


def drawdown(balance: np.ndarray, capital: float) -> np.ndarray:
    """Each day's balance minus the highest balance so far (capital = the peak before day 1); ≤ 0."""
    peak = np.maximum.accumulate(np.concatenate(([capital], balance)))[1:]
    return np.asarray(balance - peak, dtype=np.float64)


def series_stats(days: np.ndarray, net_pnl: np.ndarray, capital: float) -> dict[str, float]:
    """Return, volatility, Sharpe, Sortino, max drawdown and Calmar of one daily net-PnL series.

    `days` (yyyymmdd) and `net_pnl` are one entry per trading day in order. The max drawdown is the lowest
    balance-minus-peak (≤ 0); its pct is that value over the peak it fell from; its start is the first day
    below that peak, its end the trough day, its days the trading days from start to end inclusive (dates 0
    and days 0 when the balance never fell below a peak).
    """
    n = len(net_pnl)
    balance = capital + np.cumsum(net_pnl)
    previous = np.concatenate(([capital], balance[:-1]))
    returns = net_pnl / previous
    mean = float(returns.mean()) if n else 0.0
    std = float(returns.std(ddof=1)) if n >= 2 else 0.0
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))) if n else 0.0
    dd = drawdown(balance, capital)
    out: dict[str, float] = {
        "net_pnl": float(net_pnl.sum()),
        "total_return": float(net_pnl.sum()) / capital,
        "annual_return": mean * DAYS_PER_YEAR,
        "annual_volatility": std * math.sqrt(DAYS_PER_YEAR),
        "sharpe": _risk_ratio(mean, std) * math.sqrt(DAYS_PER_YEAR),
        "sortino": _risk_ratio(mean, downside) * math.sqrt(DAYS_PER_YEAR),
        "max_drawdown": 0.0, "max_drawdown_pct": 0.0,
        "max_drawdown_start": 0, "max_drawdown_end": 0, "max_drawdown_days": 0,
        "days": n,
        "end_balance": float(balance[-1]) if n else capital,
    }
    if n and dd.min() < 0:
        trough = int(np.argmin(dd))  # the first day of the lowest value
        peak_value = balance[trough] - dd[trough]
        start = trough
        while start > 0 and dd[start - 1] < 0:  # back to the first day below this peak
            start -= 1
        out.update(max_drawdown=float(dd[trough]), max_drawdown_pct=float(dd[trough] / peak_value),
                   max_drawdown_start=int(days[start]), max_drawdown_end=int(days[trough]),
                   max_drawdown_days=trough - start + 1)
    out["calmar"] = _risk_ratio(out["annual_return"], abs(out["max_drawdown_pct"]))
    return out
