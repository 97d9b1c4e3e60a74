"""The dashboard's fleet page against a real two-engine fleet on the local front (`shandian fleet up`), served
by `python -m shandian.dashboard --fleet FLEET.toml`: rows and states from the fleet's own files, token
rules (401 / 403), bad commands, a SIGKILLed engine seen restarting then running, a restart from the page,
and the page in headless chromium with the link to an engine's own dashboard."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By

from shandian.dashboard.auth import ENV_READ_TOKEN, ENV_TOKEN
from shandian.dashboard.fleet_page import FleetView
from shandian.dashboard.link import EngineLink
from shandian.dashboard.server import Dashboard, create_app
from shandian.fleet import load_fleet
from tests.dashboard_engine import TOKENS, free_port, wait_for
from tests.test_dashboard_browser import (
    CHROMIUM,
    DRIVER,
    _click,
    _text,
    _until,
    browser,  # noqa: F401  (the fixture, by getfixturevalue)
)
from tests.test_fleet import ROOT, alive, fleet, fleet_file, ready_pid, status_json, up


@dataclass
class FleetDashboard:
    """A running fleet and the fleet dashboard process watching it."""

    fleet_file: Path
    state: Path
    port: int
    engine_port: int  # acct-a's own dashboard ([dashboard] listen in its run config)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rows(self, token: str = TOKENS.read) -> dict[str, dict[str, Any]]:
        r = httpx.get(self.url("/api/fleet"), headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200, r.text
        return {row["name"]: row for row in r.json()["engines"]}

    def command(self, body: Any, token: str = TOKENS.admin) -> httpx.Response:
        return httpx.post(self.url("/api/fleet/command"), headers={"X-Shandian-Token": token}, json=body,
                          timeout=40)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def fd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetDashboard]:
    tmp = tmp_path_factory.mktemp("fleetpage")
    f = fleet_file(tmp)
    engine_port, port = free_port(), free_port()
    with (tmp / "acct-a.toml").open("a") as cfg:
        cfg.write(f'[dashboard]\nlisten = "{engine_port}"\n')
    # one pair of tokens for the desk: the engines' dashboards (through the supervisor) and the fleet's
    env = {**os.environ, ENV_TOKEN: TOKENS.admin, ENV_READ_TOKEN: TOKENS.read}
    state = load_fleet(f).dir
    sup = up(f, env)
    argv = [sys.executable, "-m", "shandian.dashboard", "--fleet", str(f), "--listen", str(port)]
    dash = subprocess.Popen(argv, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for name in ("acct-a", "acct-b"):
            wait_for(lambda n=name: ready_pid(state, n), 40, f"{name} trading")
        run = FleetDashboard(f, state, port, engine_port)

        def served() -> bool:
            try:
                return httpx.get(run.url("/api/fleet"), headers={"X-Shandian-Token": TOKENS.read}).is_success
            except httpx.TransportError:
                return False

        wait_for(served, 20, "the fleet dashboard")
        yield run
    finally:
        fleet("down", str(f))
        for proc in (sup, dash):
            _kill_group(proc.pid)
            proc.wait(10)
        for name in ("acct-a", "acct-b"):
            pid_file = state / name / "engine.pid"
            if pid_file.exists() and alive(pid := int(pid_file.read_text())):
                _kill_group(pid)


def test_fleet_page_when_fleet_runs_shows_one_row_per_engine(fd: FleetDashboard) -> None:
    rows = fd.rows()
    assert list(rows) == ["acct-a", "acct-b"]
    cli = {r["name"]: r for r in status_json(fd.fleet_file)}  # `shandian fleet status`: the same rows
    for name, row in rows.items():
        assert row["state"] == "running" and row["ready"] is True
        assert row["pid"] == ready_pid(fd.state, name) == cli[name]["pid"]
        assert row["uptime_s"] > 0 and row["rss_mb"] > 0 and row["restarts"] == cli[name]["restarts"]
        assert row["risk_state"] == "active" and row["trader"] == "ready" and "last_error" in row
    assert rows["acct-a"]["dashboard"] == {"host": "127.0.0.1", "port": fd.engine_port}
    assert rows["acct-b"]["dashboard"] is None
    page = httpx.get(fd.url(f"/fleet?token={TOKENS.read}"))
    assert page.status_code == 200 and "fleet.js" in page.text
    home = httpx.get(fd.url(f"/?token={TOKENS.read}"))  # the fleet page alone: / leads to it
    assert home.status_code == 307 and home.headers["location"] == f"/fleet?token={TOKENS.read}"


@pytest.mark.parametrize("path", ["/", "/fleet", "/api/fleet", "/static/fleet.js", "/static/page.css"])
def test_fleet_page_when_token_missing_or_wrong_401(fd: FleetDashboard, path: str) -> None:
    wrong = {"Authorization": "Bearer wrong-token-0123456789"}
    for headers in ({}, wrong, {"Cookie": f"token={TOKENS.admin}"}):
        assert httpx.get(fd.url(path), headers=headers).status_code == 401
    assert httpx.get(fd.url(path + "?token=wrong-token-0123456789")).status_code == 401


def test_fleet_command_when_token_missing_wrong_or_read_only_refused_and_nothing_changes(
    fd: FleetDashboard,
) -> None:
    pids = {name: row["pid"] for name, row in fd.rows().items()}
    for token, status in (("", 401), ("wrong-token-0123456789", 401), (TOKENS.read, 403)):
        for cmd in ("stop", "restart"):
            assert fd.command({"cmd": cmd, "name": "acct-b"}, token).status_code == status
    assert (fd.state / "acct-b" / "desired").read_text().strip() == "running"
    assert {name: row["pid"] for name, row in fd.rows().items()} == pids
    assert all(alive(pid) for pid in pids.values())


@pytest.mark.parametrize(("body", "error"), [
    (["stop"], "must be a JSON object"),
    ({"cmd": "kill", "name": "acct-b"}, "cmd: 'kill' must be one of stop, restart"),
    ({"cmd": "stop", "name": "acct-z"}, "name: 'acct-z' is not an engine of this fleet (acct-a, acct-b)"),
    ({"cmd": "stop"}, "name: None is not an engine"),
])
def test_fleet_command_when_payload_bad_400_with_reason(fd: FleetDashboard, body: Any, error: str) -> None:
    r = fd.command(body)
    assert r.status_code == 400 and error in r.json()["error"]
    assert (fd.state / "acct-b" / "desired").read_text().strip() == "running"


def _watch(fd: FleetDashboard, name: str, old_pid: int, what: str) -> list[str]:
    """Poll the page's data until `name` runs again under a new pid; return the states seen meanwhile."""
    seen: list[str] = []

    def back() -> bool:
        row = fd.rows()[name]
        if not seen or seen[-1] != row["state"]:
            seen.append(row["state"])
        return row["state"] == "running" and row["pid"] not in (None, old_pid) and row["ready"] is True

    wait_for(back, 30, what)
    return seen


