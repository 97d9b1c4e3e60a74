"""Helpers to test agents against the local front (used by shandian's own tests; copy them for yours).

    report, engine = run_local([(MyAgent("a", {"lots": 1}), ["rb2505"])], duration=20, speed=20)

Every run gets a fresh local front instance (a unique name), so runs never share a book or a trading day.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from shandian.agent import Agent
from shandian.config import Config, EngineSettings
from shandian.engine import Engine
from shandian.report import RunReport

__all__ = ["kill_when_ready", "local_engine", "run_local"]

_counter = itertools.count(1)


def local_engine(
    agents: Iterable[tuple[Agent, Sequence[str]]],
    *,
    settings: EngineSettings | None = None,
    out: TextIO | None = None,
    **front: Any,
) -> Engine:
    """Build an engine on a fresh local front instance (defaults: rb, 20x clock, seed 7, fast queries)."""
    front.setdefault("instruments", ["rb"])
    front.setdefault("speed", 20)
    front.setdefault("seed", 7)
    front.setdefault("trading_day", 20250102)
    front.setdefault("query_interval_ms", 100)
    name = f"test-{os.getpid()}-{next(_counter)}"
    engine_settings = settings or EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0)
    config = Config.local(name=name, engine=engine_settings, **front)
    engine = Engine(config, out=out, config_name=f"<test {name}>")
    for agent, symbols in agents:
        engine.add_agent(agent, symbols)
    return engine


def run_local(
    agents: Iterable[tuple[Agent, Sequence[str]]],
    duration: float = 30.0,
    *,
    settings: EngineSettings | None = None,
    **front: Any,
) -> tuple[RunReport, Engine]:
    """Run agents on a fresh local front for at most `duration` seconds; returns (report, engine)."""
    engine = local_engine(agents, settings=settings, **front)
    report = engine.run(duration=duration)
    return report, engine


def other_threads() -> list[int]:
    """Native ids of this process's threads other than the calling one (Linux /proc): session threads."""
    import threading

    me = threading.get_native_id()
    return [int(tid) for tid in os.listdir(f"/proc/{os.getpid()}/task") if int(tid) != me]


def kill_when_ready(argv: Sequence[str], log: TextIO, *, timeout: float = 60.0) -> None:
    """Run a child process that prints READY when its state is durable, then SIGKILL it (a crash).

    AssertionError when it never gets ready within `timeout` s or exits by itself; stderr goes to `log`.
    """
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=log, text=True)
    ready = threading.Event()

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "READY":
                ready.set()

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    try:
        assert ready.wait(timeout), f"{argv[1:]} never got ready (log {log.name})"
        assert proc.poll() is None, f"{argv[1:]} exited by itself (rc {proc.returncode})"
    finally:
        proc.kill()  # SIGKILL: no stop, no cancels, the journal's last records as the crash left them
        proc.wait(30)
        reader.join(5)
