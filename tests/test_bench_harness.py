"""The latency harness (shandian.bench, `python -m bench`): histogram accuracy, registry, reports, smoke run.

No test here asserts a timing: the harness is checked for what it computes and prints, not for how fast
the machine is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian.bench import baseline, provenance, report
from shandian.bench.process import ProcessFigures
from shandian.bench.scenarios import (
    REGISTRY,
    Context,
    Metric,
    Output,
    Scenario,
    execute,
    register,
    with_baselines,
)
from shandian.bench.ticks import (
    CTP_DEPTH_KEYS,
    INSTRUMENTS,
    NATIVE_CSV_COLUMNS,
    ctp_dict,
    make_stream,
    schedule_lag,
    write_csv,
)
from shandian.histogram import Histogram, nearest_rank

ROOT = Path(__file__).resolve().parent.parent
SMOKE_TIMEOUT_S = 240

values = st.lists(st.integers(min_value=0, max_value=2**42), min_size=1, max_size=400)
percents = st.one_of(st.sampled_from([0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0]),
                     st.floats(min_value=0.0, max_value=100.0))


# -- histogram --------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(values, percents, st.integers(min_value=2, max_value=12))
def test_percentile_when_compared_with_sorted_list_is_within_relative_error(samples, p, bits):
    hist = Histogram.of(samples, precision_bits=bits)
    exact = nearest_rank(sorted(samples), p)
    reported = hist.percentile(p)
    assert reported is not None
    assert exact <= reported  # never understates
    assert reported - exact <= exact * hist.relative_error  # overstates by less than the documented bound


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**62), st.integers(min_value=2, max_value=16))
def test_bucket_when_indexed_contains_value_and_is_narrow(value, bits):
    hist = Histogram(bits)
    index = hist.bucket_index(value)
    low, high = hist.bucket_bounds(index)
    assert low <= value <= high
    assert high - low <= max(0, value * hist.relative_error)
    if index > 0:
        assert hist.bucket_bounds(index - 1)[1] == low - 1  # buckets are contiguous


@settings(max_examples=200, deadline=None)
@given(values, values)
def test_merge_when_two_histograms_equals_histogram_of_all_samples(a, b):
    merged = Histogram.of(a).merge(Histogram.of(b))
    whole = Histogram.of(a + b)
    assert merged.to_dict() == whole.to_dict()
    for p in (0.0, 50.0, 99.9, 100.0):
        assert merged.percentile(p) == whole.percentile(p)


@settings(max_examples=100, deadline=None)
@given(values)
def test_histogram_when_serialised_and_restored_is_identical(samples):
    hist = Histogram.of(samples)
    again = Histogram.from_dict(json.loads(json.dumps(hist.to_dict())))
    assert again == hist
    assert again.summary() == hist.summary()


def test_percentile_when_empty_returns_none():
    hist = Histogram()
    assert hist.count == 0
    assert hist.percentile(50) is None
    assert hist.mean is None
    assert hist.cdf() == []
    assert set(hist.summary()) >= {"count", "p50", "p90", "p99", "p99.9", "max"}
    assert Histogram.of([]).merge(Histogram()).count == 0


@pytest.mark.parametrize("value", [0, 1, 511, 512, 123_456, 2**40 + 12345])
def test_percentile_when_one_sample_returns_it_exactly(value):
    hist = Histogram.of([value])
    assert all(hist.percentile(p) == value for p in (0, 0.1, 50, 99.9, 100))
    assert hist.min == hist.max == value
    assert hist.mean == value


def test_record_when_value_negative_raises():
    with pytest.raises(ValueError):
        Histogram().record(-1)
    with pytest.raises(ValueError):
        Histogram.of([3, -2])


def test_merge_when_precisions_differ_raises():
    with pytest.raises(ValueError):
        Histogram(8).merge(Histogram(9))


def test_max_and_mean_when_many_samples_are_exact():
    samples = [1_000_003, 7, 99_999_999_999, 42]
    hist = Histogram.of(samples)
    assert hist.max == max(samples)
    assert hist.min == min(samples)
    assert hist.percentile(100) == max(samples)
    assert hist.mean == sum(samples) / len(samples)


# -- provenance -------------------------------------------------------------------------------------------
def test_provenance_when_collected_has_every_field():
    prov = provenance.collect(options={"quick": True, "pin": False, "wait": "spin"})
    for name in provenance.REQUIRED_FIELDS:
        assert name in prov, name
    assert prov["date_utc"].endswith("Z")
    assert prov["cpu_model"] and prov["cpu_count"] >= 1
    assert prov["kernel"] and prov["python"]["version"]
    build = prov["build"]
    assert "error" in build or {"compiler", "flags", "build_type", "ctp_api_version"} <= set(build)
    for flavour in ("sfit", "local"):
        facts = prov["ctp"][flavour]
        assert "error" in facts or {"trader_version", "md_version"} <= set(facts)
    if (ROOT / ".git").exists():
        assert prov["git"]["commit"] and prov["git"]["dirty"] in (True, False)
    assert prov["options"]["wait"] == "spin"
    assert all(provenance.one_line(prov))


# -- registry, availability, comparisons ----------------------------------------------------------------
def test_registry_when_listed_has_every_issue_scenario():
    expected = {"ring", "front", "tick_agent", "order_roundtrip", "risk", "order_apply", "throughput",
                "stages", "baseline", "vnpy_ctp", "wake_floor"}
    assert expected <= set(REGISTRY)
    assert {"baseline", "vnpy_ctp", "wake_floor"} <= set(REGISTRY["tick_agent"].baselines)
    assert {"baseline", "vnpy_ctp"} <= set(REGISTRY["throughput"].baselines)
    assert with_baselines(["tick_agent"], REGISTRY) == ["tick_agent", "baseline", "wake_floor", "vnpy_ctp"]
    assert [name for name, s in REGISTRY.items() if s.optional] == ["backtest_vnpy", "backtest_backtrader",
                                                                     "vnpy_ctp"]


def test_scenario_when_binding_missing_is_reported_unavailable_naming_it():
    ran = []
    scenario = Scenario("needs", "needs a binding", run=lambda ctx: ran.append(1) or Output(),
                        requires=("_bench.bench_present", "_bench.bench_absent"))
    ctx = Context(bench=types.SimpleNamespace(bench_present=lambda: None))
    result = execute(scenario, ctx)
    assert result.status == "unavailable"
    assert "not available in this build" in result.reason and "_bench.bench_absent" in result.reason
    assert "bench_present" not in result.reason
    assert ran == []


@pytest.mark.parametrize(("binding", "ctx"), [
    ("_core.x", Context(core=None, core_error="no module _core", bench=types.SimpleNamespace(x=1))),
    ("_bench.x", Context(core=types.SimpleNamespace(x=1), bench=None, bench_error="no module _bench")),
])
def test_scenario_when_its_extension_does_not_import_is_unavailable_with_the_import_error(binding, ctx):
    extension = binding.partition(".")[0]
    result = execute(Scenario("needs", "t", run=lambda ctx: Output(), requires=(binding,)), ctx)
    assert result.status == "unavailable"
    assert f"shandian.{extension} does not import (no module {extension})" in result.reason


@pytest.mark.parametrize("binding", ["bench_ring_throughput", "_other.bench_x", "_bench."])
def test_register_when_a_binding_names_no_known_extension_raises_naming_it(binding):
    with pytest.raises(ValueError, match=f"requires '{binding}'"):
        register(Scenario("needs_unknown_extension", "t", run=lambda ctx: Output(), requires=(binding,)))
    assert "needs_unknown_extension" not in REGISTRY


def test_scenario_when_run_raises_is_an_error_result_not_a_crash():
    def boom(ctx: Context) -> Output:
        raise RuntimeError("binding exploded")

    result = execute(Scenario("boom", "t", run=boom), Context())
    assert result.status == "error" and "binding exploded" in result.reason
    assert "ERROR" in report.render_table([result])


def test_every_builtin_scenario_when_bindings_missing_is_unavailable_not_error():
    ctx = Context(core=types.SimpleNamespace(), bench=types.SimpleNamespace())
    for scenario in REGISTRY.values():
        if scenario.harness_owned or scenario.optional:  # need no shandian binding (the local front only)
            continue
        reason = scenario.unavailable_reason(ctx)
        assert reason and reason.startswith("not available in this build"), scenario.name


def _latency_scenario(name: str, samples: list[int], compare_with: str | None = None) -> Scenario:
    def run(ctx: Context) -> Output:
        return Output(params={"n": len(samples)}, metrics=[
            Metric("lat", f"{name} latency", "latency", hist=Histogram.of(samples),
                   compare_with=compare_with),
            Metric("rate", f"{name} rate", "rate", rate=float(len(samples)), unit="ticks/s",
                   runs=[float(len(samples))], compare_with=compare_with and f"{compare_with[:-4]}:rate"),
        ])

    return Scenario(name, name, run=run)


def test_comparison_when_scenario_names_baseline_prints_shandian_over_baseline():
    # values below 2**9 are exact at the default precision, so the ratios are exact too
    fast = _latency_scenario("fast", [20] * 10 + [100], compare_with="slow:lat")
    slow = _latency_scenario("slow", [200] * 10 + [500] * 2)
    results = [execute(fast, Context()), execute(slow, Context())]
    doc = report.document({}, results)
    by_metric = {c["metric"]: c for c in doc["comparisons"]}
    assert by_metric["lat"]["ratios"]["p50"] == pytest.approx(20 / 200)
    assert by_metric["lat"]["ratios"]["p99"] == pytest.approx(100 / 500)
    assert by_metric["rate"]["ratios"]["rate"] == pytest.approx(11 / 12)
    table = report.render_table(results)
    assert "vs slow:lat: p50 0.1×" in table


def test_comparison_when_metric_names_two_baselines_gives_ratios_per_percentile_for_each():
    fast = _latency_scenario("fast", [20] * 10 + [100], compare_with=("slow:lat", "slower:lat"))
    slow = _latency_scenario("slow", [200] * 10 + [500] * 2)
    slower = _latency_scenario("slower", [400] * 12)
    results = [execute(s, Context()) for s in (fast, slow, slower)]
    doc = report.document({}, results)
    lat = {c["baseline"]: c for c in doc["comparisons"] if c["metric"] == "lat"}
    assert set(lat) == {"slow:lat", "slower:lat"}
    assert set(lat["slow:lat"]["ratios"]) == {"p50", "p90", "p99", "p99.9"}
    assert lat["slower:lat"]["ratios"]["p50"] == pytest.approx(20 / 400)
    table = report.render_table(results)
    assert "vs slow:lat: p50 0.1×" in table and "vs slower:lat: p50 0.05×" in table


def test_comparison_when_baseline_ran_without_that_metric_says_not_measured():
    fast = _latency_scenario("fast", [100], compare_with="slow:absent")
    slow = _latency_scenario("slow", [200])
    doc = report.document({}, [execute(fast, Context()), execute(slow, Context())])
    assert "not measured in this run" in doc["comparisons"][0]["missing"]


def test_metric_when_round_tripped_through_json_keeps_every_baseline():
    m = Metric("lat", "l", "latency", hist=Histogram.of([1, 2]), compare_with=("a:x", "b:y"))
    back = Metric.from_dict(json.loads(json.dumps(m.to_dict())))
    assert back.baselines == ("a:x", "b:y")


def test_comparison_when_baseline_not_run_says_so():
    fast = _latency_scenario("fast", [100], compare_with="slow:lat")
    doc = report.document({}, [execute(fast, Context())])
    assert "not in this run" in doc["comparisons"][0]["missing"]


# -- built-in scenarios through fake bindings (the harness's plumbing, not the code under test) -----------
class FakeBench:
    """Stands in for shandian._bench: records the calls and returns plausible shapes."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def bench_ring_throughput(self, items, capacity=65536, producer_cpu=-1, consumer_cpu=-1):
        self.calls.append(("spsc", items, capacity, producer_cpu, consumer_cpu))
        return {"items": items, "seconds": items / 1e8, "items_per_s": 1e8}

    def bench_ring_roundtrip(self, trips, warmup=10000, capacity=1024, ping_cpu=-1, pong_cpu=-1):
        self.calls.append(("rtt", trips, warmup, capacity, ping_cpu, pong_cpu))
        return [200 + i % 50 for i in range(trips)]

    def bench_mpsc_throughput(self, items, producers=2, capacity=65536):
        return {"items": items, "seconds": 1.0, "items_per_s": float(items)}

    def bench_front_ticks(self, lib_dir, ticks):
        return {"ticks": ticks, "seconds": ticks / 2e6, "ticks_per_s": 2e6}

    def bench_front_insert_latency(self, lib_dir, orders, warmup):
        return [7000] * orders


    def bench_risk_check(self, calls, warmup):
        self.calls.append(("risk", calls, warmup))
        return [90 + i % 7 for i in range(calls)]

    def bench_order_apply(self, calls, warmup):
        self.calls.append(("apply", calls, warmup))
        return [150] * calls


