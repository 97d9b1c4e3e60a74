"""shandian.ta speed: incremental update cost from Cython and from Python, array functions vs TA-Lib.

    python bench/ta_speed.py [--n 1000000] [--batch 1000] [--repeat 5]
    python bench/ta_speed.py --against REF [--n 1000000] [--repeat 9]


Cython: a module built here (bench/ta_probe.pyx, `cimport`s the indicators) times batches of `update_c`
calls with the GIL released; percentiles are over the batches' mean ns per update. Python: the same for
a plain loop calling `update` (the loop's own cost included). Arrays: median thread CPU time of `repeat`
calls of each array function and TA-Lib's on `n` values, taken in turn, and the ratio. Prints the
provenance first.

--against REF: only the array functions, before (shandian/ta/indicators.pyx at git REF, built here as a
module of its own) and after (this checkout) against TA-Lib, each the median thread CPU time of `repeat`
calls taken in turn (before, after, TA-Lib), so other processes' load counts little and alike on all three.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np

import shandian.ta
from shandian import ta
from shandian.bench import provenance
from shandian.bench.bars_ta import array_cases, cpu_medians, python_batches, random_bars

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


def build_at(ref: str, out_dir: Path) -> ModuleType:
    """Cythonize and compile shandian/ta/indicators.pyx (and .pxd) as of git REF; import it as a module."""
    root = Path(__file__).resolve().parent.parent
    for suffix in ("pyx", "pxd"):
        text = subprocess.run(["git", "show", f"{ref}:shandian/ta/indicators.{suffix}"], cwd=root, check=True,
                              capture_output=True, text=True, timeout=60).stdout
        (out_dir / f"indicators.{suffix}").write_text(text)
    c_file = out_dir / "indicators.c"
    so_file = out_dir / f"indicators{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run([sys.executable, "-m", "cython", "-3", str(out_dir / "indicators.pyx"), "-o", str(c_file)],
                   check=True, timeout=300)
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    include = f"-I{sysconfig.get_paths()['include']}"
    flags = ["-O3", "-fno-math-errno", "-shared", "-fPIC", include]  # as shandian_ta/CMakeLists.txt
    subprocess.run([*cc, *flags, str(c_file), "-o", str(so_file)], check=True, timeout=600)
    spec = importlib.util.spec_from_file_location("indicators", so_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compare_with(ref: str, n: int, repeat: int) -> int:
    """Print before (REF) / after (this checkout) / TA-Lib median thread CPU ms of each array function."""
    import talib

    high, low, close, volume = random_bars(n)
    with tempfile.TemporaryDirectory() as tmp:
        before = build_at(ref, Path(tmp))
        cases_before = array_cases(talib, high, low, close, volume, before)
        cases_after = array_cases(talib, high, low, close, volume)
        print(f"\narray functions on {n} values: median thread CPU ms of {repeat} calls taken in turn; "
              f"ratio = shandian / TA-Lib; before = {ref}")
        print(f"  {'function':12s} {'before':>8s} {'after':>8s} {'TA-Lib':>8s} {'before':>7s} {'after':>7s}")
        for (label, old, theirs), (_, new, _) in zip(cases_before, cases_after, strict=True):
            b, a, t = (x * 1e3 for x in cpu_medians([old, new, theirs], repeat))
            print(f"  {label:12s} {b:8.2f} {a:8.2f} {t:8.2f} {b / t:7.2f} {a / t:7.2f}")
    return 0


def percentiles(samples: np.ndarray) -> str:
    """p50 / p90 / p99 / max of ns samples."""
    p = np.percentile(samples, [50, 90, 99, 100])
    return f"p50 {p[0]:7.1f}  p90 {p[1]:7.1f}  p99 {p[2]:7.1f}  max {p[3]:7.1f} ns"


def main() -> int:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values per array / stream")
    parser.add_argument("--batch", type=int, default=1000, help="updates per timed batch")
    parser.add_argument("--repeat", type=int, default=5, help="array timings: median of")
    parser.add_argument("--against", metavar="REF",
                        help="array functions only: those of git REF against this checkout's")
    opts = parser.parse_args()
    import talib

    prov = provenance.collect({"n": opts.n, "batch": opts.batch, "repeat": opts.repeat}, probe_ctp=False)
    for line in provenance.one_line(prov):
        print(line)
    print(f"talib {talib.__version__}  numpy {np.__version__}  1-minute load {os.getloadavg()[0]:.1f}")
    if opts.against:
        return compare_with(opts.against, opts.n, opts.repeat)
    high, low, close, volume = random_bars(opts.n)

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

    print(f"\narray functions on {opts.n} values, median thread CPU of {opts.repeat} calls in turn "
          "(ratio = shandian / TA-Lib):")
    cases = array_cases(talib, high, low, close, volume)
    worst = 0.0
    for label, ours, theirs in cases:
        t_ours, t_ref = cpu_medians([ours, theirs], opts.repeat)
        worst = max(worst, t_ours / t_ref)
        print(f"  {label:12s} shandian {t_ours * 1e3:7.2f} ms   talib {t_ref * 1e3:7.2f} ms   "
              f"ratio {t_ours / t_ref:5.2f}")
    print(f"  worst ratio {worst:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
