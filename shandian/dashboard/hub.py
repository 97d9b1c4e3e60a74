"""State -> WebSocket deltas: one reader, one coalesced delta, one pusher for all clients.

The dashboard reads the engine's snapshot every poll (nothing happens when no new one was published) and
the journal tail, turns them into sections (overview, agents, instruments, params) and series (prices,
PnL, fills, commands), merges what changed into one pending delta, and pushes it at most once per
`min_interval_s` (10/s): serialised once, the same text to every client. The dashboard's work does not
grow with its clients beyond handing bytes to their sockets; memory per client is bounded (one message
in flight) and nothing waits on a client (see `Hub`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
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
    """One WebSocket: its role, the one message in flight, and whether its next message is the full state."""

    def __init__(self, send: Callable[[str], Any], role: str, send_timeout_s: float) -> None:
        self._send = send
        self.role = role
        self.send_timeout_s = send_timeout_s
        self.resync = True  # a new client's first message is the full state
        self.sent = 0
        self.missed = 0  # deltas that found this client still sending (each turned into a resync)
        self.closed = asyncio.Event()
        self._inflight: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """True while the previous message is still being handed to the socket."""
        return self._inflight is not None and not self._inflight.done()

    def deliver(self, text: str) -> None:
        """Start sending one message (never waits; the caller checked `busy`)."""
        self._inflight = asyncio.ensure_future(self._deliver(text))

    async def _deliver(self, text: str) -> None:
        try:
            await asyncio.wait_for(self._send(text), self.send_timeout_s)
        except Exception:  # too slow (TimeoutError) or the socket failed: this client is done
            self.closed.set()
            return
        self.sent += 1


class Hub:
    """The current state, its short history, the delta not pushed yet, and the connected clients.

    One pusher serves all clients: once per `min_interval_s` (10/s) it takes the coalesced delta,
    serialises it once and hands the same text to every client. A client still sending the
    previous message skips this one and gets the full state once its socket takes messages again (memory
    per client: one message in flight); one whose socket does not take a message within `send_timeout_s`
    is closed. When the pending delta's series points pass `max_points` (the pusher starved) it is
    dropped and every client gets the full state instead. Nothing is serialised while no client is
    connected, and nothing waits on a client.
    """

    def __init__(self, history: int = 2000, min_interval_s: float = 0.1, max_points: int = 5000,
                 send_timeout_s: float = 5.0) -> None:
        self.sections: dict[str, Any] = {"overview": {}, "agents": {}, "instruments": {}, "params": {}}
        self.series: dict[str, deque[Any]] = {k: deque(maxlen=history) for k in _SERIES}
        self.clients: set[Client] = set()
        self.min_interval_s = min_interval_s
        self.max_points = max_points
        self.send_timeout_s = send_timeout_s
        self.publishes = 0
        self.pending: dict[str, Any] = {}
        self.points = 0  # series points in `pending`
        self.serialised = 0  # delta messages serialised (one per push, whatever the number of clients)
        self._last_ticks: tuple[int, int] | None = None  # (ticks, mono_ns) of the previous snapshot
        self._ticks_per_s = 0.0
        self._next_rate_ns = 0

    def full(self) -> dict[str, Any]:
        """Return the whole state and history (a new client's first message)."""
        return {**self.sections, **{k: list(v) for k, v in self.series.items()}}

    def add_client(self, send: Callable[[str], Any], role: str = "read") -> Client:
        """Register a client; its first delivery (at the next push) is the full state."""
        client = Client(send, role, self.send_timeout_s)
        self.clients.add(client)
        return client

    def remove_client(self, client: Client) -> None:
        """Forget a client (its socket closed)."""
        client.closed.set()
        self.clients.discard(client)

    def broadcast(self, delta: dict[str, Any]) -> None:
        """Merge a delta into the pending one (sections replace per key, series points append)."""
        if not delta:
            return
        pending = self.pending
        for key, value in delta.items():
            if key in _SERIES:
                pending.setdefault(key, []).extend(value)
                self.points += len(value)
            elif isinstance(value, dict) and isinstance(pending.get(key), dict):
                pending[key].update(value)
            elif isinstance(value, dict):
                pending[key] = dict(value)  # the pending delta's own copy: later merges update it in place
            else:
                pending[key] = value
        if self.points > self.max_points:  # the pusher fell behind: a full state replaces the backlog
            self.pending, self.points = {}, 0
            for client in self.clients:
                client.resync = True

    def push(self) -> bool:
        """Hand the pending delta (serialised once) to every idle client, the full state to those owed it.

        Return whether any message was handed over.
        """
        delta_text: str | None = None
        if self.pending and self.clients:
            message = {"type": "delta", **self.pending, "sent_wall_ns": time.time_ns()}
            delta_text = json.dumps(message, separators=(",", ":"))
            self.serialised += 1
        self.pending, self.points = {}, 0
        fulls: dict[str, str] = {}  # the full state, serialised once per role
        delivered = False
        for client in self.clients:
            if client.closed.is_set():
                continue
            if client.busy:
                if delta_text is not None:
                    client.resync = True
                    client.missed += 1
                continue
            if client.resync:
                if client.role not in fulls:
                    fulls[client.role] = json.dumps({"type": "full", "role": client.role, **self.full(),
                                                     "sent_wall_ns": time.time_ns()}, separators=(",", ":"))
                client.resync = False
                client.deliver(fulls[client.role])
            elif delta_text is not None:
                client.deliver(delta_text)
            else:
                continue
            delivered = True
        return delivered

    async def run(self, read: Callable[[], Awaitable[None]], poll_s: float = 0.01) -> None:
        """Every `poll_s`: `read` the engine's state (changes folded in); push when due, until cancelled.

        A push is due `min_interval_s` after the previous one and goes out with the first new snapshot
        from then on (read at the due moment, else polled), so the pushes follow the snapshots' own
        period instead of drifting against it, which would age what is sent by up to an interval. Other
        changes (journal records) ride along; without any snapshot for one more interval they go alone,
        and a client owed the full state gets it when due. The state is read once for all clients.
        """
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            await read()
            now = loop.time()
            if now >= due and ("wall_ns" in self.pending or now >= due + self.min_interval_s
                               or any(c.resync for c in self.clients)):
                due = now + (self.min_interval_s if self.push() else poll_s)
            wait = due - loop.time()
            await asyncio.sleep(min(poll_s, wait) if wait > 0 else poll_s)  # past due: poll for a snapshot

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
