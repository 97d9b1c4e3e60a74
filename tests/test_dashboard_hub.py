"""The hub's one pusher: each delta serialised once and the same text sent to every client, at most one
message per interval, bounded memory for a client that never reads (one message in flight, then a full
state), a full state instead of an unbounded backlog, a stuck socket closed after its send timeout."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from shandian.dashboard.hub import Hub


def _delta(i: int) -> dict[str, Any]:
    return {"overview": {"n": i}, "agents": {f"a{i % 3}": {"n": i}}, "prices": [["rb2505", i, 1.0, 1.0, 2.0]],
            "wall_ns": i}  # as a snapshot's delta


async def _nothing() -> None:
    """The engine read of the push loop (the test broadcasts itself)."""


def _recorder(into: list[Any]) -> Any:
    async def send(text: str) -> None:
        into.append(text)

    return send


def test_push_when_twenty_clients_delta_serialised_once_and_same_text_sent_to_all() -> None:
    received: list[list[str]] = [[] for _ in range(20)]

    async def scenario() -> Hub:
        hub = Hub()
        for i, into in enumerate(received):
            hub.add_client(_recorder(into), "admin" if i % 2 else "read")
        hub.push()  # the owed full states: one serialisation per role
        await asyncio.sleep(0.01)
        hub.broadcast(_delta(1))
        hub.broadcast(_delta(2))  # coalesced into the same message
        hub.push()
        await asyncio.sleep(0.01)
        return hub

    hub = asyncio.run(scenario())
    assert hub.serialised == 1
    fulls = [r[0] for r in received]
    assert {id(t) for t in fulls[0::2]} == {id(fulls[0])} and {id(t) for t in fulls[1::2]} == {id(fulls[1])}
    assert json.loads(fulls[0])["role"] == "read" and json.loads(fulls[1])["role"] == "admin"
    deltas = [r[1] for r in received]
    assert all(len(r) == 2 for r in received)
    assert all(t is deltas[0] for t in deltas)  # the very same str object: serialised once
    message = json.loads(deltas[0])
    assert message["type"] == "delta" and message["overview"] == {"n": 2}
    assert [p[1] for p in message["prices"]] == [1, 2]


def test_push_when_no_client_connected_nothing_serialised() -> None:
    async def scenario() -> Hub:
        hub = Hub()
        for i in range(50):
            hub.broadcast(_delta(i))
            hub.push()
        return hub

    hub = asyncio.run(scenario())
    assert hub.serialised == 0 and hub.pending == {} and hub.points == 0


def test_client_when_never_reading_memory_bounded_then_closed_after_timeout_others_served() -> None:
    fast: list[str] = []

    async def scenario() -> tuple[Hub, Any, Any]:
        sends = 0

        async def stuck_send(text: str) -> None:
            nonlocal sends
            sends += 1
            await asyncio.Event().wait()  # the socket never takes anything

        hub = Hub(min_interval_s=0.01, max_points=10_000, send_timeout_s=0.3)
        pusher = asyncio.create_task(hub.run(_nothing, poll_s=0.005))
        stuck = hub.add_client(stuck_send)
        good = hub.add_client(_recorder(fast))
        for i in range(3000):
            hub.broadcast(_delta(i))
            assert hub.points <= 10_000
            if i % 100 == 0:
                await asyncio.sleep(0.001)
        await asyncio.wait_for(stuck.closed.wait(), 5)
        pusher.cancel()
        assert sends == 1  # one message in flight, nothing queued behind it
        return hub, stuck, good

    _, stuck, good = asyncio.run(scenario())
    assert stuck.sent == 0 and stuck.missed > 0
    assert good.sent == len(fast) >= 2 and json.loads(fast[-1])["overview"]["n"] == 2999  # served to the end


def test_push_when_deltas_come_fast_coalesced_to_ten_per_second_with_latest_state() -> None:
    sent: list[str] = []

    async def scenario() -> None:
        hub = Hub(min_interval_s=0.1, max_points=10_000, send_timeout_s=1.0)
        pusher = asyncio.create_task(hub.run(_nothing, poll_s=0.005))
        client = hub.add_client(_recorder(sent))
        client.resync = False  # deltas only
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < 1.0:
            hub.broadcast(_delta(i))
            i += 1
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.25)
        pusher.cancel()
        assert i > 200

    asyncio.run(scenario())
    messages = [json.loads(t) for t in sent]
    assert 8 <= len(messages) <= 12
    assert sum(len(m.get("prices", [])) for m in messages) > 200  # no point lost by coalescing
    assert messages[-1]["overview"]["n"] == max(m["overview"]["n"] for m in messages)
    assert {"a0", "a1", "a2"} <= set(messages[-1]["agents"]) | set(messages[-2]["agents"])


def test_hub_when_backlog_too_long_clients_get_full_state() -> None:
    sent: list[str] = []

    async def scenario() -> None:
        hub = Hub(max_points=5)
        client = hub.add_client(_recorder(sent))
        client.resync = False
        for i in range(20):
            hub.broadcast(_delta(i))
        hub.push()
        await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert len(sent) == 1 and json.loads(sent[0])["type"] == "full"  # the backlog replaced by the state


def test_hub_when_merging_does_not_alias_the_offered_dicts() -> None:
    async def scenario() -> None:
        hub = Hub()
        offered = {"agents": {"x": 1}}
        hub.broadcast(offered)
        hub.broadcast({"agents": {"y": 2}})
        assert offered == {"agents": {"x": 1}}
        assert hub.pending == {"agents": {"x": 1, "y": 2}}

    asyncio.run(scenario())


def test_run_when_due_goes_out_with_the_next_snapshot_and_polls_without_spinning() -> None:
    sent: list[str] = []
    reads = 0

    async def read() -> None:
        nonlocal reads
        reads += 1

    async def scenario() -> None:
        hub = Hub(min_interval_s=0.2)
        client = hub.add_client(_recorder(sent))
        client.resync = False
        runner = asyncio.create_task(hub.run(read, poll_s=0.01))
        hub.broadcast(_delta(0))
        await asyncio.sleep(0.05)
        assert len(sent) == 1  # the first change goes at once
        hub.broadcast({"fills": [{"t": 1}]})  # a journal record alone, no snapshot
        await asyncio.sleep(0.2)  # due since 0.2 s: it waits for a snapshot (until 0.4 s)
        assert len(sent) == 1
        hub.broadcast(_delta(1))
        await asyncio.sleep(0.06)
        assert len(sent) == 2  # out with the snapshot, within a poll or so
        hub.broadcast({"fills": [{"t": 2}]})
        await asyncio.sleep(0.6)  # no snapshot for a whole extra interval: the record goes alone
        runner.cancel()

    asyncio.run(scenario())
    messages = [json.loads(t) for t in sent]
    assert [m["fills"] for m in messages if "fills" in m] == [[{"t": 1}], [{"t": 2}]]
    assert messages[1]["overview"] == {"n": 1}
    assert reads < 150  # ~0.9 s at one read per 10 ms poll: a loop past its due time does not spin
