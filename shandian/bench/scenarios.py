"""Scenario registry: what ``python -m bench <scenario>`` can run, and the data each run returns.

A scenario names the bindings it needs (``_core.Engine``, ``_bench.bench_ring_throughput``: the runtime's
extension or the benchmarks' one); when one is missing it is reported as "not available in this build: ..."
and never faked. A scenario may declare baselines (other scenarios) it compares with;
the runner adds them to the same run, and the report prints shandian / baseline for each metric whose
``compare_with`` names one. Adding a scenario: write ``run(ctx) -> Output`` and call ``register``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from shandian.bench.ticks import Tick, make_stream
from shandian.histogram import Histogram

WAIT_STRATEGIES = ("spin", "yield", "block")
EXTENSIONS = ("_core", "_bench")  # the runtime's extension and the benchmarks' (shandian._<name>)


@dataclass
class Context:
    """Options of one run, handed to every scenario."""

    quick: bool = False
    pin: bool = False
    wait: str = "block"
    seed: int = 20250617
    core: Any = None  # the shandian._core module (the runtime), or None when it does not import
    core_error: str | None = None
    bench: Any = None  # the shandian._bench module (C++ benchmarks, probes), or None when it does not import
    bench_error: str | None = None
    cpus: tuple[int, ...] = ()  # CPUs this process may run on
    _stream: list[Tick] | None = None
    _streams: dict[tuple[int, tuple[tuple[str, int], ...]], list[Tick]] = field(default_factory=dict)

    def size(self, quick: int, full: int) -> int:
        """QUICK in quick mode, FULL otherwise."""
        return quick if self.quick else full

    @property
    def stream(self) -> list[Tick]:
        """The run's tick stream (built once, shared by every scenario and baseline)."""
        if self._stream is None:
            self._stream = make_stream(self.seed)
        return self._stream

    def replay_stream(self, size: int, **timing: int) -> list[Tick]:
        """Return the first SIZE ticks of the run's stream with TIMING (see make_stream), built once.

        Scenarios and the baselines they compare with call this with the same SIZE and TIMING, so both
        consume exactly the same ticks (same seed, instruments, values and order).
        """
        key = (size, tuple(sorted(timing.items())))
        if key not in self._streams:
            self._streams[key] = make_stream(self.seed, size, **timing)
        return self._streams[key]

    def extension(self, name: str) -> tuple[Any, str | None]:
        """Return extension NAME ('_core', '_bench') as loaded for this run: (module, None) or (None, why)."""
        if name == "_core":
            return self.core, self.core_error
        if name == "_bench":
            return self.bench, self.bench_error
        raise ValueError(f"unknown extension {name!r}: expected '_core' or '_bench'")

    def pin_pair(self) -> tuple[int, int] | None:
        """Two distinct CPUs for a producer/consumer pair when --pin is on and two are available."""
        if self.pin and len(self.cpus) >= 2:
            return self.cpus[0], self.cpus[1]
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the options recorded in provenance."""
        return {"quick": self.quick, "pin": self.pin, "wait": self.wait, "seed": self.seed}


@dataclass
class Metric:
    """One number a scenario reports: a latency histogram or a rate (per second)."""

    key: str
    label: str
    kind: Literal["latency", "rate"]
    hist: Histogram | None = None
    rate: float | None = None
    unit: str = ""  # rate unit, e.g. "items/s"
    runs: list[float] = field(default_factory=list)  # rate of each repetition; `rate` is their median
    reference: str | None = None  # a quoted public figure, never measured in this run
    target: str | None = None  # the target, e.g. "p50 <= 5 µs"
    target_met: bool | None = None
    # "scenario:metric_key" of each baseline this is the shandian side of (a str is one baseline)
    compare_with: str | tuple[str, ...] | None = None
    warmup: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form: summary numbers plus the full histogram."""
        out: dict[str, Any] = {"key": self.key, "label": self.label, "kind": self.kind}
        if self.hist is not None:
            out["summary"] = self.hist.summary()
            out["histogram"] = self.hist.to_dict()
            out["warmup_discarded"] = self.warmup
        if self.kind == "rate":
            out.update({"rate": self.rate, "unit": self.unit, "runs": self.runs})
        for name in ("reference", "target", "target_met"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.baselines:
            out["compare_with"] = list(self.baselines)
        return out

    @property
    def baselines(self) -> tuple[str, ...]:
        """The baselines named by compare_with, as a tuple."""
        if self.compare_with is None:
            return ()
        return (self.compare_with,) if isinstance(self.compare_with, str) else tuple(self.compare_with)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        """Inverse of to_dict (used to bring results back from a worker process)."""
        hist = Histogram.from_dict(data["histogram"]) if "histogram" in data else None
        return cls(
            key=data["key"], label=data["label"], kind=data["kind"], hist=hist, rate=data.get("rate"),
            unit=data.get("unit", ""), runs=list(data.get("runs", [])), reference=data.get("reference"),
            target=data.get("target"), target_met=data.get("target_met"),
            compare_with=_compare_from_json(data.get("compare_with")), warmup=data.get("warmup_discarded", 0),
        )


def _compare_from_json(value: str | list[str] | None) -> str | tuple[str, ...] | None:
    """compare_with as stored in JSON (a list, or a str from older documents) back to the field's type."""
    if value is None or isinstance(value, str):
        return value
    return tuple(value)


@dataclass
class Output:
    """What a scenario's run function returns."""

    params: dict[str, Any] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Result:
    """One scenario's outcome in a run: ok with metrics, unavailable (and why), or error (and why)."""

    name: str
    title: str
    status: Literal["ok", "unavailable", "error"]
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    process: dict[str, Any] = field(default_factory=dict)

    def metric(self, key: str) -> Metric | None:
        """Return the metric named KEY, if this result has it."""
        return next((m for m in self.metrics if m.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name, "title": self.title, "status": self.status, "reason": self.reason,
            "params": self.params, "metrics": [m.to_dict() for m in self.metrics], "notes": self.notes,
            "seconds": self.seconds, "process": self.process,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Inverse of to_dict."""
        return cls(
            name=data["name"], title=data["title"], status=data["status"], reason=data.get("reason", ""),
            params=data.get("params", {}), metrics=[Metric.from_dict(m) for m in data.get("metrics", [])],
            notes=list(data.get("notes", [])), seconds=data.get("seconds", 0.0),
            process=data.get("process", {}),
        )


@dataclass(frozen=True)
class Scenario:
    """A registered scenario: what it needs from the build and how to run it."""

    name: str
    title: str
    run: Callable[[Context], Output] | None = None
    requires: tuple[str, ...] = ()  # "<extension>.<binding>": "_core.Engine", "_bench.bench_wake_floor"
    baselines: tuple[str, ...] = ()  # scenarios this one compares with: run alongside it
    precheck: Callable[[Context], str | None] | None = None  # returns why it cannot run, or None
    planned: str = ""  # set while the code under test does not exist: what is missing and where it lands
    harness_owned: bool = False  # pure-Python: must never end in "error" (the smoke test checks it)
    hint: str = ""  # where a missing binding comes from, appended to the "needs _bench.x" reason
    # a third-party baseline that may be missing (printed with the reason); any other scenario that cannot
    # run makes the harness exit non-zero
    optional: bool = False

    def unavailable_reason(self, ctx: Context) -> str | None:
        """Why this scenario cannot run in this build, or None when it can."""
        if self.planned or self.run is None:
            return f"not available in this build: {self.planned or 'no runner registered'}"
        if self.requires:
            missing = []
            for binding in self.requires:
                extension, _, name = binding.partition(".")
                module, error = ctx.extension(extension)
                if module is None:
                    return f"not available in this build: shandian.{extension} does not import ({error})"
                if not hasattr(module, name):
                    missing.append(binding)
            if missing:
                hint = f" ({self.hint})" if self.hint else ""
                return f"not available in this build: needs {', '.join(missing)}{hint}"
        if self.precheck is not None:
            reason = self.precheck(ctx)
            if reason:
                return f"not available in this build: {reason}"
        return None


# Filled by shandian.bench.builtin on import (the harness, shandian.bench, imports it): this module is the
# layer below the scenarios and imports none of them.
REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    """Add SCENARIO to the registry (the name must be new, each binding named as "<extension>.<binding>")."""
    if scenario.name in REGISTRY or scenario.name in ("all", "list"):
        raise ValueError(f"scenario name {scenario.name!r} is taken")
    for binding in scenario.requires:
        extension, _, name = binding.partition(".")
        if extension not in EXTENSIONS or not name:
            raise ValueError(f"scenario {scenario.name!r} requires {binding!r}: expected"
                             f" '<extension>.<binding>' with the extension one of {', '.join(EXTENSIONS)}")
    REGISTRY[scenario.name] = scenario
    return scenario


def with_baselines(names: list[str], registry: dict[str, Scenario]) -> list[str]:
    """NAMES plus every baseline they declare (transitively), in registry order, without duplicates."""
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(registry[name].baselines)
    return [name for name in registry if name in wanted]


def execute(scenario: Scenario, ctx: Context) -> Result:
    """Run SCENARIO in this process: check availability, time it, wrap errors; never raises."""
    from shandian.bench.process import ProcessFigures

    reason = scenario.unavailable_reason(ctx)
    if reason:
        return Result(scenario.name, scenario.title, "unavailable", reason)
    assert scenario.run is not None
    t0 = time.perf_counter()
    try:
        with ProcessFigures() as figures:
            out = scenario.run(ctx)
    except Exception as exc:  # a failing scenario is a reported result, not a crashed harness
        return Result(scenario.name, scenario.title, "error", f"{type(exc).__name__}: {exc}",
                      seconds=time.perf_counter() - t0)
    return Result(scenario.name, scenario.title, "ok", params=out.params, metrics=out.metrics,
                  notes=out.notes, seconds=time.perf_counter() - t0, process=figures.result)


def load_extension(name: str) -> tuple[Any, str | None]:
    """Import shandian.NAME ('_core', '_bench'): (module, None), or (None, why it did not import)."""
    try:
        return importlib.import_module(f"shandian.{name}"), None
    except ImportError as exc:
        return None, str(exc)
