"""The Python sources are ruff-clean with the repository's configuration."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_python_sources_when_linted_with_ruff_report_no_issue() -> None:
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    dirs = ("shandian", "bench", "tests", "agents", "examples", "tools")
    targets = [str(ROOT / d) for d in dirs if (ROOT / d).exists()]
    proc = subprocess.run([*cmd, "check", *targets], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
