"""shandian.history: recorded ticks from a tick CSV, a vn.py SQLite database and Parquet; bars from them."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from shandian import history
from shandian.errors import (
    HistoryFileNotFoundError,
    HistoryFormatError,
    HistoryIntervalError,
    UnknownSymbolError,
)

SYMBOL = "rb2505"
DAY = dt.datetime(2025, 1, 2)  # trading day 20250102 (a Thursday)


NINE = DAY.replace(hour=9)


def tick_rows(seconds: int = 200, start: dt.datetime = NINE) -> list[dict[str, object]]:
    """vn.py TickData fields of SYMBOL, one tick a second from START, prices on rb's 1.0 grid."""
    rng = np.random.default_rng(3)
    price, volume, rows = 3500.0, 1000, []
    for i in range(seconds):
        price += float(rng.integers(-2, 3))
        volume += int(rng.integers(0, 9))
        when = start + dt.timedelta(seconds=i)
        rows.append({"symbol": SYMBOL, "exchange": "SHFE", "datetime": str(when), "last_price": price,
                     "volume": float(volume), "turnover": volume * price * 10.0,
                     "open_interest": 200000.0 + i, "bid_price_1": price - 1, "ask_price_1": price + 1,
                     "bid_volume_1": 3.0, "ask_volume_1": 4.0})
    return rows


def write_vnpy_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_vnpy_sqlite(path: Path, ticks: list[dict[str, object]], bars: list[dict[str, object]]) -> Path:
    """A database laid out as vnpy_sqlite creates it (peewee models DbTickData / DbBarData)."""
    db = sqlite3.connect(path)
    levels = [f"{side}_{what}_{n}" for what in ("price", "volume") for side in ("bid", "ask")
              for n in range(1, 6)]
    db.execute("CREATE TABLE dbtickdata (id INTEGER PRIMARY KEY, symbol VARCHAR(255), exchange VARCHAR(255), "
               "datetime DATETIME, name VARCHAR(255), volume REAL, turnover REAL, open_interest REAL, "
               "last_price REAL, last_volume REAL, limit_up REAL, limit_down REAL, open_price REAL, "
               "high_price REAL, low_price REAL, pre_close REAL, "
               + ", ".join(f"{c} REAL" for c in levels) + ", localtime DATETIME)")
    db.execute("CREATE TABLE dbbardata (id INTEGER PRIMARY KEY, symbol VARCHAR(255), exchange VARCHAR(255), "
               "datetime DATETIME, interval VARCHAR(255), volume REAL, turnover REAL, open_interest REAL, "
               "open_price REAL, high_price REAL, low_price REAL, close_price REAL)")
    for t in ticks:
        db.execute("INSERT INTO dbtickdata (symbol, exchange, datetime, name, volume, turnover, "
                   "open_interest, last_price, bid_price_1, ask_price_1, bid_volume_1, ask_volume_1) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (t["symbol"], t["exchange"], t["datetime"], "rebar", t["volume"], t["turnover"],
                    t["open_interest"], t["last_price"], t["bid_price_1"], t["ask_price_1"],
                    t["bid_volume_1"], t["ask_volume_1"]))
    for b in bars:
        db.execute("INSERT INTO dbbardata (symbol, exchange, datetime, interval, volume, turnover, "
                   "open_interest, open_price, high_price, low_price, close_price) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (b["symbol"], "SHFE", b["datetime"], b["interval"], b["volume"], 0.0, 1.0, b["open"],
                    b["high"], b["low"], b["close"]))
    db.commit()
    db.close()
    return path


