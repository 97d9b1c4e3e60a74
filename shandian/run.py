"""`shandian run CONFIG`: load and validate the config, run the engine, print the report.

Exit status: 0 after a normal stop (duration, Ctrl-C or SIGTERM), 1 when an agent failed, the session
stopped with an error, trading never became ready (each front never reached is named with its attempts and
last disconnect reason) or a second signal forced the stop; 2 for a configuration error (printed as
`config error: KEY: ...`, nothing else started).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]


def main(config_path: str, duration: float | None = None, json_path: str | None = None,
         quiet: bool = False, pid_file: str | None = None, status_file: str | None = None,
         dashboard: str | None = None) -> int:
    """Run CONFIG; returns the process exit status.

    `status_file`: keep the engine's status there (shandian.status; `shandian fleet` passes one). With
    `[mirror]` or `[notify]` configured, a sidecar process (shandian.sidecar) follows the journal.
    `dashboard`: [HOST:]PORT of the web dashboard (shandian.dashboard), or `[dashboard] listen`.
    """
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from shandian.config import ConfigError, load_config
    from shandian.engine import Engine

    if duration is not None and not duration > 0:
        print(f"config error: --duration: {duration!r} must be > 0 seconds", file=sys.stderr)
        return 2
    try:
        config = load_config(config_path)
        if quiet:
            config.engine.progress_interval = 0
        engine = Engine(config, out=sys.stderr, config_name=config_path)
        from shandian.sidecar import parse_sidecar

        sidecar_settings = parse_sidecar(config)
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:  # a library flavour that is not installed
        print(f"error: {e}", file=sys.stderr)
        return 2
    bound = duration or config.engine.duration
    until = "until Ctrl-C" if bound is None else f"for {bound:g} s"
    print(f"shandian run {config_path}: {len(engine.agents)} agents {until} "
          "(Ctrl-C or SIGTERM stops in order)", file=sys.stderr, flush=True)
    from shandian.control import default_pid_file, remove_pid_file, write_pid_file

    pid_path = Path(pid_file) if pid_file else default_pid_file()
    try:
        write_pid_file(pid_path)
    except FileExistsError as e:
        if pid_file:  # an explicit pid file must be this run's
            print(f"error: {e}", file=sys.stderr)
            return 2
        pid_path = pid_path.with_name(f"run-{os.getpid()}.pid")  # another run holds the default one
        write_pid_file(pid_path)
    except OSError as e:
        print(f"error: pid file {pid_path}: {e}", file=sys.stderr)
        return 2
    print(f"pid file {pid_path} (`shandian kill --pid-file {pid_path}` halts and cancels everything)",
          file=sys.stderr, flush=True)
    from shandian.sidecar import spawn
    from shandian.status import StatusWriter
    from shandian.vendor_output import VendorOutput

    listen = dashboard or config.dashboard.listen
    try:
        monitor = _start_dashboard(engine, pid_path, listen, config.dashboard.snapshot_interval_ms) \
            if listen else None
    except (OSError, ValueError) as e:
        remove_pid_file(pid_path)
        print(f"error: dashboard: {e}", file=sys.stderr)
        return 2
    status_path = Path(status_file) if status_file else None
    if status_path is None and sidecar_settings is not None and sidecar_settings.notify is not None:
        status_path = pid_path.with_name(f"status-{os.getpid()}.json")  # the notifier's timed rules read it
    status = StatusWriter(engine, status_path) if status_path is not None else None
    sidecar = spawn(config_path, status_path) if sidecar_settings is not None else None
    try:
        if status is not None:
            status.start()
        with VendorOutput():  # the CTP libraries' prints go to the log, the report alone to stdout
            report = engine.run(duration=duration)  # SIGUSR1/SIGUSR2 (`shandian kill`): kill switch
    finally:
        remove_pid_file(pid_path)
        if monitor is not None:
            monitor.stop()
        if status is not None:
            status.stop()
        if sidecar is not None:  # it drains the journal after this process has gone; reap it if it is done
            sidecar.poll()
    print(report.format(), flush=True)
    if json_path:
        Path(json_path).write_text(report.to_json() + "\n", encoding="utf-8")
    failed = any(a.status.startswith("failed") for a in report.agents)
    return 1 if failed or report.errors else 0


class _Monitor:
    """The dashboard process and the engine's command socket of one run."""

    def __init__(self, server: Any, process: Any, snapshot: Path) -> None:
        self.server, self.process, self.snapshot = server, process, snapshot

    def stop(self) -> None:
        """Stop the dashboard process (ours), close the socket, remove the snapshot file."""
        self.process.terminate()
        try:
            self.process.wait(5)
        except Exception:
            self.process.kill()
        self.server.close()
        self.snapshot.unlink(missing_ok=True)


def _start_dashboard(engine: Any, pid_path: Path, listen: str, interval_ms: float) -> _Monitor:
    """Publish the snapshot, open the command socket, spawn the dashboard and print its URLs once."""
    import subprocess

    from shandian.config import parse_listen
    from shandian.dashboard.__main__ import urls
    from shandian.dashboard.auth import ENV_READ_TOKEN, ENV_TOKEN, Tokens
    from shandian.engine.remote import CommandServer

    host, port = parse_listen(listen)
    tokens = Tokens.from_env()
    snapshot = pid_path.with_suffix(".snapshot")
    engine.publish_state(snapshot, interval_ms)
    server = CommandServer(engine, pid_path.with_suffix(".sock"))
    env = {**os.environ, ENV_TOKEN: tokens.admin, ENV_READ_TOKEN: tokens.read}
    command = [sys.executable, "-P", "-m", "shandian.dashboard", "--socket", str(server.path),
               "--listen", f"{host}:{port}"]
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
    full, read = urls(host, port, tokens)
    print(f"dashboard: {full}\ndashboard (read-only): {read}", file=sys.stderr, flush=True)
    return _Monitor(server, process, snapshot)
