"""The backtest config: an ordinary run config (agents, risk, engine) plus `[backtest]` (docs/backtest.md).

`load_backtest_config` validates both parts and raises `ConfigError` naming the key. The data sources the
C++ replay drives directly (`generator`, `csv`) become the settings of the local front's feed
(`front_settings`); the rates CSV (`instruments_csv`) becomes the commission/margin overrides.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian.config import Config, ConfigError, parse_config

_BACKTEST_KEYS = {"start", "end", "capital", "mode", "bar_interval", "slippage_ticks", "queue", "latency",
                  "seed", "instruments_csv", "on_bad_data", "out", "data"}
_LATENCY_KEYS = {"order_ms", "report_ms", "jitter", "jitter_ms"}
_GENERATOR_KEYS = {"kind", "instruments", "days", "seed", "session", "max_ticks", "trading_day"}
_CSV_KEYS = {"kind", "path", "instruments", "trading_day"}
# Columns of instruments_csv besides `key` (an instrument id or a product): any subset, empty = bundled.
RATE_COLUMNS = ("long_margin_ratio", "short_margin_ratio", "open_by_money", "open_by_volume",
                "close_by_money", "close_by_volume", "close_today_by_money", "close_today_by_volume")


@dataclass(frozen=True)
class LatencySettings:
    """Order -> exchange (whole ms, the front's exchange delay) and exchange -> agent (+ seeded jitter)."""

    order_ms: int = 0
    report_ms: float = 0.0
    jitter: str = "none"  # "none" | "uniform" | "normal"
    jitter_ms: float = 0.0


@dataclass
class BacktestSettings:
    """`[backtest]`, validated."""

    start: str | None = None  # YYYY-MM-DD trading days, inclusive
    end: str | None = None
    capital: float = 1_000_000.0
    mode: str = "tick"
    bar_interval: str = "1m"
    slippage_ticks: int = 1
    queue: str = "conservative"
    latency: LatencySettings = field(default_factory=LatencySettings)
    seed: int = 7
    instruments_csv: Path | None = None
    on_bad_data: str = "error"
    out: Path = Path("backtest-out")
    data: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BacktestConfig:
    """A whole backtest: the run config (agents, risk, engine) and its `[backtest]` settings."""

    run: Config
    backtest: BacktestSettings
    path: Path | None = None


def _day(value: Any, key: str) -> str:
    text = str(value)
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise ConfigError(key, f"{value!r} is not a date (YYYY-MM-DD)")


def _number(table: Mapping[str, Any], key: str, where: str, default: float, *,
            minimum: float = 0.0) -> float:
    value = table.get(key, default)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < minimum:
        raise ConfigError(f"{where}.{key}", f"{value!r} must be a finite number >= {minimum:g}")
    return float(value)


def _choice(table: Mapping[str, Any], key: str, where: str, default: str, allowed: tuple[str, ...]) -> str:
    value = table.get(key, default)
    if value not in allowed:
        raise ConfigError(f"{where}.{key}", f"{value!r} must be one of {', '.join(allowed)}")
    return str(value)


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}.{key}", f"unknown key (known: {', '.join(sorted(allowed))})")


def parse_backtest(table: Mapping[str, Any], base_dir: Path) -> BacktestSettings:
    """Validate `[backtest]` (a dict) into BacktestSettings; ConfigError names the key."""
    if not isinstance(table, Mapping):
        raise ConfigError("backtest", "must be a table")
    _check_keys(table, _BACKTEST_KEYS, "backtest")
    lat = table.get("latency", {})
    if not isinstance(lat, Mapping):
        raise ConfigError("backtest.latency", "must be a table")
    _check_keys(lat, _LATENCY_KEYS, "backtest.latency")
    order_ms = _number(lat, "order_ms", "backtest.latency", 0.0)
    if order_ms != int(order_ms):
        raise ConfigError("backtest.latency.order_ms",
                          f"{order_ms:g}: whole milliseconds (the front's exchange delay)")
    latency = LatencySettings(
        order_ms=int(order_ms),
        report_ms=_number(lat, "report_ms", "backtest.latency", 0.0),
        jitter=_choice(lat, "jitter", "backtest.latency", "none", ("none", "uniform", "normal")),
        jitter_ms=_number(lat, "jitter_ms", "backtest.latency", 0.0),
    )
    seed = table.get("seed", 7)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("backtest.seed", f"{seed!r} must be an integer >= 0")
    slippage = table.get("slippage_ticks", 1)
    if isinstance(slippage, bool) or not isinstance(slippage, int) or slippage < 0:
        raise ConfigError("backtest.slippage_ticks", f"{slippage!r} must be an integer >= 0")
    rates = table.get("instruments_csv")
    data = table.get("data", [])
    if not isinstance(data, list) or not data or not all(isinstance(d, Mapping) for d in data):
        raise ConfigError("backtest.data", "one or more [[backtest.data]] tables are required")
    settings = BacktestSettings(
        start=_day(table["start"], "backtest.start") if "start" in table else None,
        end=_day(table["end"], "backtest.end") if "end" in table else None,
        capital=_number(table, "capital", "backtest", 1_000_000.0, minimum=1.0),
        mode=_choice(table, "mode", "backtest", "tick", ("tick", "bar")),
        bar_interval=str(table.get("bar_interval", "1m")),
        slippage_ticks=slippage,
        queue=_choice(table, "queue", "backtest", "conservative", ("conservative", "optimistic")),
        latency=latency,
        seed=seed,
        instruments_csv=(base_dir / str(rates)) if rates is not None else None,
        on_bad_data=_choice(table, "on_bad_data", "backtest", "error", ("error", "skip")),
        out=Path(str(table.get("out", "backtest-out"))),  # relative to where the command runs
        data=[dict(d) for d in data],
    )
    if settings.start and settings.end and settings.end < settings.start:
        raise ConfigError("backtest.end", f"{settings.end} is before start {settings.start}")
    return settings


