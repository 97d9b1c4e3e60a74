"""Process figures around one scenario: CPU time, RSS, voluntary / involuntary context switches.

CPU time and current RSS come from psutil when it imports (the ``bench`` extra). Context switches always
come from ``resource.getrusage(RUSAGE_SELF)``: it sums every thread of the process, finished ones
included, whereas psutil reads /proc/<pid>/status, which counts the main thread only and would miss the
producer and consumer threads a scenario starts. Without psutil, getrusage gives everything (peak RSS
instead of current). The source is recorded with the figures.
"""

from __future__ import annotations

import resource
import time
from typing import Any


def _sample() -> dict[str, Any]:
    """Read the current counters of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        import psutil
    except ImportError:
        return {
            "source": "resource.getrusage (psutil not installed)",
            "user_s": usage.ru_utime,
            "system_s": usage.ru_stime,
            "rss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB; this is the peak
            "rss_kind": "peak",
            "ctx_voluntary": usage.ru_nvcsw,
            "ctx_involuntary": usage.ru_nivcsw,
            "threads": None,
        }
    proc = psutil.Process()
    with proc.oneshot():
        cpu = proc.cpu_times()
        return {
            "source": f"psutil {psutil.__version__} + getrusage for context switches",
            "user_s": cpu.user,
            "system_s": cpu.system,
            "rss_bytes": proc.memory_info().rss,
            "rss_kind": "current",
            "ctx_voluntary": usage.ru_nvcsw,
            "ctx_involuntary": usage.ru_nivcsw,
            "threads": proc.num_threads(),
        }


class ProcessFigures:
    """Context manager: counters before and after a block; ``result`` holds the differences."""

    def __enter__(self) -> ProcessFigures:
        self.before = _sample()
        self.t0 = time.perf_counter()
        self.result: dict[str, Any] = {}
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.t0
        after = _sample()
        b = self.before
        cpu = (after["user_s"] - b["user_s"]) + (after["system_s"] - b["system_s"])
        self.result = {
            "source": after["source"],
            "wall_s": wall,
            "user_s": after["user_s"] - b["user_s"],
            "system_s": after["system_s"] - b["system_s"],
            "cpu_utilisation": cpu / wall if wall > 0 else None,  # 1.0 = one core busy
            "rss_bytes": after["rss_bytes"],
            "rss_kind": after["rss_kind"],
            "ctx_voluntary": after["ctx_voluntary"] - b["ctx_voluntary"],
            "ctx_involuntary": after["ctx_involuntary"] - b["ctx_involuntary"],
            "threads_after": after["threads"],
        }
