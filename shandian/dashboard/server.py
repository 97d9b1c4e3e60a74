"""The dashboard's FastAPI app: token-checked pages, state API, WebSocket push and commands.

Every request, the static files included, needs a token (see `auth`); a wrong or missing one gets 401
(a WebSocket is closed before it is accepted) and changes nothing. Commands need the full role, pass the
rate limit, and are forwarded to the engine with their origin (the engine journals them).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from shandian.dashboard.auth import RateLimit, Tokens, command_request
from shandian.dashboard.fleet_page import FleetView, add_fleet_routes
from shandian.dashboard.hub import Hub
from shandian.dashboard.link import EngineLink, JournalTail, open_snapshot
from shandian.errors import EngineLinkError
from shandian.fleet import load_fleet

__all__ = ["Dashboard", "create_app", "create_fleet_app", "token_of"]

log = logging.getLogger("shandian.dashboard")
_STATIC = Path(__file__).parent / "static"
_COMMANDS = ("set_params", "halt", "resume", "cancel", "cancel_all", "kill")


def _plotly_js() -> Path:
    """Return plotly.js as bundled by the `plotly` package (nothing is fetched from a CDN)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the plotly package is not installed (pip install 'shandian[dashboard]')")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def token_of(headers: Any, query: Any) -> str | None:
    """Return the token a request carries: Authorization: Bearer, X-Shandian-Token or ?token= (no cookie)."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return str(auth[7:].strip())
    return headers.get("x-shandian-token") or query.get("token")


class Dashboard:
    """The engine link, the hub and the poll loop of one dashboard."""

    def __init__(self, link: EngineLink, tokens: Tokens, hub: Hub | None = None) -> None:
        self.link = link
        self.tokens = tokens
        self.hub = hub or Hub()
        self.limit = RateLimit()
        self._snapshot: Any = None
        self._seen = 0  # the snapshot's publication count last read
        self._next_journal = 0.0  # the journal is read once per push period
        self._journal: JournalTail | None = None
        self.info: dict[str, Any] = {}

    async def _attach(self) -> None:
        """Ask the engine where its snapshot and journal are (retried until it publishes them)."""
        while self._snapshot is None:
            try:
                self.info = await asyncio.to_thread(self.link.request, {"cmd": "info"})
                path = self.info.get("snapshot")
                if path and Path(path).exists():
                    self._snapshot = open_snapshot(path)
                    params = await asyncio.to_thread(self.link.request, {"cmd": "params"})
                    self.hub.set_params(params.get("params", {}))
            except (EngineLinkError, ValueError) as e:
                log.debug("engine not reachable yet: %s", e)
            if self._snapshot is None:
                await asyncio.sleep(0.2)

    async def run(self) -> None:
        """Attach, then read the snapshot (and the journal) and push deltas, until cancelled."""
        await self._attach()
        await self.hub.run(self._read)

    async def _read(self) -> None:
        publishes = self._snapshot.publishes()
        if publishes != self._seen:  # nothing to do when the engine published nothing new
            snap = self._snapshot.read()
            if snap is not None:
                self._seen = publishes
                self.hub.apply_snapshot(snap)
        now = asyncio.get_running_loop().time()
        if now >= self._next_journal:
            self._next_journal = now + self.hub.min_interval_s
            await self._poll_journal()

    async def _poll_journal(self) -> None:
        if self._journal is None:
            path = self.info.get("journal")
            if not path:
                return
            try:
                self._journal = JournalTail(path)
            except Exception as e:  # sqlite3.Error: not created yet
                log.debug("journal not readable yet: %s", e)
                return
        records = await asyncio.to_thread(self._journal.poll)
        if records:
            self.hub.apply_journal(records)
            if any(r["kind"] == "param_change" for r in records):
                params = await asyncio.to_thread(self.link.request, {"cmd": "params"})
                self.hub.set_params(params.get("params", {}))

    async def command(self, body: Any, origin: str) -> tuple[int, dict[str, Any]]:
        """Check a command's shape and forward it; (HTTP status, answer)."""
        if not isinstance(body, dict):
            return 400, {"ok": False, "error": "a command must be a JSON object"}
        cmd = body.get("cmd")
        if cmd not in _COMMANDS:
            return 400, {"ok": False, "error": f"cmd: {cmd!r} must be one of {', '.join(_COMMANDS)}"}
        if not self.limit.allow():
            return 429, {"ok": False, "error": "too many commands: at most 5 per second"}
        message = {k: v for k, v in body.items() if k in ("cmd", "agent", "params", "order_id", "flatten")}
        message["origin"] = origin
        try:
            answer = await asyncio.to_thread(self.link.request, message)
        except EngineLinkError as e:
            return 503, {"ok": False, "error": str(e)}
        if answer.get("ok") and cmd == "set_params" and isinstance(answer.get("params"), dict):
            self.hub.set_params({**self.hub.sections["params"], str(body.get("agent")): answer["params"]})
        return (200 if answer.get("ok") else 400), answer


