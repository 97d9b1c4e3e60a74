"""A running engine's status as a small JSON file, for `shandian fleet status` and the notification sidecar.

The snapshot is taken on the engine thread (one closure per interval through the engine's control queue,
run at its housekeeping tick: reading the C++ books from any other thread would race the engine), and
written by a helper thread (the file write and JSON encoding stay off the engine thread). The file is
replaced atomically (write + rename), so a reader never sees half of it.

Fields: pid, time (wall clock), started (wall clock), ready (agents started), trader / md session states,
ticks, ticks_per_s (over the last interval), orders, fills, rejects, pnl (realized - commission +
unrealized, all agents), risk_state (the account's: active / reducing / halted), killed, agents
({name: status}: running, failed: ..., stopped: ...), errors (the report's error lines so far).
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["StatusWriter", "process_alive", "read_status", "snapshot"]


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists and has not exited (a zombie waiting to be reaped has exited)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def snapshot(engine: Any) -> dict[str, Any]:
    """Return Engine.status() with this process's pid and the wall clock (engine thread only)."""
    return {"pid": os.getpid(), "time": time.time(), **engine.status()}


def read_status(path: str | Path) -> dict[str, Any] | None:
    """Return the last status written to `path` (None when there is none or it cannot be read)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class StatusWriter:
    """Asks the engine for a snapshot every `interval` seconds and writes it to `path`."""

    def __init__(self, engine: Any, path: str | Path, interval: float = 1.0) -> None:
        self.engine = engine
        self.path = Path(path)
        self.interval = interval
        self.started = time.time()
        self._snapshots: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="shandian-status", daemon=True)
        self._last: tuple[float, int] | None = None

    def start(self) -> None:
        """Start the helper thread (before `engine.run()`: it waits for the engine to run)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the helper thread and remove the file (the engine is gone: nothing to report)."""
        self._stop.set()
        self._thread.join(timeout=2 * self.interval + 1)
        try:
            self.path.unlink()
        except OSError:
            pass

    def _request(self) -> None:
        def take() -> None:
            self._snapshots.put(snapshot(self.engine))

        try:
            self.engine.on_engine_thread(take)
        except RuntimeError:  # not running yet (or any more)
            pass

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._request()
            try:
                snap = self._snapshots.get(timeout=self.interval)
            except queue.Empty:
                continue
            while not self._snapshots.empty():  # only the newest counts
                snap = self._snapshots.get_nowait()
            self._write(snap)

    def _write(self, snap: dict[str, Any]) -> None:
        now, ticks = snap["time"], snap["ticks"]
        rate = 0.0
        if self._last is not None and now > self._last[0]:
            rate = (ticks - self._last[1]) / (now - self._last[0])
        self._last = (now, ticks)
        snap["ticks_per_s"] = round(rate, 1)
        snap["started"] = self.started
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(snap), encoding="utf-8")
        os.replace(tmp, self.path)
