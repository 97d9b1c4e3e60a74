"""`shandian fleet`: one supervisor per host runs one `shandian run` per account and restarts it on a crash.

    shandian fleet up FLEET.toml         # supervise (foreground; --detach to background it)
    shandian fleet status FLEET.toml     # one row per engine
    shandian fleet stop|restart FLEET.toml NAME
    shandian fleet down FLEET.toml       # every engine stopped in order (working orders cancelled), then
                                         # the supervisor

FLEET.toml:

    [fleet]
    dir = "/var/lib/shandian/fleet"   # state: pid files, status files, logs (default: next to FLEET.toml,
                                      # `<stem>.fleet/`)
    backoff = 1.0                     # first restart delay (s), doubled per crash up to backoff_max
    backoff_max = 30.0
    max_restarts = 5                  # crashes within `window` seconds before giving up on an engine
    window = 600.0
    [[engines]]
    name = "acct-a"
    config = "acct-a.toml"            # an ordinary `shandian run` config (relative to FLEET.toml)

Everything is on disk under `dir/<name>/`: `engine.pid` (the run's pid file), `status.json` (the
engine's status, shandian.status), `desired` (running | stopped: what the commands ask for), `state.json`
(the supervisor's view: state, restarts, last exit), `engine.log`. Engines run in their own sessions, so
a supervisor that dies leaves them running; the next `fleet up` re-attaches to them by their pid files. A
crashed engine is restarted as `shandian run` always starts: recovery from the journal.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian.errors import ConfigError
from shandian.status import process_alive, read_status

__all__ = ["EngineEntry", "FleetConfig", "Supervisor", "add_fleet_parser", "fleet_main", "load_fleet",
           "restart_engine", "status_rows", "stop_engine"]


@dataclass
class EngineEntry:
    """One `[[engines]]` entry."""

    name: str
    config: Path
    dir: Path

    @property
    def pid_file(self) -> Path:
        """The run's pid file."""
        return self.dir / "engine.pid"

    @property
    def status_file(self) -> Path:
        """The engine's status file."""
        return self.dir / "status.json"

    @property
    def state_file(self) -> Path:
        """The supervisor's view of the engine."""
        return self.dir / "state.json"

    @property
    def desired_file(self) -> Path:
        """What the commands ask for: running or stopped."""
        return self.dir / "desired"

    @property
    def log_file(self) -> Path:
        """The engine's stdout and stderr."""
        return self.dir / "engine.log"


@dataclass
class FleetConfig:
    """A fleet file."""

    dir: Path
    engines: list[EngineEntry]
    backoff: float = 1.0
    backoff_max: float = 30.0
    max_restarts: int = 5
    window: float = 600.0
    poll: float = 0.1
    extra_args: list[str] = field(default_factory=list)

    @property
    def supervisor_pid_file(self) -> Path:
        """The supervisor's pid file."""
        return self.dir / "supervisor.pid"


def _num(table: dict[str, Any], key: str, default: float, minimum: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"fleet.{key}", f"{value!r} must be a number >= {minimum:g}")
    return float(value)


