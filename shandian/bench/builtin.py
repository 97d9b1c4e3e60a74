"""The built-in scenarios. Each measures real code through its binding; none is simulated in Python.

Scenarios whose code under test has not landed are registered with ``planned`` set, so the table shows
what is missing instead of silently leaving a row out; the issue that builds the code replaces ``planned``
with a runner.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shandian.bench import baseline, ticks
from shandian.bench.scenarios import Context, Metric, Output, Scenario, register
from shandian.histogram import Histogram

RING_REFERENCE_RATE = (
    "rigtorp/SPSCQueue ≈ 260 M items/s on this workplace's 2-vCPU machines (quoted, not measured here)"
)
RING_REFERENCE_RTT = (
    "rigtorp/SPSCQueue ≈ 160 ns round trip on this workplace's 2-vCPU machines (quoted, not measured here)"
)
BASELINE = "baseline"
VNPY_CTP = "vnpy_ctp"
WAKE_FLOOR = "wake_floor"


def _rate_metric(key: str, label: str, runs: list[dict[str, float]], rate_key: str, unit: str) -> Metric:
    """Build a rate metric from repeated binding results: median of the runs, every run kept."""
    rates = [float(r[rate_key]) for r in runs]
    return Metric(key, label, "rate", rate=statistics.median(rates), unit=unit, runs=rates)


# -- ring ------------------------------------------------------------------------------------------------
def run_ring(ctx: Context) -> Output:
    """SPSC throughput (repeated), SPSC ping-pong round trip, and MPSC throughput when bound."""
    core = ctx.bench
    pair = ctx.pin_pair()
    producer_cpu, consumer_cpu = pair if pair else (-1, -1)
    items = ctx.size(2_000_000, 50_000_000)
    reps = ctx.size(3, 5)
    capacity = 65536
    trips = ctx.size(20_000, 1_000_000)
    warmup = ctx.size(2_000, 10_000)
    rt_capacity = 1024
    out = Output(params={
        "spsc_items": items, "spsc_capacity": capacity, "repetitions": reps, "roundtrip_trips": trips,
        "roundtrip_warmup": warmup, "roundtrip_capacity": rt_capacity,
        "cpus": {"producer": producer_cpu, "consumer": consumer_cpu} if pair else "unpinned",
        "wait": "busy-spin with sched_yield fallback inside the binding (not selectable)",
    })
    out.notes.append("round trip: each sample includes one steady_clock read (≈ 20 ns); unpinned threads that"
                     " share a core fall back to sched_yield, so unpinned round trips on a loaded machine"
                     " measure the scheduler (use --pin)")
    core.bench_ring_throughput(max(items // 10, 1000), capacity, producer_cpu, consumer_cpu)  # warm-up
    runs = [dict(core.bench_ring_throughput(items, capacity, producer_cpu, consumer_cpu))
            for _ in range(reps)]
    rate = _rate_metric("spsc_throughput", f"SPSC throughput ({capacity} slots)", runs, "items_per_s",
                        "items/s")
    rate.reference = RING_REFERENCE_RATE
    out.metrics.append(rate)
    samples = core.bench_ring_roundtrip(trips, warmup, rt_capacity, producer_cpu, consumer_cpu)
    out.metrics.append(Metric("spsc_roundtrip", f"SPSC round trip ({rt_capacity} slots)", "latency",
                              hist=Histogram.of(samples), reference=RING_REFERENCE_RTT, warmup=warmup))
    if hasattr(core, "bench_mpsc_throughput"):
        producers = 2
        mpsc_items = ctx.size(1_000_000, 20_000_000)
        mruns = [dict(core.bench_mpsc_throughput(mpsc_items, producers, capacity)) for _ in range(reps)]
        out.params.update({"mpsc_items": mpsc_items, "mpsc_producers": producers})
        key = next(k for k in ("items_per_s", *mruns[0]) if k.endswith("_per_s") and k in mruns[0])
        out.metrics.append(_rate_metric("mpsc_throughput", f"MPSC throughput ({producers} producers)", mruns,
                                        key, "items/s"))
    else:
        out.notes.append("MPSC throughput: not available in this build: _bench.bench_mpsc_throughput missing")
    return out


register(Scenario(
    name="ring",
    title="lock-free rings (SpscRing, MpscQueue) between two threads",
    run=run_ring,
    requires=("_bench.bench_ring_throughput", "_bench.bench_ring_roundtrip"),
))


# -- local front -----------------------------------------------------------------------------------------
FRONT_TICKS_TARGET = 1_000_000.0
FRONT_INSERT_P50_TARGET_NS = 5_000


def _local_front_dir(ctx: Context) -> str | None:
    """Why the local front's libraries cannot be used, or None."""
    from shandian.paths import library_dir

    try:
        library_dir("local")
    except FileNotFoundError as exc:
        return f"local front libraries not installed ({exc})"
    return None


def run_front(ctx: Context) -> Output:
    """Local front: md callback thread → no-op C++ Spi (ticks/s); ReqOrderInsert → first OnRtnOrder."""
    from shandian.paths import library_dir

    core = ctx.bench
    lib_dir = str(library_dir("local"))
    ticks = ctx.size(100_000, 2_000_000)
    reps = ctx.size(2, 3)
    orders = ctx.size(300, 20_000)
    warmup = ctx.size(50, 2_000)
    out = Output(params={"lib_dir": lib_dir, "ticks": ticks, "repetitions": reps, "orders": orders,
                         "insert_warmup": warmup,
                         "wait": "md: the front's callback thread into a no-op Spi; insert: spin (binding)"})
    runs = [dict(core.bench_front_ticks(lib_dir, ticks)) for _ in range(reps)]
    rate = _rate_metric("md_ticks", "md callback thread → no-op C++ Spi", runs, "ticks_per_s", "ticks/s")
    rate.target = "≥ 1 M ticks/s"
    rate.target_met = rate.rate is not None and rate.rate >= FRONT_TICKS_TARGET
    out.metrics.append(rate)
    if hasattr(core, "bench_front_insert_latency"):
        samples = core.bench_front_insert_latency(lib_dir, orders, warmup)
        hist = Histogram.of(samples)
        p50 = hist.percentile(50)
        out.metrics.append(Metric("insert_ack", "ReqOrderInsert → first OnRtnOrder", "latency", hist=hist,
                                  target="p50 ≤ 5 µs", warmup=warmup,
                                  target_met=p50 is not None and p50 <= FRONT_INSERT_P50_TARGET_NS))
    else:
        out.notes.append("insert → OnRtnOrder: not available in this build: _bench.bench_front_insert_latency"
                         " missing")
    return out


