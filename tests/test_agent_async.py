"""Async agents on the local front: an `async def on_tick` awaits a real local HTTP server (stdlib, in a
thread, answering after a delay) while a sync agent on the same symbol keeps receiving ticks; the async
agent's own events never overlap nor reorder, and the ticks that arrived while its coroutine was suspended
are counted in the report (late, conflated to the latest per symbol).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import shandian as sd
from shandian.engine.aio import SLOW_MS
from shandian.testing import run_local

SYM = "rb2505"
DELAY_S = 0.3  # the signal service's answer time: several ticks arrive meanwhile
SIGNALS = 3


class SignalServer:
    """A stdlib HTTP server answering GET /signal with {"n": k} after DELAY_S; records request windows."""

    def __init__(self) -> None:
        self.windows: list[tuple[float, float]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                began = time.monotonic()
                time.sleep(DELAY_S)
                body = json.dumps({"n": len(owner.windows) + 1}).encode()
                owner.windows.append((began, time.monotonic()))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture(scope="module")
def server() -> Iterator[SignalServer]:
    s = SignalServer()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.thread.join(5)


async def fetch_signal(port: int) -> dict[str, Any]:
    """GET /signal over asyncio streams (HTTP/1.0: the server closes after the answer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /signal HTTP/1.0\r\nHost: localhost\r\n\r\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return json.loads(data.split(b"\r\n\r\n", 1)[1])  # type: ignore[no-any-return]


class Signaller(sd.Agent):
    """Awaits the signal service on its first SIGNALS ticks, then buys once; records what it sees."""

    port = 0

    def on_start(self) -> None:
        self.active = 0
        self.overlaps = 0
        self.events: list[tuple[str, int]] = []  # ("tick", recv_ns) / ("order", status index)
        self.signals: list[int] = []
        self.statuses: list[str] = []
        self.order_id: int | None = None

    async def on_tick(self, t: sd.Tick) -> None:
        self.active += 1
        self.overlaps += self.active > 1
        self.events.append(("tick", t.recv_ns))
        try:
            if len(self.signals) < SIGNALS:
                self.signals.append((await fetch_signal(self.port))["n"])
            elif self.order_id is None and t.ask_price1 > 0:
                self.order_id = self.buy(SYM, min(t.ask_price1 + 5, t.upper_limit_price), 1)
        finally:
            self.active -= 1

    async def on_order(self, order: sd.Order) -> None:
        self.active += 1
        self.overlaps += self.active > 1
        self.events.append(("order", len(self.statuses)))
        self.statuses.append(order.status)
        await asyncio.sleep(0.01)
        self.active -= 1
        if order.is_final:
            self._engine.stop("signalled and traded")


class Counter(sd.Agent):
    """A sync agent on the same symbol: counts ticks and when they came."""

    def on_start(self) -> None:
        self.times: list[float] = []

    def on_tick(self, t: sd.Tick) -> None:
        self.times.append(time.monotonic())


@pytest.fixture(scope="module")
def run(server: SignalServer) -> tuple[Signaller, Counter, sd.RunReport, Any]:
    signaller, counter = Signaller("signaller"), Counter("counter")
    signaller.port = server.port
    report, engine = run_local([(signaller, [SYM]), (counter, [SYM])], duration=30, speed=40,
                               instruments=["rb"])
    return signaller, counter, report, engine


def test_async_agent_when_awaiting_http_other_agents_keep_receiving_ticks(run, server) -> None:
    signaller, counter, report, _ = run
    assert report.stop_reason == "signalled and traded", report.format()
    assert signaller.signals == list(range(1, SIGNALS + 1))
    assert len(server.windows) == SIGNALS
    during = [sum(1 for t in counter.times if began < t < ended) for began, ended in server.windows]
    assert all(n >= 2 for n in during), f"sync agent ticks during each HTTP wait: {during}"


def test_async_agent_when_coroutine_suspended_its_events_never_overlap_nor_reorder(run) -> None:
    signaller, _, _, _ = run
    assert signaller.overlaps == 0
    ticks = [ns for kind, ns in signaller.events if kind == "tick"]
    assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks)
    assert signaller.statuses[0] == "submitting" and signaller.statuses[-1] == "filled", signaller.statuses
    order_marks = [i for kind, i in signaller.events if kind == "order"]
    assert order_marks == list(range(len(signaller.statuses)))


def test_async_agent_when_coroutine_slow_report_counts_late_and_conflated_ticks(run) -> None:
    signaller, counter, report, _ = run
    lane = next(a for a in report.agents if a.name == "signaller").async_lane
    assert lane["slow_coroutines"] >= SIGNALS and lane["max_coroutine_ms"] >= DELAY_S * 1e3 > SLOW_MS
    assert lane["late_ticks"] >= 2 * SIGNALS and 0 < lane["conflated_ticks"] <= lane["late_ticks"]
    delivered = sum(1 for kind, _ in signaller.events if kind == "tick")
    # Every tick the sync agent saw reached the async one, was conflated, or was still waiting at the stop.
    assert delivered + lane["conflated_ticks"] + lane["dropped_at_stop"] >= len(counter.times)
    assert delivered + lane["conflated_ticks"] <= len(counter.times)
    assert "late ticks" in report.format()
    assert next(a for a in report.agents if a.name == "counter").async_lane == {}


class Failing(sd.Agent):
    async def on_tick(self, t: sd.Tick) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("signal service said no")


def test_async_agent_when_coroutine_raises_only_that_agent_fails(server) -> None:
    counter = Counter("counter")
    report, _ = run_local([(Failing("failing"), [SYM]), (counter, [SYM])], duration=3, speed=40,
                               instruments=["rb"])
    status = {a.name: a.status for a in report.agents}
    assert status["failing"].startswith("failed: RuntimeError in on_tick: signal service said no"), status
    assert status["counter"] == "ok" and len(counter.times) > 5


class Sleeper(sd.Agent):
    """Suspends on its first tick for far longer than the run; records how it ends."""

    def on_start(self) -> None:
        self.story: list[str] = []

    async def on_tick(self, t: sd.Tick) -> None:
        if self.story:
            return
        self.story.append("awaiting")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.story.append("cancelled")
            raise

    def on_stop(self) -> None:
        self.story.append("on_stop")


def test_async_agent_when_engine_stops_suspended_coroutine_is_cancelled_before_on_stop() -> None:
    sleeper = Sleeper("sleeper")
    began = time.monotonic()
    report, _ = run_local([(sleeper, [SYM])], duration=1.5, speed=40, instruments=["rb"])
    assert time.monotonic() - began < 15
    assert sleeper.story == ["awaiting", "cancelled", "on_stop"]
    lane = report.agents[0].async_lane
    assert report.agents[0].status == "ok" and lane["coroutines"] == 1 and lane["late_ticks"] > 0
    assert lane["dropped_at_stop"] == 1  # the newest tick, conflated to one and still waiting


def test_engine_when_no_agent_is_async_creates_no_event_loop() -> None:
    report, engine = run_local([(Counter("counter"), [SYM])], duration=1, speed=40, instruments=["rb"])
    assert engine._aio is None
    assert all(a.async_lane == {} for a in report.agents)


def test_agent_when_on_start_is_async_raises_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"Bad\.on_start must be a plain def"):
        class Bad(sd.Agent):
            async def on_start(self) -> None:  # type: ignore[override]
                pass