@pytest.mark.parametrize(("name", "binding", "key"), [("risk", "bench_risk_check", "risk_check"),
                                                       ("order_apply", "bench_order_apply", "order_apply")])
def test_per_call_scenario_when_binding_present_records_every_call(name, binding, key):
    bench = FakeBench()
    result = execute(REGISTRY[name], Context(quick=True, bench=bench))
    assert result.status == "ok", result.reason
    calls, warmup = result.params["calls"], result.params["warmup_calls"]
    assert bench.calls == [(("risk" if name == "risk" else "apply"), calls, warmup)]
    assert result.metric(key).hist.count == calls == result.params["samples_returned"]


@pytest.mark.parametrize(("name", "binding"),
                         [("risk", "bench_risk_check"), ("order_apply", "bench_order_apply")])
def test_per_call_scenario_when_binding_missing_says_which_binding_it_needs(name, binding):
    result = execute(REGISTRY[name], Context(bench=types.SimpleNamespace()))
    assert result.status == "unavailable"
    assert f"needs _bench.{binding}" in result.reason
    assert f"needs _bench.{binding}" in report.render_table([result])


def test_per_call_scenario_when_binding_returns_nothing_is_an_error():
    bench = types.SimpleNamespace(bench_risk_check=lambda calls, warmup: [])
    result = execute(REGISTRY["risk"], Context(quick=True, bench=bench))
    assert result.status == "error" and "no samples" in result.reason