def test_fleet_page_when_engine_sigkilled_shows_restarting_then_running(fd: FleetDashboard) -> None:
    before = fd.rows()["acct-a"]
    os.kill(before["pid"], signal.SIGKILL)
    t0 = time.monotonic()
    seen = _watch(fd, "acct-a", before["pid"], "acct-a running again on the page")
    print(f"\nfleet page: SIGKILLed engine running (trading-ready) again on the page after "
          f"{time.monotonic() - t0:.2f} s; states seen: {' -> '.join(seen)}")
    assert {"down", "backoff", "starting"} & set(seen), seen  # seen restarting (the fleet's states) ...
    after = fd.rows()["acct-a"]  # ... then running, trading-ready, under a new pid
    assert after["restarts"] == before["restarts"] + 1 and after["uptime_s"] < before["uptime_s"] + 30
    assert "killed by SIGKILL" in json.loads((fd.state / "acct-a" / "state.json").read_text())["last_exit"]


def test_fleet_command_when_full_token_restarts_the_engine_through_the_fleet(fd: FleetDashboard) -> None:
    before = fd.rows()["acct-b"]
    r = fd.command({"cmd": "restart", "name": "acct-b"})
    assert r.status_code == 200 and r.json() == {"ok": True, "result": f"stopped (pid {before['pid']})"}
    wait_for(lambda: not alive(before["pid"]), 5, "the old engine's exit")  # (its teardown may lag a little)
    seen = _watch(fd, "acct-b", before["pid"], "acct-b running again after the page's restart")
    assert fd.rows()["acct-b"]["restarts"] == before["restarts"] + 1, seen
    log = (fd.state / "acct-b" / "engine.log").read_text()
    assert "fleet: restart requested by dashboard@127.0.0.1" in log
    assert "stopped: terminated (SIGTERM)" in log  # in order: the engine's own stop


