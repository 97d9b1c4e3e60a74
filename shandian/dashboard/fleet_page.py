"""The dashboard's fleet page: one row per engine of a `shandian fleet`, read from the fleet's own files.

The rows are `shandian.fleet.status_rows` (what `shandian fleet status` prints: supervisor state, pid,
uptime, restarts, the engine's status file, last error), computed in a worker thread at most every
`max_age_s` however many browsers poll, plus each engine's own dashboard address (its run config's
`[dashboard] listen`). Stop and restart are `shandian.fleet.stop_engine` / `restart_engine`: the same
files and signals as the `fleet` command, full token only, rate limited, noted in the engine's log with
their origin.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse

from shandian.config import load_dashboard_settings, parse_listen
from shandian.dashboard.auth import RateLimit, command_request
from shandian.errors import ConfigError
from shandian.fleet import EngineEntry, FleetConfig, restart_engine, status_rows, stop_engine

__all__ = ["FleetView", "add_fleet_routes", "engine_dashboard"]

_STATIC = Path(__file__).parent / "static"
_COMMANDS = ("stop", "restart")


def engine_dashboard(entry: EngineEntry) -> dict[str, Any] | None:
    """Where the engine's own dashboard listens ({host, port}), None when its config starts none."""
    try:
        listen = load_dashboard_settings(entry.config).listen
    except ConfigError:
        return None
    if not listen:
        return None
    host, port = parse_listen(listen)
    return {"host": host, "port": port}


class FleetView:
    """The fleet's rows, shared by every client, and its commands."""

    def __init__(self, fleet: FleetConfig, fleet_file: str | Path, max_age_s: float = 0.5) -> None:
        self.fleet = fleet
        self.fleet_file = str(fleet_file)
        self.max_age_s = max_age_s
        self.limit = RateLimit()
        self._rows: list[dict[str, Any]] = []
        self._at = float("-inf")
        self._lock = asyncio.Lock()
        self._processes: dict[int, Any] = {}  # psutil.Process per engine pid: CPU % since the last poll

    async def rows(self) -> list[dict[str, Any]]:
        """Return the rows, at most `max_age_s` old (one computation shared by concurrent requests)."""
        async with self._lock:
            if time.monotonic() - self._at >= self.max_age_s:
                self._rows = await asyncio.to_thread(self._read)
                self._at = time.monotonic()
            return self._rows

    def _read(self) -> list[dict[str, Any]]:
        rows = status_rows(self.fleet, self._processes)
        for row, entry in zip(rows, self.fleet.engines, strict=True):
            row["dashboard"] = engine_dashboard(entry)  # read each time: a restart may bring a new config
        return rows

    async def command(self, body: Any, origin: str) -> tuple[int, dict[str, Any]]:
        """Check a fleet command ({cmd: stop | restart, name}) and carry it out; (HTTP status, answer)."""
        if not isinstance(body, dict):
            return 400, {"ok": False, "error": "a command must be a JSON object"}
        cmd, name = body.get("cmd"), body.get("name")
        if cmd not in _COMMANDS:
            return 400, {"ok": False, "error": f"cmd: {cmd!r} must be one of {', '.join(_COMMANDS)}"}
        entry = next((e for e in self.fleet.engines if e.name == name), None)
        if entry is None:
            names = ", ".join(e.name for e in self.fleet.engines)
            return 400, {"ok": False, "error": f"name: {name!r} is not an engine of this fleet ({names})"}
        if not self.limit.allow():
            return 429, {"ok": False, "error": "too many commands: at most 5 per second"}
        _note(entry, f"fleet: {cmd} requested by {origin}")
        if cmd == "stop":
            result = await asyncio.to_thread(stop_engine, entry)
            ok = not result.startswith("still running")
            return (200 if ok else 504), {"ok": ok, "result": result}
        result, supervised = await asyncio.to_thread(restart_engine, self.fleet, entry)
        if not supervised:
            return 409, {"ok": False, "result": result,
                         "error": "no supervisor running: `shandian fleet up` starts it"}
        return 200, {"ok": True, "result": result}


def _note(entry: EngineEntry, text: str) -> None:
    """Append a line to the engine's log (where a person looks for why it stopped)."""
    entry.dir.mkdir(parents=True, exist_ok=True)
    with entry.log_file.open("a", encoding="utf-8") as f:
        f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}\n")


def add_fleet_routes(app: FastAPI, view: FleetView, engine_page: bool) -> None:
    """Serve the fleet page and its API on `app` (whose middleware checks the token and sets the role)."""

    @app.get("/fleet")
    async def fleet_page() -> FileResponse:
        return FileResponse(_STATIC / "fleet.html", media_type="text/html")

    @app.get("/static/fleet.js")
    async def fleet_js() -> FileResponse:
        return FileResponse(_STATIC / "fleet.js", media_type="text/javascript")

    @app.get("/api/fleet")
    async def fleet_state(request: Request) -> dict[str, Any]:
        return {"role": request.state.role, "fleet": view.fleet_file, "engine_page": engine_page,
                "time": time.time(), "engines": await view.rows()}

    @app.post("/api/fleet/command")
    async def fleet_command(request: Request) -> JSONResponse:
        checked = await command_request(request)
        if isinstance(checked, JSONResponse):
            return checked
        status, answer = await view.command(*checked)
        return JSONResponse(answer, status_code=status)