register(Scenario(
    name="front",
    title="local front (shandian's CTP-ABI libraries) through the CTP API",
    run=run_front,
    requires=("_bench.bench_front_ticks",),
    precheck=_local_front_dir,
))


# -- shared by the scenarios that run the real engine against the local front ------------------------------
# One definition of each stream, used by the shandian scenario and by the baseline it compares with.
TICK_AGENT_TICKS = (3_000, 100_000)  # (quick, full) measured ticks
TICK_AGENT_WARMUP = (300, 2_000)  # leading ticks dropped on both sides
TICK_INTERVAL_US = 100  # pacing of the latency stream: one tick per 100 µs (10 k ticks/s) on both sides
TICK_AGENT_SPEED = ticks.DELTA_MS * 1000 // TICK_INTERVAL_US  # front replay speed giving that pacing
THROUGHPUT_TICKS = (50_000, 300_000)  # (quick, full) ticks per run, flat out
THROUGHPUT_RUNS = (1, 3)
# Throughput stream timing: 10 ticks per exchange millisecond from 10:30:00 replayed at 2000×: 20 M ticks/s
# of schedule (never the limit), after 2.7 s of wall time in which the engine logs in and subscribes (the
# replay's clock starts at 09:00 with the trader login; at speed 0 it would run before anyone subscribed).
THROUGHPUT_TIMING = {"start_ms": (10 * 60 + 30) * 60_000, "delta_ms": 1, "per_step": 10}
THROUGHPUT_SPEED = 2000
TICK_P50_TARGET_NS, TICK_P99_TARGET_NS = 3_000, 10_000
IDLE_SECONDS = 1.0  # tick_agent idles this long after its last tick to show the wait's CPU use when idle
THROUGHPUT_TARGET = 1_000_000.0
BUY_TO_REQ_P50_TARGET_NS = 2_000
PIN_CAVEAT = (
    "on a 2-vCPU machine a spinning engine thread owns a whole CPU: the CTP/front threads (md and trader"
    " callback threads, the front's feed thread) then share the other one, and unpinned they can land on the"
    " spinning CPU and wait (the spin wait yields once per 50 µs of idle spinning); --pin (engine.cpu) puts"
    " the engine thread alone on one CPU and every session thread on the others"
)


def tick_agent_stream(ctx: Context) -> tuple[list[ticks.Tick], int]:
    """Return the latency stream (warm-up included) and its warm-up count: tick_agent's and baseline's."""
    n, warmup = ctx.size(*TICK_AGENT_TICKS), ctx.size(*TICK_AGENT_WARMUP)
    return ctx.replay_stream(n + warmup), warmup


def throughput_stream(ctx: Context) -> list[ticks.Tick]:
    """Return the flat-out stream: the same ticks (seed, values, order), compressed exchange times."""
    return ctx.replay_stream(ctx.size(*THROUGHPUT_TICKS), **THROUGHPUT_TIMING)


def _engine_api(ctx: Context) -> str | None:
    """Why the Python Engine/Agent layer or the local front cannot be used, or None."""
    try:
        import shandian.engine  # noqa: F401
        from shandian.config import Config  # noqa: F401
    except Exception as exc:  # the engine layer imports _core types at import time
        return f"shandian.engine does not import ({type(exc).__name__}: {exc})"
    return _local_front_dir(ctx)


class _Pinning:
    """--pin for the engine scenarios: the engine's own ``engine.cpu`` setting (one implementation).

    The engine thread runs alone on the second CPU of the pair; every thread the run starts (vendor / local
    front callback threads, the journal writer) goes to the other CPUs (``Engine._pin_other_threads``).
    """

    def __init__(self, ctx: Context) -> None:
        self.pair = ctx.pin_pair() if hasattr(os, "sched_setaffinity") else None

    @property
    def engine_cpu(self) -> int | None:
        """The engine.cpu setting for this run (None: unpinned)."""
        return self.pair[1] if self.pair else None

    def describe(self) -> str | dict[str, object]:
        """Describe what the run did, for its parameters."""
        if not self.pair:
            return "unpinned (the OS schedules the engine and the CTP/front threads)"
        others = sorted(os.sched_getaffinity(0) - {self.pair[1]})
        return {"engine_thread": self.pair[1], "ctp_front_and_journal_threads": others}


def _wait_note(ctx: Context) -> str:
    """Describe the engine's wait strategy and what it means for the issue's targets."""
    if ctx.wait == "spin":
        return "engine wait=spin (the latency targets are stated for spin)"
    return f"engine wait={ctx.wait}: the latency targets are stated for spin, so they are not judged here"


def _judge(ctx: Context, met: bool) -> bool | None:
    """Return the verdict when the run used spin (the targets' condition), else None (not judged)."""
    return met if ctx.wait == "spin" else None


def _local_engine(ctx: Context, csv_path: Path | None, speed: float, name: str, ring: int | None = None,
                  stamp_dispatch: bool = False, **front: Any) -> Any:
    """Build a shandian.Engine against the local front (csv replay or generator) with the run's wait."""
    import dataclasses
    import io

    from shandian.config import Config
    from shandian.engine import Engine

    source: dict[str, Any] = {"source": f"csv:{csv_path}"} if csv_path is not None else {}
    config = Config.local(name="bench", speed=speed, **source, **front)
    config.engine = dataclasses.replace(config.engine, wait=ctx.wait, progress_interval=3600.0,
                                        cpu=_Pinning(ctx).engine_cpu)

    class BenchEngine(Engine):
        """The engine with the md ring sized for a flat-out burst (the facade does not expose it)."""

        bench_dispatch_ns = 0  # the current batch's dispatch_ns (engine thread, before the GIL is taken)

        def _session_config(self) -> Any:
            session = super()._session_config()
            if ring is not None:
                session.md_ring_capacity = ring
            return session

        if stamp_dispatch:
            def on_batch(self, batch: Any) -> None:
                """Keep the batch's C++ dispatch stamp for the agent (one property read per batch)."""
                self.bench_dispatch_ns = batch.dispatch_ns
                super().on_batch(batch)

    return BenchEngine(config, out=io.StringIO(), config_name=f"bench {name}")


def _schedule_lag_metric(where: str, arrivals_ns: Any, warmup: int,
                         compare_with: str | None = None) -> Metric:
    """Lag behind the paced replay's schedule (ticks.schedule_lag) at WHERE, warm-up ticks dropped."""
    lag = ticks.schedule_lag(list(arrivals_ns), TICK_INTERVAL_US * 1000)[warmup:]
    label = f"lag behind the {TICK_INTERVAL_US} µs replay schedule at {where}"
    return Metric("schedule_lag", label, "latency", hist=Histogram.of(lag), warmup=warmup,
                  compare_with=compare_with)


