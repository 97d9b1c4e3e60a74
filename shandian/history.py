"""Recorded ticks and bars as numpy columns, for warm-up and research.

Sources: a tick CSV (either dialect the local front replays, read by its own C++ reader), a vn.py SQLite
database (vnpy_sqlite's ``dbtickdata`` / ``dbbardata`` tables), and Parquet files of vn.py tick fields
(needs pyarrow, the ``journal`` extra). The journal records orders, trades and session events, not market
data: there are no journaled ticks to read.

Times are exchange wall time as ms since the epoch (China Standard Time digits read as UTC, the convention of
``sd.Bar`` and the local front); ``trading_day`` is YYYYMMDD with the night session in the next trading day.
``bars_from_ticks`` builds bars with the engine's C++ BarBuilder, so history and live bars follow one set of
session rules.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shandian import _core
from shandian.errors import (
    HistoryFileNotFoundError,
    HistoryFormatError,
    HistoryIntervalError,
    UnknownSymbolError,
)

__all__ = [
    "Bars", "Ticks", "bars_from_ticks", "read_csv_ticks", "read_parquet_ticks", "read_vnpy_sqlite_bars",
    "read_vnpy_sqlite_ticks",
]

TimeBound = int | dt.datetime | None  # exchange ms, or a naive China-time datetime; None: unbounded

# vn.py's Interval values for the bar intervals both sides have
_VNPY_INTERVALS = {"1m": ("1m", 60_000), "1h": ("1h", 3_600_000), "1d": ("d", 86_400_000)}
_VNPY_TICK_COLUMNS = ("datetime", "last_price", "volume", "turnover", "open_interest", "bid_price_1",
                      "ask_price_1", "bid_volume_1", "ask_volume_1")
_VNPY_BAR_COLUMNS = ("datetime", "open_price", "high_price", "low_price", "close_price", "volume", "turnover",
                     "open_interest")


@dataclass(frozen=True)
class Ticks:
    """One instrument's ticks as columns (equal lengths, exchange-time order); cumulative volume/turnover."""

    symbol: str
    time_ms: npt.NDArray[np.int64]
    trading_day: npt.NDArray[np.uint32]
    last_price: npt.NDArray[np.float64]
    volume: npt.NDArray[np.int64]
    turnover: npt.NDArray[np.float64]
    open_interest: npt.NDArray[np.float64]
    bid_price_1: npt.NDArray[np.float64]
    ask_price_1: npt.NDArray[np.float64]
    bid_volume_1: npt.NDArray[np.int32]
    ask_volume_1: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.time_ms)

    def between(self, start: TimeBound = None, end: TimeBound = None) -> Ticks:
        """Return the ticks with start <= time_ms <= end."""
        keep = _in_range(self.time_ms, start, end)
        return Ticks(self.symbol, *(getattr(self, f.name)[keep] for f in fields(self)[1:]))


@dataclass(frozen=True)
class Bars:
    """One instrument's bars of one interval as columns, oldest first.

    [start_ms, end_ms) is the bar's slot (bar.hpp); volume and turnover are per bar; open_interest is the
    level at the bar's last tick; open_interest_change is NaN where the source does not have it (vn.py bars).
    """

    symbol: str
    interval: str
    start_ms: npt.NDArray[np.int64]
    end_ms: npt.NDArray[np.int64]
    trading_day: npt.NDArray[np.uint32]
    open: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    close: npt.NDArray[np.float64]
    volume: npt.NDArray[np.int64]
    turnover: npt.NDArray[np.float64]
    open_interest: npt.NDArray[np.float64]
    open_interest_change: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.start_ms)


