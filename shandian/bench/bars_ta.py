"""The `bars_ta` scenario: bar building, indicator update cost, and the vn.py ArrayManager pattern.

Four measurements in one run: (1) C++ BarBuilder ticks/s on one instrument stream (cpp/bars/bar_bench.hpp),
and the engine's tick path with and without 1m+5m bar subscriptions (cpp/bench/engine_tick_bench.hpp);
(2) shandian.ta incremental update cost from Python (SMA/EMA/ATR/RSI, ns per call, loop included);
(3) per bar, vn.py's pattern (an ArrayManager-like 100-bar numpy window recomputed with TA-Lib every bar for
SMA+ATR+RSI+Bollinger) against shandian.ta's incremental objects, and the ratio; (4) shandian.ta array
functions against TA-Lib on the same values (median thread CPU time of calls taken in turn, ratio).
TA-Lib (`talib`, the test extra) is needed for (3) and (4): without it they are left out with the reason.
The Cython (nogil) update cost needs a compiler: `python bench/ta_speed.py` measures it.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from shandian import ta
from shandian.bench.scenarios import Context, Metric, Output, Scenario, register
from shandian.histogram import Histogram

Series = npt.NDArray[np.float64]
WINDOW = 100  # vn.py's ArrayManager default size


def random_bars(n: int, seed: int = 7) -> tuple[Series, Series, Series, Series]:
    """Generate a random-walk series: high, low, close, volume."""
    rng = np.random.default_rng(seed)
    close = 3000.0 + np.cumsum(rng.normal(0.0, 2.0, n))
    high = close + np.abs(rng.normal(0.0, 1.5, n))
    low = close - np.abs(rng.normal(0.0, 1.5, n))
    volume = rng.integers(1, 500, n).astype(np.float64)
    return high, low, close, volume


def python_batches(update: Callable[..., float], args: list[tuple[float, ...]],
                   batch: int) -> npt.NDArray[Any]:
    """Mean ns per `update(*a)` call for each batch of `batch` calls."""
    out = []
    for start in range(0, len(args) - batch + 1, batch):
        chunk = args[start:start + batch]
        t0 = time.perf_counter_ns()
        for a in chunk:
            update(*a)
        out.append((time.perf_counter_ns() - t0) / batch)
    return np.array(out)


def cpu_medians(fns: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Median thread CPU seconds of each of FNS over REPEAT rounds, a round calling each in turn.

    Thread CPU time leaves out the time other processes hold the CPU, and taking the calls in turn gives
    every function the same share of what load remains (caches, the sibling CPU).
    """
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            t0 = time.thread_time()
            fn()
            spent.append(time.thread_time() - t0)
    return [float(np.median(spent)) for spent in times]


def talib_donchian(talib: Any, high: Series, low: Series, period: int) -> tuple[Series, Series, Series]:
    """Compute the same three outputs as ta.donchian with TA-Lib: MAX, MIN and their middle."""
    upper, lower = talib.MAX(high, period), talib.MIN(low, period)
    return upper, (upper + lower) / 2.0, lower


def array_cases(talib: Any, high: Series, low: Series, close: Series, volume: Series,
                ta: Any = ta) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    """(label, shandian.ta call, TA-Lib call) for each array function compared (TA: another build of it)."""
    return [
        ("sma 20", lambda: ta.sma(close, 20), lambda: talib.SMA(close, 20)),
        ("ema 20", lambda: ta.ema(close, 20), lambda: talib.EMA(close, 20)),
        ("wma 20", lambda: ta.wma(close, 20), lambda: talib.WMA(close, 20)),
        ("dema 20", lambda: ta.dema(close, 20), lambda: talib.DEMA(close, 20)),
        ("tema 20", lambda: ta.tema(close, 20), lambda: talib.TEMA(close, 20)),
        ("stddev 20", lambda: ta.stddev(close, 20), lambda: talib.STDDEV(close, 20)),
        ("bbands 20", lambda: ta.bbands(close, 20), lambda: talib.BBANDS(close, 20)),
        ("macd", lambda: ta.macd(close), lambda: talib.MACD(close)),
        ("rsi 14", lambda: ta.rsi(close, 14), lambda: talib.RSI(close, 14)),
        ("atr 14", lambda: ta.atr(high, low, close, 14), lambda: talib.ATR(high, low, close, 14)),
        ("natr 14", lambda: ta.natr(high, low, close, 14), lambda: talib.NATR(high, low, close, 14)),
        ("adx 14", lambda: ta.adx(high, low, close, 14), lambda: talib.ADX(high, low, close, 14)),
        ("cci 14", lambda: ta.cci(high, low, close, 14), lambda: talib.CCI(high, low, close, 14)),
        ("stoch", lambda: ta.stoch(high, low, close), lambda: talib.STOCH(high, low, close)),
        ("willr 14", lambda: ta.willr(high, low, close, 14), lambda: talib.WILLR(high, low, close, 14)),
        ("donchian 20", lambda: ta.donchian(high, low, 20), lambda: talib_donchian(talib, high, low, 20)),
        ("obv", lambda: ta.obv(close, volume), lambda: talib.OBV(close, volume)),
        ("roc 10", lambda: ta.roc(close, 10), lambda: talib.ROC(close, 10)),
        ("mom 10", lambda: ta.mom(close, 10), lambda: talib.MOM(close, 10)),
    ]


