"""Warm-up: Agent.load_history seeds the engine's bar history from a history source (tick CSV, a vn.py SQLite
database's ticks or bars, Parquet ticks) and gives on_bar the past bars first; live bars from the local front
replaying the whole day continue them with no gap or duplicate."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import shandian as sd
from shandian import history
from shandian.bench.ticks import INSTRUMENTS, TRADING_DAY, make_stream, write_csv
from shandian.errors import (
    HistoryFileNotFoundError,
    HistoryFormatError,
    HistoryIntervalError,
    UnknownSymbolError,
)
from shandian.testing import run_local

DAY0 = history.to_exchange_ms(dt.datetime.strptime(TRADING_DAY, "%Y%m%d"))  # midnight, exchange ms
MINUTE = 60_000
CUT = DAY0 + (9 * 60 + 4) * MINUTE + 30_000  # history reaches 09:04:30, so its 09:04 bar is still open
STOP_AT = DAY0 + (9 * 60 + 6) * MINUTE

# The tables vnpy_sqlite (1.1.3) creates, as peewee (4.5) writes their DDL: vn.py's exact schema.
VNPY_SQLITE_DDL = (
    'CREATE TABLE "dbbardata" ("id" INTEGER NOT NULL PRIMARY KEY, "symbol" VARCHAR(255) NOT NULL, '
    '"exchange" VARCHAR(255) NOT NULL, "datetime" DATETIME NOT NULL, "interval" VARCHAR(255) NOT NULL, '
    '"volume" REAL NOT NULL, "turnover" REAL NOT NULL, "open_interest" REAL NOT NULL, '
    '"open_price" REAL NOT NULL, "high_price" REAL NOT NULL, "low_price" REAL NOT NULL, '
    '"close_price" REAL NOT NULL)',
    'CREATE UNIQUE INDEX "dbbardata_symbol_exchange_interval_datetime" ON "dbbardata" '
    '("symbol", "exchange", "interval", "datetime")',
    'CREATE TABLE "dbbaroverview" ("id" INTEGER NOT NULL PRIMARY KEY, "symbol" VARCHAR(255) NOT NULL, '
    '"exchange" VARCHAR(255) NOT NULL, "interval" VARCHAR(255) NOT NULL, "count" INTEGER NOT NULL, '
    '"start" DATETIME NOT NULL, "end" DATETIME NOT NULL)',
    'CREATE TABLE "dbtickdata" ("id" INTEGER NOT NULL PRIMARY KEY, "symbol" VARCHAR(255) NOT NULL, '
    '"exchange" VARCHAR(255) NOT NULL, "datetime" DATETIME NOT NULL, "name" VARCHAR(255) NOT NULL, '
    '"volume" REAL NOT NULL, "turnover" REAL NOT NULL, "open_interest" REAL NOT NULL, '
    '"last_price" REAL NOT NULL, "last_volume" REAL NOT NULL, "limit_up" REAL NOT NULL, '
    '"limit_down" REAL NOT NULL, "open_price" REAL NOT NULL, "high_price" REAL NOT NULL, '
    '"low_price" REAL NOT NULL, "pre_close" REAL NOT NULL, "bid_price_1" REAL NOT NULL, '
    '"bid_price_2" REAL, "bid_price_3" REAL, "bid_price_4" REAL, "bid_price_5" REAL, '
    '"ask_price_1" REAL NOT NULL, "ask_price_2" REAL, "ask_price_3" REAL, "ask_price_4" REAL, '
    '"ask_price_5" REAL, "bid_volume_1" REAL NOT NULL, "bid_volume_2" REAL, "bid_volume_3" REAL, '
    '"bid_volume_4" REAL, "bid_volume_5" REAL, "ask_volume_1" REAL NOT NULL, "ask_volume_2" REAL, '
    '"ask_volume_3" REAL, "ask_volume_4" REAL, "ask_volume_5" REAL, "localtime" DATETIME)',
    'CREATE UNIQUE INDEX "dbtickdata_symbol_exchange_datetime" ON "dbtickdata" '
    '("symbol", "exchange", "datetime")',
    'CREATE TABLE "dbtickoverview" ("id" INTEGER NOT NULL PRIMARY KEY, "symbol" VARCHAR(255) NOT NULL, '
    '"exchange" VARCHAR(255) NOT NULL, "count" INTEGER NOT NULL, "start" DATETIME NOT NULL, '
    '"end" DATETIME NOT NULL)',
)


def rb_csv(path: Path) -> Path:
    """rb2505 ticks every 500 ms from 09:02:00 to 09:07:59.5 of the local front's trading day, seeded."""
    stream = make_stream(13, len(INSTRUMENTS) * 720, delta_ms=500, per_step=len(INSTRUMENTS))
    return write_csv([t for t in stream if t.instrument == "rb2505"], path)


