"""Optional baselines of the `backtest` scenario: vn.py's CTA BacktestingEngine and backtrader, same data.

Both run the backtest scenario's data: the seeded generator's rb2505 ticks (`generator_source`, the config
shandian/bench/backtest.py replays) and its seeded 1-minute bar file (shandian/bench/backtest_bars.py),
read through shandian's own loaders and converted to each library's objects before the clock starts. The
strategies are the logic of the scenario's agents, written against each library (backtest_vnpy.py,
backtest_backtrader.py): vn.py tick mode with a limit order every 100 ticks, vn.py bar mode with a dual SMA
through ArrayManager + TA-Lib, backtrader with the same dual SMA in `next()` (event mode, runonce=False)
and, for reference, in its default vectorised-indicator mode. Each measurement runs in a fresh process
(`python -P -m shandian.bench.backtest_baseline_run LIBRARY MODE COUNT`) that prints one JSON line: wall
seconds of the replay alone, orders, trades, RSS after the imports and peak RSS (VmHWM). A library that
does not import leaves its scenario unavailable with the reason (optional: the harness still exits 0).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shandian.bench.scenarios import Context, Metric, Output, Scenario, register

if TYPE_CHECKING:
    from shandian.backtest.data import BarChunk, TickChunk

VNPY = "backtest_vnpy"
BACKTRADER = "backtest_backtrader"
# The baseline metrics shandian's rows compare with ("scenario:metric", the form Metric.compare_with takes).
VNPY_TICK_RATE = f"{VNPY}:tick_every_100"
VNPY_BAR_RATE = f"{VNPY}:bar_dual_ma"
BACKTRADER_BAR_RATE = f"{BACKTRADER}:next_dual_ma"

SYMBOL = "rb2505"
# The scenario agents' logic (shandian/bench/backtest.py): tests/test_bench_backtest_baselines.py checks
# that both sides send the same orders.
ORDER_EVERY, POSITION_CAP = 100, 5
FAST_WINDOW, SLOW_WINDOW, PRICE_OFFSET = 5, 20, 5.0
# The sizes of the backtest scenario's rows (quick, full): generator days of ticks, 1-minute bars.
TICK_DAYS = (4, 40)
BAR_COUNT = (100_000, 1_000_000)
# backtrader replays ~10 k bars/s: quick mode gives it the first 20 k of the same bars (a rate either way).
BACKTRADER_BAR_COUNT = (20_000, 1_000_000)
CHILD_TIMEOUT_S = 1500.0


def generator_source(days: int) -> dict[str, Any]:
    """Return the `[[backtest.data]]` table of the scenario's tick rows: generator rb, seed 42, DAYS days."""
    return {"kind": "generator", "instruments": ["rb"], "seed": 42, "days": days}


def generator_ticks(days: int) -> Iterator[TickChunk]:
    """Yield the scenario's ticks as shandian's tick stream does (chunks of columns)."""
    from shandian.backtest.data import data_sources_from_config, open_tick_stream

    return iter(open_tick_stream(data_sources_from_config([generator_source(days)], Path.cwd())))


def bar_file_chunks(path: Path) -> Iterator[BarChunk]:
    """Yield the 1-minute bars of a bar file (write_bar_file) as shandian's bar-input mode reads them."""
    from shandian.backtest.data import data_sources_from_config, open_bar_stream

    sources = data_sources_from_config([{"kind": "bars_parquet", "path": str(path)}], Path.cwd())
    return iter(open_bar_stream(sources, "1m"))


def status_bytes(field: str) -> int:
    """Return a /proc/self/status size field (VmRSS, VmHWM) in bytes; 0 where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_in_fresh_process(library: str, mode: str, count: int) -> dict[str, Any]:
    """measure() in a process of its own (clean peak RSS): its JSON line, or RuntimeError with its stderr."""
    cmd = [sys.executable, "-P", "-m", "shandian.bench.backtest_baseline_run", library, mode, str(count)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{library} {mode} run failed (exit status {done.returncode}): {tail}")
    result: dict[str, Any] = json.loads(lines[-1])  # an editable install may print its rebuild first
    return result


# ------------------------------------------------------------------------------------------- scenarios


def _unavailable(*modules: str) -> str | None:
    """None when every module imports, else which did not and how to install the baselines."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any import-time failure of an optional third-party package
            return (f"{name} not importable ({type(exc).__name__}: {exc}); optional extra `bench-backtest`"
                    " (bench/BENCHMARKS.md has the light install)")
    return None


def vnpy_unavailable(_: Context | None = None) -> str | None:
    """Why vn.py's CTA backtester cannot run here, or None."""
    return _unavailable("talib", "vnpy.trader.utility", "vnpy_ctastrategy.backtesting")


