"""shandian.backtest.data: tick and bar streams, the bad-data rules, the merge, bounded memory."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import sqlite3
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import history
from shandian.backtest import data
from shandian.backtest.data import DataSource, data_sources_from_config, open_bar_stream, open_tick_stream
from shandian.errors import BacktestDataError, ConfigError

NINE = dt.datetime(2025, 1, 2, 9, 0, 0)  # trading day 20250102, a Thursday


def tick_rows(
    symbol: str = "rb2505",
    seconds: int = 120,
    start: dt.datetime = NINE,
    price: float = 3500.0,
    step_ms: int = 1000,
) -> list[dict[str, Any]]:
    """vn.py TickData fields, one tick each STEP_MS from START, prices on rb's / cu's 1.0 / 10.0 grid."""
    tick = 10.0 if symbol.startswith("cu") else 1.0
    rng = np.random.default_rng(len(symbol) + seconds)
    rows, volume = [], 100
    for i in range(seconds):
        price += tick * float(rng.integers(-2, 3))
        volume += int(rng.integers(0, 5))
        when = start + dt.timedelta(milliseconds=i * step_ms)
        rows.append(
            {
                "symbol": symbol,
                "exchange": "SHFE",
                "datetime": when.isoformat(sep=" "),
                "last_price": price,
                "volume": float(volume),
                "turnover": volume * price * 10.0,
                "open_interest": 1000.0 + i,
                "bid_price_1": price - tick,
                "ask_price_1": price + tick,
                "bid_volume_1": 3.0,
                "ask_volume_1": 4.0,
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


VNPY_LEVELS = [
    f"{side}_{what}_{n}" for what in ("price", "volume") for side in ("bid", "ask") for n in range(1, 6)
]


def write_vnpy_db(path: Path, ticks: list[dict[str, Any]], bars: list[dict[str, Any]] = ()) -> Path:  # type: ignore[assignment]
    """A database as vnpy_sqlite's peewee models create it (DbTickData / DbBarData, their unique indexes)."""
    db = sqlite3.connect(path)
    levels = ", ".join(f'"{c}" REAL{" NOT NULL" if c.endswith("_1") else ""}' for c in VNPY_LEVELS)
    db.execute(
        'CREATE TABLE IF NOT EXISTS "dbtickdata" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"symbol" VARCHAR(255) NOT NULL, "exchange" VARCHAR(255) NOT NULL, "datetime" DATETIME NOT NULL, '
        '"name" VARCHAR(255) NOT NULL, "volume" REAL NOT NULL, "turnover" REAL NOT NULL, '
        '"open_interest" REAL NOT NULL, "last_price" REAL NOT NULL, "last_volume" REAL NOT NULL, '
        '"limit_up" REAL NOT NULL, "limit_down" REAL NOT NULL, "open_price" REAL NOT NULL, '
        '"high_price" REAL NOT NULL, "low_price" REAL NOT NULL, "pre_close" REAL NOT NULL, '
        f'{levels}, "localtime" DATETIME)'
    )
    db.execute(
        'CREATE UNIQUE INDEX IF NOT EXISTS "dbtickdata_symbol_exchange_datetime" ON "dbtickdata" '
        '("symbol", "exchange", "datetime")'
    )
    db.execute(
        'CREATE TABLE IF NOT EXISTS "dbbardata" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"symbol" VARCHAR(255) NOT NULL, "exchange" VARCHAR(255) NOT NULL, "datetime" DATETIME NOT NULL, '
        '"interval" VARCHAR(255) NOT NULL, "volume" REAL NOT NULL, "turnover" REAL NOT NULL, '
        '"open_interest" REAL NOT NULL, "open_price" REAL NOT NULL, "high_price" REAL NOT NULL, '
        '"low_price" REAL NOT NULL, "close_price" REAL NOT NULL)'
    )
    db.execute(
        'CREATE UNIQUE INDEX IF NOT EXISTS "dbbardata_symbol_exchange_interval_datetime" ON "dbbardata" '
        '("symbol", "exchange", "interval", "datetime")'
    )
    for t in ticks:
        values = {
            "name": "x",
            "last_volume": 0.0,
            "limit_up": 0.0,
            "limit_down": 0.0,
            "open_price": 0.0,
            "high_price": 0.0,
            "low_price": 0.0,
            "pre_close": 0.0,
        }
        values.update({k: v for k, v in t.items()})
        values.update({c: 0.0 for c in VNPY_LEVELS if c.endswith("_1") and c not in t})
        cols = list(values)
        db.execute(
            f"INSERT INTO dbtickdata ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [values[c] for c in cols],
        )
    for b in bars:
        cols = list(b)
        db.execute(
            f"INSERT INTO dbbardata ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [b[c] for c in cols],
        )
    db.commit()
    db.close()
    return path