def vnpy_datetime(ms: int) -> str:
    """Exchange ms as vn.py's database holds a datetime: str() of the naive China-time datetime."""
    return str(dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(ms)))


def write_vnpy_sqlite(path: Path, ticks: history.Ticks | None = None,
                      bars: history.Bars | None = None) -> Path:
    """A vn.py database (VNPY_SQLITE_DDL) holding TICKS in dbtickdata and BARS in dbbardata, as vnpy_sqlite
    writes them (datetime as naive China time, exchange as its value)."""
    db = sqlite3.connect(path)
    for ddl in VNPY_SQLITE_DDL:
        db.execute(ddl)
    if ticks is not None:
        last_volume = np.diff(ticks.volume, prepend=ticks.volume[0])
        db.executemany(
            "INSERT INTO dbtickdata (symbol, exchange, datetime, name, volume, turnover, open_interest, "
            "last_price, last_volume, limit_up, limit_down, open_price, high_price, low_price, pre_close, "
            "bid_price_1, ask_price_1, bid_volume_1, ask_volume_1) VALUES (" + ",".join("?" * 19) + ")",
            [(ticks.symbol, "SHFE", vnpy_datetime(ticks.time_ms[i]), ticks.symbol, float(ticks.volume[i]),
              float(ticks.turnover[i]), float(ticks.open_interest[i]), float(ticks.last_price[i]),
              float(last_volume[i]), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, float(ticks.bid_price_1[i]),
              float(ticks.ask_price_1[i]), float(ticks.bid_volume_1[i]), float(ticks.ask_volume_1[i]))
             for i in range(len(ticks))])
    if bars is not None:
        db.executemany(
            "INSERT INTO dbbardata (symbol, exchange, datetime, interval, volume, turnover, open_interest, "
            "open_price, high_price, low_price, close_price) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(bars.symbol, "SHFE", vnpy_datetime(bars.start_ms[i]), "1m", float(bars.volume[i]),
              float(bars.turnover[i]), float(bars.open_interest[i]), float(bars.open[i]), float(bars.high[i]),
              float(bars.low[i]), float(bars.close[i])) for i in range(len(bars))])
    db.commit()
    db.close()
    return path


def write_parquet(path: Path, ticks: history.Ticks) -> Path:
    """TICKS as a DataFrame of vn.py TickData saved to Parquet: aware Asia/Shanghai timestamps."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    utc_ms = ticks.time_ms - 8 * 3_600_000  # the instants of China-time exchange stamps
    n = len(ticks)
    table = pa.table({
        "symbol": [ticks.symbol] * n, "exchange": ["SHFE"] * n,
        "datetime": pa.array(utc_ms, type=pa.timestamp("ms", tz="Asia/Shanghai")),
        "name": [ticks.symbol] * n, "volume": ticks.volume.astype(np.float64), "turnover": ticks.turnover,
        "open_interest": ticks.open_interest, "last_price": ticks.last_price,
        "bid_price_1": ticks.bid_price_1, "ask_price_1": ticks.ask_price_1,
        "bid_volume_1": ticks.bid_volume_1.astype(np.float64),
        "ask_volume_1": ticks.ask_volume_1.astype(np.float64),
    })
    pq.write_table(table, path)
    return path


class WarmedUp(sd.Agent):
    """Loads the source's 1m bars, then records past and live bars until `stop_at`."""

    params: ClassVar[dict[str, Any]] = {"source": "", "stop_at": 0}

    def on_start(self) -> None:
        self.bars: list[sd.Bar] = []
        self.loading = True
        self.given = self.load_history("rb2505", "1m", bars=100, source=self.params["source"])
        self.past = len(self.bars)
        self.loading = False
        self.ring_after_load = list(self.history("rb2505", "1m", 100).time)

    def on_bar(self, bar: sd.Bar) -> None:
        self.bars.append(bar)
        if not self.loading and bar.start_ms >= self.params["stop_at"]:
            self.history_after_stop = list(self.history("rb2505", "1m", 100).time)
            self._engine.stop("seen the live bars")


