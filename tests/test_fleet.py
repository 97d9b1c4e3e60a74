"""`shandian fleet`: two local-front accounts from one command, a SIGKILLed engine restarted from its journal,
a supervisor that dies and a new one that re-attaches, status, stop / restart, and an orderly `down`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shandian.fleet import load_fleet
from shandian.status import read_status

ROOT = Path(__file__).resolve().parents[1]


def engine_config(tmp_path: Path, name: str, seed: int) -> Path:
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f"""
[account]
preset = "local"
[front]
name = "{name}"
instruments = ["m"]
speed = 20
seed = {seed}
session = "day"
trading_day = 20250102
query_interval_ms = 100
state = "{tmp_path / (name + '.front-state')}"
[engine]
progress_interval = 0
[journal]
dir = "{tmp_path / 'journal' / name}"
[[agents]]
name = "quoter"
class = "{ROOT / 'agents' / 'quoter.py'}:Quoter"
symbols = ["m2505"]
params = {{ lots = 1, edge_ticks = 0, max_inventory = 3, requote_ticks = 1 }}
""")
    return cfg


def fleet_file(tmp_path: Path) -> Path:
    engine_config(tmp_path, "acct-a", 11)
    engine_config(tmp_path, "acct-b", 12)
    f = tmp_path / "fleet.toml"
    f.write_text("""
[fleet]
dir = "state"
backoff = 0.2
max_restarts = 3
[[engines]]
name = "acct-a"
config = "acct-a.toml"
[[engines]]
name = "acct-b"
config = "acct-b.toml"
""")
    return f


def fleet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shandian", "fleet", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)


def status_json(f: Path) -> list[dict[str, object]]:
    out = fleet("status", str(f), "--json").stdout
    return json.loads(out.splitlines()[-1])  # (an editable install may print a build line first)


def wait_until(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := cond():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def ready_pid(state: Path, name: str) -> int | None:
    s = read_status(state / name / "status.json")
    return int(s["pid"]) if s and s.get("ready") and s.get("orders", 0) > 0 else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def up(f: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "shandian", "fleet", "up", str(f)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env=env)


def test_fleet_when_engine_sigkilled_restarts_and_supervisor_reattaches(tmp_path: Path) -> None:
    f = fleet_file(tmp_path)
    state = load_fleet(f).dir
    sup = up(f)
    pids: list[int] = []
    try:
        a = wait_until(lambda: ready_pid(state, "acct-a"), 40, "acct-a trading")
        b = wait_until(lambda: ready_pid(state, "acct-b"), 40, "acct-b trading")
        pids += [a, b]
        rows = {r["name"]: r for r in status_json(f)}
        assert rows["acct-a"]["state"] == "running" and rows["acct-a"]["pid"] == a
        assert rows["acct-b"]["rss_mb"] > 0 and rows["acct-b"]["risk_state"] == "active"
        table = fleet("status", str(f)).stdout
        assert "NAME" in table and "acct-a" in table and "acct-b" in table and "TICKS/S" in table

        # SIGKILL one engine: the supervisor restarts it; it recovers from its journal and trades again
        log = state / "acct-a" / "engine.log"
        readies = log.read_text().count("trading ready")
        os.kill(a, signal.SIGKILL)
        t0 = time.monotonic()
        wait_until(lambda: log.read_text().count("trading ready") > readies, 20, "acct-a trading ready again")
        restart_s = time.monotonic() - t0
        print(f"\nfleet restart of a SIGKILLed engine to trading-ready: {restart_s:.2f} s")
        a2 = wait_until(lambda: (p := ready_pid(state, "acct-a")) != a and p, 20, "acct-a's new status")
        pids.append(a2)
        assert "journal" in log.read_text() and "recovered" in log.read_text()
        rows = {r["name"]: r for r in status_json(f)}
        assert rows["acct-a"]["restarts"] == 1 and rows["acct-a"]["pid"] == a2 and rows["acct-b"]["pid"] == b

        # the supervisor dies: the engines keep running; a new one re-attaches by the pid files
        os.killpg(sup.pid, signal.SIGKILL)
        sup.wait(timeout=10)
        assert alive(a2) and alive(b)
        sup = up(f)
        sup_pid = state / "supervisor.pid"
        wait_until(lambda: sup_pid.is_file() and sup_pid.read_text().strip() == str(sup.pid), 20,
                   "the new supervisor")
        wait_until(lambda: json.loads((state / "acct-b" / "state.json").read_text())["supervisor"] == sup.pid,
                   20, "re-attachment")
        assert ready_pid(state, "acct-a") == a2 and ready_pid(state, "acct-b") == b

        # stop one engine (stays stopped), then restart it
        out = fleet("stop", str(f), "acct-b")
        assert out.returncode == 0 and f"stopped (pid {b})" in out.stdout
        assert not alive(b)
        time.sleep(0.5)  # a few supervisor passes: it must not restart a stopped engine
        assert not (state / "acct-b" / "engine.pid").exists()
        assert status_json(f)[1]["state"] == "stopped"
        assert fleet("restart", str(f), "acct-b").returncode == 0
        b2 = wait_until(lambda: (p := ready_pid(state, "acct-b")) != b and p, 30, "acct-b restarted")
        pids.append(b2)

        # down: every engine stopped in order (working orders cancelled), then the supervisor
        out = fleet("down", str(f))
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"acct-a: stopped (pid {a2})" in out.stdout and f"acct-b: stopped (pid {b2})" in out.stdout
        sup.wait(timeout=15)
        for name in ("acct-a", "acct-b"):
            text = (state / name / "engine.log").read_text()
            assert "stopped: terminated (SIGTERM)" in text
            assert "orders still working at stop" not in text
    finally:
        if sup.poll() is None:
            os.killpg(sup.pid, signal.SIGKILL)
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_fleet_when_file_invalid_names_the_key(tmp_path: Path) -> None:
    f = tmp_path / "fleet.toml"
    f.write_text('[[engines]]\nname = "a"\nconfig = "missing.toml"\n')
    out = fleet("status", str(f))
    assert out.returncode == 2 and "engines[0].config" in out.stderr and "no such file" in out.stderr
    f.write_text('[fleet]\nbackof = 1\n[[engines]]\nname = "a"\nconfig = "x"\n')
    with pytest.raises(ValueError, match=r"fleet\.backof: unknown key"):
        load_fleet(f)


def test_fleet_when_engine_keeps_crashing_backs_off_then_gives_up(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[account]\npreset = "local"\n[engine]\nwait = "fast"\n')  # exits 2 at once, every time
    f = tmp_path / "fleet.toml"
    f.write_text('[fleet]\ndir = "state"\nbackoff = 0.1\nmax_restarts = 2\n'
                 '[[engines]]\nname = "bad"\nconfig = "bad.toml"\n')
    state = load_fleet(f).dir
    sup = up(f)
    try:
        wait_until(lambda: json.loads((state / "bad" / "state.json").read_text() or "{}").get("state")
                   == "gave-up" if (state / "bad" / "state.json").exists() else False, 45, "give-up")
        row = status_json(f)[0]
        assert row["state"] == "gave-up" and row["restarts"] == 2 and row["pid"] is None
        assert "config error: engine.wait" in str(row["last_error"])
        assert (state / "bad" / "engine.log").read_text().count("config error") == 3
    finally:
        os.killpg(sup.pid, signal.SIGKILL)
        sup.wait(timeout=10)