def test_ring_scenario_when_bindings_present_reports_rates_roundtrip_and_reference():
    bench = FakeBench()
    result = execute(REGISTRY["ring"], Context(quick=True, pin=True, cpus=(0, 1), bench=bench))
    assert result.status == "ok", result.reason
    assert {m.key for m in result.metrics} == {"spsc_throughput", "spsc_roundtrip", "mpsc_throughput"}
    rtt = result.metric("spsc_roundtrip")
    assert rtt.hist.count == result.params["roundtrip_trips"] and "quoted" in rtt.reference
    assert result.metric("spsc_throughput").rate == 1e8
    assert all(call[-2:] == (0, 1) for call in bench.calls)  # --pin reached the binding
    prov = provenance.collect(probe_ctp=False)
    text = report.render(report.document(prov, [result]), [result])
    assert "references (quoted public figures, not measured in this run)" in text


def test_front_scenario_when_bindings_present_reports_targets(monkeypatch, tmp_path):
    import dataclasses

    import shandian.paths

    monkeypatch.setattr(shandian.paths, "library_dir", lambda flavour: tmp_path)
    scenario = dataclasses.replace(REGISTRY["front"], precheck=None)
    result = execute(scenario, Context(quick=True, bench=FakeBench()))
    assert result.status == "ok", result.reason
    ticks, insert = result.metric("md_ticks"), result.metric("insert_ack")
    assert ticks.target_met is True  # 2 M/s >= 1 M/s
    assert insert.target_met is False  # 7 µs > 5 µs
    rows = report.render_table([result])
    assert "target ≥ 1 M ticks/s: met" in rows and "target p50 ≤ 5 µs: NOT met" in rows


