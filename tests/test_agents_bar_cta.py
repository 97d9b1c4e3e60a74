"""agents/bar_cta.py against the local front: the dual moving average on 5-minute bars and the Bollinger
mean reversion trade on C++-built bars, with decisions that follow their indicators."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import shandian as sd
from shandian import ta
from shandian.testing import local_engine

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("agents_bar_cta", ROOT / "agents" / "bar_cta.py")
assert _spec is not None and _spec.loader is not None
bar_cta = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bar_cta)


def _recording(base: type) -> type:
    class Recording(base):  # type: ignore[misc, valid-type]
        """Records the closes, targets and the net position after each fill; stops after `fills` fills."""

        def on_start(self) -> None:
            super().on_start()
            self.closes: list[float] = []
            self.targets: list[int | None] = []
            self.nets: list[int] = []

        def target(self, bar: sd.Bar) -> int | None:
            self.closes.append(bar.close)
            wanted = super().target(bar)
            self.targets.append(wanted)
            return wanted

        def on_trade(self, trade: sd.Trade) -> None:
            self.nets.append(self.position(trade.symbol).net)
            if len(self.nets) >= 4 and self.pending is None:
                self._engine.stop("enough fills")

    return Recording


def _run(agent: Any, interval: str, speed: int) -> sd.RunReport:
    engine = local_engine([], speed=speed, seed=5)
    engine.add_agent(agent, [], bars={"rb2505": [interval]})
    return engine.run(duration=60)


def test_agents_bar_cta_when_dual_ma_crosses_on_5m_bars_it_trades_the_cross() -> None:
    agent = _recording(bar_cta.DualMA)("dual-ma", {"fast": 2, "slow": 4, "lots": 1})
    report = _run(agent, "5m", 1200)
    row = report.agents[0]
    assert row.status == "ok", report.format()
    assert report.stop_reason == "enough fills", report.format()
    assert agent.bars_seen >= 4 and agent.crosses >= 2
    # The targets are the sign of SMA(2) - SMA(4) over the closes it was given (held on a tie).
    fast, slow = ta.sma(_arr(agent.closes), 2), ta.sma(_arr(agent.closes), 4)
    side = 0
    for k, wanted in enumerate(agent.targets):
        if k < 3:
            assert wanted is None
            continue
        side = 1 if fast[k] > slow[k] else -1 if fast[k] < slow[k] else side
        assert wanted == side
    assert all(abs(n) <= 1 for n in agent.nets)
    assert row.fills >= 4 and not agent.working_orders


def test_agents_bar_cta_when_bollinger_band_is_left_it_fades_and_exits() -> None:
    agent = _recording(bar_cta.BollingerRevert)("boll", {"period": 5, "nbdev": 1.0, "lots": 1})
    report = _run(agent, "1m", 600)
    row = report.agents[0]
    assert row.status == "ok", report.format()
    assert report.stop_reason == "enough fills", report.format()
    upper, _, lower = ta.bbands(_arr(agent.closes), 5, 1.0, 1.0)
    for k, wanted in enumerate(agent.targets):
        if wanted == 1:
            assert agent.closes[k] < lower[k]
        elif wanted == -1:
            assert agent.closes[k] > upper[k]
    assert agent.entries >= 1 and all(abs(n) <= 1 for n in agent.nets)
    assert not agent.working_orders


def test_agents_bar_cta_when_params_invalid_are_refused() -> None:
    with pytest.raises(sd.ParamError, match="fast/slow"):
        bar_cta.DualMA("d", {"fast": 20, "slow": 10})
    with pytest.raises(sd.ParamError, match="period"):
        bar_cta.BollingerRevert("b", {"period": 1})
    with pytest.raises(sd.ParamError, match="lots"):
        bar_cta.BollingerRevert("b", {"lots": 0})


def test_agents_bar_cta_when_run_from_the_example_config_reports_trades() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shandian", "run", str(ROOT / "examples" / "bars.toml"), "--duration", "15"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "dual-ma-rb" in out and "bollinger-rb" in out, out


def _arr(values: list[float]) -> Any:
    import numpy as np

    return np.asarray(values, dtype=np.float64)
