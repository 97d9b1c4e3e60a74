"""`shandian kill`: the kill switch of a running `shandian run` (SIGUSR1 through its pid file), end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

AGENT = '''
from pathlib import Path
import shandian as sd

OUT = Path(__file__).with_name("out")


class Rester(sd.Agent):
    """Rests one buy far below the bid; when something else cancels it, tries again and records why not."""

    def on_start(self):
        self.order = None

    def on_tick(self, t):
        if self.order is None and t.bid_price1 > 0:
            self.order = self.buy("rb2505", t.bid_price1 - 30, 1)

    def on_order(self, order):
        if order.id == self.order and order.status == "queued":
            OUT.with_name("ready").write_text("ready")
        if order.id == self.order and order.status == "cancelled":
            try:
                self.buy("rb2505", order.price, 1)
                OUT.write_text("ACCEPTED")
            except sd.OrderRejected as e:
                OUT.write_text(f"{e.code}|{e.reason}")
            self._engine.stop("killed")
'''


def wait_file(path: Path, proc: subprocess.Popen[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists():
            return True
        time.sleep(0.05)
    return path.exists()


def test_risk_cli_when_kill_sent_to_running_run_it_cancels_and_refuses(tmp_path: Path) -> None:
    (tmp_path / "rester.py").write_text(AGENT, encoding="utf-8")
    config = tmp_path / "run.toml"
    config.write_text(
        '[account]\npreset = "local"\n[front]\nname = "killtest"\ninstruments = ["rb"]\nspeed = 20\n'
        'trading_day = 20250102\nquery_interval_ms = 100\n[engine]\nduration = 60\nprogress_interval = 0\n'
        '[[agents]]\nname = "rester"\nclass = "rester.py:Rester"\nsymbols = ["rb2505"]\n',
        encoding="utf-8",
    )
    pid_file, report = tmp_path / "run.pid", tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "shandian", "run", str(config), "--pid-file", str(pid_file),
         "--json", str(report)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_file(tmp_path / "ready", proc, 60), proc.communicate(timeout=30)
        assert int(pid_file.read_text()) == proc.pid
        kill = subprocess.run([sys.executable, "-m", "shandian", "kill", "--pid-file", str(pid_file)],
                              cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
        assert kill.returncode == 0, kill.stderr
        assert f"kill switch sent to pid {proc.pid}" in kill.stderr
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    code, _, reason = (tmp_path / "out").read_text().partition("|")
    assert code == "RISK_KILL_SWITCH", (code, reason)
    assert "SIGUSR1 received (shandian kill)" in reason
    data = json.loads(report.read_text())
    assert "kill switch: SIGUSR1 received (shandian kill)" in data["errors"]
    assert proc.returncode == 1  # a kill is reported as an error of the run
    assert not pid_file.exists()  # removed at exit
    missing = subprocess.run([sys.executable, "-m", "shandian", "kill", "--pid-file", str(pid_file)],
                             cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert missing.returncode == 1 and "no running shandian" in missing.stderr
