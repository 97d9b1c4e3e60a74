"""Fixtures shared by test modules: shandian laid out as a plain install, and a checkout to run it from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy
import pytest

import shandian
from shandian import _core

ROOT = Path(__file__).resolve().parent.parent
_NOT_SOURCES = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "lib", "include", "risk_presets")


@dataclass(frozen=True)
class InstalledShandian:
    """A fresh venv holding shandian as `pip install .` lays it out (no editable-install finder)."""

    python: Path
    script: Path  # the `shandian` console script, as pip writes it for [project.scripts]
    package: Path  # <site-packages>/shandian


@pytest.fixture(scope="session")
def installed_shandian(tmp_path_factory: pytest.TempPathFactory) -> InstalledShandian:
    """Copy the sources and the built files (extension, CTP libraries, presets) into a venv's site-packages.

    Copies, not links: a test may hide the installed extension without touching the build it came from.
    """
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    package = Path(purelib) / "shandian"
    # The runtime dependencies (numpy) come from this interpreter's site-packages, as `pip install .` would
    # have installed them; the copied package comes first on sys.path, so it is the one imported.
    deps = Path(numpy.__file__).resolve().parent.parent
    (Path(purelib) / "shandian_runtime_deps.pth").write_text(f"{deps}\n")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(Path(shandian.__file__).parent, package, ignore=ignore)
    shutil.copytree(Path(_core.__file__).resolve().parent, package, ignore=ignore, dirs_exist_ok=True)
    script = venv / "bin" / "shandian"
    script.write_text(f"#!{python}\nimport sys\nfrom shandian.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    return InstalledShandian(python=python, script=script, package=package)


@pytest.fixture
def source_checkout(tmp_path: Path) -> Path:
    """A working directory holding the source tree: `shandian/` without the built extension, and `bench/`."""
    shutil.copytree(ROOT / "shandian", tmp_path / "shandian", ignore=_NOT_SOURCES)
    assert not list((tmp_path / "shandian").glob("_core*.so"))  # (the committed _core.pyi stub is a source)
    shutil.copytree(ROOT / "bench", tmp_path / "bench", ignore=_NOT_SOURCES)
    return tmp_path


def run_in(cwd: Path, *argv: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command in `cwd` with no PYTHONPATH / PYTHONSAFEPATH of ours leaking into it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
