r"""Notifications: rules over the journal and the engine's status, delivered to webhooks, robots and email.

Rules (`[[notify.rules]]`, `on = ...`): `fill` (each trade), `reject` (order rejected by the counter or
refused by the risk engine; `codes = [...]` narrows to those reject codes), `agent_stopped` (an agent
failed or was halted: journal `agent_stopped` records other than the engine's own stop), `kill_switch`,
`disconnect` (trader or md session down for longer than `seconds`), `risk_state` (the account's trading
state changed), `daily_summary` (`at = "HH:MM"`, local time: orders, fills, rejects and PnL).

Sinks (`[[notify.sinks]]`, `type = ...`): `webhook` (generic JSON), `wecom`, `dingtalk` (signed with
`secret_env`: HMAC-SHA256 over "timestamp\\nsecret"), `feishu` (signed likewise, with the seconds
timestamp), `email` (SMTP via smtplib). Robot URLs carry their access token: give them as `url_env` (an
environment variable); secrets are held as `Secret`s and never logged — log lines name the sink only.

Delivery never blocks the caller (the sidecar's tail loop): each sink has its own worker thread and a
bounded queue (oldest dropped when full, counted), each attempt has a timeout, failures are retried with
exponential back-off, each sink is rate limited per rule (`rate_per_minute`: excess dropped and counted;
per rule, so that a flood of fills never uses up the budget of a kill switch message), and the
same (rule, text) within `dedup_seconds` is sent once.
"""

from __future__ import annotations

import base64
import collections
import datetime as _dt
import hashlib
import hmac
import json
import logging
import os
import queue
import smtplib
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from shandian.config import Secret
from shandian.errors import ConfigError

__all__ = ["Message", "Notifier", "NotifySettings", "Rule", "SinkSettings", "parse_notify", "render"]

log = logging.getLogger("shandian.notify")

RULES = ("fill", "reject", "agent_stopped", "kill_switch", "disconnect", "risk_state", "daily_summary")
SINK_TYPES = ("webhook", "wecom", "dingtalk", "feishu", "email")


@dataclass
class SinkSettings:
    """One destination."""

    name: str
    type: str
    url: Secret | None = None
    secret: Secret | None = None  # dingtalk / feishu signing secret
    host: str = "localhost"  # email
    port: int = 25
    sender: str = ""
    to: list[str] = field(default_factory=list)
    user: str = ""
    password: Secret | None = None
    starttls: bool = False


@dataclass
class Rule:
    """One `[[notify.rules]]` entry."""

    on: str
    codes: list[str] = field(default_factory=list)
    seconds: float = 30.0
    at: str = "15:15"
    sinks: list[str] = field(default_factory=list)  # empty: every sink


@dataclass
class NotifySettings:
    """`[notify]`."""

    sinks: list[SinkSettings]
    rules: list[Rule]
    timeout: float = 5.0
    retries: int = 3
    backoff: float = 0.5
    rate_per_minute: int = 30
    dedup_seconds: float = 60.0
    queue_size: int = 1000


@dataclass
class Message:
    """What is delivered: a title and a text, with the rule and account it came from."""

    rule: str
    account: str
    title: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


