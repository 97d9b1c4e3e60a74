"""Backtest files and the printed report: trade list / daily PnL as CSV or Parquet, a plain-text table.

CSV floats are written with Python's shortest round-trip repr, so the same result gives byte-identical
files whatever machine or process wrote them. Parquet needs pyarrow (`pip install 'shandian[backtest]'`).
"""

from __future__ import annotations

import csv
import importlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from shandian.backtest.result import BacktestResult
from shandian.backtest.stats import STAT_KEYS

__all__ = ["FORMATS", "format_report", "format_value", "write_records", "write_result"]

FORMATS = ("csv", "parquet")


def format_value(value: Any) -> str:
    """One CSV cell: floats as their shortest exact repr ('inf' / '-inf' for the infinite ratios)."""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def write_records(records: np.ndarray, path: str | Path, fmt: str = "csv") -> Path:
    """Write a numpy record array (a column per field, in dtype order) as CSV or Parquet; return the path."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(records.dtype.names or ())
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(names)
            columns = [records[name].tolist() for name in names]
            w.writerows([format_value(v) for v in row] for row in zip(*columns, strict=True))
        return path
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise RuntimeError("Parquet output needs pyarrow: pip install 'shandian[backtest]'") from None
    table = pa.table({name: pa.array(records[name]) for name in names})
    pq.write_table(table, str(path))
    return path


def write_result(result: BacktestResult, out_dir: str | Path, *, fmt: str = "csv",
                 plot: bool = True) -> list[Path]:
    """trades, daily, equity and round_trips files (and equity.png unless plot=False) into out_dir."""
    out = Path(out_dir)
    paths = [write_records(getattr(result, name), out / f"{name}.{fmt}", fmt)
             for name in ("trades", "daily", "equity", "round_trips")]
    if plot:
        from shandian.backtest.plot import plot_equity

        paths.append(plot_equity(result, out / "equity.png"))
    return paths


_LABELS = {
    "net_pnl": "net PnL", "fees": "fees", "total_return": "return", "annual_return": "annual return",
    "annual_volatility": "annual volatility", "sharpe": "Sharpe", "sortino": "Sortino",
    "max_drawdown": "max drawdown", "max_drawdown_pct": "max drawdown %",
    "max_drawdown_start": "drawdown start", "max_drawdown_end": "drawdown end",
    "max_drawdown_days": "drawdown days", "calmar": "Calmar", "trade_count": "trades",
    "round_trips": "round trips", "win_rate": "win rate", "profit_factor": "profit factor",
    "avg_win": "avg win", "avg_loss": "avg loss", "turnover": "turnover", "days": "days",
    "end_balance": "end balance",
}
_PERCENT = {"total_return", "annual_return", "annual_volatility", "max_drawdown_pct", "win_rate"}
_COUNT = {"max_drawdown_start", "max_drawdown_end", "max_drawdown_days", "trade_count", "round_trips", "days"}


def _cell(key: str, value: float) -> str:
    """Show a stat as the report does: % for rates, integers for counts and dates, 2 decimals otherwise."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if key in _PERCENT:
        return f"{value * 100:.2f}%"
    if key in _COUNT:
        return "-" if key.startswith("max_drawdown_") and value == 0 else str(int(value))
    return f"{value:,.2f}"


def format_report(result: BacktestResult, meta_keys: tuple[str, ...] = ()) -> str:
    """Format the plain-text report: one row per statistic, a column for the total and one per agent."""
    columns: list[tuple[str, Mapping[str, float]]] = [("total", result.stats)]
    columns += sorted(result.agent_stats.items())
    if len(columns) == 2 and columns[1][1] == result.stats:  # a single agent: its column is the total
        columns = [columns[1]]
    rows = [["", *[name for name, _ in columns]]]
    rows += [[_LABELS[key], *[_cell(key, float(s[key])) for _, s in columns]] for key in STAT_KEYS]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"{r[0]:<{widths[0]}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(r[1:], widths[1:], strict=True))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines += [f"{key}: {result.meta[key]}" for key in meta_keys if key in result.meta]
    return "\n".join(line.rstrip() for line in lines)