def load_fleet(path: str | Path) -> FleetConfig:
    """Read and validate FLEET.toml (each engine's run config must exist)."""
    path = Path(path).resolve()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError("", f"cannot read fleet file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("", f"{path} is not valid TOML: {e}") from None
    for key in data:
        if key not in ("fleet", "engines"):
            raise ConfigError(key, "unknown key (allowed: engines, fleet)")
    table = data.get("fleet", {})
    allowed = {"dir", "backoff", "backoff_max", "max_restarts", "window"}
    for key in table:
        if key not in allowed:
            raise ConfigError(f"fleet.{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    root = Path(str(table.get("dir", ""))).expanduser() if table.get("dir") else path.with_suffix(".fleet")
    root = root if root.is_absolute() else path.parent / root
    raw = data.get("engines", [])
    if not isinstance(raw, list) or not raw:
        raise ConfigError("engines", "at least one [[engines]] entry is needed")
    engines: list[EngineEntry] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or set(entry) - {"name", "config"}:
            raise ConfigError(f"engines[{i}]", "must be a table with name and config")
        name, config = entry.get("name"), entry.get("config")
        if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
            raise ConfigError(f"engines[{i}].name", f"{name!r} must be a name of letters, digits, '-_.'")
        if any(e.name == name for e in engines):
            raise ConfigError(f"engines[{i}].name", f"{name!r} is used twice")
        if not isinstance(config, str) or not config:
            raise ConfigError(f"engines[{i}].config", f"{config!r} must be a run config path")
        cfg = Path(config) if Path(config).is_absolute() else path.parent / config
        if not cfg.is_file():
            raise ConfigError(f"engines[{i}].config", f"{cfg}: no such file")
        engines.append(EngineEntry(name=name, config=cfg, dir=root / name))
    max_restarts = table.get("max_restarts", 5)
    if isinstance(max_restarts, bool) or not isinstance(max_restarts, int) or max_restarts < 0:
        raise ConfigError("fleet.max_restarts", f"{max_restarts!r} must be an integer >= 0")
    return FleetConfig(dir=root, engines=engines, backoff=_num(table, "backoff", 1.0, 0),
                       backoff_max=_num(table, "backoff_max", 30.0, 0), max_restarts=max_restarts,
                       window=_num(table, "window", 600.0, 1))


# ---- processes ---------------------------------------------------------------------------------------------
def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and int(text) > 1 else None


def _is_engine(pid: int, entry: EngineEntry) -> bool:
    """Whether `pid` is alive and is this entry's `shandian run` (not a reused pid)."""
    if not process_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"run" in cmdline and str(entry.pid_file).encode() in cmdline


def engine_pid(entry: EngineEntry) -> int | None:
    """Return the live engine pid of an entry (from its pid file), None when it is not running."""
    pid = _read_pid(entry.pid_file)
    return pid if pid is not None and _is_engine(pid, entry) else None


def _desired(entry: EngineEntry) -> str:
    try:
        return entry.desired_file.read_text(encoding="ascii").strip() or "running"
    except OSError:
        return "running"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _last_error(log_file: Path) -> str:
    """Return the last error line of an engine's log (what a person looks for first)."""
    try:
        with log_file.open("rb") as f:
            f.seek(max(0, log_file.stat().st_size - 16384))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if " ERROR " in line or line.startswith(("error:", "config error:")) or "Error:" in line:
            return line.strip()[-160:]
    return ""


@dataclass
class _Slot:
    """The supervisor's view of one engine."""

    entry: EngineEntry
    proc: subprocess.Popen[bytes] | None = None
    pid: int | None = None
    state: str = "starting"
    crashes: list[float] = field(default_factory=list)
    restarts: int = 0
    next_start: float = 0.0
    last_exit: str = ""
    started: float = 0.0


class Supervisor:
    """Starts, watches and restarts the fleet's engines; re-attaches to engines already running."""

    def __init__(self, fleet: FleetConfig) -> None:
        self.fleet = fleet
        self.slots = [_Slot(e) for e in fleet.engines]
        self._stop = False

    def _spawn(self, slot: _Slot) -> None:
        e = slot.entry
        e.dir.mkdir(parents=True, exist_ok=True)
        e.status_file.unlink(missing_ok=True)
        log = e.log_file.open("ab")
        argv = [sys.executable, "-P", "-m", "shandian", "run", str(e.config), "--pid-file", str(e.pid_file),
                "--status-file", str(e.status_file), *self.fleet.extra_args]
        # its own session: a supervisor that dies (or a Ctrl-C to its terminal) leaves the engine running
        slot.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, cwd=e.config.parent)
        log.close()
        slot.pid = slot.proc.pid
        slot.state = "running"
        slot.started = time.time()
        # the pid file is the engine's own (written once its config is loaded); write it now so that a
        # supervisor that dies in between still finds the engine
        e.pid_file.write_text(f"{slot.pid}\n", encoding="ascii")
        self._save(slot)

    def _save(self, slot: _Slot) -> None:
        _write_json(slot.entry.state_file, {
            "state": slot.state, "pid": slot.pid, "restarts": slot.restarts, "last_exit": slot.last_exit,
            "started": slot.started, "next_start": slot.next_start, "supervisor": os.getpid()})

    def attach(self) -> None:
        """Adopt engines left running by an earlier supervisor (their pid files name live engines)."""
        for slot in self.slots:
            old = _read_json(slot.entry.state_file)
            slot.restarts = int(old.get("restarts", 0))
            pid = engine_pid(slot.entry)
            if pid is not None:
                slot.pid, slot.state = pid, "running"
                slot.started = float(old.get("started", time.time()))
                self._save(slot)

    def _exited(self, slot: _Slot) -> str | None:
        """How the slot's engine ended (None: still running)."""
        if slot.proc is not None:
            code = slot.proc.poll()
            if code is None:
                return None
            return f"exit status {code}" if code >= 0 else f"killed by {signal.Signals(-code).name}"
        if slot.pid is not None and _is_engine(slot.pid, slot.entry):
            return None
        return "ended (attached: status unknown)"

    def step(self, now: float) -> None:
        """One pass over the engines: notice exits, restart with back-off, honour stop requests."""
        for slot in self.slots:
            desired = _desired(slot.entry)
            if slot.state == "running":
                how = self._exited(slot)
                if how is None:
                    continue
                slot.last_exit = how
                slot.proc, slot.pid = None, None
                if desired == "stopped" or how == "exit status 0":
                    slot.state = "stopped" if desired == "stopped" else "exited"
                    if desired != "stopped":  # a clean exit (duration reached, `fleet restart`): start again
                        slot.next_start = now
                        slot.state = "backoff"
                else:
                    slot.crashes = [t for t in slot.crashes if now - t < self.fleet.window] + [now]
                    if len(slot.crashes) > self.fleet.max_restarts:
                        slot.state = "gave-up"
                    else:
                        delay = min(self.fleet.backoff * 2 ** (len(slot.crashes) - 1), self.fleet.backoff_max)
                        slot.state, slot.next_start = "backoff", now + delay
                self._save(slot)
            elif desired == "running" and slot.state in ("starting", "backoff", "stopped") \
                    and now >= slot.next_start:
                if slot.state != "starting":
                    slot.restarts += 1
                self._spawn(slot)
            elif desired == "stopped" and slot.state in ("starting", "backoff"):
                slot.state = "stopped"
                self._save(slot)

    def run(self) -> int:
        """Supervise until SIGTERM / SIGINT (engines keep running) or `fleet down` (they were stopped)."""
        self.fleet.dir.mkdir(parents=True, exist_ok=True)
        pid_file = self.fleet.supervisor_pid_file
        other = _read_pid(pid_file)
        if other is not None and other != os.getpid() and process_alive(other):
            print(f"fleet: a supervisor is running already (pid {other})", file=sys.stderr)
            return 1
        pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")

        def on_signal(signum: int, frame: Any) -> None:
            self._stop = True

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.attach()
            for slot in self.slots:
                print(f"fleet: {slot.entry.name}: "
                      f"{'attached to pid ' + str(slot.pid) if slot.pid else 'starting'}", file=sys.stderr,
                      flush=True)
            while not self._stop:
                self.step(time.time())
                time.sleep(self.fleet.poll)
        finally:
            for s, h in previous.items():
                signal.signal(s, h)
            if _read_pid(pid_file) == os.getpid():
                pid_file.unlink(missing_ok=True)
        return 0


# ---- commands ----------------------------------------------------------------------------------------------
def stop_engine(entry: EngineEntry, timeout: float = 30.0) -> str:
    """Ask an engine to stop in order (SIGTERM: agents' on_stop, working orders cancelled); wait for it."""
    entry.dir.mkdir(parents=True, exist_ok=True)
    entry.desired_file.write_text("stopped\n", encoding="ascii")
    pid = engine_pid(entry)
    if pid is None:
        return "not running"
    os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _exited(pid, entry):
            return f"stopped (pid {pid})"
        time.sleep(0.05)
    return f"still running after {timeout:g} s (pid {pid})"


def _exited(pid: int, entry: EngineEntry) -> bool:
    """Whether the engine `pid` has exited (or its pid now names another process).

    An exiting process reads an empty cmdline once its memory is released, before it becomes a zombie:
    that is still "running" here, so "stopped" is only said once the process really is gone.
    """
    if not process_alive(pid):
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return bool(cmdline) and not _is_engine(pid, entry)


def restart_engine(fleet: FleetConfig, entry: EngineEntry) -> tuple[str, bool]:
    """Stop an engine in order and ask the supervisor to start it again (a stopped one: just start it).

    Returns what the stop did and whether a supervisor is running to do the start.
    """
    stopped = stop_engine(entry)
    entry.desired_file.write_text("running\n", encoding="ascii")
    sup = _read_pid(fleet.supervisor_pid_file)
    return stopped, sup is not None and process_alive(sup)


def status_rows(fleet: FleetConfig, processes: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    """One row per engine: supervisor state, process figures (psutil), the engine's own status figures.

    `processes` (pid -> psutil.Process), kept by a caller that asks again and again (the dashboard's fleet
    page): CPU % is then the share since the previous call instead of a 0.1 s sample per engine.
    """
    import psutil

    rows = []
    live: set[int] = set()
    for e in fleet.engines:
        sup = _read_json(e.state_file)
        pid = engine_pid(e)
        if pid is not None:
            live.add(pid)
        st = (read_status(e.status_file) or {}) if pid is not None else {}
        row: dict[str, Any] = {"name": e.name, "state": sup.get("state", "-"), "pid": pid,
                               "restarts": sup.get("restarts", 0)}
        if _desired(e) == "stopped" and pid is None:
            row["state"] = "stopped"
        elif row["state"] == "running" and pid is None:  # ended, not yet seen by a supervisor (or none runs)
            row["state"] = "down"
        if pid is not None:
            try:
                p = processes.get(pid) if processes is not None else None
                if p is None or not p.is_running():  # (is_running: not a reused pid)
                    p = psutil.Process(pid)
                with p.oneshot():
                    row["uptime_s"] = round(time.time() - p.create_time(), 1)
                    row["cpu_pct"] = p.cpu_percent(interval=0.1 if processes is None else None)
                    row["rss_mb"] = round(p.memory_info().rss / 2**20, 1)
                if processes is not None:
                    processes[pid] = p
            except psutil.Error:
                pass
            if not st.get("ready") and row["state"] == "running":
                row["state"] = "starting"
        for k in ("ready", "ticks_per_s", "orders", "fills", "pnl", "risk_state", "trader", "md"):
            row[k] = st.get(k)
        errors = st.get("errors") or []
        last = str(errors[-1]) if errors else _last_error(e.log_file)
        row["last_error"] = last or sup.get("last_exit", "")
        rows.append(row)
    if processes is not None:
        for pid in set(processes) - live:
            del processes[pid]
    return rows


def _format_rows(rows: list[dict[str, Any]]) -> str:
    cols = [("name", "NAME"), ("state", "STATE"), ("pid", "PID"), ("uptime_s", "UPTIME"), ("cpu_pct", "CPU%"),
            ("rss_mb", "RSS MB"), ("ticks_per_s", "TICKS/S"), ("orders", "ORDERS"), ("fills", "FILLS"),
            ("pnl", "PNL"), ("risk_state", "RISK"), ("restarts", "RESTARTS"), ("last_error", "LAST ERROR")]
    table = [[h for _, h in cols]] + [["-" if r.get(k) in (None, "") else str(r.get(k)) for k, _ in cols]
                                      for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
                     for row in table)


def add_fleet_parser(sub: Any) -> None:
    """Add the `fleet` subcommand and its actions."""
    fleet = sub.add_parser("fleet", help="supervise one engine per account: up, status, stop, restart, down")
    fs = fleet.add_subparsers(dest="fleet_command", required=True)
    up = fs.add_parser("up", help="start (or re-attach to) every engine and supervise them")
    up.add_argument("fleet_file")
    up.add_argument("--detach", action="store_true", help="run the supervisor in the background")
    st = fs.add_parser("status", help="one row per engine")
    st.add_argument("fleet_file")
    st.add_argument("--json", action="store_true", help="the rows as JSON")
    for name, text in (("stop", "stop one engine in order (it stays stopped)"),
                       ("restart", "stop one engine in order; the supervisor starts it again")):
        p = fs.add_parser(name, help=text)
        p.add_argument("fleet_file")
        p.add_argument("name")
    down = fs.add_parser("down", help="stop every engine in order, then the supervisor")
    down.add_argument("fleet_file")


def fleet_main(args: argparse.Namespace) -> int:
    """Run one `shandian fleet` action."""
    try:
        fleet = load_fleet(args.fleet_file)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        return 2
    cmd = args.fleet_command
    if cmd == "up":
        for e in fleet.engines:
            e.dir.mkdir(parents=True, exist_ok=True)
            e.desired_file.write_text("running\n", encoding="ascii")
        if args.detach:
            fleet.dir.mkdir(parents=True, exist_ok=True)
            log = (fleet.dir / "supervisor.log").open("ab")
            proc = subprocess.Popen([sys.executable, "-P", "-m", "shandian", "fleet", "up", args.fleet_file],
                                    start_new_session=True, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
            log.close()
            print(f"fleet supervisor pid {proc.pid}")
            return 0
        return Supervisor(fleet).run()
    if cmd == "status":
        rows = status_rows(fleet)
        print(json.dumps(rows) if args.json else _format_rows(rows))
        return 0
    if cmd in ("stop", "restart"):
        entry = next((e for e in fleet.engines if e.name == args.name), None)
        if entry is None:
            print(f"fleet: no engine named {args.name!r}", file=sys.stderr)
            return 2
        if cmd == "stop":
            print(f"{entry.name}: {stop_engine(entry)}")
            return 0
        stopped, supervised = restart_engine(fleet, entry)
        print(f"{entry.name}: {stopped}")
        if not supervised:
            print("fleet: no supervisor running: `shandian fleet up` starts it", file=sys.stderr)
            return 1
        return 0
    if cmd == "down":
        status = 0
        for e in fleet.engines:
            text = stop_engine(e)
            print(f"{e.name}: {text}")
            status |= int(text.startswith("still running"))
        sup = _read_pid(fleet.supervisor_pid_file)
        if sup is not None and process_alive(sup):
            os.kill(sup, signal.SIGTERM)
            end = time.monotonic() + 10
            while process_alive(sup) and time.monotonic() < end:
                time.sleep(0.05)
            print(f"supervisor (pid {sup}) stopped")
        return status
    raise AssertionError(cmd)
