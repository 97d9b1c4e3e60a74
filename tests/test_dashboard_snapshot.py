"""The engine's C++ state snapshot against the engine's own books: after a demo run, the last snapshot
holds each agent's positions and counters as the ledgers do, and the latency percentiles as
shandian.histogram computes them; a file that is not a snapshot is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from shandian import _core
from shandian.histogram import Histogram
from tests.dashboard_engine import demo_engine, wait_for


def test_snapshot_reader_when_file_is_not_a_snapshot_value_error_names_it(tmp_path: Path) -> None:
    path = tmp_path / "other.bin"
    path.write_bytes(b"x" * 100)
    with pytest.raises(ValueError, match=r"other\.bin"):
        _core.SnapshotReader(str(path))
    with pytest.raises(ValueError, match="missing"):
        _core.SnapshotReader(str(tmp_path / "missing"))


def test_snapshot_when_demo_ran_matches_ledgers_and_latency_histogram(tmp_path: Path) -> None:
    with demo_engine(tmp_path, duration=8.0) as run:
        reader = _core.SnapshotReader(str(tmp_path / "run.snapshot"))
        wait_for(
            lambda: (reader.read() or {}).get("orders_total", 0) > 0, 20, "working orders in the snapshot"
        )
        live = reader.read()
        assert live["trader_state"] == "ready" and live["trading_ready"]
        assert {i["symbol"] for i in live["instruments"]} == {"rb2505", "cu2502", "m2505", "au2506"}
        run.thread.join(30)
    engine = run.engine
    engine._flush_latency()
    assert engine._rt.publish_snapshot()
    snap = reader.read()
    names = {a["id"]: a["name"] for a in snap["agents"]}
    assert set(names.values()) >= {a.name for a in engine.agents}
    for agent in engine.agents:
        rows = {p["symbol"]: p for p in snap["positions"] if names[p["agent"]] == agent.name}
        for symbol, position in agent.positions.items():
            row = rows.get(symbol, {"long": 0, "short": 0})
            assert (row["long"], row["short"]) == (position.long, position.short), agent.name
        ledger = engine._rt.agent_ledger(engine._states[agent].agent_id)
        mine = next(a for a in snap["agents"] if a["name"] == agent.name)
        assert (mine["orders"], mine["fills"]) == (ledger.orders, ledger.fills)
        assert mine["realized_pnl"] == pytest.approx(ledger.realized_pnl)
    hist = Histogram.from_dict(engine._hist.to_dict())
    assert hist.count > 100 and snap["latency_ns"]["count"] == hist.count
    for p in (50, 90, 99):
        assert snap["latency_ns"][f"p{p}"] == hist.percentile(p)
    assert snap["latency_ns"]["max"] == hist.max
