"""One baseline measurement in a process of its own (clean peak RSS), printed as one JSON line.

``python -P -m shandian.bench.backtest_baseline_run LIBRARY MODE COUNT``: LIBRARY vnpy or backtrader;
MODE tick, bar, next or runonce; COUNT generator days for ticks, bars otherwise. The line holds events,
wall seconds of the replay alone, orders, trades, seconds spent building the library's objects, RSS once
everything is imported and peak RSS (VmHWM).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from shandian.bench.backtest_baselines import bar_file_chunks, generator_ticks, status_bytes

MODES = {"vnpy": ("tick", "bar"), "backtrader": ("next", "runonce")}


def measure(library: str, mode: str, count: int) -> dict[str, Any]:
    """Build the data, replay it through LIBRARY in MODE and return what it measured (in this process)."""
    if mode not in MODES.get(library, ()):
        raise ValueError(f"unknown baseline {library!r} {mode!r}: expected one of {MODES}")
    if library == "vnpy":
        from shandian.bench import backtest_vnpy as adapter
    else:
        from shandian.bench import backtest_backtrader as adapter  # type: ignore[no-redef]
    import pyarrow.parquet  # noqa: F401 -- imported before the RSS reference point, like the libraries

    import shandian.backtest.data  # noqa: F401
    from shandian.bench.backtest_bars import write_bar_file

    rss_imports = status_bytes("VmRSS")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shandian-bench-bt-") as tmp:
        if mode == "tick":
            data = adapter.tick_objects(generator_ticks(count))
        else:
            data = adapter.bar_objects(bar_file_chunks(write_bar_file(Path(tmp) / "bars.parquet", count)))
    convert_s = time.perf_counter() - t0
    out = adapter.run(mode, data)
    out.update(library=library, mode=mode, convert_s=convert_s, rss_imports=rss_imports,
               rss_peak=status_bytes("VmHWM"))
    return out


def main(argv: list[str]) -> int:
    """Run the measurement ARGV names (LIBRARY MODE COUNT) and print its result as one JSON line."""
    library, mode, count = argv
    print(json.dumps(measure(library, mode, int(count))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
