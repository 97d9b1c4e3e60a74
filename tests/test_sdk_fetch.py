"""The pinned CTP SDK: a bad archive or no network makes configuration fail with instructions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELP_MARKERS = ("pip download --no-deps --no-binary vnpy_ctp vnpy_ctp==6.7.11.4", "CTP_SDK_DIR=")


def flat(text: str) -> str:
    """CMake word-wraps its error messages: compare with whitespace folded."""
    return " ".join(text.split())


def configure(tmp_path: Path, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("CTP_SDK_DIR", None)
    env.update(env_overrides)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    return subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(tmp_path / "build"), *generator,
         f"-DPython3_EXECUTABLE={sys.executable}"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )


def test_configure_when_ctp_sdk_dir_is_empty_fails_with_download_instructions(tmp_path) -> None:
    empty = tmp_path / "empty-sdk"
    empty.mkdir()
    proc = configure(tmp_path, CTP_SDK_DIR=str(empty))
    assert proc.returncode != 0
    assert f"CTP_SDK_DIR={empty} does not hold the SFIT headers" in flat(proc.stderr)
    for marker in HELP_MARKERS:
        assert marker in flat(proc.stderr)


def test_configure_when_registry_unreachable_fails_with_download_instructions(tmp_path) -> None:
    proc = configure(
        tmp_path,
        SHANDIAN_CACHE_DIR=str(tmp_path / "cache"),
        PIP_INDEX_URL="http://127.0.0.1:9/simple",  # nothing listens on the discard port
        PIP_EXTRA_INDEX_URL="",  # no local mirror may satisfy the request either
        PIP_FIND_LINKS="",
        PIP_CONFIG_FILE=os.devnull,
        PIP_RETRIES="0",
        PIP_TIMEOUT="2",
        PIP_NO_CACHE_DIR="1",
    )
    assert proc.returncode != 0
    assert "'pip download vnpy_ctp==6.7.11.4' failed" in flat(proc.stderr)
    for marker in HELP_MARKERS:
        assert marker in flat(proc.stderr)
    # Nothing half-fetched may look like a usable cache.
    assert not (tmp_path / "cache" / "ctp-6.7.11.4" / "lib").exists()


def test_verify_when_archive_hash_differs_refuses_with_expected_hash(tmp_path) -> None:
    bogus = tmp_path / "vnpy_ctp-6.7.11.4.tar.gz"
    bogus.write_bytes(b"not the SFIT carrier archive")
    proc = subprocess.run(
        ["cmake", f"-DCTP_VERIFY_ARCHIVE={bogus}", "-P", str(ROOT / "cmake" / "CtpSdkFetch.cmake")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode != 0
    assert "c73a432171f9d45c341fa8472bed56e6ca00c97d6e04898dfa65593ff2d6fd2a" in flat(proc.stderr)
    assert "Refusing to build against an unverified vendor library" in flat(proc.stderr)


@pytest.mark.parametrize("layout", ["flat", "include-lib"])
def test_configure_when_ctp_sdk_dir_given_uses_it(tmp_path, layout) -> None:
    cache = Path(os.environ.get("SHANDIAN_CACHE_DIR", Path.home() / ".cache" / "shandian")) / "ctp-6.7.11.4"
    if not (cache / "lib").is_dir():
        pytest.skip("no cached SDK to copy (pip install . fetches it)")
    sdk = tmp_path / "my-sfit"
    inc, lib = (sdk, sdk) if layout == "flat" else (sdk / "include", sdk / "lib")
    inc.mkdir(parents=True, exist_ok=True)
    lib.mkdir(parents=True, exist_ok=True)
    for header in (cache / "include" / "ctp").iterdir():
        shutil.copy(header, inc)
    for so in (cache / "lib").iterdir():
        shutil.copy(so, lib)
    proc = configure(tmp_path, CTP_SDK_DIR=str(sdk))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"headers {inc}" in proc.stdout