def _delivery_check(got: list[tuple[str, int]], sent: list[ticks.Tick]) -> dict[str, object]:
    """Compare what the agent received with the stream the front replayed (same ticks, in order)."""
    expected = [(t.instrument, t.volume) for t in sent]
    same = got == expected
    first_diff = None if same else next((i for i, (a, b) in enumerate(zip(got, expected, strict=False))
                                         if a != b), min(len(got), len(expected)))
    return {"ticks_replayed": len(expected), "ticks_to_agent": len(got), "same_ticks_in_order": same,
            "first_difference_at": first_diff}


# -- tick → Python agent through the local front ---------------------------------------------------------
def run_tick_agent(ctx: Context) -> Output:
    """Replay the harness stream: local front → engine loop → a no-op Python agent; time each tick.

    Each sample is ``time.monotonic_ns()`` at ``on_tick`` entry minus the tick's ``recv_ns`` (stamped
    with CLOCK_MONOTONIC at the vendor md callback's entry), so it spans: the Spi copy into the ring, the
    engine's wait, the batch hand-off with the GIL, the dispatcher and Python dispatch.
    """
    import tempfile
    import time
    from array import array

    import shandian as sd

    stream, warmup = tick_agent_stream(ctx)
    n = len(stream)
    pin = _Pinning(ctx)
    lat = array("q")
    arrivals = array("q")
    idle: dict[str, float] = {}
    got: list[tuple[str, int]] = []
    holder: dict[str, Any] = {}

    class NoopAgent(sd.Agent):
        """Records its own on_tick entry latency and which tick it got; idles a second after the last."""

        def on_tick(self, tick: Any) -> None:
            now = time.monotonic_ns()
            lat.append(now - tick.recv_ns)
            arrivals.append(now)
            got.append((tick.symbol, tick.volume))
            if len(got) == n:  # the replay is over: measure the process idling with the run's wait
                idle["t0"], idle["cpu0"] = time.monotonic(), time.process_time()
                self.add_timer(IDLE_SECONDS)

        def on_timer(self, now_ns: int) -> None:
            idle["wall"] = time.monotonic() - idle["t0"]
            idle["cpu"] = time.process_time() - idle["cpu0"]
            holder["engine"].stop("all ticks delivered, idle second measured")

    with tempfile.TemporaryDirectory(prefix="shandian-bench-") as tmp:
        csv_path = ticks.write_csv(stream, Path(tmp) / "ticks.csv")
        engine = _local_engine(ctx, csv_path, TICK_AGENT_SPEED, "tick_agent")
        holder["engine"] = engine
        engine.add_agent(NoopAgent("bench-noop"), ticks.SYMBOLS)
        run_report = engine.run(duration=n * TICK_INTERVAL_US / 1e6 + 60.0 + IDLE_SECONDS)
    samples = [max(v, 0) for v in lat]
    check = _delivery_check(got, stream)
    if len(samples) <= warmup:
        raise RuntimeError(f"only {len(samples)} of {n} ticks reached the agent"
                           f" (stop: {run_report.stop_reason}; errors: {run_report.errors})")
    session = dict(run_report.session) if hasattr(run_report, "session") else {}
    hist = Histogram.of(samples[warmup:])
    p50, p99 = hist.percentile(50), hist.percentile(99)
    out = Output(params={
        "front": f"local, csv replay of the harness stream (seed {ctx.seed}), speed {TICK_AGENT_SPEED}×"
                 f" = one tick per {TICK_INTERVAL_US} µs",
        "instruments": list(ticks.SYMBOLS), "warmup_ticks": warmup, **check, "wait": ctx.wait,
        "pinning": pin.describe(), "md_ticks_dropped": session.get("ticks_dropped"),
        "stop_reason": run_report.stop_reason, "engine_errors": list(run_report.errors),
    })
    out.metrics.append(Metric(
        "tick_latency", "md callback (recv_ns) → Python on_tick", "latency", hist=hist, warmup=warmup,
        compare_with=(f"{WAKE_FLOOR}:futex_wake", f"{BASELINE}:standin_queue_latency",
                      f"{BASELINE}:standin_eventengine_latency"),
        target="p50 ≤ 3 µs and p99 ≤ 10 µs with spin; with block p50 ≤ 1.5 × wake_floor p50",
        target_met=_judge(ctx, p50 is not None and p99 is not None and p50 <= TICK_P50_TARGET_NS
                          and p99 <= TICK_P99_TARGET_NS),
    ))
    if check["same_ticks_in_order"]:
        out.metrics.append(_schedule_lag_metric("on_tick entry", arrivals, warmup,
                                                f"{VNPY_CTP}:schedule_lag"))
    if "cpu" in idle:
        share = idle["cpu"] / idle["wall"]
        out.metrics.append(Metric("idle_cpu", f"process CPU while idle ({idle['wall']:.2f} s after the last"
                                  " tick: engine, front, vendor threads)", "rate", rate=100 * share,
                                  unit="% of one CPU", runs=[100 * share]))
        out.params["idle_cpu_seconds"] = round(idle["cpu"], 6)
    out.notes.append(_wait_note(ctx))
    out.notes.append("path: local front md callback thread → C++ Spi stamps recv_ns at entry, copies the"
                     " struct into a POD event → SPSC ring → engine loop (wait strategy) → batch → GIL →"
                     " Python dispatcher (a Tick object per tick) → Agent.on_tick entry stamp")
    if not check["same_ticks_in_order"]:
        out.notes.append(f"the agent did not get exactly the replayed ticks: {check}")
    if ctx.wait == "spin":
        out.notes.append(PIN_CAVEAT)
    out.notes.append("the C++ agent-hook half of this scenario needs a C++ agent binding (not in this build)")
    return out


register(Scenario(
    name="tick_agent",
    title="tick → agent: vendor md callback entry → Python on_tick entry, through the local front",
    run=run_tick_agent,
    requires=("_core.Engine",),
    baselines=(BASELINE, VNPY_CTP, WAKE_FLOOR),
    precheck=_engine_api,
))


