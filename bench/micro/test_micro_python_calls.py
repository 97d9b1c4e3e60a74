"""pytest-benchmark micro-benchmarks of Python-visible calls: `python -m pytest bench/micro`.

What is here: a small binding round trip (`_core.build_info`), the tick access a vn.py-style strategy
pays (a 48-key dict) next to attribute access on a tuple-backed tick, and the harness's own recording
cost, and, on a live engine against the local front, `agent.buy`, `agent.position` and `sd.Tick` reads.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytest_benchmark", exc_type=ImportError)

from shandian.bench.ticks import ctp_dict, make_stream
from shandian.histogram import Histogram

TICK = make_stream(1, 1)[0]


def test_core_build_info_call(benchmark: Any) -> None:
    """One pybind11 call that builds a small dict: the floor of any binding that returns a Python object."""
    core = pytest.importorskip("shandian._core", exc_type=ImportError)
    info = benchmark(core.build_info)
    assert "compiler" in info


def test_vnpy_style_tick_dict_build(benchmark: Any) -> None:
    """Building the 48-key CTP dict vn.py builds per tick on its callback thread."""
    assert len(benchmark(ctp_dict, TICK)) == 48


def test_vnpy_style_tick_dict_field_access(benchmark: Any) -> None:
    """Reading five fields from the per-tick dict, as a strategy's on_tick does."""
    d = ctp_dict(TICK)

    def read() -> float:
        return d["LastPrice"] + d["BidPrice1"] + d["AskPrice1"] + d["BidVolume1"] + d["AskVolume1"]

    assert benchmark(read) > 0


def test_tuple_tick_attribute_access(benchmark: Any) -> None:
    """The same five reads as attributes of a NamedTuple tick (the reference for `sd.Tick` access)."""
    t = TICK

    def read() -> float:
        return t.last_price + t.bid[0] + t.ask[0] + t.bid_volume[0] + t.ask_volume[0]

    assert benchmark(read) > 0


def test_harness_histogram_record(benchmark: Any) -> None:
    """The harness's cost per recorded sample (it records after a run, never inside the timed path)."""
    hist = Histogram()
    benchmark(hist.record, 123_456)
    assert hist.count > 0


# ---- the Agent API on a live engine (local front) ----------------------------------------------------------
# pytest-benchmark runs inside the agent's first on_tick with a bid and an ask: that is the engine thread,
# with the session logged in, so these are the real calls an agent makes (no mock of the engine or the front).

SYM = "rb2505"


def _bench_in_agent(benchmark: Any, body: Any, *, risk_rules: bool = True, rounds: int = 200,
                    iterations: int = 10) -> Any:
    """Run `body(agent, tick)` under `benchmark.pedantic` inside a live agent's on_tick; return its result."""
    import dataclasses

    import shandian as sd
    from shandian.risk import parse_risk
    from shandian.testing import local_engine

    out: dict[str, Any] = {}

    class Bencher(sd.Agent):
        """Benchmarks one call on the engine thread, then stops the run."""

        def on_tick(self, t: sd.Tick) -> None:
            if out or t.bid_price1 <= 0 or t.ask_price1 <= 0:
                return
            out["result"] = benchmark.pedantic(body, args=(self, t), rounds=rounds, iterations=iterations,
                                               warmup_rounds=1)
            self._engine.stop("benchmark done")

    engine = local_engine([(Bencher("bench"), [SYM])])
    if not risk_rules:  # the order-rate windows would refuse a benchmark's thousands of orders
        engine.config = dataclasses.replace(engine.config, risk=parse_risk({"enabled": False}))
    engine.run(duration=60)
    assert "result" in out, "the agent never saw a two-sided tick"
    return out["result"]


def test_agent_tick_attribute_access(benchmark: Any) -> None:
    """Five reads of `sd.Tick` attributes (a C++ record): compare with the dict and NamedTuple reads above."""

    def read(_agent: Any, t: Any) -> float:
        return t.last_price + t.bid_price1 + t.ask_price1 + t.bid_volume1 + t.ask_volume1

    assert _bench_in_agent(benchmark, read) > 0


def test_agent_position_view(benchmark: Any) -> None:
    """`agent.position(symbol)`: the agent's own position, read from the C++ ledger."""
    pos = _bench_in_agent(benchmark, lambda agent, _t: agent.position(SYM))
    assert pos.long == 0 and pos.short == 0


def test_agent_buy(benchmark: Any) -> None:
    """`agent.buy(...)` of a resting limit order far below the market, up to ReqOrderInsert written.

    Validation, pooled order, SUBMITTING, the local front's ReqOrderInsert (risk rules off: the order-rate
    window would refuse the benchmark's 500 orders).
    """

    def buy(agent: Any, t: Any) -> int:
        tick = agent.instrument(SYM).price_tick
        return agent.buy(SYM, max(t.lower_limit_price, t.bid_price1 - 20 * tick), 1)

    assert _bench_in_agent(benchmark, buy, risk_rules=False, rounds=50, iterations=10) > 0