def _base_app(tokens: Tokens, lifespan: Any = None) -> FastAPI:
    """Return an app whose every request needs a token (401 otherwise; the role in `request.state.role`).

    It serves the style sheet the engine page and the fleet page share.
    """
    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    class TokenCheck(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            role = tokens.role(token_of(request.headers, request.query_params))
            if role is None:
                return JSONResponse({"ok": False, "error": "missing or wrong token"}, status_code=401)
            request.state.role = role
            response = await call_next(request)
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"  # the token in the URL stays here
            return response

    app.add_middleware(TokenCheck)

    @app.get("/static/page.css")
    async def page_css() -> FileResponse:
        return FileResponse(_STATIC / "page.css", media_type="text/css")

    return app


def create_fleet_app(fleet: FleetView, tokens: Tokens) -> FastAPI:
    """Build the app serving the fleet page alone (`shandian dashboard --fleet FLEET.toml`)."""
    app = _base_app(tokens)
    add_fleet_routes(app, fleet, engine_page=False)

    @app.get("/")
    async def index(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/fleet?{request.url.query}", status_code=307)

    return app


def create_app(dashboard: Dashboard, fleet: FleetView | None = None) -> FastAPI:
    """Build the FastAPI app serving one dashboard (and the fleet page when `fleet` is given)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(dashboard.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    tokens = dashboard.tokens
    app = _base_app(tokens, lifespan)
    if fleet is not None:
        add_fleet_routes(app, fleet, engine_page=True)

    @app.get("/")
    async def index() -> FileResponse:
        return FileResponse(_STATIC / "index.html", media_type="text/html")

    @app.get("/static/app.js")
    async def app_js() -> FileResponse:
        return FileResponse(_STATIC / "app.js", media_type="text/javascript")

    @app.get("/static/plotly.min.js")
    async def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    @app.get("/api/state")
    async def state(request: Request) -> dict[str, Any]:
        return {"role": request.state.role, **dashboard.hub.full()}

    @app.post("/api/command")
    async def command(request: Request) -> JSONResponse:
        checked = await command_request(request)
        if isinstance(checked, JSONResponse):
            return checked
        status, answer = await dashboard.command(*checked)
        return JSONResponse(answer, status_code=status)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        role = tokens.role(token_of(websocket.headers, websocket.query_params))
        if role is None:
            await websocket.close(code=4401, reason="missing or wrong token")
            return
        await websocket.accept()
        client = dashboard.hub.add_client(websocket.send_text, role)
        closed = asyncio.create_task(client.closed.wait())  # the hub gave up on it (too slow, send failed)
        try:
            while True:  # nothing is expected from the browser; this notices a close
                receive = asyncio.create_task(websocket.receive_text())
                done, _ = await asyncio.wait({receive, closed}, return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    receive.cancel()
                    break
                receive.result()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            dashboard.hub.remove_client(client)
            closed.cancel()
            with contextlib.suppress(Exception):
                await websocket.close()

    return app


def serve(socket_path: str | None, host: str, port: int, tokens: Tokens,
          fleet_file: str | None = None) -> None:
    """Run the dashboard until interrupted (uvicorn, access log off: URLs carry the token).

    `socket_path`: the engine's command socket; `fleet_file`: FLEET.toml for the fleet page (either or both).
    """
    import uvicorn

    fleet = FleetView(load_fleet(fleet_file), fleet_file) if fleet_file else None
    if socket_path is None:
        if fleet is None:
            raise ValueError("serve needs an engine socket or a fleet file")
        app = create_fleet_app(fleet, tokens)
    else:
        app = create_app(Dashboard(EngineLink(socket_path), tokens), fleet)
    # no permessage-deflate: compression runs per connection (its context is the client's own), so the same
    # delta would be compressed once per client; deltas are a few kB at <= 10/s
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                            ws_max_size=65536, ws_per_message_deflate=False, lifespan="on")
    server = uvicorn.Server(config)  # SIGTERM / SIGINT: uvicorn's own orderly exit
    os.environ.pop("SHANDIAN_DASHBOARD_TOKEN", None)
    os.environ.pop("SHANDIAN_DASHBOARD_READ_TOKEN", None)
    server.run()
