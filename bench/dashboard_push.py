"""Dashboard cost and push latency: the demo run with no dashboard client, then with N WebSocket clients.

    python bench/dashboard_push.py [--clients 20] [--seconds 15] [--rounds 1] [--json F] [--quick]
                                   [--client-priority idle|normal]

Each phase is one `shandian run examples/demo.toml --dashboard PORT` process (the engine with its C++
snapshot and command socket, the dashboard in its own process). In the client phase, N WebSocket clients
stay connected for the whole run and time every delta: the event is the engine's snapshot publication
(`wall_ns`, CLOCK_REALTIME stamped by the engine thread in C++); the arrival is the kernel's receive
timestamp of the message's data on the client socket (SO_TIMESTAMPNS, CLOCK_REALTIME: when it reached the
client's host, as it would reach a browser on another machine); the client process's own receipt time
and the dashboard's send stamp are reported beside it. The clients are test load, not the product: they
run in one child process of the bench (a selector loop over N real WebSocket connections, each message
reassembled and parsed with `json.loads`) under SCHED_IDLE by default, so that on a small host they take
only CPU the engine does not want. The engine's tick→agent latency (CTP md callback → on_tick) comes from
each run's JSON report; the ratio p99(N clients) / p99(no client) is printed (of the mean p99s, and per
round). Phases alternate when `--rounds` > 1 (a noisy shared host drifts; alternation spreads the drift
over both). Each phase also reports the CPU time of
the engine process, the dashboard process and the client process (from /proc), and the host's load.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import platform
import resource
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdef"
_TICK = os.sysconf("SC_CLK_TCK")
_POLICIES = {getattr(os, k): k[6:].lower() for k in ("SCHED_OTHER", "SCHED_IDLE", "SCHED_BATCH")
             if hasattr(os, k)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp: Path, snapshot_ms: float) -> Path:
    text = (ROOT / "examples" / "demo.toml").read_text()
    text = text.replace('class = "../agents/', f'class = "{ROOT}/agents/')
    text += f'\n[journal]\ndir = "{tmp / "journal"}"\n[dashboard]\nsnapshot_interval_ms = {snapshot_ms:g}\n'
    path = tmp / "demo.toml"
    path.write_text(text)
    return path


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a live process (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _set_priority(priority: str) -> None:
    if priority == "idle" and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


_SO_TIMESTAMPNS = 35  # Linux (asm-generic): the kernel's receive time of the data, as a cmsg of recvmsg
_CMSG_SPACE = socket.CMSG_SPACE(16)


class _Client:
    """A minimal WebSocket client (RFC 6455, no extension): every message reassembled and `json.loads`-ed.

    It records two arrival times per delta: the kernel's receive timestamp of the data that completed the
    message (SO_TIMESTAMPNS: when the message reached this host, as it would reach a browser elsewhere,
    whatever this idle process's scheduling) and the process's own receipt (after its wait for a CPU).
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET /ws?token={TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                          f"Sec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode())
        self.sock.setblocking(False)
        self.parts: list[bytes] = []
        self.kernel_ns = 0

    def read(self, on_message: Callable[[bytes, int], None]) -> bool:
        """Take what the socket has; hand each complete text message over; False once closed."""
        data, ancdata, _, _ = self.sock.recvmsg(1 << 16, _CMSG_SPACE)
        if not data:
            return False
        for level, kind, value in ancdata:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", value[:16])
                self.kernel_ns = sec * 1_000_000_000 + nsec
        self.buf += data
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1] & 0x7F
            at, length = 2, b1
            if b1 == 126:
                at, length = 4, int.from_bytes(self.buf[2:4], "big") if len(self.buf) >= 4 else -1
            elif b1 == 127:
                at, length = 10, int.from_bytes(self.buf[2:10], "big") if len(self.buf) >= 10 else -1
            if length < 0 or len(self.buf) < at + length:
                break
            payload, self.buf = self.buf[at:at + length], self.buf[at + length:]
            opcode = b0 & 0x0F
            if opcode == 8:
                return False
            if opcode == 9:  # ping: a masked pong with the same payload
                mask = os.urandom(4)
                self.sock.send(bytes([0x8A, 0x80 | len(payload)]) + mask +
                               bytes(c ^ mask[i % 4] for i, c in enumerate(payload)))
            elif opcode in (0, 1):
                self.parts.append(payload)
                if b0 & 0x80:  # FIN
                    on_message(b"".join(self.parts), self.kernel_ns)
                    self.parts = []
        return True


def clients_main(port: int, clients: int, out: Path, priority: str) -> int:
    """Run N WebSocket clients (this is the client process) until the dashboard closes them or SIGTERM."""
    _set_priority(priority)
    arrival: list[float] = []  # publication -> kernel receive stamp, ms
    receipt: list[float] = []  # publication -> this process's receipt, ms
    to_send: list[float] = []  # publication -> the dashboard's send stamp, ms
    counts = {"messages": 0, "bytes": 0}

    def on_message(text: bytes, kernel_ns: int) -> None:
        now = time.time_ns()
        msg = json.loads(text)
        counts["messages"] += 1
        counts["bytes"] += len(text)
        if msg.get("type") == "delta" and "wall_ns" in msg:
            arrival.append((kernel_ns - msg["wall_ns"]) / 1e6)
            receipt.append((now - msg["wall_ns"]) / 1e6)
            to_send.append((msg["sent_wall_ns"] - msg["wall_ns"]) / 1e6)

    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    selector = selectors.DefaultSelector()
    deadline = time.monotonic() + 30
    while len(selector.get_map()) < clients and time.monotonic() < deadline and not stop[0]:
        try:  # the dashboard process starts with the run
            client = _Client(port)
        except OSError:
            time.sleep(0.1)
            continue
        selector.register(client.sock, selectors.EVENT_READ, client)
    while selector.get_map() and not stop[0]:
        for key, _ in selector.select(1.0):
            try:
                alive = key.data.read(on_message)
            except BlockingIOError:
                continue
            except OSError:
                alive = False
            if not alive:
                selector.unregister(key.fileobj)
                key.data.sock.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({"arrival": arrival, "receipt": receipt, "to_send": to_send, **counts,
                               "cpu_s": usage.ru_utime + usage.ru_stime}))
    return 0