def test_fleet_page_when_engine_dashboard_also_served_links_both(fd: FleetDashboard, tmp_path: Path) -> None:
    view = FleetView(load_fleet(fd.fleet_file), fd.fleet_file)
    app = create_app(Dashboard(EngineLink(tmp_path / "no-engine.sock"), TOKENS), view)

    async def get(*paths: str, token: str | None = TOKENS.admin) -> list[httpx.Response]:
        # ASGI transport without lifespan: the engine side is not started
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            headers = {"X-Shandian-Token": token} if token else {}
            return [await client.get(path, headers=headers) for path in paths]

    fleet_state, index = asyncio.run(get("/api/fleet", "/"))
    state = fleet_state.json()
    assert state["role"] == "admin" and state["engine_page"] is True
    assert [r["name"] for r in state["engines"]] == ["acct-a", "acct-b"]
    assert index.status_code == 200 and 'id="fleet-link"' in index.text
    assert asyncio.run(get("/api/fleet", token=None))[0].status_code == 401


def test_dashboard_cli_when_neither_engine_nor_fleet_or_fleet_file_bad_exits_2(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shandian.dashboard", *args], capture_output=True,
                              text=True, timeout=60, check=False)

    out = run()
    assert out.returncode == 2 and "give --socket (an engine), --fleet (a fleet) or both" in out.stderr
    bad = tmp_path / "fleet.toml"
    bad.write_text('[[engines]]\nname = "a"\nconfig = "missing.toml"\n')
    out = run("--fleet", str(bad))
    assert out.returncode == 2 and "engines[0].config" in out.stderr and "no such file" in out.stderr


def test_fleet_page_in_browser_when_fleet_runs_shows_both_engines(
    fd: FleetDashboard, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    driver = request.getfixturevalue("browser")
    driver.get(fd.url(f"/fleet?token={TOKENS.read}"))
    _until("the page to go live", lambda: _text(driver, "#status") == "live")
    for name in ("acct-a", "acct-b"):
        _until(f"{name} running", lambda n=name: _text(driver, f"#engine-{n} .state") == "running")
        assert _text(driver, f"#engine-{name} .ready") == "yes"
        assert _text(driver, f"#engine-{name} .pid") == str(fd.rows()[name]["pid"])
    assert _text(driver, "#role") == "(read-only)"
    nav = "return getComputedStyle(document.querySelector('nav')).backgroundColor"
    _until("the shared style sheet", lambda: driver.execute_script(nav) == "rgb(34, 34, 34)")
    assert not driver.find_elements(By.CSS_SELECTOR, "#engines button")  # no controls for a monitor
    driver.save_screenshot(str(tmp_path / "fleet.png"))

    driver.get(fd.url(f"/fleet?token={TOKENS.admin}"))
    old_pid = fd.rows()["acct-b"]["pid"]
    _click(driver, '#engine-acct-b button[data-cmd="restart"]')
    _until("the restart confirmation", lambda: driver.switch_to.alert).accept()
    _until("the restart's answer", lambda: _text(driver, "#answer") == f"acct-b: stopped (pid {old_pid})", 40)
    _until("acct-b running again on the page", lambda: _text(driver, "#engine-acct-b .state") == "running"
           and _text(driver, "#engine-acct-b .pid") not in ("-", "", str(old_pid)), 30)
    link = _until("acct-a's dashboard link",
                  lambda: driver.find_element(By.CSS_SELECTOR, "#engine-acct-a a.engine-dashboard"))
    assert link.get_attribute("href").startswith(f"http://127.0.0.1:{fd.engine_port}/?token=")
    link.click()  # the engine's own dashboard, with the desk's token
    _until("acct-a's own dashboard live", lambda: _text(driver, "#status") == "live", 20)
    _until("acct-a's trader session", lambda: _text(driver, "#trader-state") == "ready", 20)
    assert (tmp_path / "fleet.png").stat().st_size > 5_000


def test_fleet_rows_when_engine_gone_and_no_supervisor_acted_show_down(tmp_path: Path) -> None:
    f = fleet_file(tmp_path)
    entry = load_fleet(f).engines[0]
    entry.dir.mkdir(parents=True)
    entry.state_file.write_text(json.dumps({"state": "running", "pid": 999_999_999, "restarts": 0}))
    entry.pid_file.write_text("999999999\n")  # the supervisor's last word: running; the process is gone
    row = asyncio.run(FleetView(load_fleet(f), f).rows())[0]
    assert row["name"] == "acct-a" and row["state"] == "down" and row["pid"] is None