def load_backtest_config(source: str | Path | Mapping[str, Any],
                         base_dir: Path | None = None) -> BacktestConfig:
    """Read (a TOML path) or take (a dict) a backtest config and validate it."""
    path: Path | None = None
    if isinstance(source, Mapping):
        data = dict(source)
        root = (base_dir or Path.cwd()).resolve()
    else:
        path = Path(source)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError("", f"cannot read config {path}: {e.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError("", f"{path} is not valid TOML: {e}") from None
        root = path.resolve().parent
    if "backtest" not in data:
        raise ConfigError("backtest", "a backtest config needs a [backtest] table")
    settings = parse_backtest(data.pop("backtest"), root)
    data.setdefault("account", {"preset": "local"})
    data.setdefault("journal", {"enabled": False})
    run = parse_config(data, base_dir=root)
    run.journal.enabled = False  # a backtest records into its result, not the live journal
    return BacktestConfig(run=run, backtest=settings, path=path)


def _weekdays(start: str, end: str) -> int:
    a = dt.date.fromisoformat(start)
    b = dt.date.fromisoformat(end)
    return sum(1 for i in range((b - a).days + 1) if (a + dt.timedelta(days=i)).weekday() < 5)


def replays_natively(settings: BacktestSettings) -> bool:
    """Say whether the C++ replay reads the data itself (one generator or local-front tick CSV source)."""
    return len(settings.data) == 1 and settings.data[0].get("kind") in ("generator", "csv")


def front_settings(settings: BacktestSettings) -> dict[str, Any]:
    """Return the local front's feed settings for the C++ replay (one generator or CSV source)."""
    if len(settings.data) != 1:
        raise ConfigError("backtest.data", "this build replays one source (generator or csv) per backtest")
    src = settings.data[0]
    kind = src.get("kind")
    where = "backtest.data[0]"
    front: dict[str, Any] = {"queue": settings.queue, "initial_balance": settings.capital}
    if kind == "generator":
        _check_keys(src, _GENERATOR_KEYS, where)
        instruments = src.get("instruments", [])
        if not isinstance(instruments, list) or not all(isinstance(i, str) for i in instruments):
            raise ConfigError(f"{where}.instruments", "must be a list of products or instrument ids")
        day = _day(src["trading_day"], f"{where}.trading_day") if "trading_day" in src else settings.start
        days = int(_number(src, "days", where, 1, minimum=1))
        if "days" not in src and settings.start and settings.end:
            days = max(1, _weekdays(settings.start, settings.end))
        front.update(source="gen", seed=int(_number(src, "seed", where, settings.seed)),
                     instruments=list(instruments), days=days,
                     session=_choice(src, "session", where, "day", ("day", "night")),
                     max_ticks=int(_number(src, "max_ticks", where, 0)))
        if day:
            front["trading_day"] = day.replace("-", "")
        return front
    if kind == "csv":
        _check_keys(src, _CSV_KEYS, where)
        if "path" not in src:
            raise ConfigError(f"{where}.path", "a csv source needs a path")
        front["source"] = "csv:" + str(src["path"])
        if "instruments" in src:
            front["instruments"] = list(src["instruments"])
        if "trading_day" in src:
            front["trading_day"] = _day(src["trading_day"], f"{where}.trading_day").replace("-", "")
        return front
    raise ConfigError(f"{where}.kind", f"{kind!r}: this replay drives 'generator' and 'csv' sources")


def resolve_paths(settings: BacktestSettings, base_dir: Path) -> None:
    """Make the data paths of `settings` absolute against the config's directory (in place)."""
    for src in settings.data:
        if "path" in src and not Path(str(src["path"])).is_absolute():
            src["path"] = str(base_dir / str(src["path"]))


def load_rates(path: Path) -> list[dict[str, Any]]:
    """Read instruments_csv: a `key` column (instrument id or product) and any of RATE_COLUMNS."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError("backtest.instruments_csv", f"cannot read {path}: {e.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or "key" not in reader.fieldnames:
        raise ConfigError("backtest.instruments_csv", f"{path}: a header with a 'key' column is required")
    unknown = [c for c in reader.fieldnames if c != "key" and c not in RATE_COLUMNS]
    if unknown:
        raise ConfigError("backtest.instruments_csv", f"{path}: unknown column {unknown[0]!r} "
                          f"(known: key, {', '.join(RATE_COLUMNS)})")
    out: list[dict[str, Any]] = []
    for row_no, row in enumerate(reader, start=2):
        entry: dict[str, Any] = {"key": (row.get("key") or "").strip()}
        if not entry["key"]:
            raise ConfigError("backtest.instruments_csv", f"{path} row {row_no}: empty key")
        for col in RATE_COLUMNS:
            cell = (row.get(col) or "").strip()
            if not cell:
                continue
            try:
                value = float(cell)
            except ValueError:
                raise ConfigError("backtest.instruments_csv",
                                  f"{path} row {row_no} field {col}: {cell!r} is not a number") from None
            if not math.isfinite(value) or value < 0:
                raise ConfigError("backtest.instruments_csv",
                                  f"{path} row {row_no} field {col}: {cell!r} must be a finite number >= 0")
            entry[col] = value
        out.append(entry)
    return out
