"""`BacktestResult`: a run's trade list, daily PnL, equity curve and statistics, per agent and in total.

The engine fills `trades` and `daily` (TRADE_DTYPE, DAILY_DTYPE); `build_result` derives everything else
from them with shandian.backtest.stats, so the numbers depend only on those arrays (never on what ran them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shandian.backtest.stats import (
    ROUND_TRIP_DTYPE,
    STAT_KEYS,
    drawdown,
    match_round_trips,
    series_stats,
    trade_stats,
)

__all__ = ["DAILY_DTYPE", "EQUITY_DTYPE", "TRADE_DTYPE", "BacktestResult", "build_result"]

TRADE_DTYPE = np.dtype([
    ("time_ms", "i8"), ("trading_day", "u4"), ("agent", "U64"), ("symbol", "U32"),
    ("direction", "U4"),   # "buy" | "sell"
    ("offset", "U16"),     # "open" | "close" | "close_today" | "close_yesterday" (15 chars: U12 would cut it)
    ("price", "f8"), ("volume", "i8"), ("fee", "f8"), ("order_id", "i8"), ("trade_id", "U24"),
])
DAILY_DTYPE = np.dtype([
    ("trading_day", "u4"), ("agent", "U64"),
    ("realized_pnl", "f8"),    # closed this day (gross)
    ("unrealized_pnl", "f8"),  # mark-to-market of open positions at the day's last price (level, not change)
    ("fees", "f8"), ("turnover", "f8"), ("trades", "i8"),
    ("net_pnl", "f8"),         # the day's PnL net of fees (realized + change of unrealized - fees)
    ("balance", "f8"),         # capital + cumulative net_pnl
])
EQUITY_DTYPE = np.dtype([("trading_day", "u4"), ("agent", "U64"), ("balance", "f8"), ("drawdown", "f8")])
TOTAL = ""  # the agent name of the all-agents rows of `equity`


@dataclass
class BacktestResult:
    """What a backtest produced: numpy record arrays and plain dicts (picklable, comparable)."""

    trades: np.ndarray  # TRADE_DTYPE, time order
    daily: np.ndarray   # DAILY_DTYPE, one row per (trading_day, agent) for every day of the run
    equity: np.ndarray  # EQUITY_DTYPE, agent "" = total
    stats: dict[str, float]  # total; keys: shandian.backtest.stats.STAT_KEYS
    agent_stats: dict[str, dict[str, float]]
    meta: dict[str, Any]  # config path, params, seed, data counts, ticks, wall seconds, ...
    round_trips: np.ndarray = field(default_factory=lambda: np.zeros(0, ROUND_TRIP_DTYPE))


def _stats(days: np.ndarray, daily: np.ndarray, trades: np.ndarray, round_trips: np.ndarray,
           capital: float) -> dict[str, float]:
    """All statistics of one daily series (already one row per day) and its trades, in STAT_KEYS order."""
    merged = series_stats(days, daily["net_pnl"], capital)
    merged.update(trade_stats(round_trips))
    merged["fees"] = float(daily["fees"].sum())
    merged["turnover"] = float(daily["turnover"].sum())
    merged["trade_count"] = len(trades)
    return {key: merged[key] for key in STAT_KEYS}


def _total_daily(daily: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Sum the agents' daily rows of each day into the total's rows (agent "")."""
    out = np.zeros(len(days), DAILY_DTYPE)
    out["trading_day"] = days
    out["agent"] = TOTAL
    index = np.searchsorted(days, daily["trading_day"])
    for column in ("realized_pnl", "unrealized_pnl", "fees", "turnover", "trades", "net_pnl"):
        np.add.at(out[column], index, daily[column])
    return out


def build_result(trades: np.ndarray, daily: np.ndarray, *, capital: float, meta: dict[str, Any],
                 multipliers: Mapping[str, float] | None = None) -> BacktestResult:
    """Statistics, equity and round trips from the engine's trade list and daily rows.

    `multipliers` (symbol → contract multiplier, for round-trip PnL) defaults to meta["multipliers"]; a
    closed symbol without one raises ValueError. `daily` balances are recomputed from net_pnl and `capital`
    (balance = capital + cumulative net_pnl per agent), so a row's balance is never out of step with its PnL.
    Rows are put in (trading_day, agent) order and trades in time order (a stable sort: ties keep the
    engine's order).
    """
    if not capital > 0:
        raise ValueError(f"capital {capital!r} must be positive (returns are PnL over balance)")
    trades = np.asarray(trades, TRADE_DTYPE)
    trades = trades[np.argsort(trades["time_ms"], kind="stable")]
    daily = np.array(daily, DAILY_DTYPE)
    daily = daily[np.lexsort((daily["agent"], daily["trading_day"]))]
    if multipliers is None:
        multipliers = meta.get("multipliers", {})
    round_trips = match_round_trips(trades, multipliers)
    days = np.unique(daily["trading_day"])
    agents = sorted(set(daily["agent"].tolist()) | set(trades["agent"].tolist()))
    equity_parts = []
    agent_stats: dict[str, dict[str, float]] = {}
    for agent in agents:
        mine = daily["agent"] == agent
        if len(np.unique(daily["trading_day"][mine])) != int(mine.sum()):
            raise ValueError(f"daily has more than one row for a trading day of agent {agent!r}")
        daily["balance"][mine] = capital + np.cumsum(daily["net_pnl"][mine])
        rows = daily[mine]
        agent_stats[agent] = _stats(rows["trading_day"], rows, trades[trades["agent"] == agent],
                                    round_trips[round_trips["agent"] == agent], capital)
        equity_parts.append(_equity(rows, agent, capital))
    total = _total_daily(daily, days)
    total["balance"] = capital + np.cumsum(total["net_pnl"])
    stats = _stats(days, total, trades, round_trips, capital)
    equity = np.concatenate([_equity(total, TOTAL, capital), *equity_parts]) if len(days) else \
        np.zeros(0, EQUITY_DTYPE)
    return BacktestResult(trades=trades, daily=daily, equity=equity, stats=stats, agent_stats=agent_stats,
                          meta=dict(meta), round_trips=round_trips)


def _equity(rows: np.ndarray, agent: str, capital: float) -> np.ndarray:
    """Balance and drawdown (balance − running peak, ≤ 0) per day of one agent (or the total)."""
    out = np.zeros(len(rows), EQUITY_DTYPE)
    out["trading_day"] = rows["trading_day"]
    out["agent"] = agent
    out["balance"] = rows["balance"]
    out["drawdown"] = drawdown(rows["balance"], capital)
    return out