# -- throughput: ticks/s into a no-op Python agent, flat out -----------------------------------------------
def _throughput_once(ctx: Context, csv_path: Path, stream: list[ticks.Tick], ring: int,
                     pin: _Pinning) -> tuple[float, dict[str, object], object]:
    """One flat-out replay into a counting agent: (ticks/s, delivery check, md ring drops)."""
    import time

    import shandian as sd

    n = len(stream)
    seen = [0, 0, 0]  # ticks received, first arrival ns, last arrival ns
    ends: list[tuple[str, int]] = []  # (symbol, volume) of the first and the last tick received
    engine = _local_engine(ctx, csv_path, THROUGHPUT_SPEED, "throughput", ring=ring)

    class CountingAgent(sd.Agent):
        """Only counts: stamps and identifies the first and the last tick (no per-tick allocation)."""

        def on_tick(self, tick: Any) -> None:
            count = seen[0] + 1
            seen[0] = count
            if count == 1:
                seen[1] = time.monotonic_ns()
                ends.append((tick.symbol, tick.volume))
            elif count == n:
                seen[2] = time.monotonic_ns()
                ends.append((tick.symbol, tick.volume))
                engine.stop("all ticks delivered")

    engine.add_agent(CountingAgent("bench-count"), ticks.SYMBOLS)
    run_report = engine.run(duration=60.0)
    span = (seen[2] - seen[1]) / 1e9
    if seen[0] < n or span <= 0:
        raise RuntimeError(f"{seen[0]} of {n} ticks reached the agent (stop: {run_report.stop_reason};"
                           f" errors: {run_report.errors})")
    dropped = dict(run_report.session).get("ticks_dropped")
    expected = [(stream[0].instrument, stream[0].volume), (stream[-1].instrument, stream[-1].volume)]
    # the md ring is FIFO: the right count, no drop and the right first and last tick mean the same ticks
    check = {"ticks_replayed": n, "ticks_to_agent": seen[0],
             "same_ticks_in_order": seen[0] == n and dropped == 0 and ends == expected}
    return (n - 1) / span, check, dropped  # n arrivals span n - 1 intervals


def run_throughput(ctx: Context) -> Output:
    """Replay the flat-out stream: local front → engine → a no-op Python agent; count ticks/s delivered.

    Rate of one run = ticks the agent received / (its last tick's on_tick entry − its first's); the agent
    only counts (it identifies the first and last tick, so "nothing lost" is checked without per-tick
    work in the measured path). The md ring is sized to hold the whole burst, so a consumer slower than
    the front shows as a lower rate, not as ticks dropped at the ring (drops are reported: none expected).
    """
    import tempfile

    stream = throughput_stream(ctx)
    n = len(stream)
    runs = ctx.size(*THROUGHPUT_RUNS)
    ring = 1 << max(16, (n - 1).bit_length())
    pin = _Pinning(ctx)
    rates: list[float] = []
    checks: list[dict[str, object]] = []
    dropped: list[object] = []
    with tempfile.TemporaryDirectory(prefix="shandian-bench-") as tmp:
        csv_path = ticks.write_csv(stream, Path(tmp) / "ticks.csv")
        for _ in range(runs):
            rate, check, drops = _throughput_once(ctx, csv_path, stream, ring, pin)
            rates.append(rate)
            checks.append(check)
            dropped.append(drops)
    metric = Metric("ticks_per_s", "front (flat out) → engine → no-op Python agent", "rate",
                    rate=statistics.median(rates), unit="ticks/s", runs=rates,
                    compare_with=(f"{BASELINE}:standin_queue_throughput",
                                  f"{BASELINE}:standin_eventengine_throughput", f"{VNPY_CTP}:ticks_per_s"),
                    target="≥ 1 M ticks/s with spin, nothing lost")
    lost = any(not c["same_ticks_in_order"] for c in checks) or any(d for d in dropped)
    metric.target_met = _judge(ctx, metric.rate is not None and metric.rate >= THROUGHPUT_TARGET and not lost)
    out = Output(params={
        "front": f"local, csv replay of the harness stream (seed {ctx.seed}), {n} ticks, 10 per exchange ms,"
                 f" speed {THROUGHPUT_SPEED}× (schedule 20 M ticks/s: flat out)",
        "runs": runs, "md_ring_capacity": ring, "wait": ctx.wait, "pinning": pin.describe(),
        "ticks_replayed_per_run": n, "ticks_to_agent_per_run": [c["ticks_to_agent"] for c in checks],
        "same_ticks_in_order_per_run": [c["same_ticks_in_order"] for c in checks],
        "md_ticks_dropped_per_run": dropped,
    })
    out.metrics.append(metric)
    out.notes.append(_wait_note(ctx))
    out.notes.append(f"delivered vs replayed: {[c['ticks_to_agent'] for c in checks]} of {n} per run,"
                     f" {'every run the same ticks in order' if not lost else 'TICKS LOST OR OUT OF ORDER'};"
                     f" md ring drops {dropped}")
    out.notes.append("the md ring is sized to the burst (the default 65,536 slots overflow when a flat-out"
                     " burst outlasts the consumer: the vendor thread never blocks, overflow is counted)")
    out.notes.append("the backtest path (in-thread replay, no CTP threads) does not exist yet")
    return out


register(Scenario(
    name="throughput",
    title="ticks/s from the local front, flat out, into a no-op Python agent",
    run=run_throughput,
    requires=("_core.Engine",),
    baselines=(BASELINE, VNPY_CTP),
    precheck=_engine_api,
))


# -- per-order stage stamps (Kungfu style) ---------------------------------------------------------------
STAGES_SYMBOL = "rb2505"
STAGES_ORDERS = (60, 2_000)
STAGES_WARMUP = (20, 200)
STAGES_SPEED = 200
STAGES_BURST = (200, 2_000)  # back-to-back resting buys after the stage orders (warm path)
STAGES_BURST_WARMUP = (20, 100)
STAGES_BURST_OFFSET_TICKS = 50  # below the best bid: rests, never fills; cancelled afterwards


