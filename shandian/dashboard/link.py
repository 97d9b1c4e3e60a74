"""The dashboard's view of one running engine: its command socket, its state snapshot and its journal."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from pathlib import Path
from typing import Any

from shandian import _core
from shandian.errors import EngineLinkError

__all__ = ["EngineLink", "EngineLinkError", "JournalTail"]

_TAIL_KINDS = ("trade", "command", "order_request", "param_change", "risk_decision", "agent_stopped")


class EngineLink:
    """Request/answer over the engine's command socket (one connection, reconnected when it drops)."""

    def __init__(self, socket_path: str | Path, timeout: float = 5.0) -> None:
        self.socket_path = str(socket_path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._conn: socket.socket | None = None
        self._reader: Any = None

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one command; return its answer (`ok` false when refused). EngineLinkError when unreachable."""
        data = json.dumps(message).encode() + b"\n"
        with self._lock:
            for attempt in (0, 1):
                try:
                    if self._conn is None:
                        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        conn.settimeout(self.timeout)
                        conn.connect(self.socket_path)
                        self._conn, self._reader = conn, conn.makefile("rb")
                    self._conn.sendall(data)
                    line = self._reader.readline()
                    if not line:
                        raise ConnectionError("the engine closed the command socket")
                    answer: dict[str, Any] = json.loads(line)
                    return answer
                except OSError as e:
                    self.close()
                    if attempt:
                        raise EngineLinkError(f"engine command socket {self.socket_path}: {e}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Drop the connection (the next request reconnects)."""
        if self._conn is not None:
            try:
                self._reader.close()
                self._conn.close()
            finally:
                self._conn = None
                self._reader = None


class JournalTail:
    """New journal records since the last call (read-only; the engine's writer is never blocked: WAL)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        row = self._db.execute("SELECT COALESCE(MAX(run), 0) FROM records").fetchone()
        self.run = int(row[0])  # this run's records only
        self._seq = 0

    def poll(self, limit: int = 2000) -> list[dict[str, Any]]:
        """Return the new records of interest (fills, commands, orders, param changes, refusals)."""
        marks = ",".join("?" * len(_TAIL_KINDS))
        rows = self._db.execute(
            f"SELECT seq, wall_ns, kind, agent_name, order_id, symbol, direction, offset, price, volume, "
            f"reject_code, text FROM records WHERE seq > ? AND run = ? AND kind IN ({marks}) "
            f"ORDER BY seq LIMIT ?", (self._seq, self.run, *_TAIL_KINDS, limit)).fetchall()
        if rows:
            self._seq = int(rows[-1]["seq"])
        return [dict(r) for r in rows]

    def close(self) -> None:
        """Close the read connection."""
        self._db.close()


def open_snapshot(path: str | Path) -> Any:
    """Open the engine's snapshot (`_core.SnapshotReader`); ValueError when the file is not one."""
    return _core.SnapshotReader(str(path))
