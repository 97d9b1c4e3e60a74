"""Python calls per tick on the engine thread for one sync agent: a load-independent view of the tick path.

    python bench/dispatch_calls.py [--seconds 3]

Latency percentiles on a shared 2-core box swing by 10× between runs; the number of Python-level function
calls (and C calls) the dispatcher makes per delivered tick does not. Run it on two checkouts (or before and
after a change to shandian/engine/) to show whether the sync agents' tick path changed: the calls made in
engine/dispatch.py and the C calls, per tick, and the calls per batch of `on_batch` / `_on_ticks`.
"""

from __future__ import annotations

import argparse
import collections
import sys
from typing import Any

import shandian as sd
from shandian.testing import run_local


class Sink(sd.Agent):
    """Counts ticks; starts the profiler once running (set-up and login are not the tick path)."""

    profiler: Any = None

    def on_start(self) -> None:
        """Start counting and profiling."""
        self.n = 0
        sys.setprofile(self.profiler)

    def on_tick(self, t: sd.Tick) -> None:
        """Count the tick (the cheapest possible agent)."""
        self.n += 1


def main() -> int:
    """Run the sink on the local front under the profiler; print the calls per tick."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    calls: collections.Counter[str] = collections.Counter()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and "shandian" in frame.f_code.co_filename:
            calls[f"{frame.f_code.co_filename.split('shandian/')[-1]}:{frame.f_code.co_name}"] += 1
        elif event == "c_call":
            calls["<C>"] += 1

    agent = Sink("sink")
    agent.profiler = profile
    report, _ = run_local([(agent, ["rb2505"])], duration=args.seconds, speed=40, instruments=["rb"])
    sys.setprofile(None)
    dispatch = sum(v for k, v in calls.items() if k.startswith("engine/dispatch.py"))
    print(f"ticks {agent.n}  batches {report.batches}")
    print(f"engine/dispatch.py Python calls per tick {dispatch / max(agent.n, 1):.2f}")
    print(f"C calls per tick (whole engine thread) {calls['<C>'] / max(agent.n, 1):.2f}")
    for name in ("engine/dispatch.py:on_batch", "engine/dispatch.py:_on_ticks"):
        print(f"{name} {calls.get(name, 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
