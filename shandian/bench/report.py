"""Reports of a bench run: the stdout table, the JSON document, and the PNG (latency CDF + histogram)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from shandian.bench.provenance import one_line
from shandian.bench.scenarios import REGISTRY, Metric, Result
from shandian.histogram import STANDARD_PERCENTILES, Histogram, percentile_label

SCHEMA = "shandian-bench/1"
COLUMNS = ("scenario", "metric", "count", *(percentile_label(p) for p in STANDARD_PERCENTILES), "max", "rate",
           "vs baseline / reference")


def fmt_ns(value: float | None) -> str:
    """Format a duration in ns with a readable unit: 850 ns, 1.23 µs, 12.3 µs, 1.23 ms, 1.23 s."""
    if value is None:
        return "—"
    if value < 1_000:
        return f"{value:.0f} ns"
    for scale, unit in ((1e3, "µs"), (1e6, "ms"), (1e9, "s")):
        v = value / scale
        if v < 1_000 or unit == "s":
            return f"{v:.3g} {unit}" if v >= 100 else f"{v:.2f} {unit}" if v < 10 else f"{v:.1f} {unit}"
    return f"{value:.0f} ns"


def fmt_rate(value: float | None, unit: str) -> str:
    """Format a rate with an SI prefix: 1.23 M items/s."""
    if value is None or math.isnan(value):
        return "—"
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g} {prefix} {unit}"
    return f"{value:.3g} {unit}"


def fmt_ratio(x: float) -> str:
    """0.123 -> '0.12×'."""
    return f"{x:.3g}×"


def find_metric(results: list[Result], ref: str) -> tuple[Result | None, Metric | None]:
    """Find the result and metric named by 'scenario:metric_key'."""
    name, _, key = ref.partition(":")
    result = next((r for r in results if r.name == name), None)
    return result, (result.metric(key) if result else None)


def comparison(metric: Metric, results: list[Result], ref: str | None = None) -> dict[str, Any] | None:
    """Compute shandian / baseline for one baseline REF of METRIC (default: its first): ratios, or why not."""
    ref = ref if ref is not None else next(iter(metric.baselines), None)
    if ref is None:
        return None
    base_result, base = find_metric(results, ref)
    out: dict[str, Any] = {"metric": metric.key, "baseline": ref}
    if base_result is None:
        out["missing"] = f"baseline {ref} not in this run"
    elif base is None:
        why = base_result.reason if base_result.status != "ok" else "not measured in this run (see its notes)"
        out["missing"] = f"{base_result.status if base_result.status != 'ok' else ''} {why}".strip()
    elif metric.kind == "latency" and base.kind == "latency" and metric.hist and base.hist:
        ratios = {}
        for p in STANDARD_PERCENTILES:
            mine, theirs = metric.hist.percentile(p), base.hist.percentile(p)
            if mine is not None and theirs:
                ratios[percentile_label(p)] = mine / theirs
        out["ratios"] = ratios
        out["meaning"] = "shandian latency / baseline latency per percentile (< 1 is faster)"
    elif metric.kind == "rate" and base.kind == "rate" and metric.rate is not None and base.rate:
        out["ratios"] = {"rate": metric.rate / base.rate}
        out["meaning"] = "shandian rate / baseline rate (> 1 is faster)"
    else:
        out["missing"] = f"{metric.kind} metric cannot be compared with a {base.kind} baseline"
    return out


def comparisons(metric: Metric, results: list[Result]) -> list[dict[str, Any]]:
    """One comparison per baseline METRIC names (empty when it names none)."""
    return [c for ref in metric.baselines if (c := comparison(metric, results, ref)) is not None]


def _comparison_text(cmp: dict[str, Any] | None) -> str:
    if cmp is None:
        return ""
    if "missing" in cmp:
        return f"vs {cmp['baseline']}: {cmp['missing']}"
    parts = [f"{k} {fmt_ratio(v)}" for k, v in cmp["ratios"].items()]
    return f"vs {cmp['baseline']}: " + ", ".join(parts)


def table_rows(results: list[Result]) -> list[list[str]]:
    """One row of cells per metric; a scenario that did not run gives a two-cell row (name, reason)."""
    rows: list[list[str]] = []
    blank = ["" for _ in STANDARD_PERCENTILES]
    for result in results:
        if result.status != "ok":
            rows.append([result.name, ("ERROR: " if result.status == "error" else "") + result.reason])
            continue
        for metric in result.metrics:
            extra = "; ".join(_comparison_text(c) for c in comparisons(metric, results))
            if metric.target:
                verdict = {True: "met", False: "NOT met", None: "not judged"}[metric.target_met]
                extra = "; ".join(x for x in (extra, f"target {metric.target}: {verdict}") if x)
            if metric.reference and not extra:
                extra = "ref: " + metric.reference.split(" on this workplace")[0] + " (quoted)"
            if metric.kind == "latency" and metric.hist is not None:
                pct = metric.hist.percentiles()
                rows.append([result.name, metric.label, f"{metric.hist.count:,}",
                             *(fmt_ns(pct[percentile_label(p)]) for p in STANDARD_PERCENTILES),
                             fmt_ns(metric.hist.max), "", extra])
            else:
                n = len(metric.runs)
                runs = f"{n} run{'s' if n != 1 else ''}" if n else ""
                rows.append([result.name, metric.label, runs, *blank, "", fmt_rate(metric.rate, metric.unit),
                             extra])
    return rows


def render_table(results: list[Result]) -> str:
    """Fixed-width table: numbers right-aligned, the last column and not-run reasons left to run on."""
    rows = table_rows(results)
    full = [list(COLUMNS), *(r for r in rows if len(r) == len(COLUMNS))]
    widths = [max(len(r[i]) for r in full) for i in range(len(COLUMNS) - 1)]
    widths[0] = max(widths[0], *(len(r[0]) for r in rows)) if rows else widths[0]
    widths[1] = min(widths[1], 60)

    def line(row: list[str]) -> str:
        if len(row) == 2:
            return f"{row[0].ljust(widths[0])}  {row[1]}"
        cells = []
        for i, cell in enumerate(row[:-1]):
            if i == 1 and len(cell) > widths[1]:
                cell = cell[: widths[1] - 1] + "…"
            cells.append(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]))
        return f"{'  '.join(cells)}  {row[-1]}".rstrip()

    header = line(list(COLUMNS))
    return "\n".join([header, "-" * len(header), *(line(r) for r in rows)])


def render_process(results: list[Result]) -> list[str]:
    """One line of process figures per scenario that ran."""
    lines = []
    for r in results:
        p = r.process
        if r.status != "ok" or not p:
            continue
        util = p.get("cpu_utilisation")
        lines.append(
            f"  {r.name:<10} wall {p['wall_s']:.2f} s, cpu user {p['user_s']:.2f} s"
            f" + sys {p['system_s']:.2f} s"
            f" ({util:.2f} cores), rss {p['rss_bytes'] / 2**20:.0f} MiB ({p['rss_kind']}),"
            f" ctx switches {p['ctx_voluntary']:,} voluntary / {p['ctx_involuntary']:,} involuntary"
            if util is not None else f"  {r.name:<10} wall {p['wall_s']:.2f} s"
        )
    if lines:
        source = next(r.process["source"] for r in results if r.process)
        lines.insert(0, f"process figures per scenario ({source}; each scenario in its own process unless"
                        " --in-process):")
    return lines


def render(doc: dict[str, Any], results: list[Result]) -> str:
    """Render the stdout report: provenance, table, comparisons, references, notes, process figures."""
    prov = doc["provenance"]
    out = ["shandian bench — " + ", ".join(r.name for r in results), *one_line(prov)]
    load, cpus = prov.get("load_average"), prov.get("cpu_count") or 1
    if load and load[0] > cpus:
        out.append(f"WARNING     machine busy at start: 1-min load {load[0]:.1f} on {cpus} CPUs; latencies"
                   " and rates include other processes' interference")
    pinning = prov.get("pinning")
    if isinstance(pinning, dict):
        threads = pinning["threads"]
        text = threads if isinstance(threads, str) else "; ".join(f"{k}: {v}" for k, v in threads.items())
        out.append(f"pinning     {text}")
        if pinning.get("caveat"):
            out.append(f"CAVEAT      wait=spin on {cpus} CPUs: {pinning['caveat']}")
    end = prov.get("load_average_end")
    if end:
        out.append(f"load        at start {', '.join(f'{x:.2f}' for x in load or [])};"
                   f" at end {', '.join(f'{x:.2f}' for x in end)} (1, 5, 15 min)")
    out += ["", render_table(results), ""]
    notes = [f"  {r.name}: {note}" for r in results for note in r.notes]
    refs = sorted({f"  {m.reference}" for r in results for m in r.metrics if m.reference})
    cmps = [c for c in doc["comparisons"]]
    if cmps:
        out.append("shandian / baseline (same run; see notes for the tick source of each side):")
        for c in cmps:
            out.append(f"  {c['scenario']}:{c['metric']} {_comparison_text(c)}"
                       + (f"  [{c['meaning']}]" if "meaning" in c else ""))
    else:
        out.append("shandian / baseline: no ratio in this run (no shandian metric that names a baseline ran)")
    for r in results:
        if r.status != "ok" and REGISTRY.get(r.name) and REGISTRY[r.name].baselines:
            out.append(f"  {r.name} (compares with {', '.join(REGISTRY[r.name].baselines)}): {r.status}:"
                       f" {r.reason}")
    if refs:
        out += ["references (quoted public figures, not measured in this run):", *refs]
    if notes:
        out += ["notes:", *notes]
    out += render_process(results)
    params = [f"  {r.name}: " + ", ".join(f"{k}={v}" for k, v in r.params.items())
              for r in results if r.params]
    if params:
        out += ["parameters:", *params]
    return "\n".join(out)


def document(provenance: dict[str, Any], results: list[Result]) -> dict[str, Any]:
    """Build the JSON document of a run."""
    all_cmps: list[dict[str, Any]] = []
    for r in results:
        for m in r.metrics:
            all_cmps.extend({"scenario": r.name, **cmp} for cmp in comparisons(m, results))
    return {
        "schema": SCHEMA,
        "provenance": provenance,
        "results": [r.to_dict() for r in results],
        "comparisons": all_cmps,
        "percentile_definition": "nearest rank; reported value >= exact and < exact × (1 + relative_error)",
    }


def write_json(doc: dict[str, Any], path: Path) -> None:
    """Write DOC to PATH (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def coarse_bins(hist: Histogram, per_decade: int = 20) -> tuple[list[float], list[int]]:
    """Re-bin the fine histogram into log-spaced bins for display: (edges, counts)."""
    if not hist.count or hist.max is None or hist.min is None:
        return [1.0, 10.0], [0]
    lo = math.floor(math.log10(max(hist.min, 1)) * per_decade)
    hi = math.floor(math.log10(max(hist.max, 1)) * per_decade) + 1
    edges = [10 ** (k / per_decade) for k in range(lo, hi + 1)]
    counts = [0] * (hi - lo)
    for low, high, n in hist.buckets():
        mid = max((low + high) / 2, 1)
        counts[min(max(math.floor(math.log10(mid) * per_decade) - lo, 0), hi - lo - 1)] += n
    return edges, counts


def write_png(results: list[Result], path: Path, title: str) -> str | None:
    """Latency CDF and histogram per latency metric into PATH; returns why it was skipped, or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"matplotlib not installed ({exc}); `pip install '.[bench]'`"
    series = [(r.name, m) for r in results if r.status == "ok" for m in r.metrics
              if m.kind == "latency" and m.hist is not None and m.hist.count]
    if not series:
        return "no latency metric in this run"
    fig, axes = plt.subplots(len(series), 2, figsize=(12, 3.2 * len(series)), squeeze=False)
    for row, (name, metric) in enumerate(series):
        hist = metric.hist
        assert hist is not None
        cdf = hist.cdf()
        xs = [max(v, 1) for v, _ in cdf]
        ax = axes[row][0]
        ax.step(xs, [f for _, f in cdf], where="post")
        ax.set_xscale("log")
        ax.set_ylim(0, 1.01)
        ax.set_xlabel("latency (ns)")
        ax.set_ylabel("fraction ≤ x")
        ax.set_title(f"{name}: {metric.label} — CDF", fontsize=9)
        for p in (50.0, 99.0, 99.9):
            v = hist.percentile(p)
            if v:
                ax.axvline(v, linestyle=":", linewidth=0.8, color="grey")
                ax.annotate(percentile_label(p), (v, 0.05 + 0.3 * (p > 90) + 0.3 * (p > 99)), fontsize=7)
        ax = axes[row][1]
        edges, counts = coarse_bins(hist)
        ax.stairs(counts, edges, fill=True)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("latency (ns)")
        ax.set_ylabel("samples per bin (20 bins/decade)")
        ax.set_title(f"{name}: {metric.label} — histogram (n={hist.count:,})", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None
