"""`shandian doctor` against the installed package: versions printed, failures reported with non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shandian import doctor, paths


def run_doctor(*extra_env: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    env = dict(__import__("os").environ)
    env.update(dict(extra_env))
    return subprocess.run(
        [sys.executable, "-m", "shandian", "doctor"], capture_output=True, text=True, timeout=120, env=env,
        check=False,
    )


def test_doctor_when_installed_prints_vendor_api_version_and_exits_zero() -> None:
    proc = run_doctor()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "v6.7.11_20250617" in proc.stdout
    assert "compiler" in proc.stdout and "cpu" in proc.stdout


def test_doctor_when_installed_locates_the_bench_extension_as_an_optional_check() -> None:
    checks, _ = doctor.run_checks()
    bench = next(c for c in checks if c.name.startswith("extension shandian._bench"))
    assert bench.ok and not bench.required and "_bench" in bench.detail


def test_probe_flavour_when_sfit_loaded_returns_both_versions() -> None:
    versions = doctor.probe_flavour("sfit")
    assert versions["trader_version"].startswith(doctor.EXPECTED_SFIT_VERSION)
    assert versions["md_version"].startswith(doctor.EXPECTED_SFIT_VERSION)


def test_probe_ctp_library_when_directory_lacks_libraries_raises_typed_error(tmp_path) -> None:
    from shandian import _core

    with pytest.raises(_core.CtpLibraryError, match=r"libthosttraderapi_se\.so"):
        _core.probe_ctp_library(str(tmp_path))


def test_probe_ctp_library_when_library_lacks_factory_names_the_symbol(tmp_path) -> None:
    from shandian import _core

    # A real shared library that is not a CTP library: libm. Both names point at it.
    libm = next(p for p in ("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6")
                if __import__("os").path.exists(p))
    for name in (paths.TRADER_LIBRARY, paths.MD_LIBRARY):
        (tmp_path / name).symlink_to(libm)
    with pytest.raises(_core.CtpLibraryError, match="CreateFtdcTraderApi"):
        _core.probe_ctp_library(str(tmp_path))


def test_library_dir_when_path_lacks_pair_raises_file_not_found_naming_files(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=paths.MD_LIBRARY):
        paths.library_dir(str(tmp_path))


def test_doctor_main_when_sfit_pair_missing_exits_nonzero(monkeypatch, capsys) -> None:
    def missing(flavour: str, timeout_s: float = 30.0) -> dict[str, str]:
        raise FileNotFoundError(f"no '{flavour}' CTP library pair installed")

    monkeypatch.setattr(doctor, "probe_flavour", missing)
    assert doctor.main() == 1
    out = capsys.readouterr()
    assert "[FAIL] ctp library 'sfit'" in out.out
    assert "required check(s) failed" in out.err
