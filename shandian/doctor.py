"""`shandian doctor`: check every prerequisite of a run and print the facts a bug report needs."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shandian.paths import FLAVOURS, library_dir

EXPECTED_SFIT_VERSION = "v6.7.11_20250617"


@dataclass
class Check:
    """One prerequisite: its name, whether it holds, and what was found (or what to do)."""

    name: str
    ok: bool
    detail: str
    required: bool = True


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (falls back to platform.processor())."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def probe_flavour(flavour: str, timeout_s: float = 30.0) -> dict[str, str]:
    """Load a CTP library pair in a child process and return its versions.

    A child process keeps a crashing or symbol-clashing vendor library from taking the doctor down, and
    lets two flavours with identical file names be checked in one run. The child runs with `-P` (no
    working directory on sys.path): run inside a checkout, it must import the installed package, not the
    checkout's `shandian/` sources, which lack the compiled extension.
    """
    directory = library_dir(flavour)
    code = (
        "import json,sys\nfrom shandian import _core\n"
        "print(json.dumps(_core.probe_ctp_library(sys.argv[1])))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-P", "-c", code, str(directory)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise RuntimeError(f"loading {directory} failed: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_checks() -> tuple[list[Check], dict[str, str]]:
    """Run every check; return them with the facts to print."""
    checks: list[Check] = []
    facts: dict[str, str] = {
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
        "cpu": f"{cpu_model()} x{os.cpu_count()}",
    }
    checks.append(
        Check("python >= 3.11", sys.version_info >= (3, 11), platform.python_version())
    )
    try:
        from shandian import _core

        info = _core.build_info()
        facts["shandian"] = str(info["version"])
        facts["compiler"] = str(info["compiler"])
        facts["build"] = f"{info['build_type']} flags='{info['flags']}' C++ {info['cplusplus']}"
        facts["ctp api (headers)"] = str(info["ctp_api_version"])
        checks.append(Check("extension shandian._core", True, _core.__file__))
    except ImportError as exc:
        checks.append(Check("extension shandian._core", False, f"{exc}: reinstall with `pip install .`"))
        return checks, facts
    # Located, not imported: the runtime never loads the benchmarks' extension (only `python -m bench` does).
    bench = importlib.util.find_spec("shandian._bench")
    checks.append(Check("extension shandian._bench (python -m bench, property tests)", bench is not None,
                        (bench.origin or "") if bench else "not installed: reinstall with `pip install .`",
                        required=False))

    for flavour in FLAVOURS:
        required = flavour == "sfit"
        try:
            versions = probe_flavour(flavour)
        except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as exc:
            checks.append(Check(f"ctp library '{flavour}'", False, str(exc), required=required))
            continue
        trader, md = versions["trader_version"], versions["md_version"]
        facts[f"ctp {flavour} trader"] = f"{trader}  ({versions['trader_path']})"
        facts[f"ctp {flavour} md"] = f"{md}  ({versions['md_path']})"
        if flavour == "sfit":
            ok = trader.startswith(EXPECTED_SFIT_VERSION) and md.startswith(EXPECTED_SFIT_VERSION)
            detail = trader if ok else f"trader={trader!r} md={md!r}, expected {EXPECTED_SFIT_VERSION}"
        else:
            ok = bool(trader) and bool(md)
            detail = trader
        checks.append(Check(f"ctp library '{flavour}'", ok, detail, required=required))

    try:
        "测试".encode("gbk").decode("gbk")
        checks.append(Check("GBK codec", True, "python codec present (C++ side uses iconv)"))
    except LookupError as exc:
        checks.append(Check("GBK codec", False, str(exc)))

    try:
        with tempfile.TemporaryDirectory(prefix="shandian-flow-") as tmp:
            probe = Path(tmp) / "probe"
            probe.write_text("ok")
        checks.append(Check("writable temp dir for CTP flow files", True, tempfile.gettempdir()))
    except OSError as exc:
        checks.append(Check("writable temp dir for CTP flow files", False, str(exc)))
    return checks, facts


def main() -> int:
    """Print facts and checks; return 0 only when every required check passes."""
    checks, facts = run_checks()
    width = max(len(k) for k in facts) if facts else 10
    print("shandian doctor")
    for key, value in facts.items():
        print(f"  {key:<{width}}  {value}")
    print()
    failed = 0
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
        print(f"  [{mark}] {check.name}: {check.detail}")
        if not check.ok and check.required:
            failed += 1
    print()
    if failed:
        print(f"doctor: {failed} required check(s) failed", file=sys.stderr)
        return 1
    print("doctor: all required checks passed")
    return 0