def to_exchange_ms(when: int | dt.datetime) -> int:
    """Exchange ms of WHEN: an int as it is; a naive datetime is China time; an aware one is converted."""
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None:
            when = when.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
        return int((when - dt.datetime(1970, 1, 1)) // dt.timedelta(milliseconds=1))
    return int(when)


def _in_range(time_ms: npt.NDArray[np.int64], start: TimeBound, end: TimeBound) -> npt.NDArray[np.bool_]:
    keep = np.ones(len(time_ms), dtype=bool)
    if start is not None:
        keep &= time_ms >= to_exchange_ms(start)
    if end is not None:
        keep &= time_ms <= to_exchange_ms(end)
    return keep


def _existing(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise HistoryFileNotFoundError(f"{what} {p}: no such file")
    return p


def read_csv_ticks(path: str | Path, symbol: str, start: TimeBound = None, end: TimeBound = None) -> Ticks:
    """SYMBOL's ticks of a tick CSV (native or vn.py dialect; one trading day a file, as the local front)."""
    p = _existing(path, "tick CSV")
    try:
        columns = _core.read_csv_ticks(str(p), symbol)
    except KeyError as exc:
        raise UnknownSymbolError(exc.args[0] if exc.args else str(exc)) from None
    except (_core.CsvFormatError, _core.CsvOrderError, _core.CsvUnknownInstrumentError) as exc:
        raise HistoryFormatError(str(exc)) from exc
    return Ticks(symbol, **columns).between(start, end)


def _times_of(texts: Any, source: str) -> npt.NDArray[np.int64]:
    """Exchange ms of vn.py datetime texts ('YYYY-MM-DD HH:MM:SS[.ffffff]', China time)."""
    try:
        return np.asarray(np.array(texts, dtype="datetime64[ms]").astype(np.int64))
    except ValueError as exc:
        raise HistoryFormatError(f"{source}: column 'datetime': {exc}") from None


def _connect(path: str | Path) -> sqlite3.Connection:
    p = _existing(path, "vn.py SQLite database")
    return sqlite3.connect(f"file:{p}?mode=ro", uri=True)


def _select(db: sqlite3.Connection, source: str, table: str, columns: tuple[str, ...], where: str,
            args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows of TABLE ordered by datetime; HistoryFormatError naming what is missing when it is not vn.py's."""
    try:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError as exc:
        raise HistoryFormatError(f"{source}: not a SQLite database ({exc})") from None
    if not present:
        raise HistoryFormatError(f"{source}: no table {table!r} (vn.py's tables: dbtickdata / dbbardata)")
    missing = [c for c in ("symbol", "exchange", *columns) if c not in present]
    if missing:
        raise HistoryFormatError(f"{source}: table {table!r} lacks column(s) {', '.join(missing)}")
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY datetime"
    return db.execute(sql, args).fetchall()


def _symbol_rows(db: sqlite3.Connection, source: str, table: str, columns: tuple[str, ...], symbol: str,
                 exchange: str | None, extra: str = "",
                 extra_args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    where, args = "symbol = ?" + extra, (symbol, *extra_args)
    if exchange is not None:
        where, args = where + " AND exchange = ?", (*args, exchange)
    rows = _select(db, source, table, columns, where, args)
    if not rows:
        listed = sorted({r[0] for r in db.execute(f"SELECT DISTINCT symbol FROM {table}")})
        on = f" on {exchange}" if exchange else ""
        raise UnknownSymbolError(f"{source}: no {table} rows of {symbol!r}{on}"
                                 f"{extra and ' at that interval'} (symbols: {', '.join(listed) or 'none'})")
    return rows


def _float_column(rows: list[tuple[Any, ...]], index: int) -> npt.NDArray[np.float64]:
    return np.array([r[index] if r[index] is not None else 0.0 for r in rows], dtype=np.float64)


def read_vnpy_sqlite_ticks(path: str | Path, symbol: str, exchange: str | None = None,
                           start: TimeBound = None, end: TimeBound = None) -> Ticks:
    """SYMBOL's ticks from a vn.py SQLite database (table dbtickdata), optionally of one EXCHANGE ('SHFE')."""
    source = f"vn.py database {path}"
    with _connect(path) as db:
        rows = _symbol_rows(db, source, "dbtickdata", _VNPY_TICK_COLUMNS, symbol, exchange)
    time_ms = _times_of([r[0] for r in rows], source)
    return Ticks(
        symbol, time_ms, _core.trading_days_of(time_ms), _float_column(rows, 1),
        np.rint(_float_column(rows, 2)).astype(np.int64), _float_column(rows, 3), _float_column(rows, 4),
        _float_column(rows, 5), _float_column(rows, 6), _float_column(rows, 7).astype(np.int32),
        _float_column(rows, 8).astype(np.int32),
    ).between(start, end)


def read_vnpy_sqlite_bars(path: str | Path, symbol: str, interval: str, exchange: str | None = None,
                          start: TimeBound = None, end: TimeBound = None) -> Bars:
    """SYMBOL's bars stored by vn.py (table dbbardata) at INTERVAL '1m', '1h' or '1d' (vn.py's 'd').

    vn.py stamps a bar with its start; its daily bar with the date. Bars keep vn.py's values as they are (its
    own session handling), with end_ms = start + the interval and the trading day from the calendar.
    """
    if interval not in _VNPY_INTERVALS:
        raise HistoryIntervalError(f"bar interval {interval!r}: vn.py databases store only "
                                   f"{', '.join(_VNPY_INTERVALS)} bars")
    vnpy_interval, length_ms = _VNPY_INTERVALS[interval]
    source = f"vn.py database {path}"
    with _connect(path) as db:
        rows = _symbol_rows(db, source, "dbbardata", _VNPY_BAR_COLUMNS, symbol, exchange, " AND interval = ?",
                            (vnpy_interval,))
    start_ms = _times_of([r[0] for r in rows], source)
    keep = _in_range(start_ms, start, end)
    if interval == "1d":
        days = start_ms.astype("datetime64[ms]").astype("datetime64[D]")
        months = days.astype("datetime64[M]")
        year = months.astype("datetime64[Y]").astype(np.int64) + 1970
        yyyymmdd = (year * 10_000 + (months.astype(np.int64) % 12 + 1) * 100
                    + (days - months).astype(np.int64) + 1).astype(np.uint32)
    else:
        yyyymmdd = _core.trading_days_of(start_ms)
    return Bars(
        symbol, interval, start_ms[keep], (start_ms + length_ms)[keep], yyyymmdd[keep],
        _float_column(rows, 1)[keep],
        _float_column(rows, 2)[keep], _float_column(rows, 3)[keep], _float_column(rows, 4)[keep],
        np.rint(_float_column(rows, 5)).astype(np.int64)[keep], _float_column(rows, 6)[keep],
        _float_column(rows, 7)[keep], np.full(int(keep.sum()), np.nan),
    )


def read_parquet_ticks(path: str | Path, symbol: str, start: TimeBound = None,
                       end: TimeBound = None) -> Ticks:
    """SYMBOL's ticks from a Parquet file of vn.py TickData fields (a DataFrame of ticks saved to Parquet).

    Needs columns symbol, datetime (a timestamp: naive is China time, aware is converted; or vn.py's text),
    last_price, volume; turnover, open_interest and the level-1 book are optional (0 when absent).
    ModuleNotFoundError when pyarrow is not installed (``pip install shandian[journal]``).
    """
    import pyarrow.parquet as pq

    p = _existing(path, "Parquet file")
    source = f"Parquet file {p}"
    try:
        table = pq.read_table(p)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError subclasses for a non-Parquet file
        raise HistoryFormatError(f"{source}: {exc}") from None
    missing = [c for c in ("symbol", "datetime", "last_price", "volume") if c not in table.column_names]
    if missing:
        raise HistoryFormatError(f"{source}: lacks column(s) {', '.join(missing)}")
    symbols = np.asarray(table.column("symbol").to_numpy(zero_copy_only=False)).astype(str)
    rows = symbols == symbol
    if not rows.any():
        listed = ", ".join(sorted(set(symbols)))
        raise UnknownSymbolError(f"{source}: no tick of {symbol!r} (symbols: {listed})")
    time_ms = _parquet_times(table.column("datetime"), source)[rows]
    order = np.argsort(time_ms, kind="stable")
    time_ms = time_ms[order]

    def column(name: str, dtype: type) -> Any:
        if name not in table.column_names:
            return np.zeros(len(time_ms), dtype=dtype)
        values = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)[rows][order]
        return np.rint(values).astype(dtype) if dtype is not np.float64 else np.nan_to_num(values)

    return Ticks(
        symbol, time_ms, _core.trading_days_of(time_ms), column("last_price", np.float64),
        column("volume", np.int64), column("turnover", np.float64), column("open_interest", np.float64),
        column("bid_price_1", np.float64), column("ask_price_1", np.float64),
        column("bid_volume_1", np.int32), column("ask_volume_1", np.int32),
    ).between(start, end)


def _parquet_times(column: Any, source: str) -> npt.NDArray[np.int64]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(column.type):
        if column.type.tz is not None:
            utc_ms = column.cast(pa.timestamp("ms", tz="UTC")).cast(pa.timestamp("ms")).cast(pa.int64())
            column = pc.add(utc_ms, 8 * 3_600_000)
            return np.asarray(column.to_numpy(), dtype=np.int64)
        return np.asarray(column.cast(pa.timestamp("ms")).cast(pa.int64()).to_numpy(), dtype=np.int64)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return _times_of(column.to_numpy(zero_copy_only=False), source)
    raise HistoryFormatError(f"{source}: column 'datetime' is {column.type}, expected a timestamp or text")


def bars_from_ticks(ticks: Ticks, symbol: str, interval: str, clock_ms: int | None = None) -> Bars:
    """Bars of INTERVAL ('1m', '5m', '1h', '1d', '<n>t', '<n>v') built from TICKS by the C++ BarBuilder.

    CLOCK_MS: the exchange time the history reaches (e.g. the last tick's session end): it closes the bars
    it has passed, as the engine's clock does. None returns only the bars the ticks themselves finished,
    leaving out the one still open at the last tick, which live bars continue.
    """
    if ticks.symbol != symbol:
        raise UnknownSymbolError(f"bars of {symbol!r} asked from ticks of {ticks.symbol!r}")
    try:
        b = _core.build_bars(symbol, interval, ticks.time_ms, ticks.trading_day, ticks.last_price,
                             ticks.volume, ticks.turnover, ticks.open_interest, clock_ms)
    except KeyError as exc:
        raise UnknownSymbolError(exc.args[0] if exc.args else str(exc)) from None
    except _core.TickOrderError as exc:
        raise HistoryFormatError(str(exc)) from None
    except ValueError as exc:
        raise HistoryIntervalError(str(exc)) from None
    return Bars(symbol, interval, b["start_ms"], b["end_ms"], b["trading_day"], b["open"], b["high"],
                b["low"], b["close"], b["volume"], b["turnover"], b["open_interest"],
                b["open_interest_change"])


_TICK_READERS: dict[str, Callable[..., Ticks]] = {
    ".csv": read_csv_ticks, ".parquet": read_parquet_ticks, ".pq": read_parquet_ticks,
    ".db": read_vnpy_sqlite_ticks, ".sqlite": read_vnpy_sqlite_ticks, ".sqlite3": read_vnpy_sqlite_ticks,
}


def _vnpy_sqlite_bars(path: Path, symbol: str, interval: str, end: TimeBound) -> Bars:
    """SYMBOL's bars from a vn.py database: built from its ticks (dbtickdata) when it has the symbol's.

    Without them, the bars vn.py stored (dbbardata, '1m', '1h' or '1d' only), which it writes once finished.
    """
    try:
        ticks = read_vnpy_sqlite_ticks(path, symbol, end=end)
    except UnknownSymbolError as no_ticks:
        if interval not in _VNPY_INTERVALS:
            raise HistoryIntervalError(f"{no_ticks}; and vn.py databases store only "
                                       f"{', '.join(_VNPY_INTERVALS)} bars, not {interval!r}") from None
        stored = read_vnpy_sqlite_bars(path, symbol, interval)
        keep = _in_range(stored.end_ms, None, end)  # as with ticks: a bar still open at END is left out
        return Bars(symbol, interval, *(getattr(stored, f.name)[keep] for f in fields(stored)[2:]))
    return bars_from_ticks(ticks, symbol, interval)


def load_bars(source: str | Path, symbol: str, interval: str, bars: int | None = None,
              end: TimeBound = None) -> Bars:
    """Return the newest BARS finished bars of INTERVAL (all when None) from a history SOURCE file.

    The reader follows the file's suffix: .csv, .parquet/.pq, or a vn.py SQLite database (.db/.sqlite).
    Bars are built from the file's ticks by the C++ builder (bars_from_ticks); a vn.py database without
    ticks of SYMBOL gives its stored bars instead (_vnpy_sqlite_bars). Ticks (bars) after END are left out;
    the bar still open at the last tick is left out, so live bars continue it. Raises HistoryFormatError
    for any other suffix and the readers' errors.
    """
    path = Path(source)
    reader = _TICK_READERS.get(path.suffix.lower())
    if reader is None:
        expected = ", ".join(_TICK_READERS)
        raise HistoryFormatError(f"{source}: not a history source (expected a file ending {expected})")
    if bars is not None and (not isinstance(bars, int) or isinstance(bars, bool) or bars < 0):
        raise HistoryFormatError(f"bars={bars!r}: expected an int >= 0 or None")
    if reader is read_vnpy_sqlite_ticks:
        built = _vnpy_sqlite_bars(path, symbol, interval, end)
    else:
        built = bars_from_ticks(reader(path, symbol, end=end), symbol, interval)
    if bars is None or bars >= len(built):
        return built
    keep = slice(len(built) - bars, None)
    return Bars(symbol, interval, *(getattr(built, f.name)[keep] for f in fields(built)[2:]))
