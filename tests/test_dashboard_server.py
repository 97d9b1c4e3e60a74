"""The dashboard against a real engine (the demo on the local front): token roles, commands journaled with
their origin, bad payloads refused with their error, the rate limit, deltas pushed over WebSocket."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from tests.dashboard_engine import TOKENS, DemoRun, demo_engine, served, wait_for


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoRun, Any, int]]:
    tmp = tmp_path_factory.mktemp("dash")
    with demo_engine(tmp) as run, served(run) as (dashboard, port):
        yield run, dashboard, port


def _url(port: int, path: str) -> str:
    return f"http://127.0.0.1:{port}{path}"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _commands(run: DemoRun) -> list[tuple[str | None, str]]:
    rows: list[tuple[str | None, str]] = []
    for path in run.journal_dir.glob("*.sqlite"):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows += db.execute(
                "SELECT agent_name, text FROM records WHERE kind = 'command' ORDER BY seq"
            ).fetchall()
    return rows


@pytest.mark.parametrize("path", ["/", "/api/state", "/static/app.js", "/static/plotly.min.js"])
@pytest.mark.parametrize("token", [None, "wrong-token-0123456789", ""])
def test_http_when_token_missing_or_wrong_401(demo: Any, path: str, token: str | None) -> None:
    _, _, port = demo
    headers = _auth(token) if token else {"X-Shandian-Token": ""} if token == "" else {}
    assert httpx.get(_url(port, path), headers=headers).status_code == 401
    query = f"?token={token}" if token is not None else ""
    assert httpx.get(_url(port, path + query)).status_code == 401


def test_command_when_token_wrong_401_and_nothing_changes(demo: Any) -> None:
    run, _, port = demo
    before = dict(run.engine.agents[0].params)
    for headers in ({}, _auth("wrong-token-0123456789"), {"Cookie": f"token={TOKENS.admin}"}):
        r = httpx.post(
            _url(port, "/api/command"),
            headers=headers,
            json={"cmd": "set_params", "agent": "breakout-rb", "params": {"window": 77}},
        )
        assert r.status_code == 401
        r = httpx.post(_url(port, "/api/command"), headers=headers, json={"cmd": "kill"})
        assert r.status_code == 401
    assert run.engine.agents[0].params == before
    assert not run.engine.killed
    assert not any("window" in text for _, text in _commands(run))


def test_read_only_token_when_commanding_403_but_sees_state(demo: Any) -> None:
    run, _, port = demo
    state = httpx.get(_url(port, "/api/state"), headers=_auth(TOKENS.read)).json()
    assert state["role"] == "read" and "breakout-rb" in state["agents"]
    r = httpx.post(
        _url(port, "/api/command"), headers=_auth(TOKENS.read), json={"cmd": "halt", "agent": "breakout-rb"}
    )
    assert r.status_code == 403
    assert run.engine.trading_state("breakout-rb") == "active"


def test_websocket_when_token_wrong_closed_before_accept(demo: Any) -> None:
    _, _, port = demo
    for query in ("", "?token=wrong-token-0123456789"):
        with pytest.raises((InvalidStatus, WebSocketException)):
            with connect(f"ws://127.0.0.1:{port}/ws{query}", open_timeout=5) as ws:
                ws.recv(timeout=2)


def test_websocket_when_engine_trades_pushes_full_then_deltas(demo: Any) -> None:
    _, _, port = demo
    with connect(f"ws://127.0.0.1:{port}/ws?token={TOKENS.read}", open_timeout=5) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert first["type"] == "full" and first["role"] == "read"
        assert set(first["agents"]) == {"breakout-rb", "breakout-cu", "quoter-m", "mm-au"}
        deltas = [json.loads(ws.recv(timeout=5)) for _ in range(5)]
        while "prices" not in deltas[-1] and len(deltas) < 150:  # the local front's session opens in ~3 s
            deltas.append(json.loads(ws.recv(timeout=5)))
    assert all(d["type"] == "delta" for d in deltas)
    assert any("prices" in d for d in deltas), [sorted(d) for d in deltas]
    stamps = [d["sent_wall_ns"] for d in deltas]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.09e9  # coalesced: at most 10 messages a second


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("not json", "JSON"),
        ([1, 2], "JSON object"),
        ({"cmd": "format_disk"}, "must be one of"),
        ({"cmd": "halt", "agent": "nobody"}, "no agent named 'nobody'"),
        ({"cmd": "cancel", "agent": "quoter-m", "order_id": "x"}, "order_id"),
        ({"cmd": "set_params", "agent": "quoter-m", "params": {}}, "non-empty"),
        ({"cmd": "set_params", "agent": "quoter-m", "params": {"lots": "many"}}, "lots"),
        ({"cmd": "set_params", "agent": "quoter-m", "params": {"nope": 1}}, "unknown"),
        ({"cmd": "kill", "flatten": "yes"}, "flatten"),
    ],
)
def test_command_when_payload_bad_400_with_error_and_nothing_changes(
    demo: Any, body: Any, error: str
) -> None:
    run, dashboard, port = demo
    dashboard.limit.burst = dashboard.limit._level = 1000.0  # this test is not about the rate limit
    before = {a.name: dict(a.params) for a in run.engine.agents}
    content = body if isinstance(body, str) else json.dumps(body)
    r = httpx.post(
        _url(port, "/api/command"),
        headers={**_auth(TOKENS.admin), "Content-Type": "application/json"},
        content=content,
    )
    assert r.status_code == 400, r.text
    assert error in r.json()["error"]
    assert {a.name: dict(a.params) for a in run.engine.agents} == before
    assert not run.engine.killed


def test_set_params_when_valid_applied_and_journaled_with_origin(demo: Any) -> None:
    run, dashboard, port = demo
    dashboard.limit.burst = dashboard.limit._level = 1000.0
    r = httpx.post(
        _url(port, "/api/command"),
        headers=_auth(TOKENS.admin),
        json={"cmd": "set_params", "agent": "breakout-cu", "params": {"window": 75}},
    )
    assert r.status_code == 200 and r.json()["params"]["window"] == 75
    agent = next(a for a in run.engine.agents if a.name == "breakout-cu")
    wait_for(lambda: agent.params["window"] == 75, 5, "the parameter to apply on the engine thread")
    wait_for(
        lambda: ("breakout-cu", 'origin=dashboard@127.0.0.1 set_params {"window":75}') in _commands(run),
        5,
        "the command in the journal",
    )
    state = httpx.get(_url(port, "/api/state"), headers=_auth(TOKENS.read)).json()
    assert state["params"]["breakout-cu"]["window"] == 75


def test_halt_then_resume_when_commanded_reflected_in_state_and_journal(demo: Any) -> None:
    run, dashboard, port = demo
    dashboard.limit.burst = dashboard.limit._level = 1000.0
    for cmd, state in (("halt", "halted"), ("resume", "active")):
        r = httpx.post(
            _url(port, "/api/command"), headers=_auth(TOKENS.admin), json={"cmd": cmd, "agent": "quoter-m"}
        )
        assert r.status_code == 200, r.text
        wait_for(lambda s=state: run.engine.trading_state("quoter-m") == s, 5, f"quoter-m {state}")
        wait_for(
            lambda s=state: (
                httpx.get(_url(port, "/api/state"), headers=_auth(TOKENS.read)).json()["agents"]["quoter-m"][
                    "state"
                ]
                == s
            ),
            5,
            f"the snapshot to show quoter-m {state}",
        )
    texts = [text for agent, text in _commands(run) if agent == "quoter-m"]
    assert "origin=dashboard@127.0.0.1 halt" in texts and "origin=dashboard@127.0.0.1 resume" in texts


def test_commands_when_too_many_429(demo: Any) -> None:
    _run, dashboard, port = demo
    from shandian.dashboard.auth import RateLimit

    dashboard.limit = RateLimit(rate=0.5, burst=3)
    codes = [
        httpx.post(
            _url(port, "/api/command"),
            headers=_auth(TOKENS.admin),
            json={"cmd": "resume", "agent": "breakout-rb"},
        ).status_code
        for _ in range(6)
    ]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429, 429]


def test_websocket_when_client_never_reads_engine_and_hub_unaffected(demo: Any) -> None:
    import base64
    import os
    import socket
    import time

    run, dashboard, port = demo
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a client that takes (almost) nothing
    raw.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        (
            f"GET /ws?token={TOKENS.read} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    try:
        wait_for(lambda: len(dashboard.hub.clients) >= 1, 5, "the silent client to be registered")
        ticks0 = run.engine._rt.stats()["ticks"]
        publishes0 = dashboard.hub.publishes
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:  # never reads; the hub's backlog stays bounded
            assert dashboard.hub.points <= dashboard.hub.max_points
            time.sleep(0.1)
        assert run.engine._rt.stats()["ticks"] > ticks0  # the engine kept trading
        assert dashboard.hub.publishes > publishes0 + 20  # and publishing (50 ms interval)
        with connect(f"ws://127.0.0.1:{port}/ws?token={TOKENS.read}", open_timeout=5) as ws:  # others served
            assert json.loads(ws.recv(timeout=5))["type"] == "full"
    finally:
        raw.close()


def test_kill_when_commanded_halts_account_and_is_journaled(demo: Any) -> None:
    run, dashboard, port = demo  # last in this module: the account stays killed
    dashboard.limit.burst = dashboard.limit._level = 1000.0
    r = httpx.post(_url(port, "/api/command"), headers=_auth(TOKENS.admin), json={"cmd": "kill"})
    assert r.status_code == 200
    wait_for(lambda: run.engine.killed, 5, "the kill switch")
    wait_for(
        lambda: (None, "origin=dashboard@127.0.0.1 kill flatten=false") in _commands(run), 5, "the journal"
    )
    wait_for(
        lambda: httpx.get(_url(port, "/api/state"), headers=_auth(TOKENS.read)).json()["overview"]["killed"],
        5,
        "the snapshot to show the kill",
    )


def test_token_when_run_prints_url_once_never_logged_or_journaled(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.dashboard_engine import ROOT, free_port

    config = (ROOT / "examples" / "demo.toml").read_text()
    config = config.replace('class = "../agents/', f'class = "{ROOT}/agents/')
    config += f'\n[journal]\ndir = "{tmp_path / "journal"}"\n'
    (tmp_path / "demo.toml").write_text(config)
    token = "env-token-for-the-test-0123456789"
    env = {**os.environ, "SHANDIAN_DASHBOARD_TOKEN": token}
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shandian",
            "run",
            str(tmp_path / "demo.toml"),
            "--duration",
            "6",
            "--dashboard",
            str(port),
            "--pid-file",
            str(tmp_path / "run.pid"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: (tmp_path / "run.sock").exists(), 20, "the command socket")

        def state() -> Any:
            try:
                return httpx.get(_url(port, "/api/state"), headers=_auth(token), timeout=2).json()["overview"]
            except httpx.HTTPError:
                return None

        assert wait_for(state, 20, "the dashboard")["trader_state"]
        assert httpx.get(_url(port, f"/api/state?token={token}")).status_code == 200  # a URL with it in it
        out, err = proc.communicate(timeout=40)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert (out + err).count(token) == 1  # the URL, printed once
    assert f"http://127.0.0.1:{port}/?token={token}" in err
    files = list((tmp_path / "journal").glob("*"))
    assert files
    for path in files:
        assert token.encode() not in path.read_bytes()