def collect(stream: Any) -> dict[str, np.ndarray]:
    chunks = list(stream)
    if not chunks:
        return {}
    names = [k for k in vars(chunks[0]) if k not in ("symbols", "interval")]
    return {k: np.concatenate([getattr(c, k) for c in chunks]) for k in names}


def csv_source(path: Path, **kw: Any) -> DataSource:
    return DataSource(kind="csv", path=path, **kw)


# ------------------------------------------------------------------------------------------- sources


def test_csv_stream_when_read_in_small_chunks_matches_the_front_csv_reader(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", tick_rows())
    got = collect(open_tick_stream([csv_source(path)], chunk_rows=7))
    want = history.read_csv_ticks(path, "rb2505")  # the local front's C++ CsvSource
    for name in (
        "time_ms",
        "trading_day",
        "last_price",
        "volume",
        "turnover",
        "open_interest",
        "bid_price_1",
        "ask_price_1",
        "bid_volume_1",
        "ask_volume_1",
    ):
        np.testing.assert_array_equal(got[name], getattr(want, name), err_msg=name)
    assert np.isnan(got["upper_limit"]).all()


def test_generator_stream_when_chunk_sizes_differ_gives_identical_ticks(tmp_path: Path) -> None:
    src = data_sources_from_config(
        [{"kind": "generator", "instruments": ["rb", "cu"], "days": 2, "seed": 7}], tmp_path
    )
    small = collect(open_tick_stream(src, chunk_rows=1000))
    large = collect(open_tick_stream(src, chunk_rows=100_000))
    for name in small:
        np.testing.assert_array_equal(small[name], large[name])
    assert set(np.unique(small["trading_day"])) == {20250102, 20250103}
    assert np.all(np.diff(small["time_ms"]) >= 0)


def test_vnpy_sqlite_stream_when_two_symbols_merges_them_by_exchange_time(tmp_path: Path) -> None:
    rb = tick_rows("rb2505", 60, step_ms=1000)
    cu = tick_rows("cu2502", 60, price=74000.0, start=NINE + dt.timedelta(milliseconds=500), step_ms=1000)
    db = write_vnpy_db(tmp_path / "database.db", rb + cu)
    src = data_sources_from_config([{"kind": "vnpy_sqlite", "path": "database.db"}], tmp_path)
    stream = open_tick_stream(src, chunk_rows=16)
    got = collect(stream)
    assert stream.symbols == ("cu2502", "rb2505")
    assert len(got["time_ms"]) == 120 and np.all(np.diff(got["time_ms"]) > 0)
    assert list(got["instrument"][:4]) == [1, 0, 1, 0]
    assert stream.counts.rows_read == 120 and stream.counts.ticks_out == 120
    assert db.exists()


def test_parquet_stream_when_vnpy_columns_reads_every_row(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = tick_rows(seconds=50)
    table = pa.table({k: [r[k] for r in rows] for k in rows[0]})
    table = table.set_column(
        2, "datetime", pa.array([dt.datetime.fromisoformat(r["datetime"]) for r in rows])
    )
    pq.write_table(table, tmp_path / "t.parquet")
    got = collect(open_tick_stream([DataSource(kind="parquet", path=tmp_path / "t.parquet")], chunk_rows=8))
    np.testing.assert_array_equal(got["last_price"], [r["last_price"] for r in rows])
    assert got["time_ms"][0] == int((NINE - dt.datetime(1970, 1, 1)).total_seconds() * 1000)


def test_night_tick_when_read_belongs_to_the_next_trading_day(tmp_path: Path) -> None:
    night = tick_rows(seconds=5, start=dt.datetime(2025, 1, 3, 21, 0, 1))  # Friday night
    got = collect(open_tick_stream([csv_source(write_csv(tmp_path / "n.csv", night))]))
    assert set(got["trading_day"]) == {20250106}  # Monday


def test_ticks_when_outside_trading_hours_are_dropped_and_counted(tmp_path: Path) -> None:
    rows = tick_rows(seconds=10, start=dt.datetime(2025, 1, 2, 10, 15, 0))  # 10:15 break starts (+2 s grace)
    stream = open_tick_stream([csv_source(write_csv(tmp_path / "b.csv", rows))])
    got = collect(stream)
    assert len(got["time_ms"]) == 2  # 10:15:00 and :01 are in the 2 s close grace; the break drops the rest
    assert stream.counts.dropped_out_of_session == 8


def test_start_end_when_given_select_trading_days(tmp_path: Path) -> None:
    src = [DataSource(kind="generator", instruments=("rb",), days=3, seed=1)]
    stream = open_tick_stream(src, start="2025-01-03", end=20250103)
    got = collect(stream)
    assert set(got["trading_day"]) == {20250103}
    assert stream.counts.outside_dates > 0


def test_config_when_key_is_unknown_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"backtest.data\[0\].colour"):
        data_sources_from_config([{"kind": "generator", "colour": 1}], tmp_path)
    with pytest.raises(ConfigError, match=r"backtest.data\[0\].path"):
        data_sources_from_config([{"kind": "csv", "path": "missing.csv"}], tmp_path)


# ------------------------------------------------------------------------------------------ bad data

BAD_CASES = {
    "garbage": ("last_price", "abc"),
    "off_tick_grid": ("last_price", 3500.5),
    "negative_volume": ("volume", -3.0),
    "price_not_positive": ("last_price", -1.0),
}


@pytest.mark.parametrize("rule", sorted(BAD_CASES))
def test_bad_row_when_on_bad_error_raises_naming_file_row_field_value_rule(tmp_path: Path, rule: str) -> None:
    rows = tick_rows(seconds=20)
    field, value = BAD_CASES[rule]
    rows[12][field] = value
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(BacktestDataError) as info:
        collect(open_tick_stream([csv_source(path)], chunk_rows=5))
    err = info.value
    assert (err.file, err.row, err.field, err.rule) == (str(path), 13, field, rule)
    assert (err.value == value) if rule != "garbage" else (err.value == "abc")
    assert f"value {err.value!r}" in str(err) and "row 13" in str(err)


@pytest.mark.parametrize("rule", sorted(BAD_CASES))
def test_bad_row_when_on_bad_skip_is_dropped_and_counted(tmp_path: Path, rule: str) -> None:
    rows = tick_rows(seconds=20)
    field, value = BAD_CASES[rule]
    rows[12][field] = value
    stream = open_tick_stream(
        [csv_source(write_csv(tmp_path / "bad.csv", rows))], on_bad="skip", chunk_rows=5
    )
    got = collect(stream)
    assert len(got["time_ms"]) == 19 and stream.counts.skipped_bad == {rule: 1}


def test_time_when_going_backwards_raises_or_is_skipped(tmp_path: Path) -> None:
    rows = tick_rows(seconds=20)
    rows[9]["datetime"], rows[10]["datetime"] = rows[10]["datetime"], rows[9]["datetime"]
    rows[9]["volume"] = rows[10]["volume"]  # keep cumulative volume monotonic: only time is wrong
    path = write_csv(tmp_path / "back.csv", rows)
    with pytest.raises(BacktestDataError) as info:
        collect(open_tick_stream([csv_source(path)], chunk_rows=4))
    assert (info.value.row, info.value.field, info.value.rule) == (11, "time_ms", "time_backwards")
    stream = open_tick_stream([csv_source(path)], on_bad="skip", chunk_rows=4)
    got = collect(stream)
    assert stream.counts.skipped_bad == {"time_backwards": 1} and np.all(np.diff(got["time_ms"]) >= 0)


def test_cumulative_volume_when_decreasing_within_a_day_raises(tmp_path: Path) -> None:
    rows = tick_rows(seconds=20)
    rows[15]["volume"] = rows[14]["volume"] - 1
    path = write_csv(tmp_path / "vol.csv", rows)
    with pytest.raises(BacktestDataError) as info:
        collect(open_tick_stream([csv_source(path)], chunk_rows=3))
    assert (info.value.row, info.value.rule) == (16, "volume_decreasing")


def test_cumulative_volume_when_a_new_trading_day_starts_may_restart(tmp_path: Path) -> None:
    day1 = tick_rows(seconds=5, start=dt.datetime(2025, 1, 2, 14, 0, 0))
    day2 = tick_rows(seconds=5, start=dt.datetime(2025, 1, 2, 21, 0, 0))  # night: trading day 20250103
    for r in day2:
        r["volume"] -= 50
    stream = open_tick_stream([csv_source(write_csv(tmp_path / "d.csv", day1 + day2))], chunk_rows=3)
    assert len(collect(stream)["time_ms"]) == 10


def test_symbol_when_unknown_product_raises_unknown_instrument(tmp_path: Path) -> None:
    rows = tick_rows(seconds=3)
    rows[1]["symbol"] = "zz2505"
    with pytest.raises(BacktestDataError) as info:
        collect(open_tick_stream([csv_source(write_csv(tmp_path / "u.csv", rows))]))
    assert (info.value.row, info.value.rule) == (2, "unknown_instrument")


def test_vnpy_sqlite_when_bad_row_names_its_id(tmp_path: Path) -> None:
    rows = tick_rows(seconds=10)
    rows[4]["last_price"] = 3500.25
    db = write_vnpy_db(tmp_path / "database.db", rows)
    with pytest.raises(BacktestDataError, match=r"row id 5: field last_price: value 3500.25") as info:
        collect(open_tick_stream([DataSource(kind="vnpy_sqlite", path=db)], chunk_rows=3))
    assert info.value.rule == "off_tick_grid"


# ---------------------------------------------------------------------------------------------- merge


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), max_size=30), min_size=1, max_size=4), st.integers(1, 9))
def test_merge_when_streams_are_sorted_is_a_sorted_stable_permutation(
    times: list[list[int]], chunk: int
) -> None:
    def stream(k: int, ts: list[int]) -> Iterator[dict[str, np.ndarray]]:
        ordered = np.sort(np.array(ts, dtype=np.int64))
        for i in range(0, len(ordered), 3):
            part = ordered[i : i + 3]
            yield {"t": part, "src": np.full(len(part), k), "seq": np.arange(i, i + len(part))}

    out = list(data._merge([stream(k, ts) for k, ts in enumerate(times)], "t", chunk))
    assert all(len(c["t"]) <= chunk for c in out)
    t = np.concatenate([c["t"] for c in out]) if out else np.zeros(0)
    src = np.concatenate([c["src"] for c in out]) if out else np.zeros(0)
    seq = np.concatenate([c["seq"] for c in out]) if out else np.zeros(0)
    assert sorted(t.tolist()) == sorted(x for ts in times for x in ts)  # a permutation of the input
    assert np.all(np.diff(t) >= 0)  # sorted
    key = list(zip(t.tolist(), src.tolist(), seq.tolist(), strict=True))
    assert key == sorted(key)  # ties: stream order, then each stream's own order


