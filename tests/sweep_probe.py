"""A deterministic sweep evaluation for tests: real statistics (build_result) of PnL seeded by the params.

Module-level so worker processes and Ray tasks import it by name (this directory is on their path).
"""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from shandian import Agent
from shandian.backtest.result import DAILY_DTYPE, TRADE_DTYPE, build_result


class Probe(Agent):
    """An agent declaring one param of each sweepable type."""

    params: ClassVar[dict[str, Any]] = {"window": 20, "lots": 1, "ratio": 0.5, "mode": "fast", "hedge": False}


class Other(Agent):
    """A second agent: shares `window`, has `depth` of its own."""

    params: ClassVar[dict[str, Any]] = {"window": 10, "depth": 3}


def evaluate_probe(config: str, params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Twenty days of PnL drawn from a generator seeded by the params; stats by build_result."""
    seed = zlib.crc32(repr(sorted((a, sorted(p.items())) for a, p in params.items())).encode())
    rng = np.random.default_rng(seed)
    probe = params.get("probe", {})
    drift = float(probe.get("window", 20)) * float(probe.get("lots", 1)) - 60.0
    pnl = rng.normal(drift, 200.0, 20)
    days = np.arange(20250101, 20250121, dtype=np.uint32)
    daily = np.zeros(20, DAILY_DTYPE)
    daily["trading_day"], daily["agent"], daily["net_pnl"] = days, "probe", pnl
    if probe.get("lots") == 99:
        raise ValueError("lots 99 is refused by this probe")
    result = build_result(np.zeros(0, TRADE_DTYPE), daily, capital=100_000.0, meta={})
    return {**result.stats, "trades_sha256": hashlib.sha256(result.daily.tobytes()).hexdigest()[:16]}


def worker_pid(config: str, params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The process a point ran in (to show where a sweep's points ran)."""
    return {"pid": os.getpid()}


def breakout_config(directory: Path) -> Path:
    """A one-day backtest config (3000 generator ticks of rb2505) with the Breakout agent named "breakout"."""
    path = directory / "optimize.toml"
    breakout = Path(__file__).resolve().parent.parent / "agents" / "breakout.py"
    path.write_text(f"""
[backtest]
start = "2025-01-02"
capital = 1_000_000.0
seed = 7

[[backtest.data]]
kind = "generator"
instruments = ["rb"]
seed = 42
days = 1
max_ticks = 3000

[[agents]]
name = "breakout"
class = "{breakout}:Breakout"
symbols = ["rb2505"]
params = {{ window = 10, lots = 1, cooldown_ticks = 2 }}
""")
    return path
