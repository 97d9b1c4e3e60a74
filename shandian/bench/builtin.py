"""The built-in scenarios. Each measures real code through its binding; none is simulated in Python.

Scenarios whose code under test has not landed are registered with ``planned`` set, so the table shows
what is missing instead of silently leaving a row out; the issue that builds the code replaces ``planned``
with a runner.
"""

from __future__ import annotations

import statistics

from shandian.bench import baseline
from shandian.bench.scenarios import Context, Metric, Output, Scenario, register
from shandian.bench.stats import Histogram

RING_REFERENCE_RATE = (
    "rigtorp/SPSCQueue ≈ 260 M items/s on this workplace's 2-vCPU machines (quoted, not measured here)"
)
RING_REFERENCE_RTT = (
    "rigtorp/SPSCQueue ≈ 160 ns round trip on this workplace's 2-vCPU machines (quoted, not measured here)"
)
BASELINE = "baseline"


def _rate_metric(key: str, label: str, runs: list[dict[str, float]], rate_key: str, unit: str) -> Metric:
    """Build a rate metric from repeated binding results: median of the runs, every run kept."""
    rates = [float(r[rate_key]) for r in runs]
    return Metric(key, label, "rate", rate=statistics.median(rates), unit=unit, runs=rates)


# -- ring ------------------------------------------------------------------------------------------------
def run_ring(ctx: Context) -> Output:
    """SPSC throughput (repeated), SPSC ping-pong round trip, and MPSC throughput when bound."""
    core = ctx.core
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
        out.notes.append("MPSC throughput: not available in this build: _core.bench_mpsc_throughput missing")
    return out


