"""run(): one backtest from a config (path or dict) to a BacktestResult (shandian.backtest.result).

Deterministic: the same config and data give byte-identical trades and statistics (event time only, seeded
latency draws, agents in config order). `params` overrides agents' params by agent name (sweeps).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shandian.agent import Agent
from shandian.backtest.config import (
    BacktestConfig,
    front_settings,
    load_backtest_config,
    load_rates,
    replays_natively,
    resolve_paths,
)
from shandian.backtest.engine import BacktestEngine, Progress
from shandian.config import ConfigError


def _with_overrides(cfg: BacktestConfig, start: str | None, end: str | None,
                    params: Mapping[str, Mapping[str, Any]] | None) -> BacktestConfig:
    # Copies of what a run changes (the config may be reused, e.g. by a sweep); secrets are not copyable.
    run_cfg = dataclasses.replace(cfg.run, agents=[dataclasses.replace(a, params=dict(a.params))
                                                   for a in cfg.run.agents],
                                  engine=dataclasses.replace(cfg.run.engine))
    cfg = BacktestConfig(run=run_cfg, backtest=dataclasses.replace(cfg.backtest, data=[dict(d) for d in
                                                                                        cfg.backtest.data]),
                         path=cfg.path)
    if start is not None:
        cfg.backtest.start = str(start)
    if end is not None:
        cfg.backtest.end = str(end)
    names = {a.name for a in cfg.run.agents}
    for name, values in (params or {}).items():
        if name not in names:
            known = ", ".join(sorted(names))
            raise ConfigError(f"params.{name}", f"no agent named {name!r} (agents: {known})")
        for spec in cfg.run.agents:
            if spec.name == name:
                spec.params = {**spec.params, **dict(values)}
    return cfg


def prepare(config: str | Path | Mapping[str, Any] | BacktestConfig, *, agents: Sequence[Agent] | None = None,
            start: str | None = None, end: str | None = None,
            params: Mapping[str, Mapping[str, Any]] | None = None,
            progress: Callable[[Progress], None] | None = None) -> BacktestEngine:
    """Build (not run) the BacktestEngine of a config: what run() runs; benches drive it directly."""
    cfg = config if isinstance(config, BacktestConfig) else load_backtest_config(config)
    cfg = _with_overrides(cfg, start, end, params)
    base = cfg.path.resolve().parent if cfg.path is not None else cfg.run.base_dir
    resolve_paths(cfg.backtest, base)
    chunks: Any = None
    core_options: dict[str, Any] = {}
    data_counts: Any = None
    if cfg.backtest.mode == "bar":
        from shandian.backtest.bars import bar_inputs

        front, core_options, bar_stream = bar_inputs(cfg.backtest, base)
        data_counts = bar_stream.counts
    elif replays_natively(cfg.backtest):
        front = front_settings(cfg.backtest)
    else:  # the streaming loaders (vn.py SQLite, Parquet, several sources merged): column chunks into C++
        from shandian.backtest.data import data_sources_from_config, open_tick_stream

        sources = data_sources_from_config(cfg.backtest.data, base)
        chunks = open_tick_stream(sources, cfg.backtest.start, cfg.backtest.end, cfg.backtest.on_bad_data)
        front = {"symbols": list(chunks.symbols), "queue": cfg.backtest.queue,
                 "initial_balance": cfg.backtest.capital}
    rates = load_rates(cfg.backtest.instruments_csv) if cfg.backtest.instruments_csv is not None else []
    run_cfg = cfg.run
    if agents is not None:
        run_cfg.agents = []
    run_cfg.engine.progress_interval = 0
    # The engine's own timer (parameter updates, controls, progress) in event time: once a simulated minute,
    # not once per snapshot (a Python call per tick would cost more than the replay itself).
    run_cfg.engine.housekeeping_ms = 60_000.0
    if cfg.backtest.mode == "bar":  # a simulated minute is a bar: once an hour keeps it off the per-bar path
        run_cfg.engine.housekeeping_ms = 3_600_000.0
    engine = BacktestEngine(run_cfg, cfg.backtest, front, rates=rates, progress=progress, chunks=chunks,
                            core_options=core_options)
    engine.data_counts = data_counts if chunks is None else chunks.counts  # type: ignore[attr-defined]
    for agent in agents or ():
        engine.add_agent(agent, getattr(agent, "symbols", ()) or ())
    engine._bt_config = cfg  # type: ignore[attr-defined]
    return engine


def run(config: str | Path | Mapping[str, Any] | BacktestConfig, *, agents: Sequence[Agent] | None = None,
        start: str | None = None, end: str | None = None,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        progress: Callable[[Progress], None] | None = None) -> Any:
    """Run one backtest and return its BacktestResult (trades, daily, equity, stats, agent_stats, meta)."""
    from shandian.backtest.result import DAILY_DTYPE, TRADE_DTYPE, build_result

    engine = prepare(config, agents=agents, start=start, end=end, params=params, progress=progress)
    cfg: BacktestConfig = engine._bt_config  # type: ignore[attr-defined]
    wall0 = time.monotonic()
    report = engine.run()
    wall = time.monotonic() - wall0
    trades = np.array(engine.trade_rows, dtype=TRADE_DTYPE)
    daily = np.array(engine.daily_rows, dtype=DAILY_DTYPE)
    counters = engine.counters
    meta: dict[str, Any] = {
        "config": str(cfg.path) if cfg.path is not None else "<dict>",
        "params": {a.name: dict(a.params) for a in cfg.run.agents},
        "seed": cfg.backtest.seed,
        "capital": cfg.backtest.capital,
        "ticks": counters.get("ticks", 0),
        "ticks_forwarded": counters.get("ticks_forwarded", 0),
        "days": counters.get("days", 0),
        "wall_seconds": wall,
        "errors": list(report.errors) if hasattr(report, "errors") else [],
        "data_counts": dataclasses.asdict(engine.data_counts) if engine.data_counts is not None else {},  # type: ignore[attr-defined]
        "multipliers": {str(s): engine.instrument(str(s)).volume_multiple for s in set(trades["symbol"])},
        "activity": _activity(report, trades),
    }
    return build_result(trades, daily, capital=cfg.backtest.capital, meta=meta)


def _activity(report: Any, trades: np.ndarray) -> dict[str, dict[str, int]]:
    """Per agent: orders, cancels, fills, refusals (the engine's counters) and the largest net position."""
    out: dict[str, dict[str, int]] = {}
    for a in getattr(report, "agents", []):
        mine = trades[trades["agent"] == a.name]
        largest = 0
        for symbol in sorted(set(mine["symbol"])):
            rows = mine[mine["symbol"] == symbol]
            signed = np.where(rows["direction"] == "buy", rows["volume"], -rows["volume"])
            if len(signed):
                largest = max(largest, int(np.abs(np.cumsum(signed)).max()))
        out[a.name] = {"orders": a.orders, "cancels": a.cancels, "fills": a.fills,
                       "refused": sum(a.rejects.values()), "max_position": largest}
    return out
