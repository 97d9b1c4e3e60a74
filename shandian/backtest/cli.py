"""`shandian backtest CONFIG`: run one backtest with a progress line, print the report, write the files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from shandian.backtest.engine import Progress
from shandian.errors import ConfigError


def progress_line(p: Progress) -> str:
    """`day 2025-01-03 10:31:02  1.2 M ticks  3.4 M ticks/s  ETA 4 s` (ETA when the day count is known)."""
    day = f"{p.trading_day[:4]}-{p.trading_day[4:6]}-{p.trading_day[6:]}" if len(p.trading_day) == 8 else "-"
    secs = (p.sim_time_ms // 1000) % 86400
    clock = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    eta = f"  ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
    days = f"  day {p.days_done + 1}/{p.days_total}" if p.days_total else ""
    return (f"{day} {clock}{days}  {p.ticks / 1e6:.2f} M ticks  {p.ticks_per_s / 1e6:.2f} M ticks/s"
            f"  {p.elapsed_s:.1f} s{eta}")


def main(config: str, *, start: str | None = None, end: str | None = None, out: str | None = None,
         plot: bool = True, quiet: bool = False, stream: TextIO | None = None) -> int:
    """Run CONFIG, print the report; write trades/daily CSV and the PNG into `out` (or the config's)."""
    from shandian.backtest import runner
    from shandian.backtest.config import load_backtest_config

    stream = stream if stream is not None else sys.stderr
    try:
        cfg = load_backtest_config(config)
    except ConfigError as e:
        print(f"shandian backtest: {e}", file=sys.stderr)
        return 2

    def show(p: Progress) -> None:
        print("\r" + progress_line(p), end="", file=stream, flush=True)

    try:
        result = runner.run(cfg, start=start, end=end, progress=None if quiet else show)
    except ConfigError as e:
        print(f"\nshandian backtest: {e}", file=sys.stderr)
        return 2
    if not quiet:
        print("", file=stream)
    from shandian.backtest import output

    out_dir = Path(out) if out else cfg.backtest.out
    print(output.format_report(result, ("ticks", "days", "wall_seconds")))
    for name, counts in sorted(result.meta.get("activity", {}).items()):
        print(f"{name}: " + ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in counts.items()))
    try:
        paths = output.write_result(result, out_dir, plot=plot)
    except (OSError, RuntimeError) as e:  # an unwritable directory; matplotlib missing (the backtest extra)
        print(f"shandian backtest: {e}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0