def warm_then_live(source: Path, full: Path) -> WarmedUp:
    """Run an agent warmed up from SOURCE on the local front replaying the whole day's FULL csv."""
    agent = WarmedUp("warm", {"source": str(source), "stop_at": STOP_AT})
    report, _ = run_local([(agent, ["rb2505"])], duration=40, speed=120, source=f"csv:{full}")
    assert report.stop_reason == "seen the live bars", report.format()
    return agent


def assert_past_then_live(agent: WarmedUp, whole: history.Bars) -> None:
    """on_bar saw 09:02 and 09:03 from the source first, then live bars from 09:04 with no gap or duplicate;
    WHOLE: the bars of the full day's ticks, which every bar seen equals; history() holds them in order."""
    starts = [b.start_ms - DAY0 for b in agent.bars]
    assert agent.given == agent.past == 2, starts  # 09:02 and 09:03; the open 09:04 is left to live
    assert agent.ring_after_load == [b.start_ms for b in agent.bars[:2]]
    assert starts[:4] == [m * MINUTE for m in (9 * 60 + 2, 9 * 60 + 3, 9 * 60 + 4, 9 * 60 + 5)], starts
    for prev, bar in zip(agent.bars, agent.bars[1:], strict=False):
        assert bar.start_ms == prev.end_ms, (prev.start_ms - DAY0, bar.start_ms - DAY0)
    assert len(set(starts)) == len(starts)
    # The past bars are the source's; the first live bar is whole (the live builder saw its every tick).
    for bar, i in zip(agent.bars[:3], range(3), strict=True):
        assert (bar.start_ms, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
            whole.start_ms[i], whole.open[i], whole.high[i], whole.low[i], whole.close[i], whole.volume[i])
    # history() holds past then live bars, in order, no duplicate.
    assert list(agent.history_after_stop) == [b.start_ms for b in agent.bars][-len(agent.history_after_stop):]