# -- baseline pipeline and tick stream ---------------------------------------------------------------------
def test_tick_stream_when_seeded_is_deterministic_and_dict_has_48_ctp_keys():
    assert make_stream(7, 64) == make_stream(7, 64)
    assert make_stream(7, 64) != make_stream(8, 64)
    d = ctp_dict(make_stream(7, 1)[0])
    assert tuple(d) == CTP_DEPTH_KEYS and len(d) == 48


def test_tick_stream_when_timing_changes_carries_the_same_ticks():
    a = make_stream(5, 500)
    b = make_stream(5, 500, start_ms=10 * 3_600_000, delta_ms=1, per_step=10)
    assert [(t.instrument, t.volume, t.last_price, t.bid, t.ask) for t in a] == \
        [(t.instrument, t.volume, t.last_price, t.bid, t.ask) for t in b]
    assert (b[9].update_time, b[9].update_ms) == (b[0].update_time, b[0].update_ms)
    assert (b[10].update_ms - b[0].update_ms) == 1


def test_replay_stream_when_two_processes_build_it_is_identical():
    # tick_agent and baseline run in different processes: each builds the stream from the seed
    assert Context(seed=9).replay_stream(300) == Context(seed=9).replay_stream(300)
    assert Context(seed=9).replay_stream(300) != Context(seed=10).replay_stream(300)