def run_stages(ctx: Context) -> Output:
    """Per order: md recv → on_tick → agent.buy/sell → ReqOrderInsert entered → OnRtnOrder ack → trade.

    One marketable 1-lot FAK at a time (buy at the best ask, then sell it back at the best bid), each sent
    from ``on_tick``. Stamps, all CLOCK_MONOTONIC: the tick's ``recv_ns`` (md callback entry); ``on_tick``
    entry; just before ``agent.buy``/``sell``; the gateway's stamp just before it calls ``ReqOrderInsert``
    (``session_stats()["last_insert_ns"]``); the ``recv_ns`` of the order's first OnRtnOrder (trader
    callback entry); the ``recv_ns`` of its OnRtnTrade.
    """
    import time

    import shandian as sd
    from shandian.risk import parse_risk

    orders = ctx.size(*STAGES_ORDERS)
    warmup = ctx.size(*STAGES_WARMUP)
    burst, burst_warmup = ctx.size(*STAGES_BURST), ctx.size(*STAGES_BURST_WARMUP)
    burst_lat: list[int] = []
    total = orders + warmup
    pin = _Pinning(ctx)
    rows: list[dict[str, int]] = []
    state: dict[str, Any] = {"pending": None, "row": None, "long": False, "error": "", "fills": 0}
    holder: dict[str, Any] = {}

    class StageAgent(sd.Agent):
        """Sends the next FAK from on_tick when the previous order is final; stamps every stage."""

        def on_start(self) -> None:
            holder["rt"] = engine._rt  # the binding's Engine: session_stats() carries the gateway's stamp

        def on_tick(self, tick: Any) -> None:
            t_tick = time.monotonic_ns()
            if state["pending"] is not None or state["error"]:
                return
            if len(rows) >= total:
                try:
                    self._burst(tick)
                except Exception as exc:  # a typed rejection: report it rather than leave the run going
                    state["error"] = f"burst: {type(exc).__name__}: {exc}"
                holder["engine"].stop("bench orders done")
                return
            t_insert = time.monotonic_ns()
            try:
                if state["long"]:
                    oid = self.sell(STAGES_SYMBOL, tick.bid_price1, 1, kind="fak")
                else:
                    oid = self.buy(STAGES_SYMBOL, tick.ask_price1, 1, kind="fak")
            except Exception as exc:  # a typed rejection: report it, do not spin on it
                state["error"] = f"{type(exc).__name__}: {exc}"
                holder["engine"].stop("bench order rejected")
                return
            req = holder["rt"].session_stats()["last_insert_ns"]
            if req < t_insert:  # the gateway's stamp must come from inside this buy/sell call
                state["error"] = f"ReqOrderInsert stamp {req} predates the call ({t_insert}): not updated"
                holder["engine"].stop("bench stamp missing")
                return
            state["pending"] = oid
            state["row"] = {"md": tick.recv_ns, "dispatch": engine.bench_dispatch_ns, "on_tick": t_tick,
                            "insert": t_insert, "req": req,
                            "ack": 0, "trade": 0, "final": 0, "traded": 0, "booked": 0,
                            "buy": int(not state["long"])}

        def on_order(self, order: Any) -> None:
            row = state["row"]
            if row is None or order.id != state["pending"]:
                return
            if not row["ack"] and order.status != "submitting" and order.recv_ns:
                row["ack"] = order.recv_ns
            if order.is_final:
                row["final"], row["traded"] = 1, order.traded
                self._maybe_done()

        def on_trade(self, trade: Any) -> None:
            row = state["row"]
            if row is None or trade.order_id != state["pending"]:
                return
            row["trade"] = row["trade"] or trade.recv_ns
            row["booked"] += trade.volume
            self._maybe_done()

        def _burst(self, tick: Any) -> None:
            """Back-to-back 1-lot limit buys far below the market (rest, never fill), then cancel them all."""
            rt = holder["rt"]
            step = engine.instrument(STAGES_SYMBOL).price_tick
            price = round((tick.bid_price1 - STAGES_BURST_OFFSET_TICKS * step) / step) * step
            for _ in range(burst + burst_warmup):
                t0 = time.monotonic_ns()
                self.buy(STAGES_SYMBOL, price, 1)
                burst_lat.append(rt.session_stats()["last_insert_ns"] - t0)  # < 0 only if not stamped
            self.cancel_all(STAGES_SYMBOL)

        def _maybe_done(self) -> None:
            """Finish the order once final with every traded lot booked (the next order may close it)."""
            row = state["row"]
            if not row["final"] or row["booked"] < row["traded"]:
                return
            if row["traded"]:
                state["long"] = not state["long"]
                state["fills"] += 1
            rows.append(row)
            state["pending"] = state["row"] = None

    engine = _local_engine(ctx, None, STAGES_SPEED, "stages", stamp_dispatch=True, instruments=["rb"],
                           seed=42, session="day", trading_day=20250102)
    # Risk hook on the path, rules off (as in order_roundtrip): the back-to-back burst would exceed the
    # preset's order-rate window on the accelerated clock. The `risk` scenario times the full rule set.
    engine.config.risk = parse_risk({"enabled": False})
    holder["engine"] = engine
    engine.add_agent(StageAgent("bench-stages"), [STAGES_SYMBOL])
    run_report = engine.run(duration=ctx.size(60, 600))
    if state["error"] or len(rows) <= warmup:
        raise RuntimeError(f"{len(rows)} orders completed (stop: {run_report.stop_reason};"
                           f" {state['error'] or run_report.errors})")
    measured = rows[warmup:]
    stages = (
        ("md_to_on_tick", "stage md recv → agent on_tick", "md", "on_tick"),
        ("md_to_dispatch", "  of which md recv → engine dispatch (C++)", "md", "dispatch"),
        ("dispatch_to_on_tick", "  of which dispatch → on_tick (GIL, Python)", "dispatch", "on_tick"),
        ("on_tick_to_insert", "stage on_tick → agent.buy/sell called", "on_tick", "insert"),
        ("insert_to_req", "stage agent.buy → ReqOrderInsert entered", "insert", "req"),
        ("sell_to_req", "stage agent.sell (close) → ReqOrderInsert", "insert", "req"),
        ("req_to_ack", "stage ReqOrderInsert → OnRtnOrder ack (front)", "req", "ack"),
        ("ack_to_trade", "stage OnRtnOrder ack → OnRtnTrade", "ack", "trade"),
        ("md_to_req", "system: md recv → ReqOrderInsert entered", "md", "req"),
        ("md_to_trade", "total: md recv → OnRtnTrade", "md", "trade"),
    )
    out = Output(params={
        "front": f"local generator seed 42, speed {STAGES_SPEED}×, day session 20250102",
        "symbol": STAGES_SYMBOL,
        "order": "1-lot FAK at the best ask (buy), then at the best bid (sell back), one in flight",
        "orders": len(measured), "warmup_orders": warmup, "filled_orders": state["fills"], "wait": ctx.wait,
        "pinning": pin.describe(), "stop_reason": run_report.stop_reason,
        "engine_errors": list(run_report.errors),
    })
    for key, label, a, b in stages:
        # the buy → ReqOrderInsert target is about agent.buy; sell (close: offset resolution) is apart
        of = [r for r in measured if r["buy"]] if key == "insert_to_req" else (
            [r for r in measured if not r["buy"]] if key == "sell_to_req" else measured)
        samples = [r[b] - r[a] for r in of if r[a] and r[b]]
        if not samples:
            out.notes.append(f"{label}: no order reached both stamps")
            continue
        metric = Metric(key, label, "latency", hist=Histogram.of(max(v, 0) for v in samples), warmup=warmup)
        if key == "insert_to_req":
            p50 = metric.hist.percentile(50) if metric.hist else None
            metric.target = "p50 ≤ 2 µs"
            metric.target_met = p50 is not None and p50 <= BUY_TO_REQ_P50_TARGET_NS
        out.metrics.append(metric)
    if len(burst_lat) > burst_warmup:
        out.metrics.append(Metric("burst_buy_to_req", "agent.buy → ReqOrderInsert, back-to-back (warm)",
                                  "latency", hist=Histogram.of(burst_lat[burst_warmup:]),
                                  warmup=burst_warmup))
        out.params["burst"] = (f"{burst} 1-lot limit buys {STAGES_BURST_OFFSET_TICKS} ticks below the bid,"
                               " back to back inside one on_tick, then cancel_all")
        out.notes.append("one order per tick (insert_to_req) runs the order path cold — caches and branch"
                         " predictors cooled by the wait; the back-to-back burst shows the same path warm")
    out.notes.append("md recv → on_tick is split at the batch's dispatch_ns (stamped by the C++ loop after"
                     " draining, before the GIL is taken): ring + wait + drain on one side, GIL + Batch"
                     " view + the Python dispatcher on the other; reading the stamp costs one property"
                     " access per batch, inside the second part")
    out.notes.append("Kungfu's split: system latency = insert − md (here md → ReqOrderInsert entered),"
                     " network = ack − insert (here the local front in-process, no network)")
    out.notes.append("agent.buy → ReqOrderInsert spans the Python Agent/Engine facade, the binding,"
                     " validation, the risk hook, the order pool, SUBMITTING published and the CTP field"
                     " encoding;"
                     " the wait strategy is not on this path (it is synchronous on the engine thread)")
    return out


