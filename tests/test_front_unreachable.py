"""A front that cannot be reached: a few log lines (not one a second), and a report that says why.

Driven by the real SFIT 6.7.11 library against loopback addresses only: a listener that accepts and closes
at once (the library reports 4097 about once a second), one that answers with bytes that are not CTP
(8195), and a port nothing listens on (the library reports nothing at all).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shandian import _core
from shandian.session_events import FrontReach, RepeatCounter, disconnect_reason

ROOT = Path(__file__).resolve().parents[1]


class Listener:
    """A loopback TCP listener that accepts every connection and either closes it or sends junk."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.open: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.accepted += 1
            if self.mode == "close":
                conn.close()
            else:
                conn.sendall(b"\xff" * 64)
                self.open.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.open:
            conn.close()


@pytest.fixture
def listeners() -> Iterator[tuple[Listener, Listener]]:
    pair = (Listener("close"), Listener("junk"))
    yield pair
    for listener in pair:
        listener.close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return int(s.getsockname()[1])


def run_sfit(tmp_path: Path, trader: str, md: str, *engine: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "unreachable.toml"
    cfg.write_text(
        '[account]\nlibrary = "sfit"\nbroker_id = "9999"\nuser_id = "u1"\npassword_env = "UNREACHABLE_PW"\n'
        f'trader_fronts = ["{trader}"]\nmd_fronts = ["{md}"]\n'
        "[engine]\nprogress_interval = 0\n" + "".join(f"{line}\n" for line in engine)
        + "[journal]\nenabled = false\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "shandian", "run", str(cfg), "--pid-file", str(tmp_path / "run.pid")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "UNREACHABLE_PW": "x"},
    )


def test_run_when_fronts_drop_every_attempt_logs_sparsely_and_reports_never_reached(
        tmp_path: Path, listeners: tuple[Listener, Listener]) -> None:
    closing, junk = listeners
    trader, md = f"tcp://127.0.0.1:{closing.port}", f"tcp://127.0.0.1:{junk.port}"
    proc = run_sfit(tmp_path, trader, md, "login_timeout = 9", "duration = 60")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "stopped: trading not ready after 9 s (trader disconnected, md disconnected)" in proc.stdout
    m = re.search(rf"error +trader front {trader} never reached: (\d+) attempts, last reason 4097 "
                  r"\(network read failed\)", proc.stdout)
    assert m, proc.stdout
    attempts = int(m.group(1))
    assert attempts >= 6 and closing.accepted >= attempts  # the library retries about once a second
    m = re.search(rf"error +md front {md} never reached: (\d+) attempts, last reason 8195 "
                  r"\(malformed packet received\)", proc.stdout)
    assert m and int(m.group(1)) >= 6, proc.stdout
    # One log line per power of two (1, 2, 4, 8 ...) and the total at stop, not one per attempt.
    logged = [line for line in proc.stderr.splitlines() if "session trader_disconnected [4097]" in line]
    assert len(logged) <= attempts.bit_length() + 1 < attempts, "\n".join(logged)
    assert "(reason 4097: network read failed)" in logged[0] and "times so far" not in logged[0]
    assert "(2 times so far; logged again at 4)" in logged[1]
    assert logged[-1].endswith(f"({attempts} times in all)") or f"({attempts} times so far" in logged[-1]
    # The library's own line for each attempt: in the log as sparsely, never in the report's stdout.
    vendor = [line for line in proc.stderr.splitlines() if "CTP library: " in line and "[ 4097]" in line]
    assert 2 <= len(vendor) <= attempts.bit_length() + 1, "\n".join(vendor)
    assert "OnSessionDisconnected" not in proc.stdout


def test_run_when_nothing_listens_reports_fronts_never_reached_and_fails(tmp_path: Path) -> None:
    trader, md = f"tcp://127.0.0.1:{closed_port()}", f"tcp://127.0.0.1:{closed_port()}"
    proc = run_sfit(tmp_path, trader, md, "duration = 3")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "stopped: duration reached (3 s)" in proc.stdout
    assert re.search(r"error +trading never became ready in 3 s \(trader \w+, md \w+\)", proc.stdout)
    for api, front in (("trader", trader), ("md", md)):
        assert (f"{api} front {front} never reached: no connection in 3 s and no failed attempt reported"
                in proc.stdout), proc.stdout


def test_disconnect_reason_when_code_documented_names_it_in_words() -> None:
    assert [_core.disconnect_reason_text(c) for c in (4097, 4098, 8193, 8194, 8195)] == [
        "network read failed", "network write failed", "heartbeat receive timeout", "heartbeat send failed",
        "malformed packet received"]
    assert disconnect_reason(12345) == "12345 (unknown reason)"


def test_repeat_counter_when_event_repeats_logs_powers_of_two_and_totals_the_rest() -> None:
    counter = RepeatCounter()
    logged = [n for n in (counter.occurred("down") for _ in range(21)) if n is not None]
    assert logged == [1, 2, 4, 8, 16]
    assert counter.occurred("other") == 1
    assert counter.forget(lambda key: key == "down") == [("down", 21)]
    assert counter.occurred("down") == 1  # counted afresh


def test_front_reach_when_connected_once_is_not_never_reached() -> None:
    reach = FrontReach("trader", ["tcp://127.0.0.1:1"])
    reach.disconnected(8195)
    assert reach.never_reached(5.0) == ("trader front tcp://127.0.0.1:1 never reached: 1 attempt, "
                                        "last reason 8195 (malformed packet received)")
    reach.connected()
    reach.disconnected(4097)
    assert reach.never_reached(5.0) is None and reach.failed_attempts == 1
