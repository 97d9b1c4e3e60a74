"""Baselines: the tick pipeline most Python desks run today, measured on the bench tick stream.

``python-queue``: a producer thread stands in for the CTP vendor callback thread. Per tick it stamps
``perf_counter_ns`` at callback entry, builds vnpy_ctp's 48-key dict, and puts it on a ``queue.Queue``; a
consumer thread blocks in ``get`` and calls the handler, which stamps again on entry (the same two points
shandian's tick → agent scenario measures: vendor-thread callback entry → Python ``on_tick`` entry).

``vnpy-eventengine``: the same producer, but the dict goes through vn.py's own ``EventEngine``
(``Event(EVENT_TICK, ...)`` → its queue and thread → the registered handler), when ``vnpy`` imports.

Both clocks are CLOCK_MONOTONIC (``time.perf_counter_ns`` on Linux), the clock shandian stamps
``recv_ns`` with. Latency runs pace the producer on an absolute schedule with ``time.sleep`` (which
releases the GIL, as a C++ vendor thread would not hold it); throughput runs push flat out and time first
put → last handler.

What the baseline leaves out (so it flatters the baseline): the producer is a Python thread, so the C++ →
Python crossing and GIL acquisition a real vnpy_ctp callback pays on the vendor thread, vnpy_ctp's C++
task queue and thread, the struct copy and the GBK decode are not in its numbers; its stamp is taken in
Python where shandian's ``recv_ns`` is taken in C++ at vendor callback entry.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shandian.bench.ticks import Tick, ctp_dict

Sink = Callable[[tuple[int, dict[str, object]]], None]


@dataclass
class PipelineRun:
    """What one pipeline run measured."""

    latencies_ns: list[int] = field(default_factory=list)
    ticks: int = 0
    seconds: float = 0.0
    pinned: dict[str, int] = field(default_factory=dict)

    @property
    def ticks_per_s(self) -> float:
        """Ticks handled per second of wall time (first put → last handler)."""
        return self.ticks / self.seconds if self.seconds > 0 else 0.0


def _pin(cpu: int | None, role: str, run: PipelineRun) -> None:
    """Pin the calling thread to CPU (Linux: sched_setaffinity(0) affects the calling thread only)."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return
    os.sched_setaffinity(0, {cpu})
    run.pinned[role] = cpu


class _Consumer:
    """The strategy side: records callback-entry → handler-entry latency and reads a field like a strategy."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.latencies: list[int] = []
        self.last_price = 0.0
        self.handled = 0
        self.t_last = 0
        self.done = threading.Event()

    def on_tick(self, item: tuple[int, dict[str, object]]) -> None:
        now = time.perf_counter_ns()
        self.latencies.append(now - item[0])
        self.last_price = item[1]["LastPrice"]  # type: ignore[assignment]
        self.handled += 1
        if self.handled == self.expected:
            self.t_last = now
            self.done.set()


def _produce(stream: list[Tick], n: int, interval_s: float, sink: Sink) -> int:
    """Feed N ticks of STREAM into SINK as a vendor callback would; returns the first stamp.

    Paced runs follow the absolute schedule ``first + i × interval`` (tick i is not produced before its
    time; a late producer catches up without sleeping), the way the local front paces a replay by
    exchange-time deltas, so both sides see the same arrival pattern.
    """
    size = len(stream)
    perf = time.perf_counter_ns
    first = perf()
    if interval_s > 0:
        step = int(interval_s * 1e9)
        sleep = time.sleep
        for i in range(n):
            due = first + i * step
            ahead = due - perf()
            if ahead > 0:
                sleep(ahead / 1e9)
            t0 = perf()
            sink((t0, ctp_dict(stream[i % size])))
    else:
        for i in range(n):
            t0 = perf()
            sink((t0, ctp_dict(stream[i % size])))
    return first


def _drive(
    stream: list[Tick], n: int, interval_s: float, sink: Sink, consumer: _Consumer,
    producer_cpu: int | None, run: PipelineRun, timeout_s: float,
) -> None:
    """Run the producer on its own thread, wait for the consumer to see all N ticks, fill RUN."""
    started: list[int] = []

    def producer() -> None:
        _pin(producer_cpu, "producer", run)
        started.append(_produce(stream, n, interval_s, sink))

    thread = threading.Thread(target=producer, name="bench-vendor-cb", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not consumer.done.wait(timeout_s):
        raise TimeoutError(f"consumer saw {consumer.handled}/{n} ticks within {timeout_s:.0f} s")
    run.ticks = n
    run.seconds = (consumer.t_last - started[0]) / 1e9
    run.latencies_ns = consumer.latencies


def python_queue(
    stream: list[Tick], n: int, interval_s: float = 0.0, cpus: tuple[int, int] | None = None,
    timeout_s: float = 300.0,
) -> PipelineRun:
    """Vendor-thread callback → per-tick dict → queue.Queue → consumer thread (blocking get) → handler."""
    run = PipelineRun()
    consumer = _Consumer(n)
    q: queue.Queue[tuple[int, dict[str, object]] | None] = queue.Queue()

    def consume() -> None:
        _pin(cpus[1] if cpus else None, "consumer", run)
        handler = consumer.on_tick
        get = q.get
        while True:
            item = get()
            if item is None:
                return
            handler(item)

    thread = threading.Thread(target=consume, name="bench-consumer", daemon=True)
    thread.start()
    try:
        _drive(stream, n, interval_s, q.put, consumer, cpus[0] if cpus else None, run, timeout_s)
    finally:
        q.put(None)
        thread.join(timeout_s)
    return run


def vnpy_available() -> str | None:
    """None when vn.py's EventEngine imports, else why not."""
    try:
        from vnpy.event import Event, EventEngine  # noqa: F401
    except Exception as exc:  # any import-time failure of an optional third-party package
        return f"vnpy not importable ({type(exc).__name__}: {exc}); `pip install --no-deps vnpy` is enough"
    return None


def vnpy_version() -> str:
    """Installed vn.py version string."""
    import vnpy

    return str(getattr(vnpy, "__version__", "unknown"))


def vnpy_eventengine(
    stream: list[Tick], n: int, interval_s: float = 0.0, cpus: tuple[int, int] | None = None,
    timeout_s: float = 300.0,
) -> PipelineRun:
    """Vendor-thread callback → per-tick dict → vn.py EventEngine.put → its thread → registered handler."""
    from vnpy.event import Event, EventEngine

    run = PipelineRun()
    consumer = _Consumer(n)
    engine = EventEngine(1)
    event_type = "eTick."

    def handler(event: Event) -> None:
        consumer.on_tick(event.data)

    engine.register(event_type, handler)
    if cpus:
        # The engine's thread is not ours to start: pin it from the first handler call instead.
        pin_cpu = cpus[1]

        def pin_then_handle(event: Event) -> None:
            engine.unregister(event_type, pin_then_handle)
            _pin(pin_cpu, "consumer", run)

        engine.register(event_type, pin_then_handle)
    engine.start()
    put = engine.put
    try:
        _drive(stream, n, interval_s, lambda item: put(Event(event_type, item)), consumer,
               cpus[0] if cpus else None, run, timeout_s)
    finally:
        engine.stop()
    return run