def vnpy_pattern_ns(talib: Any, high: Series, low: Series, close: Series) -> npt.NDArray[Any]:
    """Ns per bar of vn.py's pattern: shift a 100-bar window in, recompute SMA+ATR+RSI+Bollinger with TA-Lib.

    As vn.py's ArrayManager.update_bar (arrays shifted by slicing) followed by its sma / atr / rsi / boll
    calls, which each run TA-Lib over the whole window and keep the last value.
    """
    h, lo, c = high[:WINDOW].copy(), low[:WINDOW].copy(), close[:WINDOW].copy()
    out = np.empty(len(close) - WINDOW)
    for i in range(WINDOW, len(close)):
        t0 = time.perf_counter_ns()
        h[:-1], lo[:-1], c[:-1] = h[1:], lo[1:], c[1:]
        h[-1], lo[-1], c[-1] = high[i], low[i], close[i]
        float(talib.SMA(c, 20)[-1])
        float(talib.ATR(h, lo, c, 14)[-1])
        float(talib.RSI(c, 14)[-1])
        upper, _, lower = talib.BBANDS(c, 20, 2.0, 2.0)
        float(upper[-1]), float(lower[-1])
        out[i - WINDOW] = time.perf_counter_ns() - t0
    return out


def incremental_ns(high: Series, low: Series, close: Series) -> npt.NDArray[Any]:
    """Ns per bar of the same four indicators as shandian.ta incremental objects (one update each)."""
    sma, atr, rsi, boll = ta.SMA(20), ta.ATR(14), ta.RSI(14), ta.Bollinger(20, 2.0)
    hs, ls, cs = high.tolist(), low.tolist(), close.tolist()
    out = np.empty(len(cs) - WINDOW)
    for i in range(WINDOW):
        sma.update(cs[i]), atr.update(hs[i], ls[i], cs[i]), rsi.update(cs[i]), boll.update(cs[i])
    for i in range(WINDOW, len(cs)):
        t0 = time.perf_counter_ns()
        sma.update(cs[i])
        atr.update(hs[i], ls[i], cs[i])
        rsi.update(cs[i])
        boll.update(cs[i])
        out[i - WINDOW] = time.perf_counter_ns() - t0
    return out


def _latency(key: str, label: str, ns: npt.NDArray[Any], target: str | None = None,
             met: bool | None = None) -> Metric:
    hist = Histogram.of([max(round(x), 0) for x in ns])
    return Metric(key, label, "latency", hist=hist, target=target, target_met=met)


def _talib() -> tuple[Any, str | None]:
    if importlib.util.find_spec("talib") is None:
        return None, ("TA-Lib (`talib`, extra 'test') is not installed: the vn.py pattern and array rows "
                      "are left out")
    import talib

    return talib, None