register(Scenario(
    name="stages",
    title="per-order stage stamps md → on_tick → insert → ReqOrderInsert → ack → trade (Kungfu style)",
    run=run_stages,
    requires=("_core.Engine",),
    precheck=_engine_api,
))


# -- order round trip through the local front ------------------------------------------------------------
ORDER_SYMBOL = "rb2505"
ORDER_OFFSET_TICKS = 20


def run_order_roundtrip(ctx: Context) -> Output:
    """agent.buy → risk → ReqOrderInsert → local front → OnRtnOrder → engine → agent.on_order, one at a time.

    Each order is a 1-lot FAK buy ORDER_OFFSET_TICKS below the best bid: never marketable, so the exchange
    cancels it at once (no position, and FAK cancels count against no cancel limit). A sample is
    ``monotonic_ns`` before ``agent.buy`` → ``monotonic_ns`` at entry of the first ``on_order`` of that
    order whose status is past ``submitting`` (the first OnRtnOrder); the next order goes out when the
    previous one is final.
    """
    import dataclasses
    import io
    import time
    from collections import Counter

    import shandian as sd
    from shandian.config import Config
    from shandian.engine import Engine
    from shandian.risk import parse_risk

    orders = ctx.size(300, 5_000)
    warmup = ctx.size(30, 200)
    state: dict[str, Any] = {"lat": [], "pending": None, "t0": 0, "statuses": Counter(), "tick": None,
                             "error": ""}

    class PingAgent(sd.Agent):
        """Sends the next FAK when the previous one is final; stamps buy → first OnRtnOrder."""

        def _send(self) -> None:
            if len(state["lat"]) >= orders + warmup:
                engine.stop("bench orders done")
                return
            tick = state["tick"]
            step = engine.instrument(ORDER_SYMBOL).price_tick
            price = round((tick.bid_price1 - ORDER_OFFSET_TICKS * step) / step) * step
            state["t0"] = time.monotonic_ns()
            try:
                state["pending"] = self.buy(ORDER_SYMBOL, price, 1, kind="fak")
            except Exception as exc:  # a typed rejection: report it, do not spin on it
                state["error"] = f"{type(exc).__name__}: {exc}"
                engine.stop("bench order rejected")

        def on_tick(self, tick: Any) -> None:
            state["tick"] = tick
            if state["pending"] is None and not state["lat"] and not state["error"]:
                self._send()

        def on_order(self, order: Any) -> None:
            now = time.monotonic_ns()
            state["statuses"][order.status] += 1
            if order.id != state["pending"]:
                return
            if order.status != "submitting" and state["t0"]:
                state["lat"].append(now - state["t0"])
                state["t0"] = 0
            if order.is_final:
                state["pending"] = None
                self._send()

    config = Config.local(name="bench", speed=100, instruments=["rb"], seed=42, session="day",
                          trading_day=20250102)
    config.engine = dataclasses.replace(config.engine, wait=ctx.wait, progress_interval=3600.0)
    # The risk hook stays on the path, its rules off: the default preset's account order-rate window, scaled
    # to the 100x exchange clock, admits 9 orders per 10 ms of wall time, which a ping loop exceeds. The full
    # rule set is timed on its own by the `risk` scenario.
    config.risk = parse_risk({"enabled": False})
    engine = Engine(config, out=io.StringIO(), config_name="bench order_roundtrip")
    engine.add_agent(PingAgent("bench-ping"), [ORDER_SYMBOL])
    run_report = engine.run(duration=ctx.size(60, 600))
    samples = state["lat"]
    if state["error"] or len(samples) <= warmup:
        raise RuntimeError(f"{len(samples)} orders completed (stop: {run_report.stop_reason};"
                           f" {state['error'] or run_report.errors})")
    out = Output(params={
        "front": "local, generator seed 42, speed 100×, day session 20250102", "symbol": ORDER_SYMBOL,
        "order": f"1-lot FAK buy {ORDER_OFFSET_TICKS} ticks below best bid (never fills)",
        "risk": "hook on the path, rules off (enabled = false)",
        "orders": len(samples) - warmup, "warmup": warmup, "wait": ctx.wait,
        "statuses_seen": dict(state["statuses"]), "stop_reason": run_report.stop_reason,
        "engine_errors": list(run_report.errors),
    })
    out.metrics.append(Metric("buy_to_on_order", "agent.buy → first OnRtnOrder → agent.on_order", "latency",
                              hist=Histogram.of(samples[warmup:]), warmup=warmup))
    return out


register(Scenario(
    name="order_roundtrip",
    title="agent.buy → ReqOrderInsert → local front → OnRtnOrder → agent.on_order",
    run=run_order_roundtrip,
    requires=("_core.Engine",),
    precheck=_engine_api,
))