def expected_minute_bars(rows: list[dict[str, object]]) -> list[tuple[int, float, float, float, float, int]]:
    """Minute bars worked out by hand: (minute, o, h, l, c, volume); the first tick only sets the base."""
    out: dict[int, list[float]] = {}
    prev_volume = float(rows[0]["volume"])  # type: ignore[arg-type]
    for r in rows:
        when = dt.datetime.fromisoformat(str(r["datetime"]))
        minute = when.hour * 60 + when.minute
        price, volume = float(r["last_price"]), float(r["volume"])  # type: ignore[arg-type]
        bar = out.setdefault(minute, [price, price, price, price, 0.0])
        bar[1], bar[2], bar[3] = max(bar[1], price), min(bar[2], price), price
        bar[4] += volume - prev_volume
        prev_volume = volume
    return [(m, b[0], b[1], b[2], b[3], int(b[4])) for m, b in sorted(out.items())]


def test_csv_ticks_when_vnpy_dialect_read_columns_match_the_rows(tmp_path: Path) -> None:
    rows = tick_rows()
    ticks = history.read_csv_ticks(write_vnpy_csv(tmp_path / "t.csv", rows), SYMBOL)
    assert len(ticks) == len(rows)
    assert ticks.time_ms[0] == history.to_exchange_ms(NINE)
    assert np.all(np.diff(ticks.time_ms) == 1000)
    assert list(ticks.last_price) == [r["last_price"] for r in rows]
    assert list(ticks.volume) == [int(r["volume"]) for r in rows]  # type: ignore[call-overload]
    assert set(ticks.trading_day) == {20250102}
    assert ticks.bid_volume_1[0] == 3 and ticks.ask_price_1[0] == rows[0]["ask_price_1"]


def test_bars_from_ticks_when_built_from_csv_match_hand_worked_minutes(tmp_path: Path) -> None:
    rows = tick_rows()  # 09:00:00 .. 09:03:19
    ticks = history.read_csv_ticks(write_vnpy_csv(tmp_path / "t.csv", rows), SYMBOL)
    bars = history.bars_from_ticks(ticks, SYMBOL, "1m")
    want = expected_minute_bars(rows)
    assert len(bars) == 3  # 09:03 is still open at the last tick
    for i, (minute, o, h, lo, c, v) in enumerate(want[:3]):
        assert bars.start_ms[i] == history.to_exchange_ms(DAY) + minute * 60_000
        assert bars.end_ms[i] - bars.start_ms[i] == 60_000
        assert (bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]) == (o, h, lo, c, v)
    assert set(bars.trading_day) == {20250102}
    ten = history.to_exchange_ms(DAY.replace(hour=10))
    closed = history.bars_from_ticks(ticks, SYMBOL, "1m", clock_ms=ten)
    assert len(closed) == 4 and closed.close[3] == want[3][4] and closed.volume[3] == want[3][5]


