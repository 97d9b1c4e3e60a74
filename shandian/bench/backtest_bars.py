"""The `backtest` scenario's bar-input row: 1-minute bars from a file into a dual-MA agent (docs/backtest.md).

The bars are a seeded random walk of rb2505 over its day session (225 one-minute bars a weekday), written
once as a Parquet file of the documented bar schema and replayed in bar-input mode: the streaming loader,
the C++ bar matching and one Python on_bar per bar.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import numpy as np

# rb2505's day session, minutes from midnight: [09:00, 10:15), [10:30, 11:30), [13:30, 15:00).
_SESSION_MINUTES = np.concatenate([np.arange(540, 615), np.arange(630, 690), np.arange(810, 900)])


def write_bar_file(path: Path, n_bars: int, seed: int = 42) -> Path:
    """Write `n_bars` seeded 1m bars of rb2505 (weekdays from 2025-01-02) as bar Parquet; return the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    days_needed = -(-n_bars // len(_SESSION_MINUTES))
    days: list[dt.date] = []
    day = dt.date(2025, 1, 2)
    while len(days) < days_needed:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    epoch_days = np.array([(d - dt.date(1970, 1, 1)).days for d in days], dtype=np.int64)
    minutes = (epoch_days[:, None] * 1440 + _SESSION_MINUTES[None, :]).ravel()[:n_bars]
    stamps = minutes.astype("datetime64[m]").astype("datetime64[ms]")
    close = 3500.0 + np.cumsum(rng.integers(-3, 4, n_bars)).astype(np.float64)
    close = np.maximum(close, 1000.0)
    open_ = np.concatenate([[3500.0], close[:-1]])
    high = np.maximum(open_, close) + rng.integers(0, 3, n_bars)
    low = np.minimum(open_, close) - rng.integers(0, 3, n_bars)
    table = pa.table({
        "symbol": pa.array(["rb2505"] * n_bars),
        "datetime": pa.array(stamps.astype(str)),
        "open_price": open_, "high_price": high, "low_price": low, "close_price": close,
        "volume": rng.integers(10, 500, n_bars),
    })
    pq.write_table(table, path)
    return path


def run_bar_backtest(path: Path, agent: Any) -> tuple[float, dict[str, Any], int]:
    """Replay the bar file into `agent` in bar-input mode: (wall seconds, counters, trades)."""
    from shandian.backtest import prepare

    cfg = {"backtest": {"mode": "bar", "bar_interval": "1m", "slippage_ticks": 1,
                        "data": [{"kind": "bars_parquet", "path": str(path)}]}}
    engine = prepare(cfg, agents=[agent])
    t0 = time.perf_counter()
    engine.run()
    return time.perf_counter() - t0, engine.counters, len(engine.trade_rows)
