"""Notifications from a real engine run: webhook / DingTalk / email receivers on this machine, an endpoint
that never answers (trading goes on), signing, rules, dedup and rate limit, secrets never logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from shandian.errors import ConfigError
from shandian.notify import Message, Notifier, parse_notify, render

ROOT = Path(__file__).resolve().parents[1]
DING_SECRET = "SEC-dingtalk-signing-secret-0123456789"
HOOK_TOKEN = "access_token=TOKEN-never-in-a-log-42"


class Receiver:
    """A local HTTP server recording every POST (path with query, JSON body)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, object]]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, prefix: str) -> list[dict[str, object]]:
        return [body for path, body in self.posts if path.startswith(prefix)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A port that accepts connections and never answers a byte."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield int(s.getsockname()[1])
    s.close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    yield box, port
    ctl.stop()


def wait_until(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := cond():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_notify_when_engine_trades_and_one_endpoint_hangs_messages_arrive_and_trading_goes_on(
        tmp_path: Path, receiver: Receiver, hanging_port: int, smtp: tuple[Mailbox, int]) -> None:
    box, smtp_port = smtp
    cfg = tmp_path / "notify.toml"
    cfg.write_text(f"""
[account]
preset = "local"
[front]
name = "notify"
instruments = ["m"]
speed = 200
seed = 3
session = "day"
trading_day = 20250102
query_interval_ms = 100
[engine]
duration = 7
progress_interval = 1
[journal]
dir = "{tmp_path / 'journal'}"
[notify]
timeout = 1.0
retries = 1
backoff = 0.1
dedup_seconds = 60
[[notify.sinks]]
name = "ops"
type = "webhook"
url_env = "TEST_HOOK_URL"
[[notify.sinks]]
name = "ding"
type = "dingtalk"
url = "http://127.0.0.1:{receiver.port}/ding?access_token=x"
secret_env = "TEST_DING_SECRET"
[[notify.sinks]]
name = "dead"
type = "webhook"
url = "http://127.0.0.1:{hanging_port}/never"
[[notify.sinks]]
name = "mail"
type = "email"
host = "127.0.0.1"
port = {smtp_port}
from = "shandian@localhost"
to = ["desk@localhost"]
[[notify.rules]]
on = "fill"
sinks = ["ops", "dead"]
[[notify.rules]]
on = "kill_switch"
[[notify.rules]]
on = "risk_state"
sinks = ["ops"]
[[notify.rules]]
on = "reject"
sinks = ["ops"]
[[notify.rules]]
on = "daily_summary"
at = "00:00"
sinks = ["mail", "ding"]
[[agents]]
name = "quoter"
class = "{ROOT / 'agents' / 'quoter.py'}:Quoter"
symbols = ["m2505"]
params = {{ lots = 1, edge_ticks = 0, max_inventory = 3, requote_ticks = 1 }}
""")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TEST_DING_SECRET": DING_SECRET,
           "TEST_HOOK_URL": f"http://127.0.0.1:{receiver.port}/hook?{HOOK_TOKEN}"}
    pid_file = tmp_path / "run.pid"
    proc = subprocess.Popen([sys.executable, "-m", "shandian", "run", str(cfg), "--pid-file", str(pid_file),
                             "--json", str(tmp_path / "report.json")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # fills reach the working webhook although the "dead" one never answers
        wait_until(lambda: any(b["rule"] == "fill" for b in receiver.of("/hook")), 30, "a fill message")
        kill = subprocess.run([sys.executable, "-m", "shandian", "kill", "--pid-file", str(pid_file)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
        assert kill.returncode == 0, kill.stderr
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ticks"] > 500 and report["agents"][0]["fills"] > 0  # trading went on to the end
    assert "stopped: duration reached (7 s)" in out
    def kill_and_state() -> list[dict[str, object]]:
        h = receiver.of("/hook")
        return h if {"kill_switch", "risk_state"} <= {b["rule"] for b in h} else []

    try:
        hook = wait_until(kill_and_state, 15, "the kill switch and risk state messages")
    except AssertionError as e:
        raise AssertionError(f"{e}: got {[b['rule'] for b in receiver.of('/hook')]}\n{err[-3000:]}") from None
    rules = [b["rule"] for b in hook]
    assert {"fill", "reject", "kill_switch", "risk_state"} <= set(rules)
    kill_msgs = [b for b in hook if b["rule"] == "kill_switch"]
    assert len(kill_msgs) == 1 and "SIGUSR1" in str(kill_msgs[0]["text"])
    assert any(b["rule"] == "risk_state" and "halted" in str(b["text"]) for b in hook)
    # the DingTalk robot got the summary, signed: sign = base64(HMAC-SHA256(secret, "timestamp\nsecret"))
    ding = wait_until(lambda: [p for p, _ in receiver.posts if p.startswith("/ding")], 15, "the summary")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding[0]).query)
    ts = query["timestamp"][0]
    expect = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(),
                                       hashlib.sha256).digest()).decode()
    assert query["sign"][0] == expect and abs(int(ts) / 1000 - time.time()) < 120
    assert "daily summary" in str(receiver.of("/ding")[0]["text"])
    mail = wait_until(lambda: box.messages, 15, "the summary email")
    assert b"daily summary" in mail[0] and b"desk@localhost" in mail[0]
    # secrets appear in no log line (the engine's and the sidecar's stderr)
    assert DING_SECRET not in err and "TOKEN-never-in-a-log" not in err and DING_SECRET not in out
    assert "notify dead: attempt 1 failed (TimeoutError)" in err or "notify dead: attempt 1 failed" in err


def test_notify_when_same_message_repeats_it_is_sent_once_and_rate_limited(receiver: Receiver) -> None:
    settings = parse_notify({
        "rate_per_minute": 3, "dedup_seconds": 60,
        "sinks": [{"name": "ops", "type": "webhook", "url": f"http://127.0.0.1:{receiver.port}/hook"}],
        "rules": [{"on": "reject", "codes": ["RISK_ORDER_RATE"]}],
    })
    assert settings is not None
    n = Notifier(settings, "acct")
    rec = {"seq": 1, "kind": "risk_decision", "agent_name": "a", "symbol": "m2505",
           "reject_code": "RISK_ORDER_RATE", "text": "too fast"}
    n.on_record(rec)
    n.on_record({**rec, "seq": 2})  # the same text again: deduplicated
    n.on_record({**rec, "reject_code": "RISK_MAX_ORDER_VOLUME"})  # a code the rule does not list
    for i in range(5):
        n.on_record({**rec, "seq": 10 + i, "text": f"too fast {i}"})
    n.close(timeout=10)
    assert n.deduplicated == 1
    assert len(receiver.of("/hook")) == 3 and n.workers["ops"].dropped == 3  # 6 distinct, 3 per minute


def test_notify_formats_when_robots_sign_they_follow_the_platform_rules() -> None:
    settings = parse_notify({"sinks": [
        {"name": "w", "type": "wecom", "url_env": "W"},
        {"name": "f", "type": "feishu", "url": "https://example.invalid/hook", "secret_env": "F"},
    ]}, env={"W": "https://example.invalid/wecom?key=K", "F": "fs-secret"})
    assert settings is not None
    wecom, feishu = settings.sinks
    msg = Message("fill", "acct", "fill m2505", "quoter: buy open 1 @ 3000")
    url, body = render(wecom, msg, 1_700_000_000.0)
    assert url.endswith("key=K") and json.loads(body) == {
        "msgtype": "text", "text": {"content": "fill m2505\nquoter: buy open 1 @ 3000"}}
    _, body = render(feishu, msg, 1_700_000_000.0)
    data = json.loads(body)
    key = b"1700000000\nfs-secret"
    assert data["timestamp"] == "1700000000" and data["msg_type"] == "text"
    assert data["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert "fs-secret" not in repr(settings) and "key=K" not in repr(settings)


def test_notify_config_when_secret_missing_names_the_variable_not_a_value() -> None:
    with pytest.raises(ConfigError, match=r"notify.sinks\[0\].url_env: environment variable NOPE is not set"):
        parse_notify({"sinks": [{"name": "w", "type": "wecom", "url_env": "NOPE"}]}, env={})
    with pytest.raises(ConfigError, match=r"notify.rules\[0\].on: 'fills' must be one of"):
        parse_notify({"sinks": [{"name": "w", "type": "webhook", "url": "http://127.0.0.1:1/"}],
                      "rules": [{"on": "fills"}]})


def test_notify_when_session_down_longer_than_n_s_or_agent_fails_it_tells_once(receiver: Receiver) -> None:
    settings = parse_notify({
        "sinks": [{"name": "ops", "type": "webhook", "url": f"http://127.0.0.1:{receiver.port}/hook"}],
        "rules": [{"on": "disconnect", "seconds": 5}, {"on": "agent_stopped"}],
    })
    assert settings is not None
    n = Notifier(settings, "acct")
    t0 = 1_800_000_000.0
    n.on_record({"seq": 1, "kind": "notice", "wall_ns": int(t0 * 1e9), "text": "trader_disconnected:0x1001"})
    n.on_status(None, t0 + 4.9)  # not yet N s
    n.on_status(None, t0 + 5.1)
    n.on_status(None, t0 + 9.0)  # told once
    n.on_record({"seq": 2, "kind": "notice", "wall_ns": int((t0 + 10) * 1e9),
                 "text": "trader_ready:logged in"})
    n.on_record({"seq": 3, "kind": "agent_stopped", "agent_name": "quoter",
                 "text": "on_tick raised KeyError"})
    n.on_record({"seq": 4, "kind": "agent_stopped", "agent_name": "quoter",
                 "text": "engine stopping: duration reached (7 s)"})  # the engine's own stop: not news
    n.close(timeout=10)
    titles = [b["title"] for b in receiver.of("/hook")]
    assert titles == ["trader session down", "trader session back", "agent quoter stopped"]


def test_notify_when_engine_restarts_on_its_journal_earlier_runs_are_not_notified_again(
        tmp_path: Path, receiver: Receiver) -> None:
    cfg = tmp_path / "again.toml"
    cfg.write_text(f"""
[account]
preset = "local"
[front]
name = "again"
instruments = ["m"]
speed = 200
seed = 5
session = "day"
trading_day = 20250102
query_interval_ms = 100
state = "{tmp_path / 'front.state'}"
[engine]
duration = 3
progress_interval = 0
[journal]
dir = "{tmp_path / 'journal'}"
[notify]
dedup_seconds = 0
rate_per_minute = 100000
[[notify.sinks]]
name = "ops"
type = "webhook"
url = "http://127.0.0.1:{receiver.port}/hook"
[[notify.rules]]
on = "fill"
[[agents]]
name = "quoter"
class = "{ROOT / 'agents' / 'quoter.py'}:Quoter"
symbols = ["m2505"]
params = {{ lots = 1, edge_ticks = 0, max_inventory = 3, requote_ticks = 1 }}
""")
    for _ in range(2):  # the second run recovers from the same journal file (the front keeps its state)
        log = tmp_path / "run.log"
        proc = subprocess.Popen([sys.executable, "-m", "shandian", "run", str(cfg), "--quiet", "--pid-file",
                                 str(tmp_path / "run.pid")], cwd=ROOT, stdout=log.open("w"),
                                stderr=subprocess.STDOUT)
        assert proc.wait(timeout=60) == 0, log.read_text()[-3000:]
    path = next((tmp_path / "journal").glob("*.journal.sqlite"))
    con = sqlite3.connect(path)
    trades = con.execute("SELECT trade_id FROM records WHERE kind = 'trade' ORDER BY seq").fetchall()
    runs = con.execute("SELECT COUNT(*) FROM records WHERE kind = 'run_start'").fetchone()[0]
    con.close()
    assert runs == 2 and trades
    wait_until(lambda: len(receiver.of("/hook")) >= len(trades), 20, "every fill's message")
    time.sleep(0.5)
    texts = [str(b["text"]) for b in receiver.of("/hook")]
    assert len(texts) == len(trades)  # each fill told once: run 2 did not repeat run 1's
    assert all(any(f"(trade {t})" in x for x in texts) for (t,) in trades)
