"""The equity + drawdown PNG of a backtest (matplotlib, Agg backend: no display needed).

matplotlib is optional (`pip install 'shandian[backtest]'`); only this module imports it, lazily.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from shandian.backtest.result import TOTAL, BacktestResult

__all__ = ["plot_equity"]


def _dates(days: np.ndarray) -> list[date]:
    """Turn yyyymmdd trading days into dates (the x axis)."""
    return [date(int(d) // 10000, int(d) // 100 % 100, int(d) % 100) for d in days]


def plot_equity(result: BacktestResult, path: str | Path, *, title: str = "") -> Path:
    """Balance per agent and in total (top), total drawdown filled below zero (bottom); writes a PNG."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
        matplotlib.use("Agg", force=True)
        plt: Any = importlib.import_module("matplotlib.pyplot")
        mdates: Any = importlib.import_module("matplotlib.dates")
    except ImportError:
        raise RuntimeError("the equity plot needs matplotlib: pip install 'shandian[backtest]'") from None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    equity = result.equity
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    try:
        agents = sorted(set(equity["agent"].tolist()) - {TOTAL})
        total = equity[equity["agent"] == TOTAL]
        x = _dates(total["trading_day"])
        top.plot(x, total["balance"], color="black", linewidth=1.6, label="total")
        if len(agents) > 1:
            for agent in agents:
                rows = equity[equity["agent"] == agent]
                top.plot(_dates(rows["trading_day"]), rows["balance"], linewidth=0.9, label=agent)
        top.set_ylabel("balance")
        top.ticklabel_format(axis="y", style="plain", useOffset=False)
        top.legend(loc="best", fontsize="small")
        top.grid(alpha=0.3)
        top.set_title(title or f"equity: net PnL {result.stats.get('net_pnl', 0.0):,.2f}, "
                               f"Sharpe {result.stats.get('sharpe', 0.0):.2f}")
        bottom.fill_between(x, total["drawdown"], 0.0, color="tab:red", alpha=0.5)
        bottom.set_ylabel("drawdown")
        bottom.grid(alpha=0.3)
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
    return path
