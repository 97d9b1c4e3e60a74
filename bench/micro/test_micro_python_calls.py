"""pytest-benchmark micro-benchmarks of Python-visible calls: `python -m pytest bench/micro`.

What exists today: a small binding round trip (`_core.build_info`), the tick access a vn.py-style strategy
pays (a 48-key dict) next to attribute access on a tuple-backed tick, and the harness's own recording
cost. `agent.buy`, position views and `sd.Tick` attribute access join this file when the Agent API lands.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytest_benchmark", exc_type=ImportError)

from shandian.bench.stats import Histogram
from shandian.bench.ticks import ctp_dict, make_stream

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
