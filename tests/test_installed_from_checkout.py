"""Commands of an installed shandian run from inside a checkout: nothing may import the source tree.

The checkout's `shandian/` holds the Python sources without the compiled extension. A process started
with the working directory first on sys.path (`python -c`, `python -m`) imports that folder instead of the
installed package and fails ("cannot import name '_core'"). The installed layout is built here as
`pip install .` lays it out — the package (sources, extension, libraries) in a site-packages directory of
a fresh virtual environment with no editable-install finder — so the working directory really does shadow
it for any child that puts the working directory on sys.path.
"""

from __future__ import annotations

from pathlib import Path

from conftest import InstalledShandian, run_in

import shandian


def test_source_tree_when_imported_from_its_directory_shadows_the_install(
        installed_shandian: InstalledShandian, source_checkout: Path
) -> None:
    """The premise of the other tests: a child that puts the working directory first fails here."""
    proc = run_in(source_checkout, installed_shandian.python, "-c", "from shandian import _core")
    assert proc.returncode != 0 and "cannot import name '_core'" in proc.stderr


def test_doctor_when_run_inside_a_checkout_loads_the_installed_package(
        installed_shandian: InstalledShandian, source_checkout: Path
) -> None:
    proc = run_in(source_checkout, installed_shandian.script, "doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cannot import" not in proc.stdout + proc.stderr
    assert "[ok  ] ctp library 'sfit': v6.7.11_20250617" in proc.stdout
    assert "[ok  ] ctp library 'local'" in proc.stdout


def test_run_when_started_inside_a_checkout_runs_the_installed_package(
        installed_shandian: InstalledShandian, source_checkout: Path
) -> None:
    cfg = source_checkout / "brief.toml"
    cfg.write_text('[account]\npreset = "local"\n[front]\nname = "checkout"\ninstruments = ["rb"]\n'
                   'speed = 20\nquery_interval_ms = 100\n[engine]\nprogress_interval = 0\n'
                   f'[journal]\ndir = "{source_checkout / "journal"}"\n')
    proc = run_in(source_checkout, installed_shandian.script, "run", cfg, "--duration", "3",
                  "--pid-file", source_checkout / "run.pid")
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
