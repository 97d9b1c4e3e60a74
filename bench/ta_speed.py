"""shandian.ta speed: incremental update cost from Cython and from Python, array functions vs TA-Lib.

    python bench/ta_speed.py [--n 1000000] [--batch 1000] [--repeat 5]

Cython: a module built here (bench/ta_probe.pyx, `cimport`s the indicators) times batches of `update_c`
calls with the GIL released; percentiles are over the batches' mean ns per update. Python: the same for
a plain loop calling `update` (the loop's own cost included). Arrays: best-of-`repeat` wall time of each
array function against TA-Lib's on `n` values, and the ratio. Prints the provenance first.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import shandian.ta
from shandian import ta
from shandian.bench import provenance

PROBE_SOURCE = Path(__file__).resolve().parent / "ta_probe.pyx"


def build_probe(out_dir: Path) -> ModuleType:
    """Cythonize and compile bench/ta_probe.pyx against the installed shandian.ta .pxd; import it."""
    include = Path(shandian.ta.__file__).resolve().parent.parent.parent  # holds shandian/ta/indicators.pxd
    c_file = out_dir / "ta_probe.c"
    so_file = out_dir / f"ta_probe{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run([sys.executable, "-m", "cython", "-3", "-I", str(include), str(PROBE_SOURCE),
                    "-o", str(c_file)], check=True, timeout=300)
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    subprocess.run([*cc, "-O3", "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}", str(c_file),
                    "-o", str(so_file)], check=True, timeout=300)
    spec = importlib.util.spec_from_file_location("ta_probe", so_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bars(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate a random-walk series: high, low, close, volume."""
    rng = np.random.default_rng(seed)
    close = 3000.0 + np.cumsum(rng.normal(0.0, 2.0, n))
    high = close + np.abs(rng.normal(0.0, 1.5, n))
    low = close - np.abs(rng.normal(0.0, 1.5, n))
    volume = rng.integers(1, 500, n).astype(np.float64)
    return high, low, close, volume


def percentiles(samples: np.ndarray) -> str:
    """p50 / p90 / p99 / max of ns samples."""
    p = np.percentile(samples, [50, 90, 99, 100])
    return f"p50 {p[0]:7.1f}  p90 {p[1]:7.1f}  p99 {p[2]:7.1f}  max {p[3]:7.1f} ns"


def python_batches(update: Callable[..., float], args: list[tuple[float, ...]], batch: int) -> np.ndarray:
    """Mean ns per `update(*a)` call for each batch of `batch` calls."""
    out = []
    for start in range(0, len(args) - batch + 1, batch):
        chunk = args[start:start + batch]
        t0 = time.perf_counter_ns()
        for a in chunk:
            update(*a)
        out.append((time.perf_counter_ns() - t0) / batch)
    return np.array(out)


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of `repeat` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values per array / stream")
    parser.add_argument("--batch", type=int, default=1000, help="updates per timed batch")
    parser.add_argument("--repeat", type=int, default=5, help="array timings: best of")
    opts = parser.parse_args()
    import talib

    prov = provenance.collect({"n": opts.n, "batch": opts.batch, "repeat": opts.repeat}, probe_ctp=False)
    for line in provenance.one_line(prov):
        print(line)
    print(f"talib {talib.__version__}  numpy {np.__version__}")
    high, low, close, volume = bars(opts.n)

    print(f"\nincremental update from Cython (update_c, nogil), {opts.n} values, batches of {opts.batch}:")
    with tempfile.TemporaryDirectory() as tmp:
        probe = build_probe(Path(tmp))
        for name in probe.NAMES:
            ns = probe.run(name, 14, high, low, close, opts.batch)
            print(f"  {name:5s} {percentiles(ns)}")

    n_py = min(opts.n, 200_000)
    print(f"\nincremental update from Python (update), {n_py} values, batches of {opts.batch}:")
    one = [(float(c),) for c in close[:n_py]]
    hlc = [(float(h), float(lo), float(c)) for h, lo, c in zip(high[:n_py], low[:n_py], close[:n_py],
                                                              strict=True)]
    for name, obj, args in (("SMA", ta.SMA(14), one), ("EMA", ta.EMA(14), one),
                            ("ATR", ta.ATR(14), hlc), ("RSI", ta.RSI(14), one)):
        print(f"  {name:5s} {percentiles(python_batches(obj.update, args, opts.batch))}")
    print(f"  {'bool':5s} {percentiles(python_batches(bool, one, opts.batch))}  (bool(x): loop + call alone)")

    print(f"\narray functions on {opts.n} values, best of {opts.repeat} (ratio = shandian / TA-Lib):")
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
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
        ("donchian 20", lambda: ta.donchian(high, low, 20),
         lambda: (talib.MAX(high, 20), talib.MIN(low, 20))),
        ("obv", lambda: ta.obv(close, volume), lambda: talib.OBV(close, volume)),
        ("roc 10", lambda: ta.roc(close, 10), lambda: talib.ROC(close, 10)),
        ("mom 10", lambda: ta.mom(close, 10), lambda: talib.MOM(close, 10)),
    ]
    worst = 0.0
    for label, ours, theirs in cases:
        t_ours, t_ref = best_of(ours, opts.repeat), best_of(theirs, opts.repeat)
        worst = max(worst, t_ours / t_ref)
        print(f"  {label:12s} shandian {t_ours * 1e3:7.2f} ms   talib {t_ref * 1e3:7.2f} ms   "
              f"ratio {t_ours / t_ref:5.2f}")
    print(f"  worst ratio {worst:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
