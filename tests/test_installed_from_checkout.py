"""Commands of an installed shandian run from inside a checkout: nothing may import the source tree.

The checkout's `shandian/` holds the Python sources without the compiled extension. A process started
with the working directory first on sys.path (`python -c`, `python -m`) imports that folder instead of the
installed package and fails ("cannot import name '_core'"). The installed layout is built here as
`pip install .` lays it out — the package (sources, extension, libraries) in a site-packages directory of
a fresh virtual environment with no editable-install finder — so the working directory really does shadow
it for any child that puts the working directory on sys.path.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import shandian
from shandian import _core


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with shandian installed non-editable; returns its `shandian` console script."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    package = Path(purelib) / "shandian"
    package.mkdir()
    # Sources and the built files (extension, CTP libraries, risk presets) side by side, as in a wheel.
    for root in (Path(shandian.__file__).parent, Path(_core.__file__).parent):
        for entry in root.iterdir():
            if entry.name != "__pycache__" and not (package / entry.name).exists():
                (package / entry.name).symlink_to(entry)
    script = venv / "bin" / "shandian"  # what pip writes for [project.scripts]
    script.write_text(f"#!{python}\nimport sys\nfrom shandian.cli import main\nsys.exit(main())\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A directory holding a `shandian/` source folder without the built extension."""
    shutil.copytree(Path(shandian.__file__).parent, tmp_path / "shandian",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", "lib", "include", "risk_presets"))
    assert not list((tmp_path / "shandian").glob("_core*"))
    return tmp_path


def run_in(cwd: Path, *argv: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_source_tree_when_imported_from_its_directory_shadows_the_install(installed: Path, checkout: Path
                                                                           ) -> None:
    """The premise of the other tests: a child that puts the working directory first fails here."""
    proc = run_in(checkout, installed.parent / "python", "-c", "from shandian import _core")
    assert proc.returncode != 0 and "cannot import name '_core'" in proc.stderr


def test_doctor_when_run_inside_a_checkout_loads_the_installed_package(installed: Path, checkout: Path
                                                                       ) -> None:
    proc = run_in(checkout, installed, "doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cannot import" not in proc.stdout + proc.stderr
    assert "[ok  ] ctp library 'sfit': v6.7.11_20250617" in proc.stdout
    assert "[ok  ] ctp library 'local'" in proc.stdout


def test_run_when_started_inside_a_checkout_runs_the_installed_package(installed: Path, checkout: Path
                                                                      ) -> None:
    cfg = checkout / "brief.toml"
    cfg.write_text('[account]\npreset = "local"\n[front]\nname = "checkout"\ninstruments = ["rb"]\n'
                   'speed = 20\nquery_interval_ms = 100\n[engine]\nprogress_interval = 0\n'
                   f'[journal]\ndir = "{checkout / "journal"}"\n')
    proc = run_in(checkout, installed, "run", cfg, "--duration", "3", "--pid-file", checkout / "run.pid")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "stopped: duration reached (3 s)" in proc.stdout
    assert "trading ready" in proc.stderr


def test_python_children_when_spawned_by_shandian_never_put_the_working_directory_on_sys_path() -> None:
    """Every `[sys.executable, ...]` command line in the package passes -P first (the bench has its own)."""
    import ast

    package = Path(shandian.__file__).parent
    spawns = []
    for path in sorted(package.rglob("*.py")):
        if "bench" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.List) and node.elts and ast.unparse(node.elts[0]) == "sys.executable":
                second = node.elts[1] if len(node.elts) > 1 else None
                spawns.append((f"{path.name}:{node.lineno}", ast.literal_eval(second) if second else None))
    assert spawns, "no child python found: the scan is broken"
    assert all(flag == "-P" for _, flag in spawns), spawns