def run_bars_ta(ctx: Context) -> Output:
    """Run the four measurements at the context's size."""
    out = Output()
    days = ctx.size(3, 40)
    n_bars = ctx.size(1_000, 20_000)
    n_updates = ctx.size(5_000, 200_000)
    n_array = ctx.size(20_000, 1_000_000)
    repeat = ctx.size(1, 5)
    out.params = {"days": days, "bars_per_stream": n_bars, "python_updates": n_updates,
                  "array_values": n_array, "repeat": repeat}

    # (1) bar building, C++, one stream with the intervals an agent commonly asks for
    for intervals in (["1m"], ["1m", "5m", "15m", "1h", "1d"]):
        runs = [ctx.bench.bench_bars_build("rb2505", intervals, days) for _ in range(repeat)]
        rates = [r["cpu_ticks_per_s"] for r in runs]
        rate = float(np.median(rates))
        out.metrics.append(Metric(
            f"build_{'_'.join(intervals)}", f"bar building {','.join(intervals)} (thread CPU)", "rate",
            rate=rate, unit="ticks/s", runs=rates, target=">= 10M ticks/s", target_met=rate >= 10e6))

    # (1b) the engine's tick path with and without bars: 1m+5m on one instrument, and on each of ten
    added: list[str] = []
    for symbols in (1, 10):
        per_tick = {}
        what = "1 instrument" if symbols == 1 else f"{symbols} instruments"
        for bar_symbols in (0, symbols):
            intervals = ["1m", "5m"] if bar_symbols else []
            runs = [ctx.bench.bench_engine_ticks(symbols, bar_symbols, intervals)["cpu_ns_per_tick"]
                    for _ in range(repeat)]
            per_tick[bar_symbols] = float(np.median(runs))
            bars_part = ("1m+5m bars on " + ("it" if symbols == 1 else "each")) if bar_symbols else "no bars"
            out.metrics.append(Metric(
                f"engine_tick_{symbols}sym{'_1m_5m' if bar_symbols else ''}",
                f"engine tick path, {what}, {bars_part} (thread CPU)", "rate", rate=per_tick[bar_symbols],
                unit="ns/tick", runs=runs))
        added.append(f"{what}: +{per_tick[symbols] - per_tick[0]:.1f} ns/tick")
    out.notes.append("engine tick path (ring push + engine loop + a counting C++ dispatcher, a trading day "
                     "of ticks, 2/s per instrument): 1m+5m bars add " + "; ".join(added))

    # (2) incremental update from Python
    high, low, close, volume = random_bars(max(n_updates, n_bars, n_array))
    one: list[tuple[float, ...]] = [(float(c),) for c in close[:n_updates]]
    hlc: list[tuple[float, ...]] = [
        (float(h), float(lo), float(c))
        for h, lo, c in zip(high[:n_updates], low[:n_updates], close[:n_updates], strict=True)
    ]
    batch = 1000
    for name, obj, args in (("SMA", ta.SMA(14), one), ("EMA", ta.EMA(14), one),
                            ("ATR", ta.ATR(14), hlc), ("RSI", ta.RSI(14), one)):
        ns = python_batches(obj.update, args, batch)
        p50 = float(np.median(ns))
        out.metrics.append(_latency(f"py_update_{name.lower()}", f"{name}.update from Python (batch mean)",
                                    ns, "p50 <= 300 ns", p50 <= 300))
    out.notes.append("Cython (nogil update_c) cost: `python bench/ta_speed.py` (builds a Cython probe)")

    talib, why = _talib()
    if talib is None:
        assert why is not None
        out.notes.append(why)
        return out
    out.params["talib"] = talib.__version__

    # (3) vn.py pattern vs incremental, per bar
    h, lo, c = high[:n_bars], low[:n_bars], close[:n_bars]
    vnpy = vnpy_pattern_ns(talib, h, lo, c)
    ours = incremental_ns(h, lo, c)
    ratio = float(np.median(vnpy) / np.median(ours))
    out.metrics.append(_latency("vnpy_pattern_bar", "vn.py ArrayManager(100)+TA-Lib SMA/ATR/RSI/BOLL per bar",
                                vnpy))
    out.metrics.append(_latency("ta_incremental_bar", "shandian.ta SMA/ATR/RSI/Bollinger update per bar",
                                ours))
    out.metrics.append(Metric("vnpy_pattern_ratio", "vn.py pattern / shandian.ta incremental (p50 per bar)",
                              "rate", rate=ratio, unit="x", runs=[ratio], target=">= 20x",
                              target_met=ratio >= 20))
    out.notes.append(f"vn.py pattern p50 {np.median(vnpy):.0f} ns/bar, shandian.ta incremental p50 "
                     f"{np.median(ours):.0f} ns/bar: {ratio:.1f}x")

    # (4) array functions vs TA-Lib
    ah, al, ac, av = high[:n_array], low[:n_array], close[:n_array], volume[:n_array]
    worst = 0.0
    for label, mine, theirs in array_cases(talib, ah, al, ac, av):
        t_mine, t_ref = cpu_medians([mine, theirs], max(repeat, 3))
        r = t_mine / t_ref
        worst = max(worst, r)
        out.notes.append(f"array {label:12s} shandian {t_mine * 1e3:7.2f} ms  talib {t_ref * 1e3:7.2f} ms  "
                         f"ratio {r:5.2f}")
    out.metrics.append(Metric("array_worst_ratio", f"array functions, worst shandian/TA-Lib on {n_array}",
                              "rate", rate=worst, unit="x", runs=[worst], target="<= 1.5x",
                              target_met=worst <= 1.5))
    return out


register(Scenario(
    name="bars_ta",
    title="Bars and indicators: C++ bar building, ta update cost, vs vn.py ArrayManager+TA-Lib",
    run=run_bars_ta,
    requires=("_bench.bench_bars_build", "_bench.bench_engine_ticks"),
    hint="pyext/bench/bars.cpp",
))
