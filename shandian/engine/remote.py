"""The engine's command socket: what the dashboard (another process) asks of a running engine.

One JSON object per line on a Unix socket (mode 0600 in the pid file's 0700 directory: this user only),
one JSON answer per line. Commands are checked here, on the socket's thread (parameters with the agent's
own `validate_params`, so an invalid value is answered with its error and changes nothing), then applied
on the engine thread through the engine's control queue, where each is journaled (a `command` record
with its origin). The state itself is not served here: the engine publishes it in C++ (`open_snapshot`).

    {"cmd": "info"}                                   -> {"ok": true, "snapshot": ..., "journal": ..., ...}
    {"cmd": "params"}                                 -> {"ok": true, "params": {agent: {...}}}
    {"cmd": "set_params", "agent": A, "params": {..}, "origin": O}
    {"cmd": "halt" | "resume", "agent": A, "origin": O}
    {"cmd": "cancel", "agent": A, "order_id": N, "origin": O}
    {"cmd": "cancel_all", "agent": A | null, "origin": O}
    {"cmd": "kill", "flatten": false, "origin": O}
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from typing import Any

from shandian.agent import ParamError
from shandian.engine.codes import NO_AGENT, log
from shandian.errors import CommandError

__all__ = ["COMMANDS", "CommandError", "CommandServer", "apply_command"]

COMMANDS = ("info", "params", "set_params", "halt", "resume", "cancel", "cancel_all", "kill")
_MAX_LINE = 65536


def _agent(engine: Any, name: Any) -> Any:
    if not isinstance(name, str):
        raise CommandError(f"agent: {name!r} must be an agent's name")
    for agent in engine._agents:
        if agent.name == name:
            return agent
    raise CommandError(f"agent: no agent named {name!r}")


def _origin(request: dict[str, Any]) -> str:
    origin = request.get("origin", "socket")
    if not isinstance(origin, str) or not origin or len(origin) > 80:
        raise CommandError(f"origin: {origin!r} must be a text of 1..80 characters")
    return origin


def _journal(engine: Any, agent: Any, origin: str, text: str) -> None:
    """Journal the command on the engine thread (the journal's only producer)."""
    aid = engine._states[agent].agent_id if agent is not None else None
    engine._rt.journal_command(aid, f"origin={origin} {text}"[:190])


def apply_command(engine: Any, request: Any) -> dict[str, Any]:
    """Check and apply one command (any thread); the answer as a dict. CommandError for a bad command."""
    if not isinstance(request, dict):
        raise CommandError(f"a command must be a JSON object, not {type(request).__name__}")
    cmd = request.get("cmd")
    if cmd not in COMMANDS:
        raise CommandError(f"cmd: {cmd!r} must be one of {', '.join(COMMANDS)}")
    if cmd == "info":
        rt = engine._rt
        journal = rt.journal_stats() if rt is not None else None
        snapshot = getattr(engine, "_snapshot_path", None)
        return {"ok": True, "pid": os.getpid(), "snapshot": snapshot,
                "journal": journal["path"] if journal else None, "running": rt is not None,
                "agents": [a.name for a in engine._agents]}
    if cmd == "params":
        return {"ok": True, "params": {a.name: dict(a.params) for a in engine._agents}}
    if engine._rt is None:
        raise CommandError("the engine is not running yet")
    origin = _origin(request)
    if cmd == "set_params":
        agent = _agent(engine, request.get("agent"))
        updates = request.get("params")
        if not isinstance(updates, dict) or not updates:
            raise CommandError(f"params: {updates!r} must be a non-empty object of name -> value")
        try:
            full = engine.update_params(agent.name, **updates)
        except ParamError as e:
            raise CommandError(str(e)) from None
        text = "set_params " + json.dumps(updates, default=str, separators=(",", ":"))
        engine._on_engine_thread(lambda: _journal(engine, agent, origin, text))
        return {"ok": True, "params": full}
    if cmd in ("halt", "resume"):
        agent = _agent(engine, request.get("agent"))

        def apply_state() -> None:
            _journal(engine, agent, origin, cmd)
            state = "halted" if cmd == "halt" else "active"
            engine._risk.set_agent_state(engine._states[agent].agent_id, state)

        engine._on_engine_thread(apply_state)
        return {"ok": True}
    if cmd == "cancel":
        agent = _agent(engine, request.get("agent"))
        order_id = request.get("order_id")
        if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id < 0:
            raise CommandError(f"order_id: {order_id!r} must be an order id (integer >= 0)")

        def cancel_one() -> None:
            _journal(engine, agent, origin, f"cancel order={order_id}")
            engine._cancel_everything_of(engine._states[agent].agent_id, order_id)

        engine._on_engine_thread(cancel_one)
        return {"ok": True}
    if cmd == "cancel_all":
        name = request.get("agent")
        targets = [_agent(engine, name)] if name is not None else list(engine._agents)

        def cancel_all() -> None:
            _journal(engine, targets[0] if name is not None else None, origin, "cancel_all")
            for agent in targets:
                engine._cancel_everything_of(engine._states[agent].agent_id)
            if name is None:
                engine._cancel_everything_of(NO_AGENT)

        engine._on_engine_thread(cancel_all)
        return {"ok": True}
    flatten = request.get("flatten", False)
    if not isinstance(flatten, bool):
        raise CommandError(f"flatten: {flatten!r} must be true or false")

    def kill() -> None:
        _journal(engine, None, origin, f"kill flatten={str(flatten).lower()}")
        engine._kill_now(flatten, f"kill switch from {origin}")

    engine._on_engine_thread(kill)
    return {"ok": True}


class CommandServer:
    """Serves `apply_command` on a Unix socket, one daemon thread per connection.

    Each thread is blocked in the kernel, without the GIL, while idle.
    """

    def __init__(self, engine: Any, path: Path) -> None:
        self.engine = engine
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists():
            path.unlink()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket file is created 0600
        try:
            self._sock.bind(str(path))
        finally:
            os.umask(old)
        self._sock.listen(8)
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="shandian-commands", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting and remove the socket file."""
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        try:
            self.path.unlink()
        except OSError:
            pass

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="shandian-command-conn",
                             daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while True:
                line = reader.readline(_MAX_LINE + 1)
                if not line:
                    return
                try:
                    if len(line) > _MAX_LINE:
                        raise CommandError(f"a command is at most {_MAX_LINE} bytes")
                    answer = apply_command(self.engine, json.loads(line))
                except (CommandError, json.JSONDecodeError, UnicodeDecodeError) as e:
                    answer = {"ok": False, "error": str(e)}
                except Exception as e:  # an engine-side failure is answered, never kills the server
                    log.warning("command socket: %s: %s", type(e).__name__, e)
                    answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
                try:
                    conn.sendall(json.dumps(answer, default=str).encode() + b"\n")
                except OSError:
                    return
                if len(line) > _MAX_LINE:
                    return
