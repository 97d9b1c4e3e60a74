"""Builds the C++ test executables (tests/cpp) with CMake and runs each through ctest.

Three build flavours share one CMake tree definition: the normal build (assertions on), a
ThreadSanitizer build running the tests labelled `tsan`, and an ASan+UBSan build running every test.
Build directories persist under build/ so a rerun only recompiles what changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CPP_TESTS = ROOT / "tests" / "cpp"
FLAVOURS = {
    "normal": ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g"],
    "tsan": ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSHANDIAN_SANITIZE=thread",
             "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g"],
    "asan": ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSHANDIAN_SANITIZE=address",
             "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g"],
}
BUILD_TIMEOUT_S = 1800


def discovered_tests() -> list[str]:
    """Every C++ test, named by its file stem (one executable per tests/cpp/<component>/test_*.cpp)."""
    return sorted(p.stem for p in CPP_TESTS.glob("*/test_*.cpp"))


def cmake_build(flavour: str) -> Path:
    """Configure and build one flavour of the C++ test tree; return its build directory."""
    build = ROOT / "build" / f"cpp-{flavour}"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    configure = [
        "cmake", "-S", str(ROOT), "-B", str(build), *generator,
        "-DSHANDIAN_BUILD_TESTS=ON", f"-DPython3_EXECUTABLE={sys.executable}", *FLAVOURS[flavour],
    ]
    for cmd in (configure, ["cmake", "--build", str(build), "-j", str(os.cpu_count() or 2)]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
        if proc.returncode != 0:
            pytest.fail(
                f"{' '.join(cmd[:3])} failed for {flavour}:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
            )
    return build


_builds: dict[str, Path] = {}


def build_dir(flavour: str) -> Path:
    """Build each flavour once per pytest session."""
    if flavour not in _builds:
        _builds[flavour] = cmake_build(flavour)
    return _builds[flavour]


def ctest(build: Path, name: str, label: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one registered test by exact name (optionally restricted to a label)."""
    cmd = ["ctest", "--test-dir", str(build), "--output-on-failure", "--timeout", "900", "-R", f"^{name}$"]
    if label:
        cmd += ["-L", label]
    env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1",
               ASAN_OPTIONS="detect_leaks=1 abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1000, env=env, check=False)


def assert_ctest_ran(proc: subprocess.CompletedProcess[str], name: str, allow_absent: bool = False) -> None:
    """Fail unless ctest ran NAME and it passed (or, where allowed, NAME is not in this label)."""
    if "No tests were found" in proc.stdout + proc.stderr:
        if allow_absent:
            pytest.skip(f"{name} is not labelled for this flavour")
        pytest.fail(f"ctest found no test named {name}: is it registered with add_test?")
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-4000:]}"


@pytest.mark.parametrize("name", discovered_tests())
def test_cpp_when_built_normally_passes(name: str) -> None:
    assert_ctest_ran(ctest(build_dir("normal"), name), name)


@pytest.mark.slow
@pytest.mark.parametrize("name", discovered_tests())
def test_cpp_when_built_with_thread_sanitizer_is_clean(name: str) -> None:
    assert_ctest_ran(ctest(build_dir("tsan"), name, label="tsan"), name, allow_absent=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", discovered_tests())
def test_cpp_when_built_with_address_sanitizer_is_clean(name: str) -> None:
    assert_ctest_ran(ctest(build_dir("asan"), name), name)