def test_tick_stream_when_written_as_csv_is_native_on_grid_and_in_time_order(tmp_path):
    stream = make_stream(3, 200)
    lines = write_csv(stream, tmp_path / "t.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert len(header) == 41 and set(header) == set(NATIVE_CSV_COLUMNS)
    steps = {name: step for name, _ex, step, _start in INSTRUMENTS}
    times = []
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=True))
        step = steps[row["InstrumentID"]]
        for col in ("LastPrice", "BidPrice1", "AskPrice5", "UpperLimitPrice", "LowerLimitPrice"):
            ticks_ = float(row[col]) / step
            assert abs(ticks_ - round(ticks_)) < 1e-6, (col, row[col])
        times.append((row["UpdateTime"], int(row["UpdateMillisec"])))
    assert times == sorted(times) and len(lines) == 201


@pytest.mark.parametrize("interval_s", [0.0, 0.00005])
def test_python_queue_pipeline_when_run_small_times_every_tick(interval_s):
    run = baseline.python_queue(make_stream(1, 32), 200, interval_s=interval_s, timeout_s=60)
    assert run.ticks == 200 and len(run.latencies_ns) == 200
    assert all(lat >= 0 for lat in run.latencies_ns)
    assert run.seconds > 0 and run.ticks_per_s > 0


def test_python_queue_pipeline_when_paced_follows_the_absolute_schedule():
    # tick i is never produced before first + i × interval: a lower bound only (load can only add)
    run = baseline.python_queue(make_stream(1, 32), 51, interval_s=0.002, timeout_s=60)
    assert run.seconds >= 0.1 and run.ticks == 51


def test_schedule_lag_when_every_tick_on_time_is_zero_and_a_slow_handler_accumulates_lag():
    interval = 100_000
    on_time = [5_000_000 + i * interval + 7_000 for i in range(50)]
    assert schedule_lag(on_time, interval) == [0] * 50
    # a handler needing 150 µs per tick on a 100 µs schedule falls 50 µs further behind at every tick
    slow = [5_000_000 + i * 150_000 for i in range(50)]
    assert schedule_lag(slow, interval) == [i * 50_000 for i in range(50)]
    # the origin is the most prompt tick: an early-late first tick does not make later ones negative
    assert min(schedule_lag([900_000, 1_000_000, 1_050_000], interval)) == 0


def test_baseline_labels_when_rendered_call_the_stand_in_what_it_is():
    ctx = Context(quick=True)
    result = execute(REGISTRY["baseline"], ctx)
    assert result.status == "ok", result.reason
    for metric in result.metrics:
        assert metric.key.startswith("standin_") and "stand-in" in metric.label
    table = report.render_table([result])
    assert table.count("stand-in") >= len(result.metrics)


