"""Backtests on the streaming loaders' data (shandian.backtest.data): TickChunk columns go into the C++ replay
by pointer; the same ticks from vn.py's SQLite database and from the local front's CSV give the same trades."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from shandian.backtest import prepare
from shandian.bench.ticks import INSTRUMENTS, make_stream, write_csv

ROOT = Path(__file__).resolve().parent.parent
VNPY_TICK_TABLE = """CREATE TABLE dbtickdata (id INTEGER PRIMARY KEY, symbol TEXT, exchange TEXT, datetime TEXT,
    name TEXT, volume REAL, turnover REAL, open_interest REAL, last_price REAL, last_volume REAL, limit_up REAL,
    limit_down REAL, open_price REAL, high_price REAL, low_price REAL, pre_close REAL,
    bid_price_1 REAL, ask_price_1 REAL, bid_volume_1 REAL, ask_volume_1 REAL, localtime TEXT)"""


def vnpy_db(ticks: list[Any], path: Path) -> Path:
    """Write TICKS into a vn.py-schema SQLite database (dbtickdata), China time as vn.py stores it."""
    db = sqlite3.connect(path)
    db.execute(VNPY_TICK_TABLE)
    day = ticks[0].trading_day
    rows = [(t.instrument, t.exchange, f"{day[:4]}-{day[4:6]}-{day[6:]} {t.update_time}.{t.update_ms:03d}000",
             "", t.volume, t.turnover, t.open_interest, t.last_price, 0, t.upper_limit, t.lower_limit, 0, 0, 0, 0,
             t.bid[0], t.ask[0], t.bid_volume[0], t.ask_volume[0], "") for t in ticks]
    db.executemany("INSERT INTO dbtickdata (symbol, exchange, datetime, name, volume, turnover, open_interest, "
                   "last_price, last_volume, limit_up, limit_down, open_price, high_price, low_price, pre_close, "
                   "bid_price_1, ask_price_1, bid_volume_1, ask_volume_1, localtime) VALUES "
                   "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    return path


def config(source: dict[str, Any]) -> dict[str, Any]:
    return {"backtest": {"data": [source]},
            "agents": [{"name": "breakout", "class": str(ROOT / "agents/breakout.py") + ":Breakout",
                        "symbols": ["rb2505"], "params": {"window": 10, "lots": 1, "cooldown_ticks": 2}}]}


def test_backtest_when_vnpy_sqlite_holds_the_csv_ticks_trades_identical(tmp_path: Path) -> None:
    ticks = [t for t in make_stream(13, len(INSTRUMENTS) * 720, delta_ms=500, per_step=len(INSTRUMENTS))
             if t.instrument == "rb2505"]
    csv = write_csv(ticks, tmp_path / "rb.csv")
    db = vnpy_db(ticks, tmp_path / "database.db")
    native = prepare(config({"kind": "csv", "path": str(csv)}))
    native.run()
    streamed = prepare(config({"kind": "vnpy_sqlite", "path": str(db), "symbols": ["rb2505"]}))
    assert streamed.chunks is not None  # the column path, not the front's own CSV reader
    streamed.run()
    assert streamed.counters["ticks"] == 720
    assert native.trade_rows
    assert [r[2:8] for r in streamed.trade_rows] == [r[2:8] for r in native.trade_rows]
    assert [r[0] for r in streamed.trade_rows] == [r[0] for r in native.trade_rows]
