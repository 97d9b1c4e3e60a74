"""Bar-input mode: the data are bars, agents get on_bar, orders are matched against the bars in C++.

The bars come from the streaming loaders' BarStream (vn.py dbbardata, bar CSV / Parquet, or bars built from a
tick source) as column chunks read by pointer in cpp/backtest/bar_feed.cpp; the fill rules are documented
there and in docs/backtest.md ("Bar-input mode"). Orders, ledgers, risk and fees are the tick mode's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shandian.backtest.config import BacktestSettings


def bar_inputs(settings: BacktestSettings, base: Path) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Return (front settings, extra _core.Engine.backtest arguments, the BarStream) of a bar-mode config."""
    from shandian.backtest.data import data_sources_from_config, open_bar_stream

    sources = data_sources_from_config(settings.data, base)
    stream = open_bar_stream(sources, settings.bar_interval, settings.start, settings.end,
                             settings.on_bad_data)
    front = {"symbols": list(stream.symbols), "queue": settings.queue, "initial_balance": settings.capital}
    options = {"bars": stream, "bar_interval": stream.interval, "slippage_ticks": settings.slippage_ticks}
    return front, options, stream
