"""Our C++ (cpp/, pyext/, tests/cpp) follows the repository's .clang-format; tools/format.sh applies it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CPP_DIRS = ("cpp", "pyext", "tests/cpp")


def cpp_sources() -> list[Path]:
    """Every C++ source and header of ours (the CTP SDK's headers live outside these directories)."""
    return sorted(p for d in CPP_DIRS for p in (ROOT / d).rglob("*") if p.suffix in (".cpp", ".hpp"))


def test_cpp_formatting_when_checked_with_clang_format_is_clean() -> None:
    clang_format = shutil.which("clang-format")
    if clang_format is None:
        pytest.skip("clang-format is not installed (apt-get install clang-format; .ci/run installs it)")
    assert (ROOT / ".clang-format").is_file(), "without .clang-format, clang-format checks its own default"
    files = cpp_sources()
    assert len(files) > 100, f"found only {len(files)} C++ files under {CPP_DIRS}"
    names = [str(f.relative_to(ROOT)) for f in files]
    proc = subprocess.run([clang_format, "--style=file", "--dry-run", "--Werror", *names],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    unformatted = sorted({line.split(":", 1)[0] for line in proc.stderr.splitlines() if ": error: " in line})
    assert proc.returncode == 0 and not unformatted, (
        f"{len(unformatted)} of {len(files)} C++ files are not formatted; run tools/format.sh:\n"
        + "\n".join(unformatted[:50]) + ("" if unformatted else proc.stderr[-2000:]))