# -- per-call C++ bindings of other components: risk check, order-manager apply ---------------------------
# Contract (bench/BENCHMARKS.md): ``_bench.bench_<x>(calls: int, warmup: int) -> Sequence[int]`` runs CALLS
# timed calls after WARMUP untimed ones, entirely in C++ with the GIL released, and returns one latency in
# ns per timed call (a list, array or buffer of integers). The harness only records and reports them.
PER_CALL_CALLS = (20_000, 1_000_000)
PER_CALL_WARMUP = (2_000, 20_000)


def _per_call_runner(binding: str, key: str, label: str, what: str) -> Callable[[Context], Output]:
    """Build a scenario runner for a per-call latency binding following the contract above."""

    def run(ctx: Context) -> Output:
        calls, warmup = ctx.size(*PER_CALL_CALLS), ctx.size(*PER_CALL_WARMUP)
        samples = [int(v) for v in getattr(ctx.bench, binding)(calls, warmup)]
        if not samples:
            raise RuntimeError(f"_bench.{binding}({calls}, {warmup}) returned no samples")
        out = Output(params={"binding": f"_bench.{binding}", "calls": calls, "warmup_calls": warmup,
                             "samples_returned": len(samples), "what": what})
        if len(samples) != calls:
            out.notes.append(f"_bench.{binding} returned {len(samples)} samples for {calls} calls")
        out.metrics.append(Metric(key, label, "latency", hist=Histogram.of(max(v, 0) for v in samples),
                                  warmup=warmup))
        return out

    return run


register(Scenario(
    name="risk",
    title="risk check of one order (C++ rule engine), per call",
    run=_per_call_runner("bench_risk_check", "risk_check", "risk engine check of one order",
                         "the risk engine's pre-trade check of one order intent, as the engine calls it"),
    requires=("_bench.bench_risk_check",),
    hint="the risk engine's bench binding, branch risk",
))
register(Scenario(
    name="order_apply",
    title="order-manager apply of one CTP order/trade event, per call",
    run=_per_call_runner("bench_order_apply", "order_apply", "order manager apply of one event",
                         "the order manager applying one OnRtnOrder / OnRtnTrade fact to a pooled order"),
    requires=("_bench.bench_order_apply",),
    hint="the order manager's bench binding, branch orders",
))


# -- baselines --------------------------------------------------------------------------------------------
def run_baseline(ctx: Context) -> Output:
    """Run the pure-Python queue pipeline (and vn.py's EventEngine if importable) on shandian's streams.

    Latency: exactly the ticks tick_agent replays (same seed, instruments, count and warm-up), on the same
    schedule (one per TICK_INTERVAL_US). Throughput: exactly the ticks the throughput scenario replays,
    flat out.
    """
    lat_stream, warmup = tick_agent_stream(ctx)
    thr_stream = throughput_stream(ctx)
    cpus = ctx.pin_pair()
    out = Output(params={
        "latency_ticks": len(lat_stream) - warmup, "latency_warmup": warmup,
        "pacing": f"absolute schedule, one tick per {TICK_INTERVAL_US} µs (as tick_agent's replay)",
        "throughput_ticks": len(thr_stream), "stream_seed": ctx.seed, "instruments": list(ticks.SYMBOLS),
        "dict_keys": 48, "consumer_wait": "block (queue.Queue.get)", "gc": "enabled",
        "cpus": {"producer": cpus[0], "consumer": cpus[1]} if cpus else "unpinned",
    })
    out.notes.append("same ticks as tick_agent (latency) and throughput (flat out): the stream those"
                     " scenarios write to the local front's CSV replay, here consumed from the list")
    out.notes.append("path: a Python producer thread stands in for the vendor callback thread: it stamps"
                     " perf_counter_ns on entry, builds vnpy_ctp's 48-key dict, queue.Queue.put → consumer"
                     " thread blocked in get → handler entry stamp. Not included (flatters the baseline): the"
                     " C++ → Python crossing and GIL acquisition of a real callback, vnpy_ctp's C++ task"
                     " queue, the struct copy and GBK decode")
    pipelines = [("standin_queue", "pure-Python stand-in (not vn.py): queue.Queue", baseline.python_queue)]
    missing = baseline.vnpy_available()
    if missing is None:
        pipelines.append(("standin_eventengine", f"Python stand-in thread → vn.py {baseline.vnpy_version()}"
                          " EventEngine (not the CTP gateway)", baseline.vnpy_eventengine))
        out.params["vnpy_version"] = baseline.vnpy_version()
    else:
        out.notes.append(f"vn.py EventEngine: not available: {missing} (optional extra `bench-vnpy`)")
    for key, label, pipeline in pipelines:
        lat = pipeline(lat_stream, len(lat_stream), interval_s=TICK_INTERVAL_US / 1e6, cpus=cpus)
        out.params[f"{key}_latency_run_ticks_per_s"] = round(lat.ticks_per_s)  # the paced rate achieved
        out.metrics.append(Metric(f"{key}_latency", f"{label}: put → handler", "latency",
                                  hist=Histogram.of(lat.latencies_ns[warmup:]), warmup=warmup))
        thr = pipeline(thr_stream, len(thr_stream), interval_s=0.0, cpus=cpus)
        out.metrics.append(Metric(f"{key}_throughput", f"{label}: flat out", "rate", rate=thr.ticks_per_s,
                                  unit="ticks/s", runs=[thr.ticks_per_s]))
    return out


register(Scenario(
    name=BASELINE,
    title="pure-Python stand-ins (no CTP, no vn.py gateway): a Python thread → dict → queue.Queue or vn.py"
          " EventEngine → handler",
    run=run_baseline,
    harness_owned=True,
))


# -- the machine's wake-up floor --------------------------------------------------------------------------
WAKE_SAMPLES = (3_000, 50_000)
WAKE_WARMUP = (300, 2_000)
WAKE_POLL_NS = 50_000  # the local front's callback-thread poll before it sleeps (sim/api/callback_queue.hpp)