def test_vnpy_ctp_when_not_installed_is_unavailable_saying_how_to_build_it(monkeypatch):
    from importlib import metadata

    from shandian.bench import vnpy_gateway

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(vnpy_gateway.metadata, "version", missing)
    reason = REGISTRY["vnpy_ctp"].unavailable_reason(Context(core=_core_or_skip()))
    assert reason and "vnpy_ctp is not installed" in reason and "--no-binary vnpy_ctp" in reason
    result = execute(REGISTRY["vnpy_ctp"], Context(core=_core_or_skip()))
    assert result.status == "unavailable"


def test_vnpy_ctp_when_installed_measures_the_real_gateway_on_the_local_front(tmp_path):
    from shandian.bench import vnpy_gateway

    if (why := vnpy_gateway.unavailable_reason()) is not None:
        pytest.skip(why)
    out = tmp_path / "vnpy.json"
    options = json.dumps({"quick": True, "pin": False, "wait": "block", "seed": 20250617})
    cmd = [sys.executable, "-P", "-m", "shandian.bench.worker", "vnpy_ctp", options, str(out)]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["status"] == "ok", result["reason"]
    assert "lib/local" in result["params"]["gateway"]
    assert result["params"]["paced_delivery"]["same_ticks_in_order"] is True
    assert result["params"]["flat_delivery_run1"]["same_ticks_in_order"] is True
    keys = {m["key"]: m for m in result["metrics"]}
    replayed = result["params"]["paced_delivery"]["ticks_replayed"]
    assert keys["schedule_lag"]["summary"]["count"] == replayed - 300
    assert keys["ticks_per_s"]["rate"] > 0


def test_wake_floor_when_run_reports_the_floor_and_the_wake_behind_a_poll():
    result = execute(REGISTRY["wake_floor"], Context(quick=True, bench=_bench_or_skip()))
    assert result.status == "ok", result.reason
    keys = [m.key for m in result.metrics]
    assert keys == ["futex_wake", "futex_wake_behind_poll", "futex_wake_behind_yielding_poll"]
    assert all(m.hist is not None and m.hist.count == result.params["samples"] for m in result.metrics)


@pytest.mark.parametrize("args", [(0, 0, 0), (10, -1, 0), (10, 0, -1), (10, 0, 0, -1)])
def test_wake_floor_binding_when_arguments_invalid_raises(args):
    with pytest.raises(ValueError, match="must be"):
        _bench_or_skip().bench_wake_floor(*args)


def _core_or_skip() -> object:
    try:
        from shandian import _core
    except ImportError:
        pytest.skip("shandian._core not built")
    return _core


def _bench_or_skip() -> object:
    try:
        from shandian import _bench
    except ImportError:
        pytest.skip("shandian._bench not built")
    return _bench


def test_vnpy_eventengine_when_importable_times_every_tick():
    if baseline.vnpy_available() is not None:
        pytest.skip("vnpy not installed (optional extra bench-vnpy)")
    run = baseline.vnpy_eventengine(make_stream(1, 32), 100, timeout_s=60)
    assert len(run.latencies_ns) == 100


# -- process figures and PNG, with and without the optional packages -----------------------------------------
def test_process_figures_when_psutil_missing_fall_back_to_getrusage(monkeypatch):
    monkeypatch.setitem(sys.modules, "psutil", None)
    with ProcessFigures() as figures:
        sum(range(10_000))
    assert "getrusage" in figures.result["source"]
    assert {"user_s", "system_s", "rss_bytes", "ctx_voluntary", "ctx_involuntary"} <= set(figures.result)


def test_process_figures_when_psutil_present_report_rss_and_switches():
    pytest.importorskip("psutil", exc_type=ImportError)
    with ProcessFigures() as figures:
        sum(range(10_000))
    assert figures.result["source"].startswith("psutil")
    assert figures.result["rss_bytes"] > 0 and figures.result["ctx_voluntary"] >= 0


def _one_latency_result() -> list:
    return [execute(_latency_scenario("x", [100, 200, 300, 5000]), Context())]


