"""The run report's table and JSON forms (pure Python: no engine needed)."""

from __future__ import annotations

import json

from shandian.histogram import Histogram
from shandian.report import AgentReport, PositionRow, RunReport


def sample() -> RunReport:
    ok = AgentReport(
        "quoter",
        "agents.Quoter",
        "ok",
        orders=10,
        fills=6,
        filled_lots=6,
        cancels=4,
        rejects={"CTP_REJECTED (CTP 30): CTP:平仓量超过持仓量": 2, "PRICE_NOT_ON_TICK": 1},
        positions=[PositionRow("m2505", 1, 0, 2700.5, 0.0, 2702.0, -30.0, 15.0)],
    )
    bad = AgentReport(
        "crash", "x.Crash", "failed: ZeroDivisionError in on_tick: division by zero", traceback="tb"
    )
    return RunReport(
        config="demo.toml",
        front="local://demo",
        elapsed_s=3.2,
        stop_reason="interrupted (Ctrl-C)",
        agents=[ok, bad],
        latency=Histogram.of([1000, 2000, 3000, 100_000]),
        ticks=4,
        batches=3,
        session={"logins": 1},
        account={"balance": 1e7, "available": 1e7, "current_margin": 0.0},
        errors=["1 orders still working at stop"],
    )


def test_report_when_formatted_shows_agents_rejects_positions_and_latency() -> None:
    text = sample().format()
    assert "stopped: interrupted (Ctrl-C)" in text
    assert "quoter" in text and "m2505" in text and "2700.50" in text
    assert "CTP_REJECTED (CTP 30)" in text and "PRICE_NOT_ON_TICK" in text
    assert "crash: ZeroDivisionError in on_tick" in text
    assert "  p50 2.0" in text and "max 100.0" in text
    assert "error      1 orders still working at stop" in text
    assert max(len(line) for line in text.splitlines() if not line.startswith(("front", "library"))) <= 110


def test_report_when_serialised_round_trips_through_json() -> None:
    data = json.loads(sample().to_json())
    assert data["agents"][0]["realized_pnl"] == -30.0 and data["agents"][0]["unrealized_pnl"] == 15.0
    assert abs(data["latency_us"]["p50"] - 2.0) < 0.01 and data["latency_samples"] == 4
    assert data["agents"][1]["status"].startswith("failed")


def test_report_when_nothing_happened_says_so() -> None:
    r = RunReport("c", "f", 0.0, "stopped", [], Histogram())
    text = r.format()
    assert "(no fills)" in text and "(none)" in text and "p50 -" in text
