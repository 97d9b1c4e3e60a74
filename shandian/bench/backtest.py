"""The `backtest` scenario: replay + matching speed and memory of `shandian.backtest` (docs/backtest.md).

Each row runs a real backtest (cpp/backtest driving the local front's matching core, the live engine and
dispatcher) on the seeded generator's rb2505 day sessions (27 000 snapshots a day) and reports ticks (or
bars) per wall second: (1) no agent subscribed (replay + matching, no Python per tick); (2) a no-op Python
agent receiving every tick; (3) vn.py's trivial strategy, a limit order every 100 ticks; (4) 1-minute bars
built in C++ from the ticks into a dual-moving-average agent (incremental shandian.ta SMAs; bars/s counts
bars delivered, which here come from ticks), and the same agent on 1m bars read from Parquet in bar-input
mode (shandian/bench/backtest_bars.py); (5) peak RSS while
replaying a small and a 5x (quick) / 10x larger run, each in a fresh process (streaming: it should not
grow). Rows (3) and (4) compare with the optional vn.py and backtrader baselines on the same data
(shandian/bench/backtest_baselines.py), run alongside in the same harness run.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from shandian.bench.backtest_baselines import (
    BACKTRADER,
    BACKTRADER_BAR_RATE,
    VNPY,
    VNPY_BAR_RATE,
    VNPY_TICK_RATE,
)
from shandian.bench.scenarios import Context, Metric, Output, Scenario, register

TICKS_PER_DAY = 27_000  # rb2505's day session at 2 snapshots a second


def _rss_bytes() -> int:
    """Return the resident set size now (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _replay(days: int, agents: list[Any]) -> tuple[float, dict[str, Any], int]:
    """One backtest of `days` generator days: (wall seconds, counters, peak RSS sampled while it ran)."""
    from shandian.backtest import prepare

    peak = [_rss_bytes()]

    def sample(_: Any) -> None:
        peak[0] = max(peak[0], _rss_bytes())

    cfg = {"backtest": {"data": [{"kind": "generator", "instruments": ["rb"], "seed": 42, "days": days}]}}
    engine = prepare(cfg, agents=agents, progress=sample)
    t0 = time.perf_counter()
    engine.run()
    wall = time.perf_counter() - t0
    peak[0] = max(peak[0], _rss_bytes())
    return wall, engine.counters, peak[0]


_RSS_CHILD = """
import sys
from shandian.bench.backtest import _agents, _replay
wall, counters, _ = _replay(int(sys.argv[1]), [_agents()["noop"]("noop", {})])
peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(counters["ticks"], wall, peak)
"""


def _construction_seconds(days: int) -> float:
    """Return the wall seconds of building a backtest engine (rings, order tables): in every row's time."""
    from shandian.backtest import prepare

    cfg = {"backtest": {"data": [{"kind": "generator", "instruments": ["rb"], "seed": 42, "days": days}]}}
    engine = prepare(cfg, agents=[])
    t0 = time.perf_counter()
    engine._build()
    return time.perf_counter() - t0


def _rss_in_fresh_process(days: int) -> tuple[int, float, int]:
    """Ticks, wall seconds and peak RSS (VmHWM) of one no-op-agent backtest in a process of its own."""
    done = subprocess.run([sys.executable, "-P", "-c", _RSS_CHILD, str(days)], capture_output=True, text=True,
                          check=True, timeout=1800)
    ticks, wall, peak = done.stdout.split()[-3:]
    return int(ticks), float(wall), int(peak)


def _agents() -> dict[str, Any]:
    import shandian as sd
    from shandian import ta

    class NoOp(sd.Agent):
        """Receives every tick and does nothing."""

        def on_start(self) -> None:
            self.subscribe("rb2505")

        def on_tick(self, tick: sd.Tick) -> None:
            pass

    class EveryHundred(sd.Agent):
        """vn.py's trivial benchmark strategy: a limit order at the bid every 100 ticks (cancelled first)."""

        def on_start(self) -> None:
            self.subscribe("rb2505")
            self.n = 0
            self.working: int | None = None

        def on_tick(self, tick: sd.Tick) -> None:
            self.n += 1
            if self.n % 100:
                return
            if self.working is not None:
                self.cancel(self.working)
            self.working = self.buy("rb2505", tick.bid_price1, 1) if self.position("rb2505").long < 5 \
                else self.sell("rb2505", tick.ask_price1, 1)

    class DualMA(sd.Agent):
        """Dual moving average on 1-minute bars (incremental SMAs), one lot long or short."""

        params: ClassVar[dict[str, Any]] = {}

        def on_start(self) -> None:
            self.subscribe_bars("rb2505", "1m")
            self.fast, self.slow, self.bars = ta.SMA(5), ta.SMA(20), 0

        def on_bar(self, bar: sd.Bar) -> None:
            self.bars += 1
            fast, slow = self.fast.update(bar.close), self.slow.update(bar.close)
            if slow != slow:  # NaN while warming up
                return
            pos = self.position("rb2505")
            if fast > slow and pos.long == 0:
                self.buy("rb2505", bar.close + 5, 1)
            elif fast < slow and pos.long > 0:
                self.sell("rb2505", bar.close - 5, 1)

    return {"noop": NoOp, "every100": EveryHundred, "dual_ma": DualMA}


def _bar_input_row(n_bars: int, agent_class: Any) -> tuple[float, str]:
    """Bar-input mode: n_bars seeded 1m bars (Parquet) into the dual-MA agent; (bars/s, a note)."""
    import tempfile

    from shandian.bench.backtest_bars import run_bar_backtest, write_bar_file

    with tempfile.TemporaryDirectory() as tmp:
        path = write_bar_file(Path(tmp) / "bars.parquet", n_bars)
        agent = agent_class("dual_ma", {})
        wall, counters, trades = run_bar_backtest(path, agent)
    rate = agent.bars / wall
    return rate, (f"bar input: {agent.bars:,} bars over {counters['days']} trading days in {wall:.2f} s, "
                  f"{trades} fills (loader + C++ bar matching + one Python on_bar per bar)")


def run_backtest(ctx: Context) -> Output:
    """Run the five measurements at the context's size."""
    out = Output()
    days = ctx.size(4, 40)
    rss_days = (ctx.size(8, 37), ctx.size(40, 370))  # ~0.2 M / 1 M ticks quick; 1 M / 10 M full
    out.params = {"days": days, "ticks_per_day": TICKS_PER_DAY, "rss_days": rss_days}
    kinds = _agents()

    def rate_row(key: str, label: str, agents: list[Any], target: float, unit: str = "ticks/s",
                 compare_with: str | None = None) -> Any:
        # Quick runs last ~0.1 s, so one is at the mercy of the load: the median of three, fresh agents each.
        runs, walls = [], []
        for _ in range(ctx.size(3, 1)):
            wall, counters, _ = _replay(days, [type(a)(a.name, {}) for a in agents])
            runs.append(counters["ticks"] / wall)
            walls.append(wall)
        rate = statistics.median(runs)
        out.metrics.append(Metric(key, label, "rate", rate=rate, unit=unit, runs=runs,
                                  target=f">= {target / 1e6:g}M {unit}", target_met=rate >= target,
                                  compare_with=compare_with))
        return statistics.median(walls), counters

    wall, counters = rate_row("replay_no_agent", "replay + matching, no agent subscribed", [], 10e6)
    build = _construction_seconds(days)
    out.notes.append(f"engine construction {build * 1e3:.0f} ms (in each row's wall time): the no-agent "
                     f"replay without it {counters['ticks'] / max(1e-9, wall - build) / 1e6:.2f} M ticks/s")
    rate_row("noop_tick_agent", "no-op Python agent on every tick", [kinds["noop"]("noop", {})], 3e6)
    rate_row("order_every_100", "limit order every 100 ticks (vn.py's trivial strategy)",
             [kinds["every100"]("every100", {})], 2e6, compare_with=VNPY_TICK_RATE)
    agent = kinds["dual_ma"]("dual_ma", {})
    wall, counters, _ = _replay(days, [agent])
    bars_rate = agent.bars / wall
    out.metrics.append(Metric("dual_ma_bars", "1m bars (built from ticks) into a dual-MA agent", "rate",
                              rate=bars_rate, unit="bars/s", runs=[bars_rate],
                              target=">= 1M bars/s (bar input)", target_met=bars_rate >= 1e6))
    out.notes.append(f"dual-MA: {agent.bars} bars from {counters['ticks']} ticks in {wall:.2f} s "
                     f"({counters['ticks'] / wall / 1e6:.2f} M ticks/s incl. bar building)")
    bar_rate, bar_note = _bar_input_row(ctx.size(100_000, 1_000_000), kinds["dual_ma"])
    out.metrics.append(Metric("dual_ma_bar_input", "1m bars from Parquet (bar input) into a dual-MA agent",
                              "rate", rate=bar_rate, unit="bars/s", runs=[bar_rate],
                              target=">= 1M bars/s", target_met=bar_rate >= 1e6,
                              compare_with=(VNPY_BAR_RATE, BACKTRADER_BAR_RATE)))
    out.notes.append(bar_note)
    small_ticks, small_wall, small_rss = _rss_in_fresh_process(rss_days[0])
    large_ticks, large_wall, large_rss = _rss_in_fresh_process(rss_days[1])
    growth = large_rss / small_rss if small_rss else float("nan")
    out.metrics.append(Metric("rss_growth", f"peak RSS at {large_ticks / 1e6:.1f} M / "
                              f"{small_ticks / 1e6:.1f} M ticks (fresh processes)", "rate", rate=growth,
                              unit="x", runs=[growth], target="<= 1.1x", target_met=growth <= 1.1))
    out.notes.append(f"peak RSS {small_rss / 2**20:.0f} MiB at {small_ticks:,} ticks ({small_wall:.1f} s), "
                     f"{large_rss / 2**20:.0f} MiB at {large_ticks:,} ticks ({large_wall:.1f} s), each in a "
                     "process of its own")
    return out


register(Scenario(
    name="backtest",
    title="Backtest: replay + matching, Python tick agents, bars into a dual MA, RSS growth",
    run=run_backtest,
    requires=("_core.Engine",),
    baselines=(VNPY, BACKTRADER),
))
