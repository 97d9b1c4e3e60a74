"""A demo engine (examples/demo.toml on the local front) running in a thread, with its command socket and
state snapshot, for the dashboard tests; and the dashboard app served by uvicorn on a free port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shandian.config import load_config
from shandian.dashboard.auth import Tokens
from shandian.dashboard.link import EngineLink
from shandian.dashboard.server import Dashboard, create_app
from shandian.engine import Engine
from shandian.engine.remote import CommandServer

ROOT = Path(__file__).resolve().parent.parent
TOKENS = Tokens("admin-token-for-tests-0123456789", "read-token-for-tests-0123456789")


@dataclass
class DemoRun:
    """The running engine and where to reach it."""

    engine: Engine
    socket: Path
    journal_dir: Path
    thread: threading.Thread


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    """Poll `predicate` until truthy (bounded); AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@contextlib.contextmanager
def demo_engine(tmp: Path, duration: float = 45.0) -> Iterator[DemoRun]:
    """Run the demo's agents on the local front; stop and join at exit."""
    config = load_config(ROOT / "examples" / "demo.toml")
    config.engine.progress_interval = 0
    config.journal.dir = str(tmp / "journal")
    engine = Engine(config, out=open(tmp / "engine.out", "w"))
    engine.publish_state(tmp / "run.snapshot", 50.0)
    server = CommandServer(engine, tmp / "run.sock")
    thread = threading.Thread(target=engine.run, kwargs={"duration": duration}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: engine._started_agents, 30, "the demo's agents to start")
        yield DemoRun(engine, server.path, tmp / "journal", thread)
    finally:
        engine.stop("test over")
        thread.join(30)
        server.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(run: DemoRun, tokens: Tokens = TOKENS, **hub: Any) -> Iterator[tuple[Dashboard, int]]:
    """The dashboard of `run`, served by uvicorn in a thread on 127.0.0.1."""
    import uvicorn

    from shandian.dashboard.hub import Hub

    dashboard = Dashboard(EngineLink(run.socket), tokens, hub=Hub(**hub) if hub else None)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(dashboard),
            host="127.0.0.1",
            port=port,
            access_log=False,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 20, "uvicorn to start")
        wait_for(lambda: dashboard.hub.publishes > 0, 20, "the first snapshot")
        yield dashboard, port
    finally:
        server.should_exit = True
        thread.join(10)
