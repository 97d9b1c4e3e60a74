"""Provenance of a bench run: when, which code, which machine, which build, which CTP libraries.

Every result printed or saved carries this block, so a number can always be traced to the commit,
compiler flags, CPU and vendor library that produced it. CTP library versions are read in child
processes (as ``shandian doctor`` does): two flavours share file names and must not meet in one process.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from shandian import __version__
from shandian.doctor import cpu_model, probe_flavour
from shandian.paths import FLAVOURS

REQUIRED_FIELDS: tuple[str, ...] = (
    "date_utc", "shandian_version", "git", "cpu_model", "cpu_count", "cpu_affinity", "kernel", "platform",
    "python", "build", "ctp", "options",
)


def _run(cmd: list[str], cwd: Path) -> str | None:
    """Stdout of CMD stripped, or None when it fails."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_info() -> dict[str, Any]:
    """Commit, dirty flag and branch of the checkout this package runs from (None outside a checkout)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return {"commit": None, "dirty": None, "branch": None, "source": f"installed package ({root})"}
    commit = _run(["git", "rev-parse", "HEAD"], root)
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], root)
    return {
        "commit": commit,
        "dirty": None if status is None else bool(status),  # tracked files modified vs the commit
        "branch": _run(["git", "rev-parse", "--abbrev-ref", "HEAD"], root),
        "source": str(root),
    }


def build_info() -> dict[str, Any]:
    """Compiler, flags, build type and pinned CTP API version of the loaded extensions (built together)."""
    try:
        from shandian import _core

        info = dict(_core.build_info())
        info["extension"] = _core.__file__
    except (ImportError, AttributeError) as exc:
        return {"error": f"shandian._core unavailable: {exc}"}
    try:
        from shandian import _bench

        info["bench_extension"] = _bench.__file__
    except ImportError as exc:
        info["bench_extension"] = f"unavailable: {exc}"
    return info


def ctp_libraries(flavours: tuple[str, ...] = FLAVOURS) -> dict[str, Any]:
    """GetApiVersion of each installed CTP library flavour, or why it could not be read."""
    out: dict[str, Any] = {}
    for flavour in flavours:
        try:
            versions = probe_flavour(flavour)
        except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
            out[flavour] = {"error": str(exc)}
            continue
        out[flavour] = {
            "trader_version": versions.get("trader_version"),
            "md_version": versions.get("md_version"),
            "directory": str(Path(versions.get("trader_path", "")).parent),
        }
    return out


def _read(path: str) -> str | None:
    """First line of a sysfs/procfs file, or None."""
    try:
        return Path(path).read_text().strip().splitlines()[0]
    except (OSError, IndexError):
        return None


def collect(options: dict[str, Any] | None = None, probe_ctp: bool = True) -> dict[str, Any]:
    """Collect the provenance block: every field of REQUIRED_FIELDS plus a few machine-state hints."""
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "shandian_version": __version__,
        "git": git_info(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "cpu_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "kernel": platform.release(),
        "platform": platform.platform(),
        "python": {
            "implementation": platform.python_implementation(),
            "version": platform.python_version(),
            "executable": sys.executable,
            "gil_switch_interval_s": sys.getswitchinterval(),
        },
        "build": build_info(),
        "ctp": ctp_libraries() if probe_ctp else {"skipped": "probe_ctp=False"},
        "options": dict(options or {}),
    }


def one_line(prov: dict[str, Any]) -> list[str]:
    """Human-readable provenance lines for the stdout report."""
    git = prov["git"]
    commit = git.get("commit") or "-"
    if git.get("commit"):
        commit = f"{commit[:12]}{' (dirty)' if git.get('dirty') else ''} on {git.get('branch')}"
    else:
        commit = git.get("source", "-")
    build = prov["build"]
    if "error" in build:
        build_line = build["error"]
    else:
        build_line = (f"{build.get('compiler')} {build.get('build_type')} flags='{build.get('flags')}' "
                      f"C++{build.get('cplusplus')}; CTP API headers {build.get('ctp_api_version')}")
    ctp_parts = []
    for flavour, facts in prov["ctp"].items():
        if isinstance(facts, dict) and "error" not in facts:
            ctp_parts.append(f"{flavour}: {facts.get('trader_version')}")
        else:
            reason = facts.get("error") if isinstance(facts, dict) else facts
            short = str(reason).split(" (searched")[0].split(": ")[-1]
            ctp_parts.append(f"{flavour}: not available ({short[:80]})")
    opts = prov.get("options", {})
    load = prov.get("load_average")
    return [
        f"date        {prov['date_utc']}   shandian {prov['shandian_version']}   git {commit}",
        f"cpu         {prov['cpu_model']} x{prov['cpu_count']} (affinity {prov['cpu_affinity']}, "
        f"governor {prov.get('cpu_governor') or 'n/a'}, load {', '.join(f'{x:.2f}' for x in load or [])})",
        f"kernel      {prov['kernel']}   "
        f"python {prov['python']['implementation']} {prov['python']['version']}",
        f"build       {build_line}",
        f"ctp libs    {'; '.join(ctp_parts)}",
        "options     " + ", ".join(f"{k}={v}" for k, v in opts.items()),
    ]
