"""Journal cost: tick → agent latency with the journal off and on, in alternating rounds.

    python bench/journal_overhead.py [--rounds 3] [--seconds 8] [--wait block|spin] [--cpu N] [--json F]

The agent records md callback (recv_ns) → Python on_tick entry, as the `tick_agent` scenario does, and
every 20th tick rests a far passive order and cancels the previous one, so the journal thread has order
requests, updates and cancels to commit while ticks flow. The knob is the config's journal setting
(`config.journal = JournalSettings(dir=...)`, off in `Config.local`); a harness flag only needs to set it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from array import array
from typing import Any

import shandian as sd
from shandian.agent import OrderRejected
from shandian.config import Config, JournalSettings
from shandian.engine import Engine
from shandian.histogram import Histogram

SYMBOLS = ["rb2505", "cu2502", "m2505"]


def one_run(journal_dir: str | None, seconds: float, warmup: int = 500, wait: str = "block",
            cpu: int | None = None, writer_priority: str = "batch") -> dict[str, Any]:
    """One engine run; returns the latency percentiles (ns) after `warmup` ticks and the journal stats."""
    stop: list[Any] = []
    window_ns = int(seconds * 1e9)

    class Probe(sd.Agent):
        """Latency probe that also keeps the journal busy with orders and cancels."""

        def on_start(self) -> None:
            self.lat = array("q")
            self.t_first = 0
            self.n = 0
            self.resting: int | None = None

        def on_tick(self, t: Any) -> None:
            now = time.monotonic_ns()
            self.lat.append(now - t.recv_ns)
            self.t_first = self.t_first or now
            self.n += 1
            if self.n % 20 == 0 and t.symbol == "rb2505" and t.bid_price1 > 0:
                if self.resting is not None:
                    self.cancel(self.resting)
                    self.resting = None
                with contextlib.suppress(OrderRejected):  # the risk engine's order rate, at worst
                    self.resting = self.buy("rb2505", t.bid_price1 - 60, 1)
            if now - self.t_first > window_ns and stop:
                stop.pop()("window done")

    journal = JournalSettings(dir=journal_dir, writer_priority=writer_priority) if journal_dir else None
    config = Config.local(name="journal-bench", speed=500, instruments=["rb", "cu", "m"], seed=42,
                          session="day", trading_day=20250102, journal=journal)
    config.engine.progress_interval = 3600.0
    config.engine.wait = wait
    config.engine.cpu = cpu  # engine thread alone on this CPU; front threads and the journal writer elsewhere
    engine = Engine(config, out=io.StringIO(), config_name="journal bench")
    probe = engine.add_agent(Probe("probe"), SYMBOLS)
    stop.append(engine.stop)
    report = engine.run(duration=seconds + 60)
    samples = [max(v, 0) for v in probe.lat][warmup:]
    h = Histogram.of(samples)
    return {"journal": bool(journal_dir), "ticks": len(samples), "p50_us": h.percentile(50) / 1e3,
            "p99_us": h.percentile(99) / 1e3, "p999_us": h.percentile(99.9) / 1e3,
            "orders": report.agents[0].orders if report.agents else None}


def main() -> int:
    """Alternate off/on rounds and print the per-mode medians of the p99s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--wait", default="block", choices=("block", "yield", "spin"))
    parser.add_argument("--cpu", type=int, default=None, help="engine.cpu (pin the engine thread alone)")
    parser.add_argument("--writer-priority", default="batch", choices=("idle", "batch", "normal"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    runs = []
    for _ in range(args.rounds):
        runs.append(one_run(None, args.seconds, wait=args.wait, cpu=args.cpu))
        with tempfile.TemporaryDirectory(prefix="shandian-journal-bench-") as d:
            runs.append(one_run(d, args.seconds, wait=args.wait, cpu=args.cpu,
                                writer_priority=args.writer_priority))
    print(f"wait={args.wait} engine.cpu={args.cpu} journal.writer_priority={args.writer_priority}")
    for r in runs:
        print(json.dumps(r))
    # Rounds alternate off/on, so each pair shares the machine's state of the moment: the median of the
    # pairs' on/off p99 ratios is less sensitive to a noisy neighbour than the ratio of the two medians.
    ratios = sorted(on["p99_us"] / off["p99_us"] for off, on in zip(runs[0::2], runs[1::2], strict=True))
    pairs = [round(r, 2) for r in ratios]
    print(f"paired p99 ratio on/off: median {ratios[len(ratios) // 2]:.3f}  (per pair: {pairs})")
    for mode in (False, True):
        p99 = sorted(r["p99_us"] for r in runs if r["journal"] == mode)
        p50 = sorted(r["p50_us"] for r in runs if r["journal"] == mode)
        print(f"journal {'on ' if mode else 'off'}: median p50 {p50[len(p50) // 2]:.1f} us, "
              f"median p99 {p99[len(p99) // 2]:.1f} us  (p99 per round: {[round(x, 1) for x in p99]})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(runs, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