def _pct(values: list[float], p: float) -> float | None:
    """Return the p-th percentile of sorted `values` (nearest rank), rounded to 0.01."""
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 2) if values else None


def one_run(clients: int, seconds: float, priority: str, snapshot_ms: float) -> dict[str, Any]:
    """One demo run with `clients` connected; the engine's latency, the clients' push latency (ms), CPU."""
    with tempfile.TemporaryDirectory(prefix="shandian-dash-bench-") as d:
        tmp = Path(d)
        port = _free_port()
        out, client_out = tmp / "report.json", tmp / "clients.json"
        env = {**os.environ, "SHANDIAN_DASHBOARD_TOKEN": TOKEN}
        load0 = os.getloadavg()[0]
        proc = subprocess.Popen([sys.executable, "-m", "shandian", "run", str(_config(tmp, snapshot_ms)),
                                 "--duration", str(seconds), "--dashboard", str(port), "--json", str(out),
                                 "--quiet", "--pid-file", str(tmp / "run.pid")], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client_proc = subprocess.Popen([sys.executable, __file__, "--serve-clients", str(port), str(clients),
                                        str(client_out), "--client-priority", priority]) if clients else None
        cpu: dict[str, float] = {}
        policy = "?"
        while proc.poll() is None:  # the last reading before each process ends
            engine = _cpu_s(proc.pid)
            if engine is not None:
                cpu["engine"] = engine
            for child in _children(proc.pid):
                value = _cpu_s(child)
                if value is not None:
                    cpu["dashboard"] = value
                    with contextlib.suppress(OSError):
                        policy = _POLICIES.get(os.sched_getscheduler(child), "other")
            time.sleep(0.2)
        push: dict[str, Any] = {}
        if client_proc is not None:
            try:
                client_proc.wait(15)
            except subprocess.TimeoutExpired:
                client_proc.terminate()
                client_proc.wait(5)
            data = json.loads(client_out.read_text())
            cpu["clients"] = data["cpu_s"]
            arrival, receipt, to_send = (sorted(data[k]) for k in ("arrival", "receipt", "to_send"))
            push = {"n": len(arrival), "messages": data["messages"],
                    "bytes_per_message": round(data["bytes"] / max(1, data["messages"])),
                    **{f"p{p}": _pct(arrival, p) for p in (50, 90, 99)},
                    "max": round(arrival[-1], 2) if arrival else None,
                    "to_send_p50": _pct(to_send, 50), "to_send_p99": _pct(to_send, 99),
                    "receipt_p50": _pct(receipt, 50), "receipt_p99": _pct(receipt, 99)}
        report = json.loads(out.read_text())
    return {"clients": clients, "tick_agent_us": report["latency_us"], "ticks": report.get("latency_samples"),
            "push_ms": push, "cpu_s": {k: round(v, 2) for k, v in cpu.items()}, "dashboard_policy": policy,
            "load1": [round(load0, 2), round(os.getloadavg()[0], 2)]}


def _provenance(args: argparse.Namespace) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, check=False).stdout.strip())
    except OSError:
        commit, dirty = "?", False
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "commit": commit + ("+dirty" * dirty),
            "cpu": model, "cpus": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "clients": args.clients,
            "client_priority": args.client_priority, "snapshot_ms": args.snapshot_ms, "seconds": args.seconds,
            "rounds": args.rounds}