def test_bars_from_ticks_when_same_ticks_from_every_source_bars_are_equal(tmp_path: Path) -> None:
    rows = tick_rows(400)
    from_csv = history.read_csv_ticks(write_vnpy_csv(tmp_path / "t.csv", rows), SYMBOL)
    from_db = history.read_vnpy_sqlite_ticks(write_vnpy_sqlite(tmp_path / "v.db", rows, []), SYMBOL, "SHFE")
    a = history.bars_from_ticks(from_csv, SYMBOL, "5m")
    b = history.bars_from_ticks(from_db, SYMBOL, "5m")
    for name in ("start_ms", "end_ms", "trading_day", "open", "high", "low", "close", "volume",
                 "open_interest"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_sqlite_ticks_when_time_range_given_only_those_ticks(tmp_path: Path) -> None:
    rows = tick_rows(120)
    db = write_vnpy_sqlite(tmp_path / "v.db", rows, [])
    start, end = DAY.replace(hour=9, minute=0, second=30), DAY.replace(hour=9, minute=1, second=0)
    ticks = history.read_vnpy_sqlite_ticks(db, SYMBOL, start=start, end=end)
    assert len(ticks) == 31
    assert ticks.time_ms[0] == history.to_exchange_ms(start)
    assert ticks.time_ms[-1] == history.to_exchange_ms(end)


def test_sqlite_ticks_when_night_session_trading_day_is_the_next_weekday(tmp_path: Path) -> None:
    friday_night = dt.datetime(2025, 1, 3, 22, 59, 58)
    db = write_vnpy_sqlite(tmp_path / "v.db", tick_rows(5, friday_night), [])
    ticks = history.read_vnpy_sqlite_ticks(db, SYMBOL)
    assert list(ticks.trading_day) == [20250106] * 5  # Monday


def test_sqlite_bars_when_vnpy_bar_table_read_directly(tmp_path: Path) -> None:
    bars_in = [{"symbol": SYMBOL, "datetime": f"2025-01-02 09:0{i}:00", "interval": "1m", "open": 10.0 + i,
                "high": 12.0 + i, "low": 9.0 + i, "close": 11.0 + i, "volume": 5.0 * i} for i in range(4)]
    bars_in.append({**bars_in[0], "datetime": "2025-01-02 00:00:00", "interval": "d"})
    db = write_vnpy_sqlite(tmp_path / "v.db", [], bars_in)
    minute = history.read_vnpy_sqlite_bars(db, SYMBOL, "1m", start=DAY.replace(hour=9, minute=1))
    assert list(minute.open) == [11.0, 12.0, 13.0] and list(minute.volume) == [5, 10, 15]
    assert list(minute.end_ms - minute.start_ms) == [60_000] * 3
    assert set(minute.trading_day) == {20250102} and np.isnan(minute.open_interest_change).all()
    daily = history.read_vnpy_sqlite_bars(db, SYMBOL, "1d")
    assert list(daily.trading_day) == [20250102] and len(daily) == 1


@pytest.mark.parametrize("interval", ["5m", "1t", "2d"])
def test_sqlite_bars_when_interval_not_stored_by_vnpy_interval_error(tmp_path: Path, interval: str) -> None:
    db = write_vnpy_sqlite(tmp_path / "v.db", [], [])
    with pytest.raises(HistoryIntervalError, match=r"vn\.py databases store only"):
        history.read_vnpy_sqlite_bars(db, SYMBOL, interval)


def test_sources_when_file_missing_file_not_found_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    for read in (history.read_csv_ticks, history.read_vnpy_sqlite_ticks):
        with pytest.raises(HistoryFileNotFoundError, match="no such file"):
            read(missing, SYMBOL)
    with pytest.raises(FileNotFoundError):
        history.read_vnpy_sqlite_bars(missing, SYMBOL, "1m")


def test_sources_when_symbol_absent_unknown_symbol_error_lists_present(tmp_path: Path) -> None:
    rows = tick_rows(10)
    with pytest.raises(UnknownSymbolError, match="cu2502"):
        history.read_csv_ticks(write_vnpy_csv(tmp_path / "t.csv", rows), "cu2502")
    with pytest.raises(UnknownSymbolError, match=f"symbols: {SYMBOL}"):
        history.read_vnpy_sqlite_ticks(write_vnpy_sqlite(tmp_path / "v.db", rows, []), "cu2502")


def test_sources_when_columns_wrong_format_error_names_them(tmp_path: Path) -> None:
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("symbol,exchange,when,last_price\nrb2505,SHFE,2025-01-02 09:00:00,3500\n")
    with pytest.raises(HistoryFormatError, match="header"):
        history.read_csv_ticks(bad_csv, SYMBOL)
    db_path = tmp_path / "v.db"
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE dbtickdata (symbol TEXT, exchange TEXT, datetime TEXT, last_price REAL)")
    db.commit()
    db.close()
    with pytest.raises(HistoryFormatError, match=r"lacks column.*volume"):
        history.read_vnpy_sqlite_ticks(db_path, SYMBOL)
    with pytest.raises(HistoryFormatError, match="no table 'dbbardata'"):
        history.read_vnpy_sqlite_bars(db_path, SYMBOL, "1m")


def test_bars_from_ticks_when_bad_interval_symbol_or_order_typed_errors(tmp_path: Path) -> None:
    ticks = history.read_csv_ticks(write_vnpy_csv(tmp_path / "t.csv", tick_rows(10)), SYMBOL)
    with pytest.raises(HistoryIntervalError, match="'7x'"):
        history.bars_from_ticks(ticks, SYMBOL, "7x")
    with pytest.raises(UnknownSymbolError):
        history.bars_from_ticks(ticks, "cu2502", "1m")
    unknown = history.Ticks("zz2505", *(getattr(ticks, f) for f in history.Ticks.__dataclass_fields__
                                       if f != "symbol"))
    with pytest.raises(UnknownSymbolError, match="zz"):
        history.bars_from_ticks(unknown, "zz2505", "1m")
    backwards = history.Ticks(SYMBOL, ticks.time_ms[::-1].copy(), *(getattr(ticks, f) for f in
                              list(history.Ticks.__dataclass_fields__)[2:]))
    with pytest.raises(HistoryFormatError, match="before the previous tick"):
        history.bars_from_ticks(backwards, SYMBOL, "1m")


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None,
                    reason="pyarrow (extra 'journal') not installed")