# ----------------------------------------------------------------------------------------------- bars


def test_bars_from_ticks_when_streamed_in_chunks_match_history_bars(tmp_path: Path) -> None:
    rows = tick_rows(seconds=600)
    path = write_csv(tmp_path / "t.csv", rows)
    got = collect(open_bar_stream([csv_source(path)], "1m", chunk_rows=37))
    want = history.bars_from_ticks(history.read_csv_ticks(path, "rb2505"), "rb2505", "1m")
    assert len(want) == 9
    for name in ("start_ms", "end_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(got[name], getattr(want, name), err_msg=name)


def test_vnpy_dbbardata_when_read_gives_minute_bars_by_end_time(tmp_path: Path) -> None:
    bars = [
        {
            "symbol": s,
            "exchange": "SHFE",
            "datetime": str(NINE + dt.timedelta(minutes=i)),
            "interval": "1m",
            "volume": 5.0,
            "turnover": 1.0,
            "open_interest": 2.0,
            "open_price": p,
            "high_price": p + 2 * t,
            "low_price": p - t,
            "close_price": p + t,
        }
        for s, p, t in (("rb2505", 3500.0, 1.0), ("cu2502", 74000.0, 10.0))
        for i in range(30)
    ]
    db = write_vnpy_db(tmp_path / "database.db", [], bars)
    src = [DataSource(kind="vnpy_sqlite", path=db, table="dbbardata", interval="1m")]
    got = collect(open_bar_stream(src, "1m", chunk_rows=7))
    assert len(got["end_ms"]) == 60 and np.all(np.diff(got["end_ms"]) >= 0)
    assert np.all(got["end_ms"] - got["start_ms"] == 60_000)
    bad = [dict(bars[3], high_price=3490.0)]
    db2 = write_vnpy_db(tmp_path / "bad.db", [], bad)
    with pytest.raises(BacktestDataError) as info:
        collect(open_bar_stream([DataSource(kind="vnpy_sqlite", path=db2, table="dbbardata")], "1m"))
    assert info.value.rule == "bar_range"


# ------------------------------------------------------------------------------------------- memory


def test_csv_stream_when_file_is_many_chunks_long_keeps_memory_bounded(tmp_path: Path) -> None:
    rows = tick_rows(seconds=20_000, start=dt.datetime(2025, 1, 2, 9, 0, 0), step_ms=200)
    path = write_csv(tmp_path / "long.csv", rows)
    del rows

    def peak(chunk_rows: int) -> tuple[int, int]:
        tracemalloc.start()
        n = sum(len(c) for c in open_tick_stream([csv_source(path)], chunk_rows=chunk_rows))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return n, top

    n, small = peak(1_000)
    assert n > 15_000  # the break (10:15-10:30) drops some; the file is 20+ chunks long
    _, whole = peak(1_000_000)  # one chunk holds the whole file: the upper reference
    assert small < whole / 3, (small, whole)


NATIVE_COLUMNS = (
    "TradingDay,ActionDay,UpdateTime,UpdateMillisec,ExchangeID,InstrumentID,LastPrice,PreSettlementPrice,"
    "PreClosePrice,PreOpenInterest,OpenPrice,HighestPrice,LowestPrice,Volume,Turnover,OpenInterest,ClosePrice,"
    "SettlementPrice,UpperLimitPrice,LowerLimitPrice,AveragePrice,"
    + ",".join(f"BidPrice{n},BidVolume{n},AskPrice{n},AskVolume{n}" for n in range(1, 6))
).split(",")


def write_native_csv(path: Path, stream: Any) -> Path:
    """The local front's native CSV of a tick stream, dated per exchange as CTP does (DCE / CZCE rules)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(NATIVE_COLUMNS)
        for chunk in stream:
            for i in range(len(chunk)):
                symbol = chunk.symbols[chunk.instrument[i]]
                exchange = {"m": "DCE", "SR": "CZCE"}.get(symbol.rstrip("0123456789"), "SHFE")
                when = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(chunk.time_ms[i]))
                natural, trading = when.strftime("%Y%m%d"), str(chunk.trading_day[i])
                row = dict.fromkeys(NATIVE_COLUMNS, "")
                row.update(
                    {
                        "TradingDay": natural if exchange == "CZCE" else trading,
                        "ActionDay": trading if exchange == "DCE" else natural,
                        "UpdateTime": when.strftime("%H:%M:%S"),
                        "UpdateMillisec": when.microsecond // 1000,
                        "ExchangeID": exchange,
                        "InstrumentID": symbol,
                        "LastPrice": chunk.last_price[i],
                        "Volume": chunk.volume[i],
                        "Turnover": chunk.turnover[i],
                        "OpenInterest": chunk.open_interest[i],
                        "UpperLimitPrice": chunk.upper_limit[i],
                        "LowerLimitPrice": chunk.lower_limit[i],
                        "BidPrice1": chunk.bid_price_1[i],
                        "BidVolume1": chunk.bid_volume_1[i],
                        "AskPrice1": chunk.ask_price_1[i],
                        "AskVolume1": chunk.ask_volume_1[i],
                    }
                )
                for n in range(2, 6):
                    row[f"BidVolume{n}"] = row[f"AskVolume{n}"] = 0
                writer.writerow([row[c] for c in NATIVE_COLUMNS])
    return path


def test_native_csv_when_dce_czce_night_rows_match_the_front_reader_and_the_generator(tmp_path: Path) -> None:
    gen = [DataSource(kind="generator", instruments=("rb", "m", "SR"), seed=3, session="night")]
    want = collect(
        itertools.islice(open_tick_stream(gen, chunk_rows=1000), 6)
    )  # the night's first 6000 ticks
    path = write_native_csv(
        tmp_path / "native.csv", itertools.islice(open_tick_stream(gen, chunk_rows=1000), 6)
    )

    stream = open_tick_stream([csv_source(path)], chunk_rows=5_000)
    got = collect(stream)
    assert set(stream.symbols) == {"rb2505", "m2505", "SR505"}  # in order of first appearance in the file
    names_got = np.array(stream.symbols)[got["instrument"]]
    np.testing.assert_array_equal(names_got, np.array(open_tick_stream(gen).symbols)[want["instrument"]])
    for name in ("time_ms", "trading_day", "last_price", "volume", "upper_limit", "bid_volume_1"):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    for k, symbol in enumerate(stream.symbols):  # the local front's own C++ CSV reader agrees
        front = history.read_csv_ticks(path, symbol)
        np.testing.assert_array_equal(got["time_ms"][got["instrument"] == k], front.time_ms)
        np.testing.assert_array_equal(got["trading_day"][got["instrument"] == k], front.trading_day)


def test_native_csv_when_update_time_is_garbage_names_the_row(tmp_path: Path) -> None:
    gen = [DataSource(kind="generator", instruments=("rb",), seed=3)]
    path = write_native_csv(
        tmp_path / "native.csv", itertools.islice(open_tick_stream(gen, chunk_rows=50), 1)
    )
    lines = path.read_text().splitlines()
    lines = lines[:31]
    cells = lines[20].split(",")
    cells[2] = "09:61:00"
    lines[20] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(BacktestDataError) as info:
        collect(open_tick_stream([csv_source(path)]))
    assert (info.value.row, info.value.field, info.value.rule) == (20, "UpdateTime", "garbage")
    assert "09:61:00" in str(info.value)


def test_bars_csv_when_read_checks_the_grid_and_filters_trading_days(tmp_path: Path) -> None:
    rows = [
        {
            "symbol": "rb2505",
            "datetime": str(NINE + dt.timedelta(days=d, minutes=i)),
            "open_price": 3500.0,
            "high_price": 3502.0,
            "low_price": 3499.0,
            "close_price": 3501.0,
            "volume": 7,
        }
        for d in (0, 1)
        for i in range(5)
    ]
    path = write_csv(tmp_path / "bars.csv", rows)
    stream = open_bar_stream([DataSource(kind="bars_csv", path=path)], "1m", start=20250103)
    got = collect(stream)
    assert list(got["trading_day"]) == [20250103] * 5 and stream.counts.outside_dates == 5
    rows[2]["close_price"] = 3501.5
    with pytest.raises(BacktestDataError) as info:
        collect(open_bar_stream([DataSource(kind="bars_csv", path=write_csv(path, rows))], "1m"))
    assert (info.value.row, info.value.field, info.value.rule) == (3, "close", "off_tick_grid")


def test_vnpy_sqlite_stream_when_many_chunks_long_keeps_memory_bounded(tmp_path: Path) -> None:
    db = write_vnpy_db(tmp_path / "database.db", tick_rows(seconds=20_000, step_ms=200))

    def peak(chunk_rows: int) -> int:
        tracemalloc.start()
        for _ in open_tick_stream([DataSource(kind="vnpy_sqlite", path=db)], chunk_rows=chunk_rows):
            pass
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    assert peak(1_000) < peak(1_000_000) / 3
