"""`shandian run`: the demo main job end to end, Ctrl-C orderly stop, exit statuses (subprocesses)."""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
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
    for name in ("breakout-rb", "breakout-cu", "quoter-m", "mm-au"):
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
        assert wait_for(err, "agents 4/4 running", 60, seen), "".join(seen)
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


RESTING_AGENT = """
import time
from typing import Any, ClassVar

import shandian as sd


class Rester(sd.Agent):
    \"\"\"Rests `orders` buy orders 2 % below the bid, one a tick; its on_stop blocks `stop_block_s`.\"\"\"

    params: ClassVar[dict[str, Any]] = {"orders": 20, "stop_block_s": 0.0}

    def on_start(self) -> None:
        self.sent = 0
        self.announced = False
        print("rester: on_start printed this")

    def on_tick(self, tick: Any) -> None:
        if self.sent >= self.params["orders"] or tick.bid_price1 <= 0:
            return
        step = self.instrument(tick.symbol).price_tick
        far = round(tick.bid_price1 * 0.98 / step) * step  # inside the price band, never reached
        self.buy(tick.symbol, far - self.sent * step, 1)
        self.sent += 1

    def on_order(self, order: sd.Order) -> None:
        if not self.announced and len(self.working_orders) == self.params["orders"]:
            self.announced = True
            self.log(f"resting {len(self.working_orders)} orders")

    def on_stop(self) -> None:
        self.log(f"on_stop: {len(self.working_orders)} working")
        deadline = time.monotonic() + self.params["stop_block_s"]
        while time.monotonic() < deadline:
            time.sleep(0.05)
"""


def start_resting_run(tmp_path: Path, stop_block_s: float) -> tuple[subprocess.Popen[str], Path]:
    """`shandian run` of one agent resting 20 orders on a local front; returns the process and pid file."""
    (tmp_path / "resting.py").write_text(RESTING_AGENT)
    cfg = tmp_path / "rest.toml"
    cfg.write_text(
        '[account]\npreset = "local"\n[front]\nname = "sigterm"\ninstruments = ["rb"]\nspeed = 20\n'
        "query_interval_ms = 100\n[engine]\nprogress_interval = 0\nstop_timeout = 10\n"
        '[[agents]]\nname = "rester"\nclass = "resting.py:Rester"\nsymbols = ["rb2505"]\n'
        f"params = {{ orders = 20, stop_block_s = {stop_block_s} }}\n"
    )
    pid_file = tmp_path / "run.pid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "shandian", "run", str(cfg), "--pid-file", str(pid_file)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return proc, pid_file


def finish(proc: subprocess.Popen[str], err: queue.Queue[str], seen: list[str], timeout: float
           ) -> tuple[int, str, str]:
    """Wait for the run to exit; return its status, stdout and the whole stderr."""
    try:
        stdout = proc.stdout.read() if proc.stdout else ""
        status = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    while not err.empty():
        seen.append(err.get())
    return status, stdout, "".join(seen)


def journal_order_states(data_dir: Path) -> dict[int, str]:
    """Last journalled status of every order of the run's journal (one file per run on a local front)."""
    (path,) = (data_dir / "shandian" / "journal").glob("*.journal.sqlite")
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT order_id, status FROM records WHERE kind = 'order_update' ORDER BY seq")
        return {int(order_id): status for order_id, status in rows}
    finally:
        con.close()


def test_run_when_sigterm_stops_in_order_cancels_and_prints_report(tmp_path: Path) -> None:
    proc, pid_file = start_resting_run(tmp_path, stop_block_s=0.0)
    err = lines_of(proc.stderr)
    seen: list[str] = []
    try:
        assert wait_for(err, "resting 20 orders", 90, seen), "".join(seen)
        assert pid_file.read_text().strip() == str(proc.pid)
        proc.send_signal(signal.SIGTERM)
    finally:
        status, stdout, stderr = finish(proc, err, seen, 60)
    assert status == 0, stderr[-3000:]  # as for Ctrl-C
    assert "SIGTERM: stopping" in stderr and "on_stop: 20 working" in stderr
    assert "stopped: terminated (SIGTERM)" in stdout and "shandian run report" in stdout
    assert "rester: on_start printed this" in stdout  # an agent's print() still reaches stdout
    assert "still working" not in stdout and "error " not in stdout
    assert not pid_file.exists()
    states = journal_order_states(tmp_path / "data")
    assert len(states) == 20 and set(states.values()) == {"cancelled"}, states


STOPPED_BY = {signal.SIGTERM: "stopped: terminated (SIGTERM)", signal.SIGINT: "stopped: interrupted (Ctrl-C)"}


@pytest.mark.parametrize(("first", "second"), [
    (signal.SIGTERM, signal.SIGINT), (signal.SIGTERM, signal.SIGTERM), (signal.SIGINT, signal.SIGINT)],
    ids=["TERM-INT", "TERM-TERM", "INT-INT"])
def test_run_when_second_signal_while_stopping_forces_exit_promptly(
        tmp_path: Path, first: signal.Signals, second: signal.Signals) -> None:
    proc, pid_file = start_resting_run(tmp_path, stop_block_s=300.0)  # on_stop would hold the stop 5 min
    err = lines_of(proc.stderr)
    seen: list[str] = []
    try:
        assert wait_for(err, "resting 20 orders", 90, seen), "".join(seen)
        proc.send_signal(first)
        assert wait_for(err, "on_stop: 20 working", 30, seen), "".join(seen)
        forced_at = time.monotonic()
        proc.send_signal(second)
    finally:
        status, stdout, stderr = finish(proc, err, seen, 60)
    took = time.monotonic() - forced_at
    assert took < 20, f"exit {took:.1f} s after the second signal"
    assert "again: stopping at once" in stderr and "Traceback" not in stderr
    assert STOPPED_BY[first] in stdout and "shandian run report" in stdout
    assert f"stop forced by a second signal ({'Ctrl-C' if second == signal.SIGINT else 'SIGTERM'})" in stdout
    assert status == 1, stderr[-3000:]
    # The cancels went out: each order is cancelled, or the report counts those not confirmed in time.
    working = sum(1 for state in journal_order_states(tmp_path / "data").values() if state != "cancelled")
    assert working == 0 or f"{working} orders may still be working" in stdout
    assert not pid_file.exists()