def test_png_when_matplotlib_missing_is_skipped_with_reason(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    reason = report.write_png(_one_latency_result(), tmp_path / "x.png", "t")
    assert reason and "matplotlib" in reason
    assert not (tmp_path / "x.png").exists()


def test_png_when_matplotlib_present_is_written(tmp_path):
    pytest.importorskip("matplotlib", exc_type=ImportError)
    assert report.write_png(_one_latency_result(), tmp_path / "x.png", "t") is None
    assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- command line -----------------------------------------------------------------------------------------
def test_shandian_cli_when_bench_list_given_forwards_to_the_harness(capsys):
    from shandian import cli

    assert cli.main(["bench", "list"]) == 0
    out = capsys.readouterr().out
    assert "ring" in out and "baseline" in out


def test_bench_when_scenario_unknown_exits_2(capsys):
    from shandian.bench import main

    assert main(["no_such_scenario"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


def test_bench_all_quick_when_run_from_repo_root_prints_table_and_writes_json(tmp_path):
    out_json = tmp_path / "run.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "all", "--quick", "--json", str(out_json), "--png",
         str(tmp_path / "run.png")],
        cwd=ROOT, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S, check=False,
    )
    # An ERROR row is a broken scenario (e.g. the risk engine refusing the order round trip's pings): fail.
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    for column in ("scenario", "p50", "p90", "p99", "p99.9", "max", "vs baseline"):
        assert column in proc.stdout
    assert "shandian / baseline" in proc.stdout and "git " in proc.stdout
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == report.SCHEMA
    assert set(provenance.REQUIRED_FIELDS) <= set(doc["provenance"])
    by_name = {r["name"]: r for r in doc["results"]}
    assert set(REGISTRY) == set(by_name)
    for name, result in by_name.items():
        assert result["status"] in ("ok", "unavailable"), (name, result.get("reason"))
        if result["status"] != "ok":
            assert result["reason"], name
        if REGISTRY[name].harness_owned:
            assert result["status"] == "ok", result["reason"]
    failed = any(r["status"] == "error" or (r["status"] == "unavailable" and not REGISTRY[r["name"]].optional)
                 for r in doc["results"])
    assert (proc.returncode == 1) == failed
    base = by_name["baseline"]
    lat = next(m for m in base["metrics"] if m["key"] == "standin_queue_latency")
    assert lat["summary"]["count"] > 0 and lat["summary"]["p99.9"] >= lat["summary"]["p50"]
    assert "png:" in proc.stdout
    # the engine scenarios, when they ran: the same ticks as the baseline, nothing lost, every stage stamped
    tick_agent, throughput, stages = by_name["tick_agent"], by_name["throughput"], by_name["stages"]
    if tick_agent["status"] == "ok":
        assert tick_agent["params"]["same_ticks_in_order"] is True
        warmup = base["params"]["latency_warmup"]
        assert tick_agent["params"]["ticks_replayed"] == lat["summary"]["count"] + warmup
        assert tick_agent["params"]["wait"] == "block"
        cmp = {c["baseline"] for c in doc["comparisons"] if c["scenario"] == "tick_agent"}
        assert {"baseline:standin_queue_latency", "wake_floor:futex_wake"} <= cmp
        keys = {m["key"]: m for m in tick_agent["metrics"]}
        assert keys["schedule_lag"]["summary"]["count"] == lat["summary"]["count"]
        assert 0 <= keys["idle_cpu"]["rate"] < 100
    if throughput["status"] == "ok":
        assert all(throughput["params"]["same_ticks_in_order_per_run"])
        assert throughput["params"]["ticks_replayed_per_run"] == base["params"]["throughput_ticks"]
        assert throughput["params"]["md_ticks_dropped_per_run"] == [0] * throughput["params"]["runs"]
    if stages["status"] == "ok":
        keys = {m["key"]: m for m in stages["metrics"]}
        assert {"md_to_on_tick", "insert_to_req", "req_to_ack", "md_to_req"} <= set(keys)
        assert keys["insert_to_req"]["target"] == "p50 ≤ 2 µs"
    for name in ("risk", "order_apply"):
        if by_name[name]["status"] == "unavailable":
            assert "needs _bench.bench_" in by_name[name]["reason"]


# -- bars_ta ----------------------------------------------------------------------------------------------
BARS_TA_BUILD_KEYS = ["build_1m", "build_1m_5m_15m_1h_1d", "engine_tick_1sym", "engine_tick_1sym_1m_5m",
                      "engine_tick_10sym", "engine_tick_10sym_1m_5m"]
BARS_TA_PY_KEYS = ["py_update_sma", "py_update_ema", "py_update_atr", "py_update_rsi"]


def test_bars_ta_when_run_quick_reports_building_updates_and_vnpy_ratio():
    pytest.importorskip("talib")
    result = execute(REGISTRY["bars_ta"], Context(quick=True, bench=_bench_or_skip()))
    assert result.status == "ok", result.reason
    keys = [m.key for m in result.metrics]
    assert keys == [*BARS_TA_BUILD_KEYS, *BARS_TA_PY_KEYS, "vnpy_pattern_bar", "ta_incremental_bar",
                    "vnpy_pattern_ratio", "array_worst_ratio"]
    assert all(result.metric(k).rate > 0 for k in BARS_TA_BUILD_KEYS)
    per_bar = result.params["bars_per_stream"] - 100  # the first ArrayManager window only fills it
    vnpy, ours = result.metric("vnpy_pattern_bar").hist, result.metric("ta_incremental_bar").hist
    assert vnpy.count == per_bar == ours.count
    ratio = result.metric("vnpy_pattern_ratio").rate
    assert ratio == pytest.approx(vnpy.percentile(50) / ours.percentile(50), rel=0.02)
    assert sum(note.startswith("array ") for note in result.notes) == 19


def test_bars_ta_when_talib_missing_leaves_its_rows_out_with_the_reason(monkeypatch):
    from shandian.bench import bars_ta

    find_spec = bars_ta.importlib.util.find_spec
    monkeypatch.setattr(bars_ta.importlib.util, "find_spec",
                        lambda name, *a: None if name == "talib" else find_spec(name, *a))
    result = execute(REGISTRY["bars_ta"], Context(quick=True, bench=_bench_or_skip()))
    assert result.status == "ok", result.reason
    assert [m.key for m in result.metrics] == [*BARS_TA_BUILD_KEYS, *BARS_TA_PY_KEYS]
    assert any("TA-Lib (`talib`, extra 'test') is not installed" in note for note in result.notes)


def test_bars_ta_when_binding_missing_says_which_binding_it_needs():
    result = execute(REGISTRY["bars_ta"], Context(bench=types.SimpleNamespace()))
    assert result.status == "unavailable"
    assert "needs _bench.bench_bars_build" in result.reason


def test_bench_engine_ticks_when_bars_subscribed_dispatches_every_tick_and_their_bars():
    bench = _bench_or_skip()
    plain = bench.bench_engine_ticks(2, 0, [])
    with_bars = bench.bench_engine_ticks(2, 1, ["1m", "5m"])
    assert plain["ticks"] == with_bars["ticks"] == 2 * 41_400  # a trading day of 2 ticks/s, night and day
    assert plain["bars"] == 0
    assert with_bars["bars"] == 345 + 69  # the day's 345 minutes in 1m and 5m bars, of one instrument
    assert plain["cpu_ns_per_tick"] > 0 and with_bars["cpu_ns_per_tick"] > 0
    with pytest.raises(ValueError, match="bar_symbols <= symbols"):
        bench.bench_engine_ticks(1, 2, ["1m"])
    with pytest.raises(ValueError, match="bar interval '7x'"):
        bench.bench_engine_ticks(1, 1, ["7x"])


def test_bench_bars_build_when_days_given_counts_every_timed_tick():
    bench = _bench_or_skip()
    one, two = bench.bench_bars_build("rb2505", ["1m"], 2), bench.bench_bars_build("rb2505", ["1m"], 3)
    assert two["ticks"] == 2 * one["ticks"] > 0  # each timed day has the same ticks
    assert one["bars"] > 0 and one["cpu_ticks_per_s"] > 0
    with pytest.raises(ValueError, match="days must be at least 2"):
        bench.bench_bars_build("rb2505", ["1m"], 1)
    with pytest.raises(ValueError, match="bar interval '7x'"):
        bench.bench_bars_build("rb2505", ["7x"], 2)
