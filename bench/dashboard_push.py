"""Dashboard cost and push latency: the demo run with no dashboard client, then with N WebSocket clients.

    python bench/dashboard_push.py [--clients 20] [--seconds 15] [--rounds 1] [--json F] [--quick]

Each phase is one `shandian run examples/demo.toml --dashboard PORT` process (the engine with its C++
snapshot and command socket, the dashboard in its own process). In the client phase, N WebSocket clients
(in this process) stay connected for the whole run and time every delta: the event is the engine's
snapshot publication (`wall_ns`, CLOCK_REALTIME stamped by the engine thread in C++), the arrival is the
client's CLOCK_REALTIME on receipt. The engine's tick→agent latency (CTP md callback → on_tick) comes
from each run's JSON report; the ratio p99(N clients) / p99(no client) is printed. Phases alternate when
`--rounds` > 1 (a noisy shared host drifts; alternation spreads the drift over both).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp: Path) -> Path:
    text = (ROOT / "examples" / "demo.toml").read_text()
    text = text.replace('class = "../agents/', f'class = "{ROOT}/agents/')
    text += f'\n[journal]\ndir = "{tmp / "journal"}"\n[dashboard]\nsnapshot_interval_ms = 50\n'
    path = tmp / "demo.toml"
    path.write_text(text)
    return path


async def _client(port: int, samples: list[float], stop: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    for _ in range(200):  # the dashboard process starts with the run
        try:
            async with connect(f"ws://127.0.0.1:{port}/ws?token={TOKEN}", max_size=None) as ws:
                while not stop.is_set():
                    try:
                        text = await asyncio.wait_for(ws.recv(), 1.0)
                    except TimeoutError:
                        continue
                    now = time.time_ns()
                    msg = json.loads(text)
                    if msg.get("type") == "delta" and "wall_ns" in msg:
                        samples.append((now - msg["wall_ns"]) / 1e6)
                return
        except (OSError, Exception) as e:  # not listening yet; or the run ended
            if stop.is_set():
                return
            if "ConnectionClosed" in type(e).__name__:
                return
            await asyncio.sleep(0.1)


def one_run(clients: int, seconds: float) -> dict[str, Any]:
    """One demo run with `clients` connected; the engine's latency and the clients' push latency (ms)."""
    with tempfile.TemporaryDirectory(prefix="shandian-dash-bench-") as d:
        tmp = Path(d)
        port = _free_port()
        out = tmp / "report.json"
        env = {**os.environ, "SHANDIAN_DASHBOARD_TOKEN": TOKEN}
        proc = subprocess.Popen([sys.executable, "-m", "shandian", "run", str(_config(tmp)), "--duration",
                                 str(seconds), "--dashboard", str(port), "--json", str(out), "--quiet",
                                 "--pid-file", str(tmp / "run.pid")], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        samples: list[float] = []

        async def drive() -> None:
            stop = asyncio.Event()
            tasks = [asyncio.create_task(_client(port, samples, stop)) for _ in range(clients)]
            while proc.poll() is None:
                await asyncio.sleep(0.2)
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run(drive())
        report = json.loads(out.read_text())
    samples.sort()

    def pct(p: float) -> float | None:
        return round(samples[min(len(samples) - 1, int(p / 100 * len(samples)))], 2) if samples else None

    return {"clients": clients, "tick_agent_us": report["latency_us"], "ticks": report.get("latency_samples"),
            "push_ms": {"n": len(samples), "p50": pct(50), "p90": pct(90), "p99": pct(99),
                        "max": round(samples[-1], 2) if samples else None}}


def main() -> int:
    """Run the phases, print the rows, optionally write JSON."""
    parser = argparse.ArgumentParser(prog="python bench/dashboard_push.py")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="6 s phases, 1 round")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    seconds, rounds = (6.0, 1) if args.quick else (args.seconds, args.rounds)
    runs: list[dict[str, Any]] = []
    for r in range(rounds):
        order = (0, args.clients) if r % 2 == 0 else (args.clients, 0)
        for clients in order:
            runs.append(one_run(clients, seconds))
            row = runs[-1]
            print(f"clients {clients:>3}  tick→agent µs p50 {row['tick_agent_us']['p50']} p99 "
                  f"{row['tick_agent_us']['p99']} (n={row['ticks']})  push ms {row['push_ms']}", flush=True)
    none = [r["tick_agent_us"]["p99"] for r in runs if r["clients"] == 0]
    many = [r["tick_agent_us"]["p99"] for r in runs if r["clients"] == args.clients]
    ratio = (sum(many) / len(many)) / (sum(none) / len(none))
    print(f"tick→agent p99 with {args.clients} clients / without: {ratio:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "p99_ratio": ratio}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