register(Scenario(
    name="ring",
    title="lock-free rings (SpscRing, MpscQueue) between two threads",
    run=run_ring,
    requires=("bench_ring_throughput", "bench_ring_roundtrip"),
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

    core = ctx.core
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
        out.notes.append("insert → OnRtnOrder: not available in this build: _core.bench_front_insert_latency"
                         " missing")
    return out


register(Scenario(
    name="front",
    title="local front (shandian's CTP-ABI libraries) through the CTP API",
    run=run_front,
    requires=("bench_front_ticks",),
    precheck=_local_front_dir,
))


# -- tick → Python agent through the local front ---------------------------------------------------------
TICK_AGENT_INSTRUMENTS = ("rb2505", "cu2502", "m2505")


def _engine_api(ctx: Context) -> str | None:
    """Why the Python Engine/Agent layer or the local front cannot be used, or None."""
    try:
        import shandian.engine  # noqa: F401
        from shandian.config import Config  # noqa: F401
    except Exception as exc:  # the engine layer imports _core types at import time
        return f"shandian.engine does not import ({type(exc).__name__}: {exc})"
    return _local_front_dir(ctx)


def run_tick_agent(ctx: Context) -> Output:
    """Local front md thread → engine loop → a no-op Python agent; latency stamped in on_tick itself.

    Each sample is ``time.monotonic_ns()`` at ``on_tick`` entry minus the tick's ``recv_ns`` (stamped
    with CLOCK_MONOTONIC in the vendor md callback), so it spans: the Spi copy into the ring, the
    engine's wait, the batch hand-off with the GIL, and Python dispatch.
    """
    import dataclasses
    import io
    import time
    from array import array
    from typing import Any

    import shandian as sd
    from shandian.config import Config
    from shandian.engine import Engine

    seconds = ctx.size(1.5, 20.0)
    speed = 500
    warmup = ctx.size(200, 2_000)

    window_ns = int(seconds * 1e9)
    stop: list[Any] = []

    class NoopAgent(sd.Agent):  # type: ignore[misc, name-defined]
        """Records its own on_tick entry latency; stops the engine SECONDS after its first tick."""

        def on_start(self) -> None:
            self.lat = array("q")
            self.t_first = self.t_last = 0

        def on_tick(self, tick: object) -> None:
            now = time.monotonic_ns()
            self.lat.append(now - tick.recv_ns)  # type: ignore[attr-defined]
            if not self.t_first:
                self.t_first = now
            self.t_last = now
            if now - self.t_first > window_ns and stop:
                stop.pop()("bench window done")

    config = Config.local(name="bench", speed=speed, instruments=["rb", "cu", "m"], seed=42, session="day",
                          trading_day=20250102)
    config.engine = dataclasses.replace(config.engine, wait=ctx.wait, progress_interval=3600.0)
    engine = Engine(config, out=io.StringIO(), config_name="bench tick_agent")
    agent = engine.add_agent(NoopAgent("bench-noop"), TICK_AGENT_INSTRUMENTS)
    stop.append(engine.stop)
    run_report = engine.run(duration=seconds + 60.0)  # the window starts at the first tick, after login
    samples = [max(v, 0) for v in getattr(agent, "lat", [])]
    if len(samples) <= warmup:
        raise RuntimeError(f"only {len(samples)} ticks reached the agent in {seconds:g} s"
                           f" (stop: {run_report.stop_reason}; errors: {run_report.errors})")
    span = (agent.t_last - agent.t_first) / 1e9
    out = Output(params={
        "front": f"local, generator seed 42, speed {speed}×, day session 20250102",
        "instruments": list(TICK_AGENT_INSTRUMENTS), "window_seconds": seconds, "warmup_ticks": warmup,
        "wait": ctx.wait, "ticks_to_agent": len(samples),
        "delivered_ticks_per_s": round(len(samples) / span) if span > 0 else None,
        "stop_reason": run_report.stop_reason,
    })
    out.metrics.append(Metric("tick_latency", "md callback (recv_ns) → Python on_tick", "latency",
                              hist=Histogram.of(samples[warmup:]), warmup=warmup,
                              compare_with=f"{BASELINE}:queue_latency"))
    out.notes.append("ticks come from the local front's own seeded generator, the baseline's from the harness"
                     " stream (same kind of depth snapshot, different values); the front delivers them in"
                     " exchange-time bursts, the baseline paced one by one")
    out.notes.append("the C++ agent-hook half of this scenario needs a C++ agent binding (not in this build)")
    return out


register(Scenario(
    name="tick_agent",
    title="tick → agent: vendor md callback entry → Python on_tick entry, through the local front",
    run=run_tick_agent,
    requires=("Engine",),
    baselines=(BASELINE,),
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
    from typing import Any

    import shandian as sd
    from shandian.config import Config
    from shandian.engine import Engine

    orders = ctx.size(300, 5_000)
    warmup = ctx.size(30, 200)
    state: dict[str, Any] = {"lat": [], "pending": None, "t0": 0, "statuses": Counter(), "tick": None,
                             "error": ""}

    class PingAgent(sd.Agent):  # type: ignore[misc, name-defined]
        """Sends the next FAK when the previous one is final; stamps buy → first OnRtnOrder."""

        def _send(self) -> None:
            if len(state["lat"]) >= orders + warmup:
                engine.stop("bench orders done")
                return
            tick = state["tick"]
            step = engine.instrument(ORDER_SYMBOL)["price_tick"]
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
    engine = Engine(config, out=io.StringIO(), config_name="bench order_roundtrip")
    engine.add_agent(PingAgent("bench-ping"), [ORDER_SYMBOL])
    run_report = engine.run(duration=ctx.size(60.0, 600.0))
    samples = state["lat"]
    if state["error"] or len(samples) <= warmup:
        raise RuntimeError(f"{len(samples)} orders completed (stop: {run_report.stop_reason};"
                           f" {state['error'] or run_report.errors})")
    out = Output(params={
        "front": "local, generator seed 42, speed 100×, day session 20250102", "symbol": ORDER_SYMBOL,
        "order": f"1-lot FAK buy {ORDER_OFFSET_TICKS} ticks below best bid (never fills)",
        "orders": len(samples) - warmup, "warmup": warmup, "wait": ctx.wait,
        "statuses_seen": dict(state["statuses"]), "stop_reason": run_report.stop_reason,
    })
    out.metrics.append(Metric("buy_to_on_order", "agent.buy → first OnRtnOrder → agent.on_order", "latency",
                              hist=Histogram.of(samples[warmup:]), warmup=warmup))
    return out


register(Scenario(
    name="order_roundtrip",
    title="agent.buy → ReqOrderInsert → local front → OnRtnOrder → agent.on_order",
    run=run_order_roundtrip,
    requires=("Engine",),
    precheck=_engine_api,
))


# -- scenarios whose code lands with later issues --------------------------------------------------------
_PLANNED: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("risk", "risk check of one order (C++ rule engine)",
     "no risk engine yet (cpp/risk is empty; lands with the risk issue), and no _core bench binding", ()),
    ("order_manager", "order-manager apply of one CTP order/trade event",
     "no _core bench binding that times cpp/core's OrderManager apply in isolation (needs e.g."
     " _core.bench_order_manager(events) -> list[int])", ()),
    ("throughput", "ticks/s into a no-op Python agent (and the backtest path)",
     "no runner yet: needs the local front to deliver ticks as fast as they are consumed (speed=0 gave 3"
     " ticks in 4 s in a trial) and the backtest driver (lands with the backtest issue)", (BASELINE,)),
    ("stages", "per-order stage stamps md → insert → ack → trade (Kungfu style)",
     "no stamped order path yet (lands with the gateway / journal issues)", ()),
)
for _name, _title, _missing, _baselines in _PLANNED:
    register(Scenario(name=_name, title=_title, planned=_missing, baselines=_baselines))


# -- baselines --------------------------------------------------------------------------------------------
def run_baseline(ctx: Context) -> Output:
    """Measure the pure-Python queue pipeline (and vn.py's EventEngine if importable) on the tick stream."""
    stream = ctx.stream
    lat_n = ctx.size(3_000, 50_000)
    warmup = ctx.size(300, 2_000)
    thr_n = ctx.size(30_000, 500_000)
    interval_us = 100
    cpus = ctx.pin_pair()
    out = Output(params={
        "latency_ticks": lat_n, "latency_warmup": warmup, "pacing": f"time.sleep({interval_us} µs) per tick",
        "throughput_ticks": thr_n, "stream_ticks": len(stream), "stream_seed": ctx.seed,
        "dict_keys": 48, "consumer_wait": "block (queue.Queue.get)", "gc": "enabled",
        "cpus": {"producer": cpus[0], "consumer": cpus[1]} if cpus else "unpinned",
    })
    pipelines = [("queue", "python queue.Queue pipeline", baseline.python_queue)]
    missing = baseline.vnpy_available()
    if missing is None:
        pipelines.append(("vnpy", f"vn.py {baseline.vnpy_version()} EventEngine", baseline.vnpy_eventengine))
        out.params["vnpy_version"] = baseline.vnpy_version()
    else:
        out.notes.append(f"vn.py EventEngine: not available: {missing} (optional extra `bench-vnpy`)")
    for key, label, pipeline in pipelines:
        lat = pipeline(stream, lat_n + warmup, interval_s=interval_us / 1e6, cpus=cpus)
        out.params[f"{key}_latency_run_ticks_per_s"] = round(lat.ticks_per_s)  # the paced rate achieved
        out.metrics.append(Metric(f"{key}_latency", f"{label}: callback → handler", "latency",
                                  hist=Histogram.of(lat.latencies_ns[warmup:]), warmup=warmup))
        thr = pipeline(stream, thr_n, interval_s=0.0, cpus=cpus)
        out.metrics.append(Metric(f"{key}_throughput", f"{label}: flat out", "rate", rate=thr.ticks_per_s,
                                  unit="ticks/s", runs=[thr.ticks_per_s]))
    return out


register(Scenario(
    name=BASELINE,
    title="baselines: pure-Python callback → dict → queue.Queue → thread → handler; vn.py EventEngine",
    run=run_baseline,
    harness_owned=True,
))
