"""`shandian run`: the demo main job end to end, Ctrl-C orderly stop, exit statuses (subprocesses)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo.toml"


def shandian(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shandian", *args], cwd=ROOT, capture_output=True, text=True, check=False, **kw
    )


@pytest.fixture(autouse=True)
def _journal_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`shandian run` journals by default: keep the tests' journals out of the home directory."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_run_when_demo_runs_prints_report_with_every_agent(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = shandian("run", str(DEMO), "--duration", "8", "--json", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(list((tmp_path / "data" / "shandian" / "journal").glob("*.journal.sqlite"))) == 1
    text = proc.stdout
    assert "shandian run report" in text and "stopped: duration reached (8 s)" in text
    for name in ("breakout-rb", "breakout-cu", "quoter-m"):
        assert name in text
    assert "tick→agent latency" in text and "rejects by reason" in text
    assert "[   5." in proc.stderr  # the progress line
    report = json.loads(out.read_text())
    assert report["ticks"] > 100 and report["latency_samples"] > 100
    assert report["latency_us"]["p50"] > 0
    assert sum(a["orders"] for a in report["agents"]) > 0
    assert sum(a["fills"] for a in report["agents"]) > 0
    assert all(a["status"] == "ok" for a in report["agents"])


def lines_of(stream: object) -> queue.Queue[str]:
    q: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            q.put(line)
        q.put("")

    threading.Thread(target=pump, daemon=True).start()
    return q


def wait_for(q: queue.Queue[str], needle: str, timeout: float, seen: list[str]) -> bool:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = q.get(timeout=left)
        except queue.Empty:
            return False
        seen.append(line)
        if needle in line:
            return True
        if line == "":
            return False
    return False


def test_run_when_sigint_stops_in_order_and_prints_report() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "shandian", "run", str(DEMO), "--duration", "300"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        err = lines_of(proc.stderr)
        seen: list[str] = []
        # Trading for a while: the first progress line comes 5 s after the start.
        assert wait_for(err, "agents 3/3 running", 60, seen), "".join(seen)
        proc.send_signal(signal.SIGINT)
        stdout = proc.stdout.read() if proc.stdout else ""
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    rest = []
    while not err.empty():
        rest.append(err.get())
    stderr = "".join(seen + rest)
    assert status == 0, stderr[-3000:]
    assert "Ctrl-C: stopping" in stderr
    assert "stopped: interrupted (Ctrl-C)" in stdout
    assert "shandian run report" in stdout and "quoter-m" in stdout
    assert "Traceback" not in stderr
    assert "orders still working at stop" not in stdout  # the quoter's resting orders were cancelled


def test_run_when_config_invalid_exits_2_with_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[account]\npreset = "local"\n[engine]\nwait = "fast"\n')
    proc = shandian("run", str(bad), timeout=60)
    assert proc.returncode == 2
    assert "config error: engine.wait: 'fast' must be one of spin, yield, block" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_when_agent_file_missing_exits_2_naming_the_agent(tmp_path: Path) -> None:
    cfg = tmp_path / "run.toml"
    cfg.write_text('[account]\npreset = "local"\n[[agents]]\nname = "x"\nclass = "nowhere.py:X"\n')
    proc = shandian("run", str(cfg), timeout=60)
    assert proc.returncode == 2 and "config error: agents[0].class" in proc.stderr


def test_run_when_an_agent_fails_exits_1_and_reports_it(tmp_path: Path) -> None:
    (tmp_path / "bad_agent.py").write_text(
        "import shandian as sd\n\n\nclass Bad(sd.Agent):\n"
        "    def on_start(self):\n        raise KeyError('boom')\n"
    )
    cfg = tmp_path / "run.toml"
    cfg.write_text(
        '[account]\npreset = "local"\n[front]\nname = "clifail"\ninstruments = ["rb"]\nspeed = 20\n'
        "query_interval_ms = 100\n[engine]\nduration = 4\n"
        '[[agents]]\nname = "bad"\nclass = "bad_agent.py:Bad"\nsymbols = ["rb2505"]\n'
    )
    proc = shandian("run", str(cfg), timeout=90)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "failed" in proc.stdout and "KeyError in on_start: 'boom'" in proc.stdout
    assert "agent bad failed in on_start" in proc.stderr
