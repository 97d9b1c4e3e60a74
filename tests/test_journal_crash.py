"""Crash test of the journal: an engine process trading against a local front is killed with
SIGKILL at random points (during start-up and recovery too), restarted, and finally verified.

The local front runs inside the engine process, so it dies with it. The front address carries
`state=<file>`: the front's input log (cpp/sim/api/state_log.hpp), replayed by the next process into a fresh
exchange core — the counter's book, accounts, sessions and order refs survive exactly as a real counter
survives a client crash, and the restarted engine reconciles against it (order/trade queries).

Checks after the last restart: per-agent positions equal both the journal replay and, summed with the
"unattributed" book, the front's positions; no trade is journaled twice; every order is accounted for
(confirmed by the counter, or reported as a discrepancy); the sequence has no gaps.

SHANDIAN_JOURNAL_CRASH_ITERATIONS (default 20) sets the number of kills: a soak is e.g. 200.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from shandian.journal import JournalReader

CHILD = Path(__file__).with_name("journal_crash_child.py")
ITERATIONS = int(os.environ.get("SHANDIAN_JOURNAL_CRASH_ITERATIONS", "20"))
SEED = int(os.environ.get("SHANDIAN_JOURNAL_CRASH_SEED", str(int(time.time()))))


def _run_and_kill(directory: Path, rng: random.Random, log) -> str:
    """Start a trading child and SIGKILL it at a random point; returns where it was killed."""
    seed = str(rng.randrange(1 << 30))
    proc = subprocess.Popen([sys.executable, str(CHILD), str(directory), "trade", seed],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    trading = threading.Event()

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "TRADING":
                trading.set()

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    if rng.random() < 0.25:
        where = "start-up/recovery"
        trading.wait(rng.uniform(0.2, 2.0))  # a random instant while starting, recovering or just after
    else:
        where = "trading"
        assert trading.wait(60), "the child never started trading (see the child log)"
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(rng.uniform(0.05, 1.5))  # the kill instant (returns early only if the child died)
    assert proc.poll() is None, f"the child exited by itself (rc {proc.returncode})"
    proc.kill()  # SIGKILL
    proc.wait(30)
    reader.join(5)
    return where


def test_journal_when_engine_killed_at_random_points_positions_and_orders_reconcile(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    kills: list[str] = []
    with (tmp_path / "children.log").open("w") as log:
        for _ in range(ITERATIONS):
            kills.append(_run_and_kill(tmp_path, rng, log))
        done = subprocess.run([sys.executable, str(CHILD), str(tmp_path), "verify", "0"], stderr=log,
                              stdout=subprocess.DEVNULL, timeout=120)
    context = f"seed {SEED}, kills {kills}, log {tmp_path / 'children.log'}"
    assert done.returncode == 0, context
    v = json.loads((tmp_path / "verify.json").read_text())
    assert v["stop_reason"] == "verified", context
    replay = v["replay"]
    assert replay["runs"] >= 2, context

    # No trade journaled twice: distinct keys == trade rows, and the replay met no duplicate.
    reader = JournalReader(v["journal"])
    records = list(reader)
    assert reader.gaps == [], context
    trade_rows = [r for r in records if r["kind"] == "trade"]
    assert replay["duplicate_trades"] == 0, context
    assert len(trade_rows) == len(replay["trades"]) > 0, context

    # Positions: per agent, the engine's rebuilt books == the journal replay; all books together == the front.
    positions = replay["positions"]
    for name, lots in v["agents"].items():
        assert list(positions.get(name, {}).get("rb2505", (0, 0))) == lots, (name, context)
    total = [sum(p.get("rb2505", (0, 0))[i] for p in positions.values()) for i in (0, 1)]
    assert total == v["front"], (positions, context)

    # Every order accounted for: the counter confirmed it after the restarts, or recovery reported it.
    reported = " ".join(v["discrepancies"])
    for o in replay["orders"]:
        if o["requested"] and o["status"] == "submitting":
            assert f"order ref {o['order_ref']} " in reported, (o, context)
    assert v["journal_stats"]["lost"] == 0 and v["journal_stats"]["error"] == "", context
    # The C++ ledgers, seeded from the journal before the first position reconcile, agree with the counter.
    assert v["engine_stats"].get("position_mismatches", 0) == 0, context
