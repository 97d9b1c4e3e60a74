"""State -> WebSocket deltas: one poller, a coalescing slot per client.

The poller reads the engine's snapshot (every `poll_s`; nothing happens when no new one was published)
and the journal tail, turns them into sections (overview, agents, instruments, params) and series
(prices, PnL, fills, commands), and offers each client a delta: the sections that changed and the new
series points. A client's pending delta is one merged dict, not a queue: a client that reads slowly gets
fewer, larger deltas, at most one per `min_interval_s` (10/s); one whose backlog of series points passes
`max_points` is sent a full state instead; one whose socket does not take a message within
`send_timeout_s` is closed. Memory per client is bounded and nothing waits on a client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["Client", "Hub", "sections_of"]

_HOUSE = "__shandian__"
_SERIES = ("prices", "pnl", "fills", "commands", "marks")


def sections_of(snap: dict[str, Any], ticks_per_s: float) -> dict[str, Any]:
    """Return the page sections of one snapshot (agents and instruments keyed by name)."""
    names = {a["id"]: a["name"] for a in snap["agents"]}
    agents: dict[str, Any] = {}
    for a in snap["agents"]:
        if a["name"] == _HOUSE:
            continue
        agents[a["name"]] = {k: v for k, v in a.items() if k not in ("id", "name")} | {
            "positions": [], "working": []}
    for p in snap["positions"]:
        name = names.get(p["agent"])
        if name in agents:
            agents[name]["positions"].append({k: v for k, v in p.items() if k != "agent"})
    for o in snap["orders"]:
        name = names.get(o["agent"])
        if name in agents:
            agents[name]["working"].append({k: v for k, v in o.items() if k != "agent"})
    keys = ("trader_state", "md_state", "trading_day", "trading_ready", "account_state", "killed", "account",
            "stats", "latency_ns", "refusals", "wall_ns", "orders_total", "positions_total")
    overview = {k: snap[k] for k in keys}
    overview["ticks_per_s"] = round(ticks_per_s, 1)
    overview["agent_states"] = {n: a["state"] for n, a in agents.items()}
    instruments = {i["symbol"]: {k: v for k, v in i.items() if k != "symbol"} for i in snap["instruments"]}
    return {"overview": overview, "agents": agents, "instruments": instruments}


class Client:
    """One WebSocket's pending delta and its send pacing."""

    def __init__(self, send: Callable[[str], Any], min_interval_s: float, max_points: int,
                 send_timeout_s: float) -> None:
        self._send = send
        self.min_interval_s = min_interval_s
        self.max_points = max_points
        self.send_timeout_s = send_timeout_s
        self.pending: dict[str, Any] | None = None
        self.points = 0
        self.resync = False
        self.sent = 0
        self.closed = False
        self._ready = asyncio.Event()

    def offer(self, delta: dict[str, Any]) -> None:
        """Merge a delta into the pending one (sections replace per key, series points append)."""
        if self.resync:
            return
        pending = self.pending if self.pending is not None else {}
        for key, value in delta.items():
            if key in _SERIES:
                pending.setdefault(key, []).extend(value)
                self.points += len(value)
            elif isinstance(value, dict) and isinstance(pending.get(key), dict):
                pending[key].update(value)
            elif isinstance(value, dict):
                pending[key] = dict(value)  # this client's own copy: later offers update it in place
            else:
                pending[key] = value
        if self.points > self.max_points:  # too far behind: a full state replaces the backlog
            self.resync, self.pending, self.points = True, None, 0
        else:
            self.pending = pending
        self._ready.set()

    async def pump(self, full: Callable[[], dict[str, Any]]) -> None:
        """Send pending deltas (at most one per min_interval_s) until the socket fails or is too slow."""
        last = 0.0
        while not self.closed:
            await self._ready.wait()
            self._ready.clear()
            wait = last + self.min_interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.resync:
                message: dict[str, Any] = {"type": "full", **full()}
                self.resync = False
                self.pending, self.points = None, 0
            elif self.pending is not None:
                message = {"type": "delta", **self.pending}
                self.pending, self.points = None, 0
            else:
                continue
            message["sent_wall_ns"] = time.time_ns()
            try:
                await asyncio.wait_for(self._send(json.dumps(message, separators=(",", ":"))),
                                       self.send_timeout_s)
            except TimeoutError:
                self.closed = True
                raise
            self.sent += 1
            last = time.monotonic()


