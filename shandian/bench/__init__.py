"""shandian's latency harness: ``python -m bench <scenario>`` or ``shandian bench <scenario>``.

Runs registered scenarios (see ``scenarios.py``), each in its own process by default so a crashing binding,
a CTP library's symbols or one scenario's memory never reach another, and prints a table with
percentiles, baseline ratios and provenance; writes the same as JSON and a PNG of the latency CDFs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from shandian.bench import (
    backtest,  # noqa: F401 -- importing it registers the backtest scenario
    bars_ta,  # noqa: F401 -- importing it registers the bars_ta scenario
    builtin,  # importing it registers the built-in scenarios in REGISTRY
)
from shandian.bench.scenarios import (
    REGISTRY,
    WAIT_STRATEGIES,
    Context,
    Result,
    execute,
    load_extension,
    with_baselines,
)

QUICK_TIMEOUT_S = 50.0
FULL_TIMEOUT_S = 1800.0


def build_parser(prog: str = "python -m bench") -> argparse.ArgumentParser:
    """Build the harness's argument parser."""
    names = ", ".join(REGISTRY)
    parser = argparse.ArgumentParser(prog=prog, description="shandian latency and throughput harness",
                                     epilog=f"scenarios: {names}")
    parser.add_argument("scenarios", nargs="+", metavar="scenario",
                        help="'all', 'list', or one or more scenario names")
    parser.add_argument("--quick", action="store_true", help="small sizes: all in < 60 s (CI smoke)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the JSON document here")
    parser.add_argument("--png", type=Path, metavar="PATH", help="write the latency CDF/histogram PNG here")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), metavar="DIR",
                        help="directory for JSON/PNG not given explicitly (default: bench/results)")
    parser.add_argument("--no-png", action="store_true", help="do not draw the PNG")
    parser.add_argument("--pin", action="store_true", help="pin producer/consumer threads to distinct CPUs")
    parser.add_argument("--wait", choices=WAIT_STRATEGIES, default="block",
                        help="wait strategy of the engine loop in scenarios that run it (default block, the"
                             " engine's default: spinning starves other threads on a 2-vCPU machine); always"
                             " recorded in provenance")
    parser.add_argument("--seed", type=int, default=20250617, help="seed of the shared tick stream")
    parser.add_argument("--in-process", action="store_true",
                        help="run scenarios in this process (debugging; process figures then overlap)")
    parser.add_argument("--timeout", type=float, metavar="S",
                        help=f"per-scenario timeout (default {QUICK_TIMEOUT_S:.0f} s quick, "
                             f"{FULL_TIMEOUT_S:.0f} s full)")
    return parser