def backtrader_unavailable(_: Context | None = None) -> str | None:
    """Why backtrader cannot run here, or None."""
    return _unavailable("backtrader")


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _rss_metric(key: str, what: str, run: dict[str, Any], unit: str) -> Metric:
    """Peak RSS at 1 M events: the run's imports plus its data-driven growth scaled linearly to 1 M."""
    growth = max(0, run["rss_peak"] - run["rss_imports"])
    at_million = (run["rss_imports"] + growth * 1e6 / run["events"]) / 2**20
    return Metric(key, f"{what}: peak RSS per 1 M {unit}", "rate", rate=at_million, unit="MiB",
                  runs=[at_million])


def _run_note(what: str, run: dict[str, Any], unit: str) -> str:
    return (f"{what}: {run['events']:,} {unit} in {run['wall_s']:.2f} s ({run['events'] / run['wall_s']:,.0f}"
            f" {unit}/s), {run['orders']} orders, {run['trades']} trades; building the objects"
            f" {run['convert_s']:.1f} s (untimed); RSS {run['rss_imports'] / 2**20:.0f} MiB after imports,"
            f" peak {run['rss_peak'] / 2**20:.0f} MiB")


def _key(ref: str) -> str:
    return ref.partition(":")[2]


def _rate(key: str, label: str, run: dict[str, Any], unit: str) -> Metric:
    rate = run["events"] / run["wall_s"]
    return Metric(key, label, "rate", rate=rate, unit=f"{unit}/s", runs=[rate])


def run_vnpy(ctx: Context) -> Output:
    """Run vn.py's tick mode (an order every 100 ticks) and bar mode (dual SMA), each in a fresh process."""
    days, bars = ctx.size(*TICK_DAYS), ctx.size(*BAR_COUNT)
    out = Output(params={"engine": f"vnpy_ctastrategy {_version('vnpy_ctastrategy')} BacktestingEngine, vnpy"
                                   f" {_version('vnpy')}, TA-Lib {_version('TA-Lib')}",
                         "tick_days": days, "bars": bars})
    tick = run_in_fresh_process("vnpy", "tick", days)
    out.metrics.append(_rate(_key(VNPY_TICK_RATE), "vn.py tick mode: limit order every 100 ticks", tick,
                             "ticks"))
    out.metrics.append(_rss_metric("tick_rss_per_1m", "vn.py tick mode", tick, "ticks"))
    out.notes.append(_run_note("tick mode", tick, "ticks"))
    bar = run_in_fresh_process("vnpy", "bar", bars)
    out.metrics.append(_rate(_key(VNPY_BAR_RATE), "vn.py bar mode: dual SMA (ArrayManager + TA-Lib)", bar,
                             "bars"))
    out.metrics.append(_rss_metric("bar_rss_per_1m", "vn.py bar mode", bar, "bars"))
    out.notes.append(_run_note("bar mode", bar, "bars"))
    out.notes.append("timed: run_backtesting() over history_data built beforehand from the same generator"
                     " ticks / bar file as shandian's rows; not timed: building TickData/BarData, statistics")
    return out


def run_backtrader(ctx: Context) -> Output:
    """Run backtrader's dual SMA in next() (event mode) and in runonce mode, each in a fresh process."""
    bars = ctx.size(*BACKTRADER_BAR_COUNT)
    out = Output(params={"engine": f"backtrader {_version('backtrader')} Cerebro", "bars": bars})
    event = run_in_fresh_process("backtrader", "next", bars)
    out.metrics.append(_rate(_key(BACKTRADER_BAR_RATE), "backtrader next() mode (runonce=False): dual SMA",
                             event, "bars"))
    out.metrics.append(_rss_metric("next_rss_per_1m", "backtrader next() mode", event, "bars"))
    out.notes.append(_run_note("next() mode", event, "bars"))
    vector = run_in_fresh_process("backtrader", "runonce", bars)
    out.metrics.append(_rate("runonce_dual_ma", "backtrader default (runonce=True indicators): dual SMA",
                             vector, "bars"))
    out.notes.append(_run_note("runonce mode", vector, "bars"))
    out.notes.append("timed: cerebro.run() (its preload of the feed, indicators, broker, next()); not timed:"
                     " reading the bar file into plain lists")
    return out


register(Scenario(
    name=VNPY,
    title="vn.py CTA BacktestingEngine on the backtest scenario's ticks and bars (baseline)",
    run=run_vnpy,
    precheck=vnpy_unavailable,
    optional=True,
))
register(Scenario(
    name=BACKTRADER,
    title="backtrader Cerebro, dual SMA on the backtest scenario's bars (baseline)",
    run=run_backtrader,
    precheck=backtrader_unavailable,
    optional=True,
))