class Hub:
    """The current state, its short history, and the connected clients."""

    def __init__(self, history: int = 2000, min_interval_s: float = 0.1, max_points: int = 5000,
                 send_timeout_s: float = 5.0) -> None:
        self.sections: dict[str, Any] = {"overview": {}, "agents": {}, "instruments": {}, "params": {}}
        self.series: dict[str, deque[Any]] = {k: deque(maxlen=history) for k in _SERIES}
        self.clients: set[Client] = set()
        self.min_interval_s = min_interval_s
        self.max_points = max_points
        self.send_timeout_s = send_timeout_s
        self.publishes = 0
        self._last_ticks: tuple[int, int] | None = None  # (ticks, mono_ns) of the previous snapshot
        self._ticks_per_s = 0.0
        self._next_rate_ns = 0

    def full(self) -> dict[str, Any]:
        """Return the whole state and history (a new client's first message)."""
        return {**self.sections, **{k: list(v) for k, v in self.series.items()}}

    def add_client(self, send: Callable[[str], Any]) -> Client:
        """Register a client; its first delivery is the full state."""
        client = Client(send, self.min_interval_s, self.max_points, self.send_timeout_s)
        client.resync = True
        client._ready.set()
        self.clients.add(client)
        return client

    def remove_client(self, client: Client) -> None:
        """Forget a client (its socket closed)."""
        client.closed = True
        self.clients.discard(client)

    def broadcast(self, delta: dict[str, Any]) -> None:
        """Offer a delta to every client (never waits)."""
        if delta:
            for client in self.clients:
                client.offer(delta)

    def apply_snapshot(self, snap: dict[str, Any]) -> dict[str, Any]:
        """Fold a new snapshot in; return (and broadcast) the delta."""
        self.publishes = snap["publishes"]
        ticks, mono = snap["stats"]["ticks"], snap["mono_ns"]
        if self._last_ticks is None:
            self._last_ticks, self._next_rate_ns = (ticks, mono), mono + 1_000_000_000
        elif mono >= self._next_rate_ns:  # ticks/s over about a second
            t0, m0 = self._last_ticks
            self._ticks_per_s = (ticks - t0) * 1e9 / max(1, mono - m0)
            self._last_ticks, self._next_rate_ns = (ticks, mono), mono + 1_000_000_000
        new = sections_of(snap, self._ticks_per_s)
        delta: dict[str, Any] = {}
        for key in ("overview", "agents", "instruments"):
            old = self.sections[key]
            if key == "overview":
                if new[key] != old:
                    delta[key] = new[key]
            else:
                changed = {name: value for name, value in new[key].items() if old.get(name) != value}
                if changed:
                    delta[key] = changed
            self.sections[key] = new[key]
        t = snap["wall_ns"] // 1_000_000
        prices = [[sym, t, i["last"], i["bid"], i["ask"]] for sym, i in new["instruments"].items()]
        pnl = [[name, t, round(a["realized_pnl"] + a["unrealized_pnl"] - a["commission"], 2)]
               for name, a in new["agents"].items()]
        for key, points in (("prices", prices), ("pnl", pnl)):
            if points:
                self.series[key].extend(points)
                delta[key] = points
        delta["publishes"] = self.publishes
        delta["wall_ns"] = snap["wall_ns"]
        self.broadcast(delta)
        return delta

    def apply_journal(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Fold new journal records in (fills, commands, order marks); return (and broadcast) the delta."""
        delta: dict[str, list[Any]] = {}
        for r in records:
            t = r["wall_ns"] // 1_000_000
            if r["kind"] == "trade":
                item: Any = {"t": t, "agent": r["agent_name"], "symbol": r["symbol"],
                             "direction": r["direction"], "offset": r["offset"], "price": r["price"],
                             "volume": r["volume"]}
                key = "fills"
            elif r["kind"] == "order_request":
                item = [r["symbol"], t, r["price"], r["direction"], r["agent_name"]]
                key = "marks"
            else:
                item = {"t": t, "kind": r["kind"], "agent": r["agent_name"], "text": r["text"],
                        "code": r["reject_code"]}
                key = "commands"
            self.series[key].append(item)
            delta.setdefault(key, []).append(item)
        self.broadcast(delta)
        return delta

    def set_params(self, params: dict[str, Any]) -> None:
        """Take new parameter sets from the engine."""
        changed = {k: v for k, v in params.items() if self.sections["params"].get(k) != v}
        self.sections["params"] = dict(params)
        if changed:
            self.broadcast({"params": changed})