def make_context(quick: bool, pin: bool, wait: str, seed: int) -> Context:
    """Build a Context with the extensions loaded (or the reason each is not)."""
    core, core_error = load_extension("_core")
    bench, bench_error = load_extension("_bench")
    cpus = tuple(sorted(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else ()
    return Context(quick=quick, pin=pin, wait=wait, seed=seed, core=core, core_error=core_error, bench=bench,
                   bench_error=bench_error, cpus=cpus)


def pinning_policy(ctx: Context) -> dict[str, Any]:
    """Describe what --pin does in this run per kind of scenario, and the spin caveat where it applies."""
    pair = ctx.pin_pair()
    policy: dict[str, Any] = {"pinned": pair is not None}
    if pair is None:
        policy["threads"] = ("unpinned: the OS schedules every thread" if not ctx.pin else
                             f"--pin asked but fewer than two CPUs are available ({list(ctx.cpus)})")
    else:
        policy["threads"] = {
            "engine scenarios (tick_agent, throughput, stages)": f"engine thread → CPU {pair[1]};"
            f" CTP md/trader callback threads and the local front's threads → CPU {pair[0]}",
            "ring, baseline": f"producer → CPU {pair[0]}, consumer → CPU {pair[1]}",
        }
    if ctx.wait == "spin" and len(ctx.cpus) <= 2:
        policy["caveat"] = builtin.PIN_CAVEAT
    return policy


def run_isolated(name: str, ctx: Context, timeout_s: float) -> Result:
    """Run scenario NAME in a child process (``python -m shandian.bench.worker``); never raises."""
    title = REGISTRY[name].title
    with tempfile.TemporaryDirectory(prefix="shandian-bench-") as tmp:
        out = Path(tmp) / "result.json"
        # -P (safe_path): the working directory is not put on the child's sys.path, so a checkout's source
        # tree (no compiled _core) can never shadow the installed package the parent measures.
        cmd = [sys.executable, "-P", "-m", "shandian.bench.worker", name, json.dumps(ctx.to_dict()), str(out)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            return Result(name, title, "error", f"timed out after {timeout_s:.0f} s",
                          seconds=time.perf_counter() - t0)
        if proc.returncode != 0 or not out.exists():
            how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            return Result(name, title, "error", f"worker died ({how}): {tail}",
                          seconds=time.perf_counter() - t0)
        return Result.from_dict(json.loads(out.read_text()))


def _default_path(args: argparse.Namespace, names: list[str], suffix: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    label = "all" if "all" in args.scenarios else "+".join(names)
    return args.out / f"{stamp}-{label}{'-quick' if args.quick else ''}.{suffix}"


def main(argv: list[str] | None = None, prog: str = "python -m bench") -> int:
    """Run the harness: 0 when every requested scenario ran, 1 when one failed or could not run.

    Only an optional third-party baseline (e.g. vn.py when it is not installed) may be unavailable in a
    successful run; it is printed with the reason.
    """
    from shandian.bench import provenance, report

    args = build_parser(prog).parse_args(argv)
    if args.scenarios == ["list"]:
        ctx = make_context(args.quick, args.pin, args.wait, args.seed)
        for scenario in REGISTRY.values():
            reason = scenario.unavailable_reason(ctx)
            print(f"{scenario.name:<16} {scenario.title}")
            print(f"{'':<16} {'available' if reason is None else reason}")
        return 0
    unknown = [n for n in args.scenarios if n != "all" and n not in REGISTRY]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: all, list, {', '.join(REGISTRY)}",
              file=sys.stderr)
        return 2
    names = list(REGISTRY) if "all" in args.scenarios else with_baselines(args.scenarios, REGISTRY)
    ctx = make_context(args.quick, args.pin, args.wait, args.seed)
    timeout_s = args.timeout or (QUICK_TIMEOUT_S if args.quick else FULL_TIMEOUT_S)

    t0 = time.perf_counter()
    prov = provenance.collect(options={**ctx.to_dict(), "isolation": "in-process" if args.in_process
                                       else "one process per scenario", "argv": sys.argv[1:] if argv is None
                                       else list(argv)})
    prov["pinning"] = pinning_policy(ctx)
    results: list[Result] = []
    for name in names:
        scenario = REGISTRY[name]
        if scenario.unavailable_reason(ctx) is not None or args.in_process:
            results.append(execute(scenario, ctx))
        else:
            print(f"... running {name}", file=sys.stderr, flush=True)
            results.append(run_isolated(name, ctx, timeout_s))
    prov["harness_seconds"] = round(time.perf_counter() - t0, 3)
    prov["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    doc = report.document(prov, results)
    print(report.render(doc, results))
    json_path = args.json or _default_path(args, names, "json")
    report.write_json(doc, json_path)
    print(f"\njson: {json_path}")
    if args.no_png:
        print("png: skipped (--no-png)")
    else:
        png_path = args.png or _default_path(args, names, "png")
        skipped = report.write_png(results, png_path, f"shandian bench — {prov['date_utc']} — "
                                   f"{prov['cpu_model']} x{prov['cpu_count']}")
        print(f"png: skipped: {skipped}" if skipped else f"png: {png_path}")
    print(f"harness time {prov['harness_seconds']:.1f} s")
    return exit_status(results)


def exit_status(results: list[Result]) -> int:
    """1 when a scenario failed or a non-optional one could not run (said on stderr), else 0."""
    failed = [r for r in results if r.status == "error"]
    missing = [r for r in results
               if r.status == "unavailable" and not getattr(REGISTRY.get(r.name), "optional", False)]
    for r in missing:
        print(f"bench: {r.name} could not run: {r.reason}", file=sys.stderr)
    for r in failed:
        print(f"bench: {r.name} failed: {r.reason}", file=sys.stderr)
    return 1 if failed or missing else 0


def context_from_options(options: dict[str, Any]) -> Context:
    """Context for a worker process from the options its parent recorded."""
    return make_context(bool(options["quick"]), bool(options["pin"]), str(options["wait"]),
                        int(options["seed"]))