def test_parquet_ticks_when_vnpy_fields_same_bars_as_csv(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = tick_rows(400)
    table = pa.table({k: [r[k] for r in rows] for k in rows[0]})
    table = table.set_column(table.column_names.index("datetime"), "datetime",
                             pa.array([dt.datetime.fromisoformat(str(r["datetime"])) for r in rows]))
    pq.write_table(table, tmp_path / "t.parquet")
    from_parquet = history.read_parquet_ticks(tmp_path / "t.parquet", SYMBOL)
    from_csv = history.read_csv_ticks(write_vnpy_csv(tmp_path / "t.csv", rows), SYMBOL)
    for name in history.Ticks.__dataclass_fields__:
        if name != "symbol":
            np.testing.assert_array_equal(getattr(from_parquet, name), getattr(from_csv, name), err_msg=name)
    with pytest.raises(UnknownSymbolError):
        history.read_parquet_ticks(tmp_path / "t.parquet", "cu2502")
    pq.write_table(table.drop_columns(["volume"]), tmp_path / "bad.parquet")
    with pytest.raises(HistoryFormatError, match="volume"):
        history.read_parquet_ticks(tmp_path / "bad.parquet", SYMBOL)


def test_bars_from_ticks_when_czce_night_bars_belong_to_the_next_trading_day(tmp_path: Path) -> None:
    night = dt.datetime(2025, 1, 2, 21, 0, 0)  # Thursday night: trading day Friday 20250103
    rows = [{**r, "symbol": "SR505", "exchange": "CZCE"} for r in tick_rows(130, night)]
    ticks = history.read_vnpy_sqlite_ticks(write_vnpy_sqlite(tmp_path / "v.db", rows, []), "SR505")
    bars = history.bars_from_ticks(ticks, "SR505", "1m")
    assert len(bars) == 2
    assert list(bars.trading_day) == [20250103, 20250103]
    assert bars.start_ms[0] == history.to_exchange_ms(night)


def test_csv_ticks_when_native_dialect_with_several_instruments_only_the_symbol(tmp_path: Path) -> None:
    from shandian.bench.ticks import make_stream, write_csv

    stream = make_stream(11, 400)
    path = write_csv(stream, tmp_path / "native.csv")
    mine = [t for t in stream if t.instrument == "au2506"]
    ticks = history.read_csv_ticks(path, "au2506")
    assert len(ticks) == len(mine) > 0
    assert list(ticks.last_price) == [t.last_price for t in mine]
    assert list(ticks.volume) == [t.volume for t in mine]
    ms_of_day = [sum(int(x) * f for x, f in zip(t.update_time.split(":"), (3_600_000, 60_000, 1000),
                                                strict=True)) + t.update_ms for t in mine]
    assert list(ticks.time_ms - history.to_exchange_ms(DAY)) == ms_of_day
    assert list(ticks.bid_price_1) == [t.bid[0] for t in mine]
    sugar = history.read_csv_ticks(path, "SR505")  # CZCE: the trading day from the clock, not its TradingDay
    assert set(sugar.trading_day) == {20250102}