# ---- config ------------------------------------------------------------------------------------------------
def _secret_env(table: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> Secret | None:
    var = table.get(key)
    if var is None:
        return None
    if not isinstance(var, str) or not var:
        raise ConfigError(f"{where}{key}", f"{var!r} must name an environment variable")
    value = env.get(var, "")
    if not value:
        raise ConfigError(f"{where}{key}", f"environment variable {var} is not set")
    return Secret(value, f"env:{var}")


_SINK_KEYS = {"name", "type", "url", "url_env", "secret_env", "host", "port", "from", "to", "user",
              "password_env", "starttls"}
_RULE_KEYS = {"on", "codes", "seconds", "at", "sinks"}
_NOTIFY_KEYS = {"sinks", "rules", "timeout", "retries", "backoff", "rate_per_minute", "dedup_seconds",
                "queue_size"}


def _check(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _parse_sink(table: Any, i: int, env: Mapping[str, str]) -> SinkSettings:
    where = f"notify.sinks[{i}]."
    if not isinstance(table, dict):
        raise ConfigError(f"notify.sinks[{i}]", f"{table!r} must be a table")
    _check(table, _SINK_KEYS, where)
    name, kind = table.get("name"), table.get("type")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}name", f"{name!r} must be a non-empty string")
    if kind not in SINK_TYPES:
        raise ConfigError(f"{where}type", f"{kind!r} must be one of {', '.join(SINK_TYPES)}")
    sink = SinkSettings(name=name, type=kind, secret=_secret_env(table, "secret_env", where, env))
    if kind == "email":
        sink.host = str(table.get("host", "localhost"))
        port = table.get("port", 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ConfigError(f"{where}port", f"{port!r} must be a port number")
        sink.port = port
        sink.sender = str(table.get("from", ""))
        to = table.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
            raise ConfigError(f"{where}to", f"{to!r} must be a non-empty list of addresses")
        if "@" not in sink.sender:
            raise ConfigError(f"{where}from", f"{sink.sender!r} must be an address")
        sink.to = list(to)
        sink.user = str(table.get("user", ""))
        sink.password = _secret_env(table, "password_env", where, env)
        sink.starttls = bool(table.get("starttls", False))
        return sink
    if ("url" in table) == ("url_env" in table):
        raise ConfigError(f"{where}url_env", "give exactly one of url and url_env (robot URLs hold a token: "
                          "prefer url_env)")
    url = table.get("url")
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}url", f"{url!r} must be an http(s) URL")
        sink.url = Secret(url, "config")
    else:
        sink.url = _secret_env(table, "url_env", where, env)
    if kind in ("dingtalk", "feishu") and sink.secret is None:
        log.info("sink %s: no secret_env, messages are not signed", name)
    return sink


def _parse_rule(table: Any, i: int, sinks: set[str]) -> Rule:
    where = f"notify.rules[{i}]."
    if not isinstance(table, dict):
        raise ConfigError(f"notify.rules[{i}]", f"{table!r} must be a table")
    _check(table, _RULE_KEYS, where)
    on = table.get("on")
    if on not in RULES:
        raise ConfigError(f"{where}on", f"{on!r} must be one of {', '.join(RULES)}")
    rule = Rule(on=on)
    codes = table.get("codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ConfigError(f"{where}codes", f"{codes!r} must be a list of reject codes")
    rule.codes = list(codes)
    seconds = table.get("seconds", 30.0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ConfigError(f"{where}seconds", f"{seconds!r} must be a number >= 0")
    rule.seconds = float(seconds)
    at = table.get("at", "15:15")
    try:
        _dt.time.fromisoformat(at)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}at", f"{at!r} must be a time HH:MM") from None
    rule.at = at
    targets = table.get("sinks", [])
    if not isinstance(targets, list) or any(t not in sinks for t in targets):
        raise ConfigError(f"{where}sinks", f"{targets!r} must list sink names ({', '.join(sorted(sinks))})")
    rule.sinks = list(targets)
    return rule


def parse_notify(table: Any, env: Mapping[str, str] | None = None) -> NotifySettings | None:
    """Validate a `[notify]` table (None when absent); errors name the key, never a secret's value."""
    if table is None:
        return None
    env = os.environ if env is None else env
    if not isinstance(table, dict):
        raise ConfigError("notify", f"{table!r} must be a table")
    _check(table, _NOTIFY_KEYS, "notify.")
    raw_sinks = table.get("sinks", [])
    if not isinstance(raw_sinks, list) or not raw_sinks:
        raise ConfigError("notify.sinks", "at least one [[notify.sinks]] is needed")
    sinks = [_parse_sink(t, i, env) for i, t in enumerate(raw_sinks)]
    names = {s.name for s in sinks}
    if len(names) != len(sinks):
        raise ConfigError("notify.sinks", "sink names must be unique")
    raw_rules = table.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError("notify.rules", "must be an array of tables ([[notify.rules]])")
    settings = NotifySettings(sinks=sinks, rules=[_parse_rule(t, i, names) for i, t in enumerate(raw_rules)])
    for key in ("timeout", "backoff", "dedup_seconds"):
        value = table.get(key, getattr(settings, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"notify.{key}", f"{value!r} must be a number >= 0")
        setattr(settings, key, float(value))
    for key in ("retries", "rate_per_minute", "queue_size"):
        value = table.get(key, getattr(settings, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "retries" else 1):
            least = 0 if key == "retries" else 1
            raise ConfigError(f"notify.{key}", f"{value!r} must be an integer >= {least}")
        setattr(settings, key, value)
    return settings


# ---- formats -----------------------------------------------------------------------------------------------
def _sign(secret: str, text: str) -> str:
    """base64(HMAC-SHA256(key = secret, message = text)): DingTalk's signature."""
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def render(sink: SinkSettings, msg: Message, now: float) -> tuple[str, bytes]:
    """(URL, JSON body) of a message for an HTTP sink, signed where the platform signs."""
    assert sink.url is not None
    url = sink.url.reveal()
    content = f"{msg.title}\n{msg.text}"
    body: dict[str, Any]
    if sink.type == "webhook":
        body = {"rule": msg.rule, "account": msg.account, "title": msg.title, "text": msg.text,
                "data": msg.data, "time": now}
    elif sink.type == "wecom":
        body = {"msgtype": "text", "text": {"content": content}}
    elif sink.type == "dingtalk":
        body = {"msgtype": "text", "text": {"content": content}}
        if sink.secret is not None:
            ts = str(int(now * 1000))
            sign = urllib.parse.quote_plus(_sign(sink.secret.reveal(), f"{ts}\n{sink.secret.reveal()}"))
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign}"
    elif sink.type == "feishu":
        body = {"msg_type": "text", "content": {"text": content}}
        if sink.secret is not None:
            ts = str(int(now))
            # Feishu: the key is "timestamp\nsecret", the message empty
            key = f"{ts}\n{sink.secret.reveal()}".encode()
            body["timestamp"] = ts
            body["sign"] = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    else:
        raise ValueError(f"sink {sink.name}: {sink.type} is not an HTTP sink")
    return url, json.dumps(body, ensure_ascii=False).encode()


def _deliver(sink: SinkSettings, msg: Message, timeout: float) -> None:
    """One attempt; raises on failure (an HTTP status >= 300, an error code in a robot's reply, a timeout)."""
    if sink.type == "email":
        mail = EmailMessage()
        mail["Subject"] = f"[shandian {msg.account}] {msg.title}"
        mail["From"] = sink.sender
        mail["To"] = ", ".join(sink.to)
        mail.set_content(msg.text)
        with smtplib.SMTP(sink.host, sink.port, timeout=timeout) as smtp:
            if sink.starttls:
                smtp.starttls()
            if sink.user and sink.password is not None:
                smtp.login(sink.user, sink.password.reveal())
            smtp.send_message(mail)
        return
    url, body = render(sink, msg, time.time())
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        reply = resp.read()
    if sink.type in ("wecom", "dingtalk", "feishu") and reply:
        try:
            parsed = json.loads(reply)
        except ValueError:
            return
        code = parsed.get("errcode", parsed.get("code", 0)) if isinstance(parsed, dict) else 0
        if code:
            raise RuntimeError(f"robot answered error code {code}")


# ---- delivery ----------------------------------------------------------------------------------------------
class _SinkWorker:
    """One sink's thread: bounded queue, rate limit, retries with back-off."""

    def __init__(self, sink: SinkSettings, settings: NotifySettings) -> None:
        self.sink = sink
        self.settings = settings
        self.queue: queue.Queue[Message | None] = queue.Queue(maxsize=settings.queue_size)
        self.sent = 0
        self.failed = 0
        self.dropped = 0  # queue full or over the rate limit
        # send times per rule: a flood of fills must not use up the budget of a kill switch message
        self._times: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.thread = threading.Thread(target=self._loop, name=f"notify-{sink.name}", daemon=True)
        self.thread.start()

    def put(self, msg: Message) -> None:
        while True:
            try:
                self.queue.put_nowait(msg)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()  # the oldest goes: newer news matters more
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _loop(self) -> None:
        while (msg := self.queue.get()) is not None:
            now = time.monotonic()
            times = self._times[msg.rule]
            while times and now - times[0] > 60.0:
                times.popleft()
            if len(times) >= self.settings.rate_per_minute:
                self.dropped += 1
                continue
            times.append(now)
            delay = self.settings.backoff
            for attempt in range(self.settings.retries + 1):
                try:
                    _deliver(self.sink, msg, self.settings.timeout)
                    self.sent += 1
                    break
                except Exception as e:  # any failure of a remote endpoint is retried, then counted
                    # the type only: an exception text may quote the URL, and robot URLs hold their token
                    log.warning("notify %s: attempt %d failed (%s)", self.sink.name, attempt + 1,
                                type(e).__name__)
                    if attempt == self.settings.retries:
                        self.failed += 1
                    else:
                        time.sleep(delay)
                        delay *= 2


class Notifier:
    """Turns journal records and status snapshots into messages; hands them to the sinks' workers."""

    def __init__(self, settings: NotifySettings, account: str) -> None:
        self.settings = settings
        self.account = account
        self.workers = {s.name: _SinkWorker(s, settings) for s in settings.sinks}
        self._recent: dict[tuple[str, str], float] = {}
        self.deduplicated = 0
        self._down_since: dict[str, float] = {}  # session -> wall time of its disconnect
        self._down_told: set[str] = set()
        self._risk_state: str | None = None
        self._killed = False
        self._summary_day: dict[int, str] = {}  # rule index -> the date its summary was sent
        self._last_status: dict[str, Any] | None = None
        self._agent_names: dict[int, str] = {}

    def _rules(self, on: str) -> list[Rule]:
        return [r for r in self.settings.rules if r.on == on]

    def emit(self, rule: Rule, title: str, text: str, data: dict[str, Any] | None = None) -> None:
        """Queue a message for the rule's sinks, unless the same was sent within dedup_seconds."""
        now = time.monotonic()
        key = (rule.on, f"{title}\n{text}")
        if now - self._recent.get(key, -1e18) < self.settings.dedup_seconds:
            self.deduplicated += 1
            return
        self._recent[key] = now
        if len(self._recent) > 10_000:
            self._recent = {k: t for k, t in self._recent.items() if now - t < self.settings.dedup_seconds}
        msg = Message(rule.on, self.account, title, text, data or {})
        for name in rule.sinks or list(self.workers):
            self.workers[name].put(msg)

    def on_record(self, rec: Mapping[str, Any]) -> None:
        """One journal record of this engine process."""
        kind = rec["kind"]
        agent = rec.get("agent_name") or "unattributed"
        if kind == "trade":
            for rule in self._rules("fill"):
                side = f"{rec['direction']} {rec['offset']}"
                self.emit(rule, f"fill {rec['symbol']}", f"{agent}: {side} {rec['volume']} @ {rec['price']} "
                          f"(trade {rec['trade_id']})", {"seq": rec["seq"]})
        elif (kind == "order_update" and rec.get("status") == "rejected") or kind == "risk_decision":
            code = rec.get("reject_code") or "REJECTED"
            for rule in self._rules("reject"):
                if not rule.codes or code in rule.codes:
                    text = f"{agent} {rec.get('symbol') or ''}: {rec.get('text') or ''}"
                    self.emit(rule, f"reject {code}", text,
                              {"seq": rec["seq"], "code": code})
        elif kind == "agent_stopped" and not str(rec.get("text") or "").startswith("engine stopping"):
            for rule in self._rules("agent_stopped"):
                self.emit(rule, f"agent {agent} stopped", str(rec.get("text") or ""), {"seq": rec["seq"]})
        elif kind == "notice":
            text = str(rec.get("text") or "")
            notice = text.split(":", 1)[0]
            session = notice.split("_", 1)[0]
            if notice.endswith("_disconnected"):
                self._down_since.setdefault(session, rec["wall_ns"] / 1e9)
            elif notice.endswith("_ready"):
                if session in self._down_told:
                    for rule in self._rules("disconnect"):
                        self.emit(rule, f"{session} session back", text)
                self._down_since.pop(session, None)
                self._down_told.discard(session)

    def on_status(self, status: Mapping[str, Any] | None, now: float) -> None:
        """Take the engine's latest status (None: none yet) and the wall clock; check the timed rules."""
        for session, since in self._down_since.items():
            for rule in self._rules("disconnect"):
                if now - since >= rule.seconds and session not in self._down_told:
                    self._down_told.add(session)
                    self.emit(rule, f"{session} session down", f"disconnected for {now - since:.0f} s")
        if status is not None:
            self._last_status = dict(status)
            state = str(status.get("risk_state", ""))
            if self._risk_state is not None and state != self._risk_state:
                for rule in self._rules("risk_state"):
                    self.emit(rule, f"risk state {state}",
                              f"account trading state {self._risk_state} → {state}")
            self._risk_state = state
            killed = bool(status.get("killed"))
            if killed and not self._killed:
                errors = [e for e in status.get("errors", []) if "kill switch" in str(e)]
                for rule in self._rules("kill_switch"):
                    self.emit(rule, "KILL SWITCH", errors[-1] if errors else "the kill switch fired")
            self._killed = killed
        local = _dt.datetime.fromtimestamp(now)
        for i, rule in enumerate(self.settings.rules):
            if rule.on != "daily_summary" or self._summary_day.get(i) == local.date().isoformat():
                continue
            if local.time() >= _dt.time.fromisoformat(rule.at):
                self._summary_day[i] = local.date().isoformat()
                s = self._last_status or {}
                self.emit(rule, f"daily summary {local.date().isoformat()}",
                          f"orders {s.get('orders', '?')}, fills {s.get('fills', '?')}, rejects "
                          f"{s.get('rejects', '?')}, PnL {s.get('pnl', '?')}, "
                          f"risk {s.get('risk_state', '?')}",
                          {k: s.get(k) for k in ("orders", "fills", "rejects", "pnl")})

    def close(self, timeout: float) -> None:
        """Let the workers finish what is queued, for at most `timeout` seconds in all."""
        for w in self.workers.values():
            try:
                w.queue.put_nowait(None)
            except queue.Full:
                pass
        end = time.monotonic() + timeout
        for w in self.workers.values():
            w.thread.join(timeout=max(0.0, end - time.monotonic()))
