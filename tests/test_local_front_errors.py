"""The local front's own errors reach the engine and the report at once, through CTP (subprocesses)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _journal_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`shandian run` journals by default: keep the tests' journals out of the home directory."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def run_config(tmp_path: Path, source: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`shandian run` on a local front replaying `source`, with a login timeout far above the exit."""
    config = tmp_path / "run.toml"
    config.write_text(
        '[account]\npreset = "local"\n'
        '[front]\nname = "broken"\ninstruments = ["rb"]\nspeed = 0\ntrading_day = 20250102\n'
        f'source = "{source}"\n'
        "[engine]\nduration = 60\nlogin_timeout = 60\n"
        f'[[agents]]\nname = "b"\nclass = "{ROOT / "agents" / "breakout.py"}:Breakout"\n'
        'symbols = ["rb2505"]\n'
    )
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "shandian", "run", str(config)], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=120)
    return proc, time.monotonic() - t0


def test_run_when_tick_csv_is_malformed_exits_nonzero_at_once_naming_file_and_line(tmp_path: Path) -> None:
    csv = tmp_path / "ticks.csv"
    csv.write_text("symbol,exchange,datetime,last_price,volume\n"
                   "rb2505,SHFE,2025-01-02 09:00:00.500000,3300,1\n"
                   "rb2505,SHFE,2025-01-02 09:00:01.000000,not-a-price,2\n")
    proc, elapsed = run_config(tmp_path, f"csv:{csv}")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert elapsed < 30  # not the 60 s login timeout (the run itself takes well under a second)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("error ")]
    assert len(errors) == 1, proc.stdout
    assert "CTP error 7" in errors[0] and "ticks.csv:3: column last_price: value 'not-a-price'" in errors[0]
    assert f"{csv}:3" in proc.stderr  # the full path, from the front itself
    assert "reconnects by itself" not in proc.stderr
    assert "trading not ready" not in proc.stdout


def test_run_when_tick_csv_is_missing_exits_nonzero_at_once_naming_file(tmp_path: Path) -> None:
    proc, elapsed = run_config(tmp_path, f"csv:{tmp_path / 'nope.csv'}")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert elapsed < 30
    errors = [line for line in proc.stdout.splitlines() if line.startswith("error ")]
    assert len(errors) == 1 and "nope.csv" in errors[0] and "cannot open the file" in errors[0], proc.stdout
    assert "reconnects by itself" not in proc.stderr
