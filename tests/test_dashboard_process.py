"""The dashboard process gives way to the engine: every thread of it (the server's and its workers') runs
under SCHED_IDLE, so a waking engine thread always preempts it on a busy host."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.dashboard_engine import free_port, wait_for


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux-only")
def test_dashboard_process_when_started_all_threads_sched_idle(tmp_path: Path) -> None:
    token = "process-test-token-0123456789"
    port = free_port()
    env = {**os.environ, "SHANDIAN_DASHBOARD_TOKEN": token}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shandian.dashboard", "--socket", str(tmp_path / "absent.sock"), "--listen",
         f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        def served() -> bool:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/state?token={token}", timeout=2)
                return answer.status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(served, 30, "the dashboard to serve")
        # the attach loop asks the (absent) engine through worker threads: they exist by now
        wait_for(lambda: len(os.listdir(f"/proc/{proc.pid}/task")) > 1, 10, "a worker thread")
        threads = [int(t) for t in os.listdir(f"/proc/{proc.pid}/task")]
        assert {os.sched_getscheduler(t) for t in threads} == {os.SCHED_IDLE}
    finally:
        proc.terminate()
        proc.wait(10)