def test_load_history_when_live_replays_the_same_csv_bars_continue_at_the_seam(tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    ticks = history.read_csv_ticks(full, "rb2505")
    lines = full.read_text().splitlines()
    past = tmp_path / "past.csv"
    past.write_text("\n".join(lines[: 1 + int((ticks.time_ms <= CUT).sum())]) + "\n")
    assert history.read_csv_ticks(past, "rb2505").time_ms[-1] <= CUT
    agent = warm_then_live(past, full)
    assert_past_then_live(agent, history.bars_from_ticks(ticks, "rb2505", "1m"))


def test_load_history_when_source_is_vnpy_sqlite_ticks_bars_continue_at_the_seam(tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    ticks = history.read_csv_ticks(full, "rb2505")
    db = write_vnpy_sqlite(tmp_path / "vnpy.db", ticks=ticks.between(end=CUT))
    stored = history.read_vnpy_sqlite_ticks(db, "rb2505")
    assert np.array_equal(stored.time_ms, ticks.between(end=CUT).time_ms)
    agent = warm_then_live(db, full)
    assert_past_then_live(agent, history.bars_from_ticks(ticks, "rb2505", "1m"))


def test_load_history_when_vnpy_sqlite_has_only_bars_its_stored_bars_then_live(tmp_path: Path) -> None:
    """A vn.py database of downloaded 1m bars (dbbardata, no ticks): those bars are the past ones."""
    full = rb_csv(tmp_path / "day.csv")
    ticks = history.read_csv_ticks(full, "rb2505")
    whole = history.bars_from_ticks(ticks, "rb2505", "1m")
    finished = history.bars_from_ticks(ticks.between(end=CUT), "rb2505", "1m")  # vn.py stores finished bars
    db = write_vnpy_sqlite(tmp_path / "bars.sqlite", bars=finished)
    agent = warm_then_live(db, full)
    assert_past_then_live(agent, whole)
    assert [b.turnover for b in agent.bars[:2]] == list(finished.turnover)


def test_load_history_when_source_is_parquet_of_vnpy_ticks_bars_continue_at_the_seam(tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    ticks = history.read_csv_ticks(full, "rb2505")
    parquet = write_parquet(tmp_path / "ticks.parquet", ticks.between(end=CUT))
    agent = warm_then_live(parquet, full)
    assert_past_then_live(agent, history.bars_from_ticks(ticks, "rb2505", "1m"))


class BadSource(sd.Agent):
    params: ClassVar[dict[str, Any]] = {"source": "", "interval": "1m", "symbol": "rb2505"}

    def on_start(self) -> None:
        try:
            p = self.params
            self.load_history(p["symbol"], p["interval"], bars=5, source=p["source"])
        except Exception as exc:
            self.error: BaseException = exc
        self._engine.stop("loaded")


@pytest.mark.parametrize(("name", "params", "expected"), [
    ("missing", {"source": "nowhere.csv"}, HistoryFileNotFoundError),
    ("suffix", {"source": "day.journal"}, HistoryFormatError),
    ("symbol", {"symbol": "cu2502"}, UnknownSymbolError),
    ("interval", {"interval": "7x"}, sd.errors.BarSubscriptionError),
])
def test_load_history_when_source_is_bad_raises_typed_error(
        tmp_path: Path, name: str, params: dict[str, Any], expected: type[BaseException]) -> None:
    full = rb_csv(tmp_path / "day.csv")
    source = str(tmp_path / params.get("source", "day.csv"))
    if name == "suffix":
        Path(source).write_text("x\n")
    agent = BadSource("bad", {**params, "source": source})
    report, _ = run_local([(agent, ["rb2505"])], duration=20, speed=120, source=f"csv:{full}")
    assert report.stop_reason == "loaded", report.format()
    assert isinstance(agent.error, expected), repr(agent.error)


def test_load_bars_when_bars_limits_keeps_the_newest(tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    every = history.load_bars(full, "rb2505", "1m")
    assert len(every) == 5  # 09:02..09:06; 09:07 is open at the last tick
    two = history.load_bars(full, "rb2505", "1m", bars=2)
    assert list(two.start_ms) == list(every.start_ms[-2:])
    with pytest.raises(HistoryIntervalError):
        history.load_bars(full, "rb2505", "7x")


def test_load_bars_when_vnpy_sqlite_has_only_bars_keeps_finished_ones_and_refuses_other_intervals(
        tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    every = history.load_bars(full, "rb2505", "1m")
    db = write_vnpy_sqlite(tmp_path / "bars.db", bars=every)
    stored = history.load_bars(db, "rb2505", "1m")
    assert list(stored.start_ms) == list(every.start_ms) and list(stored.close) == list(every.close)
    before_cut = history.load_bars(db, "rb2505", "1m", end=CUT)  # the 09:04 bar ends after CUT: left out
    assert [t - DAY0 for t in before_cut.start_ms] == [(9 * 60 + 2) * MINUTE, (9 * 60 + 3) * MINUTE]
    with pytest.raises(HistoryIntervalError, match=r"no dbtickdata rows of 'rb2505'.*not '5m'"):
        history.load_bars(db, "rb2505", "5m")
    with pytest.raises(UnknownSymbolError, match="no dbbardata rows of 'cu2502'"):
        history.load_bars(db, "cu2502", "1m")