def run_wake_floor(ctx: Context) -> Output:
    """Futex ping-pong between two C++ threads: what any blocking hand-off costs on this machine, at least.

    Three rows: the floor itself (the waker sleeps right after FUTEX_WAKE); the same while the waker polls
    on for 50 µs before it sleeps, as a consumer with a spin-before-block does; and that poll yielding
    about every microsecond, as the engine's and the local front's block waits do.
    """
    samples, warmup = ctx.size(*WAKE_SAMPLES), ctx.size(*WAKE_WARMUP)
    gap_ns = TICK_INTERVAL_US * 1000
    out = Output(params={
        "binding": "_bench.bench_wake_floor", "samples": samples, "warmup": warmup,
        "gap": f"{TICK_INTERVAL_US} µs busy-wait by the waker before each wake (the sleeper is asleep, as"
               " the engine thread is between ticks)", "threads": "unpinned",
    })
    rows = (
        ("futex_wake", "futex wake → sleeper running (waker sleeps at once)", 0, False),
        ("futex_wake_behind_poll", f"  same, waker polls {WAKE_POLL_NS // 1000} µs after waking",
         WAKE_POLL_NS, False),
        ("futex_wake_behind_yielding_poll", "  same, that poll yielding ~every µs", WAKE_POLL_NS, True),
    )
    for key, label, poll_ns, yields in rows:
        nanos = ctx.bench.bench_wake_floor(samples, warmup, gap_ns, poll_ns, yields)
        out.metrics.append(Metric(key, label, "latency", hist=Histogram.of(max(int(v), 0) for v in nanos),
                                  warmup=warmup))
    out.notes.append("tick_agent in block mode is compared with futex_wake (target: p50 ≤ 1.5×); a poll that"
                     " does not yield delays a thread the scheduler queued on the polling CPU by the poll")
    return out


register(Scenario(
    name=WAKE_FLOOR,
    title="the machine's wake-up floor: futex ping-pong between two C++ threads",
    run=run_wake_floor,
    requires=("_bench.bench_wake_floor",),
))


# -- the real vn.py CTP gateway on the same front and stream ---------------------------------------------
VNPY_CTP_FLAT_RUNS = (1, 3)
VNPY_CTP_TIMEOUT_S = 120.0


def _vnpy_ctp_precheck(ctx: Context) -> str | None:
    """Why vnpy_ctp cannot be measured here (not installed, other version, no vnpy, no local front)."""
    from shandian.bench import vnpy_gateway

    return vnpy_gateway.unavailable_reason() or _local_front_dir(ctx)


def run_vnpy_ctp(ctx: Context) -> Output:
    """vnpy_ctp's CtpGateway on the local front: the tick_agent stream paced, the throughput stream flat out.

    Both replays are the shandian scenarios' own (same CSV, front settings and speed); the handler is an
    EVENT_TICK handler on vn.py's EventEngine, stamping ``monotonic_ns`` on entry. Compared by what both
    sides can be measured by: lag behind the replay schedule, and ticks/s delivered flat out.
    """
    import tempfile

    from shandian.bench import vnpy_gateway
    from shandian.paths import library_dir

    lib_dir = library_dir("local")
    lat_stream, warmup = tick_agent_stream(ctx)
    thr_stream = throughput_stream(ctx)
    runs = ctx.size(*VNPY_CTP_FLAT_RUNS)
    out = Output(params={
        "gateway": f"vnpy_ctp {vnpy_gateway.VNPY_CTP_VERSION} CtpGateway (unmodified), vnpy"
                   f" {baseline.vnpy_version()}, built from the sdist, bound to the local front's {lib_dir}",
        "handler": "EVENT_TICK handler on vn.py's EventEngine (a strategy's on_tick entry)",
        "paced": f"tick_agent's stream: {len(lat_stream)} ticks, one per {TICK_INTERVAL_US} µs"
                 f" (speed {TICK_AGENT_SPEED}×), {warmup} warm-up ticks dropped",
        "flat_out": f"throughput's stream: {len(thr_stream)} ticks at speed {THROUGHPUT_SPEED}×,"
                    f" {runs} run(s)",
    })
    with tempfile.TemporaryDirectory(prefix="shandian-bench-vnpy-") as tmp:
        paced = _vnpy_ctp_once(lat_stream, Path(tmp) / "paced.csv", TICK_AGENT_SPEED, "benchvnpy0")
        out.params["paced_delivery"] = _delivery_check(paced.ticks, lat_stream)
        out.params["paced_phases_s"] = {k: round(v, 3) for k, v in paced.phases.items()}
        out.metrics.append(_schedule_lag_metric("the vn.py handler", paced.arrivals_ns, warmup))
        rates = []
        for i in range(runs):
            flat = _vnpy_ctp_once(thr_stream, Path(tmp) / "flat.csv", THROUGHPUT_SPEED, f"benchvnpy{i + 1}")
            out.params[f"flat_delivery_run{i + 1}"] = _delivery_check(flat.ticks, thr_stream)
            out.params[f"flat_phases_s_run{i + 1}"] = {k: round(v, 3) for k, v in flat.phases.items()}
            rates.append((len(flat.arrivals_ns) - 1) / ((flat.arrivals_ns[-1] - flat.arrivals_ns[0]) / 1e9))
        out.metrics.append(Metric("ticks_per_s", "vn.py CtpGateway (flat out) → EVENT_TICK handler", "rate",
                                  rate=statistics.median(rates), unit="ticks/s", runs=rates))
    out.notes.append("the gateway's own path: the front's md callback thread → vnpy_ctp's C++ task queue →"
                     " its task thread takes the GIL → onRtnDepthMarketData builds the dict → TickData →"
                     " EventEngine.put (twice: eTick. and eTick.<vt_symbol>) → the EventEngine thread →"
                     " handler")
    return out


def _vnpy_ctp_once(stream: list[ticks.Tick], csv_path: Path, speed: int, name: str) -> Any:
    """One gateway run over STREAM replayed at SPEED by a fresh local front instance NAME."""
    from shandian.bench import vnpy_gateway
    from shandian.config import Config
    from shandian.paths import library_dir

    ticks.write_csv(stream, csv_path)
    account = Config.local(name=name, speed=speed, source=f"csv:{csv_path}").account
    credentials = {"broker_id": account.broker_id, "user_id": account.user_id,
                   "password": account.password.reveal(), "app_id": account.app_id,
                   "auth_code": account.auth_code.reveal()}
    run = vnpy_gateway.run_gateway(account.md_fronts[0], library_dir("local"), ticks.SYMBOLS, len(stream),
                                   credentials, VNPY_CTP_TIMEOUT_S)
    check = _delivery_check(run.ticks, stream)
    if not check["same_ticks_in_order"]:
        raise RuntimeError(f"vn.py's handler did not get the replayed ticks in order: {check};"
                           f" gateway log: {run.log[-6:]}")
    return run


register(Scenario(
    name=VNPY_CTP,
    title="the real vn.py CTP gateway (vnpy_ctp CtpGateway) on the same local front and tick stream",
    run=run_vnpy_ctp,
    precheck=_vnpy_ctp_precheck,
    optional=True,
))