def main() -> int:
    """Run the phases, print the rows, optionally write JSON."""
    parser = argparse.ArgumentParser(prog="python bench/dashboard_push.py")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="6 s phases, 1 round")
    parser.add_argument("--client-priority", choices=("idle", "normal"), default="idle",
                        help="the client process's scheduling: SCHED_IDLE (default) or the bench's own")
    parser.add_argument("--snapshot-ms", type=float, default=50.0,
                        help="the engine's snapshot interval, [dashboard] snapshot_interval_ms (default 50; "
                        "the product's default is 100)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--serve-clients", nargs=3, metavar=("PORT", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_clients:
        port, n, client_out = args.serve_clients
        return clients_main(int(port), int(n), Path(client_out), args.client_priority)
    if args.quick:
        args.seconds, args.rounds = 6.0, 1
    provenance = _provenance(args)
    print(json.dumps(provenance), flush=True)
    runs: list[dict[str, Any]] = []
    for r in range(args.rounds):
        order = (0, args.clients) if r % 2 == 0 else (args.clients, 0)
        for clients in order:
            runs.append(one_run(clients, args.seconds, args.client_priority, args.snapshot_ms))
            row = runs[-1]
            print(f"clients {clients:>3}  tick→agent µs p50 {row['tick_agent_us']['p50']} p99 "
                  f"{row['tick_agent_us']['p99']} (n={row['ticks']})  push ms {row['push_ms']}  "
                  f"cpu s {row['cpu_s']}  load1 {row['load1']}", flush=True)
    none = [r["tick_agent_us"]["p99"] for r in runs if r["clients"] == 0]
    many = [r["tick_agent_us"]["p99"] for r in runs if r["clients"] == args.clients]
    ratio = (sum(many) / len(many)) / (sum(none) / len(none))
    per_round = [round(m / n, 3) for m, n in zip(many, none, strict=True)]  # each round's adjacent pair
    median_ratio = statistics.median(many) / statistics.median(none)
    pushes = sorted(p for r in runs for p in [r["push_ms"].get("p99")] if p is not None)
    print(f"tick→agent p99 with {args.clients} clients / without: ratio of mean p99s {ratio:.3f}, of median "
          f"p99s {median_ratio:.3f}; per round {per_round}; push p99 per phase: {pushes}")
    if args.json:
        Path(args.json).write_text(json.dumps({"provenance": provenance, "runs": runs, "p99_ratio": ratio,
                                              "p99_ratio_per_round": per_round,
                                              "p99_ratio_of_medians": median_ratio},
                                              indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
