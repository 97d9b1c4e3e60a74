"""The backtest scenario's optional baselines (shandian/bench/backtest_baselines.py): vn.py's CTA backtester
and backtrader. Absent, each is reported unavailable with the reason and the harness still succeeds;
present, each runs in a process of its own, and its strategies send the same orders (and, in bar mode, get
the same fills) as shandian's bench agents on the same small data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from shandian.bench import backtest_baselines as baselines
from shandian.bench import exit_status, report
from shandian.bench.backtest_baselines import (
    BACKTRADER,
    BACKTRADER_BAR_RATE,
    ORDER_EVERY,
    VNPY,
    VNPY_BAR_RATE,
    VNPY_TICK_RATE,
)
from shandian.bench.scenarios import REGISTRY, Context, Metric, Result, execute, with_baselines

SMALL_BARS = 3000  # ~13 trading days of the seeded bar file: a few hundred dual-SMA round trips


def _skip_unless(reason: str | None) -> None:
    if reason is not None:
        pytest.skip(reason)


def _counting(agent_class: type) -> type:
    """The bench agent with every buy / sell counted (the orders it sent)."""

    class Counting(agent_class):  # type: ignore[misc,valid-type]
        orders = 0

        def buy(self, *args, **kwargs):
            self.orders += 1
            return super().buy(*args, **kwargs)

        def sell(self, *args, **kwargs):
            self.orders += 1
            return super().sell(*args, **kwargs)

    return Counting


def _shandian_dual_ma_on_bars(tmp_path: Path, n_bars: int) -> tuple[int, int]:
    """Orders and fills of the scenario's dual-MA agent on the seeded bar file in bar-input mode."""
    from shandian.bench.backtest import _agents
    from shandian.bench.backtest_bars import run_bar_backtest, write_bar_file

    agent = _counting(_agents()["dual_ma"])("dual_ma", {})
    _, _, fills = run_bar_backtest(write_bar_file(tmp_path / "bars.parquet", n_bars), agent)
    assert agent.bars == n_bars
    return agent.orders, fills


def test_backtest_scenario_when_selected_runs_both_baselines_in_the_same_run():
    assert with_baselines(["backtest"], REGISTRY) == [VNPY, BACKTRADER, "backtest"]
    assert REGISTRY[VNPY].optional and REGISTRY[BACKTRADER].optional
    assert not REGISTRY["backtest"].optional


@pytest.mark.parametrize(("name", "module", "ref"), [(VNPY, "vnpy_ctastrategy.backtesting", VNPY_BAR_RATE),
                                                     (BACKTRADER, "backtrader", BACKTRADER_BAR_RATE)])
def test_baseline_when_its_library_is_absent_is_unavailable_with_the_reason_and_the_harness_succeeds(
        monkeypatch, name, module, ref):
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    result = execute(REGISTRY[name], Context(quick=True))
    assert result.status == "unavailable"
    assert "not importable" in result.reason and "bench-backtest" in result.reason
    assert result.reason in report.render_table([result])  # printed in the run's table
    assert exit_status([result]) == 0
    # the shandian row that compares with it prints why there is no ratio instead of one
    mine = Metric("dual_ma_bar_input", "bars", "rate", rate=1e6, unit="bars/s", compare_with=ref)
    cmp = report.comparison(mine, [result, Result("backtest", "t", "ok", metrics=[mine])])
    assert cmp is not None and "ratios" not in cmp and "not importable" in cmp["missing"]


def test_vnpy_bar_mode_when_replaying_the_bar_file_sends_the_orders_and_gets_the_fills_of_the_dual_ma_agent(
        tmp_path):
    _skip_unless(baselines.vnpy_unavailable())
    from shandian.bench.backtest_baseline_run import measure

    vnpy = measure("vnpy", "bar", SMALL_BARS)
    orders, fills = _shandian_dual_ma_on_bars(tmp_path, SMALL_BARS)
    assert vnpy["events"] == SMALL_BARS
    assert orders > 100
    assert (vnpy["orders"], vnpy["trades"]) == (orders, fills)


@pytest.mark.parametrize("mode", ["next", "runonce"])
def test_backtrader_when_replaying_the_bar_file_sends_the_orders_and_gets_the_fills_of_the_dual_ma_agent(
        tmp_path, mode):
    _skip_unless(baselines.backtrader_unavailable())
    from shandian.bench.backtest_baseline_run import measure

    bt = measure("backtrader", mode, SMALL_BARS)
    orders, fills = _shandian_dual_ma_on_bars(tmp_path, SMALL_BARS)
    assert bt["events"] == SMALL_BARS
    assert orders > 100
    assert (bt["orders"], bt["trades"]) == (orders, fills)


def test_vnpy_tick_mode_when_replaying_a_generator_day_sends_the_orders_of_the_every_100_agent():
    # Fills differ by design (vn.py crosses an order with the next tick's opposite side; shandian queues it
    # in the local front's matching core), so only the orders are the same.
    _skip_unless(baselines.vnpy_unavailable())
    from shandian.bench.backtest import _agents, _replay
    from shandian.bench.backtest_baseline_run import measure

    vnpy = measure("vnpy", "tick", 1)
    agent = _counting(_agents()["every100"])("every100", {})
    _, counters, _ = _replay(1, [agent])
    assert vnpy["events"] == counters["ticks"] == agent.n
    assert vnpy["orders"] == agent.orders == counters["ticks"] // ORDER_EVERY
    assert 0 < vnpy["trades"] <= vnpy["orders"]


def _run_small(monkeypatch, name: str) -> Result:
    monkeypatch.setattr(baselines, "TICK_DAYS", (1, 1))
    monkeypatch.setattr(baselines, "BAR_COUNT", (2000, 2000))
    monkeypatch.setattr(baselines, "BACKTRADER_BAR_COUNT", (2000, 2000))
    result = execute(REGISTRY[name], Context(quick=True))
    assert result.status == "ok", result.reason
    return result


def test_vnpy_scenario_when_run_measures_each_mode_in_its_own_process_with_rss_per_million(monkeypatch):
    _skip_unless(baselines.vnpy_unavailable())
    result = _run_small(monkeypatch, VNPY)
    keys = {m.key: m for m in result.metrics}
    assert {VNPY_TICK_RATE.partition(":")[2], VNPY_BAR_RATE.partition(":")[2], "tick_rss_per_1m",
            "bar_rss_per_1m"} == set(keys)
    assert all(m.rate and m.rate > 0 for m in result.metrics)
    # scaled to 1 M: vn.py holds every tick as a Python object (~2 KiB), far above the 27 000-tick peak
    assert keys["tick_rss_per_1m"].rate > 1000
    assert "27,000 ticks" in result.notes[0] and "270 orders" in result.notes[0]
    mine = Metric("order_every_100", "ticks", "rate", rate=1e6, unit="ticks/s", compare_with=VNPY_TICK_RATE)
    cmp = report.comparison(mine, [result])
    assert cmp is not None and cmp["ratios"]["rate"] == pytest.approx(1e6 / keys["tick_every_100"].rate)


def test_backtrader_scenario_when_run_measures_next_mode_in_its_own_process(monkeypatch):
    _skip_unless(baselines.backtrader_unavailable())
    result = _run_small(monkeypatch, BACKTRADER)
    keys = {m.key: m for m in result.metrics}
    assert {BACKTRADER_BAR_RATE.partition(":")[2], "next_rss_per_1m", "runonce_dual_ma"} == set(keys)
    assert all(m.rate and m.rate > 0 for m in result.metrics)
    assert "2,000 bars" in result.notes[0]
    assert result.params["bars"] == 2000
