"""Market data for backtests: tick and bar streams over recorded or generated history, in bounded memory.

Sources (docs/backtest-data.md has the column schemas and the rules): the local front's tick CSV (its native
columns or vn.py's TickData names), vn.py's SQLite database (``dbtickdata`` / ``dbbardata``), Parquet files of
the same vn.py fields, bar CSV / Parquet files, and the local front's seeded generator (the same ticks a
``local://`` front with that seed and trading day publishes). Each source is read in chunks of ``chunk_rows``
rows; several sources are merged by exchange time (ties keep the config's source order, then file order).

Every row is checked (garbage, prices off the tick grid, time going backwards, negative or shrinking volume);
a bad row raises BacktestDataError naming file, row, field, value and rule, or with ``on_bad="skip"`` is
dropped and counted under its rule in ``DataCounts.skipped_bad``. Ticks outside the product's trading hours
are dropped and counted; ``start`` / ``end`` select trading days (the night session belongs to the next one).
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shandian import _core
from shandian.errors import BacktestDataError, ConfigError

__all__ = [
    "BAD_DATA_RULES",
    "BarChunk",
    "BarStream",
    "DataCounts",
    "DataSource",
    "TickChunk",
    "TickStream",
    "data_sources_from_config",
    "open_bar_stream",
    "open_tick_stream",
]

# rule -> what it refuses (the text of BacktestDataError; the keys of DataCounts.skipped_bad)
BAD_DATA_RULES: dict[str, str] = {
    "garbage": "not a value of the column's type (number, date/time, symbol)",
    "unknown_instrument": "the bundled instrument and session tables have no such product",
    "price_not_positive": "a price must be positive (a tick's missing price is NaN; a bar needs all four)",
    "off_tick_grid": "the price is not a multiple of the instrument's price tick",
    "negative_volume": "a volume must not be negative",
    "negative_value": "turnover and open interest must not be negative",
    "bar_range": "a bar's high must be >= open, close and low, and its low <= open and close",
    "time_backwards": "earlier than the previous row of the source (rows must be in time order)",
    "volume_decreasing": "cumulative volume below an earlier row's of the same instrument and trading day",
}

TICK_KINDS = ("generator", "csv", "vnpy_sqlite", "parquet")
BAR_KINDS = ("vnpy_sqlite", "bars_csv", "bars_parquet")
_VNPY_INTERVALS = {"1m": "1m", "1h": "1h", "1d": "d"}  # ours -> vn.py's Interval value
_MS_OF = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}
_GRID_TOLERANCE = 1e-6  # as InstrumentSpec::on_tick (cpp/sim/feed/instrument.hpp)

Int32 = npt.NDArray[np.int32]
Int64 = npt.NDArray[np.int64]
UInt32 = npt.NDArray[np.uint32]
Float64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TickChunk:
    """Ticks as equal-length columns in exchange-time order across the stream's instruments.

    Prices without a value (an empty book side, a source without limits) are NaN; volume and turnover are
    the cumulative day totals, as CTP sends them.
    """

    symbols: tuple[str, ...]
    instrument: Int32
    time_ms: Int64
    trading_day: UInt32
    last_price: Float64
    volume: Int64
    turnover: Float64
    open_interest: Float64
    bid_price_1: Float64
    ask_price_1: Float64
    bid_volume_1: Int32
    ask_volume_1: Int32
    upper_limit: Float64
    lower_limit: Float64

    def __len__(self) -> int:
        return len(self.time_ms)


@dataclass(frozen=True)
class BarChunk:
    """Bars as equal-length columns ordered by end time ([start_ms, end_ms) is the bar's slot)."""

    symbols: tuple[str, ...]
    interval: str
    instrument: Int32
    start_ms: Int64
    end_ms: Int64
    trading_day: UInt32
    open: Float64
    high: Float64
    low: Float64
    close: Float64
    volume: Int64
    turnover: Float64
    open_interest: Float64

    def __len__(self) -> int:
        return len(self.end_ms)


@dataclass
class DataCounts:
    """What a stream read and dropped (filled while streaming; goes in the backtest report)."""

    rows_read: int = 0
    ticks_out: int = 0
    dropped_out_of_session: int = 0
    skipped_bad: dict[str, int] = field(default_factory=dict)
    outside_dates: int = 0  # rows of trading days before `start` (reading stops after `end`)
    bars_out: int = 0


@dataclass(frozen=True)
class DataSource:
    """One ``[[backtest.data]]`` table, validated (data_sources_from_config)."""

    kind: str
    path: Path | None = None
    symbols: tuple[str, ...] = ()  # empty: every symbol in the source
    exchange: str | None = None  # vnpy_sqlite: only rows of this exchange
    table: str = "dbtickdata"  # vnpy_sqlite
    interval: str | None = None  # vnpy_sqlite bars; bar files: the interval the rows hold
    instruments: tuple[str, ...] = ()  # generator: products or contracts of the bundled table
    days: int = 1  # generator
    seed: int = 42  # generator
    trading_day: int = 20250102  # generator: the first trading day
    session: str = "day"  # generator: "night" starts each day with its night session; "day" (as [front]) not
    price_ticks: Mapping[str, float] = field(default_factory=dict)  # symbol or product -> price tick

    @property
    def name(self) -> str:
        """How messages name the source: its file, or the generator and its seed."""
        return str(self.path) if self.path is not None else f"generator(seed={self.seed})"


# ----------------------------------------------------------------------------------------------- config


def _key_error(where: str, key: str, rule: str, value: object) -> ConfigError:
    return ConfigError(f"{where}.{key}", f"{value!r}: {rule}")


def _str_list(where: str, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _key_error(where, key, "expected a list of non-empty strings", value)
    return tuple(value)


def _int_in(where: str, key: str, value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _key_error(where, key, f"expected an integer in [{low}, {high}]", value)
    return value


_SOURCE_KEYS = {
    "generator": {"kind", "instruments", "days", "seed", "trading_day", "session"},
    "csv": {"kind", "path", "symbols", "price_ticks"},
    "parquet": {"kind", "path", "symbols", "price_ticks"},
    "vnpy_sqlite": {"kind", "path", "symbols", "exchange", "table", "interval", "price_ticks"},
    "bars_csv": {"kind", "path", "symbols", "interval", "price_ticks"},
    "bars_parquet": {"kind", "path", "symbols", "interval", "price_ticks"},
}


def data_sources_from_config(table: list[dict[str, Any]], base_dir: Path) -> list[DataSource]:
    """Parse the ``[[backtest.data]]`` tables into DataSources; relative paths are against BASE_DIR.

    ConfigError names the key (``backtest.data[1].path``), the value and the rule. Files must exist.
    """
    if not isinstance(table, list) or not table:
        raise ConfigError("backtest.data", "one or more [[backtest.data]] tables are required")
    out = []
    for i, entry in enumerate(table):
        where = f"backtest.data[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(where, f"expected a table, got {entry!r}")
        kind = entry.get("kind")
        if kind not in _SOURCE_KEYS:
            raise _key_error(where, "kind", f"expected one of {', '.join(_SOURCE_KEYS)}", kind)
        unknown = sorted(set(entry) - _SOURCE_KEYS[kind])
        if unknown:
            raise ConfigError(
                f"{where}.{unknown[0]}",
                f"not a key of a {kind!r} source (keys: {', '.join(sorted(_SOURCE_KEYS[kind]))})",
            )
        args: dict[str, Any] = {"kind": kind}
        if kind == "generator":
            args["instruments"] = _str_list(where, "instruments", entry.get("instruments", ["rb"]))
            args["days"] = _int_in(where, "days", entry.get("days", 1), 1, 366)
            args["seed"] = _int_in(where, "seed", entry.get("seed", 42), 0, 2**63 - 1)
            day = _int_in(where, "trading_day", entry.get("trading_day", 20250102), 19900101, 29991231)
            if not _is_weekday(day):
                raise _key_error(where, "trading_day", "expected a YYYYMMDD weekday", day)
            args["trading_day"] = day
            session = entry.get("session", "day")
            if session not in ("day", "night"):
                raise _key_error(where, "session", "expected 'day' or 'night'", session)
            args["session"] = session
        else:
            if not isinstance(entry.get("path"), str) or not entry["path"]:
                raise _key_error(where, "path", "expected the path of the file", entry.get("path"))
            path = Path(entry["path"])
            path = path if path.is_absolute() else Path(base_dir) / path
            if not path.is_file():
                raise _key_error(where, "path", "no such file", str(path))
            args["path"] = path
            if "symbols" in entry:
                args["symbols"] = _str_list(where, "symbols", entry["symbols"])
            ticks = entry.get("price_ticks", {})
            if not isinstance(ticks, Mapping) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in ticks.values()
            ):
                raise _key_error(
                    where, "price_ticks", "expected a table of symbol or product = tick > 0", ticks
                )
            args["price_ticks"] = {str(k): float(v) for k, v in ticks.items()}
        if kind == "vnpy_sqlite":
            tbl = entry.get("table", "dbtickdata")
            if tbl not in ("dbtickdata", "dbbardata"):
                raise _key_error(where, "table", "expected 'dbtickdata' or 'dbbardata'", tbl)
            args["table"] = tbl
            if "exchange" in entry:
                if not isinstance(entry["exchange"], str):
                    raise _key_error(
                        where, "exchange", "expected an exchange id such as 'SHFE'", entry["exchange"]
                    )
                args["exchange"] = entry["exchange"]
        if "interval" in entry:
            interval = entry["interval"]
            if kind == "vnpy_sqlite" and interval not in _VNPY_INTERVALS:
                raise _key_error(
                    where, "interval", f"vn.py stores {', '.join(_VNPY_INTERVALS)} bars", interval
                )
            if not isinstance(interval, str) or _interval_ms(interval) is None:
                raise _key_error(
                    where, "interval", "expected a time interval such as '1m', '5m', '1h', '1d'", interval
                )
            args["interval"] = interval
        out.append(DataSource(**args))
    return out


def _is_weekday(yyyymmdd: int) -> bool:
    try:
        return dt.date(yyyymmdd // 10_000, yyyymmdd // 100 % 100, yyyymmdd % 100).weekday() < 5
    except ValueError:
        return False


def _interval_ms(interval: str) -> int | None:
    """Length of a time interval ('1m', '15m', '1h', '1d'); None for anything else (tick/volume bars)."""
    unit, count = interval[-1:], interval[:-1]
    if unit not in _MS_OF or not count.isdigit() or int(count) < 1:
        return None
    return int(count) * _MS_OF[unit]


def _day_bound(value: object, what: str) -> int | None:
    """Trading-day bound as YYYYMMDD: None, an int, 'YYYY-MM-DD' / 'YYYYMMDD' text, or a date."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.year * 10_000 + value.month * 100 + value.day
    text = str(value).replace("-", "")
    if len(text) == 8 and text.isdigit():
        return int(text)
    raise ConfigError(what, f"{value!r}: expected a trading day such as '2025-01-02' or 20250102")


# ------------------------------------------------------------------------------------ raw batches + checks


@dataclass
class _Batch:
    """Rows of one source as typed columns, before the checks: `row` numbers rows for messages."""

    row: Int64
    instrument: Int32  # index into the reader's symbols
    columns: dict[str, Any]
    garbage: dict[int, tuple[str, str]] = field(default_factory=dict)  # position -> (field, text)

    def __len__(self) -> int:
        return len(self.row)

    def take(self, keep: npt.NDArray[np.bool_]) -> _Batch:
        return _Batch(self.row[keep], self.instrument[keep], {k: v[keep] for k, v in self.columns.items()})


_TICK_PRICES = ("last_price", "bid_price_1", "ask_price_1", "upper_limit", "lower_limit")
_BAR_PRICES = ("open", "high", "low", "close")


class _Checker:
    """The bad-data rules over one source's batches, with the state that spans batches."""

    def __init__(
        self, source: DataSource, symbols: _SymbolIndex, on_bad: str, counts: DataCounts, bars: bool = False
    ) -> None:
        self.source, self.symbols, self.on_bad, self.counts, self.bars = source, symbols, on_bad, counts, bars
        self.row_label = "row id" if source.kind == "vnpy_sqlite" else "row"
        self.ticks = np.zeros(0, dtype=np.float64)  # price tick per symbol index (NaN: unknown instrument)
        self.last_time = np.iinfo(np.int64).min
        self.day_volume: dict[int, tuple[int, int]] = {}  # instrument -> (trading day, max cumulative volume)

    def _bad(self, batch: _Batch, pos: int, field_name: str, value: object, rule: str) -> BacktestDataError:
        return BacktestDataError(
            self.source.name,
            int(batch.row[pos]),
            field_name,
            value,
            rule,
            BAD_DATA_RULES[rule],
            row_label=self.row_label,
        )

    def _apply(
        self,
        batch: _Batch,
        keep: npt.NDArray[np.bool_],
        mask: npt.NDArray[np.bool_],
        field_name: str,
        rule: str,
        values: npt.NDArray[Any] | None,
    ) -> None:
        """Drop (skip) or report (error) the kept rows MASK marks; first row first."""
        hit = mask & keep
        if not hit.any():
            return
        if self.on_bad == "error":
            pos = int(np.argmax(hit))
            raise self._bad(batch, pos, field_name, None if values is None else _plain(values[pos]), rule)
        self.counts.skipped_bad[rule] = self.counts.skipped_bad.get(rule, 0) + int(hit.sum())
        keep &= ~hit

    def check(self, batch: _Batch, time_key: str) -> _Batch:
        """Return the rows of BATCH that pass every rule (on_bad="error": raise at the first bad row)."""
        n = len(batch)
        keep = np.ones(n, dtype=bool)
        local = self._local_masks(batch)
        if self.on_bad == "error":
            firsts = [
                (int(np.argmax(m)), 1, name, rule, values) for m, name, rule, values in local if m.any()
            ]
            firsts += [(p, 0, batch.garbage[p][0], "garbage", None) for p in batch.garbage]
            first: Any = min(firsts, key=lambda f: f[:2]) if firsts else None
            if first is not None:
                keep[first[0] :] = False
            self._check_sequence(batch, keep, time_key)  # raises for a sequence break before `first`
            if first is not None:
                pos, _, name, rule = first[0], first[1], first[2], first[3]
                value = batch.garbage[pos][1] if rule == "garbage" else _plain(first[4][pos])
                raise self._bad(batch, pos, name, value, rule)
            return batch
        if batch.garbage:
            positions = np.fromiter(batch.garbage, dtype=np.int64)
            keep[positions] = False
            self.counts.skipped_bad["garbage"] = self.counts.skipped_bad.get("garbage", 0) + len(positions)
        for mask, name, rule, values in local:
            self._apply(batch, keep, mask, name, rule, values)
        self._check_sequence(batch, keep, time_key)
        return batch if keep.all() else batch.take(keep)

    def _local_masks(self, batch: _Batch) -> list[tuple[Any, str, str, Any]]:
        c, out = batch.columns, []
        names = self.symbols.symbols
        if len(self.ticks) < len(names):
            more = [_price_tick(self.source, s) for s in names[len(self.ticks) :]]
            self.ticks = np.concatenate((self.ticks, np.array(more, dtype=np.float64)))
        tick = self.ticks[batch.instrument]
        unknown = np.isnan(tick)
        if unknown.any():
            labels = np.array(names, dtype=object)[batch.instrument]
            out.append((unknown, "symbol", "unknown_instrument", labels))
        prices = _BAR_PRICES if self.bars else _TICK_PRICES
        for name in prices:  # a tick may lack a price (NaN: no trade yet, an empty side); a bar may not
            bad = ~(c[name] > 0) if self.bars else c[name] <= 0
            out.append((bad, name, "price_not_positive", c[name]))
        with np.errstate(invalid="ignore"):
            for name in prices:
                steps = c[name] / tick
                off = np.abs(steps - np.round(steps)) >= _GRID_TOLERANCE  # NaN (no value) compares False
                out.append((off & ~unknown, name, "off_tick_grid", c[name]))
        for name in ("volume",) if self.bars else ("volume", "bid_volume_1", "ask_volume_1"):
            out.append((c[name] < 0, name, "negative_volume", c[name]))
        for name in ("turnover", "open_interest"):
            out.append((c[name] < 0, name, "negative_value", c[name]))
        if self.bars:
            o, h, lo, cl = c["open"], c["high"], c["low"], c["close"]
            out.append(
                ((h < np.maximum(np.maximum(o, cl), lo)) | (lo > np.minimum(o, cl)), "high", "bar_range", h)
            )
        return out

    def _check_sequence(self, batch: _Batch, keep: npt.NDArray[np.bool_], time_key: str) -> None:
        times = batch.columns[time_key]
        kept = np.flatnonzero(keep)
        if len(kept) == 0:
            return
        t = times[kept]
        before = np.maximum.accumulate(np.concatenate(([self.last_time], t[:-1])))
        back = t < before
        if back.any():
            mask = np.zeros(len(batch), dtype=bool)
            mask[kept[back]] = True
            self._apply(batch, keep, mask, time_key, "time_backwards", _time_texts(times))
            kept = np.flatnonzero(keep)
            t = times[kept]
        if len(kept):
            self.last_time = max(self.last_time, int(t.max()))
        if self.bars or not len(kept):
            return
        self._check_volume(batch, keep, kept)

    def _check_volume(self, batch: _Batch, keep: npt.NDArray[np.bool_], kept: Int64) -> None:
        """Cumulative volume must not fall within a trading day (per instrument; state spans batches)."""
        day, volume = batch.columns["trading_day"], batch.columns["volume"]
        mask = np.zeros(len(batch), dtype=bool)
        inst = batch.instrument[kept]
        for k in np.unique(inst):
            rows = kept[inst == k]
            d, v = day[rows], volume[rows].astype(np.int64)
            prev_day, prev_max = self.day_volume.get(int(k), (-1, 0))
            # one running max over the rows, each trading day lifted above the ones before it (volumes < 2^40)
            segment = np.concatenate(([0], np.cumsum(d[1:] != d[:-1]))).astype(np.int64)
            lifted = v + (segment << 40)
            carried = prev_max if d[0] == prev_day else -1
            before = np.maximum.accumulate(np.concatenate(([carried], lifted[:-1])))
            mask[rows[lifted < before]] = True
            top = int(v[d == d[-1]].max())
            self.day_volume[int(k)] = (int(d[-1]), max(top, prev_max) if d[-1] == prev_day else top)
        self._apply(batch, keep, mask, "volume", "volume_decreasing", volume)


def _plain(value: Any) -> Any:
    """Return a numpy scalar as the Python value (messages show 3500.5, not np.float64(3500.5))."""
    return value.item() if isinstance(value, np.generic) else value


def _time_texts(times: Int64) -> npt.NDArray[Any]:
    return np.array(times.astype("datetime64[ms]").astype(str), dtype=object)


def _price_tick(source: DataSource, symbol: str) -> float:
    """Return the symbol's price tick: the source's price_ticks override, else the bundled instrument table.

    NaN (the unknown_instrument rule) when neither has one, or the session table has no hours for its product.
    """
    try:
        _core.check_bar_product(symbol)
    except _core.UnknownProductError:
        return float("nan")
    for key in (symbol, symbol.rstrip("0123456789")):
        if key in source.price_ticks:
            return source.price_ticks[key]
    try:
        return float(_core.bundled_instrument(symbol)["price_tick"])
    except KeyError:
        return float("nan")


# --------------------------------------------------------------------------------------------- readers


def _vnpy_prices(values: Float64) -> Float64:
    """vn.py stores 0 where CTP had no value: a 0 price reads as NaN."""
    return np.where(values == 0.0, np.nan, values)


def _arrow_numbers(values: Any) -> Float64 | None:
    """Floats of a pyarrow text column cast in C++ ('' -> NaN); None when some text is not a number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nulled = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    try:
        cast = pc.cast(nulled, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return np.asarray(cast.fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)


def _number_column(values: Any, name: str, garbage: dict[int, tuple[str, str]]) -> Float64:
    """Return floats of VALUES (None / '' -> NaN: no value); a non-finite or non-number entry is garbage."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):  # a pyarrow text column
        fast = _arrow_numbers(values)
        values = values.to_numpy(zero_copy_only=False)
        if fast is not None and not np.isinf(fast).any():
            return fast
    arr = np.asarray(values)
    if arr.dtype.kind in "fiub":
        out = arr.astype(np.float64)
    else:
        arr = np.asarray(values, dtype=object)
        blank = (arr == None) | (arr == "")  # noqa: E711 — elementwise over an object array
        try:
            out = np.where(blank, "nan", arr).astype(np.float64)
        except (ValueError, TypeError):
            out = np.full(len(arr), np.nan)
            for i, v in enumerate(arr.tolist()):
                if blank[i]:
                    continue
                try:
                    out[i] = float(v)
                except (ValueError, TypeError):
                    garbage.setdefault(i, (name, str(v)))
    for j in np.flatnonzero(np.isinf(out)):
        garbage.setdefault(int(j), (name, str(arr[j])))
        out[j] = np.nan
    return out


def _whole(values: Float64, name: str, garbage: dict[int, tuple[str, str]], dtype: type) -> npt.NDArray[Any]:
    """VALUES as integers; NaN (absent) -> 0; a fraction is garbage."""
    frac = ~np.isnan(values) & (values != np.floor(values))
    for i in np.flatnonzero(frac):
        garbage.setdefault(int(i), (name, repr(float(values[i]))))
    return np.nan_to_num(values).astype(dtype)


def _times_from_text(texts: Any, name: str, garbage: dict[int, tuple[str, str]]) -> Int64:
    """Exchange ms of vn.py datetime texts ('YYYY-MM-DD HH:MM:SS[.ffffff][+08:00]', China time)."""
    if hasattr(texts, "to_numpy") and not isinstance(texts, np.ndarray):  # a pyarrow text column
        import pyarrow as pa
        import pyarrow.compute as pc

        try:  # Arrow's ISO-8601 parser in C++ ('T' or ' ', fractions); the slow path names a bad row
            local = pc.replace_substring_regex(texts, r"\+08:00$", "")
            micros = pc.cast(pc.cast(local, pa.timestamp("us")), pa.int64()).to_numpy(zero_copy_only=False)
            if len(local) == 0 or pc.min(pc.utf8_length(local)).as_py() >= 19:
                return np.asarray(micros, dtype=np.int64) // 1000
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        texts = texts.to_pylist()
    cleaned = [t[:-6] if isinstance(t, str) and t.endswith("+08:00") else t for t in texts]
    try:
        return np.array(cleaned, dtype="datetime64[ms]").astype(np.int64)
    except (ValueError, TypeError):
        out = np.zeros(len(cleaned), dtype=np.int64)
        for i, t in enumerate(cleaned):
            try:
                if not isinstance(t, str) or len(t) < 19:
                    raise ValueError(t)
                out[i] = np.datetime64(t, "ms").astype(np.int64)
            except (ValueError, TypeError):
                garbage.setdefault(i, (name, str(texts[i])))
        return out


class _SymbolIndex:
    """Maps a source's symbol texts to indices into its symbol list (grown in order of first appearance)."""

    def __init__(self, wanted: tuple[str, ...]) -> None:
        self.wanted = set(wanted)
        self.symbols: list[str] = list(wanted)
        self.index = {s: i for i, s in enumerate(self.symbols)}

    def of(self, names: npt.NDArray[Any]) -> tuple[Int32, npt.NDArray[np.bool_]]:
        """Index of each name, and which rows are selected (all when no symbols were asked for)."""
        uniq, inverse = np.unique(names.astype(str), return_inverse=True)
        idx = np.empty(len(uniq), dtype=np.int32)
        selected = np.ones(len(uniq), dtype=bool)
        for i, u in enumerate(uniq):
            if self.wanted and u not in self.wanted:
                selected[i], idx[i] = False, -1
                continue
            if u not in self.index:
                self.index[u] = len(self.symbols)
                self.symbols.append(u)
            idx[i] = self.index[u]
        return idx[inverse], selected[inverse]


def _tick_batch(
    row: Int64,
    instrument: Int32,
    raw: Mapping[str, Any],
    garbage: dict[int, tuple[str, str]],
    time_ms: Int64,
    vnpy_zero_is_none: bool,
) -> _Batch:
    n = len(row)

    def price(name: str) -> Float64:
        if name not in raw:
            return np.full(n, np.nan)
        v = _number_column(raw[name], name, garbage)
        return _vnpy_prices(v) if vnpy_zero_is_none else v

    def money(name: str) -> Float64:
        return np.nan_to_num(_number_column(raw[name], name, garbage)) if name in raw else np.zeros(n)

    def count(name: str, dtype: type) -> npt.NDArray[Any]:
        if name not in raw:
            return np.zeros(n, dtype=dtype)
        return _whole(_number_column(raw[name], name, garbage), name, garbage, dtype)

    columns = {
        "time_ms": time_ms,
        "trading_day": _core.trading_days_of(time_ms),
        "last_price": price("last_price"),
        "volume": count("volume", np.int64),
        "turnover": money("turnover"),
        "open_interest": money("open_interest"),
        "bid_price_1": price("bid_price_1"),
        "ask_price_1": price("ask_price_1"),
        "bid_volume_1": count("bid_volume_1", np.int32),
        "ask_volume_1": count("ask_volume_1", np.int32),
        "upper_limit": price("limit_up"),
        "lower_limit": price("limit_down"),
    }
    return _Batch(row, instrument, columns, garbage)


# the local front's native CSV columns -> vn.py TickData names (the documented schema)
_NATIVE_TO_VNPY = {
    "InstrumentID": "symbol",
    "LastPrice": "last_price",
    "Volume": "volume",
    "Turnover": "turnover",
    "OpenInterest": "open_interest",
    "BidPrice1": "bid_price_1",
    "AskPrice1": "ask_price_1",
    "BidVolume1": "bid_volume_1",
    "AskVolume1": "ask_volume_1",
    "UpperLimitPrice": "limit_up",
    "LowerLimitPrice": "limit_down",
}
_NATIVE_TIME = ("TradingDay", "ActionDay", "UpdateTime", "UpdateMillisec", "ExchangeID")


# vn.py TickData columns read from a tick CSV or Parquet file (docs/backtest-data.md)
_VNPY_TICK_FIELDS = (
    "symbol",
    "datetime",
    "last_price",
    "volume",
    "turnover",
    "open_interest",
    "bid_price_1",
    "ask_price_1",
    "bid_volume_1",
    "ask_volume_1",
    "limit_up",
    "limit_down",
)
_VNPY_TICK_REQUIRED = ("symbol", "datetime", "last_price", "volume")  # the rest may be absent


def _csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        line = f.readline().rstrip("\r\n")
    if not line:
        raise BacktestDataError(str(path), 1, "header", "", "garbage", "empty file: expected a header row")
    return next(csv.reader([line]))


def _days_of_yyyymmdd(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Return YYYYMMDD texts as datetime64[D]; ValueError when any is not a date."""
    v = values.astype(np.int64)
    y, m, d = v // 10_000, v // 100 % 100, v % 100
    if not (((m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1900)).all()):
        raise ValueError("not a date")
    month = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
    days = month.astype("datetime64[D]") + (d - 1)
    if not (days.astype("datetime64[M]") == month).all():  # 20250231 rolls into March
        raise ValueError("not a date")
    return days


def _native_times_fast(raw: Mapping[str, Any]) -> Int64:
    """Exchange ms of native rows, vectorized; ValueError when a row is malformed (the slow path finds it)."""
    n = len(raw["UpdateTime"])
    original = np.asarray(raw["UpdateTime"]).astype(str)
    if not (np.char.str_len(original) == 8).all():
        raise ValueError("not HH:MM:SS")
    text = original.astype("U8")
    chars = text.view("U1").reshape(n, 8)
    if not ((chars[:, 2] == ":") & (chars[:, 5] == ":")).all():
        raise ValueError("not HH:MM:SS")
    digits = chars[:, [0, 1, 3, 4, 6, 7]].astype(np.int64)  # ValueError on a non-digit (or a short text)
    hh, mm, ss = (
        digits[:, 0] * 10 + digits[:, 1],
        digits[:, 2] * 10 + digits[:, 3],
        digits[:, 4] * 10 + digits[:, 5],
    )
    millis = np.asarray(raw["UpdateMillisec"]).astype(np.int64)
    if not ((hh < 24) & (mm < 60) & (ss < 60) & (millis >= 0) & (millis <= 999)).all():
        raise ValueError("time out of range")
    seconds = hh * 3600 + mm * 60 + ss
    day = _days_of_yyyymmdd(np.asarray(raw["ActionDay"]))
    dce = np.asarray(raw["ExchangeID"]) == "DCE"
    if dce.any():  # DCE's ActionDay is the trading day: the night's natural date is the previous weekday's
        trading = _days_of_yyyymmdd(np.asarray(raw["TradingDay"])[dce])
        evening = np.busday_offset(trading, -1, roll="forward")
        secs = seconds[dce]
        day[dce] = np.where(
            secs >= 20 * 3600, evening, np.where(secs < 3 * 3600, evening + np.timedelta64(1, "D"), trading)
        )
    return day.astype(np.int64) * 86_400_000 + seconds * 1000 + millis


def _csv_block_bytes(chunk_rows: int) -> int:
    """Bytes of CSV text parsed at a time: about chunk_rows rows, at most 4 MiB (the merge re-chunks)."""
    return max(1 << 16, min(chunk_rows * 256, 4 << 20))


def _native_times(raw: Mapping[str, Any], garbage: dict[int, tuple[str, str]]) -> Int64:
    """Exchange ms of native rows: natural date (ActionDay; DCE: from TradingDay) + UpdateTime + millis."""
    n = len(raw["UpdateTime"])
    try:
        return _native_times_fast(raw)
    except (ValueError, TypeError):
        pass
    out = np.zeros(n, dtype=np.int64)
    for i in range(n):
        row = {k: np.asarray(raw[k][i : i + 1]) for k in _NATIVE_TIME}
        try:
            out[i] = _native_times_fast(row)[0]
        except (ValueError, TypeError):
            text = f"{raw['ActionDay'][i]} {raw['UpdateTime'][i]}.{raw['UpdateMillisec'][i]}"
            garbage.setdefault(i, ("UpdateTime", text))
    return out


def _read_csv_ticks(
    source: DataSource,
    symbols: _SymbolIndex,
    chunk_rows: int,
    counts: DataCounts,
) -> Iterator[_Batch]:
    """Read the local front's tick CSV (native or vn.py columns), streamed by pyarrow in blocks."""
    import pyarrow.csv as pa_csv

    assert source.path is not None
    header = _csv_header(source.path)
    native = "InstrumentID" in header
    if native:
        wanted = [*_NATIVE_TIME, *_NATIVE_TO_VNPY]
    else:
        missing = [c for c in _VNPY_TICK_REQUIRED if c not in header]
        if missing:
            raise BacktestDataError(
                str(source.path),
                1,
                missing[0],
                ",".join(header),
                "garbage",
                "missing column of the tick CSV (native or vn.py TickData columns)",
            )
        wanted = [c for c in _VNPY_TICK_FIELDS if c in header]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise BacktestDataError(
            str(source.path), 1, missing[0], "", "garbage", "missing column of the native tick CSV"
        )
    reader = pa_csv.open_csv(
        source.path,
        read_options=pa_csv.ReadOptions(block_size=_csv_block_bytes(chunk_rows), encoding="utf-8"),
        convert_options=pa_csv.ConvertOptions(
            column_types={c: "string" for c in header},
            include_columns=wanted,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    seen = 0
    for record_batch in reader:
        raw: dict[str, Any] = {name: record_batch.column(name) for name in wanted}  # pyarrow text columns
        n = record_batch.num_rows
        counts.rows_read += n
        row = np.arange(seen + 1, seen + n + 1, dtype=np.int64)  # data rows; the CSV line is row + 1
        seen += n
        names = raw["InstrumentID" if native else "symbol"].to_numpy(zero_copy_only=False)
        instrument, selected = symbols.of(names)
        if not selected.all():
            raw = {k: v.filter(selected) for k, v in raw.items()}
            row, instrument = row[selected], instrument[selected]
        garbage: dict[int, tuple[str, str]] = {}
        if native:
            time_ms = _native_times({k: raw[k].to_numpy(zero_copy_only=False) for k in _NATIVE_TIME}, garbage)
            raw = {_NATIVE_TO_VNPY[k]: v for k, v in raw.items() if k in _NATIVE_TO_VNPY}
        else:
            time_ms = _times_from_text(raw["datetime"], "datetime", garbage)
        yield _tick_batch(row, instrument, raw, garbage, time_ms, vnpy_zero_is_none=not native)


def _read_parquet(
    source: DataSource,
    symbols: _SymbolIndex,
    chunk_rows: int,
    counts: DataCounts,
    columns: Sequence[str],
    required: Sequence[str],
) -> Iterator[tuple[Int64, Int32, dict[str, Any], dict[int, tuple[str, str]], Int64]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    assert source.path is not None
    try:
        pfile = pq.ParquetFile(source.path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError subclasses for a non-Parquet file
        raise BacktestDataError(
            str(source.path), 0, "file", "", "garbage", f"not a Parquet file ({exc})"
        ) from None
    present = pfile.schema_arrow.names
    for name in required:
        if name not in present:
            raise BacktestDataError(
                str(source.path),
                0,
                name,
                ",".join(present),
                "garbage",
                "missing column of the documented schema (docs/backtest-data.md)",
            )
    wanted = [c for c in columns if c in present]
    seen = 0
    for record_batch in pfile.iter_batches(batch_size=chunk_rows, columns=wanted):
        n = record_batch.num_rows
        counts.rows_read += n
        row = np.arange(seen + 1, seen + n + 1, dtype=np.int64)
        seen += n
        instrument, selected = symbols.of(record_batch.column("symbol").to_numpy(zero_copy_only=False))
        garbage: dict[int, tuple[str, str]] = {}
        stamp = record_batch.column("datetime")
        if pa.types.is_timestamp(stamp.type):
            if stamp.type.tz is not None:  # aware: convert to China time
                stamp = stamp.cast(pa.timestamp("ms", tz="UTC")).cast(pa.timestamp("ms"))
                time_ms = stamp.cast(pa.int64()).to_numpy(zero_copy_only=False) + 8 * 3_600_000
            else:
                time_ms = stamp.cast(pa.timestamp("ms")).cast(pa.int64()).to_numpy(zero_copy_only=False)
            time_ms = np.asarray(time_ms, dtype=np.int64)
        else:
            time_ms = _times_from_text(stamp, "datetime", garbage)
        raw = {
            c: record_batch.column(c).to_numpy(zero_copy_only=False)
            for c in wanted
            if c not in ("symbol", "datetime")
        }
        if not selected.all():
            keep = np.flatnonzero(selected)
            remap = {int(old): new for new, old in enumerate(keep)}
            garbage = {remap[p]: v for p, v in garbage.items() if p in remap}
            raw = {k: v[selected] for k, v in raw.items()}
            row, instrument, time_ms = row[selected], instrument[selected], time_ms[selected]
        yield row, instrument, raw, garbage, time_ms


def _read_parquet_ticks(
    source: DataSource,
    symbols: _SymbolIndex,
    chunk_rows: int,
    counts: DataCounts,
) -> Iterator[_Batch]:
    for row, instrument, raw, garbage, time_ms in _read_parquet(
        source, symbols, chunk_rows, counts, _VNPY_TICK_FIELDS, _VNPY_TICK_REQUIRED
    ):
        yield _tick_batch(row, instrument, raw, garbage, time_ms, vnpy_zero_is_none=True)


def _connect(source: DataSource) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{source.path}?mode=ro", uri=True)
    return db


def _sqlite_symbols(
    db: sqlite3.Connection, source: DataSource, table: str, extra: str, args: tuple[Any, ...]
) -> list[str]:
    where, params = "1=1" + extra, args
    if source.exchange is not None:
        where, params = where + " AND exchange = ?", (*params, source.exchange)
    rows = db.execute(f"SELECT DISTINCT symbol FROM {table} WHERE {where} ORDER BY symbol", params).fetchall()
    return [r[0] for r in rows]


def _sqlite_cursor(
    db: sqlite3.Connection,
    source: DataSource,
    table: str,
    columns: Sequence[str],
    symbol: str,
    extra: str,
    args: tuple[Any, ...],
) -> sqlite3.Cursor:
    where, params = "symbol = ?" + extra, (symbol, *args)
    if source.exchange is not None:
        where, params = where + " AND exchange = ?", (*params, source.exchange)
    return db.execute(
        f"SELECT id, {', '.join(columns)} FROM {table} WHERE {where} ORDER BY datetime, id", params
    )


def _check_sqlite_table(
    db: sqlite3.Connection, source: DataSource, table: str, columns: Sequence[str]
) -> None:
    try:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError as exc:
        raise BacktestDataError(
            source.name, 0, "file", "", "garbage", f"not a SQLite database ({exc})"
        ) from None
    if not present:
        raise BacktestDataError(
            source.name,
            0,
            "table",
            table,
            "garbage",
            "no such table (vn.py's tables: dbtickdata / dbbardata)",
        )
    for name in ("id", "symbol", "exchange", *columns):
        if name not in present:
            raise BacktestDataError(source.name, 0, name, table, "garbage", "missing column of vn.py's table")


# dbtickdata holds the same TickData columns; its symbol is a key column, checked and filtered apart
_VNPY_DB_TICK_COLUMNS = tuple(name for name in _VNPY_TICK_FIELDS if name != "symbol")


def _sqlite_sub_streams(
    source: DataSource,
    symbols: _SymbolIndex,
    chunk_rows: int,
    counts: DataCounts,
    table: str,
    columns: Sequence[str],
    extra: str,
    args: tuple[Any, ...],
    make: Callable[[Int64, Int32, dict[str, Any], dict[int, tuple[str, str]], Int64], _Batch],
) -> list[Iterator[_Batch]]:
    """One time-ordered stream per symbol (vn.py's index is (symbol, exchange, [interval,] datetime))."""
    db = _connect(source)
    _check_sqlite_table(db, source, table, columns)
    names = list(source.symbols) or _sqlite_symbols(db, source, table, extra, args)

    def stream(symbol: str) -> Iterator[_Batch]:
        index, _ = symbols.of(np.array([symbol]))
        cursor = _sqlite_cursor(db, source, table, columns, symbol, extra, args)
        while True:
            rows = cursor.fetchmany(min(chunk_rows, 8192))  # Python objects per row: keep batches small
            if not rows:
                return
            counts.rows_read += len(rows)
            garbage: dict[int, tuple[str, str]] = {}
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            raw = {name: [r[i + 1] for r in rows] for i, name in enumerate(columns)}
            time_ms = _times_from_text(raw["datetime"], "datetime", garbage)
            yield make(ids, np.full(len(rows), index[0], dtype=np.int32), raw, garbage, time_ms)

    return [stream(s) for s in names]


def _generator_ticks(
    source: DataSource,
    symbols: _SymbolIndex,
    chunk_rows: int,
    counts: DataCounts,
) -> Iterator[_Batch]:
    try:
        gen = _core.TickGenerator(
            list(source.instruments),
            source.seed,
            str(source.trading_day),
            source.days,
            source.session == "night",
        )
    except ValueError as exc:
        raise ConfigError("backtest.data.instruments", str(exc)) from None
    index, _ = symbols.of(np.array(gen.symbols))
    seen = 0
    while True:
        cols = gen.read(chunk_rows)
        n = len(cols["time_ms"])
        if n == 0:
            return
        counts.rows_read += n
        row = np.arange(seen + 1, seen + n + 1, dtype=np.int64)
        seen += n
        instrument = index[cols.pop("instrument")]
        yield _Batch(row, instrument, cols)


# ----------------------------------------------------------------------------------------------- merge

_Cols = dict[str, npt.NDArray[Any]]


def _merge(streams: Sequence[Iterator[_Cols]], key: str, chunk_rows: int) -> Iterator[_Cols]:
    """K sorted column streams as one, sorted by KEY; ties keep stream order, then each stream's order.

    Holds per stream its unread rows (about one chunk) and emits only rows below the smallest last key of
    the streams still open, so every row of an instant is present before that instant is emitted.
    """
    buffers: list[_Cols | None] = [None] * len(streams)
    done = [False] * len(streams)
    pending: list[_Cols] = []
    pending_rows = 0

    def pull(i: int) -> None:
        for cols in streams[i]:
            if len(cols[key]):
                buf = buffers[i]
                buffers[i] = cols if buf is None else {k: np.concatenate((buf[k], cols[k])) for k in cols}
                return
        done[i] = True

    while True:
        for i in range(len(streams)):
            if not done[i] and (buffers[i] is None or not len(buffers[i][key])):  # type: ignore[index]
                buffers[i] = None
                pull(i)
        live = [i for i, b in enumerate(buffers) if b is not None and len(b[key])]
        if not live:
            break
        open_lasts = [int(buffers[i][key][-1]) for i in live if not done[i]]  # type: ignore[index]
        bound = min(open_lasts) if open_lasts else None
        parts = []
        for i in live:
            buf = buffers[i]
            assert buf is not None
            cut = len(buf[key]) if bound is None else int(np.searchsorted(buf[key], bound, side="left"))
            if cut:
                parts.append({k: v[:cut] for k, v in buf.items()})
                buffers[i] = {k: v[cut:] for k, v in buf.items()}
        if not parts:  # the smallest open stream ends at `bound`: read on until it passes it
            for i in live:
                if not done[i] and int(buffers[i][key][-1]) == bound:  # type: ignore[index]
                    pull(i)
            continue
        if len(parts) == 1:
            merged = parts[0]
        else:
            joined = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            order = np.argsort(joined[key], kind="stable")
            merged = {k: v[order] for k, v in joined.items()}
        pending.append(merged)
        pending_rows += len(merged[key])
        while pending_rows >= chunk_rows:
            out, pending, pending_rows = _split(pending, chunk_rows, key)
            yield out
    if pending_rows:
        yield {k: np.concatenate([p[k] for p in pending]) for k in pending[0]}


def _split(pending: list[_Cols], n: int, key: str) -> tuple[_Cols, list[_Cols], int]:
    joined = (
        pending[0] if len(pending) == 1 else {k: np.concatenate([p[k] for p in pending]) for k in pending[0]}
    )
    head = {k: v[:n] for k, v in joined.items()}
    tail = {k: v[n:] for k, v in joined.items()}
    rest = len(tail[key])
    return head, ([tail] if rest else []), rest


# ---------------------------------------------------------------------------------------------- streams


class TickStream:
    """Ticks of several sources merged by exchange time, checked, in-session, within the trading days asked.

    Iterating reads the sources afresh; memory holds about one chunk per source plus the output chunk.
    """

    def __init__(
        self,
        sources: Sequence[DataSource],
        start: object = None,
        end: object = None,
        on_bad: str = "error",
        chunk_rows: int = 65_536,
    ) -> None:
        if on_bad not in ("error", "skip"):
            raise ConfigError("backtest.on_bad_data", f"{on_bad!r}: expected 'error' or 'skip'")
        if not isinstance(chunk_rows, int) or chunk_rows < 1:
            raise ConfigError("chunk_rows", f"{chunk_rows!r}: expected an integer >= 1")
        for s in sources:
            if s.kind not in TICK_KINDS or (s.kind == "vnpy_sqlite" and s.table != "dbtickdata"):
                raise ConfigError(
                    "backtest.data.kind",
                    f"{s.kind!r} ({s.table}): not a tick source "
                    f"(tick sources: {', '.join(TICK_KINDS)} with table = 'dbtickdata')",
                )
        self.sources = tuple(sources)
        self.start, self.end = _day_bound(start, "backtest.start"), _day_bound(end, "backtest.end")
        self.on_bad, self.chunk_rows = on_bad, chunk_rows
        self.symbols = self._symbols()
        self.counts = DataCounts()

    def _symbols(self) -> tuple[str, ...]:
        """Every instrument of the sources, in source order (named up front: tick chunks index this tuple)."""
        out: list[str] = []
        for s in self.sources:
            if s.kind == "generator":
                names = _core.local_front_instruments(list(s.instruments), str(s.trading_day))
            elif s.symbols:
                names = list(s.symbols)
            elif s.kind == "vnpy_sqlite":
                with _connect(s) as db:
                    _check_sqlite_table(db, s, "dbtickdata", _VNPY_DB_TICK_COLUMNS)
                    names = _sqlite_symbols(db, s, "dbtickdata", "", ())
            else:
                names = _scan_symbols(s)
            out.extend(n for n in names if n not in out)
        return tuple(out)

    def _source_streams(self, source: DataSource, counts: DataCounts) -> list[Iterator[_Cols]]:
        symbols = _SymbolIndex(source.symbols)
        chunk = self.chunk_rows
        raws: list[Iterator[_Batch]]
        if source.kind == "generator":
            raws = [_generator_ticks(source, symbols, chunk, counts)]
        elif source.kind == "csv":
            raws = [_read_csv_ticks(source, symbols, chunk, counts)]
        elif source.kind == "parquet":
            raws = [_read_parquet_ticks(source, symbols, chunk, counts)]
        else:

            def make(
                ids: Int64,
                inst: Int32,
                raw: dict[str, Any],
                garbage: dict[int, tuple[str, str]],
                time_ms: Int64,
            ) -> _Batch:
                return _tick_batch(ids, inst, raw, garbage, time_ms, vnpy_zero_is_none=True)

            raws = _sqlite_sub_streams(
                source, symbols, chunk, counts, "dbtickdata", _VNPY_DB_TICK_COLUMNS, "", (), make
            )
        return [self._checked(source, symbols, raw, counts) for raw in raws]

    def _checked(
        self,
        source: DataSource,
        symbols: _SymbolIndex,
        raw: Iterator[_Batch],
        counts: DataCounts,
    ) -> Iterator[_Cols]:
        checker = _Checker(source, symbols, self.on_bad, counts)
        global_index = {s: i for i, s in enumerate(self.symbols)}
        for batch in raw:
            batch = checker.check(batch, "time_ms")
            if not len(batch):
                continue
            names = symbols.symbols
            mapping = np.array([global_index.get(s, -1) for s in names], dtype=np.int32)
            cols = dict(batch.columns)
            cols["instrument"] = mapping[batch.instrument]
            day = cols["trading_day"]
            if self.end is not None and day[-1] > self.end:
                cut = int(np.searchsorted(day, self.end, side="right"))
                yield from self._filtered({k: v[:cut] for k, v in cols.items()}, counts)
                return  # time-ordered: nothing later can be inside [start, end]
            yield from self._filtered(cols, counts)

    def _filtered(self, cols: _Cols, counts: DataCounts) -> Iterator[_Cols]:
        if self.start is not None:
            early = cols["trading_day"] < self.start
            if early.any():
                counts.outside_dates += int(early.sum())
                cols = {k: v[~early] for k, v in cols.items()}
        inside = _core.trading_hours_mask(list(self.symbols), cols["instrument"], cols["time_ms"])
        if not inside.all():
            counts.dropped_out_of_session += int((~inside).sum())
            cols = {k: v[inside] for k, v in cols.items()}
        if len(cols["time_ms"]):
            yield cols

    def __iter__(self) -> Iterator[TickChunk]:
        counts = self.counts
        counts.__init__()  # type: ignore[misc]  # reset in place: callers may hold the object
        streams = [s for src in self.sources for s in self._source_streams(src, counts)]
        names = [f.name for f in fields(TickChunk)[1:]]
        for cols in _merge(streams, "time_ms", self.chunk_rows):
            counts.ticks_out += len(cols["time_ms"])
            yield TickChunk(self.symbols, **{k: cols[k] for k in names})


def _scan_symbols(source: DataSource) -> list[str]:
    """List the symbols of a CSV / Parquet file in order of first appearance (reads only that column)."""
    assert source.path is not None
    seen: dict[str, None] = {}
    if source.kind in ("csv", "bars_csv"):
        import pyarrow.csv as pa_csv

        header = _csv_header(source.path)
        name = "InstrumentID" if "InstrumentID" in header else "symbol"
        if name not in header:
            raise BacktestDataError(
                str(source.path),
                1,
                "symbol",
                ",".join(header),
                "garbage",
                "missing column of the documented schema (docs/backtest-data.md)",
            )
        reader = pa_csv.open_csv(
            source.path,
            convert_options=pa_csv.ConvertOptions(
                column_types={c: "string" for c in header}, include_columns=[name]
            ),
        )
        for batch in reader:
            values = batch.column(0).to_numpy(zero_copy_only=False).astype(str)
            _, first = np.unique(values, return_index=True)
            for i in np.sort(first):
                seen.setdefault(str(values[i]), None)
    else:
        import pyarrow.parquet as pq

        try:
            pfile = pq.ParquetFile(source.path)
            batches = pfile.iter_batches(columns=["symbol"])
            for batch in batches:
                values = batch.column(0).to_numpy(zero_copy_only=False).astype(str)
                _, first = np.unique(values, return_index=True)
                for i in np.sort(first):
                    seen.setdefault(str(values[i]), None)
        except Exception as exc:  # not Parquet, or no symbol column: the reader reports it with context
            raise BacktestDataError(
                str(source.path), 0, "symbol", "", "garbage", f"cannot read the symbol column ({exc})"
            ) from None
    return list(seen)


def open_tick_stream(
    sources: Sequence[DataSource],
    start: object = None,
    end: object = None,
    on_bad: str = "error",
    chunk_rows: int = 65_536,
) -> TickStream:
    """Open a TickStream over SOURCES (data_sources_from_config) for trading days START..END (inclusive)."""
    return TickStream(sources, start, end, on_bad, chunk_rows)


# ------------------------------------------------------------------------------------------------- bars

_VNPY_DB_BAR_COLUMNS = (
    "datetime",
    "open_price",
    "high_price",
    "low_price",
    "close_price",
    "volume",
    "turnover",
    "open_interest",
)
_BAR_FILE_FIELDS = ("symbol", *_VNPY_DB_BAR_COLUMNS)


def _bar_batch(
    row: Int64,
    instrument: Int32,
    raw: Mapping[str, Any],
    garbage: dict[int, tuple[str, str]],
    start_ms: Int64,
    interval: str,
) -> _Batch:
    n = len(row)
    length = _interval_ms(interval)
    assert length is not None

    def number(name: str) -> Float64:
        return _number_column(raw[name], name, garbage) if name in raw else np.zeros(n)

    volume = _whole(number("volume"), "volume", garbage, np.int64)
    if interval.endswith("d"):
        end_ms = start_ms + length
        day = start_ms.astype("datetime64[ms]").astype("datetime64[D]").astype("datetime64[s]").astype(object)
        trading_day = np.array([d.year * 10_000 + d.month * 100 + d.day for d in day], dtype=np.uint32)
    else:
        end_ms = start_ms + length
        trading_day = _core.trading_days_of(start_ms)
    columns = {
        "start_ms": start_ms,
        "end_ms": end_ms,
        "trading_day": trading_day,
        "open": number("open_price"),
        "high": number("high_price"),
        "low": number("low_price"),
        "close": number("close_price"),
        "volume": volume,
        "turnover": np.nan_to_num(number("turnover")),
        "open_interest": np.nan_to_num(number("open_interest")),
    }
    return _Batch(row, instrument, columns, garbage)


def _read_bar_file(
    source: DataSource, symbols: _SymbolIndex, chunk_rows: int, counts: DataCounts, interval: str
) -> Iterator[_Batch]:
    required = ("symbol", "datetime", "open_price", "high_price", "low_price", "close_price", "volume")
    if source.kind == "bars_parquet":
        for row, instrument, raw, garbage, time_ms in _read_parquet(
            source, symbols, chunk_rows, counts, _BAR_FILE_FIELDS, required
        ):
            yield _bar_batch(row, instrument, raw, garbage, time_ms, interval)
        return
    import pyarrow.csv as pa_csv

    assert source.path is not None
    header = _csv_header(source.path)
    for name in required:
        if name not in header:
            raise BacktestDataError(
                str(source.path),
                1,
                name,
                ",".join(header),
                "garbage",
                "missing column of the bar CSV schema (docs/backtest-data.md)",
            )
    wanted = [c for c in _BAR_FILE_FIELDS if c in header]
    reader = pa_csv.open_csv(
        source.path,
        read_options=pa_csv.ReadOptions(block_size=_csv_block_bytes(chunk_rows)),
        convert_options=pa_csv.ConvertOptions(
            column_types={c: "string" for c in header}, include_columns=wanted, strings_can_be_null=False
        ),
    )
    seen = 0
    for record_batch in reader:
        raw = {name: record_batch.column(name).to_numpy(zero_copy_only=False) for name in wanted}
        n = record_batch.num_rows
        counts.rows_read += n
        row = np.arange(seen + 1, seen + n + 1, dtype=np.int64)
        seen += n
        instrument, selected = symbols.of(raw["symbol"])
        if not selected.all():
            raw = {k: v[selected] for k, v in raw.items()}
            row, instrument = row[selected], instrument[selected]
        garbage = dict[int, tuple[str, str]]()
        start_ms = _times_from_text(list(raw["datetime"]), "datetime", garbage)
        yield _bar_batch(row, instrument, raw, garbage, start_ms, interval)


class BarStream:
    """Bars merged by end time, stored or built from ticks.

    Stored: vn.py dbbardata, bar CSV / Parquet. Built: from tick sources by the engine's C++ BarBuilder (the
    same session rules as live bars).
    """

    def __init__(
        self,
        sources: Sequence[DataSource],
        interval: str,
        start: object = None,
        end: object = None,
        on_bad: str = "error",
        chunk_rows: int = 65_536,
    ) -> None:
        self.interval = _core.bar_interval(interval)
        stored = [
            s.kind in ("bars_csv", "bars_parquet") or (s.kind == "vnpy_sqlite" and s.table == "dbbardata")
            for s in sources
        ]
        if any(stored) and not all(stored):
            raise ConfigError("backtest.data", "mix of bar and tick sources: a bar stream reads either kind")
        self.from_ticks = not any(stored)
        self.sources = tuple(sources)
        for s in sources:
            if (
                not self.from_ticks
                and s.interval is not None
                and _core.bar_interval(s.interval) != self.interval
            ):
                raise ConfigError(
                    "backtest.data.interval",
                    f"{s.interval!r}: the source holds other bars than "
                    f"the backtest's bar_interval {self.interval!r}",
                )
        if not self.from_ticks and _interval_ms(self.interval) is None:
            raise ConfigError("backtest.bar_interval", f"{interval!r}: stored bars need a time interval")
        self.ticks = TickStream(sources if self.from_ticks else [], start, end, on_bad, chunk_rows)
        self.start, self.end, self.on_bad, self.chunk_rows = (
            self.ticks.start,
            self.ticks.end,
            on_bad,
            chunk_rows,
        )
        self.symbols = self.ticks.symbols if self.from_ticks else self._stored_symbols()
        self.counts = self.ticks.counts

    def _stored_symbols(self) -> tuple[str, ...]:
        out: list[str] = []
        for s in self.sources:
            if s.symbols:
                names = list(s.symbols)
            elif s.kind == "vnpy_sqlite":
                with _connect(s) as db:
                    _check_sqlite_table(db, s, "dbbardata", (*_VNPY_DB_BAR_COLUMNS, "interval"))
                    names = _sqlite_symbols(
                        db,
                        s,
                        "dbbardata",
                        " AND interval = ?",
                        (_VNPY_INTERVALS.get(self.interval, self.interval),),
                    )
            else:
                names = _scan_symbols(s)
            out.extend(n for n in names if n not in out)
        return tuple(out)

    def __iter__(self) -> Iterator[BarChunk]:
        names = [f.name for f in fields(BarChunk)[2:]]
        if self.from_ticks:
            stream: Iterator[_Cols] = self._built()
        else:
            self.counts.__init__()  # type: ignore[misc]  # reset in place: callers may hold the object
            stream = _merge(
                [s for src in self.sources for s in self._stored(src, self.counts)], "end_ms", self.chunk_rows
            )
        for cols in stream:
            self.counts.bars_out += len(cols["end_ms"])
            yield BarChunk(self.symbols, self.interval, **{k: cols[k] for k in names})

    def _stored(self, source: DataSource, counts: DataCounts) -> list[Iterator[_Cols]]:
        symbols = _SymbolIndex(source.symbols)
        if source.kind == "vnpy_sqlite":
            if self.interval not in _VNPY_INTERVALS:
                raise ConfigError(
                    "backtest.bar_interval",
                    f"{self.interval!r}: vn.py stores {', '.join(_VNPY_INTERVALS)} bars",
                )

            def make(
                ids: Int64,
                inst: Int32,
                raw: dict[str, Any],
                garbage: dict[int, tuple[str, str]],
                time_ms: Int64,
            ) -> _Batch:
                return _bar_batch(ids, inst, raw, garbage, time_ms, self.interval)

            raws = _sqlite_sub_streams(
                source,
                symbols,
                self.chunk_rows,
                counts,
                "dbbardata",
                _VNPY_DB_BAR_COLUMNS,
                " AND interval = ?",
                (_VNPY_INTERVALS[self.interval],),
                make,
            )
        else:
            raws = [_read_bar_file(source, symbols, self.chunk_rows, counts, self.interval)]
        return [self._checked(source, symbols, raw, counts) for raw in raws]

    def _checked(
        self,
        source: DataSource,
        symbols: _SymbolIndex,
        raw: Iterator[_Batch],
        counts: DataCounts,
    ) -> Iterator[_Cols]:
        global_index = {s: i for i, s in enumerate(self.symbols)}
        checker = _Checker(source, symbols, self.on_bad, counts, bars=True)
        for batch in raw:
            batch = checker.check(batch, "start_ms")
            cols = dict(batch.columns)
            cols["instrument"] = np.array([global_index.get(s, -1) for s in symbols.symbols], dtype=np.int32)[
                batch.instrument
            ]
            day = cols["trading_day"]
            keep = np.ones(len(day), dtype=bool)
            if self.start is not None:
                keep &= day >= self.start
            if self.end is not None:
                keep &= day <= self.end
            counts.outside_dates += int((~keep).sum())
            if not keep.all():
                cols = {k: v[keep] for k, v in cols.items()}
            if len(cols["end_ms"]):
                yield cols

    def _built(self) -> Iterator[_Cols]:
        """Bars of the merged tick stream, one C++ BarBuilder per instrument, ordered by end time.

        After each tick chunk every builder sees the chunk's last time as its clock (as the engine's clock
        closes bars); bars ending within the close grace of that clock wait for the next chunk, so bars of
        different instruments come out in end-time order. The bar still open at the last tick is left out.
        """
        builders = [_core.ColumnBarBuilder(s, self.interval) for s in self.symbols]
        held: list[_Cols] = []
        hold_ms = (
            60_000  # the builder's largest close grace: bars ending later may still be emitted by others
        )
        for chunk in self.ticks:
            out: list[_Cols] = []
            for k in np.unique(chunk.instrument):
                rows = chunk.instrument == k
                bars = builders[int(k)].feed(
                    chunk.time_ms[rows],
                    chunk.trading_day[rows],
                    chunk.last_price[rows],
                    chunk.volume[rows],
                    chunk.turnover[rows],
                    chunk.open_interest[rows],
                )
                out.append(_bar_cols(bars, int(k)))
            clock = int(chunk.time_ms[-1])
            for k, builder in enumerate(builders):
                out.append(_bar_cols(builder.on_clock(clock), k))
            held.extend(c for c in out if len(c["end_ms"]))
            ready, held = _release(held, clock - hold_ms)
            if ready is not None:
                yield ready
        ready, _ = _release(held, None)
        if ready is not None:
            yield ready


def _bar_cols(bars: Mapping[str, Any], instrument: int) -> _Cols:
    cols = {
        k: bars[k]
        for k in (
            "start_ms",
            "end_ms",
            "trading_day",
            "open",
            "high",
            "low",
            "close",
            "volume",
            "turnover",
            "open_interest",
        )
    }
    cols["instrument"] = np.full(len(cols["end_ms"]), instrument, dtype=np.int32)
    return cols


def _release(held: list[_Cols], upto: int | None) -> tuple[_Cols | None, list[_Cols]]:
    """Split off the held bars ending by UPTO (all when None), in (end, instrument) order, from the rest."""
    if not held:
        return None, []
    joined = {k: np.concatenate([h[k] for h in held]) for k in held[0]}
    order = np.lexsort((joined["instrument"], joined["end_ms"]))
    joined = {k: v[order] for k, v in joined.items()}
    cut = len(order) if upto is None else int(np.searchsorted(joined["end_ms"], upto, side="right"))
    ready = {k: v[:cut] for k, v in joined.items()} if cut else None
    rest = [{k: v[cut:] for k, v in joined.items()}] if cut < len(order) else []
    return ready, rest


def open_bar_stream(
    sources: Sequence[DataSource],
    interval: str,
    start: object = None,
    end: object = None,
    on_bad: str = "error",
    chunk_rows: int = 65_536,
) -> BarStream:
    """Open a BarStream of INTERVAL over SOURCES: stored bars, or bars built from tick sources."""
    return BarStream(sources, interval, start, end, on_bad, chunk_rows)
