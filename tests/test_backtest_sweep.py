"""Parameter sweeps (shandian.backtest.sweep): spec parsing, agent targeting, grid / random points, ranking,
and the same table from one process and from a pool of spawned workers.

The points are evaluated by tests/sweep_probe.py's evaluate_probe: real statistics (build_result) of a PnL
series seeded by the point's params, so the pool layer is exercised without the engine.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import sweep_probe

from shandian import cli
from shandian.backtest.stats import STAT_KEYS
from shandian.backtest.sweep import (
    SweepError,
    declared_params,
    evaluate_points,
    grid_points,
    parse_param,
    random_points,
    resolve_dimensions,
    sweep,
)

PROBE = Path(sweep_probe.__file__).resolve()
DECLARED = {"probe": dict(sweep_probe.Probe.params), "other": dict(sweep_probe.Other.params)}


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(f'[[agents]]\nname = "probe"\nclass = "{PROBE}:Probe"\nparams = {{ lots = 2 }}\n\n'
                    f'[[agents]]\nname = "other"\nclass = "{PROBE}:Other"\nparams = {{ extra = 1.5 }}\n')
    return path


# --- parsing ----------------------------------------------------------------------------------------------
def test_parse_param_when_int_range_is_inclusive_of_stop():
    spec = parse_param("window=20:120:20")
    assert (spec.agent, spec.name, spec.values) == (None, "window", ("20", "40", "60", "80", "100", "120"))


def test_parse_param_when_float_range_values_carry_no_binary_noise():
    assert parse_param("ratio=0.1:0.3:0.1").values == ("0.1", "0.2", "0.3")
    assert parse_param("ratio=1:2:0.5").values == ("1.0", "1.5", "2.0")


def test_parse_param_when_step_does_not_reach_stop_stops_below_it():
    assert parse_param("window=1:10:4").values == ("1", "5", "9")


def test_parse_param_when_list_or_single_value_keeps_each_text():
    assert parse_param("lots=1, 2,3").values == ("1", "2", "3")
    assert parse_param("mode=fast,slow").values == ("fast", "slow")
    assert parse_param("lots=5").values == ("5",)


def test_parse_param_when_agent_prefixed_splits_at_the_last_dot():
    spec = parse_param("desk.rb.window=5")
    assert (spec.agent, spec.name, spec.label) == ("desk.rb", "window", "desk.rb.window")


@pytest.mark.parametrize(("text", "message"), [
    ("window", "must be \\[agent.\\]name=VALUES"),
    ("1window=3", "must be \\[agent.\\]name=VALUES"),
    ("window=", "no values after '='"),
    ("window=20:10:5", "stop 10 is below start 20"),
    ("window=1:10:0", "step 0 must be positive"),
    ("window=1:10:-1", "step -1 must be positive"),
    ("window=1:x:1", "range bound 'x' is not a number"),
    ("window=1:10", "a range is start:stop:step, got '1:10'"),
    ("lots=1,,2", "empty value in the list"),
    ("lots=1,2,1", "a value is listed twice"),
    ("window=0:1e9:1", "1000000001 values"),
])
def test_parse_param_when_spec_is_bad_error_names_spec_and_rule(text, message):
    with pytest.raises(SweepError, match=message) as info:
        parse_param(text)
    assert repr(text) in str(info.value)


# --- targeting and types ----------------------------------------------------------------------------------
def test_declared_params_when_config_read_merges_class_and_config_params(config):
    declared = declared_params(config)
    assert declared["probe"] == {**sweep_probe.Probe.params, "lots": 2}
    assert declared["other"] == {"window": 10, "depth": 3, "extra": 1.5}


def test_resolve_when_bare_name_targets_every_agent_declaring_it():
    (dim,) = resolve_dimensions([parse_param("window=5,6")], DECLARED)
    assert dim.targets == (("other", "window"), ("probe", "window")) and dim.values == (5, 6)


def test_resolve_when_agent_prefixed_targets_only_that_agent():
    (dim,) = resolve_dimensions([parse_param("probe.window=5")], DECLARED)
    assert dim.targets == (("probe", "window"),)


def test_resolve_when_values_take_the_type_of_the_declared_default():
    dims = resolve_dimensions([parse_param(t) for t in ("ratio=1,2", "mode=slow", "hedge=true,False",
                                                        "lots=1:3:1")], DECLARED)
    assert [d.values for d in dims] == [(1.0, 2.0), ("slow",), (True, False), (1, 2, 3)]
    assert isinstance(dims[0].values[0], float)


@pytest.mark.parametrize(("text", "message"), [
    ("nobody.window=1", "no agent 'nobody' in the config \\(agents: other, probe\\)"),
    ("probe.depth=1", "agent 'probe' declares no param 'depth' \\(it has: hedge, lots, mode, ratio, "
                      "window\\)"),
    ("speed=1", "no agent declares a param 'speed' \\(declared: depth, hedge, lots, mode, ratio, window\\)"),
    ("lots=1.5", "probe.lots is int; '1.5' is not an integer"),
    ("ratio=abc", "probe.ratio is float; 'abc' is not a number"),
    ("hedge=yes", "probe.hedge is bool; 'yes' is not true/false"),
    ("mode=1:3:1", "a range needs a numeric param"),
])
def test_resolve_when_target_or_value_is_wrong_error_names_it(text, message):
    with pytest.raises(SweepError, match=message):
        resolve_dimensions([parse_param(text)], DECLARED)


def test_resolve_when_same_param_swept_twice_raises():
    with pytest.raises(SweepError, match=r"probe\.window is already swept by 'window=1,2'"):
        resolve_dimensions([parse_param("window=1,2"), parse_param("probe.window=3")], DECLARED)


# --- points -----------------------------------------------------------------------------------------------
def test_grid_points_when_two_dims_last_varies_fastest():
    dims = resolve_dimensions([parse_param("window=20:40:20"), parse_param("lots=1,2")], DECLARED)
    assert grid_points(dims) == [(20, 1), (20, 2), (40, 1), (40, 2)]


def test_random_points_when_seeded_same_distinct_subset_in_grid_order():
    dims = resolve_dimensions([parse_param("window=1:50:1"), parse_param("lots=1:4:1")], DECLARED)
    grid = grid_points(dims)
    a, b = random_points(dims, 10, seed=3), random_points(dims, 10, seed=3)
    assert a == b and len(set(a)) == 10 and set(a) <= set(grid)
    assert a == sorted(a, key=grid.index)
    assert random_points(dims, 10, seed=4) != a
    assert random_points(dims, 500, seed=3) == grid  # more than the grid: all of it
    with pytest.raises(SweepError, match="--random 0: must be positive"):
        random_points(dims, 0, seed=3)


# --- running and ranking ----------------------------------------------------------------------------------
def probe_sweep(config, **kw):
    return sweep(config, ["probe.window=20:80:20", "probe.lots=1,2"], evaluate=sweep_probe.evaluate_probe,
                 **kw)


def test_sweep_when_grid_runs_rows_sorted_by_objective_with_params_and_every_stat(config):
    table = probe_sweep(config, objective="net_pnl")
    assert len(table.rows) == 8
    assert table.columns[:4] == ["rank", "probe.window", "probe.lots", "net_pnl"]
    assert set(STAT_KEYS) <= set(table.columns) and table.columns[-1] == "error"
    values = [row["net_pnl"] for row in table.rows]
    assert values == sorted(values, reverse=True) and [r["rank"] for r in table.rows] == list(range(1, 9))
    assert {(r["probe.window"], r["probe.lots"]) for r in table.rows} == \
        {(w, n) for w in (20, 40, 60, 80) for n in (1, 2)}


def test_sweep_when_minimize_lowest_objective_first(config):
    values = [r["max_drawdown_days"] for r in probe_sweep(config, objective="max_drawdown_days",
                                                          minimize=True).rows]
    assert values == sorted(values)


def test_sweep_when_objective_unknown_error_lists_valid_ones(config):
    with pytest.raises(SweepError, match="--objective 'profit': not a statistic \\(valid: net_pnl, fees, "):
        probe_sweep(config, objective="profit")


def test_sweep_when_a_point_fails_its_row_has_the_error_and_ranks_last(config):
    table = sweep(config, ["probe.lots=1,99,2"], evaluate=sweep_probe.evaluate_probe)
    assert [r["probe.lots"] for r in table.rows][-1] == 99
    assert table.rows[-1]["error"] == "ValueError: lots 99 is refused by this probe"
    assert all(r["error"] == "" for r in table.rows[:-1])


def test_sweep_when_random_search_seeded_runs_that_many_points(config):
    table = probe_sweep(config, random_n=3, seed=11)
    assert len(table.rows) == 3 and table.rows == probe_sweep(config, random_n=3, seed=11).rows


def test_sweep_when_jobs_1_and_jobs_2_tables_and_csv_identical(config, tmp_path):
    one = probe_sweep(config, jobs=1)
    two = probe_sweep(config, jobs=2)
    assert one.rows == two.rows
    assert one.write_csv(tmp_path / "1.csv").read_bytes() == two.write_csv(tmp_path / "2.csv").read_bytes()
    assert not any(math.isnan(v) for row in one.rows for v in row.values() if isinstance(v, float))


def test_evaluate_points_when_jobs_below_one_raises(config):
    with pytest.raises(SweepError, match="--jobs 0: must be at least 1"):
        evaluate_points(str(config), [{}], evaluate=sweep_probe.evaluate_probe, jobs=0)


def test_sweep_table_format_when_more_rows_than_top_shows_best_and_count(config):
    text = probe_sweep(config).format(top=3)
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["rank", "probe.window", "probe.lots", "sharpe"]
    assert len(lines) == 6 and lines[-1] == "... 5 more"


# --- the command ------------------------------------------------------------------------------------------
def test_optimize_cli_when_param_spec_bad_exits_2_naming_it(config, capsys):
    assert cli.main(["optimize", str(config), "--param", "window=9:1:1"]) == 2
    assert "--param 'window=9:1:1': stop 1 is below start 9" in capsys.readouterr().err


def test_optimize_cli_when_objective_unknown_exits_2_listing_stats(config, capsys):
    assert cli.main(["optimize", str(config), "--param", "window=1", "--objective", "pnl"]) == 2
    assert "valid: net_pnl, fees, total_return" in capsys.readouterr().err


def test_optimize_cli_when_jobs_and_ray_both_given_argparse_refuses(config, capsys):
    with pytest.raises(SystemExit):
        cli.main(["optimize", str(config), "--param", "window=1", "--jobs", "2", "--ray", "auto"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_evaluate_points_when_jobs_2_points_run_in_worker_processes_not_here(config):
    rows = evaluate_points(str(config), [{}] * 4, evaluate=sweep_probe.worker_pid, jobs=2)
    assert len(rows) == 4 and os.getpid() not in {row["pid"] for row in rows}
    assert [row["pid"] for row in evaluate_points(str(config), [{}], evaluate=sweep_probe.worker_pid)] == \
        [os.getpid()]


def test_evaluate_points_when_ray_auto_finds_no_instance_error_says_so(config, monkeypatch):
    ray = pytest.importorskip("ray", reason="ray is in the test extra")
    if ray.is_initialized():
        pytest.skip("a Ray instance is running in this process")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(SweepError, match="--ray auto: cannot start or reach Ray"):
        evaluate_points(str(config), [{}], evaluate=sweep_probe.worker_pid, ray_address="auto")


@pytest.mark.parametrize("jobs", [1, 2])
def test_evaluate_points_when_progress_given_reports_each_finished_point(config, jobs):
    seen = []
    rows = evaluate_points(str(config), [{"probe": {"window": w}} for w in (10, 20, 30)], jobs=jobs,
                           evaluate=sweep_probe.evaluate_probe, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)] and len(rows) == 3
