"""Secrets (password, auth code) never appear in logs, progress output, reports or exception messages.

Runs real engines against the local front with a known password (env var) and auth code (0600 file),
captures every log record, the process's stdout/stderr (C++ prints included) and the report, and greps.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import shandian as sd
from shandian.config import EngineSettings, parse_config
from shandian.engine import Engine

PASSWORD = "Pw-0xDEADBEEF-never-print"
AUTH_CODE = "AC-8675309-never-print"


class Once(sd.Agent):
    def on_start(self) -> None:
        self.n = 0

    def on_tick(self, t: sd.Tick) -> None:
        self.n += 1
        if self.n == 1 and t.bid_price1 > 0:
            self.buy("rb2505", t.ask_price1, 1, kind="fak")
        if self.n >= 10:
            self._engine.stop("done")


def config(tmp_path: Path, name: str, **front: object) -> sd.Config:
    code = tmp_path / "auth_code"
    code.write_text(AUTH_CODE + "\n")
    code.chmod(0o600)
    data = {
        "account": {
            "preset": "local",
            "password_env": "SD_TEST_PASSWORD",
            "auth_code_file": str(code),
            "user_id": "secret-test",
        },
        "front": {"name": name, "instruments": ["rb"], "speed": 20, "query_interval_ms": 100, **front},
        "engine": {"progress_interval": 0.2, "login_timeout": 20},
    }
    return parse_config(data, env={"SD_TEST_PASSWORD": PASSWORD})


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text
        assert AUTH_CODE not in text


def run(
    cfg: sd.Config, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> str:
    out = tmp_path / "progress.txt"
    with caplog.at_level(logging.DEBUG), out.open("w") as progress:
        engine = Engine(cfg, out=progress)
        engine.add_agent(Once("once"), ["rb2505"])
        report = engine.run(duration=20)
    captured = capfd.readouterr()
    texts = [
        report.format(),
        report.to_json(),
        caplog.text,
        captured.out,
        captured.err,
        out.read_text(),
        repr(cfg),
        str(cfg.account),
    ]
    assert_clean(*texts)
    return report.format()


def test_engine_secrets_when_run_succeeds_never_appear_anywhere(tmp_path: Path, caplog, capfd) -> None:
    text = run(config(tmp_path, "secrets-ok"), tmp_path, caplog, capfd)
    assert "stopped: done" in text


def test_engine_secrets_when_auth_fails_error_and_report_do_not_leak(tmp_path: Path, caplog, capfd) -> None:
    # The front wants another auth code: ReqAuthenticate fails with 63 and the session stops (no retry).
    cfg = config(tmp_path, "secrets-auth", app_id="shandian_local", auth_code="1111222233334444")
    text = run(cfg, tmp_path, caplog, capfd)
    assert "session stopped" in text and "63" in text


def test_engine_secrets_when_config_error_message_names_source_not_value(tmp_path: Path) -> None:
    bad = tmp_path / "pw"
    bad.write_text(PASSWORD)
    bad.chmod(0o644)
    with pytest.raises(sd.ConfigError) as info:
        parse_config({"account": {"preset": "simnow", "password_file": str(bad)}}, env={"SIMNOW_USER": "u"})
    assert str(bad) in str(info.value)
    assert_clean(str(info.value), repr(info.value))


def test_engine_secrets_when_session_config_printed_shows_set_not_value(tmp_path: Path) -> None:
    engine = Engine(config(tmp_path, "secrets-repr"), out=None)
    session = engine._session_config()
    assert session.password == "<set>" and session.auth_code == "<set>"
    assert_clean(repr(session))
    assert EngineSettings().cancel_on_stop
