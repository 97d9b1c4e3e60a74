"""The package type-checks: mypy on shandian/ (config: [tool.mypy] in pyproject.toml) and the shipped stubs.

`shandian/_core.pyi` is generated from the built extension by tools/gen_stubs.py; the drift test fails when
a binding changed and the stub was not regenerated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import InstalledShandian

ROOT = Path(__file__).resolve().parent.parent


def test_shandian_package_when_checked_with_mypy_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_core_stub_when_regenerated_from_the_built_extension_matches_the_committed_one() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_stubs.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-4000:]


def test_installed_package_when_a_client_is_checked_with_mypy_types_it_from_py_typed_and_stub(
        installed_shandian: InstalledShandian, tmp_path: Path) -> None:
    client = tmp_path / "client.py"
    client.write_text(
        "import shandian as sd\n"
        "from shandian import _core\n"
        "from shandian.agent import Agent\n"
        "\n"
        "class Mine(Agent):\n"
        "    def on_tick(self, tick: _core.Tick) -> None:\n"
        "        when: str = tick.exchange_time\n"
        "        step: str = self.instrument(tick.symbol).price_tick\n"
        "        self.stop(tick.symbol, 'sell', 1, trigger=tick.last_price)\n"
    )
    cmd = [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
           "--python-executable", str(installed_shandian.python), str(client)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert 'expression has type "time", variable has type "str"' in out, out
    assert 'expression has type "float", variable has type "str"' in out, out
    assert "Found 2 errors in 1 file" in out, out
