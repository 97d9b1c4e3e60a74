"""The hub's per-client coalescing: bounded memory for a client that never reads, at most one message per
interval, a full state instead of an unbounded backlog, a stuck socket closed after its send timeout."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from shandian.dashboard.hub import Client, Hub


def _delta(i: int) -> dict[str, Any]:
    return {"overview": {"n": i}, "agents": {f"a{i % 3}": {"n": i}}, "prices": [["rb2505", i, 1.0, 1.0, 2.0]]}


def test_client_when_never_reading_backlog_bounded_then_closed_after_timeout() -> None:
    async def scenario() -> Client:
        async def stuck_send(text: str) -> None:
            await asyncio.Event().wait()  # the socket never takes anything

        client = Client(stuck_send, min_interval_s=0.0, max_points=100, send_timeout_s=0.3)
        pump = asyncio.create_task(client.pump(lambda: {"full": True}))
        for i in range(10_000):
            client.offer(_delta(i))
            assert client.points <= 100
            if i % 1000 == 0:
                await asyncio.sleep(0)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pump, 5)
        return client

    client = asyncio.run(scenario())
    assert client.closed and client.sent == 0


def test_client_when_deltas_come_fast_coalesced_to_ten_per_second_with_latest_state() -> None:
    sent: list[dict[str, Any]] = []

    async def scenario() -> None:
        async def send(text: str) -> None:
            sent.append(json.loads(text))

        client = Client(send, min_interval_s=0.1, max_points=10_000, send_timeout_s=1.0)
        pump = asyncio.create_task(client.pump(lambda: {}))
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < 1.0:
            client.offer(_delta(i))
            i += 1
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.25)
        pump.cancel()
        assert i > 200

    asyncio.run(scenario())
    assert 8 <= len(sent) <= 12
    assert sum(len(m.get("prices", [])) for m in sent) > 200  # no point lost by coalescing
    assert sent[-1]["overview"]["n"] == max(m["overview"]["n"] for m in sent)
    assert {"a0", "a1", "a2"} <= set(sent[-1]["agents"]) | set(sent[-2]["agents"])


def test_client_when_backlog_too_long_gets_full_state() -> None:
    sent: list[dict[str, Any]] = []

    async def scenario() -> None:
        async def send(text: str) -> None:
            sent.append(json.loads(text))

        client = Client(send, min_interval_s=0.0, max_points=5, send_timeout_s=1.0)
        for i in range(20):
            client.offer(_delta(i))
        pump = asyncio.create_task(client.pump(lambda: {"everything": 1}))
        await asyncio.sleep(0.05)
        pump.cancel()

    asyncio.run(scenario())
    assert sent[0]["type"] == "full" and sent[0]["everything"] == 1


def test_hub_when_one_client_offered_does_not_share_pending_dicts() -> None:
    hub = Hub()
    a, b = hub.add_client(lambda t: None), hub.add_client(lambda t: None)
    a.resync = b.resync = False
    hub.broadcast({"agents": {"x": 1}})
    a.offer({"agents": {"y": 2}})
    assert b.pending == {"agents": {"x": 1}}
