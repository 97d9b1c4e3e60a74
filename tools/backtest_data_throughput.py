"""Throughput and peak Python memory of each backtest data loader (shandian.backtest.data), on generated data.

    python tools/backtest_data_throughput.py [--rows N]

Writes the local front's generator ticks (rb + cu, night session) as a vn.py-column CSV, a native CSV, a
vn.py SQLite database (dbtickdata) and Parquet, then streams each and prints rows/s and tracemalloc's peak.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Sized
from pathlib import Path

import numpy as np

from shandian.backtest.data import DataSource, open_bar_stream, open_tick_stream


def _columns(rows: int) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    stream = open_tick_stream([DataSource(kind="generator", instruments=("rb", "cu"), days=50, seed=1)])
    parts = []
    total = 0
    for chunk in stream:
        parts.append(chunk)
        total += len(chunk)
        if total >= rows:
            break
    names = [k for k in vars(parts[0]) if k != "symbols"]
    cols = {k: np.concatenate([getattr(p, k) for p in parts])[:rows] for k in names}
    return parts[0].symbols, cols


def _texts(ms: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    """Write ROWS generator ticks as a vn.py-column CSV, Parquet and a vn.py SQLite database."""
    symbols, c = _columns(rows)
    names = np.array(symbols)[c["instrument"]]
    stamps = [t.replace("T", " ") for t in _texts(c["time_ms"])]
    vn = {
        "symbol": names,
        "exchange": np.full(rows, "SHFE"),
        "datetime": stamps,
        "last_price": c["last_price"],
        "volume": c["volume"],
        "turnover": c["turnover"],
        "open_interest": c["open_interest"],
        "bid_price_1": c["bid_price_1"],
        "ask_price_1": c["ask_price_1"],
        "bid_volume_1": c["bid_volume_1"],
        "ask_volume_1": c["ask_volume_1"],
    }
    out = {
        "csv": folder / "ticks.csv",
        "parquet": folder / "ticks.parquet",
        "vnpy_sqlite": folder / "database.db",
    }
    with out["csv"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(vn))
        w.writerows(zip(*vn.values(), strict=True))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({k: np.asarray(v) for k, v in vn.items()}), out["parquet"])
    db = sqlite3.connect(out["vnpy_sqlite"])
    db.execute(
        "CREATE TABLE dbtickdata (id INTEGER NOT NULL PRIMARY KEY, symbol VARCHAR(255) NOT NULL, "
        "exchange VARCHAR(255) NOT NULL, datetime DATETIME NOT NULL, last_price REAL, volume REAL, "
        "turnover REAL, open_interest REAL, bid_price_1 REAL, ask_price_1 REAL, bid_volume_1 REAL, "
        "ask_volume_1 REAL, limit_up REAL, limit_down REAL)"
    )
    db.execute(
        "CREATE UNIQUE INDEX dbtickdata_symbol_exchange_datetime ON dbtickdata (symbol, exchange, datetime)"
    )
    db.executemany(
        "INSERT INTO dbtickdata (symbol, exchange, datetime, last_price, volume, turnover, open_interest,"
        " bid_price_1, ask_price_1, bid_volume_1, ask_volume_1, limit_up, limit_down) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?,0,0)",
        (
            (str(a), "SHFE", b, *map(float, r))
            for a, b, *r in zip(
                names,
                stamps,
                c["last_price"],
                c["volume"],
                c["turnover"],
                c["open_interest"],
                c["bid_price_1"],
                c["ask_price_1"],
                c["bid_volume_1"],
                c["ask_volume_1"],
                strict=True,
            )
        ),
    )
    db.commit()
    db.close()
    return out


def measure(label: str, stream: Iterable[Sized]) -> None:
    """Time one pass (no tracing), then take tracemalloc's peak over a second pass."""
    t0 = time.perf_counter()
    n = sum(len(chunk) for chunk in stream)
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    for _ in stream:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = n / seconds / 1e6
    print(f"{label:28s} {n:>10,d} rows  {rate:6.2f} M rows/s  peak {peak / 2**20:6.1f} MiB (tracemalloc)")


def main() -> None:
    """Measure every loader."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.rows:,d} ticks, chunk_rows 65536")
    measure(
        "generator (rb+cu)",
        open_tick_stream([DataSource(kind="generator", instruments=("rb", "cu"), days=50, seed=1)], end=None),
    )
    with tempfile.TemporaryDirectory() as folder:
        files = write_files(Path(folder), args.rows)
        for kind, path in files.items():
            measure(kind, open_tick_stream([DataSource(kind=kind, path=path)]))
        bars = open_bar_stream([DataSource(kind="csv", path=files["csv"])], "1m")
        t0 = time.perf_counter()
        n = sum(len(chunk) for chunk in bars)
        rate = bars.counts.ticks_out / (time.perf_counter() - t0) / 1e6
        print(f"{'1m bars from csv ticks':28s} {n:>10,d} bars  {rate:6.2f} M ticks/s in")


if __name__ == "__main__":
    main()
